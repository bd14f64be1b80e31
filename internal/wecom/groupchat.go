package wecom

import (
	"context"
	"fmt"
	"time"
)

// Member types of a customer group.
const (
	MemberStaff    = 1 // 企業成員
	MemberExternal = 2 // 外部聯系人
)

// Join scenes of a group member.
const (
	JoinInvited = 1 // invited directly by a member
	JoinByLink  = 2 // invited through a link
	JoinByQR    = 3 // scanned the group QR code (also the join-way live code)
)

// GroupChat is a customer group (客戶群) as groupchat/get answers it.
type GroupChat struct {
	ChatID     string
	Name       string
	Owner      string
	Notice     string
	CreateTime time.Time
	Members    []GroupMember
	Admins     []string
	// MemberVersion changes with every membership change: compare it to
	// reconcile after lost or out-of-order events.
	MemberVersion string
}

// GroupMember is one member of a customer group.
type GroupMember struct {
	UserID        string
	Type          int // MemberStaff or MemberExternal
	UnionID       string
	JoinTime      time.Time
	JoinScene     int
	Invitor       string
	GroupNickname string
	Name          string
	State         string // the join way's state when the member came through one
}

type groupChatWire struct {
	ChatID     string `json:"chat_id"`
	Name       string `json:"name"`
	Owner      string `json:"owner"`
	CreateTime int64  `json:"create_time"`
	Notice     string `json:"notice"`
	MemberList []struct {
		UserID    string `json:"userid"`
		Type      int    `json:"type"`
		UnionID   string `json:"unionid"`
		JoinTime  int64  `json:"join_time"`
		JoinScene int    `json:"join_scene"`
		Invitor   struct {
			UserID string `json:"userid"`
		} `json:"invitor"`
		GroupNickname string `json:"group_nickname"`
		Name          string `json:"name"`
		State         string `json:"state"`
	} `json:"member_list"`
	AdminList []struct {
		UserID string `json:"userid"`
	} `json:"admin_list"`
	MemberVersion string `json:"member_version"`
}

func (w groupChatWire) chat() GroupChat {
	g := GroupChat{ChatID: w.ChatID, Name: w.Name, Owner: w.Owner, Notice: w.Notice,
		CreateTime: unixTime(w.CreateTime), MemberVersion: w.MemberVersion}
	for _, m := range w.MemberList {
		g.Members = append(g.Members, GroupMember{UserID: m.UserID, Type: m.Type, UnionID: m.UnionID,
			JoinTime: unixTime(m.JoinTime), JoinScene: m.JoinScene, Invitor: m.Invitor.UserID,
			GroupNickname: m.GroupNickname, Name: m.Name, State: m.State})
	}
	for _, a := range w.AdminList {
		g.Admins = append(g.Admins, a.UserID)
	}
	return g
}

// GetGroupChat reads a customer group with its members and member_version
// (doc 92122), including members' names.
func (c *Client) GetGroupChat(ctx context.Context, chatID string) (GroupChat, error) {
	if chatID == "" {
		return GroupChat{}, fmt.Errorf("get group chat: chat id is empty: %w", ErrInvalidRequest)
	}
	req := map[string]any{"chat_id": chatID, "need_name": 1}
	var w struct {
		GroupChat groupChatWire `json:"group_chat"`
	}
	if err := c.postJSON(ctx, c.contact, "externalcontact/groupchat/get", req, &w); err != nil {
		return GroupChat{}, fmt.Errorf("get group chat %s: %w", chatID, err)
	}
	return w.GroupChat.chat(), nil
}

// GroupChatQuery selects one page of groupchat/list (doc 92120).
type GroupChatQuery struct {
	StatusFilter int // 0 all normal groups, 1 owner resigned, 2 transferring, 3 transferred
	OwnerUserIDs []string
	Cursor       string
	Limit        int // 1-1000; 0 means 1000
}

// GroupChatSummary is one entry of groupchat/list.
type GroupChatSummary struct {
	ChatID string
	Status int
}

// GroupChatPage is one page of groups; NextCursor is "" on the last page.
type GroupChatPage struct {
	Chats      []GroupChatSummary
	NextCursor string
}

// ListGroupChats lists customer groups one page at a time.
func (c *Client) ListGroupChats(ctx context.Context, q GroupChatQuery) (GroupChatPage, error) {
	if q.Limit == 0 {
		q.Limit = 1000
	}
	req := map[string]any{"status_filter": q.StatusFilter, "cursor": q.Cursor, "limit": q.Limit}
	if len(q.OwnerUserIDs) > 0 {
		req["owner_filter"] = map[string]any{"userid_list": q.OwnerUserIDs}
	}
	var w struct {
		List []struct {
			ChatID string `json:"chat_id"`
			Status int    `json:"status"`
		} `json:"group_chat_list"`
		NextCursor string `json:"next_cursor"`
	}
	if err := c.postJSON(ctx, c.contact, "externalcontact/groupchat/list", req, &w); err != nil {
		return GroupChatPage{}, fmt.Errorf("list group chats: %w", err)
	}
	page := GroupChatPage{NextCursor: w.NextCursor}
	for _, g := range w.List {
		page.Chats = append(page.Chats, GroupChatSummary{ChatID: g.ChatID, Status: g.Status})
	}
	return page, nil
}
