package callback

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// parsedAIBot is what the golden files hold for one AI bot callback.
type parsedAIBot struct {
	Kind      string
	DedupeKey string
	Content   string
	Message   AIBotMessage
}

func TestParseAIBotMessage_golden(t *testing.T) {
	eachTestdata(t, "aibot_*.json", func(t *testing.T, path string) {
		m, err := ParseAIBotMessage(readFile(t, path))
		if err != nil {
			t.Fatalf("ParseAIBotMessage: %v", err)
		}
		checkGolden(t, path, parsedAIBot{Kind: m.Kind(), DedupeKey: m.DedupeKey(), Content: m.Content(), Message: m})
	})
}

func TestParseAIBotMessage_malformed(t *testing.T) {
	tests := map[string]string{
		"empty":          "",
		"not_json":       "<xml/>",
		"array":          `[{"msgid":"a","msgtype":"text"}]`,
		"truncated":      `{"msgid":"a","msgtype":"te`,
		"no_msgid":       `{"msgtype":"text","text":{"content":"hi"}}`,
		"no_msgtype":     `{"msgid":"CAIQ16HMjQYY"}`,
		"msgid_a_number": `{"msgid":5,"msgtype":"text"}`,
		"text_a_string":  `{"msgid":"a","msgtype":"text","text":"hi"}`,
		"trailing_data":  `{"msgid":"a","msgtype":"text"} {}`,
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			m, err := ParseAIBotMessage([]byte(body))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseAIBotMessage = %+v, %v; want ErrMalformed", m, err)
			}
		})
	}
}

func TestAIBotMessage_KindAndContent(t *testing.T) {
	tests := []struct {
		name        string
		m           AIBotMessage
		kind, text  string
		dedupeKeyOf string
	}{
		{"text", AIBotMessage{MsgID: "m1", MsgType: "text", Text: "@小群助手 几点开门"}, "aibot/text", "@小群助手 几点开门", "aibot:m1"},
		{"mixed", AIBotMessage{MsgID: "m2", MsgType: "mixed", Mixed: []MixedItem{
			{MsgType: "text", Text: "@小群助手 看图"}, {MsgType: "image", Image: &Image{URL: "u"}}, {MsgType: "text", Text: "破了"},
		}}, "aibot/mixed", "@小群助手 看图\n破了", "aibot:m2"},
		{"image", AIBotMessage{MsgID: "m3", MsgType: "image", Image: &Image{URL: "u"}}, "aibot/image", "", "aibot:m3"},
		{"voice", AIBotMessage{MsgID: "m4", MsgType: "voice", Voice: "查积分"}, "aibot/voice", "查积分", "aibot:m4"},
		{"stream", AIBotMessage{MsgID: "m5", MsgType: "stream", Stream: &StreamRef{ID: "s"}}, "aibot/stream", "", "aibot:m5"},
		{"event", AIBotMessage{MsgID: "m6", MsgType: "event", Event: &AIBotEvent{EventType: "enter_chat"}}, "aibot/event/enter_chat", "", "aibot:m6"},
		{"event_without_body", AIBotMessage{MsgID: "m7", MsgType: "event"}, "aibot/event/", "", "aibot:m7"},
		{"unknown", AIBotMessage{MsgID: "m8", MsgType: "location", Text: "stray"}, "aibot/location", "", "aibot:m8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.Kind(); got != tt.kind {
				t.Errorf("Kind = %q; want %q", got, tt.kind)
			}
			if got := tt.m.Content(); got != tt.text {
				t.Errorf("Content = %q; want %q", got, tt.text)
			}
			if got := tt.m.DedupeKey(); got != tt.dedupeKeyOf {
				t.Errorf("DedupeKey = %q; want %q", got, tt.dedupeKeyOf)
			}
		})
	}
}

func TestReplies(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"text", TextReply("您好，我是小群助手\n有什么可以帮您？"), `{"msgtype":"text","text":{"content":"您好，我是小群助手\n有什么可以帮您？"}}`},
		{"text_html_kept", TextReply(`<b>&"`), `{"msgtype":"text","text":{"content":"<b>&\""}}`},
		{"stream_open", StreamReply("qb-7f3a9c2e", "", false), `{"msgtype":"stream","stream":{"id":"qb-7f3a9c2e","finish":false,"content":""}}`},
		{"stream_finished", StreamReply("qb-7f3a9c2e", "徐汇店周末 9:00 开门", true), `{"msgtype":"stream","stream":{"id":"qb-7f3a9c2e","finish":true,"content":"徐汇店周末 9:00 开门"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if string(tt.got) != tt.want {
				t.Fatalf("reply = %s\nwant     %s", tt.got, tt.want)
			}
			if !json.Valid(tt.got) {
				t.Fatal("reply is not valid JSON")
			}
		})
	}
}

// TestAIBot_roundTrip runs a reply through the whole AI bot path: sealed
// into the JSON envelope, read back, verified and decrypted with the empty
// receive id.
func TestAIBot_roundTrip(t *testing.T) {
	c := newCrypto(t, "")
	reply := StreamReply("qb-1", "好的", true)
	body, err := SealJSON(c, reply, testTS, testNonce)
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]any
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"encrypt": env["encrypt"], "msgsignature": env["msgsignature"], "timestamp": testTS, "nonce": testNonce}
	if diff := cmp.Diff(want, env); diff != "" {
		t.Fatalf("SealJSON body fields (-want +got):\n%s", diff)
	}
	enc, err := EncryptedFromJSON(body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Open(Query{Signature: env["msgsignature"].(string), Timestamp: testTS, Nonce: testNonce}, enc, testNow)
	if err != nil || !bytes.Equal(got, reply) {
		t.Fatalf("Open = %s, %v; want %s", got, err, reply)
	}
}

// FuzzParseAIBotMessage checks that ParseAIBotMessage never panics, fails
// only with ErrMalformed, and that what it accepts has a dedupe key.
func FuzzParseAIBotMessage(f *testing.F) {
	for _, path := range testdataFiles(f, "aibot_*.json") {
		f.Add(readFile(f, path))
	}
	f.Add([]byte(`{"msgid":"a","msgtype":"event","event":{"eventtype":"x","template_card_event":{},"feedback_event":{}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := ParseAIBotMessage(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseAIBotMessage error %v is not ErrMalformed", err)
			}
			return
		}
		if m.MsgID == "" || m.MsgType == "" || !strings.HasPrefix(m.Kind(), "aibot/") {
			t.Fatalf("accepted %+v without msgid, msgtype or kind", m)
		}
		_ = m.Content()
	})
}
