package group

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage"
)

// Store keeps the groups, their tags and the applied events. It is safe for
// concurrent use and for several replicas sharing one database.
type Store struct {
	db    *gorm.DB
	clock storage.Clock
}

// NewStore returns a Store over db. now is the clock (nil means time.Now).
func NewStore(db *gorm.DB, now func() time.Time) *Store {
	return &Store{db: db, clock: now}
}

// groupRow is a row of customer_groups.
type groupRow struct {
	ID             int64
	ChatID         string
	Name           string
	OwnerUserID    string
	StoreID        int64
	MemberCount    int
	MemberVersion  string
	Notice         string
	CreatedAt      *time.Time `gorm:"autoCreateTime:false"`
	Dismissed      bool
	DismissedAt    *time.Time
	SyncedAt       *time.Time
	ReconcileDueAt *time.Time
	ReconcileClaim *string
	RecordedAt     time.Time
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
}

func (groupRow) TableName() string { return "customer_groups" }

func (r groupRow) group(tags []string) Group {
	if tags == nil {
		tags = []string{}
	}
	return Group{
		ChatID: r.ChatID, Name: r.Name, OwnerUserID: r.OwnerUserID, StoreID: r.StoreID, Tags: tags,
		MemberCount: r.MemberCount, MemberVersion: r.MemberVersion, Notice: r.Notice, CreatedAt: utc(r.CreatedAt),
		Dismissed: r.Dismissed, DismissedAt: utc(r.DismissedAt), SyncedAt: utc(r.SyncedAt),
		RecordedAt: r.RecordedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// tagRow is a row of group_tags.
type tagRow struct {
	ChatID string
	Tag    string
}

func (tagRow) TableName() string { return "group_tags" }

// eventRow is a row of group_events: an event whose effect was applied.
type eventRow struct {
	DedupeKey string
	ChatID    string
	AppliedAt time.Time
}

func (eventRow) TableName() string { return "group_events" }

// wrap adds op to err, keeping the fault vocabulary and marking an
// unreachable database.
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%s: %w", op, fault.ErrNotFound)
	case errors.Is(err, fault.ErrNotFound), errors.Is(err, fault.ErrInvalid), errors.Is(err, fault.ErrConflict):
		return fmt.Errorf("%s: %w", op, err)
	}
	return storage.Wrap(op, err)
}

func isNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }

// Get returns the group with chatID, dismissed or not.
func (s *Store) Get(ctx context.Context, chatID string) (Group, error) {
	op := fmt.Sprintf("get group %s", chatID)
	var r groupRow
	if err := s.db.WithContext(ctx).Where("chat_id = ?", chatID).Take(&r).Error; err != nil {
		return Group{}, wrap(op, err)
	}
	tags, err := s.tagsOf(ctx, []string{chatID})
	if err != nil {
		return Group{}, wrap(op, err)
	}
	return r.group(tags[chatID]), nil
}

// StoreOfChat returns the store a group belongs to (0 when it is not
// mapped). An unknown group is fault.ErrNotFound.
func (s *Store) StoreOfChat(ctx context.Context, chatID string) (int64, error) {
	var r groupRow
	err := s.db.WithContext(ctx).Select("store_id").Where("chat_id = ?", chatID).Take(&r).Error
	return r.StoreID, wrap(fmt.Sprintf("store of group %s", chatID), err)
}

// List returns one page of groups by name, and how many match in all.
func (s *Store) List(ctx context.Context, f Filter) ([]Group, int64, error) {
	q := s.db.WithContext(ctx).Model(&groupRow{})
	if t := strings.TrimSpace(f.Query); t != "" {
		like := "%" + escapeLike(t) + "%"
		q = q.Where("(name LIKE ? ESCAPE '!' OR chat_id LIKE ? ESCAPE '!')", like, like)
	}
	if f.StoreID != nil {
		q = q.Where("store_id = ?", *f.StoreID)
	}
	if f.Tag != "" {
		q = q.Where("chat_id IN (SELECT chat_id FROM group_tags WHERE tag = ?)", f.Tag)
	}
	if f.Dismissed != nil {
		q = q.Where("dismissed = ?", *f.Dismissed)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, wrap("count groups", err)
	}
	var rows []groupRow
	if err := q.Order("name, chat_id").Limit(storage.PageSize(f.Limit)).Offset(max(f.Offset, 0)).Find(&rows).Error; err != nil {
		return nil, 0, wrap("list groups", err)
	}
	groups, err := s.withTags(ctx, rows)
	return groups, total, wrap("list groups", err)
}

// Totals counts the live groups and their members in one query.
func (s *Store) Totals(ctx context.Context) (Totals, error) {
	var t Totals
	err := s.db.WithContext(ctx).Model(&groupRow{}).Where("dismissed = ?", false).
		Select("COUNT(*) AS `groups`, COALESCE(SUM(member_count), 0) AS members, " +
			"COALESCE(SUM(CASE WHEN store_id = 0 THEN 1 ELSE 0 END), 0) AS unmapped, " +
			"COALESCE(SUM(CASE WHEN synced_at IS NULL THEN 1 ELSE 0 END), 0) AS unsynced").
		Scan(&t).Error
	return t, wrap("count groups", err)
}

// SetStore maps a group to a store (0 unmaps it). The caller checks that
// the store exists; the group package does not know stores.
func (s *Store) SetStore(ctx context.Context, chatID string, storeID int64) error {
	op := fmt.Sprintf("set store of group %s", chatID)
	if storeID < 0 {
		return fmt.Errorf("%s: %w", op, fault.Invalid("store_id", "门店编号不能为负数 (store_id must not be negative)"))
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("chat_id = ?", chatID).Take(&groupRow{}).Error; err != nil {
			return err
		}
		return tx.Model(&groupRow{}).Where("chat_id = ?", chatID).
			Updates(map[string]any{"store_id": storeID, "updated_at": s.clock.Now()}).Error
	})
	return wrap(op, err)
}

// SetTags replaces the tags of a group. Tags are trimmed and deduplicated;
// an empty list removes them all. It returns the tags as saved (sorted).
func (s *Store) SetTags(ctx context.Context, chatID string, tags []string) ([]string, error) {
	op := fmt.Sprintf("set tags of group %s", chatID)
	tags, err := normalizeTags(tags)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("chat_id = ?", chatID).Take(&groupRow{}).Error; err != nil {
			return err
		}
		if err := tx.Where("chat_id = ?", chatID).Delete(&tagRow{}).Error; err != nil {
			return err
		}
		rows := make([]tagRow, len(tags))
		for i, t := range tags {
			rows[i] = tagRow{ChatID: chatID, Tag: t}
		}
		if len(rows) > 0 {
			if err := tx.Create(&rows).Error; err != nil {
				return err
			}
		}
		return tx.Model(&groupRow{}).Where("chat_id = ?", chatID).Update("updated_at", s.clock.Now()).Error
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return tags, nil
}

// Select returns the groups that match any part of sel, dismissed groups
// excepted, by name. missing lists the ChatIDs asked for that qunbot does
// not know or that were dismissed, so a broadcast can warn about them.
func (s *Store) Select(ctx context.Context, sel Selector) (groups []Group, missing []string, err error) {
	stores := slices.DeleteFunc(slices.Clone(sel.StoreIDs), func(id int64) bool { return id <= 0 })
	var parts []string
	var args []any
	if len(stores) > 0 {
		parts, args = append(parts, "store_id IN ?"), append(args, stores)
	}
	if len(sel.Tags) > 0 {
		parts, args = append(parts, "chat_id IN (SELECT chat_id FROM group_tags WHERE tag IN ?)"), append(args, sel.Tags)
	}
	if len(sel.ChatIDs) > 0 {
		parts, args = append(parts, "chat_id IN ?"), append(args, sel.ChatIDs)
	}
	if len(parts) == 0 {
		return []Group{}, nil, nil
	}
	var rows []groupRow
	err = s.db.WithContext(ctx).Where("dismissed = ?", false).Where("("+strings.Join(parts, " OR ")+")", args...).
		Order("name, chat_id").Find(&rows).Error
	if err != nil {
		return nil, nil, wrap("select groups", err)
	}
	if groups, err = s.withTags(ctx, rows); err != nil {
		return nil, nil, wrap("select groups", err)
	}
	return groups, missingOf(sel.ChatIDs, rows), nil
}

// missingOf lists the asked chat ids that are not among rows, once each.
func missingOf(asked []string, rows []groupRow) []string {
	found := make(map[string]bool, len(rows))
	for _, r := range rows {
		found[r.ChatID] = true
	}
	var missing []string
	for _, id := range asked {
		if !found[id] {
			missing = append(missing, id)
			found[id] = true
		}
	}
	return missing
}

// withTags turns rows into groups with their tags.
func (s *Store) withTags(ctx context.Context, rows []groupRow) ([]Group, error) {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ChatID
	}
	tags, err := s.tagsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Group, len(rows))
	for i, r := range rows {
		out[i] = r.group(tags[r.ChatID])
	}
	return out, nil
}

// tagsOf reads the tags of chatIDs, a few hundred ids a query.
func (s *Store) tagsOf(ctx context.Context, chatIDs []string) (map[string][]string, error) {
	out := make(map[string][]string, len(chatIDs))
	for chunk := range slices.Chunk(chatIDs, 500) {
		var rows []tagRow
		if err := s.db.WithContext(ctx).Where("chat_id IN ?", chunk).Order("chat_id, tag").Find(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.ChatID] = append(out[r.ChatID], r.Tag)
		}
	}
	return out, nil
}

// escapeLike makes s match itself in a LIKE pattern with ESCAPE '!'.
func escapeLike(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}
