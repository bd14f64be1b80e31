package group_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/wecom"
)

// fakeWeCom answers groupchat/list and groupchat/get from memory, a few
// groups a page, so paging is exercised.
type fakeWeCom struct {
	mu       sync.Mutex
	chats    map[string]wecom.GroupChat
	order    []string
	pageSize int
	getErr   map[string]error
	lists    []string // the cursors asked for
	gets     []string // the chat ids asked for
	revision int
}

func newFake() *fakeWeCom {
	return &fakeWeCom{chats: map[string]wecom.GroupChat{}, getErr: map[string]error{}, pageSize: 2}
}

// put adds or replaces a group with n members and a new member_version.
func (f *fakeWeCom) put(chatID, name string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.chats[chatID]; !ok {
		f.order = append(f.order, chatID)
	}
	f.revision++
	g := wecom.GroupChat{ChatID: chatID, Name: name, Owner: "owner-" + chatID, Notice: "群公告",
		CreateTime: time.Unix(1718000000, 0).UTC(), MemberVersion: "v" + strconv.Itoa(f.revision)}
	for i := range n {
		g.Members = append(g.Members, wecom.GroupMember{UserID: fmt.Sprintf("wm%s-%d", chatID, i), Type: wecom.MemberExternal})
	}
	f.chats[chatID] = g
}

// version returns a group's current member_version.
func (f *fakeWeCom) version(chatID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.chats[chatID].MemberVersion
}

func (f *fakeWeCom) remove(chatID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.chats, chatID)
	for i, id := range f.order {
		if id == chatID {
			f.order = append(f.order[:i], f.order[i+1:]...)
			break
		}
	}
}

func (f *fakeWeCom) ListGroupChats(_ context.Context, q wecom.GroupChatQuery) (wecom.GroupChatPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lists = append(f.lists, q.Cursor)
	start := 0
	if q.Cursor != "" {
		start, _ = strconv.Atoi(strings.TrimPrefix(q.Cursor, "c"))
	}
	end := min(start+f.pageSize, len(f.order))
	var page wecom.GroupChatPage
	for _, id := range f.order[start:end] {
		page.Chats = append(page.Chats, wecom.GroupChatSummary{ChatID: id})
	}
	if end < len(f.order) {
		page.NextCursor = "c" + strconv.Itoa(end)
	}
	return page, nil
}

func (f *fakeWeCom) GetGroupChat(_ context.Context, chatID string) (wecom.GroupChat, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets = append(f.gets, chatID)
	if err := f.getErr[chatID]; err != nil {
		return wecom.GroupChat{}, err
	}
	g, ok := f.chats[chatID]
	if !ok {
		return wecom.GroupChat{}, &wecom.APIError{API: "externalcontact/groupchat/get", Code: 40050, Message: "chatid not found"}
	}
	return g, nil
}

func (f *fakeWeCom) getCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.gets)
}

// env is a store, a syncer over a fake WeCom and the changes it published.
type env struct {
	t      testing.TB
	clock  *storagetest.Clock
	store  *group.Store
	syncer *group.Syncer
	wecom  *fakeWeCom

	mu      sync.Mutex
	changes []group.Change
}

func newEnv(t testing.TB, db storagetest.DB) *env {
	t.Helper()
	e := &env{t: t, clock: storagetest.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)), wecom: newFake()}
	e.store = group.NewStore(db.DB, e.clock.Now)
	var err error
	e.syncer, err = group.NewSyncer(e.store, e.wecom, group.SyncerOptions{OnChange: e.observe})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) observe(_ context.Context, c group.Change) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.changes = append(e.changes, c)
}

// takeChanges returns the changes published since the last call, as
// "kind chat count/member_count".
func (e *env) takeChanges() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, c := range e.changes {
		out = append(out, fmt.Sprintf("%s %s %d/%d", c.Kind, c.ChatID, c.Count, c.MemberCount))
	}
	e.changes = nil
	return out
}

func (e *env) sync() group.SyncReport {
	e.t.Helper()
	rep, err := e.syncer.SyncAll(e.t.Context())
	if err != nil {
		e.t.Fatalf("sync: %v", err)
	}
	return rep
}

func (e *env) get(chatID string) group.Group {
	e.t.Helper()
	g, err := e.store.Get(e.t.Context(), chatID)
	if err != nil {
		e.t.Fatalf("get %s: %v", chatID, err)
	}
	return g
}

// handle delivers an event to the handler and fails the test on an error.
func (e *env) handle(key string, ev chatEvent) {
	e.t.Helper()
	if err := e.syncer.HandleChatEvent(e.t.Context(), ev.inbox(key)); err != nil {
		e.t.Fatalf("handle %s: %v", key, err)
	}
}

// reconcileDue runs the due reconciles at the current clock.
func (e *env) reconcileDue() int {
	e.t.Helper()
	n, err := e.syncer.ReconcileDue(e.t.Context())
	if err != nil {
		e.t.Fatalf("reconcile due: %v", err)
	}
	return n
}

// chatEvent is a change_external_chat callback as WeCom sends it.
type chatEvent struct {
	change, detail, chat string
	cnt                  int
	members              []string
	last, cur            string
	joinScene            int
}

func (c chatEvent) xml() string {
	var b strings.Builder
	fmt.Fprintf(&b, "<xml><ToUserName><![CDATA[wwcorp]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>"+
		"<CreateTime>1718003100</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event>"+
		"<ChatId><![CDATA[%s]]></ChatId><ChangeType><![CDATA[%s]]></ChangeType>", c.chat, c.change)
	if c.detail != "" {
		fmt.Fprintf(&b, "<UpdateDetail><![CDATA[%s]]></UpdateDetail><JoinScene>%d</JoinScene><MemChangeCnt>%d</MemChangeCnt>",
			c.detail, c.joinScene, c.cnt)
	}
	if len(c.members) > 0 {
		b.WriteString("<MemChangeList>")
		for _, m := range c.members {
			fmt.Fprintf(&b, "<Item><![CDATA[%s]]></Item>", m)
		}
		b.WriteString("</MemChangeList>")
	}
	if c.last != "" || c.cur != "" {
		fmt.Fprintf(&b, "<LastMemVer><![CDATA[%s]]></LastMemVer><CurMemVer><![CDATA[%s]]></CurMemVer>", c.last, c.cur)
	}
	b.WriteString("</xml>")
	return b.String()
}

func (c chatEvent) inbox(key string) inbox.Event {
	kind := "change_external_chat/" + c.change
	return inbox.Event{ID: 1, Source: "wecom", Kind: kind, DedupeKey: key, Payload: c.xml(), State: inbox.StatePending}
}

func joined(chat string, n int) chatEvent {
	return chatEvent{change: "update", detail: "add_member", chat: chat, cnt: n, joinScene: 3}
}

func left(chat string, n int) chatEvent {
	return chatEvent{change: "update", detail: "del_member", chat: chat, cnt: n}
}
