// Package welcome greets people: new WeCom contacts through
// externalcontact/send_welcome_msg (within WeCom's 20-second window, sent
// through the outbox at high priority), new members of a customer group with
// one batched message where the bot can speak (the bridge), and new
// Official Account followers with a passive reply. It also keeps WeCom's
// group welcome templates (入群歡迎語素材) and checks them against WeCom.
//
// Welcome texts use {{variable}} placeholders, checked when saved:
// {{客戶名}} (alias {{name}}), {{員工名}} ({{staff}}), {{門店}} ({{store}})
// and, in group welcomes, {{新成員}} ({{members}}). Simplified spellings
// ({{客户名}}, {{员工名}}, {{门店}}, {{新成员}}) are accepted too.
package welcome

import (
	"strings"
	"time"
)

// Channel says whom a rule greets.
type Channel string

// The channels of welcome rules.
const (
	ChannelContact Channel = "contact" // new WeCom external contacts (send_welcome_msg)
	ChannelWeChat  Channel = "wechat"  // Official Account followers (subscribe, SCAN)
)

// StateMatch says how a rule's State is compared with the event's: the
// contact way's state for contacts, the QR scene for followers.
type StateMatch string

// The ways a rule matches a state.
const (
	MatchAny    StateMatch = ""       // any state
	MatchExact  StateMatch = "exact"  // equal
	MatchPrefix StateMatch = "prefix" // starts with State
)

// Rule is one welcome: who it greets (channel, state, staff member) and
// what it says. The enabled rule with the highest Priority among those that
// match is used; among equals the more specific (an exact state before a
// prefix, a longer prefix first, a staff member named) and then the older.
// A Default rule matches when no other does.
type Rule struct {
	ID          int64        `json:"id"`
	Name        string       `json:"name"`
	Channel     Channel      `json:"channel"`
	StateMatch  StateMatch   `json:"state_match"`
	State       string       `json:"state"`
	StaffUserID string       `json:"staff_user_id"`
	Default     bool         `json:"is_default"`
	Priority    int          `json:"priority"`
	Text        string       `json:"text"`
	Attachments []Attachment `json:"attachments"`
	Enabled     bool         `json:"enabled"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

// Attachment types.
const (
	AttachImage       = "image"
	AttachLink        = "link"
	AttachMiniProgram = "miniprogram"
)

// Attachment is a welcome's image, link card or mini-program card.
type Attachment struct {
	Type        string `json:"type"`
	PicURL      string `json:"pic_url,omitempty"` // image; a link's cover
	MediaID     string `json:"media_id,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
	AppID       string `json:"appid,omitempty"`
	Page        string `json:"page,omitempty"`
}

// Who is what an event says about the person greeted, for matching.
type Who struct {
	Channel     Channel
	State       string
	StaffUserID string
}

// Matches reports whether r applies to w, ignoring Default and Enabled.
func (r Rule) Matches(w Who) bool {
	if r.Channel != w.Channel || r.Default {
		return false
	}
	if r.StaffUserID != "" && r.StaffUserID != w.StaffUserID {
		return false
	}
	switch r.StateMatch {
	case MatchExact:
		return w.State == r.State
	case MatchPrefix:
		return strings.HasPrefix(w.State, r.State)
	}
	return true
}

// specificity orders matching rules of one priority.
func (r Rule) specificity() int {
	n := 0
	switch r.StateMatch {
	case MatchExact:
		n += 1000
	case MatchPrefix:
		n += 100 + min(len(r.State), 99)
	}
	if r.StaffUserID != "" {
		n += 10000
	}
	return n
}

// Pick returns the rule that greets w among rules: the best match, or the
// enabled default of w's channel.
func Pick(rules []Rule, w Who) (Rule, bool) {
	var best, def *Rule
	for i := range rules {
		r := &rules[i]
		switch {
		case !r.Enabled || r.Channel != w.Channel:
		case r.Default:
			if def == nil || r.ID < def.ID {
				def = r
			}
		case r.Matches(w) && (best == nil || better(r, best)):
			best = r
		}
	}
	if best != nil {
		return *best, true
	}
	if def != nil {
		return *def, true
	}
	return Rule{}, false
}

func better(a, b *Rule) bool {
	if a.Priority != b.Priority {
		return a.Priority > b.Priority
	}
	if sa, sb := a.specificity(), b.specificity(); sa != sb {
		return sa > sb
	}
	return a.ID < b.ID
}
