package bridge

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

var testSecret = []byte("test-secret-0123456789abcdef")

// signedHeader returns the headers of body signed with secret at t.
func signedHeader(t *testing.T, secret []byte, at time.Time, body []byte) http.Header {
	t.Helper()
	ts := strconv.FormatInt(at.Unix(), 10)
	h := http.Header{}
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderSignature, Sign(secret, ts, body))
	return h
}

func TestVerify(t *testing.T) {
	now := time.Date(2026, 1, 1, 1, 30, 0, 0, time.UTC)
	body := []byte(`{"messages":[]}`)
	tests := []struct {
		name   string
		header func(t *testing.T) http.Header
		body   []byte
		secret []byte
		want   error
	}{
		{"good", func(t *testing.T) http.Header { return signedHeader(t, testSecret, now, body) }, body, testSecret, nil},
		{"good_upper_case_hex", func(t *testing.T) http.Header {
			h := signedHeader(t, testSecret, now, body)
			h.Set(HeaderSignature, "sha256="+upperHex(h.Get(HeaderSignature)[len("sha256="):]))
			return h
		}, body, testSecret, nil},
		{"good_at_edge_of_window", func(t *testing.T) http.Header { return signedHeader(t, testSecret, now.Add(-MaxSkew), body) }, body, testSecret, nil},
		{"wrong_secret", func(t *testing.T) http.Header { return signedHeader(t, []byte("other"), now, body) }, body, testSecret, ErrSignature},
		{"tampered_body", func(t *testing.T) http.Header { return signedHeader(t, testSecret, now, body) }, []byte(`{"messages":[{}]}`), testSecret, ErrSignature},
		{"tampered_timestamp", func(t *testing.T) http.Header {
			h := signedHeader(t, testSecret, now, body)
			h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix()+1, 10))
			return h
		}, body, testSecret, ErrSignature},
		{"stale_past", func(t *testing.T) http.Header {
			return signedHeader(t, testSecret, now.Add(-MaxSkew-time.Second), body)
		}, body, testSecret, ErrStale},
		{"stale_future", func(t *testing.T) http.Header { return signedHeader(t, testSecret, now.Add(MaxSkew+time.Second), body) }, body, testSecret, ErrStale},
		{"missing_headers", func(*testing.T) http.Header { return http.Header{} }, body, testSecret, ErrUnsigned},
		{"missing_signature", func(t *testing.T) http.Header {
			h := signedHeader(t, testSecret, now, body)
			h.Del(HeaderSignature)
			return h
		}, body, testSecret, ErrUnsigned},
		{"missing_timestamp", func(t *testing.T) http.Header {
			h := signedHeader(t, testSecret, now, body)
			h.Del(HeaderTimestamp)
			return h
		}, body, testSecret, ErrUnsigned},
		{"non_numeric_timestamp", func(t *testing.T) http.Header {
			h := http.Header{}
			h.Set(HeaderTimestamp, "2026-01-01T01:30:00Z")
			h.Set(HeaderSignature, Sign(testSecret, "2026-01-01T01:30:00Z", body))
			return h
		}, body, testSecret, ErrSignature},
		{"no_prefix", func(t *testing.T) http.Header {
			h := signedHeader(t, testSecret, now, body)
			h.Set(HeaderSignature, h.Get(HeaderSignature)[len("sha256="):])
			return h
		}, body, testSecret, ErrSignature},
		{"not_hex", func(t *testing.T) http.Header {
			h := signedHeader(t, testSecret, now, body)
			h.Set(HeaderSignature, "sha256=zz")
			return h
		}, body, testSecret, ErrSignature},
		{"no_secret_configured", func(t *testing.T) http.Header { return signedHeader(t, nil, now, body) }, body, nil, ErrNoSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.secret, tt.header(t), tt.body, now)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify() = %v, want %v", err, tt.want)
			}
		})
	}
}

func upperHex(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func BenchmarkVerify_1MiB(b *testing.B) {
	body := make([]byte, MaxBodyBytes)
	now := time.Now()
	ts := strconv.FormatInt(now.Unix(), 10)
	h := http.Header{}
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderSignature, Sign(testSecret, ts, body))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := Verify(testSecret, h, body, now); err != nil {
			b.Fatal(err)
		}
	}
}
