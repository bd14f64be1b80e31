package ticket_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/ticket"
)

// newClock is a test clock at 2026-11-23 02:00 UTC.
func newClock() *storagetest.Clock {
	return storagetest.NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
}

// router maps chats to routes; other chats are not found.
type router struct {
	mu     sync.Mutex
	routes map[string]ticket.Route
	calls  int
}

func (r *router) Route(_ context.Context, chatID string) (ticket.Route, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if rt, ok := r.routes[chatID]; ok {
		return rt, nil
	}
	return ticket.Route{}, fmt.Errorf("chat %s: %w", chatID, fault.ErrNotFound)
}

// chain is a store with four levels; level people are named by level.
func chain(store int64) ticket.Route {
	lv := func(name, uid string) ticket.Level {
		return ticket.Level{Name: name, People: []ticket.Person{{Name: name + "-" + uid, WeComUserID: uid, Email: uid + "@example.com"}}}
	}
	s := fmt.Sprint(store)
	return ticket.Route{StoreID: store, StoreName: "门店" + s, WebhookKey: "hook-" + s, Email: []string{"store" + s + "@example.com"},
		Levels: []ticket.Level{lv("值班店员", "staff"+s), lv("店长", "manager"+s), lv("区域经理", "regional"), lv("总部舆情负责人", "hq")}}
}

type staffDir map[string]ticket.StaffMember

func (d staffDir) ByUserID(_ context.Context, uid string) (ticket.StaffMember, error) {
	if m, ok := d[uid]; ok {
		return m, nil
	}
	return ticket.StaffMember{}, fmt.Errorf("staff %s: %w", uid, fault.ErrNotFound)
}

type replier struct {
	spoke bool
	err   error
	calls int
}

func (r *replier) ReplyComplaint(context.Context, ticket.GroupReply) (bool, error) {
	r.calls++
	return r.spoke, r.err
}

type env struct {
	db     *gorm.DB
	clock  *storagetest.Clock
	router *router
	rep    *replier
	svc    *ticket.Service
}

func newEnv(t testing.TB, db *gorm.DB) *env {
	t.Helper()
	e := &env{db: db, clock: newClock(), rep: &replier{spoke: true},
		router: &router{routes: map[string]ticket.Route{"chat1": chain(1), "chat2": chain(2)}}}
	e.svc = e.service()
	return e
}

// service is a fresh Service over the env, as a restarted replica has.
func (e *env) service() *ticket.Service {
	staff := staffDir{
		"staff1":   {Person: ticket.Person{Name: "小王"}, StoreIDs: []int64{1}, Role: ticket.RoleStaff},
		"staff2":   {Person: ticket.Person{Name: "小李"}, StoreIDs: []int64{2}, Role: ticket.RoleStaff},
		"regional": {Person: ticket.Person{Name: "区域"}, StoreIDs: []int64{1, 2}, Role: ticket.RoleRegional},
		"hq":       {Person: ticket.Person{Name: "总部"}, Role: ticket.RoleHQ},
	}
	return ticket.New(ticket.Options{DB: e.db, Router: e.router, Staff: staff, Replier: e.rep, Now: e.clock.Now,
		ConsoleURL: "https://console.example.com",
		Fallback:   ticket.Fallback{People: []ticket.Person{{Name: "运营", WeComUserID: "ops", Email: "ops@example.com"}}}})
}

func complaint(key, chat, tier string, ack int) ticket.NewTicket {
	return ticket.NewTicket{ComplaintKey: key, ChatID: chat, ChatName: "车友群", MemberID: "wm1", MemberName: "张三",
		Phone: "13800000000", Content: "保养等了三个小时没人管", Context: `[{"from":"李四","text":"我也是"}]`,
		Tier: tier, TierName: tier, AckMinutes: ack}
}

func (e *env) open(t testing.TB, n ticket.NewTicket) ticket.Ticket {
	t.Helper()
	if n.PostedAt.IsZero() {
		n.PostedAt = e.clock.Now()
	}
	tk, _, err := e.svc.Open(context.Background(), n)
	if err != nil {
		t.Fatalf("open %s: %v", n.ComplaintKey, err)
	}
	return tk
}

func (e *env) get(t testing.TB, id int64) ticket.Detail {
	t.Helper()
	d, err := e.svc.Get(context.Background(), id, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// actions lists the audit actions of a ticket, in order.
func actions(d ticket.Detail) []string {
	out := make([]string, len(d.Events))
	for i, ev := range d.Events {
		out[i] = ev.Action
	}
	return out
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

// notices is recipient → pending notice titles.
func (e *env) notices(t testing.TB) map[string][]string {
	t.Helper()
	var rows []struct {
		Recipient string
		Title     string
	}
	if err := e.db.Table("ticket_notices").Select("recipient, title").Order("id").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, r := range rows {
		out[r.Recipient] = append(out[r.Recipient], r.Title)
	}
	return out
}

// sendAll plays the outbox worker: every due message is claimed and sent;
// it returns them.
func (e *env) sendAll(t testing.TB) []outbox.Message {
	t.Helper()
	store := outbox.NewStore(e.db, e.clock.Now)
	msgs, err := store.Claim(context.Background(), 1000, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if err := store.MarkSent(context.Background(), m.ID, "{}"); err != nil {
			t.Fatal(err)
		}
	}
	return msgs
}

// staffText is an inbox event of a staff member's text to the app.
func staffText(msgID, user, content string) inbox.Event {
	xml := `<xml><ToUserName><![CDATA[corp]]></ToUserName><FromUserName><![CDATA[` + user + `]]></FromUserName>` +
		`<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[` + content + `]]></Content>` +
		`<MsgId>` + msgID + `</MsgId><AgentID>1</AgentID></xml>`
	return inbox.Event{ID: 1, Source: "wecom", Kind: ticket.KindStaffText, DedupeKey: "msg:" + msgID, Payload: xml}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
