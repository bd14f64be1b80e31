package bridge

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxAnswerBytes is how much of the bridge's answer Send returns: the
// outbox keeps it in a 2048-character column.
const maxAnswerBytes = 2048

// defaultTimeout bounds a send when Sender has no Client of its own.
const defaultTimeout = 10 * time.Second

// Sender posts Outgoing messages to the bridge's send webhook. It is the
// outbox's sender for the api "bridge/send".
type Sender struct {
	// URL is bridge.send_url.
	URL string
	// Secret is bridge.secret, shared with the bridge.
	Secret []byte
	// Client makes the requests; nil means a client with a 10 s timeout.
	// Redirects are never followed: a redirected POST loses its body.
	Client *http.Client
}

// SendError is every error Send returns. Temporary says whether sending the
// same payload again later may succeed.
type SendError struct {
	// Status is the bridge's HTTP status, 0 when none was received.
	Status     int
	temporary  bool
	retryAfter time.Duration
	err        error
}

// Error describes the failure, with the start of the bridge's answer.
func (e *SendError) Error() string { return e.err.Error() }

// Unwrap returns the underlying error.
func (e *SendError) Unwrap() error { return e.err }

// Temporary is true for 408, 429, 5xx and network failures (including the
// context's deadline): the outbox retries them.
func (e *SendError) Temporary() bool { return e.temporary }

// RetryAfter is the wait the bridge asked for with Retry-After, or 0.
func (e *SendError) RetryAfter() time.Duration { return e.retryAfter }

// Send posts payload, an Outgoing as JSON, signed and with its idempotency
// key, and returns the start of the bridge's 2xx answer. Any other outcome
// is a *SendError.
func (s *Sender) Send(ctx context.Context, payload []byte) ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, &SendError{err: err}
	}
	o, body, err := parseOutgoing(payload)
	if err != nil {
		return nil, &SendError{err: err}
	}
	req, err := s.request(ctx, o.IdempotencyKey, body)
	if err != nil {
		return nil, &SendError{err: err}
	}
	resp, err := s.client().Do(req)
	if err != nil {
		return nil, &SendError{temporary: true, err: fmt.Errorf("post to bridge: %w", err)}
	}
	defer resp.Body.Close()
	// A 2xx whose answer breaks off was still accepted: the send happened.
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	answer = bytes.ToValidUTF8(answer, nil)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return answer, nil
	}
	return nil, statusError(resp, answer, time.Now())
}

// check refuses to send unsigned or to a URL that can never work, so such a
// row fails at once instead of being retried.
func (s *Sender) check() error {
	if len(s.Secret) == 0 {
		return ErrNoSecret
	}
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("bridge.send_url %q is not an absolute http or https URL", s.URL)
	}
	return nil
}

func (s *Sender) request(ctx context.Context, key string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build bridge send request: %w", err)
	}
	timestamp := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set(HeaderTimestamp, timestamp)
	req.Header.Set(HeaderSignature, Sign(s.Secret, timestamp, body))
	req.Header.Set(HeaderIdempotencyKey, key)
	return req, nil
}

// client is a copy of s.Client that does not follow redirects.
func (s *Sender) client() *http.Client {
	c := http.Client{Timeout: defaultTimeout}
	if s.Client != nil {
		c = *s.Client
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// statusError classifies a non-2xx answer: 408, 429 and 5xx are temporary,
// everything else (4xx, a redirect) is permanent.
func statusError(resp *http.Response, answer []byte, now time.Time) *SendError {
	code := resp.StatusCode
	e := &SendError{
		Status:    code,
		temporary: code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500,
		err:       fmt.Errorf("bridge answered %s: %s", resp.Status, snippet(answer)),
	}
	if code >= 300 && code < 400 {
		e.err = fmt.Errorf("bridge answered %s to %q: set bridge.send_url to the final address", resp.Status, resp.Header.Get("Location"))
	}
	if e.temporary {
		e.retryAfter = retryAfter(resp.Header.Get("Retry-After"), now)
	}
	return e
}

// maxRetryAfter caps the wait a bridge may ask for, so a bad header cannot
// park a send for days.
const maxRetryAfter = 24 * time.Hour

// retryAfter reads Retry-After as seconds or as an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	var d time.Duration
	if secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
		d = time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// snippet is the start of an answer, short enough for an error column.
func snippet(answer []byte) string {
	const maxRunes = 300
	s := strings.TrimSpace(string(answer))
	if r := []rune(s); len(r) > maxRunes {
		return string(r[:maxRunes]) + "…"
	}
	if s == "" {
		return "(empty answer)"
	}
	return s
}
