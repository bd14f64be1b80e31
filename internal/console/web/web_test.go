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

func TestLogin(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.addUser(t, "op", user.RoleOperator)
		b := e.browser(t)
		cases := []struct {
			name     string
			do       func() page
			status   int
			location string
			seen     string
		}{
			{"no session goes to sign in", func() page { return b.get("/scripts?q=a") }, 303, "/login?next=%2Fscripts%3Fq%3Da", ""},
			{"the form", func() page { return b.get("/login?next=/scripts") }, 200, "", `name="next" value="/scripts"`},
			{"wrong password", func() page {
				return b.post("/login", url.Values{"username": {"op"}, "password": {"wrong password!"}})
			}, 401, "", "用户名或密码错误"},
			{"another site is not a next", func() page {
				return b.post("/login", url.Values{"username": {"op"}, "password": {password}, "next": {"//evil.example/x"}})
			}, 303, "/", ""},
			{"back where they were going", func() page {
				return b.post("/login", url.Values{"username": {"op"}, "password": {password}, "next": {"/scripts"}})
			}, 303, "/scripts", ""},
			{"signed in", func() page { return b.get("/scripts") }, 200, "", "话术库"},
		}
		for _, c := range cases {
			p := c.do()
			if p.status != c.status || p.location != c.location || !strings.Contains(p.body, c.seen) {
				t.Fatalf("%s: %d %q %.300s", c.name, p.status, p.location, p.body)
			}
		}
	})
}

func TestLogin_CookieAndRateLimit(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t))
	e.addUser(t, "op", user.RoleOperator)
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.PostForm(e.srv.URL+"/login", url.Values{"username": {"op"}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var c *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == "qunbot_session" {
			c = k
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Fatalf("session cookie %+v", c)
	}
	b := e.browser(t)
	var p page
	for range 6 {
		p = b.post("/login", url.Values{"username": {"op"}, "password": {"not the password"}})
	}
	if p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "登录失败次数过多") {
		t.Fatalf("after 6 failures: %d %.300s", p.status, p.body)
	}
}

func TestCSRF_FormWithoutTokenRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.addUser(t, "op", user.RoleOperator)
		b := e.signIn(t, "op")
		form := url.Values{"title": {"营业时间"}, "keywords": {"几点开门"}, "reply": {"9 点"}, "match_mode": {"contains"}}
		for _, token := range []string{"", "forged-token"} {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			if token != "" {
				f.Set("csrf_token", token)
			}
			p := b.post("/scripts/new", f)
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "表单已失效") {
				t.Fatalf("token %q: %d %.300s", token, p.status, p.body)
			}
		}
		if p := b.post("/logout", nil); p.status != http.StatusForbidden {
			t.Fatalf("logout without token: %d", p.status)
		}
		_, total, err := e.scripts.List(context.Background(), script.Filter{})
		if err != nil || total != 0 {
			t.Fatalf("scripts after refused forms: %d %v", total, err)
		}
		if p := b.submit("/scripts/new", "/scripts/new", form); p.status != http.StatusSeeOther {
			t.Fatalf("with the token: %d %.300s", p.status, p.body)
		}
	})
}

func TestCSRF_CrossSiteRefused(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t))
	e.addUser(t, "op", user.RoleOperator)
	b := e.browser(t)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/login", strings.NewReader("username=op&password=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := b.do(req); p.status != http.StatusForbidden || !strings.Contains(p.body, "跨站") {
		t.Fatalf("cross-site login: %d %.200s", p.status, p.body)
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t))
	e.addUser(t, "op", user.RoleOperator)
	b := e.signIn(t, "op")
	if p := b.submit("/", "/logout", nil); p.status != http.StatusSeeOther || p.location != "/login" {
		t.Fatalf("logout: %d %q", p.status, p.location)
	}
	if p := b.get("/login"); !strings.Contains(p.body, "已退出登录") {
		t.Fatalf("no flash after logout: %.300s", p.body)
	}
	if p := b.get("/"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login") {
		t.Fatalf("after logout: %d %q", p.status, p.location)
	}
}

func TestRoles(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t))
	e.addUser(t, "staff1", user.RoleStaff, 1)
	e.addUser(t, "op", user.RoleOperator)
	staff, op := e.signIn(t, "staff1"), e.signIn(t, "op")
	cases := []struct {
		who      *browser
		path     string
		status   int
		location string
	}{
		{staff, "/", 303, "/tickets"},
		{staff, "/scripts", 403, ""},
		{staff, "/scripts/new", 403, ""},
		{staff, "/scripts/try", 403, ""},
		{staff, "/tickets", 200, ""},
		{op, "/", 200, ""},
		{op, "/scripts", 200, ""},
		{op, "/no/such/page", 404, ""},
	}
	for _, c := range cases {
		if p := c.who.get(c.path); p.status != c.status || p.location != c.location {
			t.Fatalf("GET %s: %d %q", c.path, p.status, p.location)
		}
	}
	nav := texts(t, staff.get("/tickets").body, "nav", "")
	if len(nav) != 1 || nav[0] != "工单" {
		t.Fatalf("staff nav %q", nav)
	}
	mustContain(t, "operator nav", texts(t, op.get("/").body, "nav", ""), "话术库")
}

func TestMustChangePassword(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t))
	u := user.User{Username: "new", Role: user.RoleOperator, MustChangePassword: true}
	if err := e.users.Create(context.Background(), &u, password); err != nil {
		t.Fatal(err)
	}
	b := e.signIn(t, "new")
	if p := b.get("/scripts"); p.status != 303 || p.location != "/password?next=%2Fscripts" {
		t.Fatalf("first page: %d %q", p.status, p.location)
	}
	cases := []struct {
		old, next, confirm string
		status             int
		seen               string
	}{
		{password, "another long password", "a different one!!", 422, "两次输入的新密码不一致"},
		{"wrong old password", "another long password", "another long password", 422, "原密码不正确"},
		{password, "short", "short", 422, "密码至少"},
		{password, "another long password", "another long password", 303, ""},
	}
	for _, c := range cases {
		p := b.submit("/password", "/password", url.Values{"old_password": {c.old}, "new_password": {c.next},
			"confirm_password": {c.confirm}, "next": {"/scripts"}})
		if p.status != c.status || !strings.Contains(p.body, c.seen) {
			t.Fatalf("change to %q: %d %.400s", c.next, p.status, p.body)
		}
	}
	if p := b.get("/scripts"); p.status != 200 {
		t.Fatalf("after the change: %d %q", p.status, p.location)
	}
}

func TestStatic_HashedAndCached(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t))
	b := e.browser(t)
	links := csrfFree(b.get("/login").body)
	if !strings.HasPrefix(links, "/static/app.") || !strings.HasSuffix(links, ".css") {
		t.Fatalf("stylesheet link %q", links)
	}
	resp, err := http.Get(e.srv.URL + links)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("stylesheet: %d %v", resp.StatusCode, resp.Header)
	}
	if p := b.get("/static/app.css"); p.status != 404 {
		t.Fatalf("unhashed name: %d", p.status)
	}
}

// csrfFree finds the stylesheet's address in a page.
func csrfFree(body string) string {
	_, rest, _ := strings.Cut(body, `rel="stylesheet" href="`)
	href, _, _ := strings.Cut(rest, `"`)
	return href
}

func TestAudit_PageChangesRecorded(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t))
	e.addUser(t, "op", user.RoleOperator)
	b := e.signIn(t, "op")
	b.submit("/scripts/new", "/scripts/new", url.Values{"title": {"营业时间"}, "keywords": {"几点开门"}, "reply": {"9 点"}, "match_mode": {"contains"}})
	entries, _, err := e.audit.List(context.Background(), auditFilter())
	if err != nil || len(entries) == 0 {
		t.Fatalf("audit: %v %v", entries, err)
	}
	got := entries[0]
	if got.Actor != "op" || got.Action != "page POST /scripts/new" || got.Status != 303 ||
		!strings.Contains(string(got.After), "几点开门") || strings.Contains(string(got.After), "csrf") {
		t.Fatalf("audit entry %+v %s", got, got.After)
	}
}
