package wecom_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
)

func TestSendableAPIs(t *testing.T) {
	want := []string{"externalcontact/add_msg_template", "externalcontact/mark_tag", "externalcontact/send_welcome_msg", "message/send", "webhook/send"}
	if diff := cmp.Diff(want, wecom.SendableAPIs()); diff != "" {
		t.Errorf("SendableAPIs (-want +got):\n%s", diff)
	}
}

func TestSend(t *testing.T) {
	tests := []struct {
		name    string
		api     string
		payload string
		path    string
		want    map[string]any
	}{
		{"welcome", wecom.APISendWelcomeMsg, `{"welcome_code":"c1","text":{"content":"hi"}}`,
			welcomePath, map[string]any{"welcome_code": "c1", "text.content": "hi"}},
		{"app_message_gets_agentid", wecom.APIMessageSend, `{"touser":"zhangsan","msgtype":"text","text":{"content":"hi"}}`,
			"/cgi-bin/message/send", map[string]any{"agentid": agentID, "touser": "zhangsan"}},
		{"app_message_keeps_agentid", wecom.APIMessageSend, `{"touser":"zhangsan","agentid":7,"msgtype":"text","text":{"content":"hi"}}`,
			"/cgi-bin/message/send", map[string]any{"agentid": 7}},
		{"msg_template", wecom.APIAddMsgTemplate, `{"chat_type":"group","sender":"zhangsan","text":{"content":"hi"}}`,
			"/cgi-bin/externalcontact/add_msg_template", map[string]any{"chat_type": "group", "sender": "zhangsan"}},
		{"webhook", wecom.APIWebhookSend, `{"key":"KEY1","msg":{"msgtype":"markdown","markdown":{"content":"**x**"}}}`,
			"/cgi-bin/webhook/send", map[string]any{"msgtype": "markdown", "markdown.content": "**x**"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake(t, wecomtest.WithUsers("zhangsan"), wecomtest.WithWebhookKeys("KEY1"))
			c := newClient(t, fake)
			resp, err := c.Send(context.Background(), tt.api, []byte(tt.payload))
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if code, _ := field(t, jsonOf(t, resp), "errcode").(float64); code != 0 {
				t.Errorf("response %s, want errcode 0", resp)
			}
			assertFields(t, lastCall(t, fake, tt.path), tt.want)
		})
	}
}

func jsonOf(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	return jsonBody(t, wecomtest.Call{Path: "response", Body: raw})
}

func TestSend_returnsAnswerWithAPIError(t *testing.T) {
	fake := newFake(t)
	c := newClient(t, fake)
	resp, err := c.Send(context.Background(), wecom.APIMessageSend, []byte(`{"touser":"ghost","msgtype":"text","text":{"content":"x"}}`))
	if apiErr := apiError(t, err); apiErr.Code != 81013 {
		t.Fatalf("error = %v, want 81013", err)
	}
	if got := field(t, jsonOf(t, resp), "invaliduser"); got != "ghost" {
		t.Errorf("answer invaliduser = %v, want ghost (the answer comes back with the error)", got)
	}
}

func TestSend_rejected(t *testing.T) {
	tests := []struct {
		name    string
		api     string
		payload string
		want    error
	}{
		{"unknown_api", "externalcontact/groupchat/get", `{}`, wecom.ErrUnsupportedAPI},
		{"full_path", "/cgi-bin/message/send", `{}`, wecom.ErrUnsupportedAPI},
		{"not_json", wecom.APISendWelcomeMsg, `welcome`, wecom.ErrInvalidRequest},
		{"webhook_without_key", wecom.APIWebhookSend, `{"msg":{"msgtype":"text","text":{"content":"x"}}}`, wecom.ErrInvalidRequest},
		{"app_message_not_object", wecom.APIMessageSend, `[1]`, wecom.ErrInvalidRequest},
		{"app_message_null", wecom.APIMessageSend, `null`, wecom.ErrInvalidRequest},
		{"webhook_null", wecom.APIWebhookSend, `null`, wecom.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := newFake(t)
			c := newClient(t, fake)
			_, err := c.Send(context.Background(), tt.api, []byte(tt.payload))
			if !errors.Is(err, tt.want) || wecom.IsTemporary(err) {
				t.Errorf("error = %v, want permanent %v", err, tt.want)
			}
			if n := len(fake.Calls()); n != 0 {
				t.Errorf("rejected payload reached WeCom %d times", n)
			}
		})
	}
}

func TestSend_appMessageWithoutAgentID(t *testing.T) {
	fake := newFake(t)
	c := newClient(t, fake, func(cfg *wecom.Config) { cfg.AgentID = 0 })
	_, err := c.Send(context.Background(), wecom.APIMessageSend, []byte(`{"touser":"a","msgtype":"text","text":{"content":"x"}}`))
	if !errors.Is(err, wecom.ErrInvalidRequest) {
		t.Errorf("error = %v, want ErrInvalidRequest naming the missing agent id", err)
	}
}

func TestWebhookPayload(t *testing.T) {
	raw, err := wecom.WebhookPayload("KEY1", wecom.WebhookMsg{Markdown: &wecom.Text{Content: "**日報**"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"key":"KEY1","msg":{"markdown":{"content":"**日報**"},"msgtype":"markdown"}}`
	if string(raw) != want {
		t.Errorf("WebhookPayload = %s, want %s", raw, want)
	}
	if _, err := wecom.WebhookPayload("", wecom.WebhookMsg{Markdown: &wecom.Text{Content: "x"}}); !errors.Is(err, wecom.ErrInvalidRequest) {
		t.Errorf("empty key: %v, want ErrInvalidRequest", err)
	}
}
