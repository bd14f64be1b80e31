package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func testOutgoing() Outgoing {
	return Outgoing{
		IdempotencyKey: "script-reply:CAQQ1N7pzQYY8Pqp2pKAgAMgqcTOBQ==",
		ChatID:         "wrOgQhDgAAH2Yy-9zz8Hw0lf2v5PSXbA",
		MsgType:        "text",
		Text:           "您好!周末保養(yǎng)建議提前一天預約 🚗",
		Mentions:       []string{"wmOgQhDgAAuXFjGCiZ6bq0Zr9u3gHEsA"},
		ReplyTo:        "CAQQ1N7pzQYY8Pqp2pKAgAMgqcTOBQ==",
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recorder is a fake bridge send webhook that keeps what it receives and
// answers with answer.
type recorder struct {
	mu       sync.Mutex
	requests []*http.Request
	bodies   [][]byte
	answer   http.HandlerFunc
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.requests = append(rec.requests, r)
	rec.bodies = append(rec.bodies, body)
	rec.mu.Unlock()
	rec.answer(w, r)
}

func (rec *recorder) count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.requests)
}

func newBridge(t *testing.T, answer http.HandlerFunc) (*recorder, *httptest.Server) {
	t.Helper()
	rec := &recorder{answer: answer}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, srv
}

func TestSender_Send_OK(t *testing.T) {
	rec, srv := newBridge(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"msg_id":"CAQQ9N7pzQYY8Pqp2pKAgAMgqcTOBQ=="}`)
	})
	out := testOutgoing()
	s := &Sender{URL: srv.URL + "/send", Secret: testSecret}
	answer, err := s.Send(context.Background(), mustJSON(t, out))
	if err != nil {
		t.Fatalf("Send() error = %v", err)
	}
	if string(answer) != `{"msg_id":"CAQQ9N7pzQYY8Pqp2pKAgAMgqcTOBQ=="}` {
		t.Errorf("Send() answer = %q", answer)
	}
	if rec.count() != 1 {
		t.Fatalf("bridge got %d requests, want 1", rec.count())
	}
	r, body := rec.requests[0], rec.bodies[0]
	if r.Method != http.MethodPost || r.URL.Path != "/send" {
		t.Errorf("request = %s %s, want POST /send", r.Method, r.URL.Path)
	}
	if got := r.Header.Get("Content-Type"); got != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := r.Header.Get(HeaderIdempotencyKey); got != out.IdempotencyKey {
		t.Errorf("%s = %q, want %q", HeaderIdempotencyKey, got, out.IdempotencyKey)
	}
	if err := Verify(testSecret, r.Header, body, time.Now()); err != nil {
		t.Errorf("Verify(sent request) = %v", err)
	}
	var got Outgoing
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(out, got); diff != "" {
		t.Errorf("sent body mismatch (-want +got):\n%s", diff)
	}
}

func TestSender_Send_Errors(t *testing.T) {
	tests := []struct {
		name           string
		answer         http.HandlerFunc
		wantStatus     int
		wantTemporary  bool
		wantRetryAfter time.Duration
		wantInError    string
	}{
		{"bad_request_is_permanent", answerWith(http.StatusBadRequest, nil, `{"error":"unknown_chat","message":"機器人不在該群"}`),
			400, false, 0, "機器人不在該群"},
		{"not_found_is_permanent", answerWith(http.StatusNotFound, nil, ""), 404, false, 0, "(empty answer)"},
		{"too_many_requests_with_retry_after", answerWith(http.StatusTooManyRequests, map[string]string{"Retry-After": "7"}, "slow down"),
			429, true, 7 * time.Second, "slow down"},
		{"request_timeout_is_temporary", answerWith(http.StatusRequestTimeout, nil, ""), 408, true, 0, "408"},
		{"unavailable_is_temporary", answerWith(http.StatusServiceUnavailable, map[string]string{"Retry-After": "120"}, "維護中"),
			503, true, 2 * time.Minute, "維護中"},
		{"internal_error_is_temporary", answerWith(http.StatusInternalServerError, nil, "boom"), 500, true, 0, "boom"},
		{"redirect_is_permanent_and_not_followed", answerWith(http.StatusFound, map[string]string{"Location": "/elsewhere"}, ""),
			302, false, 0, "/elsewhere"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, srv := newBridge(t, tt.answer)
			s := &Sender{URL: srv.URL, Secret: testSecret, Client: srv.Client()}
			answer, err := s.Send(context.Background(), mustJSON(t, testOutgoing()))
			se := wantSendError(t, answer, err, tt.wantTemporary)
			if se.Status != tt.wantStatus || se.RetryAfter() != tt.wantRetryAfter {
				t.Errorf("Status, RetryAfter = %d, %v; want %d, %v", se.Status, se.RetryAfter(), tt.wantStatus, tt.wantRetryAfter)
			}
			if !strings.Contains(err.Error(), tt.wantInError) {
				t.Errorf("error %q does not contain %q", err, tt.wantInError)
			}
			if rec.count() != 1 {
				t.Errorf("bridge got %d requests, want 1", rec.count())
			}
		})
	}
}

func answerWith(status int, header map[string]string, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// wantSendError asserts that Send failed with a *SendError of the given class.
func wantSendError(t *testing.T, answer []byte, err error, temporary bool) *SendError {
	t.Helper()
	var se *SendError
	if !errors.As(err, &se) {
		t.Fatalf("Send() = %q, %v; want a *SendError", answer, err)
	}
	if answer != nil {
		t.Errorf("Send() answer = %q on failure, want nil", answer)
	}
	if se.Temporary() != temporary {
		t.Fatalf("Temporary() = %v, want %v (error: %v)", se.Temporary(), temporary, err)
	}
	return se
}

func TestSender_Send_ClosedServer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	s := &Sender{URL: url, Secret: testSecret}
	answer, err := s.Send(context.Background(), mustJSON(t, testOutgoing()))
	if se := wantSendError(t, answer, err, true); se.Status != 0 {
		t.Errorf("Status = %d, want 0", se.Status)
	}
}

func TestSender_Send_ContextTimeout(t *testing.T) {
	_, srv := newBridge(t, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers: the sender gives up
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	s := &Sender{URL: srv.URL, Secret: testSecret}
	answer, err := s.Send(ctx, mustJSON(t, testOutgoing()))
	wantSendError(t, answer, err, true)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want one matching context.DeadlineExceeded", err)
	}
}

func TestSender_Send_RefusesBeforeSending(t *testing.T) {
	bad := testOutgoing()
	bad.IdempotencyKey = ""
	tests := []struct {
		name        string
		sender      Sender
		payload     []byte
		wantInError string
	}{
		{"no_secret", Sender{}, mustJSON(t, testOutgoing()), "bridge.secret is not configured"},
		{"no_url", Sender{Secret: testSecret}, mustJSON(t, testOutgoing()), "bridge.send_url"},
		{"not_json", Sender{Secret: testSecret}, []byte("hello"), "body is not a JSON object"},
		{"no_idempotency_key", Sender{Secret: testSecret}, mustJSON(t, bad), "idempotency_key: required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, srv := newBridge(t, answerWith(http.StatusOK, nil, "{}"))
			if tt.name != "no_url" {
				tt.sender.URL = srv.URL
			}
			answer, err := tt.sender.Send(context.Background(), tt.payload)
			wantSendError(t, answer, err, false)
			if !strings.Contains(err.Error(), tt.wantInError) {
				t.Errorf("error %q does not contain %q", err, tt.wantInError)
			}
			if rec.count() != 0 {
				t.Errorf("bridge got %d requests, want none", rec.count())
			}
		})
	}
}

func TestSender_Send_LongAnswerIsCut(t *testing.T) {
	_, srv := newBridge(t, answerWith(http.StatusOK, nil, strings.Repeat("群", maxAnswerBytes)))
	s := &Sender{URL: srv.URL, Secret: testSecret}
	answer, err := s.Send(context.Background(), mustJSON(t, testOutgoing()))
	if err != nil {
		t.Fatal(err)
	}
	// 2048 bytes end inside a three-byte character, which is dropped.
	if want := strings.Repeat("群", maxAnswerBytes/3); string(answer) != want {
		t.Errorf("answer is %d bytes, want %d", len(answer), len(want))
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 1, 30, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 30 ", 30 * time.Second},
		{"-3", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"99999999999999", maxRetryAfter},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.header, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}
