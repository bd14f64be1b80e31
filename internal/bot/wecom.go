package bot

import (
	"errors"
	"net/http"

	"github.com/qunbot/qunbot/internal/httpx"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/storage"
	"github.com/qunbot/qunbot/internal/wecom/callback"
)

// Sources recorded with each inbox event.
const (
	SourceWeCom  = "wecom"
	SourceAIBot  = "aibot"
	SourceBridge = "bridge"
)

// verifyURL answers WeCom's URL verification: the decrypted echostr, at once.
func (s *Server) verifyURL(endpoint string, c *callback.Crypto) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if c == nil {
			s.notConfigured(w, endpoint)
			return
		}
		q := r.URL.Query()
		plain, err := c.VerifyURL(callback.QueryFrom(q), q.Get("echostr"), s.opts.Now())
		if err != nil {
			s.reject(w, endpoint, err)
			return
		}
		s.count(endpoint, "verified")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write(plain)
	}
}

// wecomCallback records one encrypted app callback event.
func (s *Server) wecomCallback(w http.ResponseWriter, r *http.Request) {
	const endpoint = SourceWeCom
	c := s.opts.AppCrypto
	if c == nil {
		s.notConfigured(w, endpoint)
		return
	}
	plain, ok := s.open(w, r, endpoint, c, callback.EncryptedFromXML)
	if !ok {
		return
	}
	ev, err := callback.ParseEvent(plain)
	if err != nil {
		s.reject(w, endpoint, err)
		return
	}
	row := &inbox.Event{Source: SourceWeCom, Kind: ev.Kind(), DedupeKey: callback.DedupeKey(ev, plain), Payload: string(plain)}
	inserted, ok := s.record(w, r, endpoint, row)
	if !ok {
		return
	}
	// WeCom wants HTTP 200 with an empty body (or "success") to stop retrying.
	w.WriteHeader(http.StatusOK)
	s.wake(inserted)
}

// aibotCallback records one AI bot message and answers with the passive
// reply, when there is one.
func (s *Server) aibotCallback(w http.ResponseWriter, r *http.Request) {
	const endpoint = SourceAIBot
	c := s.opts.AIBotCrypto
	if c == nil {
		s.notConfigured(w, endpoint)
		return
	}
	plain, ok := s.open(w, r, endpoint, c, callback.EncryptedFromJSON)
	if !ok {
		return
	}
	msg, err := callback.ParseAIBotMessage(plain)
	if err != nil {
		s.reject(w, endpoint, err)
		return
	}
	row := &inbox.Event{Source: SourceAIBot, Kind: msg.Kind(), DedupeKey: msg.DedupeKey(), Payload: string(plain)}
	inserted, ok := s.record(w, r, endpoint, row)
	if !ok {
		return
	}
	// The passive reply is decided before the dispatcher hears of the
	// event, so its late path (response_url) sees the answer as given.
	s.aibotReply(w, r, c, msg)
	s.wake(inserted)
}

func (s *Server) aibotReply(w http.ResponseWriter, r *http.Request, c *callback.Crypto, msg callback.AIBotMessage) {
	if s.opts.AIBotReply == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	reply, ok := s.opts.AIBotReply(r.Context(), msg)
	if !ok {
		w.WriteHeader(http.StatusOK)
		return
	}
	q := callback.QueryFrom(r.URL.Query())
	body, err := callback.SealJSON(c, reply, q.Timestamp, q.Nonce)
	if err != nil {
		// The event is recorded; the dispatcher can still answer through
		// the message's response_url.
		s.opts.Logger.Error("seal aibot reply", "msg_id", msg.MsgID, "err", err)
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(body)
}

// open reads, size-checks and decrypts a callback body; on failure it has
// already answered.
func (s *Server) open(w http.ResponseWriter, r *http.Request, endpoint string, c *callback.Crypto, extract func([]byte) (string, error)) ([]byte, bool) {
	body, err := httpx.ReadBody(w, r, callback.MaxBodySize)
	if err != nil {
		s.reject(w, endpoint, err)
		return nil, false
	}
	encrypted, err := extract(body)
	if err != nil {
		s.reject(w, endpoint, err)
		return nil, false
	}
	plain, err := c.Open(callback.QueryFrom(r.URL.Query()), encrypted, s.opts.Now())
	if err != nil {
		s.reject(w, endpoint, err)
		return nil, false
	}
	return plain, true
}

// record stores one event and reports whether it was new; ok is false when
// it failed, and it has then answered with a status that makes the sender
// retry.
func (s *Server) record(w http.ResponseWriter, r *http.Request, endpoint string, row *inbox.Event) (inserted, ok bool) {
	inserted, err := s.opts.Inbox.Record(r.Context(), row)
	if err != nil {
		s.count(endpoint, "unavailable")
		s.opts.Logger.Error("record callback", "endpoint", endpoint, "kind", row.Kind, "dedupe_key", row.DedupeKey, "err", err)
		httpx.WriteError(w, http.StatusServiceUnavailable, "unavailable", "could not record the callback; retry later")
		return false, false
	}
	if !inserted {
		s.count(endpoint, "duplicate")
		return false, true
	}
	s.count(endpoint, "accepted")
	s.opts.Metrics.Recorded.WithLabelValues(row.Source, row.Kind).Inc()
	return true, true
}

// wake tells the dispatcher about a new event.
func (s *Server) wake(inserted bool) {
	if inserted {
		s.opts.Wake()
	}
}

// reject answers a callback that failed a check, with the status that tells
// the sender what went wrong.
func (s *Server) reject(w http.ResponseWriter, endpoint string, err error) {
	status, code := classify(err)
	s.count(endpoint, code)
	s.opts.Logger.Warn("callback rejected", "endpoint", endpoint, "reason", code, "err", err)
	httpx.WriteError(w, status, code, err.Error())
}

func classify(err error) (int, string) {
	switch {
	case errors.Is(err, httpx.ErrTooLarge):
		return http.StatusRequestEntityTooLarge, "too_large"
	case errors.Is(err, callback.ErrSignature):
		return http.StatusForbidden, "bad_signature"
	case errors.Is(err, callback.ErrStale):
		return http.StatusForbidden, "stale"
	case errors.Is(err, callback.ErrReceiveID):
		return http.StatusForbidden, "wrong_receive_id"
	case errors.Is(err, callback.ErrMalformed):
		return http.StatusBadRequest, "malformed"
	case errors.Is(err, storage.ErrUnavailable):
		return http.StatusServiceUnavailable, "unavailable"
	default:
		return http.StatusBadRequest, "malformed"
	}
}

func (s *Server) notConfigured(w http.ResponseWriter, endpoint string) {
	s.count(endpoint, "not_configured")
	key := map[string]string{
		SourceWeCom:  "wecom.token / wecom.encoding_aes_key / wecom.corp_id",
		SourceAIBot:  "aibot.token / aibot.encoding_aes_key",
		SourceBridge: "bridge.secret",
		SourceWeChat: "wechat.app_id / wechat.token",
	}[endpoint]
	httpx.WriteError(w, http.StatusNotFound, "not_configured", "此回調(diào)未配置 (endpoint not configured; set "+key+")")
}

func (s *Server) count(endpoint, result string) {
	s.opts.Metrics.Callbacks.WithLabelValues(endpoint, result).Inc()
}
