package autoreply_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/autoreply"
	"github.com/qunbot/qunbot/internal/bridge"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/wechat"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/callback"
)

type fixture struct {
	svc     *autoreply.Service
	scripts *script.Store
	outbox  *outbox.Store
}

func newFixture(t *testing.T, db storagetest.DB, bridgeSends bool, edit ...func(*autoreply.Options)) fixture {
	t.Helper()
	ctx := context.Background()
	scripts := script.NewStore(db.DB, nil)
	for _, sc := range []script.Script{
		{Title: "營業(yè)時間", Keywords: []string{"幾點開門"}, MatchMode: "contains", Enabled: true,
			Replies: []script.Reply{{Type: script.ReplyText, Text: "每天 9:00 開門"}}},
		{Title: "試駕", Keywords: []string{"試駕"}, MatchMode: "contains", Enabled: true,
			Replies: []script.Reply{{Type: script.ReplyLink, Title: "試駕報名", URL: "https://example.com/t"}}},
	} {
		if err := scripts.Create(ctx, "test", &sc); err != nil {
			t.Fatal(err)
		}
	}
	engine := script.NewEngine(scripts, nil)
	if err := engine.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	ob := outbox.NewStore(db.DB, nil)
	opts := autoreply.Options{Engine: engine, Unanswered: scripts, Outbox: ob, BridgeSends: bridgeSends}
	for _, e := range edit {
		e(&opts)
	}
	return fixture{svc: autoreply.New(opts), scripts: scripts, outbox: ob}
}

func (f fixture) sends(t *testing.T, api string) []outbox.Message {
	t.Helper()
	msgs, err := f.outbox.List(context.Background(), outbox.Filter{API: api})
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func aibotMessage(id, text string) callback.AIBotMessage {
	m := callback.AIBotMessage{MsgID: id, ChatID: "wrc1", ChatType: "group", ResponseURL: "https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=" + id, MsgType: "text", Text: text}
	m.From.UserID = "wmA"
	return m
}

func aibotEvent(t *testing.T, m callback.AIBotMessage) inbox.Event {
	t.Helper()
	payload, err := json.Marshal(map[string]any{"msgid": m.MsgID, "chatid": m.ChatID, "chattype": m.ChatType, "from": map[string]string{"userid": m.From.UserID},
		"response_url": m.ResponseURL, "msgtype": "text", "text": map[string]string{"content": m.Text}})
	if err != nil {
		t.Fatal(err)
	}
	return inbox.Event{ID: 7, Source: "aibot", Kind: "aibot/text", DedupeKey: m.DedupeKey(), Payload: string(payload)}
}

func TestAIBot_PassiveStreamReplyThenNothingLater(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newFixture(t, db, false)
		m := aibotMessage("a1", "@小助手 請問幾點開門?")
		reply, ok := f.svc.AIBotReply(context.Background(), m)
		if !ok || !strings.Contains(string(reply), `"msgtype":"stream"`) || !strings.Contains(string(reply), "9:00") || !strings.Contains(string(reply), `"finish":true`) {
			t.Fatalf("reply %s ok %v", reply, ok)
		}
		again, _ := f.svc.AIBotReply(context.Background(), m)
		if string(again) != string(reply) {
			t.Fatalf("redelivery answered %s, first %s", again, reply)
		}
		if err := f.svc.HandleAIBot(context.Background(), aibotEvent(t, m)); err != nil {
			t.Fatal(err)
		}
		if n := len(f.sends(t, wecom.APIAIBotResponse)); n != 0 {
			t.Fatalf("answered passively, yet %d late responses queued", n)
		}
	})
}

func TestAIBot_LateAnswerThroughResponseURL(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newFixture(t, db, false)
		m := aibotMessage("a2", "@小助手 幾點開門")
		// No passive reply happened (the callback timed out, say).
		for range 2 { // the handler runs at least once
			if err := f.svc.HandleAIBot(context.Background(), aibotEvent(t, m)); err != nil {
				t.Fatal(err)
			}
		}
		sends := f.sends(t, wecom.APIAIBotResponse)
		if len(sends) != 1 || !strings.Contains(sends[0].Payload, "response_code=a2") || !strings.Contains(sends[0].Payload, "9:00") {
			t.Fatalf("late responses: %+v", sends)
		}
	})
}

func bridgeEvent(t *testing.T, m bridge.Message) inbox.Event {
	t.Helper()
	payload, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return inbox.Event{ID: 9, Source: "bridge", Kind: m.Kind(), DedupeKey: m.DedupeKey(), Payload: string(payload)}
}

func TestBridge_AnswersMembersThroughTheOutbox(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newFixture(t, db, true)
		msg := func(id, role, text string) bridge.Message {
			return bridge.Message{MsgID: id, ChatID: "wrc1", ChatType: "group", SenderID: "wm" + id, SenderRole: role, MsgType: "text", Text: text, SentAt: time.Now().UTC()}
		}
		for _, m := range []bridge.Message{
			msg("b1", "member", "周末試駕在哪報名"),
			msg("b1", "member", "周末試駕在哪報名"), // redelivered
			msg("b2", "staff", "試駕請找我"),     // staff: never answered
			msg("b3", "member", "今天天氣不錯"),   // nothing matches, not a question
		} {
			if err := f.svc.HandleBridge(context.Background(), bridgeEvent(t, m)); err != nil {
				t.Fatal(err)
			}
		}
		sends := f.sends(t, autoreply.APIBridgeSend)
		if len(sends) != 1 {
			t.Fatalf("bridge sends = %d, want 1: %+v", len(sends), sends)
		}
		var out bridge.Outgoing
		if err := json.Unmarshal([]byte(sends[0].Payload), &out); err != nil {
			t.Fatal(err)
		}
		if out.MsgType != "link" || out.Link == nil || out.ReplyTo != "b1" || out.ChatID != "wrc1" || out.IdempotencyKey == "" {
			t.Fatalf("outgoing %+v", out)
		}
		if err := out.Validate(); err != nil {
			t.Fatalf("the bridge would refuse it: %v", err)
		}
	})
}

func TestBridge_WithoutSendWebhookCollectsQuestions(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newFixture(t, db, false)
		m := bridge.Message{MsgID: "q1", ChatID: "wrc1", ChatType: "group", SenderID: "wmA", SenderRole: "member", MsgType: "text", Text: "積分怎么兌換?", SentAt: time.Now().UTC()}
		if err := f.svc.HandleBridge(context.Background(), bridgeEvent(t, m)); err != nil {
			t.Fatal(err)
		}
		if n := len(f.sends(t, "")); n != 0 {
			t.Fatalf("%d sends without a send webhook", n)
		}
		qs, err := f.scripts.ListUnanswered(context.Background(), script.QuestionFilter{})
		if err != nil || len(qs) != 1 {
			t.Fatalf("unanswered = %+v, %v", qs, err)
		}
	})
}

// chatScopes is a directory of two groups: wrVIP tagged VIP in store SH001.
type chatScopes struct{}

func (chatScopes) ChatScope(_ context.Context, chatID string) ([]string, string, error) {
	if chatID == "wrVIP" {
		return []string{"VIP"}, "SH001", nil
	}
	return nil, "", nil
}

// A script scoped to a tag answers in the groups with that tag only.
func TestBridge_ScopeByTagAndStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newFixture(t, db, true, func(o *autoreply.Options) { o.Chats = chatScopes{} })
		vip := script.Script{Title: "VIP 专线", Keywords: []string{"专属客服"}, MatchMode: "contains", Enabled: true,
			Scope:   script.Scope{Tags: []string{"VIP"}},
			Replies: []script.Reply{{Type: script.ReplyText, Text: "VIP 专线 400-000"}}}
		if err := f.scripts.Create(context.Background(), "test", &vip); err != nil {
			t.Fatal(err)
		}
		engine := script.NewEngine(f.scripts, nil)
		if err := engine.Reload(context.Background()); err != nil {
			t.Fatal(err)
		}
		f = newFixture(t, db, true, func(o *autoreply.Options) { o.Chats = chatScopes{}; o.Engine = engine })
		for i, chat := range []string{"wrVIP", "wrOther"} {
			m := bridge.Message{MsgID: fmt.Sprint("s", i), ChatID: chat, ChatType: "group", SenderID: "wm1", SenderRole: "member", MsgType: "text", Text: "有专属客服吗", SentAt: time.Now().UTC()}
			if err := f.svc.HandleBridge(context.Background(), bridgeEvent(t, m)); err != nil {
				t.Fatal(err)
			}
		}
		sends := f.sends(t, autoreply.APIBridgeSend)
		if len(sends) != 1 || !strings.Contains(sends[0].Payload, "wrVIP") {
			t.Fatalf("sends = %+v, want one to wrVIP", sends)
		}
	})
}

// Without a send webhook, group messages go to the chat toolbar page.
func TestBridge_ObservedForTheToolbar(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		var seen []string
		f := newFixture(t, db, false, func(o *autoreply.Options) {
			o.Observed = func(_ context.Context, key string, m bridge.Message) error { seen = append(seen, key); return nil }
		})
		for _, m := range []bridge.Message{
			{MsgID: "g1", ChatID: "wrc1", ChatType: "group", SenderID: "wmA", SenderRole: "member", MsgType: "text", Text: "几点开门?"},
			{MsgID: "p1", ChatID: "wmA", ChatType: "single", SenderID: "wmA", SenderRole: "member", MsgType: "text", Text: "几点开门?"},
		} {
			if err := f.svc.HandleBridge(context.Background(), bridgeEvent(t, m)); err != nil {
				t.Fatal(err)
			}
		}
		if len(seen) != 1 || seen[0] != "bridge:g1" {
			t.Fatalf("observed %v, want the group message only", seen)
		}
	})
}

func TestWeChat_PassiveReplies(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newFixture(t, db, false)
		text := wechat.Message{ToUserName: "gh_brand", FromUserName: "oF1", MsgType: "text", Content: "你們幾點開門", MsgID: "m1", CreateTime: time.Now().Unix()}
		reply, ok := f.svc.WeChatReply(context.Background(), text)
		if !ok || !strings.Contains(string(reply), "9:00") || !strings.Contains(string(reply), "<MsgType><![CDATA[text]]>") {
			t.Fatalf("text reply %s", reply)
		}
		link := text
		link.MsgID, link.Content = "m2", "試駕"
		reply, ok = f.svc.WeChatReply(context.Background(), link)
		if !ok || !strings.Contains(string(reply), "news") || !strings.Contains(string(reply), "試駕報名") {
			t.Fatalf("link reply %s", reply)
		}
		if _, ok := f.svc.WeChatReply(context.Background(), wechat.Message{MsgType: "event", Event: "subscribe", FromUserName: "oF2"}); ok {
			t.Fatal("an event got a script reply")
		}
	})
}

func TestReplyComplaint(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		f := newFixture(t, db, true)
		serious := script.Script{Title: "严重投诉回复", Keywords: []string{autoreply.ComplaintKeyword + "serious"}, MatchMode: "exact", Enabled: true,
			Replies: []script.Reply{{Type: script.ReplyText, Text: "店长已收到,30 分钟内联系您"}}}
		if err := f.scripts.Create(ctx, "test", &serious); err != nil {
			t.Fatal(err)
		}
		engine := script.NewEngine(f.scripts, nil)
		if err := engine.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		f = newFixture(t, db, true, func(o *autoreply.Options) { o.Engine = engine })
		for _, c := range []autoreply.Complaint{
			{ChatID: "wrc1", MessageKey: "bridge:m1", Tier: "light", AckMinutes: 5, Key: "1"},
			{ChatID: "wrc1", MessageKey: "bridge:m2", Tier: "serious", AckMinutes: 30, Key: "2"},
			{ChatID: "wrc1", MessageKey: "bridge:m2", Tier: "serious", AckMinutes: 30, Key: "2"}, // again: one send
		} {
			if spoke, err := f.svc.ReplyComplaint(ctx, c); !spoke || err != nil {
				t.Fatalf("ReplyComplaint(%+v) = %v, %v", c, spoke, err)
			}
		}
		sends := f.sends(t, autoreply.APIBridgeSend)
		all := fmt.Sprint(sends)
		if len(sends) != 2 || !strings.Contains(all, "5 分钟内") || !strings.Contains(all, "店长已收到") {
			t.Fatalf("sends = %+v", sends)
		}
		silent := newFixture(t, storagetest.SQLite(t), false)
		if spoke, err := silent.svc.ReplyComplaint(ctx, autoreply.Complaint{ChatID: "wrc1", MessageKey: "bridge:m1", Tier: "light", Key: "1"}); spoke || err != nil {
			t.Fatalf("without a bridge: %v, %v", spoke, err)
		}
	})
}
