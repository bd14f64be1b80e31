package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/console/web"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/user"
	"github.com/qunbot/qunbot/internal/welcome"
)

// withWelcome adds the welcome service over db to the pages.
func withWelcome(db storagetest.DB, svc **welcome.Service) func(*web.Options) {
	return func(o *web.Options) {
		*svc = welcome.New(welcome.Options{Store: welcome.NewStore(db.DB, o.Now), Now: o.Now})
		o.Welcome = *svc
	}
}

func TestWelcome_CreateEditPreview(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		var svc *welcome.Service
		e := newEnv(t, db, withWelcome(db, &svc))
		b := e.signInAs(t, "op", user.RoleOperator)
		bad := url.Values{"name": {"<script>x</script>"}, "channel": {"contact"}, "state_match": {"exact"},
			"text": {"你好 {{不存在}}"}, "priority": {"1"}, "att_type": {"image", ""}, "att_pic_url": {"", ""}}
		p := b.submit("/welcome/new", "/welcome/new", bad)
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad rule: %d %.1000s", p.status, p.body)
		}
		errs := texts(t, p.body, "p", "field-error")
		mustContain(t, "text", errs, "不支持的變量")
		mustContain(t, "attachment", errs, "第 1 个")
		if strings.Contains(p.body, "<script>x") {
			t.Fatal("unescaped")
		}
		if p := b.submit("/welcome/new", "/welcome/new", url.Values{"name": {"x"}, "channel": {"contact"}, "priority": {"high"}}); p.status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.body, "优先级须为整数") {
			t.Fatalf("bad priority: %d", p.status)
		}
		good := url.Values{"name": {"门店码 <b>欢迎</b>"}, "channel": {"contact"}, "state_match": {"prefix"}, "state": {"shop"},
			"text": {"{{客户名}}您好 <i>欢迎</i>"}, "priority": {"5"}, "enabled": {"on"},
			"att_type": {"link", ""}, "att_title": {"新品", ""}, "att_url": {"https://example.com/a", ""}, "att_pic_url": {"", ""}}
		p = b.submit("/welcome/new", "/welcome/new", good)
		if p.status != http.StatusSeeOther {
			t.Fatalf("create: %d %.2000s", p.status, p.body)
		}
		good.Set("priority", "7")
		if p := b.submit(p.location, p.location, good); p.status != http.StatusSeeOther {
			t.Fatalf("update: %d %.1000s", p.status, p.body)
		}
		rules, _ := svc.Store().Rules(context.Background(), "")
		if len(rules) != 1 || rules[0].Priority != 7 || len(rules[0].Attachments) != 1 || rules[0].Attachments[0].Title != "新品" {
			t.Fatalf("stored %+v", rules)
		}
		list := b.get("/welcome").body
		mustContain(t, "list", texts(t, list, "td", "name"), "门店码 <b>欢迎</b>")
		if strings.Contains(list, "<b>欢迎") {
			t.Fatal("list unescaped")
		}
		p = b.submit("/welcome", "/welcome/preview", url.Values{"channel": {"contact"}, "state": {"shop-12"}, "name": {"小王"}})
		mustContain(t, "preview", texts(t, p.body, "pre", "preview-text"), "小王您好 <i>欢迎</i>")
		p = b.submit("/welcome", "/welcome/preview", url.Values{"channel": {"contact"}, "state": {"other"}})
		mustContain(t, "miss", texts(t, p.body, "p", "preview-miss"), "没有匹配")
	})
}

func TestWelcome_Refused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		var svc *welcome.Service
		e := newEnv(t, db, withWelcome(db, &svc))
		e.addUser(t, "clerk", user.RoleStaff, 1)
		staff := e.signIn(t, "clerk")
		if p := staff.get("/welcome"); p.status != http.StatusForbidden {
			t.Fatalf("staff: %d", p.status)
		}
		op := e.signInAs(t, "op", user.RoleOperator)
		form := url.Values{"name": {"x"}, "channel": {"contact"}, "is_default": {"on"}, "text": {"hi"}}
		if p := op.post("/welcome/new", form); p.status != http.StatusForbidden {
			t.Fatalf("no csrf: %d", p.status)
		}
		if rules, _ := svc.Store().Rules(context.Background(), ""); len(rules) != 0 {
			t.Fatalf("saved without csrf: %+v", rules)
		}
	})
}
