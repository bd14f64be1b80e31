// Package inbox is qunbot's durable, deduplicated queue of incoming
// callbacks. The HTTP handlers Record every accepted callback before they
// answer; a Dispatcher later hands each event to the capabilities that own
// its kind, retrying failures with backoff, so nothing a platform delivered
// is lost when a handler, WeCom or the process itself fails.
package inbox

import (
	"errors"
	"time"
)

// State is where an event is in its life.
type State string

// The states of an event. Only pending events are dispatched; the others are
// final until an operator retries a dead or unhandled one.
const (
	StatePending   State = "pending"
	StateDone      State = "done"
	StateUnhandled State = "unhandled" // no handler registered for the kind: kept, never dropped
	StateDead      State = "dead"      // gave up after MaxAttempts or a permanent error
)

// allStates lists every state, so Counts reports zeros too.
func allStates() []State {
	return []State{StatePending, StateDone, StateUnhandled, StateDead}
}

// Event is one accepted callback: a row of inbox_events.
type Event struct {
	ID            int64
	Source        string // wecom, aibot, bridge, wechat
	Kind          string // e.g. "change_external_chat/update"
	DedupeKey     string // natural key of the delivery: msgid, or a hash of the plaintext for events
	Payload       string
	State         State
	Attempts      int // dispatch attempts so far, counted when claimed
	NextAttemptAt time.Time
	LockedUntil   *time.Time // set while a dispatcher holds the event
	LastError     string
	ReceivedAt    time.Time
	HandledAt     *time.Time // when the event reached done, unhandled or dead
}

// TableName tells gorm the table of Event.
func (Event) TableName() string { return "inbox_events" }

// Filter selects events for List. Zero fields select everything.
type Filter struct {
	State    State
	Kind     string
	Limit    int   // default 50, at most 500
	BeforeID int64 // for paging: only events with a smaller id
}

// ErrNotFound is returned (wrapped) when no event has the given id.
var ErrNotFound = errors.New("inbox event not found")

// ErrConflict is returned (wrapped) when an event is not in a state that
// allows the change asked for, such as retrying an event that is done.
var ErrConflict = errors.New("inbox event is in the wrong state for this change")

// ErrInvalid is returned (wrapped) for an event that cannot be recorded as
// given, such as one without a dedupe key.
var ErrInvalid = errors.New("invalid inbox event")

// Column sizes of inbox_events (MySQL counts characters).
const (
	maxSource    = 16
	maxKind      = 96
	maxDedupeKey = 191
	maxLastError = 2048
)
