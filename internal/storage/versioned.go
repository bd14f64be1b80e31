package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
)

// Versioned keeps a document operators edit as a whole (complaint rules,
// group rules) as numbered versions in one table with the columns
// version, rules (JSON), actor and created_at. Every save is a new
// version, so an old decision can be replayed with the rules it was made
// under, and a save based on a stale version is refused.
type Versioned[T any] struct {
	db       *gorm.DB
	table    string
	what     string // how errors name the document, e.g. "complaint rules"
	defaults func() T
	clock    Clock
}

// NewVersioned returns the versions of table; defaults is version 1, saved
// on first read. now is the clock (nil means time.Now).
func NewVersioned[T any](db *gorm.DB, table, what string, defaults func() T, now func() time.Time) *Versioned[T] {
	return &Versioned[T]{db: db, table: table, what: what, defaults: defaults, clock: now}
}

// versionRow is one saved version.
type versionRow struct {
	Version   int64 `gorm:"primaryKey;autoIncrement:false"`
	Rules     string
	Actor     string
	CreatedAt time.Time
}

// VersionInfo names one saved version.
type VersionInfo struct {
	Version   int64     `json:"version"`
	Actor     string    `json:"actor"`
	CreatedAt time.Time `json:"created_at"`
}

func (v *Versioned[T]) q(ctx context.Context) *gorm.DB { return v.db.WithContext(ctx).Table(v.table) }

// Version is the version in force, 0 before any is saved. A running bot
// polls it.
func (v *Versioned[T]) Version(ctx context.Context) (int64, error) {
	var n *int64
	if err := v.q(ctx).Select("MAX(version)").Scan(&n).Error; err != nil {
		return 0, Wrap("read "+v.what+" version", err)
	}
	if n == nil {
		return 0, nil
	}
	return *n, nil
}

// Latest is the document in force and its version; before any is saved
// the defaults are saved as version 1 (once, whichever replica is first).
func (v *Versioned[T]) Latest(ctx context.Context) (T, int64, error) {
	var row versionRow
	err := v.q(ctx).Order("version DESC").Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		if _, err := v.insert(ctx, 1, v.defaults(), "system"); err != nil {
			var zero T
			return zero, 0, err
		}
		doc, err := v.At(ctx, 1)
		return doc, 1, err
	}
	if err != nil {
		var zero T
		return zero, 0, Wrap("read "+v.what, err)
	}
	doc, err := v.decode(row)
	return doc, row.Version, err
}

// At is a saved version; an unknown one is fault.ErrNotFound.
func (v *Versioned[T]) At(ctx context.Context, version int64) (T, error) {
	var row versionRow
	err := v.q(ctx).Where("version = ?", version).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		var zero T
		return zero, fmt.Errorf("%s version %d: %w", v.what, version, fault.ErrNotFound)
	}
	if err != nil {
		var zero T
		return zero, Wrap("read "+v.what, err)
	}
	return v.decode(row)
}

func (v *Versioned[T]) decode(row versionRow) (T, error) {
	var doc T
	if err := json.Unmarshal([]byte(row.Rules), &doc); err != nil {
		return doc, fmt.Errorf("decode %s version %d: %w", v.what, row.Version, err)
	}
	return doc, nil
}

// Save stores doc as the version after edited, the version the operator
// changed; if another save came in between it is fault.ErrConflict. It
// returns the new version.
func (v *Versioned[T]) Save(ctx context.Context, doc T, edited int64, actor string) (int64, error) {
	_, current, err := v.Latest(ctx)
	if err != nil {
		return 0, err
	}
	if edited != current {
		return 0, fmt.Errorf("save %s: edited version %d, current is %d: %w", v.what, edited, current, fault.ErrConflict)
	}
	added, err := v.insert(ctx, current+1, doc, actor)
	if err != nil {
		return 0, err
	}
	if !added {
		return 0, fmt.Errorf("save %s: version %d saved meanwhile: %w", v.what, current+1, fault.ErrConflict)
	}
	return current + 1, nil
}

func (v *Versioned[T]) insert(ctx context.Context, version int64, doc T, actor string) (bool, error) {
	raw, err := json.Marshal(doc)
	if err != nil {
		return false, fmt.Errorf("encode %s: %w", v.what, err)
	}
	row := versionRow{Version: version, Rules: string(raw), Actor: Truncate(actor, 64), CreatedAt: v.clock.Now()}
	added, err := InsertOnce(v.q(ctx), &row)
	if err != nil {
		return false, Wrap("save "+v.what, err)
	}
	return added, nil
}

// History lists the saved versions, newest first, without their content.
func (v *Versioned[T]) History(ctx context.Context, limit int) ([]VersionInfo, error) {
	var out []VersionInfo
	err := v.q(ctx).Select("version, actor, created_at").Order("version DESC").Limit(PageSize(limit)).Scan(&out).Error
	if err != nil {
		return nil, Wrap("list "+v.what+" history", err)
	}
	return out, nil
}
