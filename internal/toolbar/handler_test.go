package toolbar_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/script/match"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/toolbar"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
)

const (
	publicBase = "https://console.example.com"
	agentID    = 1000002
	pageURL    = publicBase + "/toolbar/"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

// env is the toolbar over a SQLite database and a fake WeCom.
type env struct {
	clock   *storagetest.Clock
	db      storagetest.DB
	store   *toolbar.Store
	scripts *script.Store
	engine  *script.Engine
	fake    *wecomtest.Server
	client  *wecom.Client
	h       http.Handler
}

func newEnv(t *testing.T, edit ...func(*toolbar.Options)) *env {
	t.Helper()
	e := &env{clock: storagetest.NewClock(time.Now().UTC().Truncate(time.Second)), db: storagetest.SQLite(t)}
	e.fake = wecomtest.New()
	t.Cleanup(e.fake.Close)
	c, err := wecom.NewClient(wecom.Config{CorpID: wecomtest.DefaultCorpID, Secret: wecomtest.DefaultSecret, AgentID: agentID, APIBase: e.fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	e.scripts = script.NewStore(e.db.DB, e.clock.Now)
	e.engine = script.NewEngine(e.scripts, nil)
	e.store = toolbar.NewStore(e.db.DB, e.engine, e.clock.Now)
	e.reload(t)
	return e.with(t, edit...)
}

// with returns e serving a toolbar built with edited options.
func (e *env) with(t *testing.T, edit ...func(*toolbar.Options)) *env {
	t.Helper()
	opts := toolbar.Options{Store: e.store, Scripts: e.scripts, Engine: e.engine, WeCom: e.client,
		CorpID: wecomtest.DefaultCorpID, AgentID: agentID, PublicBase: publicBase, SessionSecret: secret, Now: e.clock.Now}
	for _, fn := range edit {
		fn(&opts)
	}
	next := *e
	next.h = toolbar.New(opts)
	return &next
}

func (e *env) reload(t *testing.T) {
	t.Helper()
	if err := e.engine.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// addScript stores a text script answering keyword and reloads the engine.
func (e *env) addScript(t *testing.T, title, keyword string, replies ...script.Reply) script.Script {
	t.Helper()
	sc := script.Script{Title: title, Keywords: []string{keyword}, MatchMode: match.ModeContains, Replies: replies, Enabled: true}
	if err := e.scripts.Create(context.Background(), "alice", &sc); err != nil {
		t.Fatalf("create script: %v", err)
	}
	e.reload(t)
	return sc
}

func (e *env) note(t *testing.T, chat, key, text string) {
	t.Helper()
	err := e.store.Note(context.Background(), toolbar.Question{ChatID: chat, MemberID: "wm" + key, MemberName: "王先生", MessageKey: key, Text: text})
	if err != nil {
		t.Fatal(err)
	}
}

// request is one request to the handler.
type request struct {
	method, path, body string
	cookies            []*http.Cookie
	header             map[string]string
}

func (e *env) do(t *testing.T, r request) *httptest.ResponseRecorder {
	t.Helper()
	if r.method == "" {
		r.method = http.MethodGet
	}
	req := httptest.NewRequest(r.method, publicBase+r.path, strings.NewReader(r.body))
	for _, c := range r.cookies {
		req.AddCookie(c)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	if r.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func cookieNamed(rec *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// startLogin opens the page without a session and returns WeCom's state and
// the browser's state cookie.
func (e *env) startLogin(t *testing.T) (string, *http.Cookie) {
	t.Helper()
	rec := e.do(t, request{path: "/toolbar/"})
	if rec.Code != http.StatusFound {
		t.Fatalf("GET /toolbar/ without session = %d, want 302", rec.Code)
	}
	loc, err := url.Parse(rec.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	c := cookieNamed(rec, "qunbot_toolbar_state")
	if c == nil {
		t.Fatal("no state cookie")
	}
	return loc.Query().Get("state"), c
}

func (e *env) callback(t *testing.T, code, state string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	return e.do(t, request{path: "/toolbar/oauth?code=" + url.QueryEscape(code) + "&state=" + url.QueryEscape(state), cookies: cookies})
}

// signIn goes through the OAuth flow as user and returns the session cookie.
func (e *env) signIn(t *testing.T, user string) *http.Cookie {
	t.Helper()
	state, sc := e.startLogin(t)
	rec := e.callback(t, e.fake.OAuthCode(user), state, sc)
	c := cookieNamed(rec, "qunbot_toolbar")
	if rec.Code != http.StatusSeeOther || c == nil {
		t.Fatalf("callback = %d %s, want 303 with a session", rec.Code, rec.Body)
	}
	return c
}

func decodeBody[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	return v
}

func TestPage_redirectsToOAuth(t *testing.T) {
	e := newEnv(t)
	rec := e.do(t, request{path: "/toolbar/"})
	loc := rec.Header().Get("Location")
	if rec.Code != http.StatusFound || !strings.HasPrefix(loc, toolbar.DefaultAuthorizeURL+"?appid="+wecomtest.DefaultCorpID+"&redirect_uri=") ||
		!strings.HasSuffix(loc, "&agentid=1000002#wechat_redirect") {
		t.Fatalf("= %d, Location %q", rec.Code, loc)
	}
	u, _ := url.Parse(loc)
	q := u.Query()
	if q.Get("redirect_uri") != publicBase+"/toolbar/oauth" || q.Get("response_type") != "code" || q.Get("scope") != "snsapi_base" {
		t.Errorf("authorize query = %v", q)
	}
	state := q.Get("state")
	if len(state) > 128 || strings.Trim(state, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		t.Errorf("state %q is not ≤128 a-zA-Z0-9 as WeCom requires", state)
	}
	c := cookieNamed(rec, "qunbot_toolbar_state")
	if c == nil || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/toolbar/" {
		t.Errorf("state cookie = %+v", c)
	}

	custom := newEnv(t, func(o *toolbar.Options) { o.AuthorizeURL = "https://sso.corp.example/oauth2/authorize" })
	if loc := custom.do(t, request{path: "/toolbar/"}).Header().Get("Location"); !strings.HasPrefix(loc, "https://sso.corp.example/oauth2/authorize?appid=") {
		t.Errorf("configured authorize host not used: %q", loc)
	}
}

func TestOAuthCallback(t *testing.T) {
	e := newEnv(t)
	state, stateCookie := e.startLogin(t)
	rec := e.callback(t, e.fake.OAuthCode("zhangsan"), state, stateCookie)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != pageURL {
		t.Fatalf("callback = %d to %q: %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	c := cookieNamed(rec, "qunbot_toolbar")
	if c == nil || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.MaxAge != 12*3600 || c.Path != "/toolbar/" {
		t.Fatalf("session cookie = %+v", c)
	}
	if page := e.do(t, request{path: "/toolbar/", cookies: []*http.Cookie{c}}); page.Code != http.StatusOK {
		t.Errorf("page with session = %d", page.Code)
	}

	other, otherCookie := e.startLogin(t)
	tests := []struct {
		name    string
		code    string
		state   string
		cookies []*http.Cookie
		status  int
		says    string
	}{
		{"state of another browser", e.fake.OAuthCode("zhangsan"), other, []*http.Cookie{stateCookie}, http.StatusBadRequest, "登录请求无效"},
		{"no state cookie", e.fake.OAuthCode("zhangsan"), other, nil, http.StatusBadRequest, "登录请求无效"},
		{"forged state", e.fake.OAuthCode("zhangsan"), otherCookie.Value + "1234567890" + strings.Repeat("0", 32), []*http.Cookie{otherCookie}, http.StatusBadRequest, "登录请求无效"},
		{"external user", e.fake.VisitorOAuthCode("oWechatUser"), other, []*http.Cookie{otherCookie}, http.StatusForbidden, "仅供本企业员工使用"},
		{"code used already", "CODE.member.1.eA.00", other, []*http.Cookie{otherCookie}, http.StatusBadRequest, "授权码已失效"},
		{"no code", "", other, []*http.Cookie{otherCookie}, http.StatusBadRequest, "没有返回授权码"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := e.callback(t, tt.code, tt.state, tt.cookies...)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.says) || cookieNamed(rec, "qunbot_toolbar") != nil {
				t.Errorf("= %d %s; want %d saying %q and no session", rec.Code, rec.Body, tt.status, tt.says)
			}
		})
	}

	t.Run("expired state", func(t *testing.T) {
		state, c := e.startLogin(t)
		e.clock.Advance(11 * time.Minute)
		if rec := e.callback(t, e.fake.OAuthCode("zhangsan"), state, c); rec.Code != http.StatusBadRequest {
			t.Errorf("= %d, want 400", rec.Code)
		}
	})
}

func TestSession_tamperedAndExpired(t *testing.T) {
	e := newEnv(t)
	good := e.signIn(t, "zhangsan")
	parts := strings.Split(good.Value, ".")
	forged := *good
	forged.Value = "bGlzaQ." + parts[1] + "." + parts[2] // "lisi" with zhangsan's MAC
	longer := *good
	longer.Value = parts[0] + ".9999999999." + parts[2]
	for name, c := range map[string]*http.Cookie{"other user": &forged, "later expiry": &longer, "garbage": {Name: "qunbot_toolbar", Value: "x"}} {
		t.Run(name, func(t *testing.T) {
			if rec := e.do(t, request{path: "/toolbar/api/scripts", cookies: []*http.Cookie{c}}); rec.Code != http.StatusUnauthorized {
				t.Errorf("API = %d, want 401", rec.Code)
			}
			if rec := e.do(t, request{path: "/toolbar/", cookies: []*http.Cookie{c}}); rec.Code != http.StatusFound {
				t.Errorf("page = %d, want a redirect to sign in", rec.Code)
			}
		})
	}
	if rec := e.do(t, request{path: "/toolbar/api/scripts", cookies: []*http.Cookie{good}}); rec.Code != http.StatusOK {
		t.Fatalf("good session = %d", rec.Code)
	}
	e.clock.Advance(12*time.Hour + time.Second)
	if rec := e.do(t, request{path: "/toolbar/api/scripts", cookies: []*http.Cookie{good}}); rec.Code != http.StatusUnauthorized {
		t.Errorf("after 12 h = %d, want 401", rec.Code)
	}
}

type configAnswer struct {
	Corp struct {
		AppID     string `json:"appId"`
		Timestamp int64  `json:"timestamp"`
		NonceStr  string `json:"nonceStr"`
		Signature string `json:"signature"`
	} `json:"corp"`
	Agent struct {
		CorpID    string `json:"corpid"`
		AgentID   int    `json:"agentid"`
		Timestamp int64  `json:"timestamp"`
		NonceStr  string `json:"nonceStr"`
		Signature string `json:"signature"`
	} `json:"agent"`
}

func TestConfig_signsPage(t *testing.T) {
	e := newEnv(t)
	session := e.signIn(t, "zhangsan")
	page := pageURL + "?from=toolbar"
	rec := e.do(t, request{path: "/toolbar/api/config?url=" + url.QueryEscape(page+"#section"), cookies: []*http.Cookie{session}})
	if rec.Code != http.StatusOK {
		t.Fatalf("config = %d %s", rec.Code, rec.Body)
	}
	got := decodeBody[configAnswer](t, rec)
	ctx := context.Background()
	corp, err := e.client.GetJSAPITicket(ctx)
	if err != nil {
		t.Fatal(err)
	}
	agent, err := e.client.GetAgentJSAPITicket(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Corp.AppID != wecomtest.DefaultCorpID || got.Corp.Timestamp != e.clock.Now().Unix() || got.Corp.NonceStr == "" ||
		got.Corp.Signature != wecom.SignJSAPI(corp.Value, got.Corp.NonceStr, got.Corp.Timestamp, page) {
		t.Errorf("corp signature = %+v", got.Corp)
	}
	if got.Agent.CorpID != wecomtest.DefaultCorpID || got.Agent.AgentID != agentID ||
		got.Agent.Signature != wecom.SignJSAPI(agent.Value, got.Agent.NonceStr, got.Agent.Timestamp, page) {
		t.Errorf("agent signature = %+v", got.Agent)
	}
	if n := len(e.fake.CallsTo("/cgi-bin/get_jsapi_ticket")); n != 1 {
		t.Errorf("ticket fetched %d times, want once (cached)", n)
	}

	for _, foreign := range []string{"https://evil.example.com/toolbar/", "http://console.example.com/toolbar/",
		"https://console.example.com/api/v1/scripts", "https://console.example.com/toolbar/../api/v1", "https://user@console.example.com/toolbar/"} {
		if rec := e.do(t, request{path: "/toolbar/api/config?url=" + url.QueryEscape(foreign), cookies: []*http.Cookie{session}}); rec.Code != http.StatusForbidden {
			t.Errorf("config for %s = %d, want 403", foreign, rec.Code)
		}
	}
	if rec := e.do(t, request{path: "/toolbar/api/config", cookies: []*http.Cookie{session}}); rec.Code != http.StatusBadRequest {
		t.Errorf("config without url = %d, want 400", rec.Code)
	}
	fresh := newEnv(t, func(o *toolbar.Options) { o.WeCom = failingTickets{} })
	if rec := fresh.do(t, request{path: "/toolbar/api/config?url=" + url.QueryEscape(pageURL), cookies: []*http.Cookie{fresh.signIn(t, "zhangsan")}}); rec.Code != http.StatusBadGateway {
		t.Errorf("config when WeCom fails = %d %s, want 502", rec.Code, rec.Body)
	}
}

// failingTickets signs people in through nobody and never gives a ticket.
type failingTickets struct{}

func (failingTickets) GetJSAPITicket(context.Context) (wecom.Ticket, error) {
	return wecom.Ticket{}, &wecom.NetworkError{API: "get_jsapi_ticket", StatusCode: 502}
}
func (failingTickets) GetAgentJSAPITicket(context.Context) (wecom.Ticket, error) {
	return wecom.Ticket{}, &wecom.NetworkError{API: "ticket/get", StatusCode: 502}
}
func (failingTickets) UserIDByCode(_ context.Context, code string) (string, error) {
	return "zhangsan", nil
}

type questionsAnswer struct {
	ChatID    string `json:"chat_id"`
	Questions []struct {
		MessageKey string `json:"message_key"`
		MemberName string `json:"member_name"`
		Text       string `json:"text"`
		Sent       bool   `json:"sent"`
		SentBy     string `json:"sent_by"`
		Why        string `json:"why"`
		Suggestion *struct {
			ScriptID int64        `json:"script_id"`
			Title    string       `json:"title"`
			Variant  int          `json:"variant"`
			Reply    script.Reply `json:"reply"`
			Text     string       `json:"text"`
			Why      string       `json:"why"`
			Sendable bool         `json:"sendable"`
			Manual   string       `json:"manual"`
		} `json:"suggestion"`
	} `json:"questions"`
}

func TestQuestions_withSuggestions(t *testing.T) {
	e := newEnv(t)
	hours := e.addScript(t, "营业时间", "营业时间", script.Reply{Type: script.ReplyText, Text: "每天 10:00-22:00 营业"})
	xss := e.addScript(t, "开发票", "发票", script.Reply{Type: script.ReplyText, Text: `<script>alert("x")</script> 请联系前台`})
	img := e.addScript(t, "停车指引", "停车", script.Reply{Type: script.ReplyImage, MediaURL: "https://cdn.example.com/park.png"})
	e.note(t, "wrA", "m1", "请问营业时间?")
	e.clock.Advance(time.Minute)
	e.note(t, "wrA", "m2", "可以开发票吗?")
	e.clock.Advance(time.Minute)
	e.note(t, "wrA", "m3", "停车怎么走?")
	e.clock.Advance(time.Minute)
	e.note(t, "wrA", "m4", "有会员卡吗?")
	e.note(t, "wrB", "b1", "营业时间是?")
	session := e.signIn(t, "zhangsan")

	rec := e.do(t, request{path: "/toolbar/api/chats/wrA/questions", cookies: []*http.Cookie{session}})
	if rec.Code != http.StatusOK {
		t.Fatalf("questions = %d %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "<script>") {
		t.Errorf("answer carries a raw <script>: %s", rec.Body)
	}
	got := decodeBody[questionsAnswer](t, rec)
	if len(got.Questions) != 4 || got.ChatID != "wrA" {
		t.Fatalf("questions = %+v, want wrA's 4", got)
	}
	want := []struct {
		key      string
		script   int64
		sendable bool
	}{{"m4", 0, false}, {"m3", img.ID, false}, {"m2", xss.ID, true}, {"m1", hours.ID, true}}
	for i, w := range want {
		q := got.Questions[i]
		switch {
		case q.MessageKey != w.key:
			t.Errorf("question %d = %s, want %s (newest first)", i, q.MessageKey, w.key)
		case w.script == 0 && (q.Suggestion != nil || q.Why == ""):
			t.Errorf("%s: suggestion %+v, why %q; want none, with why", w.key, q.Suggestion, q.Why)
		case w.script != 0 && (q.Suggestion == nil || q.Suggestion.ScriptID != w.script || q.Suggestion.Sendable != w.sendable || q.Suggestion.Why == ""):
			t.Errorf("%s: suggestion %+v, want script %d sendable=%v", w.key, q.Suggestion, w.script, w.sendable)
		}
	}
	if s := got.Questions[1].Suggestion; s == nil || !strings.Contains(s.Manual, "手动发送") || s.Text != "https://cdn.example.com/park.png" {
		t.Errorf("image suggestion = %+v, want a plain note that it is sent by hand", s)
	}
	if s := got.Questions[2].Suggestion; s == nil || s.Reply.Text != `<script>alert("x")</script> 请联系前台` {
		t.Errorf("script text not returned intact: %+v", s)
	}
	if got.Questions[3].MemberName != "王先生" || got.Questions[3].Sent {
		t.Errorf("m1 = %+v", got.Questions[3])
	}
}

func TestSearch(t *testing.T) {
	e := newEnv(t)
	e.addScript(t, "营业时间", "营业时间", script.Reply{Type: script.ReplyText, Text: "每天 10:00-22:00"},
		script.Reply{Type: script.ReplyLink, Title: "门店地图", URL: "https://example.com/map"})
	e.addScript(t, "退货流程", "退货", script.Reply{Type: script.ReplyText, Text: "7 天无理由"})
	off := script.Script{Title: "营业时间(旧)", Keywords: []string{"营业"}, MatchMode: match.ModeContains,
		Replies: []script.Reply{{Type: script.ReplyText, Text: "旧"}}}
	if err := e.scripts.Create(context.Background(), "alice", &off); err != nil {
		t.Fatal(err)
	}
	session := e.signIn(t, "zhangsan")
	type answer struct {
		Total   int64 `json:"total"`
		Scripts []struct {
			Title   string `json:"title"`
			Replies []struct {
				Variant  int    `json:"variant"`
				Text     string `json:"text"`
				Sendable bool   `json:"sendable"`
			} `json:"replies"`
		} `json:"scripts"`
	}
	tests := []struct {
		q      string
		titles string
	}{{"营业", "营业时间"}, {"退货", "退货流程"}, {"", "退货流程,营业时间"}, {"没有", ""}, {"100%", ""}}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			rec := e.do(t, request{path: "/toolbar/api/scripts?q=" + url.QueryEscape(tt.q), cookies: []*http.Cookie{session}})
			got := decodeBody[answer](t, rec)
			var titles []string
			for _, s := range got.Scripts {
				titles = append(titles, s.Title)
			}
			if rec.Code != http.StatusOK || strings.Join(titles, ",") != tt.titles {
				t.Errorf("= %d %v, want %q (enabled only)", rec.Code, titles, tt.titles)
			}
		})
	}
	rec := e.do(t, request{path: "/toolbar/api/scripts?q=" + url.QueryEscape("营业时间"), cookies: []*http.Cookie{session}})
	got := decodeBody[answer](t, rec)
	if len(got.Scripts) != 1 || len(got.Scripts[0].Replies) != 2 || got.Scripts[0].Replies[1].Variant != 1 ||
		!got.Scripts[0].Replies[1].Sendable || !strings.Contains(got.Scripts[0].Replies[1].Text, "https://example.com/map") {
		t.Errorf("replies = %+v", got.Scripts)
	}
}

func TestSent_recordedOnce(t *testing.T) {
	e := newEnv(t)
	sc := e.addScript(t, "营业时间", "营业时间", script.Reply{Type: script.ReplyText, Text: "每天 10:00-22:00"})
	e.note(t, "wrA", "m1", "营业时间几点?")
	session := e.signIn(t, "zhangsan")
	body := `{"chat_id":"wrA","message_key":"m1","script_id":` + itoa(sc.ID) + `,"variant":0,"send_id":"tap0000000001"}`
	for i, want := range []bool{true, false} {
		rec := e.do(t, request{method: "POST", path: "/toolbar/api/sent", body: body, cookies: []*http.Cookie{session},
			header: map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": publicBase}})
		got := decodeBody[struct {
			Recorded bool `json:"recorded"`
		}](t, rec)
		if rec.Code != http.StatusOK || got.Recorded != want {
			t.Fatalf("POST #%d = %d %s, want recorded=%v", i+1, rec.Code, rec.Body, want)
		}
	}
	var sends int64
	if err := e.db.Table("toolbar_sends").Count(&sends).Error; err != nil || sends != 1 {
		t.Errorf("toolbar_sends rows = %d, %v; want 1", sends, err)
	}
	var hits int64
	if err := e.db.Table("script_hits").Where("channel = ? AND script_id = ?", "toolbar", sc.ID).Count(&hits).Error; err != nil || hits != 1 {
		t.Errorf("script_hits rows for the toolbar = %d, %v; want 1", hits, err)
	}
	rec := e.do(t, request{path: "/toolbar/api/chats/wrA/questions", cookies: []*http.Cookie{session}})
	q := decodeBody[questionsAnswer](t, rec).Questions
	if len(q) != 1 || !q[0].Sent || q[0].SentBy != "zhangsan" {
		t.Errorf("question after send = %+v, want sent by zhangsan", q)
	}

	bad := []struct {
		name, body string
		status     int
	}{
		{"unknown script", `{"chat_id":"wrA","script_id":999,"variant":0}`, http.StatusNotFound},
		{"no such variant", `{"chat_id":"wrA","script_id":` + itoa(sc.ID) + `,"variant":3}`, http.StatusUnprocessableEntity},
		{"no chat", `{"script_id":` + itoa(sc.ID) + `,"variant":0}`, http.StatusUnprocessableEntity},
		{"bad send id", `{"chat_id":"wrA","script_id":` + itoa(sc.ID) + `,"variant":0,"send_id":"a b"}`, http.StatusUnprocessableEntity},
		{"unknown field", `{"chat_id":"wrA","script_id":1,"variant":0,"extra":1}`, http.StatusBadRequest},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if rec := e.do(t, request{method: "POST", path: "/toolbar/api/sent", body: tt.body, cookies: []*http.Cookie{session}}); rec.Code != tt.status {
				t.Errorf("= %d %s, want %d", rec.Code, rec.Body, tt.status)
			}
		})
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestSent_crossOriginRefused(t *testing.T) {
	e := newEnv(t)
	sc := e.addScript(t, "营业时间", "营业时间", script.Reply{Type: script.ReplyText, Text: "每天"})
	session := e.signIn(t, "zhangsan")
	body := `{"chat_id":"wrA","script_id":` + itoa(sc.ID) + `,"variant":0}`
	for name, hdr := range map[string]map[string]string{
		"fetch metadata": {"Sec-Fetch-Site": "cross-site"},
		"origin":         {"Origin": "https://evil.example.com"},
	} {
		t.Run(name, func(t *testing.T) {
			rec := e.do(t, request{method: "POST", path: "/toolbar/api/sent", body: body, cookies: []*http.Cookie{session}, header: hdr})
			if rec.Code != http.StatusForbidden {
				t.Errorf("= %d %s, want 403", rec.Code, rec.Body)
			}
		})
	}
	var sends int64
	if err := e.db.Table("toolbar_sends").Count(&sends).Error; err != nil || sends != 0 {
		t.Errorf("toolbar_sends rows = %d, %v; want none", sends, err)
	}
}

// node helpers over a parsed page.
func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	if match(n) {
		out = append(out, n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		out = append(out, findAll(c, match)...)
	}
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func byID(doc *html.Node, id string) *html.Node {
	if ns := findAll(doc, func(n *html.Node) bool { return n.Type == html.ElementNode && attr(n, "id") == id }); len(ns) == 1 {
		return ns[0]
	}
	return nil
}

func text(n *html.Node) string {
	var b strings.Builder
	for _, t := range findAll(n, func(n *html.Node) bool { return n.Type == html.TextNode }) {
		b.WriteString(t.Data)
	}
	return b.String()
}

func TestPage_elements(t *testing.T) {
	e := newEnv(t)
	user := `<b onclick="x()">店长</b>`
	rec := e.do(t, request{path: "/toolbar/", cookies: []*http.Cookie{e.signIn(t, user)}})
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("page = %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	doc, err := html.Parse(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"status", "question-list", "search-form", "search-q", "script-list"} {
		if byID(doc, id) == nil {
			t.Errorf("no #%s", id)
		}
	}
	if who := byID(doc, "who"); who == nil || text(who) != user {
		t.Errorf("#who = %v, want the user id as text", who)
	}
	if bs := findAll(doc, func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == "b" }); len(bs) != 0 {
		t.Error("the user id was parsed as markup")
	}
	var srcs []string
	for _, s := range findAll(doc, func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == "script" }) {
		srcs = append(srcs, attr(s, "src"))
		if text(s) != "" {
			t.Errorf("inline script %q: the CSP allows none", text(s))
		}
	}
	if len(srcs) != 3 || srcs[0] != "https://res.wx.qq.com/open/js/jweixin-1.2.0.js" ||
		srcs[1] != "https://open.work.weixin.qq.com/wwopen/js/jwxwork-1.0.0.js" || !strings.HasPrefix(srcs[2], "static/toolbar.js?v=") {
		t.Errorf("scripts = %q", srcs)
	}
	links := findAll(doc, func(n *html.Node) bool {
		return n.Type == html.ElementNode && n.Data == "link" && attr(n, "rel") == "stylesheet"
	})
	if len(links) != 1 || !strings.HasPrefix(attr(links[0], "href"), "static/toolbar.css?v=") {
		t.Errorf("stylesheets = %v", links)
	}
	if !strings.Contains(text(doc), "话术助手") || !strings.Contains(text(doc), "手动发送") {
		t.Error("page does not say what it is, or that images are sent by hand")
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self' https://res.wx.qq.com https://open.work.weixin.qq.com") {
		t.Errorf("CSP = %q", csp)
	}

	js := e.do(t, request{path: "/toolbar/" + srcs[2]})
	body, _ := io.ReadAll(js.Body)
	if js.Code != http.StatusOK || !strings.Contains(js.Header().Get("Cache-Control"), "immutable") || !strings.Contains(js.Header().Get("Content-Type"), "javascript") {
		t.Errorf("toolbar.js = %d %v", js.Code, js.Header())
	}
	for _, want := range []string{"wx.config", "wx.agentConfig", "'getContext'", "group_chat_tools", "请在客户群聊天工具栏中打开",
		"'getCurExternalChat'", "'sendChatMessage'", "msgtype: 'news'", "api('sent'"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("toolbar.js lacks %q", want)
		}
	}
	if strings.Contains(string(body), "innerHTML") || strings.Contains(string(body), "insertAdjacentHTML") {
		t.Error("toolbar.js parses text as HTML")
	}
}

func TestNotConfigured(t *testing.T) {
	tests := []struct {
		name string
		edit func(*toolbar.Options)
		says string
	}{
		{"no WeCom", func(o *toolbar.Options) { o.WeCom = nil }, "企业微信未配置,聊天工具栏不可用"},
		{"no corp id", func(o *toolbar.Options) { o.CorpID = "" }, "企业微信未配置,聊天工具栏不可用"},
		{"no agent id", func(o *toolbar.Options) { o.AgentID = 0 }, "企业微信未配置,聊天工具栏不可用"},
		{"no public base", func(o *toolbar.Options) { o.PublicBase = "" }, "公开地址"},
		{"short secret", func(o *toolbar.Options) { o.SessionSecret = []byte("short") }, "console.session_secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.edit)
			for _, path := range []string{"/toolbar/", "/toolbar/oauth?code=x&state=y"} {
				rec := e.do(t, request{path: path})
				if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), tt.says) ||
					!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
					t.Errorf("GET %s = %d %s; want 503 page saying %q", path, rec.Code, rec.Body, tt.says)
				}
			}
			if rec := e.do(t, request{path: "/toolbar/api/scripts"}); rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), tt.says) {
				t.Errorf("API = %d %s", rec.Code, rec.Body)
			}
		})
	}
}

func TestGroups_onlyOwnGroups(t *testing.T) {
	e := newEnv(t)
	e.fake.AddGroupChat(wecomtest.GroupChat{ChatID: "wrA", Owner: "zhangsan", Admins: []string{"lisi"},
		Members: []wecomtest.Member{{UserID: "wangwu", Type: wecomtest.MemberStaff}, {UserID: "wmGuest", Type: wecomtest.MemberExternal}}})
	e = e.with(t, func(o *toolbar.Options) { o.Groups = e.client })
	sc := e.addScript(t, "营业时间", "营业时间", script.Reply{Type: script.ReplyText, Text: "每天"})
	e.note(t, "wrA", "m1", "营业时间?")
	sent := `{"chat_id":"wrA","script_id":` + itoa(sc.ID) + `,"variant":0}`
	tests := []struct {
		user   string
		chat   string
		status int
	}{
		{"zhangsan", "wrA", http.StatusOK}, {"lisi", "wrA", http.StatusOK}, {"wangwu", "wrA", http.StatusOK},
		{"zhaoliu", "wrA", http.StatusForbidden}, {"wmGuest", "wrA", http.StatusForbidden}, {"zhangsan", "wrNone", http.StatusBadGateway},
	}
	for _, tt := range tests {
		t.Run(tt.user+"/"+tt.chat, func(t *testing.T) {
			session := []*http.Cookie{e.signIn(t, tt.user)}
			if rec := e.do(t, request{path: "/toolbar/api/chats/" + tt.chat + "/questions", cookies: session}); rec.Code != tt.status {
				t.Errorf("questions = %d %s, want %d", rec.Code, rec.Body, tt.status)
			}
			body := strings.Replace(sent, "wrA", tt.chat, 1)
			if rec := e.do(t, request{method: "POST", path: "/toolbar/api/sent", body: body, cookies: session}); rec.Code != tt.status {
				t.Errorf("sent = %d %s, want %d", rec.Code, rec.Body, tt.status)
			}
		})
	}
	if n := len(e.fake.CallsTo("/cgi-bin/externalcontact/groupchat/get")); n != 3 {
		t.Errorf("groupchat/get called %d times, want 3 (wrA once, cached; wrNone twice)", n)
	}
	e.clock.Advance(11 * time.Second)
	if err := e.fake.AddMember("wrA", wecomtest.Member{UserID: "zhaoliu", Type: wecomtest.MemberStaff}); err != nil {
		t.Fatal(err)
	}
	if rec := e.do(t, request{path: "/toolbar/api/chats/wrA/questions", cookies: []*http.Cookie{e.signIn(t, "zhaoliu")}}); rec.Code != http.StatusOK {
		t.Errorf("after joining = %d, want 200", rec.Code)
	}
}
