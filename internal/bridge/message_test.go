package bridge

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// msg is one wire message as a map, so tests can drop fields or give them
// the wrong type.
type msg map[string]any

func validMsg(id string) msg {
	return msg{
		"msg_id":      id,
		"chat_id":     "wrOgQhDgAAH2Yy-9zz8Hw0lf2v5PSXbA",
		"chat_name":   "望京店車友群",
		"chat_type":   "group",
		"sender_id":   "wmOgQhDgAAuXFjGCiZ6bq0Zr9u3gHEsA",
		"sender_name": "李雷",
		"sender_role": "member",
		"msg_type":    "text",
		"text":        "請問周末保養(yǎng)需要預約嗎?",
		"sent_at":     "2026-01-01T09:29:58+08:00",
	}
}

// with returns a copy of m with fields set; a nil value deletes the field.
func (m msg) with(kv ...any) msg {
	out := msg{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func batch(t testing.TB, msgs ...any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"messages": msgs})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func batchOf(t testing.TB, n int) []byte {
	t.Helper()
	msgs := make([]any, n)
	for i := range msgs {
		msgs[i] = validMsg("msg-" + strings.Repeat("x", i%10) + string(rune('a'+i%26)))
	}
	return batch(t, msgs...)
}

func TestParseMessages(t *testing.T) {
	longText := strings.Repeat("保", MaxTextRunes)
	tests := []struct {
		name    string
		body    []byte
		wantErr string // the error's text; "" for success
		wantIs  error
		wantLen int
	}{
		{name: "valid_single", body: batch(t, validMsg("m1")), wantLen: 1},
		{name: "batch", body: batch(t, validMsg("m1"), validMsg("m2"), validMsg("m3")), wantLen: 3},
		{name: "batch_of_100", body: batchOf(t, 100), wantLen: 100},
		{name: "empty_batch", body: []byte(`{"messages":[]}`), wantErr: "messages: at least 1 message required", wantIs: ErrInvalid},
		{name: "no_messages_field", body: []byte(`{}`), wantErr: "messages: required", wantIs: ErrInvalid},
		{name: "101_messages", body: batchOf(t, 101), wantErr: "messages: at most 100 messages, got 101", wantIs: ErrInvalid},
		{name: "missing_msg_id", body: batch(t, validMsg("m1"), validMsg("m2"), validMsg("m3"), validMsg("").with("msg_id", nil)), wantErr: "messages[3].msg_id: required", wantIs: ErrInvalid},
		{name: "msg_id_with_space", body: batch(t, validMsg("m 1")), wantErr: "messages[0].msg_id: must be printable ASCII without spaces"},
		{name: "msg_id_not_string", body: batch(t, validMsg("m1").with("msg_id", 42)), wantErr: "messages[0].msg_id: must be a string", wantIs: ErrInvalid},
		{name: "message_not_object", body: batch(t, validMsg("m1"), "hello"), wantErr: "messages[1]: must be an object", wantIs: ErrInvalid},
		{name: "bad_chat_type", body: batch(t, validMsg("m1").with("chat_type", "room")), wantErr: "messages[0].chat_type: must be one of group, single"},
		{name: "missing_chat_id", body: batch(t, validMsg("m1").with("chat_id", " ")), wantErr: "messages[0].chat_id: required"},
		{name: "bad_sender_role", body: batch(t, validMsg("m1").with("sender_role", "admin")), wantErr: "messages[0].sender_role: must be one of member, staff"},
		{name: "bad_msg_type", body: batch(t, validMsg("m1").with("msg_type", "sticker")), wantErr: "messages[0].msg_type: must be one of text, image, link, file, voice, video, mixed, system"},
		{name: "bad_sent_at", body: batch(t, validMsg("m1").with("sent_at", "yesterday")), wantErr: "messages[0].sent_at: must be an RFC 3339 time with an offset, like 2026-01-01T09:30:00+08:00"},
		{name: "sent_at_without_offset", body: batch(t, validMsg("m1").with("sent_at", "2026-01-01 09:29:58")), wantErr: "messages[0].sent_at: must be an RFC 3339 time with an offset, like 2026-01-01T09:30:00+08:00"},
		{name: "sent_at_as_number", body: batch(t, validMsg("m1").with("sent_at", 1767231000)), wantErr: "messages[0].sent_at: must be a string"},
		{name: "missing_sent_at", body: batch(t, validMsg("m1").with("sent_at", nil)), wantErr: "messages[0].sent_at: required"},
		{name: "text_type_without_text", body: batch(t, validMsg("m1").with("text", nil)), wantErr: "messages[0].text: required"},
		{name: "text_at_limit", body: batch(t, validMsg("m1").with("text", longText)), wantLen: 1},
		{name: "text_over_limit", body: batch(t, validMsg("m1").with("text", longText+"😩")), wantErr: "messages[0].text: at most 10000 characters, got 10001"},
		{name: "link_type_without_link", body: batch(t, validMsg("m1").with("msg_type", "link", "text", nil)), wantErr: "messages[0].link: required for msg_type link"},
		{name: "link_with_bad_url", body: batch(t, validMsg("m1").with("link", map[string]any{"url": "javascript:alert(1)"})), wantErr: "messages[0].link.url: must be an absolute http or https URL"},
		{name: "link_not_object", body: batch(t, validMsg("m1").with("link", "https://example.com")), wantErr: "messages[0].link: must be an object"},
		{name: "empty_mention", body: batch(t, validMsg("m1").with("mentions", []string{"xiaoq", ""})), wantErr: "messages[0].mentions[1]: required"},
		{name: "image_without_url", body: batch(t, validMsg("m1").with("msg_type", "image", "text", nil)), wantLen: 1},
		{name: "unknown_fields_ignored", body: []byte(`{"version":2,"messages":[{"msg_id":"m1","chat_id":"c","chat_type":"group","sender_id":"s","sender_role":"member","msg_type":"system","sent_at":"2026-01-01T00:00:00Z","reactions":{"👍":3}}]}`), wantLen: 1},
		{name: "non_json", body: []byte(`messages=hello`), wantIs: ErrMalformed},
		{name: "empty_body", body: nil, wantIs: ErrMalformed},
		{name: "top_level_array", body: []byte(`[{"msg_id":"m1"}]`), wantIs: ErrMalformed},
		{name: "trailing_garbage", body: append(batch(t, validMsg("m1")), "}"...), wantIs: ErrMalformed},
		{name: "messages_not_array", body: []byte(`{"messages":{"msg_id":"m1"}}`), wantErr: "messages: must be an array", wantIs: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMessages(tt.body)
			failed := tt.wantErr != "" || tt.wantIs != nil
			switch {
			case !failed && err != nil:
				t.Fatalf("ParseMessages() error = %v", err)
			case failed && err == nil:
				t.Fatalf("ParseMessages() = %d messages, want error %q %v", len(got), tt.wantErr, tt.wantIs)
			case tt.wantErr != "" && err.Error() != tt.wantErr:
				t.Fatalf("ParseMessages() error = %q, want %q", err, tt.wantErr)
			case tt.wantIs != nil && !errors.Is(err, tt.wantIs):
				t.Fatalf("ParseMessages() error = %v, want one matching %v", err, tt.wantIs)
			case len(got) != tt.wantLen:
				t.Fatalf("ParseMessages() = %d messages, want %d", len(got), tt.wantLen)
			}
		})
	}
}

func TestParseMessages_Decodes(t *testing.T) {
	in := validMsg("CAQQ1N7pzQYY8Pqp2pKAgAMgqcTOBQ==").with(
		"text", "@小Q助手 周末保養(yǎng)要預約嗎?等了兩小時 😩👍🏻\n謝謝",
		"mentions", []string{"xiaoq"},
		"mentions_bot", true,
		"quote_msg_id", "CAQQ0N7pzQYY8Pqp2pKAgAMgqcTOBQ==",
		"image_url", "https://media.example.com/a.jpg",
		"link", map[string]any{"title": "保養(yǎng)指南", "url": "https://example.com/x"},
	)
	got, err := ParseMessages(batch(t, in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Message{{
		MsgID:       "CAQQ1N7pzQYY8Pqp2pKAgAMgqcTOBQ==",
		ChatID:      "wrOgQhDgAAH2Yy-9zz8Hw0lf2v5PSXbA",
		ChatName:    "望京店車友群",
		ChatType:    "group",
		SenderID:    "wmOgQhDgAAuXFjGCiZ6bq0Zr9u3gHEsA",
		SenderName:  "李雷",
		SenderRole:  "member",
		MsgType:     "text",
		Text:        "@小Q助手 周末保養(yǎng)要預約嗎?等了兩小時 😩👍🏻\n謝謝",
		ImageURL:    "https://media.example.com/a.jpg",
		Link:        &Link{Title: "保養(yǎng)指南", URL: "https://example.com/x"},
		Mentions:    []string{"xiaoq"},
		MentionsBot: true,
		QuoteMsgID:  "CAQQ0N7pzQYY8Pqp2pKAgAMgqcTOBQ==",
		SentAt:      time.Date(2026, 1, 1, 1, 29, 58, 0, time.UTC),
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("ParseMessages() mismatch (-want +got):\n%s", diff)
	}
	if loc := got[0].SentAt.Location(); loc != time.UTC {
		t.Errorf("SentAt location = %v, want UTC", loc)
	}
}

func TestParseMessages_FieldErrorNamesField(t *testing.T) {
	_, err := ParseMessages(batch(t, validMsg("m1"), validMsg("m2").with("sender_id", nil)))
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "messages[1].sender_id" || fe.Problem != "required" {
		t.Fatalf("ParseMessages() error = %#v, want FieldError for messages[1].sender_id", err)
	}
}

func TestMessage_KindAndDedupeKey(t *testing.T) {
	m := Message{MsgID: "CAQQ1N7pzQYY8Pqp2pKAgAMgqcTOBQ==", MsgType: "image"}
	if got := m.Kind(); got != "bridge/image" {
		t.Errorf("Kind() = %q", got)
	}
	if got := m.DedupeKey(); got != "bridge:CAQQ1N7pzQYY8Pqp2pKAgAMgqcTOBQ==" {
		t.Errorf("DedupeKey() = %q", got)
	}
}

func BenchmarkParseMessages_100(b *testing.B) {
	body := batchOf(b, 100)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := ParseMessages(body); err != nil {
			b.Fatal(err)
		}
	}
}
