// Package autoreply answers members' messages from the script library on
// every channel that can speak: the AI bot and the Official Account in the
// callback's own answer (a passive reply), and a bridge through the outbox.
// It only translates: deciding which script answers is the script
// package's job.
package autoreply

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/qunbot/qunbot/internal/bridge"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/wechat"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/callback"
)

// Engine decides answers; *script.Engine is one.
type Engine interface {
	Answer(ctx context.Context, q script.Question) (script.Answer, bool, error)
	Try(ctx context.Context, text, chatID string, channel script.Channel, tags []string, store string, at time.Time) (script.Decision, error)
}

// Unanswered keeps questions nothing answered; *script.Store is one.
type Unanswered interface {
	NoteUnanswered(ctx context.Context, text, chatID string, at time.Time) (bool, error)
}

// Enqueuer takes an intended send; *outbox.Store is one.
type Enqueuer interface {
	Enqueue(ctx context.Context, m *outbox.Message) (bool, error)
}

// Options are the service's dependencies.
type Options struct {
	Engine     Engine
	Unanswered Unanswered
	Outbox     Enqueuer
	// BridgeSends says whether a bridge send webhook is configured. Without
	// one nothing can be said in bridged groups: their messages are still
	// read, and questions nothing answers are still collected for operators.
	BridgeSends bool
	// Chats gives a group's tags and store, for scripts scoped to them;
	// nil leaves such scripts to groups they name.
	Chats ChatScopes
	// Observed, when set, receives a member's group message that nothing can
	// answer in because no bridge send webhook is configured: the chat
	// toolbar page shows it to staff with the suggested script.
	Observed func(ctx context.Context, key string, m bridge.Message) error
	Logger   *slog.Logger
	Now      func() time.Time
}

// ChatScopes says which tags and store a group has.
type ChatScopes interface {
	ChatScope(ctx context.Context, chatID string) (tags []string, store string, err error)
}

// Service answers messages.
type Service struct{ opts Options }

// New returns a Service.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{opts: opts}
}

// APIBridgeSend is the outbox api of a message said through the bridge.
const APIBridgeSend = "bridge/send"

// AIBotReply answers a message that @-mentions the AI bot, or a 1:1 chat
// with it, as the callback's passive reply: a finished stream, the reply
// WeCom accepts to a user's message (doc 101031). A redelivery gets the
// same answer: the engine answers each message once.
func (s *Service) AIBotReply(ctx context.Context, m callback.AIBotMessage) ([]byte, bool) {
	q, ok := aibotQuestion(m)
	if !ok {
		return nil, false
	}
	a, ok := s.answer(ctx, s.scoped(ctx, q))
	if !ok {
		return nil, false
	}
	return callback.StreamReply("qunbot-"+m.MsgID, plainText(a.Reply), true), true
}

// HandleAIBot is the inbox handler of AI bot messages. The passive reply
// normally answered already (the engine then says Repeated); if it could
// not — the database was slow or down while WeCom waited — the answer goes
// out now through the message's response_url, via the outbox.
func (s *Service) HandleAIBot(ctx context.Context, e inbox.Event) error {
	m, err := callback.ParseAIBotMessage([]byte(e.Payload))
	if err != nil {
		return inbox.Permanent(fmt.Errorf("decode aibot message: %w", err))
	}
	q, ok := aibotQuestion(m)
	if !ok || m.ResponseURL == "" {
		return nil
	}
	a, ok, err := s.opts.Engine.Answer(ctx, s.scoped(ctx, q))
	if err != nil {
		return fmt.Errorf("answer aibot message %s: %w", m.MsgID, err)
	}
	if !ok || a.Repeated {
		return nil
	}
	payload, err := json.Marshal(wecom.AIBotResponse{URL: m.ResponseURL, Content: plainText(a.Reply)})
	if err != nil {
		return inbox.Permanent(fmt.Errorf("encode aibot response: %w", err))
	}
	id := e.ID
	_, err = s.opts.Outbox.Enqueue(ctx, &outbox.Message{
		IdempotencyKey: "aibot-response:" + m.MsgID, API: wecom.APIAIBotResponse, Payload: string(payload),
		Priority: 10, SourceEventID: &id,
	})
	if err != nil {
		return fmt.Errorf("queue aibot response to %s: %w", m.MsgID, err)
	}
	return nil
}

// aibotQuestion is the question an AI bot message asks, if it has text.
func aibotQuestion(m callback.AIBotMessage) (script.Question, bool) {
	text := strings.TrimSpace(m.Content())
	if text == "" {
		return script.Question{}, false
	}
	chat := m.ChatID
	if chat == "" { // a 1:1 chat has no chat id: the member is the chat
		chat = m.From.UserID
	}
	return script.Question{Text: text, Channel: script.ChannelAIBot, ChatID: chat, MemberID: m.From.UserID, MessageKey: m.DedupeKey()}, true
}

// WeChatReply answers a follower's text message on the Official Account as
// the passive reply.
func (s *Service) WeChatReply(ctx context.Context, m wechat.Message) ([]byte, bool) {
	if m.MsgType != "text" || strings.TrimSpace(m.Content) == "" {
		return nil, false
	}
	a, ok := s.answer(ctx, script.Question{Text: m.Content, Channel: script.ChannelWeChat, ChatID: m.FromUserName, MemberID: m.FromUserName, MessageKey: wechat.DedupeKey(m, nil)})
	if !ok {
		return nil, false
	}
	now := s.opts.Now()
	if a.Reply.Type == script.ReplyLink {
		return wechat.NewsReply(m.FromUserName, m.ToUserName, []wechat.Article{{Title: a.Reply.Title, Description: a.Reply.Description, PicURL: a.Reply.PicURL, URL: a.Reply.URL}}, now), true
	}
	return wechat.TextReply(m.FromUserName, m.ToUserName, plainText(a.Reply), now), true
}

// answer asks the engine, logging (not failing) when it cannot: a member
// who gets no automatic answer loses nothing, the message is in the inbox.
func (s *Service) answer(ctx context.Context, q script.Question) (script.Answer, bool) {
	a, ok, err := s.opts.Engine.Answer(ctx, q)
	if err != nil {
		s.opts.Logger.Warn("auto-reply failed", "channel", q.Channel, "chat_id", q.ChatID, "message_key", q.MessageKey, "err", err)
		return script.Answer{}, false
	}
	return a, ok
}

// HandleBridge is the inbox handler of bridge messages: a member's text in a
// group is answered through the bridge's send webhook (via the outbox, so
// the answer survives a restart and is sent once).
func (s *Service) HandleBridge(ctx context.Context, e inbox.Event) error {
	var m bridge.Message
	if err := json.Unmarshal([]byte(e.Payload), &m); err != nil {
		return inbox.Permanent(fmt.Errorf("decode bridge message: %w", err))
	}
	// Staff messages, and the bridge echoing qunbot's own sends, are never
	// answered.
	if m.SenderRole != "member" || strings.TrimSpace(m.Text) == "" {
		return nil
	}
	if !s.opts.BridgeSends {
		return s.observe(ctx, e.DedupeKey, m)
	}
	q := script.Question{Text: m.Text, Channel: script.ChannelBridge, ChatID: m.ChatID, MemberID: m.SenderID, At: m.SentAt, MessageKey: e.DedupeKey}
	a, ok, err := s.opts.Engine.Answer(ctx, s.scoped(ctx, q))
	if err != nil {
		return fmt.Errorf("answer bridge message %s: %w", m.MsgID, err)
	}
	if !ok {
		return nil
	}
	return s.sendThroughBridge(ctx, e, m, a)
}

func (s *Service) sendThroughBridge(ctx context.Context, e inbox.Event, m bridge.Message, a script.Answer) error {
	out := bridgeOutgoing(a.Reply)
	out.IdempotencyKey = "script-reply:" + m.MsgID
	out.ChatID, out.ReplyTo = m.ChatID, m.MsgID
	payload, err := json.Marshal(out)
	if err != nil {
		return inbox.Permanent(fmt.Errorf("encode bridge reply: %w", err))
	}
	id := e.ID
	_, err = s.opts.Outbox.Enqueue(ctx, &outbox.Message{
		IdempotencyKey: out.IdempotencyKey, API: APIBridgeSend, Payload: string(payload),
		Priority: 10, SourceEventID: &id,
	})
	if err != nil {
		return fmt.Errorf("queue bridge reply to %s: %w", m.MsgID, err)
	}
	return nil
}

// scoped is q with its group's tags and store. A failed lookup is logged
// and q answered as it is: scripts that name the group still answer.
func (s *Service) scoped(ctx context.Context, q script.Question) script.Question {
	if s.opts.Chats == nil || q.ChatID == "" {
		return q
	}
	tags, store, err := s.opts.Chats.ChatScope(ctx, q.ChatID)
	if err != nil {
		s.opts.Logger.Warn("group scope unknown; answering without tags and store", "chat_id", q.ChatID, "err", err)
		return q
	}
	q.ChatTags, q.Store = tags, store
	return q
}

// observe handles a member's message in a group nothing can answer in: it
// goes to the chat toolbar page (groups only) and, if nothing would answer
// it, to the operators' unanswered list.
func (s *Service) observe(ctx context.Context, key string, m bridge.Message) error {
	if s.opts.Observed != nil && m.ChatType == "group" {
		if err := s.opts.Observed(ctx, key, m); err != nil {
			return fmt.Errorf("show bridge message %s on the toolbar: %w", m.MsgID, err)
		}
	}
	q := s.scoped(ctx, script.Question{ChatID: m.ChatID})
	d, err := s.opts.Engine.Try(ctx, m.Text, m.ChatID, script.ChannelBridge, q.ChatTags, q.Store, m.SentAt)
	if err != nil {
		return fmt.Errorf("try bridge message %s: %w", m.MsgID, err)
	}
	if !d.Unanswered {
		return nil
	}
	if _, err := s.opts.Unanswered.NoteUnanswered(ctx, m.Text, m.ChatID, m.SentAt); err != nil {
		return fmt.Errorf("note unanswered %s: %w", m.MsgID, err)
	}
	return nil
}

// bridgeOutgoing says a reply in the bridge's terms; the bridge speaks every
// reply type.
func bridgeOutgoing(r script.Reply) bridge.Outgoing {
	switch r.Type {
	case script.ReplyImage:
		return bridge.Outgoing{MsgType: "image", ImageURL: r.MediaURL}
	case script.ReplyLink:
		return bridge.Outgoing{MsgType: "link", Link: &bridge.Link{Title: r.Title, Description: r.Description, URL: r.URL, ImageURL: r.PicURL}}
	case script.ReplyMiniProgram:
		return bridge.Outgoing{MsgType: "miniprogram", MiniProgram: &bridge.MiniProgram{AppID: r.AppID, Title: r.Title, Page: r.Page, ImageURL: r.PicURL}}
	default:
		return bridge.Outgoing{MsgType: "text", Text: r.Text}
	}
}

// plainText says a reply as text, for channels whose passive reply is text:
// a link becomes its title and URL, an image its URL, a mini-program its
// title.
func plainText(r script.Reply) string {
	switch r.Type {
	case script.ReplyLink:
		return strings.TrimSpace(r.Title + "\n" + r.Description + "\n" + r.URL)
	case script.ReplyImage:
		return r.MediaURL
	case script.ReplyMiniProgram:
		return r.Title
	default:
		return r.Text
	}
}
