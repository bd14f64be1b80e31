// Package group keeps qunbot's copy of the brand's WeCom customer groups
// (客户群): which groups exist, their name, owner and member count, the
// store (门店) each belongs to and the operators' tags, so that broadcasts,
// live codes, scripts and tickets can select groups by store or tag.
//
// WeCom is the truth. The copy follows it three ways: change_external_chat
// events from the inbox (HandleChatEvent) adjust it at once; a reconcile a
// few seconds after each event re-reads the group with groupchat/get
// (events are lost and reordered, so the count read back wins over event
// arithmetic); and SyncAll re-reads every group on a schedule. The store
// and the tags are qunbot's own and only change in the console.
package group

import (
	"context"
	"time"
)

// Group is a customer group as qunbot knows it.
type Group struct {
	ChatID      string   `json:"chat_id"`
	Name        string   `json:"name"`
	OwnerUserID string   `json:"owner_user_id"`
	StoreID     int64    `json:"store_id"` // 0: not mapped to a store
	Tags        []string `json:"tags"`
	MemberCount int      `json:"member_count"`
	// MemberVersion is WeCom's member_version as last read or applied.
	MemberVersion string `json:"member_version"`
	Notice        string `json:"notice"`
	// CreatedAt is WeCom's create_time; nil until the group was read from WeCom.
	CreatedAt   *time.Time `json:"created_at"`
	Dismissed   bool       `json:"dismissed"`
	DismissedAt *time.Time `json:"dismissed_at,omitempty"`
	// SyncedAt is when the group was last read from WeCom; nil when qunbot
	// only knows it from events so far (its member count is then unknown).
	SyncedAt   *time.Time `json:"synced_at"`
	RecordedAt time.Time  `json:"recorded_at"` // when qunbot first saw the group
	UpdatedAt  time.Time  `json:"updated_at"`
}

// Filter selects groups for List. Zero fields select everything.
type Filter struct {
	StoreID   *int64 // 0 selects the groups not mapped to a store
	Tag       string
	Query     string // part of the name or the chat id
	Dismissed *bool
	Limit     int // default 50, at most 500
	Offset    int
}

// Totals is the size of the brand's live groups (dismissed ones left out).
type Totals struct {
	Groups   int64 `json:"groups"`
	Members  int64 `json:"members"`  // the sum of the groups' member counts
	Unmapped int64 `json:"unmapped"` // groups not mapped to a store: their complaints reach no store
	Unsynced int64 `json:"unsynced"` // groups known from events only: their member count is unknown
}

// Selector picks groups for a broadcast or a scope: a group matches when it
// belongs to one of StoreIDs, or carries one of Tags, or is one of ChatIDs.
// An empty Selector selects nothing.
type Selector struct {
	StoreIDs []int64  `json:"store_ids"`
	Tags     []string `json:"tags"`
	ChatIDs  []string `json:"chat_ids"`
}

// The kinds of Change.
const (
	ChangeJoined    = "joined"
	ChangeLeft      = "left"
	ChangeCreated   = "created"
	ChangeDismissed = "dismissed"
	ChangeRenamed   = "renamed"
)

// Change tells subscribers (live codes, welcomes) what happened to a group.
// It is published once per event, after the change is saved; a process that
// dies in between loses it, so subscribers treat it as a hint and read
// counts from the Store when they must be right.
type Change struct {
	ChatID string
	Kind   string // ChangeJoined, ChangeLeft, ChangeCreated, ChangeDismissed or ChangeRenamed
	Count  int    // how many joined or left
	// MemberCount is the count after the change as qunbot knows it (0 for a
	// group whose count is not known yet).
	MemberCount int
	JoinScene   int      // WeCom's JoinScene of a join: 0 invited, 3 scanned a QR code
	Members     []string // the user ids that joined or left, when WeCom says
	Name        string   // the new name, for ChangeRenamed
}

// Observer receives Changes. It must not block for long: it runs in the
// inbox handler or the reconcile worker.
type Observer func(ctx context.Context, c Change)

// Observers combines observers into one that calls each in turn, for
// several capabilities subscribing to the same Syncer.
func Observers(obs ...Observer) Observer {
	return func(ctx context.Context, c Change) {
		for _, o := range obs {
			if o != nil {
				o(ctx, c)
			}
		}
	}
}
