// Package bot is the callback server's HTTP transport: it checks and decodes
// what WeCom, the AI bot and bridges send, records every accepted callback in
// the durable inbox before answering, and leaves the work to the inbox's
// dispatcher. It never does a capability's work inside a request: WeCom
// retries anything not answered within 5 seconds.
package bot

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/qunbot/qunbot/internal/httpx"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/metrics"
	"github.com/qunbot/qunbot/internal/wechat"
	"github.com/qunbot/qunbot/internal/wecom/callback"
)

// Inbox is where accepted callbacks are recorded; a duplicate delivery
// returns inserted == false and no error.
type Inbox interface {
	Record(ctx context.Context, e *inbox.Event) (inserted bool, err error)
}

// AIBotReplier computes the passive reply to an AI bot message, if any. It
// must be quick (it runs inside WeCom's answer window) and free of side
// effects: it is asked again when WeCom redelivers the same message, so the
// duplicate gets the same answer.
type AIBotReplier func(ctx context.Context, m callback.AIBotMessage) (reply []byte, ok bool)

// Options are the server's dependencies. A nil crypto or an empty bridge
// secret turns its endpoint off: it answers 404 with a message saying which
// configuration key enables it.
type Options struct {
	AppCrypto    *callback.Crypto // wecom.token, wecom.encoding_aes_key, wecom.corp_id
	AIBotCrypto  *callback.Crypto // aibot.token, aibot.encoding_aes_key
	BridgeSecret []byte           // bridge.secret
	WeChat       *wechat.Callback // wechat.app_id, wechat.token (and wechat.encoding_aes_key for safe mode)
	Inbox        Inbox
	// QRLanding serves a live code's landing page, GET /qr/{code}; nil
	// answers 501 saying live codes are not available.
	QRLanding   http.Handler
	Wake        func()                          // wakes the dispatcher after a new event
	Health      func(ctx context.Context) error // nil error: ready to serve
	AIBotReply  AIBotReplier
	WeChatReply WeChatReplier
	Metrics     *metrics.Metrics
	Logger      *slog.Logger
	Now         func() time.Time
}

// Server serves the bot's endpoints.
type Server struct {
	opts Options
	mux  *http.ServeMux
}

// New builds the server and its routes.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Metrics == nil {
		opts.Metrics = metrics.New()
	}
	if opts.Wake == nil {
		opts.Wake = func() {}
	}
	s := &Server{opts: opts, mux: http.NewServeMux()}
	s.routes()
	return s
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /wecom/callback", s.verifyURL("wecom", s.opts.AppCrypto))
	s.mux.HandleFunc("POST /wecom/callback", s.wecomCallback)
	s.mux.HandleFunc("GET /wecom/aibot", s.verifyURL("aibot", s.opts.AIBotCrypto))
	s.mux.HandleFunc("POST /wecom/aibot", s.aibotCallback)
	s.mux.HandleFunc("POST /bridge/messages", s.bridgeMessages)
	s.mux.HandleFunc("GET /wechat/callback", s.wechatVerify)
	s.mux.HandleFunc("POST /wechat/callback", s.wechatCallback)
	if s.opts.QRLanding != nil {
		s.mux.Handle("GET /qr/{code}", s.opts.QRLanding)
	} else {
		s.mux.HandleFunc("GET /qr/{code}", notYet("活码落地页尚未开通 (live QR codes are not available yet)"))
	}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.Handle("GET /metrics", s.opts.Metrics.Handler())
}

// ServeHTTP makes Server an http.Handler, with panic recovery and request
// logging around the routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	httpx.Chain(s.mux, httpx.Recover(s.opts.Logger), httpx.LogRequests(s.opts.Logger)).ServeHTTP(w, r)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if s.opts.Health != nil {
		if err := s.opts.Health(r.Context()); err != nil {
			s.opts.Logger.Warn("health check failed", "err", err)
			httpx.WriteError(w, http.StatusServiceUnavailable, "unavailable", "database not answering")
			return
		}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func notYet(message string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, http.StatusNotImplemented, "not_implemented", message)
	}
}
