// Package outbox is qunbot's durable queue of outbound sends. Capabilities
// Enqueue an intent to send (often in the transaction that records why); a
// Worker performs the sends with retries, backoff and a per-API rate limit,
// and leaves a final state operators can see. One idempotency key is one
// intent: it is sent at most once, or marked failed with the reason.
package outbox

import (
	"errors"
	"time"
)

// State is where a message is in its life.
type State string

// The states of a message: pending until a worker claims it, sending while
// the send is under way, then sent or failed. A failed message stays failed
// until an operator retries it.
const (
	StatePending State = "pending"
	StateSending State = "sending"
	StateSent    State = "sent"
	StateFailed  State = "failed"
)

func allStates() []State {
	return []State{StatePending, StateSending, StateSent, StateFailed}
}

// DefaultMaxAttempts is how many times a message is tried unless it says.
const DefaultMaxAttempts = 8

// Message is one intended send: a row of outbox_messages.
type Message struct {
	ID             int64
	IdempotencyKey string // one intent, e.g. "welcome:" + welcome code
	API            string // the route that sends it, e.g. "externalcontact/send_welcome_msg"
	Payload        string // what the route's Sender receives
	Priority       int    // higher is sent first
	State          State
	Attempts       int // sends started, counted when claimed
	MaxAttempts    int
	NextAttemptAt  time.Time
	LockedUntil    *time.Time // set while a worker sends it
	LastError      string
	Response       string // what the API answered to the successful send
	SourceEventID  *int64 // the inbox event that caused it, if any
	CreatedAt      time.Time
	SentAt         *time.Time
}

// TableName tells gorm the table of Message.
func (Message) TableName() string { return "outbox_messages" }

// Filter selects messages for List. Zero fields select everything.
type Filter struct {
	State    State
	API      string
	Limit    int   // default 50, at most 500
	BeforeID int64 // for paging: only messages with a smaller id
}

// ErrNotFound is returned (wrapped) when no message has the given id.
var ErrNotFound = errors.New("outbox message not found")

// ErrConflict is returned (wrapped) when a message is not in a state that
// allows the change asked for, such as retrying a message already sent.
var ErrConflict = errors.New("outbox message is in the wrong state for this change")

// ErrInvalid is returned (wrapped) for a message that cannot be enqueued as
// given, such as one without an idempotency key.
var ErrInvalid = errors.New("invalid outbox message")

// Column sizes of outbox_messages (MySQL counts characters).
const (
	maxKey       = 191
	maxAPI       = 64
	maxLastError = 2048
	maxResponse  = 2048
)
