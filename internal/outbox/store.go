package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/qunbot/qunbot/internal/storage"
)

// Store keeps messages in outbox_messages. It is safe for concurrent use and
// for several replicas sharing one database.
type Store struct {
	db    *gorm.DB
	clock storage.Clock
}

// NewStore returns a Store over db. now is the clock (nil means time.Now);
// tests pass a fake one.
func NewStore(db *gorm.DB, now func() time.Time) *Store {
	return &Store{db: db, clock: now}
}

// Enqueue stores m as a pending message and reports whether it was new. A
// second intent with the same IdempotencyKey is not an error: it returns
// false and leaves the first row alone.
func (s *Store) Enqueue(ctx context.Context, m *Message) (bool, error) {
	return EnqueueTx(s.db.WithContext(ctx), m, s.clock.Now())
}

// EnqueueTx is Enqueue inside the caller's transaction tx, so that a handler
// records its effect and the send it implies together or not at all. now is
// the creation time. It sets State, Attempts and CreatedAt, MaxAttempts when
// zero (DefaultMaxAttempts) and NextAttemptAt when zero (now; a later time
// schedules the send).
func EnqueueTx(tx *gorm.DB, m *Message, now time.Time) (bool, error) {
	if err := validate(m); err != nil {
		return false, fmt.Errorf("enqueue outbox message: %w", err)
	}
	now = storage.Timestamp(now)
	m.ID, m.State, m.Attempts, m.LockedUntil, m.SentAt, m.LastError, m.Response = 0, StatePending, 0, nil, nil, "", ""
	m.CreatedAt = now
	if m.MaxAttempts == 0 {
		m.MaxAttempts = DefaultMaxAttempts
	}
	if m.NextAttemptAt.IsZero() {
		m.NextAttemptAt = now
	}
	m.NextAttemptAt = storage.Timestamp(m.NextAttemptAt)
	inserted, err := storage.InsertOnce(tx, m)
	if err != nil {
		return false, storage.Wrap(fmt.Sprintf("enqueue outbox message %q", m.IdempotencyKey), err)
	}
	return inserted, nil
}

func validate(m *Message) error {
	switch {
	case m.IdempotencyKey == "":
		return fmt.Errorf("%w: idempotency key is empty", ErrInvalid)
	case utf8.RuneCountInString(m.IdempotencyKey) > maxKey:
		return fmt.Errorf("%w: idempotency key is longer than %d characters", ErrInvalid, maxKey)
	case m.API == "":
		return fmt.Errorf("%w: api is empty", ErrInvalid)
	case utf8.RuneCountInString(m.API) > maxAPI:
		return fmt.Errorf("%w: api is longer than %d characters", ErrInvalid, maxAPI)
	case m.MaxAttempts < 0:
		return fmt.Errorf("%w: max attempts is negative", ErrInvalid)
	}
	return nil
}

// Claim takes up to limit due pending messages, highest Priority first and
// then the longest due, moves them to sending for lease and counts an
// attempt. Replicas never claim the same message: on MySQL the rows are read
// FOR UPDATE SKIP LOCKED inside the transaction, on SQLite the transaction
// starts IMMEDIATE and so runs alone.
func (s *Store) Claim(ctx context.Context, limit int, lease time.Duration) ([]Message, error) {
	return s.claim(ctx, limit, lease, nil)
}

// claim is Claim leaving out the messages of the APIs in skip, which are
// over their rate limit: claiming them would only put them back.
func (s *Store) claim(ctx context.Context, limit int, lease time.Duration, skip []string) ([]Message, error) {
	if limit <= 0 {
		return nil, nil
	}
	now := s.clock.Now()
	until := now.Add(lease)
	var msgs []Message
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate, Options: clause.LockingOptionsSkipLocked}).
			Where("state = ? AND next_attempt_at <= ?", StatePending, now)
		if len(skip) > 0 {
			q = q.Where("api NOT IN ?", skip)
		}
		err := q.Order("priority DESC, next_attempt_at, id").Limit(limit).Find(&msgs).Error
		if err != nil || len(msgs) == 0 {
			return err
		}
		ids := make([]int64, len(msgs))
		for i := range msgs {
			ids[i] = msgs[i].ID
			msgs[i].State, msgs[i].LockedUntil = StateSending, &until
			msgs[i].Attempts++
		}
		return tx.Model(&Message{}).Where("id IN ?", ids).Updates(map[string]any{
			"state": StateSending, "locked_until": until, "attempts": gorm.Expr("attempts + 1"),
		}).Error
	})
	if err != nil {
		return nil, storage.Wrap("claim outbox messages", err)
	}
	return msgs, nil
}

// MarkSent records that the API accepted a sending message, and its answer.
func (s *Store) MarkSent(ctx context.Context, id int64, response string) error {
	return s.transition(ctx, "mark outbox message sent", id, StateSending, map[string]any{
		"state": StateSent, "locked_until": nil, "sent_at": s.clock.Now(), "response": storage.Truncate(response, maxResponse),
	})
}

// MarkRetry returns a sending message to the queue after a failed attempt,
// to be tried again at next.
func (s *Store) MarkRetry(ctx context.Context, id int64, cause error, next time.Time) error {
	return s.transition(ctx, "mark outbox message for retry", id, StateSending, map[string]any{
		"state": StatePending, "locked_until": nil, "last_error": errorText(cause), "next_attempt_at": storage.Timestamp(next),
	})
}

// MarkFailed records that a sending message will not be sent, and why.
func (s *Store) MarkFailed(ctx context.Context, id int64, cause error) error {
	return s.transition(ctx, "mark outbox message failed", id, StateSending, map[string]any{
		"state": StateFailed, "locked_until": nil, "last_error": errorText(cause),
	})
}

// postpone returns a claimed message that its API's rate limit holds back,
// uncounting the attempt that did not happen.
func (s *Store) postpone(ctx context.Context, id int64, next time.Time) error {
	return s.transition(ctx, "postpone outbox message", id, StateSending, map[string]any{
		"state": StatePending, "locked_until": nil, "next_attempt_at": storage.Timestamp(next), "attempts": gorm.Expr("attempts - 1"),
	})
}

// Retry puts a failed message back in the queue with a fresh count of
// attempts; this is the operator's "send again", and the operator's call to
// make when the failure was an interrupted send.
func (s *Store) Retry(ctx context.Context, id int64) error {
	return s.transition(ctx, "retry outbox message", id, StateFailed, map[string]any{
		"state": StatePending, "attempts": 0, "next_attempt_at": s.clock.Now(), "locked_until": nil,
	})
}

// transition applies set to message id if it is in state from.
func (s *Store) transition(ctx context.Context, op string, id int64, from State, set map[string]any) error {
	res := s.db.WithContext(ctx).Model(&Message{}).Where("id = ? AND state = ?", id, from).Updates(set)
	if res.Error != nil {
		return storage.Wrap(fmt.Sprintf("%s %d", op, id), res.Error)
	}
	if res.RowsAffected > 0 {
		return nil
	}
	// MySQL counts only rows it changed, so a repeated call lands here too.
	m, err := s.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if m.State == from {
		return nil
	}
	return fmt.Errorf("%s %d: %w: it is %s", op, id, ErrConflict, m.State)
}

// interrupted returns up to limit messages left in sending after their lease
// ran out: the worker sending them died.
func (s *Store) interrupted(ctx context.Context, limit int) ([]Message, error) {
	var msgs []Message
	err := s.db.WithContext(ctx).Where("state = ? AND locked_until <= ?", StateSending, s.clock.Now()).
		Order("id").Limit(limit).Find(&msgs).Error
	if err != nil {
		return nil, storage.Wrap("find interrupted outbox messages", err)
	}
	return msgs, nil
}

// settleInterrupted moves an interrupted message to pending (resend) or
// failed, unless another worker got there first; it reports whether it did.
func (s *Store) settleInterrupted(ctx context.Context, m Message, resend bool) (bool, error) {
	set := map[string]any{"state": StateFailed, "locked_until": nil, "last_error": errInterrupted.Error()}
	switch {
	case resend && m.Attempts >= m.MaxAttempts:
		set["last_error"] = fmt.Sprintf("gave up after %d attempts: the last was interrupted during send", m.Attempts)
	case resend:
		set = map[string]any{"state": StatePending, "locked_until": nil, "next_attempt_at": s.clock.Now(),
			"last_error": "interrupted during send; queued again because the api is idempotent"}
	}
	res := s.db.WithContext(ctx).Model(&Message{}).
		Where("id = ? AND state = ? AND locked_until <= ?", m.ID, StateSending, s.clock.Now()).Updates(set)
	if res.Error != nil {
		return false, storage.Wrap(fmt.Sprintf("recover interrupted outbox message %d", m.ID), res.Error)
	}
	return res.RowsAffected > 0, nil
}

var errInterrupted = errors.New("interrupted during send; not resent to avoid a duplicate")

// Get returns the message with id, or an error matching ErrNotFound.
func (s *Store) Get(ctx context.Context, id int64) (Message, error) {
	var m Message
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Message{}, fmt.Errorf("get outbox message %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Message{}, storage.Wrap(fmt.Sprintf("get outbox message %d", id), err)
	}
	return m, nil
}

// List returns the messages f selects, newest first.
func (s *Store) List(ctx context.Context, f Filter) ([]Message, error) {
	q := s.db.WithContext(ctx).Order("id DESC").Limit(storage.PageSize(f.Limit))
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if f.API != "" {
		q = q.Where("api = ?", f.API)
	}
	if f.BeforeID > 0 {
		q = q.Where("id < ?", f.BeforeID)
	}
	var msgs []Message
	if err := q.Find(&msgs).Error; err != nil {
		return nil, storage.Wrap("list outbox messages", err)
	}
	return msgs, nil
}

// Counts returns how many messages are in each state, zeros included.
func (s *Store) Counts(ctx context.Context) (map[State]int64, error) {
	counts, err := storage.CountByState(ctx, s.db, &Message{}, allStates())
	if err != nil {
		return nil, storage.Wrap("count outbox messages", err)
	}
	return counts, nil
}

// errorText is what is kept of an error: its message, cut to the column.
func errorText(err error) string {
	if err == nil {
		return ""
	}
	return storage.Truncate(err.Error(), maxLastError)
}
