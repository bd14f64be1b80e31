package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/user"
)

const evil = `每天 9:00 开门 <script>alert(1)</script>`

func scriptForm(title, keywords string, replies ...string) url.Values {
	return url.Values{"title": {title}, "keywords": {keywords}, "match_mode": {"contains"}, "reply_order": {"rotate"},
		"priority": {"0"}, "enabled": {"on"}, "reply": replies}
}

func TestScripts_CreateEditEscaped(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.addUser(t, "op", user.RoleOperator)
		b := e.signIn(t, "op")
		p := b.submit("/scripts/new", "/scripts/new", scriptForm("营业时间 <script>x</script>", "几点开门\n营业时间", evil, ""))
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/scripts/") {
			t.Fatalf("create: %d %q %.300s", p.status, p.location, p.body)
		}
		mustContain(t, "flash", texts(t, b.get(p.location).body, "p", "flash-ok"), "话术已创建")
		for _, path := range []string{"/scripts", p.location, "/scripts?q=" + url.QueryEscape("几点")} {
			body := b.get(path).body
			if strings.Contains(body, "<script>alert(1)") || strings.Contains(body, "<script>x") ||
				!strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Fatalf("%s shows the script unescaped or not at all: %.2000s", path, body)
			}
		}
		list := b.get("/scripts").body
		mustContain(t, "list reply", texts(t, list, "td", "reply"), evil)
		mustContain(t, "list keywords", texts(t, list, "td", "keywords"), "几点开门")
		sc := onlyScript(t, e)
		if sc.Title != "营业时间 <script>x</script>" || len(sc.Replies) != 1 || sc.Replies[0].Text != evil || !sc.Enabled {
			t.Fatalf("stored %+v", sc)
		}
		edit := scriptForm("营业时间", "几点开门", "每天 9 点", "周末 10 点")
		edit.Set("version", "1")
		edit.Del("enabled")
		if p := b.submit(p.location, p.location, edit); p.status != http.StatusSeeOther {
			t.Fatalf("update: %d %.500s", p.status, p.body)
		}
		sc = onlyScript(t, e)
		if sc.Version != 2 || len(sc.Replies) != 2 || sc.Enabled || sc.UpdatedBy != "op" {
			t.Fatalf("updated %+v", sc)
		}
	})
}

func onlyScript(t *testing.T, e *env) script.Script {
	t.Helper()
	items, total, err := e.scripts.List(context.Background(), script.Filter{})
	if err != nil || total != 1 {
		t.Fatalf("scripts: %d %v", total, err)
	}
	return items[0]
}

func TestScripts_FormErrors(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.addUser(t, "op", user.RoleOperator)
		b := e.signIn(t, "op")
		bad := scriptForm("", "几点开门 <i>x</i>")
		bad.Set("priority", "high")
		p := b.submit("/scripts/new", "/scripts/new", bad)
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad form: %d %.300s", p.status, p.body)
		}
		errs := texts(t, p.body, "p", "field-error")
		mustContain(t, "priority error", errs, "优先级应为整数")
		if !strings.Contains(p.body, "几点开门 &lt;i&gt;x&lt;/i&gt;</textarea>") {
			t.Fatalf("typed keywords not kept: %.3000s", p.body)
		}
		bad.Set("priority", "1")
		p = b.submit("/scripts/new", "/scripts/new", bad)
		errs = texts(t, p.body, "p", "field-error")
		if p.status != http.StatusUnprocessableEntity || len(errs) < 2 {
			t.Fatalf("validation: %d %q", p.status, errs)
		}
		mustContain(t, "title error", errs, "标题")
		mustContain(t, "replies error", errs, "回复")

		good := scriptForm("营业时间", "几点开门", "9 点")
		loc := b.submit("/scripts/new", "/scripts/new", good).location
		stale := scriptForm("营业时间", "几点开门", "10 点")
		stale.Set("version", "1")
		token := b.csrf(loc)
		if p := b.submit(loc, loc, stale); p.status != http.StatusSeeOther {
			t.Fatalf("first edit: %d", p.status)
		}
		stale.Set("csrf_token", token)
		stale.Set("reply", "11 点")
		p = b.post(loc, stale)
		if p.status != http.StatusConflict || !strings.Contains(p.body, "已被他人修改") || !strings.Contains(p.body, "11 点") {
			t.Fatalf("stale edit: %d %.500s", p.status, p.body)
		}
		if p := b.get("/scripts/999999"); p.status != http.StatusNotFound {
			t.Fatalf("no such script: %d", p.status)
		}
	})
}

func TestScripts_SearchAndPaging(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t))
	e.addUser(t, "op", user.RoleOperator)
	for i := range 55 {
		sc := script.Script{Title: "话术" + itoa(int64(i)), Keywords: []string{"词" + itoa(int64(i))}, MatchMode: "contains", Enabled: true,
			Replies: []script.Reply{{Type: script.ReplyText, Text: "答"}}}
		if err := e.scripts.Create(context.Background(), "op", &sc); err != nil {
			t.Fatal(err)
		}
	}
	b := e.signIn(t, "op")
	cases := []struct {
		path string
		rows int
		seen string
	}{
		{"/scripts", 50, "第 1 / 2 页"},
		{"/scripts?page=2", 5, "第 2 / 2 页"},
		{"/scripts?q=" + url.QueryEscape("词54"), 1, "共 1 条"},
		{"/scripts?q=" + url.QueryEscape("没有这个"), 0, "没有符合"},
	}
	for _, c := range cases {
		p := b.get(c.path)
		if rows := len(texts(t, p.body, "td", "reply")); rows != c.rows || !strings.Contains(p.body, c.seen) {
			t.Fatalf("%s: %d rows, want %d with %q", c.path, rows, c.rows, c.seen)
		}
	}
	if p := b.get("/scripts?page=zero"); p.status != http.StatusBadRequest {
		t.Fatalf("bad page: %d", p.status)
	}
}

func TestScripts_Try(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.addUser(t, "op", user.RoleOperator)
		b := e.signIn(t, "op")
		b.submit("/scripts/new", "/scripts/new", scriptForm("营业时间", "几点开门", evil))
		cases := []struct {
			text   string
			status int
			seen   string
		}{
			{"请问你们几点开门?", 200, "会回复:营业时间"},
			{"<b>今天天气不错</b>", 200, "不会回复"},
			{"  ", 422, "请输入一句话"},
		}
		for _, c := range cases {
			p := b.submit("/scripts/try", "/scripts/try", url.Values{"text": {c.text}})
			if p.status != c.status || !strings.Contains(strings.Join(texts(t, p.body, "main", ""), " "), c.seen) {
				t.Fatalf("try %q: %d %.1500s", c.text, p.status, p.body)
			}
			if strings.Contains(p.body, "<script>alert") || strings.Contains(p.body, "<b>今天") {
				t.Fatalf("try %q shows markup unescaped", c.text)
			}
		}
		p := b.submit("/scripts", "/scripts/try", url.Values{"text": {"几点开门"}})
		mustContain(t, "answer", texts(t, p.body, "blockquote", "reply"), evil)
	})
}
