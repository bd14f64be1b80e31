// Package livecode serves live QR codes (群活码) and contact live codes
// (渠道活码).
//
// A live code is a stable landing page (GET /qr/{code}) in front of one
// WeCom join way (「加入群聊」) whose chat_id_list is a window of at most
// five groups over the code's ordered pool. Member counts come from the
// customer-group directory (internal/group), which follows WeCom's events
// and reconciles with groupchat/get; this package never counts members
// itself. When the current group reaches the code's threshold the code
// moves to the next group with room: the move is a conditional UPDATE on
// the current group, so several bot replicas move a code at most once per
// group. When the pool runs low operators and the store's staff are
// alerted; when it has run out the join way creates new groups
// (auto_create_room) and they join the pool as WeCom reports them.
//
// A contact live code is a 「联系我」 contact way with a State: new contacts
// that come through it are tagged (mark_tag, through the outbox) and
// counted.
package livecode

import (
	"time"
)

// WeCom's limits that bound a live code.
const (
	// MaxThreshold is where joining by QR code stops (customer groups
	// hold 500, but a QR code admits up to 200 members).
	MaxThreshold = 200
	// DefaultThreshold is the member count at which a code moves on.
	DefaultThreshold = 200
	// MaxStateLen is WeCom's limit on a join way's or contact way's state.
	MaxStateLen = 30
	// maxPool bounds a pool: a window rotates over it.
	maxPool = 500
)

// The statuses of a live code, as its landing page shows them.
const (
	// StatusOK: the current group has room and the QR code works.
	StatusOK = "ok"
	// StatusFull: every group of the pool is full and WeCom does not
	// create new ones: the landing page says so and shows the fallback.
	StatusFull = "full"
	// StatusAutoCreate: every group of the pool is full; the join way
	// creates a new group for the next member.
	StatusAutoCreate = "auto_create"
	// StatusError: WeCom refused the join way or its QR code; the landing
	// page shows the fallback text.
	StatusError = "error"
)

// Code is a live QR code (群活码).
type Code struct {
	ID   int64  `json:"id"`
	Code string `json:"code"` // the landing page's path: /qr/{code}
	Name string `json:"name"`
	// State attributes joins to the code (WeCom shows it per member in
	// groupchat/get); generated when empty, at most 30 characters.
	State   string `json:"state"`
	StoreID int64  `json:"store_id"` // whose staff are alerted; 0 for none
	// Threshold is the member count at which the code moves on (1-200).
	Threshold int `json:"threshold"`
	// AlertRemaining alerts when this many groups with room or fewer are
	// left (0: only when the pool has run out).
	AlertRemaining int    `json:"alert_remaining"`
	FallbackText   string `json:"fallback_text"`
	// AutoCreate lets WeCom create groups named RoomBaseName+N (N from
	// RoomBaseID) once the pool is full; they join the pool.
	AutoCreate   bool        `json:"auto_create"`
	RoomBaseName string      `json:"room_base_name"`
	RoomBaseID   int         `json:"room_base_id"`
	Enabled      bool        `json:"enabled"`
	Pool         []PoolGroup `json:"pool"`

	// Read-only: what WeCom and the switch made of it.
	ConfigID      string     `json:"config_id"`
	QRCode        string     `json:"qr_code"`
	QRCheckedAt   *time.Time `json:"qr_checked_at"`
	CurrentChatID string     `json:"current_chat_id"`
	Status        string     `json:"status"`
	StatusDetail  string     `json:"status_detail"`
	Version       int64      `json:"version"`
	CreatedBy     string     `json:"created_by"`
	UpdatedBy     string     `json:"updated_by"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// PoolGroup is one group of a code's pool, with its fill as the group
// directory knows it (read-only fields are filled on reads).
type PoolGroup struct {
	ChatID      string `json:"chat_id"`
	Name        string `json:"name"`
	MemberCount int    `json:"member_count"`
	Source      string `json:"source"` // operator, or auto_create for a group WeCom created
	Current     bool   `json:"current"`
	Full        bool   `json:"full"`
	Unknown     bool   `json:"unknown"` // the group directory does not know it: it gets no members
}

// ContactCode is a contact live code (渠道活码): a 「联系我」 QR code whose
// new contacts are tagged with TagIDs and counted.
type ContactCode struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	State string `json:"state"` // generated when empty, at most 30 characters
	// Type is 1 for one staff member, 2 for several taking turns.
	Type       int      `json:"type"`
	UserIDs    []string `json:"user_ids"`
	TagIDs     []string `json:"tag_ids"` // WeCom customer tag ids (et…)
	SkipVerify bool     `json:"skip_verify"`
	Remark     string   `json:"remark"`
	StoreID    int64    `json:"store_id"`

	ConfigID  string    `json:"config_id"`
	QRCode    string    `json:"qr_code"`
	Version   int64     `json:"version"`
	CreatedBy string    `json:"created_by"`
	UpdatedBy string    `json:"updated_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Kinds of code, for stats and alerts.
const (
	KindGroup   = "group"
	KindContact = "contact"
)

// DayStats is one day of a code's counters.
type DayStats struct {
	Day    string `json:"day"` // YYYY-MM-DD in the service's time zone
	Views  int64  `json:"views"`
	Joins  int64  `json:"joins"`
	Leaves int64  `json:"leaves"`
}

// Stats is a code's counters over a range of days and, for a live code,
// the current fill of each group of its pool.
type Stats struct {
	CodeID int64       `json:"code_id"`
	From   string      `json:"from"`
	To     string      `json:"to"`
	Days   []DayStats  `json:"days"`
	Total  DayStats    `json:"total"`
	Groups []PoolGroup `json:"groups"`
}

// The kinds of Alert.
const (
	AlertPoolLow        = "pool_low"
	AlertPoolExhausted  = "pool_exhausted"
	AlertJoinWayFailed  = "join_way_failed"
	AlertGroupDismissed = "group_dismissed"
	AlertGroupUnknown   = "group_unknown"
	AlertGroupAdopted   = "group_adopted"
)

// Alert tells operators that a code needs them. One alert stays open per
// code, kind and group until acknowledged; repeats count Occurrences.
type Alert struct {
	ID          int64      `json:"id"`
	CodeKind    string     `json:"code_kind"` // KindGroup or KindContact
	CodeID      int64      `json:"code_id"`
	Kind        string     `json:"kind"`
	ChatID      string     `json:"chat_id"`
	Message     string     `json:"message"`
	Occurrences int        `json:"occurrences"`
	FirstAt     time.Time  `json:"first_at"`
	LastAt      time.Time  `json:"last_at"`
	AckedAt     *time.Time `json:"acked_at"`
	AckedBy     string     `json:"acked_by"`
}

// AlertFilter selects alerts. Zero fields select everything.
type AlertFilter struct {
	CodeID int64
	Open   *bool
	Limit  int // default 50, at most 500
	Offset int
}

// Switch is one move of a code from a group to the next.
type Switch struct {
	FromChatID string    `json:"from_chat_id"`
	ToChatID   string    `json:"to_chat_id"`
	Reason     string    `json:"reason"`
	At         time.Time `json:"at"`
}
