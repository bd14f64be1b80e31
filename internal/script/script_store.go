package script

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/storage"
)

// Create validates sc and stores it as a new script by actor, with its
// history entry, setting ID, Version (1), the actor and the times. Invalid
// input is a ValidationErrors and stores nothing.
func (s *Store) Create(ctx context.Context, actor string, sc *Script) error {
	return s.change(ctx, "create script", func(tx *gorm.DB) error { return s.createTx(tx, actor, sc) })
}

func (s *Store) createTx(tx *gorm.DB, actor string, sc *Script) error {
	if err := prepare(tx, actor, sc); err != nil {
		return err
	}
	now := s.clock.Now()
	sc.ID, sc.Version, sc.CreatedBy, sc.UpdatedBy, sc.CreatedAt, sc.UpdatedAt = 0, 1, actor, actor, now, now
	row, err := toRow(sc)
	if err != nil {
		return err
	}
	if err := tx.Create(&row).Error; err != nil {
		return err
	}
	sc.ID = row.ID
	return record(tx, ActionCreate, actor, nil, sc, sc.Version, now)
}

// Update saves sc over the stored script by actor. sc.Version must be the
// version it was read at: if someone saved in between, the result matches
// ErrConflict and nothing changes. On success sc carries its new version.
func (s *Store) Update(ctx context.Context, actor string, sc *Script) error {
	return s.change(ctx, fmt.Sprintf("update script %d", sc.ID), func(tx *gorm.DB) error {
		if err := prepare(tx, actor, sc); err != nil {
			return err
		}
		before, err := getTx(tx, sc.ID)
		if err != nil {
			return err
		}
		if before.Version != sc.Version {
			return fmt.Errorf("%w: saved at version %d by %s, edit was of version %d", ErrConflict, before.Version, before.UpdatedBy, sc.Version)
		}
		next := *sc
		next.Version, next.UpdatedBy, next.UpdatedAt = sc.Version+1, actor, s.clock.Now()
		next.CreatedBy, next.CreatedAt = before.CreatedBy, before.CreatedAt
		if err := saveTx(tx, &next, sc.Version); err != nil {
			return err
		}
		*sc = next
		return record(tx, ActionUpdate, actor, &before, sc, sc.Version, sc.UpdatedAt)
	})
}

// saveTx writes the editable columns of sc if the row is still at version
// from. hit_count is left alone: the engine counts it.
func saveTx(tx *gorm.DB, sc *Script, from int64) error {
	row, err := toRow(sc)
	if err != nil {
		return err
	}
	res := tx.Model(&scriptRow{}).Where("id = ? AND version = ? AND deleted_at IS NULL", sc.ID, from).
		Select("category_id", "title", "keywords", "match_mode", "pattern", "replies", "reply_order", "scope",
			"priority", "active_hours", "time_zone", "cooldown_minutes", "member_limit", "enabled",
			"version", "updated_by", "updated_at").
		Updates(&row)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("%w: changed by someone else while saving", ErrConflict)
	}
	return nil
}

// Delete removes script id by actor. The row stays, marked deleted, and its
// history records what it was; it no longer answers or lists.
func (s *Store) Delete(ctx context.Context, actor string, id int64) error {
	return s.change(ctx, fmt.Sprintf("delete script %d", id), func(tx *gorm.DB) error {
		if err := validateActor(actor); err != nil {
			return err
		}
		before, err := getTx(tx, id)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		res := tx.Model(&scriptRow{}).Where("id = ? AND deleted_at IS NULL", id).Updates(map[string]any{
			"deleted_at": now, "updated_at": now, "updated_by": actor, "version": before.Version + 1,
		})
		if res.Error != nil {
			return res.Error
		}
		return record(tx, ActionDelete, actor, &before, nil, before.Version+1, now)
	})
}

// Get returns script id, or an error matching ErrNotFound.
func (s *Store) Get(ctx context.Context, id int64) (Script, error) {
	sc, err := getTx(s.db.WithContext(ctx), id)
	if err != nil {
		return Script{}, wrapStore(fmt.Sprintf("get script %d", id), err)
	}
	return sc, nil
}

func getTx(tx *gorm.DB, id int64) (Script, error) {
	var row scriptRow
	err := tx.Where("id = ? AND deleted_at IS NULL", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Script{}, fmt.Errorf("script %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Script{}, err
	}
	return row.script()
}

// Filter selects scripts for List. Zero fields select everything.
type Filter struct {
	Query      string // part of the title or of a keyword
	CategoryID int64  // 0: any category
	Enabled    *bool
	Limit      int // default 50, at most 500
	Offset     int
}

// List returns the scripts f selects, newest first, and how many there are
// in all (for paging).
func (s *Store) List(ctx context.Context, f Filter) ([]Script, int64, error) {
	q := s.db.WithContext(ctx).Model(&scriptRow{}).Where("deleted_at IS NULL")
	if t := strings.TrimSpace(f.Query); t != "" {
		like := "%" + escapeLike(t) + "%"
		q = q.Where("(title LIKE ? ESCAPE '!' OR keywords LIKE ? ESCAPE '!')", like, like)
	}
	if f.CategoryID != 0 {
		q = q.Where("category_id = ?", f.CategoryID)
	}
	if f.Enabled != nil {
		q = q.Where("enabled = ?", *f.Enabled)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, storage.Wrap("count scripts", err)
	}
	// The page's ids first, through the (deleted_at, id) index, then only
	// those rows: a deep page does not read every earlier script's JSON.
	var ids []int64
	if err := q.Order("id DESC").Limit(storage.PageSize(f.Limit)).Offset(max(f.Offset, 0)).Pluck("id", &ids).Error; err != nil {
		return nil, 0, storage.Wrap("list scripts", err)
	}
	var rows []scriptRow
	if len(ids) > 0 {
		if err := s.db.WithContext(ctx).Where("id IN ?", ids).Order("id DESC").Find(&rows).Error; err != nil {
			return nil, 0, storage.Wrap("list scripts", err)
		}
	}
	out, err := decodeRows(rows)
	return out, total, err
}

func decodeRows(rows []scriptRow) ([]Script, error) {
	out := make([]Script, len(rows))
	for i, r := range rows {
		sc, err := r.script()
		if err != nil {
			return nil, err
		}
		out[i] = sc
	}
	return out, nil
}

// escapeLike makes s match itself in a LIKE pattern with ESCAPE '!'.
func escapeLike(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// History returns every change of script id, deleted or not, oldest first.
func (s *Store) History(ctx context.Context, id int64) ([]Change, error) {
	var cs []Change
	if err := s.db.WithContext(ctx).Where("script_id = ?", id).Order("id").Find(&cs).Error; err != nil {
		return nil, storage.Wrap(fmt.Sprintf("read history of script %d", id), err)
	}
	for i := range cs {
		cs[i].At = cs[i].At.UTC()
	}
	return cs, nil
}

// prepare validates sc and its actor, and that its category exists.
func prepare(tx *gorm.DB, actor string, sc *Script) error {
	if err := validateActor(actor); err != nil {
		return err
	}
	if err := Validate(sc); err != nil {
		return err
	}
	if sc.CategoryID == 0 {
		return nil
	}
	var n int64
	if err := tx.Model(&Category{}).Where("id = ?", sc.CategoryID).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return ValidationErrors{{Field: "category_id", Message: fmt.Sprintf("分类 %d 不存在 (no such category)", sc.CategoryID)}}
	}
	return nil
}

// record writes a history entry of a change that left the script at
// version: before is nil for a create, after for a delete.
func record(tx *gorm.DB, a Action, actor string, before, after *Script, version int64, at time.Time) error {
	c := Change{ScriptID: scriptID(before, after), Version: version, Action: a, Actor: actor, At: at}
	var err error
	if c.Before, err = snapshot(before); err != nil {
		return err
	}
	if c.After, err = snapshot(after); err != nil {
		return err
	}
	return tx.Create(&c).Error
}

func scriptID(before, after *Script) int64 {
	if after != nil {
		return after.ID
	}
	return before.ID
}

// snapshot is sc as JSON, or "" for nil.
func snapshot(sc *Script) (string, error) {
	if sc == nil {
		return "", nil
	}
	return jsonText(sc)
}
