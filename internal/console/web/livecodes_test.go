package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/console/web"
	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/livecode"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/user"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
)

// withGroups syncs three groups of 3 members (wrA, wrB, wrC; wrC's name
// is markup) from a fake WeCom and serves live codes over them.
func withGroups(t *testing.T, db storagetest.DB) (func(*web.Options), *group.Store, *livecode.Service) {
	t.Helper()
	var chats []wecomtest.GroupChat
	for _, id := range []string{"wrA", "wrB", "wrC"} {
		name := "群" + id
		if id == "wrC" {
			name = "<b>群C</b>"
		}
		chats = append(chats, groupChat(id, name, 3))
	}
	return withDirectory(t, db, chats)
}

// groupChat is a group of n external members as the fake WeCom holds it.
func groupChat(id, name string, n int) wecomtest.GroupChat {
	g := wecomtest.GroupChat{ChatID: id, Name: name, Owner: "zhangsan", CreateTime: time.Unix(1718000000, 0)}
	for i := range n {
		g.Members = append(g.Members, wecomtest.Member{UserID: fmt.Sprintf("wm%s%d", id, i), Type: wecomtest.MemberExternal})
	}
	return g
}

// withDirectory syncs chats from a fake WeCom and serves live codes over
// them.
func withDirectory(t testing.TB, db storagetest.DB, chats []wecomtest.GroupChat) (func(*web.Options), *group.Store, *livecode.Service) {
	t.Helper()
	fake := wecomtest.New(wecomtest.WithGroupChats(chats...), wecomtest.WithUsers("lisi"))
	t.Cleanup(fake.Close)
	client, err := wecom.NewClient(wecom.Config{CorpID: wecomtest.DefaultCorpID, Secret: wecomtest.DefaultSecret, APIBase: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	groups := group.NewStore(db.DB, nil)
	syncer, err := group.NewSyncer(groups, client, group.SyncerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := syncer.SyncAll(t.Context()); err != nil {
		t.Fatal(err)
	}
	svc, err := livecode.New(livecode.Options{DB: db.DB, Groups: groups, WeCom: client, RetryDelay: time.Millisecond,
		Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	return func(o *web.Options) { o.LiveCodes, o.Groups = svc, groups }, groups, svc
}

func codeForm(name, threshold, pool string) url.Values {
	return url.Values{"name": {name}, "threshold": {threshold}, "alert_remaining": {"1"}, "pool": {pool},
		"fallback_text": {"请联系店员 <i>x</i>"}, "enabled": {"on"}}
}

func TestLiveCodes_CreateEditStats(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		opt, _, svc := withGroups(t, db)
		e := newEnv(t, db, opt)
		e.addUser(t, "op", user.RoleOperator)
		b := e.signIn(t, "op")

		bad := codeForm("", "500", "wrA\nwrA\nwrZ")
		p := b.submit("/live-codes/new", "/live-codes/new", bad)
		errs := texts(t, p.body, "p", "field-error")
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad form: %d %.1500s", p.status, p.body)
		}
		mustContain(t, "name", errs, "活码名称不能为空")
		mustContain(t, "threshold", errs, "切换阈值")
		mustContain(t, "pool", errs, "第 2 个群")
		if !strings.Contains(p.body, "请联系店员 &lt;i&gt;x&lt;/i&gt;</textarea>") {
			t.Fatalf("typed fallback not kept escaped")
		}

		p = b.submit("/live-codes/new", "/live-codes/new", codeForm("南山店 <script>x</script>", "150", "wrA\nwrC"))
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/live-codes/") {
			t.Fatalf("create: %d %q %.1500s", p.status, p.location, p.body)
		}
		list := b.get("/live-codes").body
		if strings.Contains(list, "<script>x") || strings.Contains(list, "<b>群C") {
			t.Fatalf("list unescaped")
		}
		mustContain(t, "pool fill", texts(t, list, "td", "pool"), "群wrA 3/150 ←当前")
		mustContain(t, "pool fill", texts(t, list, "td", "pool"), "<b>群C</b> 3/150")

		page := b.get(p.location).body
		if got := len(texts(t, page, "tr", "")); got < 2+8+2 {
			t.Fatalf("stats tables: %d rows %.3000s", got, page)
		}
		mustContain(t, "stats", texts(t, page, "td", ""), "2026-11-17")
		mustContain(t, "stats", texts(t, page, "td", ""), "2026-11-23")

		codes, _, _ := svc.List(context.Background(), livecode.Filter{})
		f := codeForm("南山店", "150", "wrB\nwrA")
		f.Set("version", itoa(codes[0].Version))
		if p := b.submit(p.location, p.location, f); p.status != http.StatusSeeOther {
			t.Fatalf("update: %d %.1500s", p.status, p.body)
		}
		c, _ := svc.Get(context.Background(), codes[0].ID)
		if c.Name != "南山店" || len(c.Pool) != 2 || c.Pool[0].ChatID != "wrB" {
			t.Fatalf("updated %+v", c)
		}
		if p := b.submit(p.location, p.location, f); p.status != http.StatusConflict {
			t.Fatalf("stale update: %d", p.status)
		}
	})
}

func TestLiveCodes_AlertsAck(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		opt, _, svc := withGroups(t, db)
		e := newEnv(t, db, opt)
		e.addUser(t, "op", user.RoleOperator)
		b := e.signIn(t, "op")
		p := b.submit("/live-codes/new", "/live-codes/new", codeForm("满了", "3", "wrA"))
		if p.status != http.StatusSeeOther {
			t.Fatalf("create: %d %.1000s", p.status, p.body)
		}
		if err := svc.ReconcileAll(context.Background()); err != nil {
			t.Logf("reconcile: %v", err)
		}
		open := true
		alerts, total, err := svc.Alerts(context.Background(), livecode.AlertFilter{Open: &open})
		if err != nil || total == 0 {
			t.Fatalf("no alert for a full pool: %d %v", total, err)
		}
		if body := b.get("/live-codes").body; !strings.Contains(body, "未确认的活码预警") {
			t.Fatalf("list does not point at the alert")
		}
		mustContain(t, "alerts", texts(t, b.get("/live-codes/alerts").body, "td", "message"), alerts[0].Message)
		if p := b.post("/live-codes/alerts/"+itoa(alerts[0].ID)+"/ack", url.Values{}); p.status != http.StatusForbidden {
			t.Fatalf("ack without CSRF: %d", p.status)
		}
		for _, a := range alerts {
			p := b.submit(p.location, "/live-codes/alerts/"+itoa(a.ID)+"/ack", url.Values{"next": {p.location}})
			if p.status != http.StatusSeeOther {
				t.Fatalf("ack: %d %.500s", p.status, p.body)
			}
		}
		if _, total, _ := svc.Alerts(context.Background(), livecode.AlertFilter{Open: &open}); total != 0 {
			t.Fatalf("%d alerts still open", total)
		}
		mustContain(t, "flash", texts(t, b.get(p.location).body, "p", "flash-ok"), "已确认")
	})
}

func TestLiveCodes_Refused(t *testing.T) {
	db := storagetest.SQLite(t)
	opt, _, _ := withGroups(t, db)
	e := newEnv(t, db, opt)
	e.addUser(t, "staff", user.RoleStaff, 1)
	e.addUser(t, "op", user.RoleOperator)
	s := e.signIn(t, "staff")
	for _, path := range []string{"/live-codes", "/live-codes/new", "/live-codes/alerts"} {
		if p := s.get(path); p.status != http.StatusForbidden {
			t.Fatalf("staff GET %s: %d", path, p.status)
		}
	}
	if p := e.signIn(t, "op").post("/live-codes/new", codeForm("x", "3", "wrA")); p.status != http.StatusForbidden {
		t.Fatalf("no CSRF: %d", p.status)
	}
	if p := newEnv(t, storagetest.SQLite(t)).signInAs(t, "op2", user.RoleOperator).get("/live-codes"); p.status != http.StatusServiceUnavailable {
		t.Fatalf("unconfigured: %d", p.status)
	}
}
