package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/user"
)

// userID is the id of the user called name.
func (e *env) userID(t *testing.T, name string) int64 {
	t.Helper()
	users, err := e.users.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Username == name {
			return u.ID
		}
	}
	t.Fatalf("no user %s", name)
	return 0
}

func TestUsers_CreateEditPassword(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		b := e.signInAs(t, "root", user.RoleAdmin)
		bad := url.Values{"username": {"<b>新人</b>"}, "role": {"staff"}, "password": {"short"}}
		p := b.submit("/users/new", "/users/new", bad)
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad user: %d %.1000s", p.status, p.body)
		}
		errs := texts(t, p.body, "p", "field-error")
		mustContain(t, "stores", errs, "至少要关联一个门店")
		if strings.Contains(p.body, "<b>新人") {
			t.Fatal("unescaped")
		}
		if p := b.submit("/users/new", "/users/new", url.Values{"username": {"x"}, "role": {"staff"}, "store_ids": {"1,abc"}, "password": {password}}); p.status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.body, "门店编号须为正整数") {
			t.Fatalf("bad stores: %d", p.status)
		}
		good := url.Values{"username": {"clerk"}, "display_name": {"小张 <i>x</i>"}, "role": {"staff"}, "store_ids": {"1, 2"},
			"password": {password}, "must_change_password": {"on"}}
		p = b.submit("/users/new", "/users/new", good)
		if p.status != http.StatusSeeOther {
			t.Fatalf("create: %d %.1500s", p.status, p.body)
		}
		id := e.userID(t, "clerk")
		u, _ := e.users.Get(context.Background(), id)
		if u.Role != user.RoleStaff || len(u.StoreIDs) != 2 || !u.MustChangePassword || u.DisplayName != "小张 <i>x</i>" {
			t.Fatalf("stored %+v", u)
		}
		edit := url.Values{"display_name": {"小张"}, "role": {"operator"}, "disabled": {"on"}}
		if p := b.submit(p.location, p.location, edit); p.status != http.StatusSeeOther {
			t.Fatalf("update: %d %.1000s", p.status, p.body)
		}
		if u, _ := e.users.Get(context.Background(), id); u.Role != user.RoleOperator || !u.Disabled {
			t.Fatalf("updated %+v", u)
		}
		// Admins cannot lock themselves out.
		self := "/users/" + itoa(e.userID(t, "root"))
		if p := b.submit(self, self, url.Values{"role": {"operator"}}); p.status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.body, "不能停用自己") {
			t.Fatalf("self demotion: %d", p.status)
		}
		where := "/users/" + itoa(id)
		if p := b.submit(where, where+"/password", url.Values{"password": {"short"}}); p.status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.body, "密码至少") {
			t.Fatalf("short password: %d", p.status)
		}
		if p := b.submit(where, where+"/password", url.Values{"password": {"another long password"}}); p.status != http.StatusSeeOther {
			t.Fatalf("reset: %d %.1000s", p.status, p.body)
		}
		mustContain(t, "list", texts(t, b.get("/users").body, "td", "name"), "clerk")
		// The audit log has the changes, passwords left out, filtered by actor.
		page := b.get("/audit?actor=root")
		if page.status != http.StatusOK || strings.Contains(page.body, "another long password") || strings.Contains(page.body, password) {
			t.Fatalf("audit: %d %.2000s", page.status, page.body)
		}
		mustContain(t, "audit", texts(t, page.body, "td", "actor"), "root")
		if got := texts(t, b.get("/audit?actor=nobody").body, "td", "actor"); len(got) != 0 {
			t.Fatalf("filtered audit: %q", got)
		}
	})
}

var tokenRE = regexp.MustCompile(`<code class="token-value">([^<]+)</code>`)

func TestTokens_CreateRevoke(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		b := e.signInAs(t, "root", user.RoleAdmin)
		e.addUser(t, "robot", user.RoleOperator)
		rid := itoa(e.userID(t, "robot"))
		p := b.submit("/users", "/tokens/new", url.Values{"name": {""}, "user_id": {rid}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "令牌名称必填") {
			t.Fatalf("no name: %d", p.status)
		}
		p = b.submit("/users", "/tokens/new", url.Values{"name": {"CRM <script>x</script>"}, "user_id": {rid}})
		m := tokenRE.FindStringSubmatch(p.body)
		if p.status != http.StatusOK || m == nil {
			t.Fatalf("create: %d %.2000s", p.status, p.body)
		}
		if strings.Contains(p.body, "<script>x") {
			t.Fatal("unescaped")
		}
		if u, err := e.users.ByToken(context.Background(), m[1]); err != nil || u.Username != "robot" {
			t.Fatalf("token acts as %+v, %v", u, err)
		}
		if list := b.get("/users").body; strings.Contains(list, m[1]) {
			t.Fatal("the token value is shown again")
		}
		tokens, _ := e.users.Tokens(context.Background(), 0)
		if p := b.submit("/users", "/tokens/"+itoa(tokens[0].ID)+"/revoke", nil); p.status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", p.status)
		}
		if _, err := e.users.ByToken(context.Background(), m[1]); err == nil {
			t.Fatal("revoked token still works")
		}
	})
}

func TestUsers_Refused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		op := e.signInAs(t, "op", user.RoleOperator)
		for _, path := range []string{"/users", "/users/new", "/audit"} {
			if p := op.get(path); p.status != http.StatusForbidden {
				t.Fatalf("operator %s: %d", path, p.status)
			}
		}
		e.addUser(t, "clerk", user.RoleStaff, 1)
		if p := e.signIn(t, "clerk").get("/users"); p.status != http.StatusForbidden {
			t.Fatalf("staff: %d", p.status)
		}
		admin := e.signInAs(t, "root", user.RoleAdmin)
		if p := admin.post("/users/new", url.Values{"username": {"x"}, "role": {"operator"}, "password": {password}}); p.status != http.StatusForbidden {
			t.Fatalf("no csrf: %d", p.status)
		}
		if p := admin.post("/tokens/new", url.Values{"name": {"x"}, "user_id": {"1"}}); p.status != http.StatusForbidden {
			t.Fatalf("token without csrf: %d", p.status)
		}
		if n, _ := e.users.Count(context.Background()); n != 3 {
			t.Fatalf("users: %d", n)
		}
	})
}
