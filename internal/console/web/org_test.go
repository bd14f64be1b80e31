package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/org"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/user"
)

func TestStores_CreateEdit(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.addUser(t, "op", user.RoleOperator)
		b := e.signIn(t, "op")
		bad := url.Values{"code": {"SH 001"}, "name": {"徐汇店 <script>x</script>"}, "active": {"on"}}
		p := b.submit("/stores/new", "/stores/new", bad)
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad store: %d %.1000s", p.status, p.body)
		}
		mustContain(t, "code", texts(t, p.body, "p", "field-error"), "门店编码只能包含")
		if strings.Contains(p.body, "<script>x") {
			t.Fatalf("unescaped")
		}
		key := "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
		good := url.Values{"code": {"SH001"}, "name": {"徐汇店 <script>x</script>"}, "region": {"华东"}, "active": {"on"},
			"webhook_key": {"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + key}}
		p = b.submit("/stores/new", "/stores/new", good)
		if p.status != http.StatusSeeOther {
			t.Fatalf("create: %d %.1500s", p.status, p.body)
		}
		page := b.get(p.location).body
		if strings.Contains(page, key) || !strings.Contains(page, "已设置,留空保持不变") {
			t.Fatalf("the webhook key is shown back: %.2000s", page)
		}
		if p := b.submit("/stores/new", "/stores/new", good); p.status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.body, "门店编码已存在") {
			t.Fatalf("duplicate code: %d", p.status)
		}
		good.Set("name", "徐汇店")
		good.Set("webhook_key", "")
		if p := b.submit(p.location, p.location, good); p.status != http.StatusSeeOther {
			t.Fatalf("update: %d %.1000s", p.status, p.body)
		}
		shops, _, _ := e.org.ListShops(context.Background(), org.ShopFilter{})
		if len(shops) != 1 || shops[0].Name != "徐汇店" || shops[0].WebhookKey == "" {
			t.Fatalf("stored %+v", shops)
		}
		mustContain(t, "list", texts(t, b.get("/stores").body, "td", "name"), "徐汇店")
	})
}

func TestStaff_CreateEdit(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.addUser(t, "op", user.RoleOperator)
		shop := org.Shop{Code: "SH001", Name: "徐汇店", Active: true}
		if err := e.org.CreateShop(context.Background(), &shop); err != nil {
			t.Fatal(err)
		}
		b := e.signIn(t, "op")
		f := url.Values{"name": {"小王 <b>x</b>"}, "role": {"staff"}, "store_id": {"0"}, "wecom_user_id": {"wangxiao"}, "active": {"on"}}
		p := b.submit("/staff/new", "/staff/new", f)
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("staff without store: %d %.1000s", p.status, p.body)
		}
		mustContain(t, "store", texts(t, p.body, "p", "field-error"), "必须属于一个门店")
		f.Set("store_id", itoa(shop.ID))
		f.Set("on_duty", "on")
		p = b.submit("/staff/new", "/staff/new", f)
		if p.status != http.StatusSeeOther {
			t.Fatalf("create: %d %.1000s", p.status, p.body)
		}
		list := b.get("/staff?store=" + itoa(shop.ID)).body
		if strings.Contains(list, "<b>x") {
			t.Fatalf("unescaped")
		}
		mustContain(t, "list", texts(t, list, "td", "name"), "小王 <b>x</b>")
		mustContain(t, "list store", texts(t, list, "td", ""), "徐汇店")
		f.Set("role", "regional")
		f.Set("store_id", "0")
		f.Set("region", "华东")
		f.Del("on_duty")
		if p := b.submit(p.location, p.location, f); p.status != http.StatusSeeOther {
			t.Fatalf("update: %d %.1000s", p.status, p.body)
		}
		people, _, _ := e.org.ListStaff(context.Background(), org.StaffFilter{})
		if len(people) != 1 || people[0].Role != org.RoleRegional || people[0].OnDuty || people[0].Region != "华东" {
			t.Fatalf("stored %+v", people)
		}
	})
}

func TestGroups_StoreAndTags(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		opt, groups, _ := withGroups(t, db)
		e := newEnv(t, db, opt)
		e.addUser(t, "op", user.RoleOperator)
		shop := org.Shop{Code: "SH001", Name: "徐汇店", Active: true}
		if err := e.org.CreateShop(context.Background(), &shop); err != nil {
			t.Fatal(err)
		}
		b := e.signIn(t, "op")
		list := b.get("/groups").body
		if len(texts(t, list, "td", "name")) != 3 || strings.Contains(list, "<b>群C") {
			t.Fatalf("groups list: %.2000s", list)
		}
		p := b.submit("/groups/wrC", "/groups/wrC", url.Values{"store_id": {"999"}, "tags": {"VIP"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "门店 999 不存在") {
			t.Fatalf("unknown store: %d %.1000s", p.status, p.body)
		}
		long := strings.Repeat("长", 100)
		p = b.submit("/groups/wrC", "/groups/wrC", url.Values{"store_id": {itoa(shop.ID)}, "tags": {"VIP\n" + long}})
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("long tag: %d", p.status)
		}
		mustContain(t, "tag", texts(t, p.body, "p", "field-error"), "第 2 个")
		p = b.submit("/groups/wrC", "/groups/wrC", url.Values{"store_id": {itoa(shop.ID)}, "tags": {"VIP\n新客 <i>"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("save: %d %.1000s", p.status, p.body)
		}
		g, _ := groups.Get(context.Background(), "wrC")
		if g.StoreID != shop.ID || len(g.Tags) != 2 {
			t.Fatalf("stored %+v", g)
		}
		byStore := b.get("/groups?store=" + itoa(shop.ID)).body
		mustContain(t, "filtered", texts(t, byStore, "td", "tags"), "新客 <i>")
		if n := len(texts(t, b.get("/groups?store=0").body, "td", "name")); n != 2 {
			t.Fatalf("unmapped groups: %d", n)
		}
		if n := len(texts(t, b.get("/groups?tag=VIP").body, "td", "name")); n != 1 {
			t.Fatalf("by tag: %d", n)
		}
		if p := b.get("/groups/nope"); p.status != http.StatusNotFound {
			t.Fatalf("unknown group: %d", p.status)
		}
	})
}

func TestOrgPages_Refused(t *testing.T) {
	db := storagetest.SQLite(t)
	opt, _, _ := withGroups(t, db)
	e := newEnv(t, db, opt)
	e.addUser(t, "staff", user.RoleStaff, 1)
	s := e.signIn(t, "staff")
	for _, path := range []string{"/stores", "/stores/new", "/staff", "/staff/new", "/groups", "/groups/wrA"} {
		if p := s.get(path); p.status != http.StatusForbidden {
			t.Fatalf("staff GET %s: %d", path, p.status)
		}
	}
	b := e.signInAs(t, "op", user.RoleOperator)
	for _, path := range []string{"/stores/new", "/staff/new", "/groups/wrA"} {
		if p := b.post(path, url.Values{"name": {"x"}}); p.status != http.StatusForbidden {
			t.Fatalf("no CSRF %s: %d", path, p.status)
		}
	}
}
