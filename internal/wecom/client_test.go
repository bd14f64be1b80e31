package wecom_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
)

const (
	agentID       = 1000002
	contactSecret = "fake-contact-secret"
	welcomePath   = "/cgi-bin/externalcontact/send_welcome_msg"
	tokenPath     = "/cgi-bin/gettoken"
)

// TestMain runs the package with HOME pointing at an empty directory and
// fails the run if PowerWeChat wrote its token cache ($HOME/.ArtisanCloud)
// or its logs (./wechat) anywhere.
func TestMain(m *testing.M) {
	home, err := os.MkdirTemp("", "wecom-home-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Setenv("HOME", home)
	code := m.Run()
	for _, p := range []string{filepath.Join(home, ".ArtisanCloud"), "wechat"} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(os.Stderr, "PowerWeChat wrote %s during the tests\n", p)
			code = 1
		}
	}
	os.RemoveAll(home)
	os.Exit(code)
}

func newFake(t *testing.T, opts ...wecomtest.Option) *wecomtest.Server {
	t.Helper()
	fake := wecomtest.New(opts...)
	t.Cleanup(fake.Close)
	return fake
}

func newClient(t *testing.T, fake *wecomtest.Server, edit ...func(*wecom.Config)) *wecom.Client {
	t.Helper()
	cfg := wecom.Config{CorpID: wecomtest.DefaultCorpID, Secret: wecomtest.DefaultSecret, AgentID: agentID, APIBase: fake.URL}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := wecom.NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// lastCall returns the last call the fake received on path.
func lastCall(t *testing.T, fake *wecomtest.Server, path string) wecomtest.Call {
	t.Helper()
	calls := fake.CallsTo(path)
	if len(calls) == 0 {
		t.Fatalf("no call to %s; calls: %v", path, fake.Calls())
	}
	return calls[len(calls)-1]
}

// jsonBody decodes a recorded request body.
func jsonBody(t *testing.T, c wecomtest.Call) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(c.Body, &m); err != nil {
		t.Fatalf("body of %s is not JSON: %v: %s", c.Path, err, c.Body)
	}
	return m
}

// field reads a dotted path (a.b.0.c) from decoded JSON.
func field(t *testing.T, m any, path string) any {
	t.Helper()
	cur := m
	for _, key := range strings.Split(path, ".") {
		switch v := cur.(type) {
		case map[string]any:
			cur = v[key]
		case []any:
			var i int
			if _, err := fmt.Sscan(key, &i); err != nil || i >= len(v) {
				t.Fatalf("no element %s in %v", key, v)
			}
			cur = v[i]
		default:
			t.Fatalf("cannot read %q from %v", path, m)
		}
	}
	return cur
}

func assertFields(t *testing.T, c wecomtest.Call, want map[string]any) {
	t.Helper()
	body := jsonBody(t, c)
	for path, w := range want {
		if got := field(t, body, path); sprint(got) != sprint(w) {
			t.Errorf("%s %s = %v, want %v (body %s)", c.Path, path, got, w, c.Body)
		}
	}
}

// sprint formats decoded JSON and Go values alike (JSON numbers are float64).
func sprint(v any) string {
	if f, isFloat := v.(float64); isFloat && f == float64(int64(f)) {
		return fmt.Sprint(int64(f))
	}
	return fmt.Sprint(v)
}

func apiError(t *testing.T, err error) *wecom.APIError {
	t.Helper()
	var apiErr *wecom.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T) is not an *APIError", err, err)
	}
	return apiErr
}

func welcome(code string) wecom.WelcomeMsg {
	return wecom.WelcomeMsg{WelcomeCode: code, Text: &wecom.Text{Content: "歡迎"}}
}

func TestNewClient_invalidConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  wecom.Config
		want string
	}{
		{"no_corp", wecom.Config{Secret: "s"}, "corp_id"},
		{"no_secret", wecom.Config{CorpID: "c"}, "secret"},
		{"negative_agent", wecom.Config{CorpID: "c", Secret: "s", AgentID: -1}, "agent_id"},
		{"bad_base", wecom.Config{CorpID: "c", Secret: "s", APIBase: "ftp://x"}, "api_base"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wecom.NewClient(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewClient error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestClient_errors(t *testing.T) {
	tests := []struct {
		name      string
		code      int
		temporary bool
		retry     time.Duration
		mention   string
	}{
		{"rate_limited", 45009, true, time.Minute, "api freq out of limit"},
		{"concurrency_limited", 45033, true, 10 * time.Second, "concurrent"},
		{"system_busy", -1, true, 0, "system busy"},
		{"welcome_already_sent", 41051, false, 0, "started chatting"},
		{"ip_not_trusted", 60020, false, 0, "企業可信IP"},
		{"no_permission", 48002, false, 0, "可調用接口的應用"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake(t)
			c := newClient(t, fake)
			fake.FailNext(welcomePath, tt.code, 1)
			err := c.SendWelcomeMsg(context.Background(), welcome("w1"))
			apiErr := apiError(t, err)
			if apiErr.Code != tt.code || apiErr.API != wecom.APISendWelcomeMsg {
				t.Errorf("APIError = %+v, want code %d on %s", apiErr, tt.code, wecom.APISendWelcomeMsg)
			}
			if wecom.IsTemporary(err) != tt.temporary || wecom.RetryAfter(err) != tt.retry {
				t.Errorf("temporary=%v retryAfter=%v, want %v %v", wecom.IsTemporary(err), wecom.RetryAfter(err), tt.temporary, tt.retry)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
		})
	}
}

func TestClient_ipNotTrustedNamesTheIP(t *testing.T) {
	fake := newFake(t)
	c := newClient(t, fake)
	fake.FailNext(tokenPath, 60020, 1)
	err := c.SendWelcomeMsg(context.Background(), welcome("w1"))
	if apiErr := apiError(t, err); apiErr.API != "gettoken" || apiErr.Code != 60020 {
		t.Fatalf("error = %+v, want gettoken 60020", apiErr)
	}
	for _, want := range []string{"企業可信IP", "trusted IP list", "from ip: 127.0.0.1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestClient_tokenRefresh(t *testing.T) {
	tests := []struct {
		name   string
		reject func(fake *wecomtest.Server)
	}{
		{"expired_tokens", func(fake *wecomtest.Server) { fake.ExpireTokens() }},
		{"invalid_token_once", func(fake *wecomtest.Server) { fake.FailNext(welcomePath, 40014, 1) }},
		{"expired_token_once", func(fake *wecomtest.Server) { fake.FailNext(welcomePath, 42001, 1) }},
		{"invalid_credential_once", func(fake *wecomtest.Server) { fake.FailNext(welcomePath, 40001, 1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake(t)
			c := newClient(t, fake)
			ctx := context.Background()
			if err := c.SendWelcomeMsg(ctx, welcome("w1")); err != nil {
				t.Fatalf("first send: %v", err)
			}
			tt.reject(fake)
			if err := c.SendWelcomeMsg(ctx, welcome("w2")); err != nil {
				t.Fatalf("send after token rejection: %v", err)
			}
			if n := len(fake.CallsTo(tokenPath)); n != 2 {
				t.Errorf("gettoken called %d times, want 2 (initial + refresh)", n)
			}
			calls := fake.CallsTo(welcomePath)
			if len(calls) != 3 || calls[1].ErrCode == 0 || calls[2].ErrCode != 0 || string(calls[2].Body) != string(calls[1].Body) {
				t.Errorf("want rejected call retried once with the same body, got %+v", calls)
			}
		})
	}
}

func TestClient_tokenRejectedTwiceIsTemporary(t *testing.T) {
	fake := newFake(t)
	c := newClient(t, fake)
	fake.FailNext(welcomePath, 42001, 2)
	err := c.SendWelcomeMsg(context.Background(), welcome("w1"))
	if apiErr := apiError(t, err); apiErr.Code != 42001 || !wecom.IsTemporary(err) {
		t.Fatalf("error = %v, want temporary 42001 after one retry", err)
	}
	if n := len(fake.CallsTo(welcomePath)); n != 2 {
		t.Errorf("send_welcome_msg called %d times, want 2 (one retry only)", n)
	}
}

func TestClient_badCredentials(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*wecom.Config)
		code    int
		mention string
	}{
		{"wrong_secret", func(c *wecom.Config) { c.Secret = "wrong" }, 40001, "wecom.secret"},
		{"wrong_contact_secret", func(c *wecom.Config) { c.ContactSecret = "wrong" }, 40001, "wecom.contact_secret"},
		{"wrong_corp", func(c *wecom.Config) { c.CorpID = "wwnobody" }, 40013, "wecom.corp_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake(t)
			c := newClient(t, fake, tt.edit)
			err := c.SendWelcomeMsg(context.Background(), welcome("w1"))
			apiErr := apiError(t, err)
			if apiErr.API != "gettoken" || apiErr.Code != tt.code || wecom.IsTemporary(err) {
				t.Fatalf("error = %v (temporary %v), want permanent gettoken %d", err, wecom.IsTemporary(err), tt.code)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
			if n := len(fake.CallsTo(welcomePath)); n != 0 {
				t.Errorf("API called %d times without a token", n)
			}
		})
	}
}

func TestClient_Check(t *testing.T) {
	fake := newFake(t)
	if err := newClient(t, fake).Check(context.Background()); err != nil {
		t.Fatalf("right credentials: %v", err)
	}
	for _, edit := range []func(*wecom.Config){
		func(c *wecom.Config) { c.Secret = "wrong" },
		func(c *wecom.Config) { c.ContactSecret = "wrong" },
	} {
		err := newClient(t, fake, edit).Check(context.Background())
		if apiErr := apiError(t, err); apiErr.Code != 40001 {
			t.Errorf("wrong secret: %v", err)
		}
	}
}

func TestClient_networkErrors(t *testing.T) {
	t.Run("server_down", func(t *testing.T) {
		fake := wecomtest.New()
		c := newClient(t, fake)
		fake.Close()
		err := c.SendWelcomeMsg(context.Background(), welcome("w1"))
		var netErr *wecom.NetworkError
		if !errors.As(err, &netErr) || !wecom.IsTemporary(err) {
			t.Fatalf("error = %v (%T), want a temporary *NetworkError", err, err)
		}
	})
	tests := []struct {
		status    int
		temporary bool
	}{{502, true}, {429, true}, {404, false}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("http_%d", tt.status), func(t *testing.T) {
			fake := newFake(t)
			c := newClient(t, fake)
			fake.FailNextStatus(welcomePath, tt.status, 1)
			err := c.SendWelcomeMsg(context.Background(), welcome("w1"))
			var netErr *wecom.NetworkError
			if !errors.As(err, &netErr) || netErr.StatusCode != tt.status || wecom.IsTemporary(err) != tt.temporary {
				t.Fatalf("error = %v, want *NetworkError %d temporary=%v", err, tt.status, tt.temporary)
			}
		})
	}
}

func TestClient_concurrentCallsFetchTokenOnce(t *testing.T) {
	fake := newFake(t)
	c := newClient(t, fake)
	ctx := context.Background()
	sendAll := func(round string) {
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for i := range 20 {
			wg.Go(func() { errs <- c.SendWelcomeMsg(ctx, welcome(fmt.Sprintf("%s-%d", round, i))) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("%s: %v", round, err)
			}
		}
	}
	sendAll("cold")
	if n := len(fake.CallsTo(tokenPath)); n != 1 {
		t.Errorf("cold cache: gettoken called %d times by 20 goroutines, want 1", n)
	}
	fake.ExpireTokens()
	sendAll("expired")
	if n := len(fake.CallsTo(tokenPath)); n != 2 {
		t.Errorf("after expiry: gettoken called %d times in total, want 2", n)
	}
}

func TestClient_contactSecretForExternalContact(t *testing.T) {
	fake := newFake(t, wecomtest.WithCorp(wecomtest.DefaultCorpID, wecomtest.DefaultSecret, contactSecret), wecomtest.WithUsers("zhangsan"))
	c := newClient(t, fake, func(cfg *wecom.Config) { cfg.ContactSecret = contactSecret })
	ctx := context.Background()
	if err := c.SendWelcomeMsg(ctx, welcome("w1")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendAppMessage(ctx, wecom.AppMessage{ToUser: []string{"zhangsan"}, Text: &wecom.Text{Content: "x"}}); err != nil {
		t.Fatal(err)
	}
	var secrets []string
	for _, call := range fake.CallsTo(tokenPath) {
		secrets = append(secrets, call.Query.Get("corpsecret"))
	}
	if want := []string{contactSecret, wecomtest.DefaultSecret}; fmt.Sprint(secrets) != fmt.Sprint(want) {
		t.Fatalf("gettoken secrets = %v, want %v (welcome with the contact secret, then message/send with the app's)", secrets, want)
	}
	welcomeTok, appTok := lastCall(t, fake, welcomePath).Token, lastCall(t, fake, "/cgi-bin/message/send").Token
	if welcomeTok == appTok {
		t.Errorf("send_welcome_msg and message/send used the same token %q; want the contact and the app token", welcomeTok)
	}
}

// countingTransport counts the requests that went through it.
type countingTransport struct {
	mu    sync.Mutex
	paths []string
}

func (ct *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ct.mu.Lock()
	ct.paths = append(ct.paths, r.URL.Path)
	ct.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func TestClient_usesConfiguredTransport(t *testing.T) {
	fake := newFake(t, wecomtest.WithWebhookKeys("K"))
	rt := &countingTransport{}
	c := newClient(t, fake, func(cfg *wecom.Config) { cfg.HTTPClient = &http.Client{Transport: rt} })
	ctx := context.Background()
	if err := c.SendWelcomeMsg(ctx, welcome("w1")); err != nil {
		t.Fatal(err)
	}
	if err := c.SendWebhook(ctx, "K", wecom.WebhookMsg{Markdown: &wecom.Text{Content: "x"}}); err != nil {
		t.Fatal(err)
	}
	want := []string{tokenPath, welcomePath, "/cgi-bin/webhook/send"}
	if fmt.Sprint(rt.paths) != fmt.Sprint(want) {
		t.Errorf("transport saw %v, want %v", rt.paths, want)
	}
}

func TestClient_canceledContext(t *testing.T) {
	fake := newFake(t)
	c := newClient(t, fake)
	if err := c.SendWelcomeMsg(context.Background(), welcome("w1")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := c.SendWelcomeMsg(ctx, welcome("w2"))
	if !errors.Is(err, context.Canceled) || !wecom.IsTemporary(err) {
		t.Errorf("error = %v, want a temporary network error wrapping context.Canceled", err)
	}
}

// BenchmarkClient_Send measures the client's overhead per outbox send
// (PowerWeChat request building, token lookup, errcode check) against the
// local fake.
func BenchmarkClient_Send(b *testing.B) {
	fake := wecomtest.New(wecomtest.WithUsers("zhangsan"))
	defer fake.Close()
	c, err := wecom.NewClient(wecom.Config{CorpID: wecomtest.DefaultCorpID, Secret: wecomtest.DefaultSecret, AgentID: agentID, APIBase: fake.URL})
	if err != nil {
		b.Fatal(err)
	}
	payload := []byte(`{"touser":"zhangsan","msgtype":"text","text":{"content":"新工單"}}`)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Send(context.Background(), wecom.APIMessageSend, payload); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
