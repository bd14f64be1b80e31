package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/qunbot/qunbot/internal/audit"
	"github.com/qunbot/qunbot/internal/console"
	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/user"
)

const password = "a long enough password"

// browser is a client with a cookie jar, signed in as one user.
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
	csrf   string
}

type usersEnv struct {
	srv   *httptest.Server
	users *user.Store
	audit *audit.Store
}

func newUsersEnv(t *testing.T, db storagetest.DB) usersEnv {
	t.Helper()
	scripts := script.NewStore(db.DB, nil)
	users := user.NewStore(db.DB, nil, bcrypt.MinCost)
	log := audit.NewStore(db.DB, nil)
	srv := httptest.NewServer(console.New(console.Options{Scripts: scripts, Engine: script.NewEngine(scripts, nil), Users: users, Audit: log}))
	t.Cleanup(srv.Close)
	return usersEnv{srv: srv, users: users, audit: log}
}

func (e usersEnv) addUser(t *testing.T, name string, role user.Role, stores ...int64) user.User {
	t.Helper()
	u := user.User{Username: name, Role: role, StoreIDs: stores}
	if err := e.users.Create(context.Background(), &u, password); err != nil {
		t.Fatal(err)
	}
	return u
}

func (e usersEnv) signIn(t *testing.T, name string) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, base: e.srv.URL, client: &http.Client{Jar: jar}}
	var s struct {
		CSRFToken string `json:"csrf_token"`
	}
	if status, body := b.do("POST", "/api/v1/session", map[string]string{"username": name, "password": password}, &s); status != 200 {
		t.Fatalf("sign in %s: %d %s", name, status, body)
	}
	b.csrf = s.CSRFToken
	return b
}

func (b *browser) do(method, path string, body, out any) (int, string) {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, b.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if b.csrf != "" {
		req.Header.Set("X-CSRF-Token", b.csrf)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			b.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, string(raw)
}

func TestSession_RolesAndCSRF(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newUsersEnv(t, db)
		e.addUser(t, "boss", user.RoleAdmin)
		e.addUser(t, "ops", user.RoleOperator)
		e.addUser(t, "clerk", user.RoleStaff, 3)
		admin, ops, clerk := e.signIn(t, "boss"), e.signIn(t, "ops"), e.signIn(t, "clerk")

		tests := []struct {
			name   string
			who    *browser
			method string
			path   string
			body   any
			status int
		}{
			{"staff reads who they are", clerk, "GET", "/api/v1/session", nil, 200},
			{"staff cannot edit scripts", clerk, "POST", "/api/v1/scripts", openingHours(), 403},
			{"staff cannot list users", clerk, "GET", "/api/v1/users", nil, 403},
			{"operator edits scripts", ops, "POST", "/api/v1/scripts", openingHours(), 201},
			{"operator cannot list users", ops, "GET", "/api/v1/users", nil, 403},
			{"admin lists users", admin, "GET", "/api/v1/users", nil, 200},
			{"admin edits scripts", admin, "GET", "/api/v1/scripts", nil, 200},
		}
		for _, tt := range tests {
			if status, body := tt.who.do(tt.method, tt.path, tt.body, nil); status != tt.status {
				t.Errorf("%s: %d %s, want %d", tt.name, status, body, tt.status)
			}
		}

		// A change made with the cookie but without the CSRF token is refused.
		token := ops.csrf
		ops.csrf = ""
		if status, body := ops.do("POST", "/api/v1/scripts", openingHours(), nil); status != 403 || !strings.Contains(body, "CSRF") {
			t.Fatalf("no CSRF token: %d %s", status, body)
		}
		ops.csrf = "forged"
		if status, _ := ops.do("POST", "/api/v1/scripts", openingHours(), nil); status != 403 {
			t.Fatalf("forged CSRF token: %d", status)
		}
		ops.csrf = token

		// Signing out ends the session.
		if status, _ := ops.do("DELETE", "/api/v1/session", nil, nil); status != 204 {
			t.Fatalf("sign out: %d", status)
		}
		if status, _ := ops.do("GET", "/api/v1/scripts", nil, nil); status != 401 {
			t.Fatalf("after sign out: %d", status)
		}
	})
}

func TestSession_LoginRateLimitAndBadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newUsersEnv(t, db)
		e.addUser(t, "ops", user.RoleOperator)
		jar, _ := cookiejar.New(nil)
		b := &browser{t: t, base: e.srv.URL, client: &http.Client{Jar: jar}}
		for range 5 {
			if status, _ := b.do("POST", "/api/v1/session", map[string]string{"username": "ops", "password": "wrong password!"}, nil); status != 401 {
				t.Fatalf("wrong password: %d", status)
			}
		}
		if status, body := b.do("POST", "/api/v1/session", map[string]string{"username": "ops", "password": password}, nil); status != 429 {
			t.Fatalf("after 5 failures: %d %s", status, body)
		}
		if status, _ := b.do("POST", "/api/v1/session", "not an object", nil); status != 400 {
			t.Fatalf("bad body: %d", status)
		}
	})
}

func TestUsersAPI_TokensPasswordsAndAudit(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newUsersEnv(t, db)
		e.addUser(t, "boss", user.RoleAdmin)
		admin := e.signIn(t, "boss")

		var created user.User
		status, body := admin.do("POST", "/api/v1/users", map[string]any{"username": "clerk", "role": "staff", "store_ids": []int64{4}, "password": password}, &created)
		if status != 201 || !created.MustChangePassword {
			t.Fatalf("create user: %d %s", status, body)
		}
		if status, body := admin.do("POST", "/api/v1/users", map[string]any{"username": "x", "role": "staff", "password": password}, nil); status != 422 || !strings.Contains(body, "store_ids") {
			t.Fatalf("staff without store: %d %s", status, body)
		}
		clerk := e.signIn(t, "clerk")
		var sess struct {
			CSRFToken string `json:"csrf_token"`
		}
		if status, body := clerk.do("PUT", "/api/v1/session/password", map[string]string{"old_password": password, "new_password": "my own new password"}, &sess); status != 200 {
			t.Fatalf("change password: %d %s", status, body)
		}

		// An API token acts as its user.
		var tok struct {
			Value string `json:"value"`
		}
		if status, body := admin.do("POST", "/api/v1/tokens", map[string]any{"name": "CRM"}, &tok); status != 201 || !strings.HasPrefix(tok.Value, "qb_") {
			t.Fatalf("create token: %d %s", status, body)
		}
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/users", nil)
		req.Header.Set("Authorization", "Bearer "+tok.Value)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("token call: %v %v", resp.StatusCode, err)
		}
		resp.Body.Close()

		// Every change is in the audit log, with passwords blanked.
		var entries struct {
			Items []audit.Entry `json:"items"`
		}
		admin.do("GET", "/api/v1/audit?actor=boss", nil, &entries)
		if len(entries.Items) < 3 {
			t.Fatalf("audit entries: %+v", entries.Items)
		}
		raw, _ := json.Marshal(entries.Items)
		if strings.Contains(string(raw), password) || !strings.Contains(string(raw), "POST /api/v1/users") {
			t.Fatalf("audit log: %s", raw)
		}
		var clerkEntries struct {
			Items []audit.Entry `json:"items"`
		}
		admin.do("GET", "/api/v1/audit?actor="+url.QueryEscape("clerk"), nil, &clerkEntries)
		if len(clerkEntries.Items) != 1 || strings.Contains(string(clerkEntries.Items[0].After), "my own new password") {
			t.Fatalf("clerk's audit: %+v", clerkEntries.Items)
		}
	})
}
