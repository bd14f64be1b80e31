package toolbar

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/script/match"
	"github.com/qunbot/qunbot/internal/storage"
)

// Retention of noted questions: a week, and at most this many a chat.
const (
	DefaultKeep    = 7 * 24 * time.Hour
	DefaultPerChat = 200
)

// Column sizes (characters).
const (
	maxChatID     = 128
	maxMemberName = 64
	maxMessageKey = 191
	maxUserID     = 64
	maxText       = 2000 // kept of a question's text
	maxConsidered = 4000 // longer texts are not questions
)

// Question is a member's message in a customer group that nothing could
// answer by itself: the bridge reads the group but cannot speak there.
type Question struct {
	ChatID     string    `json:"chat_id"`
	MemberID   string    `json:"member_id,omitempty"`
	MemberName string    `json:"member_name,omitempty"`
	MessageKey string    `json:"message_key"` // the message's dedupe key
	Text       string    `json:"text"`
	AskedAt    time.Time `json:"asked_at"` // zero means now
}

// Noted is a kept question and whether staff already answered it from the
// toolbar.
type Noted struct {
	Question
	ID           int64      `json:"id"`
	SentAt       *time.Time `json:"sent_at,omitempty"`
	SentBy       string     `json:"sent_by,omitempty"`
	SentScriptID int64      `json:"sent_script_id,omitempty"`
}

type questionRow struct {
	ID           int64
	MessageKey   string
	ChatID       string
	MemberID     string
	MemberName   string
	Text         string
	AskedAt      time.Time
	SentAt       *time.Time
	SentBy       string
	SentScriptID *int64
	CreatedAt    time.Time
}

func (questionRow) TableName() string { return "toolbar_questions" }

func (r questionRow) noted() Noted {
	n := Noted{ID: r.ID, SentBy: r.SentBy, Question: Question{ChatID: r.ChatID, MemberID: r.MemberID,
		MemberName: r.MemberName, MessageKey: r.MessageKey, Text: r.Text, AskedAt: r.AskedAt.UTC()}}
	if r.SentAt != nil {
		t := r.SentAt.UTC()
		n.SentAt = &t
	}
	if r.SentScriptID != nil {
		n.SentScriptID = *r.SentScriptID
	}
	return n
}

// Send is one answer staff sent into a group from the toolbar page.
type Send struct {
	ID         int64     `json:"id"`
	Key        string    `json:"-"` // dedupe key: the same send reported twice is stored once
	ChatID     string    `json:"chat_id"`
	MessageKey string    `json:"message_key,omitempty"` // the question it answered, if any
	ScriptID   int64     `json:"script_id"`
	Variant    int       `json:"variant"`
	UserID     string    `json:"user_id"` // the staff member who sent it
	HitID      int64     `json:"hit_id,omitempty"`
	At         time.Time `json:"at"`
}

type sendRow struct {
	ID         int64
	SendKey    string
	ChatID     string
	MessageKey string
	ScriptID   int64
	Variant    int
	UserID     string
	HitID      *int64
	SentAt     time.Time
}

func (sendRow) TableName() string { return "toolbar_sends" }

// Matcher tells whether a text matches a script; *script.Engine is one.
type Matcher interface {
	Try(ctx context.Context, text, chatID string, channel script.Channel, tags []string, store string, at time.Time) (script.Decision, error)
}

// Store keeps the questions the toolbar page shows and the sends made from
// it. It is safe for concurrent use and for replicas sharing a database.
type Store struct {
	db      *gorm.DB
	matcher Matcher
	clock   storage.Clock
	keep    time.Duration
	perChat int
}

// NewStore returns a Store over db. matcher (may be nil) lets Note keep
// messages that match a script without reading as questions; now is the
// clock (nil means time.Now).
func NewStore(db *gorm.DB, matcher Matcher, now func() time.Time) *Store {
	return &Store{db: db, matcher: matcher, clock: now, keep: DefaultKeep, perChat: DefaultPerChat}
}

// Note keeps q for the toolbar page if it reads as a question or matches a
// script; other chatter is ignored. A message already noted (same
// MessageKey) is not noted again. Each note prunes its chat to the last
// week and the last 200 questions.
func (s *Store) Note(ctx context.Context, q Question) error {
	if err := validateQuestion(&q); err != nil {
		return fmt.Errorf("note toolbar question: %w", err)
	}
	if q.AskedAt.IsZero() {
		q.AskedAt = s.clock.Now()
	}
	q.AskedAt = storage.Timestamp(q.AskedAt)
	if q.AskedAt.Before(s.clock.Now().Add(-s.keep)) {
		return nil // already past retention
	}
	keep, err := s.worthKeeping(ctx, q)
	if err != nil || !keep {
		return err
	}
	row := questionRow{MessageKey: q.MessageKey, ChatID: q.ChatID, MemberID: q.MemberID,
		MemberName: storage.Truncate(q.MemberName, maxMemberName), Text: storage.Truncate(q.Text, maxText),
		AskedAt: q.AskedAt, CreatedAt: s.clock.Now()}
	if _, err := storage.InsertOnce(s.db.WithContext(ctx), &row); err != nil {
		return storage.Wrap("note toolbar question", err)
	}
	// Pruned even for a duplicate: a retry after a failed prune completes it.
	if err := s.pruneChat(ctx, q.ChatID); err != nil {
		return storage.Wrap(fmt.Sprintf("prune toolbar questions of %s", q.ChatID), err)
	}
	return nil
}

func validateQuestion(q *Question) error {
	q.Text = strings.TrimSpace(q.Text)
	var p fault.Problems
	if q.ChatID == "" {
		p.Add("chat_id", "缺少群 ID (chat id required)")
	}
	if q.MessageKey == "" {
		p.Add("message_key", "缺少消息去重键 (message key required)")
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"chat_id", q.ChatID, maxChatID}, {"member_id", q.MemberID, maxChatID}, {"message_key", q.MessageKey, maxMessageKey}} {
		if utf8.RuneCountInString(f.v) > f.max {
			p.Add(f.name, "最多 %d 个字 (at most %d characters)", f.max, f.max)
		}
	}
	return p.Err()
}

// worthKeeping reports whether q reads as a question or matches a script
// that could answer it.
func (s *Store) worthKeeping(ctx context.Context, q Question) (bool, error) {
	if q.Text == "" || utf8.RuneCountInString(q.Text) > maxConsidered {
		return false, nil
	}
	if match.LooksLikeQuestion(match.NormalizeString(q.Text)) {
		return true, nil
	}
	if s.matcher == nil {
		return false, nil
	}
	d, err := s.matcher.Try(ctx, q.Text, q.ChatID, ChannelToolbar, nil, "", q.AskedAt)
	if err != nil {
		return false, fmt.Errorf("note toolbar question: %w", err)
	}
	return slices.ContainsFunc(d.Candidates, func(c script.Candidate) bool { return c.SkipReason != script.SkipDisabled }), nil
}

// pruneChat drops chat's questions older than the retention and beyond the
// newest perChat.
func (s *Store) pruneChat(ctx context.Context, chatID string) error {
	db := s.db.WithContext(ctx)
	cutoff := s.clock.Now().Add(-s.keep)
	if err := db.Where("chat_id = ? AND asked_at < ?", chatID, cutoff).Delete(&questionRow{}).Error; err != nil {
		return err
	}
	var edge []questionRow
	err := db.Select("id", "asked_at").Where("chat_id = ?", chatID).Order("asked_at DESC, id DESC").
		Offset(s.perChat).Limit(1).Find(&edge).Error
	if err != nil || len(edge) == 0 {
		return err
	}
	b := edge[0]
	return db.Where("chat_id = ? AND (asked_at < ? OR (asked_at = ? AND id <= ?))", chatID, b.AskedAt, b.AskedAt, b.ID).
		Delete(&questionRow{}).Error
}

// Recent returns chat's kept questions, newest first, at most limit
// (default 50, at most 200).
func (s *Store) Recent(ctx context.Context, chatID string, limit int) ([]Noted, error) {
	switch {
	case limit <= 0:
		limit = 50
	case limit > DefaultPerChat:
		limit = DefaultPerChat
	}
	var rows []questionRow
	err := s.db.WithContext(ctx).Where("chat_id = ? AND asked_at >= ?", chatID, s.clock.Now().Add(-s.keep)).
		Order("asked_at DESC, id DESC").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, storage.Wrap(fmt.Sprintf("list toolbar questions of %s", chatID), err)
	}
	out := make([]Noted, len(rows))
	for i, r := range rows {
		out[i] = r.noted()
	}
	return out, nil
}

// SendKey is the dedupe key of a send: sendID when the page gave one (one
// tap), otherwise the question, script and variant it answered with.
func SendKey(sendID, chatID, messageKey string, scriptID int64, variant int) string {
	parts := []string{"question", chatID, messageKey, strconv.FormatInt(scriptID, 10), strconv.Itoa(variant)}
	if sendID != "" {
		parts = []string{"send", sendID}
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:])
}

// RecordSend stores snd and marks the question it answered (if any, and
// still unanswered) as sent, in one transaction. It reports false, storing
// nothing, when a send with the same Key is already stored.
func (s *Store) RecordSend(ctx context.Context, snd *Send) (bool, error) {
	if err := validateSend(snd); err != nil {
		return false, fmt.Errorf("record toolbar send: %w", err)
	}
	if snd.At.IsZero() {
		snd.At = s.clock.Now()
	}
	snd.At = storage.Timestamp(snd.At)
	row := sendRow{SendKey: snd.Key, ChatID: snd.ChatID, MessageKey: snd.MessageKey, ScriptID: snd.ScriptID,
		Variant: snd.Variant, UserID: snd.UserID, SentAt: snd.At}
	if snd.HitID > 0 {
		row.HitID = &snd.HitID
	}
	inserted := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if inserted, err = storage.InsertOnce(tx, &row); err != nil || !inserted || snd.MessageKey == "" {
			return err
		}
		return tx.Model(&questionRow{}).Where("message_key = ? AND chat_id = ? AND sent_at IS NULL", snd.MessageKey, snd.ChatID).
			Updates(map[string]any{"sent_at": snd.At, "sent_by": snd.UserID, "sent_script_id": snd.ScriptID}).Error
	})
	if err != nil {
		return false, storage.Wrap("record toolbar send", err)
	}
	snd.ID = row.ID
	return inserted, nil
}

func validateSend(snd *Send) error {
	var p fault.Problems
	if snd.Key == "" {
		p.Add("send_key", "缺少去重键 (send key required)")
	}
	if snd.ChatID == "" || utf8.RuneCountInString(snd.ChatID) > maxChatID {
		p.Add("chat_id", "群 ID 为空或过长 (chat id empty or over %d characters)", maxChatID)
	}
	if utf8.RuneCountInString(snd.MessageKey) > maxMessageKey {
		p.Add("message_key", "最多 %d 个字 (at most %d characters)", maxMessageKey, maxMessageKey)
	}
	if snd.ScriptID <= 0 {
		p.Add("script_id", "缺少话术 (script id required)")
	}
	if snd.Variant < 0 {
		p.Add("variant", "不能为负数 (variant must not be negative)")
	}
	if snd.UserID == "" || utf8.RuneCountInString(snd.UserID) > maxUserID {
		p.Add("user_id", "缺少发送人 (sender required)")
	}
	return p.Err()
}

// Sends returns the sends made into chat since the given time, newest first.
func (s *Store) Sends(ctx context.Context, chatID string, since time.Time) ([]Send, error) {
	var rows []sendRow
	err := s.db.WithContext(ctx).Where("chat_id = ? AND sent_at >= ?", chatID, storage.Timestamp(since)).
		Order("sent_at DESC, id DESC").Limit(500).Find(&rows).Error
	if err != nil {
		return nil, storage.Wrap(fmt.Sprintf("list toolbar sends of %s", chatID), err)
	}
	out := make([]Send, len(rows))
	for i, r := range rows {
		out[i] = Send{ID: r.ID, Key: r.SendKey, ChatID: r.ChatID, MessageKey: r.MessageKey, ScriptID: r.ScriptID,
			Variant: r.Variant, UserID: r.UserID, At: r.SentAt.UTC()}
		if r.HitID != nil {
			out[i].HitID = *r.HitID
		}
	}
	return out, nil
}

// Prune deletes questions asked and sends made before cutoff, for a
// retention job that also reaches chats gone quiet, and returns how many
// rows it deleted.
func (s *Store) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	cutoff = storage.Timestamp(cutoff)
	var n int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("asked_at < ?", cutoff).Delete(&questionRow{})
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		res = tx.Where("sent_at < ?", cutoff).Delete(&sendRow{})
		n += res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, storage.Wrap("prune toolbar questions", err)
	}
	return n, nil
}

// errNoQuestion is reported when a send names a question the chat does not have.
var errNoQuestion = errors.New("no such question in this chat")

// QuestionByKey returns chat's kept question with message key, or an error
// matching fault.ErrNotFound.
func (s *Store) QuestionByKey(ctx context.Context, chatID, messageKey string) (Noted, error) {
	var row questionRow
	err := s.db.WithContext(ctx).Where("message_key = ? AND chat_id = ?", messageKey, chatID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Noted{}, fmt.Errorf("toolbar question %s: %w: %w", messageKey, errNoQuestion, fault.ErrNotFound)
	}
	if err != nil {
		return Noted{}, storage.Wrap("get toolbar question", err)
	}
	return row.noted(), nil
}

// ChannelToolbar is the hit-log channel of answers sent from the toolbar
// page; suggestions are decided for it, so a script scoped to other
// channels is not offered.
const ChannelToolbar = script.ChannelToolbar
