package wecomtest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Member types in a customer group.
const (
	MemberStaff    = 1 // 企業成員
	MemberExternal = 2 // 外部聯系人
)

// GroupChat is a customer group (客戶群) the fake knows.
type GroupChat struct {
	ChatID     string
	Name       string
	Owner      string
	Notice     string
	CreateTime time.Time
	Members    []Member
	Admins     []string
	// Status is the follow-up status groupchat/list filters on (0 normal,
	// 1 owner resigned, 2 transfer in progress, 3 transfer done).
	Status int
	// MemberVersion is computed when empty and changes with every membership change.
	MemberVersion string

	revision int
}

// Member is one member of a customer group.
type Member struct {
	UserID        string
	Type          int // MemberStaff or MemberExternal
	UnionID       string
	JoinTime      time.Time
	JoinScene     int // 1 invited directly, 2 invited by link, 3 scanned the QR code
	Invitor       string
	GroupNickname string
	Name          string
	State         string // the join way's state, for members who joined through it
}

// AddGroupChat adds or replaces a customer group so groupchat/get and
// groupchat/list answer from it.
func (s *Server) AddGroupChat(g GroupChat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.putGroup(g)
}

// AddMember adds a member to a seeded group and bumps its member_version.
func (s *Server) AddMember(chatID string, m Member) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, found := s.st.groups[chatID]
	if !found {
		return fmt.Errorf("add member to %s: %w", chatID, errNoChat)
	}
	g.Members = append(g.Members, m)
	g.bump()
	return nil
}

// RemoveMember removes a member from a seeded group and bumps its member_version.
func (s *Server) RemoveMember(chatID, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, found := s.st.groups[chatID]
	if !found {
		return fmt.Errorf("remove member from %s: %w", chatID, errNoChat)
	}
	kept := g.Members[:0]
	for _, m := range g.Members {
		if m.UserID != userID {
			kept = append(kept, m)
		}
	}
	g.Members = kept
	g.bump()
	return nil
}

// GroupChat returns a copy of a seeded group.
func (s *Server) GroupChat(chatID string) (GroupChat, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, found := s.st.groups[chatID]
	if !found {
		return GroupChat{}, false
	}
	return g.clone(), true
}

var errNoChat = errors.New("no such group chat in the fake")

func (st *state) putGroup(g GroupChat) {
	g = g.clone()
	if g.MemberVersion == "" {
		g.bump()
	}
	if _, exists := st.groups[g.ChatID]; !exists {
		st.groupOrder = append(st.groupOrder, g.ChatID)
	}
	st.groups[g.ChatID] = &g
}

func (g *GroupChat) bump() {
	g.revision++
	g.MemberVersion = md5hex(fmt.Sprintf("%s#%d#%d", g.ChatID, g.revision, len(g.Members)))
}

func (g GroupChat) clone() GroupChat {
	g.Members = append([]Member(nil), g.Members...)
	g.Admins = append([]string(nil), g.Admins...)
	return g
}

// wire renders the group as groupchat/get's group_chat object.
func (g *GroupChat) wire(needName bool) map[string]any {
	members := make([]map[string]any, 0, len(g.Members))
	for _, m := range g.Members {
		members = append(members, m.wire(needName))
	}
	admins := make([]map[string]any, 0, len(g.Admins))
	for _, a := range g.Admins {
		admins = append(admins, map[string]any{"userid": a})
	}
	return map[string]any{
		"chat_id": g.ChatID, "name": g.Name, "owner": g.Owner, "create_time": g.CreateTime.Unix(),
		"notice": g.Notice, "member_list": members, "admin_list": admins, "member_version": g.MemberVersion,
	}
}

func (m Member) wire(needName bool) map[string]any {
	w := map[string]any{
		"userid": m.UserID, "type": m.Type, "join_time": m.JoinTime.Unix(),
		"join_scene": m.JoinScene, "group_nickname": m.GroupNickname,
	}
	if m.Invitor != "" {
		w["invitor"] = map[string]any{"userid": m.Invitor}
	}
	if m.UnionID != "" {
		w["unionid"] = m.UnionID
	}
	if m.State != "" {
		w["state"] = m.State
	}
	if needName {
		w["name"] = m.Name
	}
	return w
}

// groupChatGet answers externalcontact/groupchat/get (doc 92122).
func (s *Server) groupChatGet(r *request) result {
	var req struct {
		ChatID   string `json:"chat_id"`
		NeedName int    `json:"need_name"`
	}
	if !r.decode(&req) || req.ChatID == "" {
		return fail(40058, "chat_id is required")
	}
	g, found := s.st.groups[req.ChatID]
	if !found {
		return fail(40050, "")
	}
	return ok(map[string]any{"group_chat": g.wire(req.NeedName == 1)})
}

// groupChatList answers externalcontact/groupchat/list (doc 92120) with cursor paging.
func (s *Server) groupChatList(r *request) result {
	var req struct {
		StatusFilter int `json:"status_filter"`
		OwnerFilter  struct {
			UserIDList []string `json:"userid_list"`
		} `json:"owner_filter"`
		Cursor string `json:"cursor"`
		Limit  int    `json:"limit"`
	}
	if !r.decode(&req) || req.Limit < 1 || req.Limit > 1000 {
		return fail(40058, "limit must be 1-1000")
	}
	start, err := parseCursor(req.Cursor)
	if err != nil {
		return fail(40058, "invalid cursor")
	}
	var matched []map[string]any
	for _, id := range s.st.groupOrder {
		g := s.st.groups[id]
		if g.Status != req.StatusFilter || (len(req.OwnerFilter.UserIDList) > 0 && !contains(req.OwnerFilter.UserIDList, g.Owner)) {
			continue
		}
		matched = append(matched, map[string]any{"chat_id": g.ChatID, "status": g.Status})
	}
	page, next := pageOf(matched, start, req.Limit)
	return ok(map[string]any{"group_chat_list": page, "next_cursor": next})
}

// pageOf cuts one page from items and returns the cursor of the next page
// ("" on the last page).
func pageOf[T any](items []T, start, limit int) ([]T, string) {
	if start > len(items) {
		start = len(items)
	}
	end := min(start+limit, len(items))
	next := ""
	if end < len(items) {
		next = "CURSOR" + strconv.Itoa(end)
	}
	return append([]T{}, items[start:end]...), next
}

func parseCursor(c string) (int, error) {
	if c == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(c, "CURSOR"))
	if err != nil || !strings.HasPrefix(c, "CURSOR") || n < 0 {
		return 0, fmt.Errorf("invalid cursor %q", c)
	}
	return n, nil
}
