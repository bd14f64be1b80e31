package web_test

import (
	"net/http"
	"strings"
	"testing"

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
