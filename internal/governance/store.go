package governance

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage"
)

// Store keeps the group rules, the allow-list, every ladder step, the
// daily message counts and the alerts. It is safe for concurrent use and
// for several replicas sharing one database.
type Store struct {
	db    *gorm.DB
	clock storage.Clock
	rules *storage.Versioned[Rules]
}

// NewStore returns a Store over db. now is the clock (nil means time.Now).
func NewStore(db *gorm.DB, now func() time.Time) *Store {
	return &Store{db: db, clock: now, rules: storage.NewVersioned(db, "governance_rules", "group rules", DefaultRules, now)}
}

// Version returns the version of the rules in force (0 before any are
// saved).
func (s *Store) Version(ctx context.Context) (int64, error) { return s.rules.Version(ctx) }

// Rules returns the rules in force, saving the defaults as version 1 on
// first use.
func (s *Store) Rules(ctx context.Context) (Rules, error) {
	r, v, err := s.rules.Latest(ctx)
	r.Version = v
	return r, err
}

// SaveRules validates r and saves it as the next version; r.Version must
// be the version edited, or the save is fault.ErrConflict.
func (s *Store) SaveRules(ctx context.Context, r Rules, actor string) (Rules, error) {
	if err := r.Validate(); err != nil {
		return Rules{}, fmt.Errorf("save group rules: %w", err)
	}
	v, err := s.rules.Save(ctx, r, r.Version, actor)
	if err != nil {
		return Rules{}, err
	}
	r.Version = v
	return r, nil
}

// AllowEntry is a member the group rules never act on (白名单), in one
// group or, with an empty ChatID, in all.
type AllowEntry struct {
	ID        int64     `json:"id"`
	MemberID  string    `json:"member_id"`
	ChatID    string    `json:"chat_id"`
	Note      string    `json:"note"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// TableName tells gorm the table of AllowEntry.
func (AllowEntry) TableName() string { return "governance_allowlist" }

// Allow adds e to the allow-list; the same member and group twice is
// fault.ErrConflict.
func (s *Store) Allow(ctx context.Context, e *AllowEntry, actor string) error {
	var p fault.Problems
	if e.MemberID == "" || utf8.RuneCountInString(e.MemberID) > 128 {
		p.Add("member_id", "成员 ID 须为 1 到 128 个字符 (member_id must be 1 to 128 characters)")
	}
	if utf8.RuneCountInString(e.ChatID) > 128 {
		p.Add("chat_id", "群 ID 不能超过 128 个字符 (chat_id is at most 128 characters)")
	}
	if utf8.RuneCountInString(e.Note) > 255 {
		p.Add("note", "备注不能超过 255 个字 (note is at most 255 characters)")
	}
	if err := p.Err(); err != nil {
		return fmt.Errorf("allow member: %w", err)
	}
	e.ID, e.CreatedBy, e.CreatedAt = 0, storage.Truncate(actor, 64), s.clock.Now()
	added, err := storage.InsertOnce(s.db.WithContext(ctx), e)
	if err != nil {
		return storage.Wrap("allow member", err)
	}
	if !added {
		return fmt.Errorf("allow member %s in %q: already allowed: %w", e.MemberID, e.ChatID, fault.ErrConflict)
	}
	return nil
}

// Disallow removes allow-list entry id.
func (s *Store) Disallow(ctx context.Context, id int64) error {
	res := s.db.WithContext(ctx).Where("id = ?", id).Delete(&AllowEntry{})
	if res.Error != nil {
		return storage.Wrap(fmt.Sprintf("remove allow-list entry %d", id), res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("allow-list entry %d: %w", id, fault.ErrNotFound)
	}
	return nil
}

// AllowList lists the allow-list, newest first; chatID filters to one
// group's entries and the all-group ones.
func (s *Store) AllowList(ctx context.Context, chatID string) ([]AllowEntry, error) {
	q := s.db.WithContext(ctx).Order("id DESC").Limit(1000)
	if chatID != "" {
		q = q.Where("chat_id IN ?", []string{"", chatID})
	}
	var out []AllowEntry
	if err := q.Find(&out).Error; err != nil {
		return nil, storage.Wrap("list allow-list", err)
	}
	return out, nil
}

// allowed reports whether member is on the allow-list for chat.
func (s *Store) allowed(ctx context.Context, chatID, memberID string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&AllowEntry{}).Where("member_id = ? AND chat_id IN ?", memberID, []string{"", chatID}).Count(&n).Error
	if err != nil {
		return false, storage.Wrap("check allow-list", err)
	}
	return n > 0, nil
}

// The ladder's steps.
const (
	StepWarning        = "warning"
	StepFinalWarning   = "final_warning"
	StepRemovalRequest = "removal_request"
	StepAnnouncement   = "announcement"
	StepRemoved        = "removed"             // the member left the group removed
	StepResult         = "result_announcement" // the removal announced in the group
)

// The outcomes of a step.
const (
	OutcomeQueued    = "queued"     // the send is in the outbox
	OutcomeNotPosted = "not_posted" // nothing could carry it (no bridge, no owner)
	OutcomeObserved  = "observed"   // seen in WeCom's events, nothing to send
)

// Record is one ladder step taken for one member in one group.
type Record struct {
	ID         int64     `json:"id"`
	StepKey    string    `json:"-"`
	ChatID     string    `json:"chat_id"`
	MemberID   string    `json:"member_id"`
	MemberName string    `json:"member_name"`
	Violation  string    `json:"violation"`
	Evidence   string    `json:"evidence"`
	MessageKey string    `json:"message_key"`
	Step       string    `json:"step"`
	Outcome    string    `json:"outcome"`
	Detail     string    `json:"detail"`
	CreatedAt  time.Time `json:"created_at"`
}

// TableName tells gorm the table of Record.
func (Record) TableName() string { return "governance_records" }

// RecordFilter selects records. Zero fields select everything.
type RecordFilter struct {
	ChatID   string
	MemberID string
	Limit    int
	BeforeID int64
}

// Records lists ladder steps, newest first, and how many match in all.
func (s *Store) Records(ctx context.Context, f RecordFilter) ([]Record, int64, error) {
	q := s.db.WithContext(ctx).Model(&Record{})
	if f.ChatID != "" {
		q = q.Where("chat_id = ?", f.ChatID)
	}
	if f.MemberID != "" {
		q = q.Where("member_id = ?", f.MemberID)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, storage.Wrap("count group rule records", err)
	}
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	var out []Record
	if err := q.Order("id DESC").Limit(storage.PageSize(f.Limit)).Find(&out).Error; err != nil {
		return nil, 0, storage.Wrap("list group rule records", err)
	}
	return out, total, nil
}

// offences counts the member's earlier offences in chat since since: the
// steps that answer one (warning, final warning, removal request), not
// counting those taken for message key.
func (s *Store) offences(ctx context.Context, chatID, memberID, key string, since time.Time) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Record{}).
		Where("chat_id = ? AND member_id = ? AND message_key <> ? AND created_at >= ? AND step IN ?",
			chatID, memberID, key, storage.Timestamp(since), []string{StepWarning, StepFinalWarning, StepRemovalRequest}).
		Count(&n).Error
	if err != nil {
		return 0, storage.Wrap("count member's offences", err)
	}
	return n, nil
}

// handled returns the steps already taken for message key.
func (s *Store) handled(ctx context.Context, key string) ([]Record, error) {
	var out []Record
	if err := s.db.WithContext(ctx).Where("message_key = ?", key).Order("id").Find(&out).Error; err != nil {
		return nil, storage.Wrap("read steps taken for "+key, err)
	}
	return out, nil
}

func (r *Record) fit(now time.Time) {
	r.MemberName = storage.Truncate(r.MemberName, 128)
	r.Detail = storage.Truncate(r.Detail, 2000)
	r.Evidence = storage.Truncate(r.Evidence, 2000)
	r.StepKey = stepKey(r.MessageKey, r.Step)
	r.CreatedAt = now
}

// stepKey names one step taken for one message: the record's unique key and
// the idempotency key of its send.
func stepKey(messageKey, step string) string {
	return fmt.Sprintf("gov:%x:%s", sha256.Sum256([]byte(messageKey)), step)
}

// pendingRemoval returns the member's latest removal request in chat that
// no removal has answered yet.
func (s *Store) pendingRemoval(ctx context.Context, chatID, memberID string) (Record, bool, error) {
	var recs []Record
	err := s.db.WithContext(ctx).Where("chat_id = ? AND member_id = ? AND step IN ?", chatID, memberID, []string{StepRemovalRequest, StepRemoved}).
		Order("id DESC").Limit(1).Find(&recs).Error
	if err != nil {
		return Record{}, false, storage.Wrap("read pending removal", err)
	}
	if len(recs) == 0 || recs[0].Step != StepRemovalRequest {
		return Record{}, false, nil
	}
	return recs[0], true, nil
}
