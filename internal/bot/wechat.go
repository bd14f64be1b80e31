package bot

import (
	"context"
	"errors"
	"net/http"

	"github.com/qunbot/qunbot/internal/httpx"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/wechat"
	"github.com/qunbot/qunbot/internal/wecom/callback"
)

// SourceWeChat marks events from the WeChat Official Account.
const SourceWeChat = "wechat"

// WeChatReplier computes the passive reply to an Official Account message,
// if any (a reply XML from wechat.TextReply or wechat.NewsReply). Like
// AIBotReplier it must be quick and give a redelivery the same answer.
type WeChatReplier func(ctx context.Context, m wechat.Message) (reply []byte, ok bool)

// wechatVerify answers the Official Account's URL verification.
func (s *Server) wechatVerify(w http.ResponseWriter, r *http.Request) {
	c := s.opts.WeChat
	if c == nil {
		s.notConfigured(w, SourceWeChat)
		return
	}
	echo, err := c.VerifyURL(r.URL.Query(), s.opts.Now())
	if err != nil {
		s.reject(w, SourceWeChat, wechatError(err))
		return
	}
	s.count(SourceWeChat, "verified")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(echo))
}

// wechatCallback records one Official Account message or event and answers
// with the passive reply, when there is one.
func (s *Server) wechatCallback(w http.ResponseWriter, r *http.Request) {
	const endpoint = SourceWeChat
	c := s.opts.WeChat
	if c == nil {
		s.notConfigured(w, endpoint)
		return
	}
	body, err := httpx.ReadBody(w, r, callback.MaxBodySize)
	if err != nil {
		s.reject(w, endpoint, err)
		return
	}
	plain, err := c.Open(r.URL.Query(), body, s.opts.Now())
	if err != nil {
		s.reject(w, endpoint, wechatError(err))
		return
	}
	msg, err := wechat.ParseMessage(plain)
	if err != nil {
		s.reject(w, endpoint, wechatError(err))
		return
	}
	row := &inbox.Event{Source: SourceWeChat, Kind: msg.Kind(), DedupeKey: wechat.DedupeKey(msg, plain), Payload: string(plain)}
	inserted, ok := s.record(w, r, endpoint, row)
	if !ok {
		return
	}
	s.wechatReply(w, r, c, msg)
	s.wake(inserted)
}

func (s *Server) wechatReply(w http.ResponseWriter, r *http.Request, c *wechat.Callback, msg wechat.Message) {
	// WeChat treats an empty body or "success" as "no reply".
	if s.opts.WeChatReply == nil {
		_, _ = w.Write([]byte("success"))
		return
	}
	reply, ok := s.opts.WeChatReply(r.Context(), msg)
	if !ok {
		_, _ = w.Write([]byte("success"))
		return
	}
	body, err := c.Reply(r.URL.Query(), reply, s.opts.Now())
	if err != nil {
		s.opts.Logger.Error("seal wechat reply", "msg_id", msg.MsgID, "err", err)
		_, _ = w.Write([]byte("success"))
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	_, _ = w.Write(body)
}

// wechatError maps the Official Account's errors onto the callback
// vocabulary so they answer with the same statuses.
func wechatError(err error) error {
	switch {
	case errors.Is(err, wechat.ErrSignature):
		return errors.Join(callback.ErrSignature, err)
	case errors.Is(err, wechat.ErrStale):
		return errors.Join(callback.ErrStale, err)
	case errors.Is(err, wechat.ErrAppID):
		return errors.Join(callback.ErrReceiveID, err)
	default:
		return errors.Join(callback.ErrMalformed, err)
	}
}
