package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/bridge"
	"github.com/qunbot/qunbot/internal/console/web"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/user"
)

func TestDashboard_SLAAndFill(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		opt, _, _ := withGroups(t, db)
		e := newEnv(t, db, opt)
		b := e.signInAs(t, "op", user.RoleOperator)
		if p := b.submit("/live-codes/new", "/live-codes/new", codeForm("<b>南山店</b>", "10", "wrA")); p.status != http.StatusSeeOther {
			t.Fatalf("create code: %d %.1000s", p.status, p.body)
		}
		tk := e.openTicket(t, "c1", "chat1", "投诉一")
		e.addUser(t, "staff1", user.RoleStaff, 1)
		s := e.signIn(t, "staff1")
		path := "/tickets/" + itoa(tk.ID)
		if p := s.submit(path, path+"/ack", nil); p.status != http.StatusSeeOther {
			t.Fatalf("ack: %d", p.status)
		}
		body := b.get("/").body
		if strings.Contains(body, "<b>南山") {
			t.Fatalf("code name unescaped: %.3000s", body)
		}
		bars := texts(t, body, "g", "bar")
		mustContain(t, "ack SLA chart", bars, "中度:100%")
		mustContain(t, "fill chart", bars, "<b>南…:3/10")
		for _, title := range []string{"接单 SLA 达标率", "处理 SLA 达标率", "群活码当前群满员度"} {
			mustContain(t, "charts", texts(t, body, "figcaption", ""), title)
		}
		if p := s.get("/"); p.status != http.StatusSeeOther || p.location != "/tickets" {
			t.Fatalf("staff dashboard: %d %q", p.status, p.location)
		}
	})
}

func TestDashboard_GroupsAndMessages(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		withCodes, groups, _ := withGroups(t, db)
		if err := groups.SetStore(t.Context(), "wrA", 1); err != nil {
			t.Fatal(err)
		}
		withMsgs := withMessages(t, db, testNow, testNow.Add(-time.Minute), testNow.Add(-24*time.Hour))
		e := newEnv(t, db, withCodes, withMsgs)
		body := e.signInAs(t, "op", user.RoleOperator).get("/").body
		tiles := texts(t, body, "a", "tile")
		mustContain(t, "groups tile", tiles, "3客户群")
		mustContain(t, "unmapped tile", tiles, "2未分配门店的群")
		mustContain(t, "members tile", texts(t, body, "div", "tile"), "9群成员")
		bars := texts(t, body, "g", "bar")
		day := func(at time.Time) string { return at.In(time.FixedZone("CST", 8*3600)).Format("01-02") }
		mustContain(t, "today's messages", bars, day(testNow)+":2")
		mustContain(t, "yesterday's messages", bars, day(testNow.Add(-24*time.Hour))+":1")
	})
}

// withMessages records a chat message received at each of ats, and an
// event that is not a message at the first, and serves them to the
// dashboard.
func withMessages(t testing.TB, db storagetest.DB, ats ...time.Time) func(*web.Options) {
	t.Helper()
	box := inbox.NewStore(db.DB, nil)
	for i, at := range ats {
		e := inbox.Event{Source: "bridge", Kind: "bridge/text", DedupeKey: "bridge:m" + itoa(int64(i)), Payload: "{}", ReceivedAt: at}
		if _, err := box.Record(t.Context(), &e); err != nil {
			t.Fatal(err)
		}
	}
	if len(ats) > 0 {
		join := inbox.Event{Source: "wecom", Kind: "change_external_chat/update", DedupeKey: "j1", Payload: "<xml/>", ReceivedAt: ats[0]}
		if _, err := box.Record(t.Context(), &join); err != nil {
			t.Fatal(err)
		}
	}
	return func(o *web.Options) { o.Inbox, o.MessageKinds = box, bridge.ChatKinds() }
}
