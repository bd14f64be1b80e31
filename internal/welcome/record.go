package welcome

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/storage"
)

// Kind says what a record greeted.
type Kind string

// The kinds of welcome records.
const (
	KindContact Kind = "contact" // a new external contact
	KindGroup   Kind = "group"   // new members of a group, batched
	KindWeChat  Kind = "wechat"  // an Official Account follower
)

// Outcome is what became of a welcome.
type Outcome string

// The outcomes of welcomes.
const (
	OutcomeQueued        Outcome = "queued"          // in the outbox; its send state is read from there
	OutcomeReplied       Outcome = "replied"         // answered as the Official Account's passive reply
	OutcomeNoWelcomeCode Outcome = "no_welcome_code" // WeCom greeted the contact itself
	OutcomeNoRule        Outcome = "no_rule"         // no rule matched and there is no default
	OutcomeNoChannel     Outcome = "no_channel"      // the bot cannot speak in the group
	OutcomeNoText        Outcome = "no_text"         // no group welcome text, nor a default
	OutcomeNoContent     Outcome = "no_content"      // no text, and every attachment was dropped
)

// Details recorded with outcomes, Chinese first for operators.
const (
	detailNoWelcomeCode = "無 WelcomeCode,企業微信已自動歡迎 (no WelcomeCode: WeCom sent the admin-configured welcome)"
	detailNoRule        = "沒有匹配的歡迎語規則,也沒有默認規則 (no rule matched and there is no default)"
	detailNoChannel     = "本群無可發言通道 (no channel can speak in this group: bridge sending is not configured)"
	detailNoText        = "本群沒有入群歡迎語,也沒有默認歡迎語 (no group welcome text for this group, nor a default)"
	detailNoContent     = "歡迎語沒有文字,附件也都未能準備 (the welcome has no text and every attachment was dropped)"
)

// Record is one welcome decided, with the latency from the callback's
// arrival to the send being queued and, once the outbox sent it, to the
// send itself.
type Record struct {
	ID          int64      `json:"id"`
	EventKey    string     `json:"event_key"`
	Kind        Kind       `json:"kind"`
	Target      string     `json:"target"` // external userid, chat id or openid
	State       string     `json:"state"`
	StaffUserID string     `json:"staff_user_id"`
	RuleID      *int64     `json:"rule_id"`
	Outcome     Outcome    `json:"outcome"`
	Detail      string     `json:"detail"`
	OutboxKey   string     `json:"outbox_key"`
	EventAt     *time.Time `json:"event_at"`    // the event's own CreateTime (seconds)
	ReceivedAt  *time.Time `json:"received_at"` // when the callback reached qunbot
	DecidedAt   time.Time  `json:"decided_at"`  // when the send was queued or skipped
	LatencyUS   int64      `json:"latency_us"`  // received → decided
	// Filled by ListRecords from the outbox.
	SendState string     `json:"send_state,omitempty" gorm:"-"`
	SentAt    *time.Time `json:"sent_at,omitempty" gorm:"-"`
	SendError string     `json:"send_error,omitempty" gorm:"-"`
}

// TableName tells gorm the table of Record.
func (Record) TableName() string { return "welcome_records" }

// RecordFilter selects records; zero fields select everything.
type RecordFilter struct {
	Kind     Kind
	Outcome  Outcome
	Limit    int   // default 50, at most 500
	BeforeID int64 // paging: only records with a smaller id
}

// insertRecord stores rec unless its event key is there; it reports whether
// it was new.
func insertRecord(tx *gorm.DB, rec *Record) (bool, error) {
	rec.Detail = storage.Truncate(rec.Detail, 1024)
	if rec.ReceivedAt != nil {
		rec.LatencyUS = rec.DecidedAt.Sub(*rec.ReceivedAt).Microseconds()
	}
	return storage.InsertOnce(tx, rec)
}

// outboxRow is what a record shows of its send: read-only columns of the
// outbox's table, matched on the idempotency key.
type outboxRow struct {
	IdempotencyKey string
	State          string
	SentAt         *time.Time
	LastError      string
}

func (outboxRow) TableName() string { return "outbox_messages" }

// CountRecords counts the records f selects, ignoring its paging.
func (s *Store) CountRecords(ctx context.Context, f RecordFilter) (int64, error) {
	var n int64
	if err := recordQuery(s.db.WithContext(ctx), f).Model(&Record{}).Count(&n).Error; err != nil {
		return 0, storage.Wrap("count welcome records", err)
	}
	return n, nil
}

func recordQuery(q *gorm.DB, f RecordFilter) *gorm.DB {
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.Outcome != "" {
		q = q.Where("outcome = ?", f.Outcome)
	}
	return q
}

// ListRecords returns the records f selects, newest first, with the state
// of their sends.
func (s *Store) ListRecords(ctx context.Context, f RecordFilter) ([]Record, error) {
	q := recordQuery(s.db.WithContext(ctx), f).Order("id DESC").Limit(storage.PageSize(f.Limit))
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	var recs []Record
	if err := q.Find(&recs).Error; err != nil {
		return nil, storage.Wrap("list welcome records", err)
	}
	if err := s.addSends(ctx, recs); err != nil {
		return nil, err
	}
	return recs, nil
}

// addSends fills in the outbox state of the records that queued a send.
func (s *Store) addSends(ctx context.Context, recs []Record) error {
	var keys []string
	for _, r := range recs {
		if r.OutboxKey != "" {
			keys = append(keys, r.OutboxKey)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	var rows []outboxRow
	err := s.db.WithContext(ctx).Select("idempotency_key, state, sent_at, last_error").Where("idempotency_key IN ?", keys).Find(&rows).Error
	if err != nil {
		return storage.Wrap("read welcome sends", err)
	}
	byKey := make(map[string]outboxRow, len(rows))
	for _, row := range rows {
		byKey[row.IdempotencyKey] = row
	}
	for i := range recs {
		if row, found := byKey[recs[i].OutboxKey]; found {
			recs[i].SendState, recs[i].SentAt, recs[i].SendError = row.State, utcPtr(row.SentAt), row.LastError
		}
	}
	return nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
