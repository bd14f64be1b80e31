package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/net/html"

	"github.com/qunbot/qunbot/internal/audit"
	"github.com/qunbot/qunbot/internal/console/web"
	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/org"
	"github.com/qunbot/qunbot/internal/schedule"
	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/ticket"
	"github.com/qunbot/qunbot/internal/user"
)

const password = "a long enough password"

// testNow is the clock of every test.
var testNow = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

// stores routes chat1 to store 1 and chat2 to store 2.
type stores struct{}

func (stores) Route(_ context.Context, chatID string) (ticket.Route, error) {
	switch chatID {
	case "chat1":
		return ticket.Route{StoreID: 1, StoreName: "一店"}, nil
	case "chat2":
		return ticket.Route{StoreID: 2, StoreName: "二店"}, nil
	}
	return ticket.Route{}, fault.ErrNotFound
}

// env is the pages over one test database.
type env struct {
	srv     *httptest.Server
	users   *user.Store
	scripts *script.Store
	tickets *ticket.Service
	audit   *audit.Store
	sched   *schedule.Store
	org     *org.Store
}

// newEnv serves the pages over db; extra set more of the options.
func newEnv(t testing.TB, db storagetest.DB, extra ...func(*web.Options)) *env {
	t.Helper()
	now := func() time.Time { return testNow }
	e := &env{users: user.NewStore(db.DB, nil, bcrypt.MinCost), scripts: script.NewStore(db.DB, nil),
		tickets: ticket.New(ticket.Options{DB: db.DB, Router: stores{}, Now: now}), audit: audit.NewStore(db.DB, nil),
		sched: schedule.NewStore(db.DB, now), org: org.NewStore(db.DB, now)}
	opts := web.Options{Users: e.users, Scripts: e.scripts, Engine: script.NewEngine(e.scripts, nil),
		Tickets: e.tickets, Audit: e.audit, Schedule: e.sched, Org: e.org, Now: now}
	for _, f := range extra {
		f(&opts)
	}
	h, err := web.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) addUser(t testing.TB, name string, role user.Role, stores ...int64) {
	t.Helper()
	u := user.User{Username: name, Role: role, StoreIDs: stores}
	if err := e.users.Create(context.Background(), &u, password); err != nil {
		t.Fatal(err)
	}
}

// openTicket opens a ticket in chat with content.
func (e *env) openTicket(t testing.TB, key, chat, content string) ticket.Ticket {
	t.Helper()
	around, _ := json.Marshal([]map[string]any{
		{"key": "m0", "member_name": "老李", "text": "昨天保养等了三个小时 <b>真的</b>", "at": testNow.Add(-time.Minute)},
		{"key": key, "member_name": "小张", "text": content, "at": testNow},
	})
	tk, _, err := e.tickets.Open(context.Background(), ticket.NewTicket{ComplaintKey: key, ChatID: chat, ChatName: "车友群",
		MemberName: "小张", PostedAt: testNow, Content: content, Context: string(around), Tier: ticket.TierMedium, TierName: "中度", AckMinutes: 30})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// browser is a person at the console: a cookie jar, no automatic
// redirects.
type browser struct {
	t      testing.TB
	base   string
	client *http.Client
}

func (e *env) browser(t testing.TB) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: e.srv.URL, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is an answer: status, where it redirects, and the body.
type page struct {
	status   int
	location string
	body     string
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(raw)}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post sends form as a browser does.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf is the token of the forms on path.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	p := b.get(path)
	m := csrfRE.FindStringSubmatch(p.body)
	if m == nil {
		b.t.Fatalf("GET %s: no csrf_token in %d %s", path, p.status, p.body)
	}
	return m[1]
}

// submit posts form from the page at from, with the page's CSRF token.
func (b *browser) submit(from, to string, form url.Values) page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", b.csrf(from))
	return b.post(to, form)
}

// signIn signs in as name.
func (e *env) signIn(t testing.TB, name string) *browser {
	t.Helper()
	b := e.browser(t)
	p := b.post("/login", url.Values{"username": {name}, "password": {password}, "next": {"/"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d %s", name, p.status, p.body)
	}
	return b
}

// texts are the texts of the elements of tag whose class list has class
// (any element of tag when class is empty), as a person reads them.
func texts(t testing.TB, body, tag, class string) []string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for n := range doc.Descendants() {
		if n.Type == html.ElementNode && n.Data == tag && (class == "" || hasClass(n, class)) {
			out = append(out, strings.Join(strings.Fields(textOf(n)), " "))
		}
	}
	return out
}

func hasClass(n *html.Node, class string) bool {
	for _, a := range n.Attr {
		if a.Key == "class" && strings.Contains(" "+a.Val+" ", " "+class+" ") {
			return true
		}
	}
	return false
}

func textOf(n *html.Node) string {
	var sb strings.Builder
	for c := range n.Descendants() {
		if c.Type == html.TextNode {
			sb.WriteString(c.Data)
		}
	}
	return sb.String()
}

// mustContain fails unless one of the texts contains want.
func mustContain(t testing.TB, what string, got []string, want string) {
	t.Helper()
	for _, g := range got {
		if strings.Contains(g, want) {
			return
		}
	}
	t.Fatalf("%s: no %q in %q", what, want, got)
}

func itoa(n int64) string { return fmt.Sprint(n) }

func auditFilter() audit.Filter { return audit.Filter{} }

// signInAs adds a user of role and signs them in.
func (e *env) signInAs(t testing.TB, name string, role user.Role) *browser {
	t.Helper()
	e.addUser(t, name, role)
	return e.signIn(t, name)
}
