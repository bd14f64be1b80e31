// Package script is the script library (话术库): operators' prepared answers,
// keyed by keywords, that the bot sends when a member asks a question the
// library covers.
//
// It owns the model (categories and scripts with their reply variants, scope,
// active hours and limits), validation at save time, the gorm Store with its
// change history, the hit log that cooldowns and member limits are counted
// against, the queue of unanswered questions (待补充), and the Engine that
// answers messages from a compiled copy of the library swapped in atomically
// when the library changes. Matching itself is package match.
package script

import (
	"time"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/script/match"
)

// Category groups scripts for operators; it plays no part in answering.
type Category struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Sort      int       `json:"sort"` // lower first
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TableName tells gorm the table of Category.
func (Category) TableName() string { return "script_categories" }

// ReplyType is the kind of message a reply variant sends.
type ReplyType string

// The reply types WeCom's customer-group channels can send.
const (
	ReplyText        ReplyType = "text"
	ReplyImage       ReplyType = "image"
	ReplyLink        ReplyType = "link"
	ReplyMiniProgram ReplyType = "miniprogram"
)

// Reply is one variant of a script's answer. Which fields count depends on
// Type: Text for text; MediaURL for image; Title, Description, URL and
// PicURL for link; AppID, Title, Page and PicURL for miniprogram.
type Reply struct {
	Type        ReplyType `json:"type"`
	Text        string    `json:"text,omitempty"`
	MediaURL    string    `json:"media_url,omitempty"`
	Title       string    `json:"title,omitempty"`
	Description string    `json:"description,omitempty"`
	URL         string    `json:"url,omitempty"`
	PicURL      string    `json:"pic_url,omitempty"`
	AppID       string    `json:"appid,omitempty"`
	Page        string    `json:"page,omitempty"`
}

// ReplyOrder says how a script with several variants picks one.
type ReplyOrder string

// Reply orders: in turn (by the script's hit count) or at random.
const (
	OrderRotate ReplyOrder = "rotate"
	OrderRandom ReplyOrder = "random"
)

// Channel is a way the bot can answer a member.
type Channel string

// The channels that answer from the library.
const (
	ChannelAIBot  Channel = "aibot"  // WeCom 智能机器人
	ChannelBridge Channel = "bridge" // a conversation-archive or hook bridge
	ChannelWeChat Channel = "wechat" // the WeChat Official Account
	// ChannelToolbar is staff sending a script by hand from the chat
	// toolbar page, in groups where nothing else can speak.
	ChannelToolbar Channel = "toolbar"
)

// Channels lists every channel, in a stable order.
func Channels() []Channel {
	return []Channel{ChannelAIBot, ChannelBridge, ChannelWeChat, ChannelToolbar}
}

// Scope says where a script may answer. A chat is in scope when Tags,
// ChatIDs and Stores are all empty (every group), or when it has any of Tags,
// is one of ChatIDs, or belongs to one of Stores. Channels limits the
// channels; empty means all.
type Scope struct {
	Tags     []string  `json:"tags,omitempty"`
	ChatIDs  []string  `json:"chat_ids,omitempty"`
	Stores   []string  `json:"stores,omitempty"`
	Channels []Channel `json:"channels,omitempty"`
}

// DefaultTimeZone is where active hours are read when a script names none.
const DefaultTimeZone = "Asia/Shanghai"

// Script is one prepared answer and the rules for when it may be sent.
type Script struct {
	ID         int64      `json:"id"`
	CategoryID int64      `json:"category_id"` // 0: uncategorised
	Title      string     `json:"title"`
	Keywords   []string   `json:"keywords"`
	MatchMode  match.Mode `json:"match_mode"`
	Pattern    string     `json:"pattern,omitempty"` // the regular expression of MatchMode regex
	Replies    []Reply    `json:"replies"`
	ReplyOrder ReplyOrder `json:"reply_order"`
	Scope      Scope      `json:"scope"`
	Priority   int        `json:"priority"` // higher wins
	// ActiveHours is "HH:MM-HH:MM" in TimeZone (empty: always); an end
	// before the start spans midnight, as in "22:00-06:00".
	ActiveHours     string    `json:"active_hours,omitempty"`
	TimeZone        string    `json:"time_zone,omitempty"`        // IANA name; empty means DefaultTimeZone
	CooldownMinutes int       `json:"cooldown_minutes,omitempty"` // not repeated in one chat within this; 0: no cooldown
	MemberLimit     int       `json:"member_limit,omitempty"`     // answers to one member per hour; 0: no limit
	Enabled         bool      `json:"enabled"`
	Version         int64     `json:"version"` // optimistic lock: Update must carry the version it read
	CreatedBy       string    `json:"created_by"`
	UpdatedBy       string    `json:"updated_by"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// ErrNotFound is returned (wrapped) when no script, category or question has
// the given id; a deleted script is not found.
var ErrNotFound = fault.ErrNotFound

// ErrConflict is returned (wrapped) when a change was based on a stale
// version, or conflicts with the state of what it changes.
var ErrConflict = fault.ErrConflict

// ErrInvalid is returned (wrapped) for input that cannot be saved; a
// ValidationErrors says which fields and why.
var ErrInvalid = fault.ErrInvalid

// Limits of stored values (MySQL counts characters; WeCom counts bytes).
const (
	maxTitle        = 128 // characters
	maxKeywords     = 200
	maxKeyword      = 64 // characters
	maxPattern      = 1024
	maxReplies      = 10
	maxTextBytes    = 2048 // message/send and the AI bot's text content
	maxLinkTitle    = 128  // bytes
	maxLinkDesc     = 512  // bytes
	maxMiniTitle    = 64   // bytes
	maxURL          = 2048
	maxScopeItems   = 2000
	maxScopeItem    = 128 // characters, as chat_id in script_hits
	maxActor        = 64
	maxCategoryName = 64
	maxCooldown     = 7 * 24 * 60
	maxMemberLimit  = 1000
)
