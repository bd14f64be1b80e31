package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"

	httpcontract "github.com/ArtisanCloud/PowerLibs/v3/http/contract"
	"github.com/ArtisanCloud/PowerLibs/v3/http/helper"
	"github.com/ArtisanCloud/PowerLibs/v3/object"
	"github.com/ArtisanCloud/PowerWeChat/v3/src/kernel"
	"github.com/ArtisanCloud/PowerWeChat/v3/src/work"
)

// maxResponse bounds how much of a WeCom answer is read.
const maxResponse = 8 << 20

// apiGetToken names the token endpoint in errors.
const apiGetToken = "gettoken"

// tokenSource is one app secret: PowerWeChat fetches, caches and applies its
// access token; qunbot serialises fetches and refreshes so that concurrent
// callers share one token (the SDK alone fetches one per goroutine on a cold
// cache, and refreshes once per failing call).
type tokenSource struct {
	name  string // "app" or "contact", for logs
	cfg   Config
	work  *work.Work
	token *kernel.AccessToken
	cache *tokenCache
	log   *slog.Logger
	mu    sync.Mutex // serialises token fetches
}

func newTokenSource(name string, cfg Config, secret string, log *slog.Logger) (*tokenSource, error) {
	cache := newTokenCache()
	app, err := newWork(cfg, secret, cache, log)
	if err != nil {
		return nil, err
	}
	ts := &tokenSource{name: name, cfg: cfg, work: app, token: app.GetAccessToken(), cache: cache, log: log}
	ts.token.HttpHelper.WithMiddleware(probeMiddleware)
	return ts, nil
}

// current returns the cached token, or "".
func (ts *tokenSource) current() string { return ts.cache.accessToken(ts.token.GetCacheKey()) }

// ensure makes sure a token is cached, fetching it once for all waiters.
func (ts *tokenSource) ensure(ctx context.Context) error {
	if ts.current() != "" {
		return nil
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.current() != "" {
		return nil
	}
	return ts.fetch(ctx, false)
}

// refresh replaces the token stale that WeCom rejected, unless another
// caller already did.
func (ts *tokenSource) refresh(ctx context.Context, stale string) error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if cur := ts.current(); cur != "" && cur != stale {
		return nil
	}
	return ts.fetch(ctx, true)
}

// fetch asks PowerWeChat for a token; ts.mu is held.
func (ts *tokenSource) fetch(ctx context.Context, force bool) error {
	probe := &tokenProbe{}
	ctx, cancel := context.WithTimeout(context.WithValue(ctx, probeKey{}, probe), ts.cfg.timeout())
	defer cancel()
	if _, err := ts.token.GetToken(ctx, force); err != nil {
		return probe.err(err)
	}
	ts.log.Info("wecom access token fetched", "secret", ts.name, "forced", force)
	return nil
}

// probeKey carries a tokenProbe in the context of a token fetch.
type probeKey struct{}

// tokenProbe records what gettoken answered, because PowerWeChat reports a
// rejected secret only as "Request access_token fail: &{...}".
type tokenProbe struct {
	status  int
	errcode int
	errmsg  string
}

// probeMiddleware fills the tokenProbe of the request's context, if any.
func probeMiddleware(handle httpcontract.RequestHandle) httpcontract.RequestHandle {
	return func(r *http.Request) (*http.Response, error) {
		resp, err := handle(r)
		probe, _ := r.Context().Value(probeKey{}).(*tokenProbe)
		if probe == nil || resp == nil {
			return resp, err
		}
		probe.status = resp.StatusCode
		raw, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
		resp.Body = io.NopCloser(bytes.NewReader(raw))
		if readErr == nil {
			probe.errcode, probe.errmsg = parseErrcode(raw)
		}
		return resp, err
	}
}

// err turns a failed fetch into an APIError or a NetworkError.
func (p *tokenProbe) err(cause error) error {
	switch {
	case p.errcode != 0:
		return &APIError{API: apiGetToken, Code: p.errcode, Message: p.errmsg}
	case p.status != 0 && p.status != http.StatusOK:
		return &NetworkError{API: apiGetToken, StatusCode: p.status}
	}
	return &NetworkError{API: apiGetToken, Err: cause}
}

// parseErrcode reads errcode and errmsg from a WeCom JSON answer.
func parseErrcode(raw []byte) (int, string) {
	var head struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if json.Unmarshal(raw, &head) != nil {
		return 0, ""
	}
	return head.ErrCode, head.ErrMsg
}

// exchange is one HTTP round trip through PowerWeChat.
type exchange struct {
	method string
	api    string // path under cgi-bin/
	query  url.Values
	body   []byte
}

// do sends one request with PowerWeChat's HTTP stack; when ts is not nil the
// SDK applies the cached access token. It returns the answer and the token used.
func do(ctx context.Context, cfg Config, app *work.Work, ts *tokenSource, ex exchange) ([]byte, string, error) {
	used := ""
	client, err := baseClient(cfg, app, ts, &used)
	if err != nil {
		return nil, "", fmt.Errorf("wecom %s: %w", ex.api, err)
	}
	resp, err := client.Request(ctx, "cgi-bin/"+ex.api, ex.method, ex.options(), false, nil, nil)
	if err != nil {
		return nil, used, &NetworkError{API: ex.api, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, used, &NetworkError{API: ex.api, StatusCode: resp.StatusCode}
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, used, &NetworkError{API: ex.api, Err: err}
	}
	return raw, used, nil
}

func (ex exchange) options() *object.HashMap {
	opts := object.HashMap{}
	if len(ex.query) > 0 {
		q := object.StringMap{}
		for k := range ex.query {
			q[k] = ex.query.Get(k)
		}
		opts["query"] = &q
	}
	if ex.body != nil {
		opts["form_params"] = json.RawMessage(ex.body)
	}
	return &opts
}

// baseClient builds a PowerWeChat BaseClient for one request. A fresh one
// per request because BaseClient writes per-request state into itself (a
// data race when shared), and it carries only the SDK's access-token
// middleware: refresh and retry on 40001/40014/42001 is done by qunbot,
// serialised across callers.
func baseClient(cfg Config, app *work.Work, ts *tokenSource, used *string) (*kernel.BaseClient, error) {
	h, err := helper.NewRequestHelper(&helper.Config{
		BaseUrl:      cfg.APIBase + "/",
		ClientConfig: &httpcontract.ClientConfig{Timeout: cfg.timeout(), Transport: cfg.transport()},
	})
	if err != nil {
		return nil, err
	}
	client := &kernel.BaseClient{HttpHelper: h, App: app, Logger: sdkLogger{log: slog.New(slog.DiscardHandler)}}
	if ts != nil {
		client.Token = ts.token
		client.OverrideGetMiddlewareOfAccessToken()
		h.WithMiddleware(client.GetMiddlewareOfAccessToken, recordToken(used))
	}
	return client, nil
}

// recordToken notes which access token the SDK put on the request.
func recordToken(used *string) httpcontract.RequestMiddleware {
	return func(handle httpcontract.RequestHandle) httpcontract.RequestHandle {
		return func(r *http.Request) (*http.Response, error) {
			*used = r.URL.Query().Get("access_token")
			return handle(r)
		}
	}
}

// Check fetches fresh access tokens for the app secret and, when it differs,
// the customer-contact secret: the console's "test connection". Its error
// says what WeCom refused (a wrong secret, an IP outside 企业可信IP, …).
func (c *Client) Check(ctx context.Context) error {
	for _, ts := range []*tokenSource{c.app, c.contact} {
		ts.mu.Lock()
		err := ts.fetch(ctx, true)
		ts.mu.Unlock()
		if err != nil {
			return fmt.Errorf("wecom %s secret: %w", ts.name, err)
		}
		if c.contact == c.app {
			break
		}
	}
	return nil
}
