// Package ticket keeps escalation tickets (工单): one per detected
// complaint, routed to the store's staff on duty, with the tier's deadlines
// stored on the ticket. A Sweeper escalates tickets not acknowledged or not
// resolved in time up the store's chain (store staff → store manager →
// regional manager → HQ), exactly once per step across replicas. Staff work
// tickets in the console or by replying to the WeCom app (接单 T123).
// Notifications go through the outbox, aggregated per recipient so that
// WeCom's 30 app messages a minute to one person is never exceeded.
package ticket

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// State is where a ticket is in its life.
type State string

// The lifecycle: new → acknowledged → in_progress → resolved → closed; a
// resolved or closed ticket can be reopened (back to in_progress).
const (
	StateNew          State = "new"
	StateAcknowledged State = "acknowledged"
	StateInProgress   State = "in_progress"
	StateResolved     State = "resolved"
	StateClosed       State = "closed"
)

// openStates are the states the SLA still watches.
var openStates = []State{StateNew, StateAcknowledged, StateInProgress}

func (s State) open() bool {
	return s == StateNew || s == StateAcknowledged || s == StateInProgress
}

// Label is the state as operators read it.
func (s State) Label() string {
	switch s {
	case StateNew:
		return "待接单"
	case StateAcknowledged:
		return "已接单"
	case StateInProgress:
		return "处理中"
	case StateResolved:
		return "已完成"
	case StateClosed:
		return "已关闭"
	}
	return string(s)
}

// ParseState reads a state name, as the API's filters give it.
func ParseState(s string) (State, bool) {
	switch st := State(s); st {
	case StateNew, StateAcknowledged, StateInProgress, StateResolved, StateClosed:
		return st, true
	}
	return "", false
}

// Ticket is one escalation ticket: a row of tickets. The report template's
// fields are Phone, PostedAt, Content (with Context, the surrounding
// messages as JSON), ActionTaken (客服动作) and Reaction (车友倾向).
type Ticket struct {
	ID             int64      `json:"id"`
	ComplaintKey   string     `json:"complaint_key"`
	ChatID         string     `json:"chat_id"`
	ChatName       string     `json:"chat_name"`
	MemberID       string     `json:"member_id"`
	MemberName     string     `json:"member_name"`
	Phone          string     `json:"phone"`
	PostedAt       time.Time  `json:"posted_at"`
	Content        string     `json:"content"`
	Context        string     `json:"context"`
	Tier           string     `json:"tier"`
	TierName       string     `json:"tier_name"`
	AckMinutes     int        `json:"ack_minutes"`
	ResolveMinutes int        `json:"resolve_minutes"`
	Reaction       string     `json:"reaction"`
	ActionTaken    string     `json:"action_taken"`
	StoreID        int64      `json:"store_id"` // 0: no store is mapped to the group
	StoreName      string     `json:"store_name"`
	State          State      `json:"state"`
	Level          int        `json:"level"` // escalation level; 0 is the staff on duty
	LevelName      string     `json:"level_name"`
	Escalations    int        `json:"escalations"`
	AckDueAt       time.Time  `json:"ack_due_at"`
	ResolveDueAt   time.Time  `json:"resolve_due_at"`
	NextCheckAt    *time.Time `json:"next_check_at"` // nil: the sweeper has nothing left to check
	AckedAt        *time.Time `json:"acked_at"`
	AckedBy        string     `json:"acked_by"`
	ResolvedAt     *time.Time `json:"resolved_at"`
	ResolvedBy     string     `json:"resolved_by"`
	ClosedAt       *time.Time `json:"closed_at"`
	AckMet         *bool      `json:"ack_met"`     // nil until decided
	ResolveMet     *bool      `json:"resolve_met"` // nil until decided
	GroupReply     string     `json:"group_reply"` // "", sent, none or failed
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// TableName tells gorm the table of Ticket.
func (Ticket) TableName() string { return "tickets" }

// Number is how staff name a ticket: "T123".
func (t Ticket) Number() string { return Number(t.ID) }

// Number formats a ticket id as staff name it.
func Number(id int64) string { return "T" + strconv.FormatInt(id, 10) }

// ParseNumber reads "T123", "t123" or "123".
func ParseNumber(s string) (int64, bool) {
	s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "T"), "t")
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// Overdue reports whether t has missed a deadline that still matters at now.
func (t Ticket) Overdue(now time.Time) bool {
	switch {
	case !t.State.open():
		return false
	case t.State == StateNew && !now.Before(t.AckDueAt):
		return true
	}
	return !now.Before(t.ResolveDueAt)
}

// Event is one entry of a ticket's audit trail.
type Event struct {
	ID         int64     `json:"id"`
	TicketID   int64     `json:"ticket_id"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"`
	BeforeJSON string    `json:"before,omitempty"`
	AfterJSON  string    `json:"after,omitempty"`
	Note       string    `json:"note,omitempty"`
	At         time.Time `json:"at"`
}

// TableName tells gorm the table of Event.
func (Event) TableName() string { return "ticket_events" }

// Comment is a remark on a ticket.
type Comment struct {
	ID       int64     `json:"id"`
	TicketID int64     `json:"ticket_id"`
	Author   string    `json:"author"`
	Body     string    `json:"body"`
	At       time.Time `json:"at"`
}

// TableName tells gorm the table of Comment.
func (Comment) TableName() string { return "ticket_comments" }

// Detail is a ticket with its audit trail and comments.
type Detail struct {
	Ticket
	Events   []Event   `json:"events"`
	Comments []Comment `json:"comments"`
}

// Audit actions recorded in ticket_events.
const (
	ActionOpened      = "opened"
	ActionUnassigned  = "unassigned"
	ActionNotified    = "notified"
	ActionUnreachable = "unreachable"
	ActionGroupReply  = "group_reply"
	ActionAck         = "acknowledged"
	ActionStart       = "started"
	ActionResolve     = "resolved"
	ActionClose       = "closed"
	ActionReopen      = "reopened"
	ActionComment     = "commented"
	ActionReaction    = "reaction"
	ActionRaise       = "raised"
	ActionEscalate    = "escalated"
	ActionChainTop    = "chain_top"
	ActionRefused     = "refused"
)

// Person is someone a ticket can notify.
type Person struct {
	Name        string `json:"name"`
	WeComUserID string `json:"wecom_user_id"`
	Email       string `json:"email"`
}

// Level is one step of a store's escalation chain; level 0 is the staff on
// duty, then store manager, regional manager, HQ 舆情负责人.
type Level struct {
	Name   string
	People []Person
}

// Route is where a group's complaints go: its store, the store's staff
// group webhook (消息推送), mail addresses, and the escalation chain.
type Route struct {
	StoreID    int64
	StoreName  string
	WebhookKey string
	Email      []string
	Levels     []Level
}

// Router finds a group's route. It answers an error matching
// fault.ErrNotFound when no store is mapped to the chat; the lead wires it
// to internal/org and internal/group.
type Router interface {
	Route(ctx context.Context, chatID string) (Route, error)
}

// Roles of staff as StaffMember reports them.
const (
	RoleStaff    = "staff"
	RoleManager  = "manager"
	RoleRegional = "regional"
	RoleHQ       = "hq"
)

// StaffMember is a member of staff who may act on tickets: the stores they
// work for (a regional manager's region) and their role. RoleHQ acts on
// every store.
type StaffMember struct {
	Person
	StoreIDs []int64
	Role     string
}

// Staff finds staff by WeCom user id; it answers an error matching
// fault.ErrNotFound for someone who is not staff.
type Staff interface {
	ByUserID(ctx context.Context, userID string) (StaffMember, error)
}

// GroupReply asks the group to be told its complaint was received.
type GroupReply struct {
	TicketID   int64
	ChatID     string
	MemberID   string
	MemberName string
	Tier       string
	MessageKey string // the complaint's key, for the replier's own dedupe
	AckMinutes int    // the tier's deadline to respond, to tell the member
}

// GroupReplier answers a complaint in its group per tier from the script
// library ("已收到,工作人员5分钟内私聊您"), where something can speak there.
// spoke is false when nothing can speak in that group.
type GroupReplier interface {
	ReplyComplaint(ctx context.Context, r GroupReply) (spoke bool, err error)
}

// Actor is who acts on a ticket, and the stores they may act on (nil: all).
type Actor struct {
	Name   string
	Stores []int64
}

// mayAct reports whether a may act on a ticket of store.
func (a Actor) mayAct(store int64) bool {
	if a.Stores == nil {
		return true
	}
	for _, s := range a.Stores {
		if s == store {
			return true
		}
	}
	return false
}

// Filter selects tickets for List. Zero fields select everything.
type Filter struct {
	Tier    string
	State   State
	StoreID int64
	Overdue bool
	Scope   []int64 // the stores the caller may see; nil: all
	Limit   int     // default 50, at most 500
	Offset  int
}

// TierStats is SLA compliance of one tier over a period.
type TierStats struct {
	Tier        string `json:"tier"`
	Opened      int64  `json:"opened"`
	Acked       int64  `json:"acked"`
	AckMet      int64  `json:"ack_met"`
	AckMissed   int64  `json:"ack_missed"`
	Resolved    int64  `json:"resolved"`
	ResolveMet  int64  `json:"resolve_met"`
	ResolveMiss int64  `json:"resolve_missed"`
	Escalations int64  `json:"escalations"`
	Open        int64  `json:"open"`
}

// errText is a short reason for logs and audit notes.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return fmt.Sprint(err)
}
