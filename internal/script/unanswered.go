package script

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/qunbot/qunbot/internal/script/match"
	"github.com/qunbot/qunbot/internal/storage"
)

// QuestionState is where an unanswered question is in the operators' queue.
type QuestionState string

// Question states: open in the queue, dismissed as not worth a script, or
// resolved by the script it was promoted to.
const (
	QuestionOpen      QuestionState = "open"
	QuestionDismissed QuestionState = "dismissed"
	QuestionResolved  QuestionState = "resolved"
)

// Unanswered is a question members asked that no script answered (待补充),
// grouped by its normalised text.
type Unanswered struct {
	ID          int64         `json:"id"`
	Normalized  string        `json:"normalized"`
	Asked       int64         `json:"asked"`    // times asked
	Examples    []string      `json:"examples"` // up to 5 distinct texts as members wrote them
	ChatIDs     []string      `json:"chat_ids"` // up to 5 chats it was asked in
	State       QuestionState `json:"state"`
	ScriptID    *int64        `json:"script_id,omitempty"` // the script it was promoted to
	ResolvedBy  string        `json:"resolved_by,omitempty"`
	FirstSeenAt time.Time     `json:"first_seen_at"`
	LastSeenAt  time.Time     `json:"last_seen_at"`
	ResolvedAt  *time.Time    `json:"resolved_at,omitempty"`
}

type questionRow struct {
	ID          int64
	TextHash    string
	Normalized  string
	Asked       int64
	Examples    string
	ChatIDs     string `gorm:"column:chat_ids"`
	State       string
	ScriptID    *int64
	ResolvedBy  string
	FirstSeenAt time.Time
	LastSeenAt  time.Time
	ResolvedAt  *time.Time
}

func (questionRow) TableName() string { return "script_questions" }

func (r questionRow) unanswered() (Unanswered, error) {
	q := Unanswered{ID: r.ID, Normalized: r.Normalized, Asked: r.Asked, State: QuestionState(r.State), ScriptID: r.ScriptID,
		ResolvedBy: r.ResolvedBy, FirstSeenAt: r.FirstSeenAt.UTC(), LastSeenAt: r.LastSeenAt.UTC(), ResolvedAt: utcPtr(r.ResolvedAt)}
	if err := json.Unmarshal([]byte(r.Examples), &q.Examples); err != nil {
		return q, fmt.Errorf("decode question %d: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(r.ChatIDs), &q.ChatIDs); err != nil {
		return q, fmt.Errorf("decode question %d: %w", r.ID, err)
	}
	return q, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Sizes kept of an unanswered question.
const (
	maxExamples    = 5
	maxExample     = 500  // characters of one example
	maxNormalized  = 1024 // characters of the normalised text shown
	maxQuestionLen = 4000 // characters considered at all; longer texts are not questions
)

// NoteUnanswered counts text, asked in chatID at time at, as a question
// nothing answered, and reports whether it did: only texts that look like
// questions once normalised are noted. Texts that normalise alike share one
// entry.
func (s *Store) NoteUnanswered(ctx context.Context, text, chatID string, at time.Time) (bool, error) {
	if len([]rune(text)) > maxQuestionLen {
		return false, nil
	}
	norm := match.NormalizeString(text)
	if norm == "" || !match.LooksLikeQuestion(norm) {
		return false, nil
	}
	sum := sha256.Sum256([]byte(norm))
	hash := hex.EncodeToString(sum[:])
	at = storage.Timestamp(at)
	var err error
	// A first insert can race another replica's; the loser adds to its row.
	for range 2 {
		err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return noteTx(tx, hash, norm, storage.Truncate(text, maxExample), storage.Truncate(chatID, maxChatID), at)
		})
		if !errors.Is(err, errRaced) {
			break
		}
	}
	if err != nil {
		return false, storage.Wrap("note unanswered question", err)
	}
	return true, nil
}

var errRaced = errors.New("raced another insert")

func noteTx(tx *gorm.DB, hash, norm, example, chatID string, at time.Time) error {
	if err := countUnansweredDay(tx, at); err != nil {
		return err
	}
	var row questionRow
	err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Where("text_hash = ?", hash).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		row = questionRow{TextHash: hash, Normalized: storage.Truncate(norm, maxNormalized), Asked: 1,
			State: string(QuestionOpen), FirstSeenAt: at, LastSeenAt: at}
		row.Examples, _ = jsonText(addSample(nil, example))
		row.ChatIDs, _ = jsonText(addSample(nil, chatID))
		inserted, err := storage.InsertOnce(tx, &row)
		if err == nil && !inserted {
			return errRaced
		}
		return err
	}
	if err != nil {
		return err
	}
	q, err := row.unanswered()
	if err != nil {
		return err
	}
	examples, _ := jsonText(addSample(q.Examples, example))
	chats, _ := jsonText(addSample(q.ChatIDs, chatID))
	return tx.Model(&questionRow{}).Where("id = ?", row.ID).Updates(map[string]any{
		"asked": gorm.Expr("asked + 1"), "last_seen_at": latest(row.LastSeenAt, at),
		"examples": examples, "chat_ids": chats,
	}).Error
}

// addSample adds v to list unless it is empty, already there, or the list
// is full.
func addSample(list []string, v string) []string {
	if list == nil {
		list = []string{}
	}
	if v == "" || len(list) >= maxExamples || slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return storage.Timestamp(a)
	}
	return b
}

// QuestionFilter selects unanswered questions. The zero value lists the
// open queue.
type QuestionFilter struct {
	State  QuestionState // default open
	Limit  int           // default 50, at most 500
	Offset int
}

// ListUnanswered returns the questions f selects, the most asked first.
func (s *Store) ListUnanswered(ctx context.Context, f QuestionFilter) ([]Unanswered, error) {
	if f.State == "" {
		f.State = QuestionOpen
	}
	var rows []questionRow
	err := s.db.WithContext(ctx).Where("state = ?", f.State).Order("asked DESC, last_seen_at DESC, id").
		Limit(storage.PageSize(f.Limit)).Offset(max(f.Offset, 0)).Find(&rows).Error
	if err != nil {
		return nil, storage.Wrap("list unanswered questions", err)
	}
	out := make([]Unanswered, len(rows))
	for i, r := range rows {
		if out[i], err = r.unanswered(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// GetUnanswered returns question id, or an error matching ErrNotFound.
func (s *Store) GetUnanswered(ctx context.Context, id int64) (Unanswered, error) {
	row, err := questionTx(s.db.WithContext(ctx), id)
	if err != nil {
		return Unanswered{}, wrapStore(fmt.Sprintf("get unanswered question %d", id), err)
	}
	return row.unanswered()
}

func questionTx(tx *gorm.DB, id int64) (questionRow, error) {
	var row questionRow
	err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, fmt.Errorf("question %d: %w", id, ErrNotFound)
	}
	return row, err
}

// Dismiss takes open question id out of the queue: operators judged it not
// worth a script. It stays dismissed however often it is asked again.
func (s *Store) Dismiss(ctx context.Context, actor string, id int64) error {
	op := fmt.Sprintf("dismiss unanswered question %d", id)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row, err := questionTx(tx, id)
		if err != nil {
			return err
		}
		if row.State != string(QuestionOpen) {
			return fmt.Errorf("%w: the question is %s", ErrConflict, row.State)
		}
		return tx.Model(&questionRow{}).Where("id = ?", id).Updates(map[string]any{
			"state": QuestionDismissed, "resolved_by": storage.Truncate(actor, maxActor), "resolved_at": s.clock.Now(),
		}).Error
	})
	return wrapStore(op, err)
}

// Promote creates sc by actor as the answer to question id and marks the
// question resolved, in one transaction: either both happen or neither. An
// empty title defaults to the question's first example and empty keywords
// (outside regex mode) to its normalised text. A question already resolved
// is a conflict.
func (s *Store) Promote(ctx context.Context, actor string, id int64, sc *Script) error {
	return s.change(ctx, fmt.Sprintf("promote unanswered question %d", id), func(tx *gorm.DB) error {
		row, err := questionTx(tx, id)
		if err != nil {
			return err
		}
		if row.State == string(QuestionResolved) {
			return fmt.Errorf("%w: the question was already promoted to script %d", ErrConflict, deref(row.ScriptID))
		}
		q, err := row.unanswered()
		if err != nil {
			return err
		}
		fillFromQuestion(sc, q)
		if err := s.createTx(tx, actor, sc); err != nil {
			return err
		}
		return tx.Model(&questionRow{}).Where("id = ?", id).Updates(map[string]any{
			"state": QuestionResolved, "script_id": sc.ID, "resolved_by": actor, "resolved_at": sc.CreatedAt,
		}).Error
	})
}

func fillFromQuestion(sc *Script, q Unanswered) {
	if sc.Title == "" && len(q.Examples) > 0 {
		sc.Title = storage.Truncate(q.Examples[0], maxTitle)
	}
	if len(sc.Keywords) == 0 && sc.MatchMode != match.ModeRegex {
		sc.Keywords = []string{q.Normalized}
	}
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// wrapStore wraps err with op, marking an unreachable database.
func wrapStore(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrConflict), errors.Is(err, ErrInvalid):
		return fmt.Errorf("%s: %w", op, err)
	}
	return storage.Wrap(op, err)
}
