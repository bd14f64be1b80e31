package wecomtest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
)

func start(t *testing.T, opts ...wecomtest.Option) *wecomtest.Server {
	t.Helper()
	s := wecomtest.New(opts...)
	t.Cleanup(s.Close)
	return s
}

// answer is a decoded WeCom JSON answer.
type answer map[string]any

func (a answer) code() int { f, _ := a["errcode"].(float64); return int(f) }

func (a answer) str(key string) string { s, _ := a[key].(string); return s }

// do sends one request to the fake and decodes the JSON answer.
func do(t *testing.T, s *wecomtest.Server, method, path string, query url.Values, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path+"?"+query.Encode(), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var a answer
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &a) != nil {
		t.Fatalf("%s %s: HTTP %d %s", method, path, resp.StatusCode, raw)
	}
	if _, hasMsg := a["errmsg"]; !hasMsg {
		t.Errorf("%s answer has no errmsg: %s", path, raw)
	}
	return a
}

func tokenFor(t *testing.T, s *wecomtest.Server, corpID, secret string) string {
	t.Helper()
	a := do(t, s, "GET", "/cgi-bin/gettoken", url.Values{"corpid": {corpID}, "corpsecret": {secret}}, "")
	if exp, _ := a["expires_in"].(float64); a.code() != 0 || a.str("access_token") == "" || exp <= 7000 || exp > 7200 {
		t.Fatalf("gettoken answered %v", a)
	}
	return a.str("access_token")
}

func token(t *testing.T, s *wecomtest.Server) string {
	t.Helper()
	return tokenFor(t, s, wecomtest.DefaultCorpID, wecomtest.DefaultSecret)
}

// post calls an authenticated API with a JSON body.
func post(t *testing.T, s *wecomtest.Server, tok, api, body string) answer {
	t.Helper()
	return do(t, s, "POST", "/cgi-bin/"+api, url.Values{"access_token": {tok}}, body)
}

func wantCode(t *testing.T, a answer, code int) {
	t.Helper()
	if a.code() != code {
		t.Errorf("errcode = %d (%s), want %d", a.code(), a.str("errmsg"), code)
	}
}

func TestGetToken(t *testing.T) {
	s := start(t, wecomtest.WithCorp("wwcorp", "app-secret", "contact-secret"))
	tests := []struct {
		name           string
		corpID, secret string
		code           int
		msg            string
	}{
		{"no_corpid", "", "app-secret", 41002, "corpid missing"},
		{"no_secret", "wwcorp", "", 41004, "corpsecret missing"},
		{"unknown_corp", "wwother", "app-secret", 40013, "invalid corpid"},
		{"wrong_secret", "wwcorp", "nope", 40001, "invalid credential"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := url.Values{}
			if tt.corpID != "" {
				q.Set("corpid", tt.corpID)
			}
			if tt.secret != "" {
				q.Set("corpsecret", tt.secret)
			}
			a := do(t, s, "GET", "/cgi-bin/gettoken", q, "")
			wantCode(t, a, tt.code)
			if !strings.HasPrefix(a.str("errmsg"), tt.msg) || !strings.Contains(a.str("errmsg"), "from ip: 127.0.0.1") {
				t.Errorf("errmsg = %q, want %q with the caller's IP", a.str("errmsg"), tt.msg)
			}
		})
	}
	t.Run("stable_within_validity", func(t *testing.T) {
		app := tokenFor(t, s, "wwcorp", "app-secret")
		if again := tokenFor(t, s, "wwcorp", "app-secret"); again != app {
			t.Errorf("second gettoken = %q, want the same %q", again, app)
		}
		if contact := tokenFor(t, s, "wwcorp", "contact-secret"); contact == app {
			t.Error("two secrets share one token")
		}
		s.ExpireTokens()
		if renewed := tokenFor(t, s, "wwcorp", "app-secret"); renewed == app {
			t.Error("gettoken after ExpireTokens returned the expired token")
		}
	})
}

func TestAccessTokenChecks(t *testing.T) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := start(t, wecomtest.WithClock(clock), wecomtest.WithGroupChats(wecomtest.GroupChat{ChatID: "wr1"}))
	tok := token(t, s)
	body := `{"chat_id":"wr1"}`
	wantCode(t, post(t, s, "", "externalcontact/groupchat/get", body), 41001)
	wantCode(t, post(t, s, "forged", "externalcontact/groupchat/get", body), 40014)
	wantCode(t, post(t, s, tok, "externalcontact/groupchat/get", body), 0)
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	wantCode(t, post(t, s, tok, "externalcontact/groupchat/get", body), 42001)
	s.ExpireTokens()
	fresh := token(t, s)
	wantCode(t, post(t, s, fresh, "externalcontact/groupchat/get", body), 0)
	s.ExpireTokens()
	wantCode(t, post(t, s, fresh, "externalcontact/groupchat/get", body), 42001)
}

func TestFailNext(t *testing.T) {
	s := start(t)
	tok := token(t, s)
	s.FailNext("/cgi-bin/externalcontact/send_welcome_msg", 45009, 2)
	body := func(code string) string { return `{"welcome_code":"` + code + `","text":{"content":"hi"}}` }
	for i, want := range []int{45009, 45009, 0} {
		a := post(t, s, tok, "externalcontact/send_welcome_msg", body(fmt.Sprint(i)))
		wantCode(t, a, want)
		if want == 45009 && !strings.HasPrefix(a.str("errmsg"), "api freq out of limit") {
			t.Errorf("errmsg = %q", a.str("errmsg"))
		}
	}
	s.FailNext("/cgi-bin/gettoken", 60020, 1)
	a := do(t, s, "GET", "/cgi-bin/gettoken", url.Values{"corpid": {wecomtest.DefaultCorpID}, "corpsecret": {wecomtest.DefaultSecret}}, "")
	wantCode(t, a, 60020)

	s.FailNextStatus("/cgi-bin/externalcontact/send_welcome_msg", http.StatusBadGateway, 1)
	resp, err := http.Post(s.URL+"/cgi-bin/externalcontact/send_welcome_msg?access_token="+tok, "application/json", strings.NewReader(body("x")))
	if err != nil || resp.StatusCode != http.StatusBadGateway {
		t.Errorf("FailNextStatus: %v %v, want HTTP 502", resp.StatusCode, err)
	}
	resp.Body.Close()
}

func TestCallsAreRecorded(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []wecomtest.Call
	)
	s := start(t, wecomtest.WithOnCall(func(c wecomtest.Call) { mu.Lock(); seen = append(seen, c); mu.Unlock() }))
	tok := token(t, s)
	post(t, s, tok, "externalcontact/send_welcome_msg", `{"welcome_code":"c","text":{"content":"hi"}}`)
	post(t, s, tok, "externalcontact/send_welcome_msg", `{"welcome_code":"c","text":{"content":"hi"}}`)
	calls := s.CallsTo("/cgi-bin/externalcontact/send_welcome_msg")
	if len(calls) != 2 || calls[0].ErrCode != 0 || calls[1].ErrCode != 41051 {
		t.Fatalf("calls = %+v, want success then 41051", calls)
	}
	c := calls[0]
	if c.Method != "POST" || c.Token != tok || c.At.IsZero() || !strings.Contains(string(c.Body), `"welcome_code":"c"`) {
		t.Errorf("call = %+v", c)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 || len(s.Calls()) != 3 {
		t.Errorf("OnCall saw %d calls, Calls has %d; want 3 (gettoken + 2)", len(seen), len(s.Calls()))
	}
}

func TestRequestFormat(t *testing.T) {
	s := start(t)
	tok := token(t, s)
	wantCode(t, post(t, s, tok, "externalcontact/send_welcome_msg", `{not json`), 47001)
	wantCode(t, post(t, s, tok, "message/send", ``), 47001)
	resp, err := http.Get(s.URL + "/cgi-bin/nope?access_token=" + tok)
	if err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path: %v %v, want 404", resp.StatusCode, err)
	}
	resp.Body.Close()
}
