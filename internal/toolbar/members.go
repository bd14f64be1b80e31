package toolbar

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/wecom"
)

// Groups reads a customer group with its members; *wecom.Client is one.
// When Options.Groups is set, staff may only read and answer the groups
// they are in (as owner, admin or staff member).
type Groups interface {
	GetGroupChat(ctx context.Context, chatID string) (wecom.GroupChat, error)
}

// Bounds of the membership cache: a set is kept two minutes, but someone
// not in it makes it refresh after ten seconds (they may just have joined).
const (
	memberTTL     = 2 * time.Minute
	memberRecheck = 10 * time.Second
	maxMemberSets = 1000
)

// memberCache keeps each group's staff for a short while, so a page that
// lists and sends does not ask WeCom on every request.
type memberCache struct {
	mu    sync.Mutex
	chats map[string]staffSet
}

type staffSet struct {
	users   map[string]bool
	fetched time.Time
}

// get returns chatID's staff if they were fetched recently enough to
// answer whether user is among them.
func (c *memberCache) get(chatID, user string, now time.Time) (map[string]bool, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, found := c.chats[chatID]
	age := now.Sub(s.fetched)
	if !found || age > memberTTL || (!s.users[user] && age > memberRecheck) {
		return nil, false
	}
	return s.users, true
}

func (c *memberCache) put(chatID string, users map[string]bool, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.chats == nil || len(c.chats) >= maxMemberSets {
		c.chats = map[string]staffSet{} // dropping all is simpler than LRU and rare
	}
	c.chats[chatID] = staffSet{users: users, fetched: now}
}

// staffOf lists a group's owner, admins and staff members.
func staffOf(g wecom.GroupChat) map[string]bool {
	users := map[string]bool{g.Owner: true}
	for _, a := range g.Admins {
		users[a] = true
	}
	for _, m := range g.Members {
		if m.Type == wecom.MemberStaff {
			users[m.UserID] = true
		}
	}
	return users
}

// checkMember refuses user for a group they are not in, when Groups is set.
func (h *handler) checkMember(ctx context.Context, chatID, user string) error {
	if h.opts.Groups == nil {
		return nil
	}
	now := h.opts.Now()
	users, ok := h.members.get(chatID, user, now)
	if !ok {
		g, err := h.opts.Groups.GetGroupChat(ctx, chatID)
		if err != nil {
			return fmt.Errorf("%w: %w", errWeCom, err)
		}
		users = staffOf(g)
		h.members.put(chatID, users, now)
	}
	if !users[user] {
		return fmt.Errorf("你不在这个客户群中,不能查看或回复 (you are not in this group): %w", fault.ErrForbidden)
	}
	return nil
}
