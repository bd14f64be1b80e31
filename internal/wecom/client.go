// Package wecom is qunbot's outbound WeCom (企業微信) API client. It is the
// only package that talks to WeCom's server API: it uses PowerWeChat for
// tokens and HTTP, always checks errcode (the SDK returns err == nil on
// business errors), refreshes tokens on 40001/40014/42001 once for all
// concurrent callers, and classifies errors so the outbox knows what to retry.
package wecom

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultAPIBase is WeCom's public API host.
const DefaultAPIBase = "https://qyapi.weixin.qq.com"

// defaultTimeout bounds one HTTP exchange when Config.HTTPClient is nil.
const defaultTimeout = 10 * time.Second

// Config configures a Client.
type Config struct {
	CorpID  string
	AgentID int // the self-built app's agentid, used by message/send
	// Secret is the self-built app's secret: message/send, JS-SDK tickets,
	// and externalcontact/* unless ContactSecret is set.
	Secret string
	// ContactSecret is the 客戶聯系 secret, used for externalcontact/* when set.
	ContactSecret string
	// APIBase defaults to DefaultAPIBase; private deployments and egress
	// proxies change it.
	APIBase string
	// HTTPClient supplies the transport and, when non-zero, the timeout of
	// one exchange (default 10 s); its other fields are not used.
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// timeout bounds every exchange, token fetches included, so a stalled
// WeCom or proxy never blocks the outbox.
func (c Config) timeout() time.Duration {
	if c.HTTPClient == nil || c.HTTPClient.Timeout <= 0 {
		return defaultTimeout
	}
	return c.HTTPClient.Timeout
}

func (c Config) transport() http.RoundTripper {
	if c.HTTPClient == nil {
		return nil
	}
	return c.HTTPClient.Transport
}

// validate checks the config and fills in defaults.
func (c *Config) validate() error {
	if c.APIBase == "" {
		c.APIBase = DefaultAPIBase
	}
	c.APIBase = strings.TrimRight(c.APIBase, "/")
	u, err := url.Parse(c.APIBase)
	switch {
	case c.CorpID == "":
		return errors.New("wecom.corp_id is empty")
	case c.Secret == "":
		return errors.New("wecom.secret is empty")
	case c.AgentID < 0:
		return fmt.Errorf("wecom.agent_id %d is negative", c.AgentID)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("wecom.api_base %q is not an http(s) URL", c.APIBase)
	}
	return nil
}

// Client calls WeCom's server API. It is safe for concurrent use.
type Client struct {
	cfg     Config
	log     *slog.Logger
	app     *tokenSource // Secret
	contact *tokenSource // ContactSecret, or the app's when unset
	jsapi   ticketCache
	agent   ticketCache
}

// NewClient builds a client. Each client keeps its tokens in its own memory.
func NewClient(cfg Config) (*Client, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("wecom client: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	app, err := newTokenSource("app", cfg, cfg.Secret, log)
	if err != nil {
		return nil, fmt.Errorf("wecom client: %w", err)
	}
	c := &Client{cfg: cfg, log: log, app: app, contact: app}
	if cfg.ContactSecret != "" && cfg.ContactSecret != cfg.Secret {
		if c.contact, err = newTokenSource("contact", cfg, cfg.ContactSecret, log); err != nil {
			return nil, fmt.Errorf("wecom client: %w", err)
		}
	}
	return c, nil
}

// call performs one authenticated API call: it makes sure a token exists,
// sends, and on a rejected token refreshes it (once for all callers) and
// retries once. A non-zero errcode comes back as *APIError with the answer.
func (c *Client) call(ctx context.Context, ts *tokenSource, ex exchange) ([]byte, error) {
	if err := ts.ensure(ctx); err != nil {
		return nil, err
	}
	raw, used, err := do(ctx, c.cfg, ts.work, ts, ex)
	if err != nil {
		return nil, err
	}
	code, msg := parseErrcode(raw)
	if tokenRejected(code) {
		c.log.Info("wecom access token rejected, refreshing", "api", ex.api, "errcode", code)
		if err := ts.refresh(ctx, used); err != nil {
			return nil, err
		}
		if raw, _, err = do(ctx, c.cfg, ts.work, ts, ex); err != nil {
			return nil, err
		}
		code, msg = parseErrcode(raw)
	}
	return c.result(ex.api, raw, code, msg)
}

// callWebhook sends to the group-bot webhook, which takes a key instead of
// an access token.
func (c *Client) callWebhook(ctx context.Context, ex exchange) ([]byte, error) {
	raw, _, err := do(ctx, c.cfg, c.app.work, nil, ex)
	if err != nil {
		return nil, err
	}
	code, msg := parseErrcode(raw)
	return c.result(ex.api, raw, code, msg)
}

func (c *Client) result(api string, raw []byte, code int, msg string) ([]byte, error) {
	c.log.Debug("wecom call", "api", api, "errcode", code)
	if code != 0 {
		return raw, &APIError{API: api, Code: code, Message: msg}
	}
	return raw, nil
}

// tokenRejected reports errcodes that mean "fetch a new access token".
func tokenRejected(code int) bool {
	return code == 40001 || code == 40014 || code == 42001
}

// post sends a JSON body to an API authenticated by ts.
func (c *Client) post(ctx context.Context, ts *tokenSource, api string, body []byte) ([]byte, error) {
	return c.call(ctx, ts, exchange{method: http.MethodPost, api: api, body: body})
}
