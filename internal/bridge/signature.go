package bridge

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names of the contract, on requests in both directions.
const (
	// HeaderTimestamp carries the signing time in unix seconds.
	HeaderTimestamp = "X-Qunbot-Timestamp"
	// HeaderSignature carries "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)).
	HeaderSignature = "X-Qunbot-Signature"
	// HeaderIdempotencyKey names one intended send on qunbot's sends to the bridge.
	HeaderIdempotencyKey = "Idempotency-Key"
)

const signaturePrefix = "sha256="

// Errors of Verify. The endpoint answers ErrUnsigned with 401 and
// ErrSignature or ErrStale with 403.
var (
	// ErrUnsigned means the timestamp or signature header is missing.
	ErrUnsigned = errors.New("request is not signed")
	// ErrSignature means the signature does not match the body and timestamp.
	ErrSignature = errors.New("bad signature")
	// ErrStale means the timestamp is more than MaxSkew away from now.
	ErrStale = errors.New("stale timestamp")
	// ErrNoSecret means qunbot has no bridge.secret: nothing can be verified
	// or signed, which is the server's configuration fault, not the caller's.
	ErrNoSecret = errors.New("bridge.secret is not configured")
)

// Sign returns the signature header value for body signed at timestamp (unix
// seconds, as sent in HeaderTimestamp).
func Sign(secret []byte, timestamp string, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, timestamp, body))
}

func mac(secret []byte, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(timestamp))
	h.Write([]byte("."))
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks the signature headers of a request with body against secret
// and the clock now. The signature is checked before the time window, so a
// bridge with the right secret and a wrong clock learns that its clock is off.
func Verify(secret []byte, h http.Header, body []byte, now time.Time) error {
	if len(secret) == 0 {
		return ErrNoSecret
	}
	timestamp, signature := h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if timestamp == "" || signature == "" {
		return ErrUnsigned
	}
	unix, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s is not unix seconds", ErrSignature, HeaderTimestamp)
	}
	hexSig, prefixed := strings.CutPrefix(signature, signaturePrefix)
	got, err := hex.DecodeString(hexSig)
	if !prefixed || err != nil {
		return fmt.Errorf("%w: %s must be sha256=<hex>", ErrSignature, HeaderSignature)
	}
	if !hmac.Equal(got, mac(secret, timestamp, body)) {
		return ErrSignature
	}
	if skew := now.Sub(time.Unix(unix, 0)).Abs(); skew > MaxSkew {
		return fmt.Errorf("%w: %s is %s away from server time", ErrStale, HeaderTimestamp, skew.Round(time.Second))
	}
	return nil
}
