package welcome

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage"
)

// Store keeps welcome rules, records, group welcome texts and templates and
// the group joins waiting for their welcome. It is safe for concurrent use
// and for several replicas sharing one database.
type Store struct {
	db    *gorm.DB
	clock storage.Clock
}

// NewStore returns a Store over db. now is the clock (nil means time.Now).
func NewStore(db *gorm.DB, now func() time.Time) *Store {
	return &Store{db: db, clock: now}
}

// ruleRow is a row of welcome_rules.
type ruleRow struct {
	ID          int64
	Name        string
	Channel     string
	StateMatch  string
	State       string
	StaffUserID string
	IsDefault   bool
	Priority    int
	Text        string
	Attachments string
	Enabled     bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (ruleRow) TableName() string { return "welcome_rules" }

func toRuleRow(r Rule) (ruleRow, error) {
	atts := r.Attachments
	if atts == nil {
		atts = []Attachment{}
	}
	raw, err := json.Marshal(atts)
	if err != nil {
		return ruleRow{}, err
	}
	return ruleRow{ID: r.ID, Name: r.Name, Channel: string(r.Channel), StateMatch: string(r.StateMatch), State: r.State,
		StaffUserID: r.StaffUserID, IsDefault: r.Default, Priority: r.Priority, Text: r.Text, Attachments: string(raw),
		Enabled: r.Enabled, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}, nil
}

func (row ruleRow) rule() (Rule, error) {
	r := Rule{ID: row.ID, Name: row.Name, Channel: Channel(row.Channel), StateMatch: StateMatch(row.StateMatch), State: row.State,
		StaffUserID: row.StaffUserID, Default: row.IsDefault, Priority: row.Priority, Text: row.Text, Enabled: row.Enabled,
		CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(row.Attachments), &r.Attachments); err != nil {
		return Rule{}, fmt.Errorf("welcome rule %d: attachments: %w", row.ID, err)
	}
	return r, nil
}

// Rules returns the rules of channel (every channel when empty), by id.
func (s *Store) Rules(ctx context.Context, channel Channel) ([]Rule, error) {
	q := s.db.WithContext(ctx).Order("id")
	if channel != "" {
		q = q.Where("channel = ?", channel)
	}
	var rows []ruleRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, storage.Wrap("list welcome rules", err)
	}
	out := make([]Rule, 0, len(rows))
	for _, row := range rows {
		r, err := row.rule()
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Rule returns the rule with id.
func (s *Store) Rule(ctx context.Context, id int64) (Rule, error) {
	var row ruleRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Rule{}, fmt.Errorf("get welcome rule %d: %w", id, fault.ErrNotFound)
	}
	if err != nil {
		return Rule{}, storage.Wrap(fmt.Sprintf("get welcome rule %d", id), err)
	}
	return row.rule()
}

// CreateRule validates and stores r, setting its ID and times.
func (s *Store) CreateRule(ctx context.Context, r *Rule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	r.ID = 0
	r.CreatedAt, r.UpdatedAt = s.clock.Now(), s.clock.Now()
	return s.saveRule(ctx, "create welcome rule", r, func(tx *gorm.DB, row *ruleRow) error { return tx.Create(row).Error })
}

// UpdateRule validates and replaces rule r.ID.
func (s *Store) UpdateRule(ctx context.Context, r *Rule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	old, err := s.Rule(ctx, r.ID)
	if err != nil {
		return err
	}
	r.CreatedAt, r.UpdatedAt = old.CreatedAt, s.clock.Now()
	return s.saveRule(ctx, fmt.Sprintf("update welcome rule %d", r.ID), r, func(tx *gorm.DB, row *ruleRow) error {
		return tx.Select("*").Omit("created_at").Updates(row).Error
	})
}

// saveRule writes r with save inside a transaction that keeps one default
// per channel.
func (s *Store) saveRule(ctx context.Context, op string, r *Rule, save func(tx *gorm.DB, row *ruleRow) error) error {
	row, err := toRuleRow(*r)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if r.Default {
			var n int64
			if err := tx.Model(&ruleRow{}).Where("channel = ? AND is_default = ? AND id <> ?", r.Channel, true, r.ID).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("%w: 渠道 %s 已有默認歡迎語,請先修改原默認規則 (channel %s already has a default rule)", fault.ErrConflict, r.Channel, r.Channel)
			}
		}
		return save(tx, &row)
	})
	if err != nil {
		if errors.Is(err, fault.ErrConflict) {
			return fmt.Errorf("%s: %w", op, err)
		}
		return storage.Wrap(op, err)
	}
	r.ID = row.ID
	return nil
}

// DeleteRule deletes rule id; its records keep its id.
func (s *Store) DeleteRule(ctx context.Context, id int64) error {
	res := s.db.WithContext(ctx).Where("id = ?", id).Delete(&ruleRow{})
	if res.Error != nil {
		return storage.Wrap(fmt.Sprintf("delete welcome rule %d", id), res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("delete welcome rule %d: %w", id, fault.ErrNotFound)
	}
	return nil
}
