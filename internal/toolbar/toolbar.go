// Package toolbar is the chat toolbar page (聊天工具栏): a page staff open
// inside a WeCom customer group chat. In groups where neither the AI bot nor
// a bridge can speak, it is the official way to answer from the script
// library: it lists the group's recent questions with the script the engine
// would answer with, searches the library, and sends the chosen answer into
// the group with WeCom's JS-SDK (sendChatMessage) at one tap.
//
// Staff sign in with WeCom OAuth2 (snsapi_base) into a signed 12-hour
// session cookie. The questions come from Store.Note, which the bridge's
// observe-only path calls; sends are recorded in this package's table and,
// once the script package accepts the "toolbar" channel, in the script hit
// log too.
package toolbar

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/wecom"
)

// Prefix is the path the handler serves; mount it there without stripping
// it (console: mux.Handle(toolbar.Prefix, h)).
const Prefix = "/toolbar/"

// DefaultAuthorizeURL is WeCom's web OAuth2 authorize page.
const DefaultAuthorizeURL = "https://open.weixin.qq.com/connect/oauth2/authorize"

// WeCom is what the toolbar needs of WeCom; *wecom.Client is one.
type WeCom interface {
	GetJSAPITicket(ctx context.Context) (wecom.Ticket, error)
	GetAgentJSAPITicket(ctx context.Context) (wecom.Ticket, error)
	UserIDByCode(ctx context.Context, code string) (string, error)
}

// ChatScopes tells a group's tags and store, so that scripts scoped to
// them can be suggested there; optional.
type ChatScopes interface {
	ChatScope(ctx context.Context, chatID string) (tags []string, store string, err error)
}

// Options are the toolbar's dependencies and settings.
type Options struct {
	Store   *Store
	Scripts *script.Store
	Engine  *script.Engine
	WeCom   WeCom // nil: WeCom is not configured
	Chats   ChatScopes
	Groups  Groups // optional: limit each staff member to their own groups
	CorpID  string
	AgentID int
	// PublicBase is the console's public URL as browsers reach it, e.g.
	// https://console.example.com (a path is allowed); the page is at
	// PublicBase + /toolbar/ and only URLs under it are signed.
	PublicBase    string
	SessionSecret []byte // console.session_secret; at least 16 bytes
	AuthorizeURL  string // default DefaultAuthorizeURL
	Logger        *slog.Logger
	Now           func() time.Time
}

// handler serves the toolbar.
type handler struct {
	opts    Options
	base    *url.URL
	sign    signer
	problem string // non-empty: why the toolbar cannot run, Chinese first
	pages   *template.Template
	assets  assets
	members memberCache
	mux     *http.ServeMux
}

// New returns the toolbar's handler for the paths under Prefix. A missing
// setting does not fail: every page then says, in Chinese, what is missing.
func New(opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.AuthorizeURL == "" {
		opts.AuthorizeURL = DefaultAuthorizeURL
	}
	h := &handler{opts: opts, sign: signer{key: opts.SessionSecret}, pages: parsePages(), assets: loadAssets()}
	h.base, h.problem = checkOptions(opts)
	if h.problem != "" {
		opts.Logger.Warn("chat toolbar unavailable", "reason", h.problem)
	}
	h.routes()
	protect := http.NewCrossOriginProtection()
	if h.base.Host != "" {
		_ = protect.AddTrustedOrigin(h.base.Scheme + "://" + h.base.Host)
	}
	return protect.Handler(securityHeaders(h.mux))
}

// Problems a configuration can have, as the page says them.
const (
	problemWeCom   = "企业微信未配置,聊天工具栏不可用 (WeCom is not configured: set wecom.corp_id, wecom.agent_id and wecom.secret)"
	problemBase    = "聊天工具栏未配置控制台公开地址,不可用 (set the console's public base URL, an absolute http(s) URL)"
	problemSecret  = "聊天工具栏未配置会话密钥,不可用 (set console.session_secret, at least 16 bytes)"
	problemLibrary = "聊天工具栏未接入话术库,不可用 (the script library is not wired)"
)

// checkOptions parses the public base and says what is missing, if anything.
func checkOptions(o Options) (*url.URL, string) {
	base, err := url.Parse(strings.TrimRight(o.PublicBase, "/"))
	if err != nil {
		base = &url.URL{}
	}
	switch {
	case o.WeCom == nil || o.CorpID == "" || o.AgentID <= 0:
		return base, problemWeCom
	case err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.User != nil:
		return base, problemBase
	case len(o.SessionSecret) < 16:
		return base, problemSecret
	case o.Store == nil || o.Scripts == nil || o.Engine == nil:
		return base, problemLibrary
	}
	return base, ""
}

func (h *handler) routes() {
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("GET /toolbar/static/{name}", h.static)
	h.mux.HandleFunc("GET /toolbar/{$}", h.configured(h.page))
	h.mux.HandleFunc("GET /toolbar/oauth", h.configured(h.oauthCallback))
	h.mux.Handle("GET /toolbar/api/config", h.api(h.config))
	h.mux.Handle("GET /toolbar/api/chats/{chat_id}/questions", h.api(h.questions))
	h.mux.Handle("GET /toolbar/api/scripts", h.api(h.searchScripts))
	h.mux.Handle("POST /toolbar/api/sent", h.api(h.sent))
	h.mux.HandleFunc("/toolbar/api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSONError(w, http.StatusNotFound, "not_found", "没有这个接口 (no such endpoint)")
	})
	h.mux.HandleFunc("/toolbar/", func(w http.ResponseWriter, r *http.Request) {
		h.errorPage(w, http.StatusNotFound, "页面不存在", "没有这个页面 (no such page)", false)
	})
}

// configured answers the error page instead of next while the toolbar
// cannot run.
func (h *handler) configured(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.problem != "" {
			h.errorPage(w, http.StatusServiceUnavailable, "聊天工具栏不可用", h.problem, false)
			return
		}
		next(w, r)
	}
}

// path is p (a path under Prefix) as browsers see it under PublicBase.
func (h *handler) path(p string) string { return strings.TrimRight(h.base.Path, "/") + p }

// public is the absolute URL of p under PublicBase.
func (h *handler) public(p string) string {
	u := *h.base
	u.Path, u.RawQuery, u.Fragment, u.RawPath = h.path(p), "", "", ""
	return u.String()
}

// securityHeaders keeps the pages out of other sites' frames and caches,
// and lets scripts load only from here and WeCom's JS-SDK hosts.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' https://res.wx.qq.com https://open.work.weixin.qq.com; "+
			"img-src 'self' data: https:; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}
