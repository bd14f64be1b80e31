package wechat

import (
	"strings"
	"testing"
)

// parsed is what the golden files hold for one callback.
type parsed struct {
	Kind      string
	DedupeKey string
	SceneKey  string
	Message   Message
}

func TestParseMessage_golden(t *testing.T) {
	eachTestdata(t, "*.xml", func(t *testing.T, path string) {
		plaintext := readFile(t, path)
		m, err := ParseMessage(plaintext)
		if err != nil {
			t.Fatalf("ParseMessage: %v", err)
		}
		checkGolden(t, path, parsed{Kind: m.Kind(), DedupeKey: DedupeKey(m, plaintext), SceneKey: m.SceneKey(), Message: m})
	})
}

// TestParseMessage_kinds pins the kinds the bot routes on, independently of
// the golden files.
func TestParseMessage_kinds(t *testing.T) {
	tests := map[string]string{
		"text.xml":              "wechat/text",
		"subscribe.xml":         "wechat/event/subscribe",
		"subscribe_qrscene.xml": "wechat/event/subscribe",
		"scan.xml":              "wechat/event/scan",
		"unknown_event.xml":     "wechat/event/templatesendjobfinish",
		"image.xml":             "wechat/image",
		"click_menu.xml":        "wechat/event/click",
		"location_msg.xml":      "wechat/location",
	}
	for file, want := range tests {
		t.Run(strings.TrimSuffix(file, ".xml"), func(t *testing.T) {
			m, err := ParseMessage(readFile(t, "testdata/"+file))
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Kind(); got != want {
				t.Errorf("Kind = %q, want %q", got, want)
			}
		})
	}
}

func TestParseMessage_malformed(t *testing.T) {
	tests := map[string]string{
		"empty":            "",
		"garbage":          "\x00\x01 not xml at all",
		"truncated":        "<xml><ToUserName><![CDATA[gh_3f8a2c91b7d4]]></ToUserName><MsgType>te",
		"wrong_root":       "<message><MsgType>text</MsgType></message>",
		"no_msgtype":       "<xml><Content>你好</Content></xml>",
		"blank_msgtype":    "<xml><MsgType><![CDATA[  ]]></MsgType></xml>",
		"event_no_event":   "<xml><MsgType>event</MsgType><EventKey>k</EventKey></xml>",
		"createtime_words": "<xml><MsgType>text</MsgType><CreateTime>昨天</CreateTime></xml>",
		"json":             `{"MsgType":"text"}`,
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			m, err := ParseMessage([]byte(doc))
			checkSentinel(t, err, ErrMalformed)
			if m != (Message{}) {
				t.Errorf("ParseMessage returned %+v with its error", m)
			}
		})
	}
}

func TestMessage_Kind(t *testing.T) {
	tests := []struct {
		m    Message
		want string
	}{
		{Message{MsgType: "text"}, "wechat/text"},
		{Message{MsgType: "event", Event: "subscribe"}, "wechat/event/subscribe"},
		{Message{MsgType: "event", Event: "SCAN"}, "wechat/event/scan"},
		{Message{MsgType: "event", Event: "LOCATION"}, "wechat/event/location"},
		{Message{MsgType: "shortvideo"}, "wechat/shortvideo"},
		{Message{MsgType: "Event", Event: "unsubscribe"}, "wechat/event/unsubscribe"},
		{Message{MsgType: "event", Event: strings.Repeat("X", 200)}, "wechat/event/" + strings.Repeat("x", 96-len("wechat/event/"))},
		{Message{MsgType: "event", Event: "a" + strings.Repeat("群", 40)}, "wechat/event/a" + strings.Repeat("群", 27)},
	}
	for _, tt := range tests {
		if got := tt.m.Kind(); got != tt.want {
			t.Errorf("%+v.Kind() = %q, want %q", tt.m, got, tt.want)
		}
	}
}

func TestMessage_SceneKey(t *testing.T) {
	tests := []struct {
		m    Message
		want string
	}{
		{Message{MsgType: "event", Event: "subscribe", EventKey: "qrscene_livecode_07"}, "livecode_07"},
		{Message{MsgType: "event", Event: "subscribe"}, ""},
		{Message{MsgType: "event", Event: "SCAN", EventKey: "livecode_07"}, "livecode_07"},
		{Message{MsgType: "event", Event: "CLICK", EventKey: "MENU_1"}, ""},
		{Message{MsgType: "text", EventKey: "qrscene_x"}, ""},
	}
	for _, tt := range tests {
		if got := tt.m.SceneKey(); got != tt.want {
			t.Errorf("%+v.SceneKey() = %q, want %q", tt.m, got, tt.want)
		}
	}
}

func TestDedupeKey(t *testing.T) {
	long := strings.Repeat("k", 200)
	tests := []struct {
		name      string
		m         Message
		plaintext string
		want      string // exact key, or a prefix when wantHash
		wantHash  bool
	}{
		{"message", Message{MsgID: "24612345678901234", FromUserName: "o1", CreateTime: 1}, "", "wechat:msg:24612345678901234", false},
		{"event", Message{FromUserName: "oQx9", CreateTime: 1718012160, Event: "subscribe", EventKey: "qrscene_a"}, "", "wechat:evt:oQx9:1718012160:subscribe:qrscene_a", false},
		{"event_no_key", Message{FromUserName: "oQx9", CreateTime: 1718012160, Event: "unsubscribe"}, "", "wechat:evt:oQx9:1718012160:unsubscribe:", false},
		{"long_event_key", Message{FromUserName: "oQx9", CreateTime: 1, Event: "VIEW", EventKey: long}, "", "wechat:evt:sha256:", true},
		{"long_msgid", Message{MsgID: long}, "", "wechat:msg:sha256:", true},
		{"no_sender", Message{MsgType: "event", Event: "x"}, "<xml/>", "wechat:raw:sha256:", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DedupeKey(tt.m, []byte(tt.plaintext))
			if len(got) > maxKeyLen {
				t.Errorf("key of %d bytes is over %d", len(got), maxKeyLen)
			}
			if !tt.wantHash {
				if got != tt.want {
					t.Errorf("DedupeKey = %q, want %q", got, tt.want)
				}
				return
			}
			if !strings.HasPrefix(got, tt.want) || len(got) != len(tt.want)+64 {
				t.Errorf("DedupeKey = %q, want %q and 64 hex digits", got, tt.want)
			}
		})
	}
}

// TestDedupeKey_distinct: the same follower's events at the same second
// with different keys must not collapse, and a retry must.
func TestDedupeKey_distinct(t *testing.T) {
	a := Message{FromUserName: "oQx9", CreateTime: 1718012160, Event: "SCAN", EventKey: "a"}
	b := a
	b.EventKey = "b"
	if DedupeKey(a, nil) == DedupeKey(b, nil) {
		t.Error("different scenes share a dedupe key")
	}
	if DedupeKey(a, nil) != DedupeKey(a, []byte("<xml>retry</xml>")) {
		t.Error("a retried event got a different key")
	}
	long1, long2 := a, a
	long1.EventKey, long2.EventKey = strings.Repeat("a", 200), strings.Repeat("a", 199)+"b"
	if DedupeKey(long1, nil) == DedupeKey(long2, nil) {
		t.Error("hashed keys collide")
	}
}
