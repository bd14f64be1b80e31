package wecom_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/wecom"
)

func TestAIBotResponder_Send(t *testing.T) {
	var got []byte
	answer := `{"errcode":0,"errmsg":"ok"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		_, _ = io.WriteString(w, answer)
	}))
	defer srv.Close()
	r := &wecom.AIBotResponder{HTTP: srv.Client(), Base: srv.URL}
	payload := func(u string) []byte {
		b, _ := json.Marshal(wecom.AIBotResponse{URL: u, Content: "門店 9:00 開門"})
		return b
	}
	if _, err := r.Send(context.Background(), payload(srv.URL+"/cgi-bin/aibot/response?response_code=c1")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), `"msgtype":"markdown"`) || !strings.Contains(string(got), "門店 9:00 開門") {
		t.Fatalf("posted %s", got)
	}
	got = nil
	// WeCom's own URL goes through the configured base (an egress proxy).
	if _, err := r.Send(context.Background(), payload("https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=c3")); err != nil || got == nil {
		t.Fatalf("official response_url not re-rooted at the base: err %v", err)
	}

	tests := []struct {
		name      string
		payload   []byte
		answer    string
		temporary bool
	}{
		{"not json", []byte("{"), "", false},
		{"url outside api base", payload("https://evil.example.com/x"), "", false},
		{"used or expired response_url", payload(srv.URL + "/cgi-bin/aibot/response?response_code=old"), `{"errcode":40058,"errmsg":"invalid response_code"}`, false},
		{"system busy", payload(srv.URL + "/cgi-bin/aibot/response?response_code=c2"), `{"errcode":-1,"errmsg":"system busy"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answer = tt.answer
			_, err := r.Send(context.Background(), tt.payload)
			if err == nil {
				t.Fatal("want an error")
			}
			if wecom.IsTemporary(err) != tt.temporary {
				t.Fatalf("temporary = %v for %v", !tt.temporary, err)
			}
			if !tt.temporary && tt.answer == "" && !errors.Is(err, wecom.ErrInvalidRequest) {
				t.Fatalf("err = %v, want ErrInvalidRequest", err)
			}
		})
	}
}
