package complaint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage"
)

// Store keeps the rules, the complaints and the group's reactions. It is
// safe for concurrent use and for several replicas sharing one database.
type Store struct {
	db    *gorm.DB
	clock storage.Clock
	rules *storage.Versioned[Rules]
}

// NewStore returns a Store over db. now is the clock (nil means time.Now).
func NewStore(db *gorm.DB, now func() time.Time) *Store {
	return &Store{db: db, clock: now, rules: storage.NewVersioned(db, "complaint_rules", "complaint rules", DefaultRules, now)}
}

// Version returns the version of the rules in force, 0 before any are
// saved (the defaults are then in force). A running bot polls it.
func (s *Store) Version(ctx context.Context) (int64, error) { return s.rules.Version(ctx) }

// Rules returns the rules in force. Before operators save any, it saves
// the playbook defaults as version 1 and returns them, so that every
// complaint names a stored version.
func (s *Store) Rules(ctx context.Context) (Rules, error) {
	r, v, err := s.rules.Latest(ctx)
	r.Version = v
	return r, err
}

// RulesVersion returns a saved version of the rules, to reproduce an old
// decision.
func (s *Store) RulesVersion(ctx context.Context, version int64) (Rules, error) {
	r, err := s.rules.At(ctx, version)
	r.Version = version
	return r, err
}

// SaveRules validates r and stores it as the next version. r.Version must
// be the version the operator edited (optimistic locking): a stale version
// is fault.ErrConflict. It returns the rules as saved.
func (s *Store) SaveRules(ctx context.Context, r Rules, actor string) (Rules, error) {
	if err := r.Validate(); err != nil {
		return Rules{}, fmt.Errorf("save complaint rules: %w", err)
	}
	v, err := s.rules.Save(ctx, r, r.Version, actor)
	if err != nil {
		return Rules{}, err
	}
	r.Version = v
	return r, nil
}

// RulesHistory lists the saved versions, newest first, without their
// content.
func (s *Store) RulesHistory(ctx context.Context, limit int) ([]RulesVersionInfo, error) {
	return s.rules.History(ctx, limit)
}

// RulesVersionInfo names one saved version of the rules.
type RulesVersionInfo = storage.VersionInfo

// complaintRow is a row of complaints.
type complaintRow struct {
	ID               int64
	MessageKey       string
	ChatID           string
	ChatName         string
	MemberID         string
	MemberName       string
	Text             string
	Tier             string
	BaseTier         string
	Score            int
	Categories       string
	SLAMinutes       int `gorm:"column:sla_minutes"`
	RulesVersion     int64
	Decision         string
	Context          string
	EchoCount        int
	DefendCount      int
	SpreadCount      int
	RaisedAt         *time.Time
	NotifiedAt       *time.Time
	RaisedNotifiedAt *time.Time
	PostedAt         time.Time
	CreatedAt        time.Time
}

func (complaintRow) TableName() string { return "complaints" }

// Column sizes (MySQL counts characters).
const (
	maxKey   = 191
	maxID    = 128
	maxName  = 128
	maxShort = 255
)

func newComplaintRow(c *Complaint, now time.Time) (complaintRow, error) {
	dec, err := json.Marshal(c.Decision)
	if err != nil {
		return complaintRow{}, fmt.Errorf("encode decision: %w", err)
	}
	ctx, err := json.Marshal(c.Context)
	if err != nil {
		return complaintRow{}, fmt.Errorf("encode context: %w", err)
	}
	return complaintRow{
		MessageKey: c.MessageKey, ChatID: c.ChatID, ChatName: storage.Truncate(c.ChatName, maxName),
		MemberID: c.MemberID, MemberName: storage.Truncate(c.MemberName, maxName), Text: c.Text,
		Tier: string(c.Tier), BaseTier: string(c.Decision.BaseTier), Score: c.Decision.Score,
		Categories: storage.Truncate(strings.Join(c.Categories(), ","), maxShort), SLAMinutes: c.SLAMinutes,
		RulesVersion: c.Decision.RulesVersion, Decision: string(dec), Context: string(ctx),
		PostedAt: storage.Timestamp(c.PostedAt), CreatedAt: now,
	}, nil
}

func (r complaintRow) complaint() (Complaint, error) {
	c := Complaint{
		ID: r.ID, MessageKey: r.MessageKey, ChatID: r.ChatID, ChatName: r.ChatName, MemberID: r.MemberID,
		MemberName: r.MemberName, Text: r.Text, Tier: Tier(r.Tier), SLAMinutes: r.SLAMinutes, PostedAt: r.PostedAt,
		Reaction: ReactionCounts{Echo: r.EchoCount, Defend: r.DefendCount, Spread: r.SpreadCount},
		RaisedAt: r.RaisedAt, CreatedAt: r.CreatedAt,
		notified: r.NotifiedAt != nil, raisedNotified: r.RaisedNotifiedAt != nil,
	}
	if err := json.Unmarshal([]byte(r.Decision), &c.Decision); err != nil {
		return Complaint{}, fmt.Errorf("decode complaint %d decision: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(r.Context), &c.Context); err != nil {
		return Complaint{}, fmt.Errorf("decode complaint %d context: %w", r.ID, err)
	}
	return c, nil
}

// insert records c once per message key. It sets c.ID and reports whether
// the row is new; for a message recorded before, c is replaced by the
// stored complaint.
func (s *Store) insert(ctx context.Context, c *Complaint) (bool, error) {
	row, err := newComplaintRow(c, s.clock.Now())
	if err != nil {
		return false, err
	}
	added, err := storage.InsertOnce(s.db.WithContext(ctx), &row)
	if err != nil {
		return false, storage.Wrap("record complaint", err)
	}
	if added {
		c.ID, c.CreatedAt = row.ID, row.CreatedAt
		return true, nil
	}
	stored, err := s.byMessageKey(ctx, c.MessageKey)
	if err != nil {
		return false, err
	}
	*c = stored
	return false, nil
}

func (s *Store) byMessageKey(ctx context.Context, key string) (Complaint, error) {
	var row complaintRow
	if err := s.db.WithContext(ctx).Where("message_key = ?", key).Take(&row).Error; err != nil {
		return Complaint{}, storage.Wrap("read complaint by message "+key, err)
	}
	return row.complaint()
}

// Get returns complaint id with its reactions.
func (s *Store) Get(ctx context.Context, id int64) (Complaint, error) {
	var row complaintRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Complaint{}, fmt.Errorf("complaint %d: %w", id, fault.ErrNotFound)
	}
	if err != nil {
		return Complaint{}, storage.Wrap(fmt.Sprintf("read complaint %d", id), err)
	}
	c, err := row.complaint()
	if err != nil {
		return Complaint{}, err
	}
	if c.Reactions, err = s.Reactions(ctx, id); err != nil {
		return Complaint{}, err
	}
	return c, nil
}

// Filter selects complaints for List. Zero fields select everything.
type Filter struct {
	ChatID   string
	MemberID string
	Tier     Tier
	From, To time.Time // posted_at in [From, To)
	Limit    int       // default 50, at most 500
	BeforeID int64     // paging: only complaints with a smaller id
}

// List returns complaints matching f, newest first, and how many match in
// all (ignoring Limit and BeforeID).
func (s *Store) List(ctx context.Context, f Filter) ([]Complaint, int64, error) {
	if f.Tier != "" && !f.Tier.Valid() {
		return nil, 0, fault.Invalid("tier", "未知级别 %q (tier must be none, light, medium or serious)", f.Tier)
	}
	q := s.db.WithContext(ctx).Model(&complaintRow{})
	for col, v := range map[string]string{"chat_id": f.ChatID, "member_id": f.MemberID, "tier": string(f.Tier)} {
		if v != "" {
			q = q.Where(col+" = ?", v)
		}
	}
	if !f.From.IsZero() {
		q = q.Where("posted_at >= ?", storage.Timestamp(f.From))
	}
	if !f.To.IsZero() {
		q = q.Where("posted_at < ?", storage.Timestamp(f.To))
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, storage.Wrap("count complaints", err)
	}
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	var rows []complaintRow
	if err := q.Order("id DESC").Limit(storage.PageSize(f.Limit)).Find(&rows).Error; err != nil {
		return nil, 0, storage.Wrap("list complaints", err)
	}
	out := make([]Complaint, 0, len(rows))
	for _, r := range rows {
		c, err := r.complaint()
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	return out, total, nil
}

// markNotified records that subscribers were told of complaint id (new,
// or raised when raised is true).
func (s *Store) markNotified(ctx context.Context, id int64, raised bool) error {
	col := "notified_at"
	if raised {
		col = "raised_notified_at"
	}
	err := s.db.WithContext(ctx).Model(&complaintRow{}).Where("id = ?", id).Update(col, s.clock.Now()).Error
	if err != nil {
		return storage.Wrap(fmt.Sprintf("mark complaint %d notified", id), err)
	}
	return nil
}

// recentByMember counts member's complaints in chat posted in [from, to).
func (s *Store) recentByMember(ctx context.Context, chatID, memberID string, from, to time.Time) ([]Complaint, error) {
	var rows []complaintRow
	err := s.db.WithContext(ctx).Where("chat_id = ? AND member_id = ? AND posted_at >= ? AND posted_at < ?",
		chatID, memberID, storage.Timestamp(from), storage.Timestamp(to)).Order("posted_at").Limit(50).Find(&rows).Error
	if err != nil {
		return nil, storage.Wrap("read member's recent complaints", err)
	}
	return rowsToComplaints(rows)
}

// open returns the complaints in chat posted in [from, to] by members other
// than memberID: those a message at to may react to.
func (s *Store) open(ctx context.Context, chatID, memberID string, from, to time.Time) ([]Complaint, error) {
	var rows []complaintRow
	err := s.db.WithContext(ctx).Where("chat_id = ? AND member_id <> ? AND posted_at >= ? AND posted_at <= ?",
		chatID, memberID, storage.Timestamp(from), storage.Timestamp(to)).Order("posted_at").Limit(20).Find(&rows).Error
	if err != nil {
		return nil, storage.Wrap("read open complaints", err)
	}
	return rowsToComplaints(rows)
}

func rowsToComplaints(rows []complaintRow) ([]Complaint, error) {
	out := make([]Complaint, 0, len(rows))
	for _, r := range rows {
		c, err := r.complaint()
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
