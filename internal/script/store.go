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

// Store keeps the library, its history, the hit log and the unanswered
// questions. It is safe for concurrent use and for several replicas sharing
// one database. Every change runs in one transaction that also records its
// history and bumps the library version.
type Store struct {
	db    *gorm.DB
	clock storage.Clock
}

// NewStore returns a Store over db. now is the clock (nil means time.Now);
// tests pass a fake one.
func NewStore(db *gorm.DB, now func() time.Time) *Store {
	return &Store{db: db, clock: now}
}

// Version returns the library's version, which every change raises. A
// running bot polls it to know when to reload.
func (s *Store) Version(ctx context.Context) (int64, error) {
	var row libraryRow
	if err := s.db.WithContext(ctx).Where("id = 1").Take(&row).Error; err != nil {
		return 0, storage.Wrap("read script library version", err)
	}
	return row.Version, nil
}

// bump raises the library version inside tx.
func bump(tx *gorm.DB) error {
	res := tx.Model(&libraryRow{}).Where("id = 1").UpdateColumn("version", gorm.Expr("version + 1"))
	if res.Error == nil && res.RowsAffected == 0 {
		return errors.New("script_library has no row 1; is the database migrated?")
	}
	return res.Error
}

// change runs fn in a transaction that also bumps the library version.
func (s *Store) change(ctx context.Context, op string, fn func(tx *gorm.DB) error) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := fn(tx); err != nil {
			return err
		}
		return bump(tx)
	})
	return wrapStore(op, err)
}

// CreateCategory stores c as a new category and sets its ID and times. A
// name already in use is a ValidationErrors on "name".
func (s *Store) CreateCategory(ctx context.Context, c *Category) error {
	if err := validateCategory(c); err != nil {
		return fmt.Errorf("create script category: %w", err)
	}
	now := s.clock.Now()
	c.ID, c.CreatedAt, c.UpdatedAt = 0, now, now
	return s.change(ctx, "create script category", func(tx *gorm.DB) error {
		return categoryNameTaken(tx.Create(c).Error)
	})
}

// UpdateCategory saves c's name and sort.
func (s *Store) UpdateCategory(ctx context.Context, c *Category) error {
	if err := validateCategory(c); err != nil {
		return fmt.Errorf("update script category %d: %w", c.ID, err)
	}
	c.UpdatedAt = s.clock.Now()
	return s.change(ctx, fmt.Sprintf("update script category %d", c.ID), func(tx *gorm.DB) error {
		res := tx.Model(&Category{}).Where("id = ?", c.ID).
			Updates(map[string]any{"name": c.Name, "sort": c.Sort, "updated_at": c.UpdatedAt})
		if err := categoryNameTaken(res.Error); err != nil {
			return err
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// DeleteCategory removes an empty category. One that still holds scripts is
// a conflict: moving scripts is a change operators make on purpose.
func (s *Store) DeleteCategory(ctx context.Context, id int64) error {
	return s.change(ctx, fmt.Sprintf("delete script category %d", id), func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&scriptRow{}).Where("category_id = ? AND deleted_at IS NULL", id).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%w: the category still holds %d scripts", ErrConflict, n)
		}
		res := tx.Where("id = ?", id).Delete(&Category{})
		if res.Error == nil && res.RowsAffected == 0 {
			return ErrNotFound
		}
		return res.Error
	})
}

// Categories returns every category in display order.
func (s *Store) Categories(ctx context.Context) ([]Category, error) {
	var cs []Category
	if err := s.db.WithContext(ctx).Order("sort, id").Find(&cs).Error; err != nil {
		return nil, storage.Wrap("list script categories", err)
	}
	return cs, nil
}

func validateCategory(c *Category) error {
	c.Name = strings.TrimSpace(c.Name)
	var p problems
	switch n := len([]rune(c.Name)); {
	case n == 0:
		p.Add("name", "分类名称不能为空 (name is required)")
	case n > maxCategoryName:
		p.Add("name", "分类名称最多 %d 个字 (at most %d characters)", maxCategoryName, maxCategoryName)
	}
	return p.Err()
}

func categoryNameTaken(err error) error {
	if storage.IsDuplicate(err) {
		return ValidationErrors{{Field: "name", Message: "分类名称已存在 (a category with this name exists)"}}
	}
	return err
}
