package script

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/storage"
)

// Hit records that a script answered a message.
type Hit struct {
	ID         int64     `json:"id"`
	ScriptID   int64     `json:"script_id"`
	Channel    Channel   `json:"channel"`
	ChatID     string    `json:"chat_id,omitempty"`
	MemberID   string    `json:"member_id,omitempty"`
	MessageKey string    `json:"message_key,omitempty"` // the message's dedupe key; one answer per key
	Variant    int       `json:"variant"`               // index into the script's Replies
	LatencyUS  int64     `json:"latency_us"`            // from receiving the message to deciding the answer
	At         time.Time `json:"at"`
}

// hitRow is a row of script_hits; a missing message key is NULL so that
// the unique key allows many.
type hitRow struct {
	ID         int64
	ScriptID   int64
	Channel    string
	ChatID     string
	MemberID   string
	MessageKey *string
	Variant    int
	LatencyUS  int64 `gorm:"column:latency_us"`
	At         time.Time
}

func (hitRow) TableName() string { return "script_hits" }

func (r hitRow) hit() Hit {
	h := Hit{ID: r.ID, ScriptID: r.ScriptID, Channel: Channel(r.Channel), ChatID: r.ChatID, MemberID: r.MemberID,
		Variant: r.Variant, LatencyUS: r.LatencyUS, At: r.At.UTC()}
	if r.MessageKey != nil {
		h.MessageKey = *r.MessageKey
	}
	return h
}

func toHitRow(h *Hit) hitRow {
	r := hitRow{ScriptID: h.ScriptID, Channel: string(h.Channel), ChatID: h.ChatID, MemberID: h.MemberID,
		Variant: h.Variant, LatencyUS: h.LatencyUS, At: storage.Timestamp(h.At)}
	if h.MessageKey != "" {
		r.MessageKey = &h.MessageKey
	}
	return r
}

// Column sizes of script_hits (characters).
const (
	maxChatID     = 128
	maxMessageKey = 191
)

func validateHit(h *Hit) error {
	var p problems
	if h.ScriptID <= 0 {
		p.Add("script_id", "缺少话术 (script id required)")
	}
	if !slices.Contains(Channels(), h.Channel) {
		p.Add("channel", "渠道无效:%q (want aibot, bridge, wechat or toolbar)", h.Channel)
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"chat_id", h.ChatID, maxChatID}, {"member_id", h.MemberID, maxChatID}, {"message_key", h.MessageKey, maxMessageKey}} {
		if utf8.RuneCountInString(f.v) > f.max {
			p.Add(f.name, "最多 %d 个字 (at most %d characters)", f.max, f.max)
		}
	}
	if h.Variant < 0 || h.LatencyUS < 0 {
		p.Add("variant", "不能为负数 (variant and latency must not be negative)")
	}
	return p.Err()
}

// RecordHit logs h (a script sent by hand, say from the chat toolbar) and
// counts it towards the script's rotation, cooldown and member limit. It
// reports false, storing nothing, when a hit with the same MessageKey is
// already logged. At defaults to now.
func (s *Store) RecordHit(ctx context.Context, h *Hit) (bool, error) {
	if h.At.IsZero() {
		h.At = s.clock.Raw()
	}
	if err := validateHit(h); err != nil {
		return false, fmt.Errorf("record script hit: %w", err)
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := countHit(tx, h.ScriptID); err != nil {
			return err
		}
		return insertHit(tx, h)
	})
	switch {
	case errors.Is(err, errDuplicateHit):
		return false, nil
	case errors.Is(err, ErrNotFound):
		return false, fmt.Errorf("record script hit: %w", err)
	case err != nil:
		return false, storage.Wrap("record script hit", err)
	}
	return true, nil
}

var errDuplicateHit = errors.New("message already answered")

// countHit raises the script's hit count, which also locks its row until the
// transaction ends: concurrent answers by one script, on any replica, check
// its cooldown and member limit one after another.
func countHit(tx *gorm.DB, scriptID int64) error {
	res := tx.Model(&scriptRow{}).Where("id = ? AND deleted_at IS NULL", scriptID).
		UpdateColumn("hit_count", gorm.Expr("hit_count + 1"))
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("script %d: %w", scriptID, ErrNotFound)
	}
	return nil
}

func insertHit(tx *gorm.DB, h *Hit) error {
	row := toHitRow(h)
	inserted, err := storage.InsertOnce(tx, &row)
	if err != nil {
		return err
	}
	if !inserted {
		return errDuplicateHit
	}
	h.ID, h.At = row.ID, row.At
	return nil
}

// hitCount returns the script's hit count.
func hitCount(tx *gorm.DB, scriptID int64) (int64, error) {
	var row scriptRow
	err := tx.Select("hit_count").Where("id = ?", scriptID).Take(&row).Error
	return row.HitCount, err
}

// hitByKey returns the hit logged for message key, or ErrNotFound.
func (s *Store) hitByKey(ctx context.Context, key string) (Hit, error) {
	var row hitRow
	err := s.db.WithContext(ctx).Where("message_key = ?", key).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Hit{}, ErrNotFound
	}
	if err != nil {
		return Hit{}, storage.Wrap("find script hit by message key", err)
	}
	return row.hit(), nil
}

// PruneHits deletes the hits logged before cutoff and returns how many.
// Cooldowns and member limits look back at most a week, so a retention job
// may keep the log short without changing any decision.
func (s *Store) PruneHits(ctx context.Context, cutoff time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("at < ?", storage.Timestamp(cutoff)).Delete(&hitRow{})
	if res.Error != nil {
		return 0, storage.Wrap("prune script hits", res.Error)
	}
	return res.RowsAffected, nil
}

// limited says why a script may not answer chatID / memberID at time at
// because of its cooldown or member limit, or "" when it may. Both are
// counted in the hit log so that they hold across replicas.
func limited(tx *gorm.DB, sc *Script, chatID, memberID string, at time.Time) (SkipReason, error) {
	if sc.CooldownMinutes > 0 && chatID != "" {
		since := storage.Timestamp(at.Add(-time.Duration(sc.CooldownMinutes) * time.Minute))
		n, err := countHits(tx.Where("script_id = ? AND chat_id = ? AND at > ?", sc.ID, chatID, since), 1)
		if err != nil {
			return "", err
		}
		if n > 0 {
			return SkipCoolingDown, nil
		}
	}
	if sc.MemberLimit > 0 && memberID != "" {
		since := storage.Timestamp(at.Add(-time.Hour))
		n, err := countHits(tx.Where("script_id = ? AND member_id = ? AND at > ?", sc.ID, memberID, since), sc.MemberLimit)
		if err != nil {
			return "", err
		}
		if n >= int64(sc.MemberLimit) {
			return SkipMemberLimit, nil
		}
	}
	return "", nil
}

// countHits counts the hits q selects, stopping at limit: the index answers
// without reading a busy group's whole log.
func countHits(q *gorm.DB, limit int) (int64, error) {
	var ids []int64
	err := q.Model(&hitRow{}).Limit(limit).Pluck("id", &ids).Error
	return int64(len(ids)), err
}

// errHeld rolls back a claim that a limit holds back.
var errHeld = errors.New("held back by a limit")

// claim records that sc answers q unless its cooldown or member limit holds
// it back (the reason is returned, nothing is recorded). Counting, checking
// and logging happen in one transaction under the script's row lock, so
// replicas answering at once cannot both pass a limit. variant picks the
// reply for the script's count-th answer; start is when answering began.
func (s *Store) claim(ctx context.Context, sc *Script, q Question, variant func(count int64) int, start time.Time) (Hit, SkipReason, error) {
	hit := Hit{ScriptID: sc.ID, Channel: q.Channel, ChatID: q.ChatID, MemberID: q.MemberID, MessageKey: q.MessageKey, At: q.At}
	if err := validateHit(&hit); err != nil {
		return Hit{}, "", fmt.Errorf("claim script %d: %w", sc.ID, err)
	}
	var held SkipReason
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := countHit(tx, sc.ID); errors.Is(err, ErrNotFound) {
			held = SkipDisabled // deleted since the library was loaded
			return errHeld
		} else if err != nil {
			return err
		}
		r, err := limited(tx, sc, q.ChatID, q.MemberID, q.At)
		if err != nil || r != "" {
			held = r
			return cmpOr(err, errHeld)
		}
		count, err := hitCount(tx, sc.ID)
		if err != nil {
			return err
		}
		hit.Variant, hit.LatencyUS = variant(count-1), time.Since(start).Microseconds()
		return insertHit(tx, &hit)
	})
	switch {
	case errors.Is(err, errHeld):
		return Hit{}, held, nil
	case errors.Is(err, errDuplicateHit):
		return Hit{}, "", err
	case err != nil:
		return Hit{}, "", storage.Wrap(fmt.Sprintf("claim script %d", sc.ID), err)
	}
	return hit, "", nil
}

func cmpOr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// peek is claim without recording: the reason a limit would hold sc back,
// and the script's hit count so far.
func (s *Store) peek(ctx context.Context, sc *Script, q Question) (SkipReason, int64, error) {
	db := s.db.WithContext(ctx)
	r, err := limited(db, sc, q.ChatID, q.MemberID, q.At)
	if err != nil {
		return "", 0, storage.Wrap(fmt.Sprintf("check limits of script %d", sc.ID), err)
	}
	count, err := hitCount(db, sc.ID)
	if err != nil {
		return "", 0, storage.Wrap(fmt.Sprintf("count hits of script %d", sc.ID), err)
	}
	return r, count, nil
}
