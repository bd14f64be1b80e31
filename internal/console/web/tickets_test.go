package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/ticket"
	"github.com/qunbot/qunbot/internal/user"
)

func TestTickets_StaffWorkTheirTicket(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.addUser(t, "staff1", user.RoleStaff, 1)
		mine := e.openTicket(t, "c1", "chat1", "等了三个小时没人管 <script>alert(1)</script>")
		e.openTicket(t, "c2", "chat2", "二店的投诉")
		b := e.signIn(t, "staff1")
		inbox := b.get("/tickets")
		items := texts(t, inbox.body, "li", "ticket-item")
		if len(items) != 1 || !strings.Contains(items[0], "等了三个小时没人管 <script>") || !strings.Contains(items[0], "待接单") {
			t.Fatalf("staff inbox %q", items)
		}
		if strings.Contains(inbox.body, "<script>alert") {
			t.Fatal("complaint shown unescaped")
		}
		path := "/tickets/" + itoa(mine.ID)
		detail := b.get(path).body
		mustContain(t, "context", texts(t, detail, "li", "complaint-msg"), "小张")
		mustContain(t, "context", texts(t, detail, "ol", "chat"), "昨天保养等了三个小时 <b>真的</b>")
		mustContain(t, "timeline", texts(t, detail, "ol", "timeline"), "创建工单")

		steps := []struct {
			to    string
			form  url.Values
			flash string
			state ticket.State
		}{
			{path + "/ack", nil, "已接单", ticket.StateAcknowledged},
			{path + "/ack", nil, "工单状态已变化", ticket.StateAcknowledged},
			{path + "/comments", url.Values{"body": {"已联系车主 <i>明天</i>回访"}}, "评论已添加", ticket.StateAcknowledged},
			{path + "/comments", url.Values{"body": {"  "}}, "评论不能为空", ticket.StateAcknowledged},
			{path + "/resolve", url.Values{"note": {"已电话回访,车主满意"}}, "已完成", ticket.StateResolved},
		}
		for _, s := range steps {
			p := b.submit(path, s.to, s.form)
			if p.status != http.StatusSeeOther || p.location != path {
				t.Fatalf("POST %s: %d %q %.300s", s.to, p.status, p.location, p.body)
			}
			page := b.get(path).body
			mustContain(t, s.to+" flash", texts(t, page, "p", "flash"), s.flash)
			if got := state(t, e, mine.ID); got != s.state {
				t.Fatalf("after %s: %s, want %s", s.to, got, s.state)
			}
		}
		page := b.get(path).body
		mustContain(t, "comment", texts(t, page, "ul", "comments"), "已联系车主 <i>明天</i>回访")
		mustContain(t, "action taken", texts(t, page, "dl", "facts"), "客服动作已电话回访,车主满意")
		mustContain(t, "timeline", texts(t, page, "ol", "timeline"), "完成 staff1")
		if strings.Contains(page, "<i>明天") {
			t.Fatal("comment shown unescaped")
		}
		filtered := texts(t, b.get("/tickets?state=resolved&tier=medium").body, "li", "ticket-item")
		if len(filtered) != 1 {
			t.Fatalf("resolved filter %q", filtered)
		}
		if n := len(texts(t, b.get("/tickets?state=new").body, "li", "ticket-item")); n != 0 {
			t.Fatalf("new filter: %d", n)
		}
		if p := b.get("/tickets?state=bogus"); p.status != http.StatusBadRequest {
			t.Fatalf("bogus state: %d", p.status)
		}
	})
}

func state(t *testing.T, e *env, id int64) ticket.State {
	t.Helper()
	d, err := e.tickets.Get(context.Background(), id, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d.State
}

func TestTickets_AnotherStoreIsNotFound(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.addUser(t, "staff1", user.RoleStaff, 1)
		e.addUser(t, "op", user.RoleOperator)
		e.openTicket(t, "c1", "chat1", "一店的投诉")
		foreign := e.openTicket(t, "c2", "chat2", "二店的投诉")
		b := e.signIn(t, "staff1")
		path := "/tickets/" + itoa(foreign.ID)
		if p := b.get(path); p.status != http.StatusNotFound || strings.Contains(p.body, "二店的投诉") {
			t.Fatalf("foreign ticket: %d %.300s", p.status, p.body)
		}
		for _, to := range []string{"/ack", "/start", "/resolve", "/close", "/comments"} {
			p := b.submit("/tickets", path+to, url.Values{"note": {"x"}, "body": {"x"}})
			if p.status != http.StatusNotFound {
				t.Fatalf("POST %s on a foreign ticket: %d", to, p.status)
			}
		}
		d, err := e.tickets.Get(context.Background(), foreign.ID, nil)
		if err != nil || d.State != ticket.StateNew || len(d.Comments) != 0 {
			t.Fatalf("foreign ticket changed: %+v %v", d.Ticket, err)
		}
		if p := b.get("/tickets/999999"); p.status != http.StatusNotFound {
			t.Fatalf("no such ticket: %d", p.status)
		}
		if p := b.submit("/tickets", "/tickets/"+itoa(foreign.ID-1)+"/fly", nil); p.status != http.StatusNotFound {
			t.Fatalf("unknown step: %d", p.status)
		}
		op := e.signIn(t, "op")
		if n := len(texts(t, op.get("/tickets").body, "li", "ticket-item")); n != 2 {
			t.Fatalf("operator sees %d tickets", n)
		}
		if p := op.get(path); p.status != http.StatusOK {
			t.Fatalf("operator on store 2's ticket: %d", p.status)
		}
	})
}

func TestDashboard(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t))
	e.addUser(t, "op", user.RoleOperator)
	e.openTicket(t, "c1", "chat1", "投诉一")
	e.openTicket(t, "c2", "chat2", "投诉二")
	b := e.signIn(t, "op")
	b.submit("/scripts/new", "/scripts/new", scriptForm("营业时间", "几点开门", "9 点"))
	tiles := texts(t, b.get("/").body, "a", "tile")
	for _, want := range []string{"2待接单工单", "2中度 · 未完成(共 2 张)", "1话术", "0已超时工单"} {
		mustContain(t, "dashboard", tiles, want)
	}
}
