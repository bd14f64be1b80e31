package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/audit"
	"github.com/qunbot/qunbot/internal/config"
	"github.com/qunbot/qunbot/internal/console/web"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/user"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
)

func TestSettings_TableAndCheck(t *testing.T) {
	settings := []config.Setting{
		{Key: config.Key{Name: "wecom.corp_id", Env: "QUNBOT_WECOM_CORP_ID", Doc: "企业 ID <b>x</b>"}, Value: "ww123"},
		{Key: config.Key{Name: "wecom.secret", Env: "QUNBOT_WECOM_SECRET", Secret: true}, Value: "leaked-secret"},
		{Key: config.Key{Name: "http.addr", Default: ":8080"}, Value: ":8080"},
	}
	fail := errors.New("errcode 40001: invalid credential <i>")
	cases := []struct {
		name  string
		check func(context.Context) error
		flash string
		kind  string
	}{
		{"ok", func(context.Context) error { return nil }, "连接成功", "flash-ok"},
		{"refused", func(context.Context) error { return fail }, "连接失败 (connection failed): errcode 40001: invalid credential <i>", "flash-error"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, storagetest.SQLite(t), func(o *web.Options) { o.Settings, o.WeComCheck = settings, c.check })
			b := e.signInAs(t, "admin", user.RoleAdmin)
			page := b.get("/settings").body
			if strings.Contains(page, "leaked-secret") || strings.Contains(page, "<b>x") || !strings.Contains(page, "已设置(***)") {
				t.Fatalf("settings page: %.3000s", page)
			}
			mustContain(t, "value", texts(t, page, "td", "value"), "ww123")
			mustContain(t, "default", texts(t, page, "td", "value"), ":8080 默认")
			p := b.submit("/settings", "/settings/wecom/test", nil)
			if p.status != http.StatusSeeOther || p.location != "/settings" {
				t.Fatalf("check: %d %q", p.status, p.location)
			}
			after := b.get("/settings").body
			mustContain(t, "flash", texts(t, after, "p", c.kind), c.flash)
			if strings.Contains(after, "<i>") {
				t.Fatalf("flash unescaped")
			}
		})
	}
}

func TestSettings_Refused(t *testing.T) {
	called := false
	e := newEnv(t, storagetest.SQLite(t), func(o *web.Options) {
		o.WeComCheck = func(context.Context) error { called = true; return nil }
	})
	for _, role := range []user.Role{user.RoleOperator, user.RoleStaff} {
		e.addUser(t, "u"+string(role), role, 1)
		b := e.signIn(t, "u"+string(role))
		if p := b.get("/settings"); p.status != http.StatusForbidden {
			t.Fatalf("%s GET: %d", role, p.status)
		}
		if p := b.submit("/tickets", "/settings/wecom/test", nil); p.status != http.StatusForbidden {
			t.Fatalf("%s POST: %d", role, p.status)
		}
		if strings.Contains(b.get("/tickets").body, `href="/settings"`) {
			t.Fatalf("%s sees the settings link", role)
		}
	}
	admin := e.signInAs(t, "admin", user.RoleAdmin)
	if p := admin.post("/settings/wecom/test", nil); p.status != http.StatusForbidden || called {
		t.Fatalf("no CSRF: %d called=%v", p.status, called)
	}
	if !strings.Contains(admin.get("/").body, `href="/settings"`) {
		t.Fatalf("admin lacks the settings link")
	}
	unconfigured := newEnv(t, storagetest.SQLite(t)).signInAs(t, "admin", user.RoleAdmin)
	if p := unconfigured.submit("/settings", "/settings/wecom/test", nil); p.status != http.StatusServiceUnavailable {
		t.Fatalf("unconfigured check: %d", p.status)
	}
}

// TestSettings_TryCredentials tries credentials typed on the page against a
// fake WeCom; the audit log keeps the try with the keys blanked.
func TestSettings_TryCredentials(t *testing.T) {
	fake := wecomtest.New(wecomtest.WithCorp("wwnew", "new-app-secret"))
	t.Cleanup(fake.Close)
	e := newEnv(t, storagetest.SQLite(t), func(o *web.Options) {
		o.WeComTry = func(ctx context.Context, c wecom.Credentials) error { return wecom.TryCredentials(ctx, fake.URL, c) }
	})
	b := e.signInAs(t, "admin", user.RoleAdmin)
	const aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	for _, c := range []struct {
		name  string
		form  url.Values
		flash string
		kind  string
	}{
		{"works", url.Values{"corp_id": {"wwnew"}, "secret": {"new-app-secret"}, "token": {"tok"}, "encoding_aes_key": {aesKey}}, "连接成功", "flash-ok"},
		{"refused", url.Values{"corp_id": {"wwnew"}, "secret": {"wrong-secret"}}, "连接失败", "flash-error"},
		{"incomplete", url.Values{"corp_id": {"wwnew"}, "encoding_aes_key": {aesKey}}, "凭据不完整", "flash-error"},
	} {
		if p := b.submit("/settings", "/settings/wecom/try", c.form); p.status != http.StatusSeeOther || p.location != "/settings" {
			t.Fatalf("%s: %d %q", c.name, p.status, p.location)
		}
		mustContain(t, c.name, texts(t, b.get("/settings").body, "p", c.kind), c.flash)
	}
	entries, _, err := e.audit.List(t.Context(), audit.Filter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	tries := 0
	for _, en := range entries {
		if !strings.Contains(en.Action, "/settings/wecom/try") {
			continue
		}
		tries++
		if s := string(en.After); strings.Contains(s, "new-app-secret") || strings.Contains(s, aesKey) || strings.Contains(s, `"tok"`) {
			t.Errorf("audit entry keeps a key: %s", s)
		}
	}
	if tries != 3 {
		t.Errorf("audit entries of tries: %d, want 3", tries)
	}
	if p := e.signInAs(t, "op", user.RoleOperator).submit("/scripts", "/settings/wecom/try", url.Values{"corp_id": {"wwnew"}}); p.status != http.StatusForbidden && p.status != http.StatusNotFound {
		t.Errorf("operator trying credentials: %d", p.status)
	}
}
