package wecom_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
)

func TestSendWelcomeMsg(t *testing.T) {
	fake := newFake(t)
	c := newClient(t, fake)
	ctx := context.Background()
	msg := wecom.WelcomeMsg{
		WelcomeCode: "CALLBACK_CODE",
		Text:        &wecom.Text{Content: "歡迎加入"},
		Attachments: []wecom.Attachment{
			{Image: &wecom.Image{MediaID: "MEDIA_ID"}},
			{Link: &wecom.Link{Title: "群規", URL: "https://example.com/rules"}},
		},
	}
	if err := c.SendWelcomeMsg(ctx, msg); err != nil {
		t.Fatalf("SendWelcomeMsg: %v", err)
	}
	call := lastCall(t, fake, welcomePath)
	if call.Method != "POST" || call.Token == "" {
		t.Errorf("call = %s with token %q, want POST with an access token", call.Method, call.Token)
	}
	assertFields(t, call, map[string]any{
		"welcome_code": "CALLBACK_CODE", "text.content": "歡迎加入",
		"attachments.0.msgtype": "image", "attachments.0.image.media_id": "MEDIA_ID",
		"attachments.1.msgtype": "link", "attachments.1.link.url": "https://example.com/rules",
	})

	err := c.SendWelcomeMsg(ctx, msg)
	if apiErr := apiError(t, err); apiErr.Code != 41051 || wecom.IsTemporary(err) {
		t.Errorf("second send = %v, want permanent 41051", err)
	}
}

func TestSendWelcomeMsg_invalid(t *testing.T) {
	fake := newFake(t)
	c := newClient(t, fake)
	tests := map[string]wecom.WelcomeMsg{
		"no_code":            {Text: &wecom.Text{Content: "x"}},
		"no_content":         {WelcomeCode: "c"},
		"too_many":           {WelcomeCode: "c", Attachments: make([]wecom.Attachment, 10)},
		"attachment_no_part": {WelcomeCode: "c", Attachments: []wecom.Attachment{{}}},
	}
	for name, msg := range tests {
		t.Run(name, func(t *testing.T) {
			err := c.SendWelcomeMsg(context.Background(), msg)
			if !errors.Is(err, wecom.ErrInvalidRequest) || wecom.IsTemporary(err) {
				t.Errorf("error = %v, want a permanent ErrInvalidRequest", err)
			}
		})
	}
	if n := len(fake.CallsTo(welcomePath)); n != 0 {
		t.Errorf("invalid messages reached WeCom %d times", n)
	}
}

func TestSendAppMessage(t *testing.T) {
	tests := []struct {
		name string
		msg  wecom.AppMessage
		want map[string]any
	}{
		{"text", wecom.AppMessage{ToUser: []string{"zhangsan", "ghost"}, Text: &wecom.Text{Content: "新工單"}},
			map[string]any{"msgtype": "text", "text.content": "新工單", "touser": "zhangsan|ghost", "agentid": agentID}},
		{"textcard", wecom.AppMessage{ToUser: []string{"zhangsan"}, ToParty: []string{"2"},
			TextCard: &wecom.TextCard{Title: "投訴", Description: "30 分鐘內跟進", URL: "https://example.com/t/1", BtnTxt: "查看"}},
			map[string]any{"msgtype": "textcard", "textcard.title": "投訴", "textcard.description": "30 分鐘內跟進",
				"textcard.url": "https://example.com/t/1", "textcard.btntxt": "查看", "toparty": "2"}},
		{"markdown_with_duplicate_check", wecom.AppMessage{ToUser: []string{"zhangsan"}, AgentID: 42,
			Markdown: &wecom.Text{Content: "**日報**"}, DuplicateCheckInterval: 600},
			map[string]any{"msgtype": "markdown", "markdown.content": "**日報**", "agentid": 42,
				"enable_duplicate_check": 1, "duplicate_check_interval": 600}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake(t, wecomtest.WithUsers("zhangsan"))
			c := newClient(t, fake)
			res, err := c.SendAppMessage(context.Background(), tt.msg)
			if err != nil {
				t.Fatalf("SendAppMessage: %v", err)
			}
			assertFields(t, lastCall(t, fake, "/cgi-bin/message/send"), tt.want)
			if res.MsgID == "" {
				t.Errorf("result has no msgid: %+v", res)
			}
			wantInvalid := []string(nil)
			if tt.name == "text" {
				wantInvalid = []string{"ghost"}
			}
			if diff := cmp.Diff(wantInvalid, res.InvalidUsers); diff != "" {
				t.Errorf("InvalidUsers (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSendAppMessage_noValidRecipient(t *testing.T) {
	fake := newFake(t)
	c := newClient(t, fake)
	res, err := c.SendAppMessage(context.Background(), wecom.AppMessage{ToUser: []string{"ghost"}, Text: &wecom.Text{Content: "x"}})
	if apiErr := apiError(t, err); apiErr.Code != 81013 {
		t.Fatalf("error = %v, want 81013", err)
	}
	if diff := cmp.Diff([]string{"ghost"}, res.InvalidUsers); diff != "" {
		t.Errorf("InvalidUsers (-want +got):\n%s", diff)
	}
}

func TestSendAppMessage_invalid(t *testing.T) {
	c := newClient(t, newFake(t))
	tests := map[string]wecom.AppMessage{
		"no_recipient": {Text: &wecom.Text{Content: "x"}},
		"no_content":   {ToUser: []string{"a"}},
		"two_contents": {ToUser: []string{"a"}, Text: &wecom.Text{Content: "x"}, Markdown: &wecom.Text{Content: "y"}},
	}
	for name, msg := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := c.SendAppMessage(context.Background(), msg); !errors.Is(err, wecom.ErrInvalidRequest) {
				t.Errorf("error = %v, want ErrInvalidRequest", err)
			}
		})
	}
}

func groupMsgFake(t *testing.T) *wecomtest.Server {
	t.Helper()
	return newFake(t, wecomtest.WithGroupChats(
		wecomtest.GroupChat{ChatID: "wrA", Owner: "zhangsan"},
		wecomtest.GroupChat{ChatID: "wrB", Owner: "zhangsan"},
		wecomtest.GroupChat{ChatID: "wrC", Owner: "lisi"},
	))
}

func TestAddMsgTemplate_andSendResult(t *testing.T) {
	fake := groupMsgFake(t)
	c := newClient(t, fake)
	ctx := context.Background()
	res, err := c.AddMsgTemplate(ctx, wecom.MsgTemplate{
		ChatType: wecom.ChatTypeGroup, Sender: "zhangsan", ChatIDs: []string{"wrA", "wrB", "wrC"},
		Text: &wecom.Text{Content: "週二小貼士"}, Attachments: []wecom.Attachment{{MiniProgram: &wecom.MiniProgram{Title: "店鋪", AppID: "wx1", Page: "/p", PicMediaID: "m"}}},
	})
	if err != nil {
		t.Fatalf("AddMsgTemplate: %v", err)
	}
	assertFields(t, lastCall(t, fake, "/cgi-bin/externalcontact/add_msg_template"), map[string]any{
		"chat_type": "group", "sender": "zhangsan", "chat_id_list": []any{"wrA", "wrB", "wrC"}, "text.content": "週二小貼士",
		"attachments.0.msgtype": "miniprogram", "attachments.0.miniprogram.appid": "wx1",
	})
	if res.MsgID == "" || !cmp.Equal(res.FailList, []string{"wrC"}) {
		t.Errorf("result = %+v, want a msgid and wrC (not owned by the sender) failed", res)
	}

	query := wecom.GroupMsgSendQuery{MsgID: res.MsgID, UserID: "zhangsan", Limit: 1}
	assertSends(t, c, query, wecom.SendPending)
	fake.ConfirmGroupMsg(res.MsgID)
	assertSends(t, c, query, wecom.SendDone)
	assertFields(t, lastCall(t, fake, "/cgi-bin/externalcontact/get_groupmsg_send_result"),
		map[string]any{"msgid": res.MsgID, "userid": "zhangsan", "limit": 1})
}

// assertSends pages through the send results and checks every status.
func assertSends(t *testing.T, c *wecom.Client, q wecom.GroupMsgSendQuery, status int) {
	t.Helper()
	var chats []string
	for pages := 0; pages < 10; pages++ {
		page, err := c.GetGroupMsgSendResult(context.Background(), q)
		if err != nil {
			t.Fatalf("GetGroupMsgSendResult: %v", err)
		}
		for _, s := range page.Sends {
			chats = append(chats, s.ChatID)
			if s.Status != status || s.UserID != "zhangsan" || (status == wecom.SendDone) == s.SendTime.IsZero() {
				t.Errorf("send %+v, want status %d", s, status)
			}
		}
		if q.Cursor = page.NextCursor; q.Cursor == "" {
			break
		}
	}
	if !cmp.Equal(chats, []string{"wrA", "wrB"}) {
		t.Errorf("sent chats = %v, want [wrA wrB]", chats)
	}
}

func TestAddMsgTemplate_invalid(t *testing.T) {
	fake := groupMsgFake(t)
	c := newClient(t, fake)
	tests := map[string]wecom.MsgTemplate{
		"group_without_sender": {ChatType: wecom.ChatTypeGroup, Text: &wecom.Text{Content: "x"}},
		"too_many_chats":       {ChatType: wecom.ChatTypeGroup, Sender: "zhangsan", ChatIDs: make([]string, 2001), Text: &wecom.Text{Content: "x"}},
		"bad_chat_type":        {ChatType: "broadcast", Text: &wecom.Text{Content: "x"}},
		"no_content":           {ChatType: wecom.ChatTypeSingle, ExternalUserIDs: []string{"wm1"}},
	}
	for name, m := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := c.AddMsgTemplate(context.Background(), m); !errors.Is(err, wecom.ErrInvalidRequest) {
				t.Errorf("error = %v, want ErrInvalidRequest", err)
			}
		})
	}
	if n := len(fake.CallsTo("/cgi-bin/externalcontact/add_msg_template")); n != 0 {
		t.Errorf("invalid templates reached WeCom %d times", n)
	}
}

func TestSendWebhook(t *testing.T) {
	fake := newFake(t, wecomtest.WithWebhookKeys("KEY1"))
	c := newClient(t, fake)
	ctx := context.Background()
	msg := wecom.WebhookMsg{Text: &wecom.WebhookText{Content: "新投訴", MentionedList: []string{"@all"}}}
	if err := c.SendWebhook(ctx, "KEY1", msg); err != nil {
		t.Fatalf("SendWebhook: %v", err)
	}
	call := lastCall(t, fake, "/cgi-bin/webhook/send")
	if call.Query.Get("key") != "KEY1" || call.Token != "" {
		t.Errorf("query = %v, want key=KEY1 and no access_token", call.Query)
	}
	assertFields(t, call, map[string]any{"msgtype": "text", "text.content": "新投訴", "text.mentioned_list": []any{"@all"}})
	if n := len(fake.CallsTo(tokenPath)); n != 0 {
		t.Errorf("webhook fetched %d access tokens, want none", n)
	}
	err := c.SendWebhook(ctx, "WRONG", wecom.WebhookMsg{Markdown: &wecom.Text{Content: "x"}})
	if apiErr := apiError(t, err); apiErr.Code != 93000 || !strings.Contains(err.Error(), "webhook key") {
		t.Errorf("unknown key: %v, want 93000 explained", err)
	}
}

func TestJSAPITickets(t *testing.T) {
	fake := newFake(t)
	c := newClient(t, fake)
	ctx := context.Background()
	for _, get := range []func(context.Context) (wecom.Ticket, error){c.GetJSAPITicket, c.GetJSAPITicket, c.GetAgentJSAPITicket, c.GetAgentJSAPITicket} {
		tk, err := get(ctx)
		if err != nil || tk.Value == "" || time.Until(tk.ExpiresAt) < time.Hour {
			t.Fatalf("ticket = %+v, %v; want a ticket valid for about 2 hours", tk, err)
		}
	}
	if n := len(fake.CallsTo("/cgi-bin/get_jsapi_ticket")); n != 1 {
		t.Errorf("get_jsapi_ticket called %d times, want 1 (cached)", n)
	}
	agentCalls := fake.CallsTo("/cgi-bin/ticket/get")
	if len(agentCalls) != 1 || agentCalls[0].Query.Get("type") != "agent_config" {
		t.Errorf("ticket/get calls = %+v, want one with type=agent_config", agentCalls)
	}
}

func TestSignJSAPI(t *testing.T) {
	// The example from WeCom's JS-SDK signature documentation.
	ticket := "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
	got := wecom.SignJSAPI(ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value#section")
	if want := "0f9de62fce790f9a083d5c99e95740ceb90c27ed"; got != want {
		t.Errorf("SignJSAPI = %s, want %s", got, want)
	}
}
