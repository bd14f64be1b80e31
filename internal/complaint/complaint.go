package complaint

import (
	"fmt"
	"slices"
	"time"
)

// Message is one chat message as detection sees it: what the bridge or the
// AI bot delivered, in qunbot's terms.
type Message struct {
	Key        string    `json:"key"` // the inbox dedupe key, unique per message
	ChatID     string    `json:"chat_id"`
	ChatName   string    `json:"chat_name,omitempty"`
	MemberID   string    `json:"member_id"`
	MemberName string    `json:"member_name,omitempty"`
	Staff      bool      `json:"staff,omitempty"` // sent by staff: context only, never a complaint
	Text       string    `json:"text"`
	At         time.Time `json:"at"`
}

// Complaint is a message judged a complaint, with the evidence and the
// messages around it.
type Complaint struct {
	ID         int64     `json:"id"`
	ChatID     string    `json:"chat_id"`
	ChatName   string    `json:"chat_name"`
	MemberID   string    `json:"member_id"`
	MemberName string    `json:"member_name"`
	MessageKey string    `json:"message_key"`
	Text       string    `json:"text"`
	Tier       Tier      `json:"tier"`
	SLAMinutes int       `json:"sla_minutes"` // the tier's deadline when detected
	PostedAt   time.Time `json:"posted_at"`
	Decision   Decision  `json:"decision"`
	// Context is the chat's messages before this one (up to ten) and the
	// complaint itself last.
	Context   []Message       `json:"context"`
	Reaction  ReactionCounts  `json:"reaction"`
	Reactions []GroupReaction `json:"reactions,omitempty"` // filled by Store.Get
	RaisedAt  *time.Time      `json:"raised_at,omitempty"`
	CreatedAt time.Time       `json:"created_at"`

	notified, raisedNotified bool
}

// Categories lists the distinct categories of the complaint's terms.
func (c *Complaint) Categories() []string {
	var out []string
	for _, m := range c.Decision.Matches {
		if m.Category != "" && !slices.Contains(out, m.Category) {
			out = append(out, m.Category)
		}
	}
	return out
}

// ReactionCounts count the group's reactions to a complaint (车友倾向).
type ReactionCounts struct {
	Echo   int `json:"echo"`   // agreeing
	Defend int `json:"defend"` // defending the brand
	Spread int `json:"spread"` // spreading it outside
}

// Leaning is the group's reaction in one Chinese phrase for the ticket's
// 车友倾向 field, e.g. "附和 3 / 维护 1 / 扩散 0".
func (r ReactionCounts) Leaning() string {
	return fmt.Sprintf("附和 %d / 维护 %d / 扩散 %d", r.Echo, r.Defend, r.Spread)
}

// GroupReaction is one later message of another member read as a reaction
// to a complaint.
type GroupReaction struct {
	ID          int64     `json:"id"`
	ComplaintID int64     `json:"complaint_id"`
	MessageKey  string    `json:"message_key"`
	MemberID    string    `json:"member_id"`
	MemberName  string    `json:"member_name"`
	Kind        string    `json:"kind"` // echo, defend or spread
	Text        string    `json:"text"`
	Terms       string    `json:"terms"` // the words that decided, comma separated
	PostedAt    time.Time `json:"posted_at"`
	CreatedAt   time.Time `json:"created_at"`
}

// TableName tells gorm the table of GroupReaction.
func (GroupReaction) TableName() string { return "complaint_reactions" }
