package bridge

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Message is one normalised group (or 1:1) message as a bridge posts it.
type Message struct {
	// MsgID is the bridge's stable id of the message; a redelivery with the
	// same id is recognised and stored once.
	MsgID    string `json:"msg_id"`
	ChatID   string `json:"chat_id"`
	ChatName string `json:"chat_name,omitempty"`
	// ChatType is "group" or "single".
	ChatType   string `json:"chat_type"`
	SenderID   string `json:"sender_id"`
	SenderName string `json:"sender_name,omitempty"`
	// SenderRole is "member" (an external WeChat user) or "staff".
	SenderRole string `json:"sender_role"`
	// MsgType is text, image, link, file, voice, video, mixed or system.
	MsgType     string    `json:"msg_type"`
	Text        string    `json:"text,omitempty"`
	ImageURL    string    `json:"image_url,omitempty"`
	Link        *Link     `json:"link,omitempty"`
	Mentions    []string  `json:"mentions,omitempty"`
	MentionsBot bool      `json:"mentions_bot,omitempty"`
	QuoteMsgID  string    `json:"quote_msg_id,omitempty"`
	SentAt      time.Time `json:"sent_at"`
}

// Kind is the inbox kind of the message: "bridge/" + msg_type.
func (m Message) Kind() string { return "bridge/" + m.MsgType }

// chatTypes are the msg_types of what someone said in a chat; "system"
// (a join notice, a recall) is the other one a bridge may post.
var chatTypes = []string{"text", "image", "link", "file", "voice", "video", "mixed"}

// msgTypes are the msg_types a bridge may post.
var msgTypes = append(slices.Clone(chatTypes), "system")

// ChatKinds are the inbox kinds of what people said in chats, for counting
// messages (the console's messages per day).
func ChatKinds() []string {
	kinds := make([]string, len(chatTypes))
	for i, t := range chatTypes {
		kinds[i] = "bridge/" + t
	}
	return kinds
}

// DedupeKey is the inbox dedupe key of the message: "bridge:" + msg_id.
func (m Message) DedupeKey() string { return "bridge:" + m.MsgID }

// ErrMalformed means the body is not a JSON object.
var ErrMalformed = errors.New("body is not a JSON object")

// ErrInvalid matches every FieldError.
var ErrInvalid = errors.New("invalid field")

// FieldError says which field of a body is wrong and why, e.g.
// "messages[3].msg_id: required".
type FieldError struct {
	Field   string
	Problem string
}

// Error returns "field: problem".
func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// Is makes errors.Is(err, ErrInvalid) true for every FieldError.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// ParseMessages decodes and validates a body {"messages":[...]} of 1 to
// MaxBatch messages. Unknown fields are ignored so bridges can send more than
// this version knows. Times are returned in UTC.
func ParseMessages(body []byte) ([]Message, error) {
	var batch struct {
		Messages []json.RawMessage `json:"messages"`
	}
	if err := json.Unmarshal(body, &batch); err != nil {
		return nil, decodeError(err, false)
	}
	switch n := len(batch.Messages); {
	case batch.Messages == nil:
		return nil, &FieldError{Field: "messages", Problem: "required"}
	case n == 0:
		return nil, &FieldError{Field: "messages", Problem: "at least 1 message required"}
	case n > MaxBatch:
		return nil, &FieldError{Field: "messages", Problem: fmt.Sprintf("at most %d messages, got %d", MaxBatch, n)}
	}
	msgs := make([]Message, len(batch.Messages))
	for i, raw := range batch.Messages {
		m, err := parseMessage(raw)
		if err != nil {
			return nil, prefixField(err, "messages["+strconv.Itoa(i)+"]")
		}
		msgs[i] = m
	}
	return msgs, nil
}

// wireMessage reads sent_at as a string, so that a bad time is reported as a
// field problem rather than as time's parse error.
type wireMessage struct {
	messageFields
	SentAt string `json:"sent_at"`
}

type messageFields Message

func parseMessage(raw json.RawMessage) (Message, error) {
	var w wireMessage
	if err := json.Unmarshal(raw, &w); err != nil {
		return Message{}, decodeError(err, true)
	}
	m := Message(w.messageFields)
	if err := m.validate(); err != nil {
		return Message{}, err
	}
	t, err := parseSentAt(w.SentAt)
	if err != nil {
		return Message{}, err
	}
	m.SentAt = t
	return m, nil
}

func parseSentAt(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, &FieldError{Field: "sent_at", Problem: "required"}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, &FieldError{Field: "sent_at", Problem: "must be an RFC 3339 time with an offset, like 2026-01-01T09:30:00+08:00"}
	}
	return t.UTC(), nil
}

// decodeError turns a JSON error into ErrMalformed, or into a FieldError
// when the JSON is well formed but a value has the wrong type. Inside a
// message, a value that is not an object is a field problem of the message.
func decodeError(err error, inMessage bool) error {
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) || (typeErr.Field == "" && !inMessage) {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	// encoding/json names the fields of wireMessage's embedded struct
	// "messageFields.msg_id"; a bridge knows them as "msg_id".
	field := strings.TrimPrefix(typeErr.Field, "messageFields.")
	return &FieldError{Field: field, Problem: "must be " + jsonKind(typeErr.Type)}
}

// jsonKind names the JSON value a Go type is decoded from.
func jsonKind(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "an array"
	default:
		return "an object"
	}
}

// prefixField puts the path of the enclosing value before a FieldError's
// field: ("messages[3]", "msg_id") → "messages[3].msg_id".
func prefixField(err error, prefix string) error {
	var fe *FieldError
	if !errors.As(err, &fe) {
		return err
	}
	field := prefix
	if fe.Field != "" {
		field += "." + fe.Field
	}
	return &FieldError{Field: field, Problem: fe.Problem}
}
