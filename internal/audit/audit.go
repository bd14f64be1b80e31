// Package audit is the log of every change made through the console: who,
// what, on which object, with what outcome, and the state before and after
// where the capability reports it.
package audit

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/storage"
)

// maxJSON bounds a stored before/after value (bytes).
const maxJSON = 64 << 10

// Sensitive reports whether an input field holds a password or a key
// (an app secret, a callback token, a webhook key): the log keeps "***"
// in its place.
func Sensitive(field string) bool {
	for _, part := range []string{"password", "secret", "token", "aes_key", "webhook_key"} {
		if strings.Contains(field, part) {
			return true
		}
	}
	return false
}

// Entry is one change.
type Entry struct {
	ID     int64           `json:"id"`
	At     time.Time       `json:"at"`
	Actor  string          `json:"actor"`
	Action string          `json:"action"` // e.g. "PUT /api/v1/scripts/{id}"
	Object string          `json:"object"` // e.g. "/api/v1/scripts/12"
	Status int             `json:"status"` // the HTTP status of the change
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
}

type row struct {
	ID         int64
	At         time.Time
	Actor      string
	Action     string
	Object     string
	Status     int
	BeforeJSON string `gorm:"column:before_json"`
	AfterJSON  string `gorm:"column:after_json"`
}

func (row) TableName() string { return "audit_log" }

// Store keeps the audit log.
type Store struct {
	db    *gorm.DB
	clock storage.Clock
}

// NewStore returns a Store over db; now is the clock (nil means time.Now).
func NewStore(db *gorm.DB, now func() time.Time) *Store {
	return &Store{db: db, clock: now}
}

// Record appends e; its At is now. Values over 64 KiB are stored as a note
// saying so rather than cut into invalid JSON.
func (s *Store) Record(ctx context.Context, e Entry) error {
	r := row{At: s.clock.Now(), Actor: storage.Truncate(e.Actor, 64), Action: storage.Truncate(e.Action, 191),
		Object: storage.Truncate(e.Object, 191), Status: e.Status, BeforeJSON: bounded(e.Before), AfterJSON: bounded(e.After)}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return storage.Wrap("record audit entry", err)
	}
	return nil
}

func bounded(v json.RawMessage) string {
	if len(v) > maxJSON {
		return `{"note":"内容超过 64 KiB,未记录 (over 64 KiB, not kept)"}`
	}
	return string(v)
}

// Filter selects entries; zero fields select everything.
type Filter struct {
	Actor  string
	Since  time.Time
	Limit  int // storage.PageSize: default 50
	Offset int
}

// List returns entries newest first, and how many match in all.
func (s *Store) List(ctx context.Context, f Filter) ([]Entry, int64, error) {
	q := s.db.WithContext(ctx).Model(&row{})
	if f.Actor != "" {
		q = q.Where("actor = ?", f.Actor)
	}
	if !f.Since.IsZero() {
		q = q.Where("at >= ?", storage.Timestamp(f.Since))
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, storage.Wrap("count audit entries", err)
	}
	limit, offset := storage.PageSize(f.Limit), max(f.Offset, 0)
	var rows []row
	if err := q.Order("id DESC").Limit(limit).Offset(offset).Find(&rows).Error; err != nil {
		return nil, 0, storage.Wrap("list audit entries", err)
	}
	out := make([]Entry, len(rows))
	for i, r := range rows {
		out[i] = Entry{ID: r.ID, At: r.At.UTC(), Actor: r.Actor, Action: r.Action, Object: r.Object, Status: r.Status,
			Before: raw(r.BeforeJSON), After: raw(r.AfterJSON)}
	}
	return out, total, nil
}

func raw(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}
