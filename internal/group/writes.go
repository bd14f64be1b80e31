package group

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/qunbot/qunbot/internal/storage"
)

// Column sizes of customer_groups (MySQL counts characters).
const (
	maxName    = 128
	maxUserID  = 64
	maxVersion = 64
	maxKey     = 191
)

// snapshot is a group as groupchat/get answered.
type snapshot struct {
	ChatID, Name, Owner, Notice, Version string
	CreateTime                           time.Time
	Count                                int
}

// saveSnapshot writes what WeCom answered over the group, inserting it when
// new. Dismissal, store and tags are left alone. It returns the name the
// group had before ("" when it is new).
func (s *Store) saveSnapshot(ctx context.Context, snap snapshot) (prevName string, err error) {
	now := s.clock.Now()
	set := map[string]any{
		"name": storage.Truncate(snap.Name, maxName), "owner_user_id": storage.Truncate(snap.Owner, maxUserID),
		"notice": snap.Notice, "member_count": snap.Count, "member_version": storage.Truncate(snap.Version, maxVersion),
		"synced_at": now, "updated_at": now,
	}
	if !snap.CreateTime.IsZero() {
		set["created_at"] = storage.Timestamp(snap.CreateTime)
	}
	db := s.db.WithContext(ctx)
	var prev groupRow
	err = db.Select("name").Where("chat_id = ?", snap.ChatID).Take(&prev).Error
	if err != nil && !isNotFound(err) {
		return "", err
	}
	if _, err := s.ensureRow(ctx, snap.ChatID); err != nil {
		return "", err
	}
	return prev.Name, db.Model(&groupRow{}).Where("chat_id = ?", snap.ChatID).Updates(set).Error
}

// ensureRow inserts an empty row for a group qunbot has not seen, and
// reports whether it did.
func (s *Store) ensureRow(ctx context.Context, chatID string) (bool, error) {
	now := s.clock.Now()
	return storage.InsertOnce(s.db.WithContext(ctx), &groupRow{ChatID: chatID, RecordedAt: now, UpdatedAt: now})
}

// membership is the count change of one add_member or del_member event.
type membership struct {
	ChatID, Key     string
	Delta           int    // + joined, - left
	LastVer, CurVer string // member versions before and after, when WeCom sent them
	Due             time.Time
}

// applied is what applyMembership did.
type applied struct {
	First       bool // the event had not been applied before
	Dismissed   bool
	Synced      bool // the group had been read from WeCom, so its count is known
	Counted     bool // the count was changed by the event's arithmetic
	MemberCount int  // the count afterwards
}

// applyMembership records the event and, the first time, adjusts the count
// when that is safe, and asks for a reconcile. The group's row must exist.
func (s *Store) applyMembership(ctx context.Context, m membership) (applied, error) {
	var out applied
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row groupRow
		if err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Where("chat_id = ?", m.ChatID).Take(&row).Error; err != nil {
			return err
		}
		out.Dismissed, out.Synced, out.MemberCount = row.Dismissed, row.SyncedAt != nil, row.MemberCount
		first, err := s.recordEvent(tx, m.Key, m.ChatID)
		if err != nil || !first || row.Dismissed {
			return err
		}
		out.First = true
		if row.SyncedAt != nil && m.Delta != 0 && versionsAllow(row.MemberVersion, m.LastVer, m.CurVer) {
			out.Counted, out.MemberCount = true, max(0, row.MemberCount+m.Delta)
			set := map[string]any{"member_count": out.MemberCount, "updated_at": s.clock.Now()}
			if m.CurVer != "" {
				set["member_version"] = storage.Truncate(m.CurVer, maxVersion)
			}
			if err := tx.Model(&groupRow{}).Where("chat_id = ?", m.ChatID).Updates(set).Error; err != nil {
				return err
			}
		}
		return schedule(tx, m.ChatID, m.Due)
	})
	return out, err
}

// versionsAllow reports whether an event's count change applies to the
// stored count: not when the stored version already is the event's result
// (a reconcile read it), nor when it is not the version the event started
// from (an event was lost or these arrived out of order). Events without
// versions apply; the reconcile corrects them.
func versionsAllow(stored, last, cur string) bool {
	switch {
	case cur != "" && stored == cur:
		return false
	case last != "" && stored != "" && stored != last:
		return false
	}
	return true
}

// recordChange records an event that changes nothing qunbot counts (create,
// change_name, change_owner, change_notice) and asks for a reconcile. It
// reports whether the event is new and whether the group is dismissed.
func (s *Store) recordChange(ctx context.Context, chatID, key string, due time.Time) (first, dismissed bool, err error) {
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row groupRow
		if err := tx.Select("dismissed").Where("chat_id = ?", chatID).Take(&row).Error; err != nil {
			return err
		}
		dismissed = row.Dismissed
		if first, err = s.recordEvent(tx, key, chatID); err != nil || dismissed {
			return err
		}
		return schedule(tx, chatID, due)
	})
	return first, dismissed, err
}

// recordEvent notes that the event with key was applied; false when it
// already was.
func (s *Store) recordEvent(tx *gorm.DB, key, chatID string) (bool, error) {
	return storage.InsertOnce(tx, &eventRow{DedupeKey: key, ChatID: chatID, AppliedAt: s.clock.Now()})
}

// schedule asks for a reconcile of a live group at due, unless one is due
// sooner and not running yet. A reconcile running now is asked to run again:
// it may have read the group before this change.
func schedule(tx *gorm.DB, chatID string, due time.Time) error {
	due = storage.Timestamp(due)
	return tx.Model(&groupRow{}).
		Where("chat_id = ? AND dismissed = ? AND (reconcile_due_at IS NULL OR reconcile_due_at > ? OR reconcile_claim IS NOT NULL)", chatID, false, due).
		Updates(map[string]any{"reconcile_due_at": due, "reconcile_claim": nil}).Error
}

// scheduleReconcile asks for reconciles of groups at due.
func (s *Store) scheduleReconcile(ctx context.Context, chatIDs []string, due time.Time) error {
	for _, id := range chatIDs {
		if err := schedule(s.db.WithContext(ctx), id, due); err != nil {
			return wrap("schedule group reconcile", err)
		}
	}
	return nil
}

// markDismissed records that a group was dismissed (inserting it when
// unknown, so a late create event does not bring it back) and reports
// whether it was live until now.
func (s *Store) markDismissed(ctx context.Context, chatID string, at time.Time) (bool, error) {
	if _, err := s.ensureRow(ctx, chatID); err != nil {
		return false, err
	}
	res := s.db.WithContext(ctx).Model(&groupRow{}).Where("chat_id = ? AND dismissed = ?", chatID, false).Updates(map[string]any{
		"dismissed": true, "dismissed_at": storage.Timestamp(at), "reconcile_due_at": nil, "reconcile_claim": nil, "updated_at": s.clock.Now(),
	})
	return res.RowsAffected == 1, res.Error
}

// claimDue claims up to limit groups whose reconcile is due, for lease: a
// conditional UPDATE, so replicas never claim the same group at once. A
// claim that is not finished (the process died, WeCom failed) is due again
// when the lease ends.
func (s *Store) claimDue(ctx context.Context, limit int, lease time.Duration) ([]string, string, error) {
	now := s.clock.Now()
	db := s.db.WithContext(ctx)
	var due []string
	err := db.Model(&groupRow{}).Where("dismissed = ? AND reconcile_due_at <= ?", false, now).
		Order("reconcile_due_at").Limit(limit).Pluck("chat_id", &due).Error
	if err != nil || len(due) == 0 {
		return nil, "", wrap("find due group reconciles", err)
	}
	token := newToken()
	err = db.Model(&groupRow{}).Where("chat_id IN ? AND dismissed = ? AND reconcile_due_at <= ?", due, false, now).
		Updates(map[string]any{"reconcile_due_at": now.Add(lease), "reconcile_claim": token}).Error
	if err != nil {
		return nil, "", wrap("claim group reconciles", err)
	}
	var claimed []string
	err = db.Model(&groupRow{}).Where("chat_id IN ? AND reconcile_claim = ?", due, token).Order("reconcile_due_at, chat_id").Pluck("chat_id", &claimed).Error
	return claimed, token, wrap("read claimed group reconciles", err)
}

// finishClaim releases a reconciled group, unless an event asked for
// another reconcile meanwhile.
func (s *Store) finishClaim(ctx context.Context, chatID, token string) error {
	err := s.db.WithContext(ctx).Model(&groupRow{}).Where("chat_id = ? AND reconcile_claim = ?", chatID, token).
		Updates(map[string]any{"reconcile_due_at": nil, "reconcile_claim": nil}).Error
	return wrap(fmt.Sprintf("finish reconcile of group %s", chatID), err)
}

// liveChatIDs returns the chat ids of every group not dismissed.
func (s *Store) liveChatIDs(ctx context.Context) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Model(&groupRow{}).Where("dismissed = ?", false).Order("chat_id").Pluck("chat_id", &ids).Error
	return ids, wrap("list live groups", err)
}

// pruneEvents forgets applied events older than before: WeCom retries an
// event for seconds, and the inbox keeps its own dedupe.
func (s *Store) pruneEvents(ctx context.Context, before time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("applied_at < ?", storage.Timestamp(before)).Delete(&eventRow{})
	return res.RowsAffected, wrap("prune group events", res.Error)
}

func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
