// Package wechat is qunbot's callback layer for the WeChat Official Account
// (公眾號): it verifies the server URL, checks and (in safe mode) decrypts
// follower messages and events, parses them into qunbot's own Message, and
// builds passive replies. It uses silenceper/wechat's util crypto helpers,
// but not its server, whose Serve reads the request itself and checks no
// timestamp.
package wechat

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/silenceper/wechat/v2/util"
)

// Sentinel errors of VerifyURL and Open; they come back wrapped with detail,
// so callers test them with errors.Is.
var (
	// ErrSignature means signature or msg_signature does not match.
	ErrSignature = errors.New("wechat callback: bad signature")
	// ErrStale means the timestamp is not a unix time within MaxSkew of now.
	ErrStale = errors.New("wechat callback: stale or bad timestamp")
	// ErrMalformed means the query, body, ciphertext or plaintext is not what
	// WeChat sends.
	ErrMalformed = errors.New("wechat callback: malformed")
	// ErrAppID means the payload was encrypted for another Official Account.
	ErrAppID = errors.New("wechat callback: appid mismatch")
)

// MaxSkew is how far a callback's timestamp may be from now, either way,
// before it is refused as a replay.
const MaxSkew = 5 * time.Minute

const (
	encodedKeyLen = 43
	aesKeyLen     = 32
	padBlock      = 32 // WeChat pads PKCS#7 to 32 bytes, not to the AES block
	randomLen     = 16
	encryptAES    = "aes"
)

// Config is the Official Account's server configuration (服務(wù)器配置).
type Config struct {
	// AppID is checked against the appid inside every safe-mode payload.
	AppID string
	// Token signs every callback.
	Token string
	// EncodingAESKey is empty in plaintext mode (明文模式) and 43 characters
	// in safe or compatible mode (安全模式/兼容模式).
	EncodingAESKey string
}

// Callback checks, opens and answers Official Account callbacks for one
// account. It holds no mutable state and is safe for concurrent use.
type Callback struct {
	appID  string
	token  string
	aesKey string // encoded, as util.EncryptMsg wants it; empty: plaintext mode only
	key    []byte // aesKey decoded, for decrypting
}

// New validates cfg and returns a Callback. Errors name the config key.
func New(cfg Config) (*Callback, error) {
	if cfg.Token == "" {
		return nil, errors.New("new wechat callback: wechat.token must not be empty")
	}
	if cfg.EncodingAESKey == "" {
		return &Callback{appID: cfg.AppID, token: cfg.Token}, nil
	}
	if len(cfg.EncodingAESKey) != encodedKeyLen {
		return nil, fmt.Errorf("new wechat callback: wechat.encoding_aes_key must be %d chars, got %d", encodedKeyLen, len(cfg.EncodingAESKey))
	}
	key, err := base64.StdEncoding.DecodeString(cfg.EncodingAESKey + "=")
	if err != nil || len(key) != aesKeyLen {
		return nil, fmt.Errorf("new wechat callback: wechat.encoding_aes_key must be base64 of %d bytes", aesKeyLen)
	}
	if cfg.AppID == "" {
		return nil, errors.New("new wechat callback: wechat.app_id must not be empty when wechat.encoding_aes_key is set (safe mode checks it)")
	}
	return &Callback{appID: cfg.AppID, token: cfg.Token, aesKey: cfg.EncodingAESKey, key: key}, nil
}

// VerifyURL answers WeChat's URL check (GET with signature, timestamp, nonce
// and echostr): it returns echostr, to be written back as is. The check is
// the same in every mode.
func (c *Callback) VerifyURL(q url.Values, now time.Time) (string, error) {
	if err := c.checkSignature(q, now); err != nil {
		return "", fmt.Errorf("verify wechat url: %w", err)
	}
	echostr := q.Get("echostr")
	if echostr == "" {
		return "", fmt.Errorf("verify wechat url: %w: no echostr", ErrMalformed)
	}
	return echostr, nil
}

// Open checks one POSTed callback and returns its plaintext XML. With
// encrypt_type=aes (safe and compatible mode) it checks the timestamp,
// msg_signature over the <Encrypt> element, decrypts it and checks the
// appid; otherwise (plaintext mode) it checks the timestamp and signature
// and returns body. A plaintext request is accepted even when an
// EncodingAESKey is configured: it is signed with the same token, and the
// operator may switch the account's mode before qunbot's config. Limiting
// the body size is the caller's job.
func (c *Callback) Open(q url.Values, body []byte, now time.Time) ([]byte, error) {
	switch q.Get("encrypt_type") {
	case encryptAES:
		msg, err := c.openSafe(q, body, now)
		if err != nil {
			return nil, fmt.Errorf("open wechat callback: %w", err)
		}
		return msg, nil
	case "", "raw":
		if err := c.checkSignature(q, now); err != nil {
			return nil, fmt.Errorf("open wechat callback: %w", err)
		}
		if len(body) == 0 {
			return nil, fmt.Errorf("open wechat callback: %w: empty body", ErrMalformed)
		}
		return body, nil
	default:
		return nil, fmt.Errorf("open wechat callback: %w: encrypt_type %q", ErrMalformed, clip(q.Get("encrypt_type"), 32))
	}
}

// checkSignature checks the timestamp, then signature = sha1 of the sorted
// token, timestamp and nonce.
func (c *Callback) checkSignature(q url.Values, now time.Time) error {
	ts := q.Get("timestamp")
	if err := checkTimestamp(ts, now); err != nil {
		return err
	}
	return checkSig(q.Get("signature"), util.Signature(c.token, ts, q.Get("nonce")), "signature")
}

// openSafe handles a safe-mode (or compatible-mode) request.
func (c *Callback) openSafe(q url.Values, body []byte, now time.Time) ([]byte, error) {
	if c.aesKey == "" {
		return nil, fmt.Errorf("%w: encrypt_type=aes but wechat.encoding_aes_key is not set", ErrMalformed)
	}
	ts := q.Get("timestamp")
	if err := checkTimestamp(ts, now); err != nil {
		return nil, err
	}
	encrypted, err := encryptedFromXML(body)
	if err != nil {
		return nil, err
	}
	want := util.Signature(c.token, ts, q.Get("nonce"), encrypted)
	if err := checkSig(q.Get("msg_signature"), want, "msg_signature"); err != nil {
		return nil, err
	}
	msg, appID, err := c.decrypt(encrypted)
	if err != nil {
		return nil, err
	}
	if string(appID) != c.appID {
		return nil, fmt.Errorf("%w: got %q", ErrAppID, clip(string(appID), 64))
	}
	return msg, nil
}

// checkSig compares a signature from the query with the expected one in
// constant time.
func checkSig(got, want, name string) error {
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return fmt.Errorf("%w: %s %q does not match", ErrSignature, name, clip(got, 64))
	}
	return nil
}

// envelope is a safe-mode request body. In compatible mode it also carries
// the plaintext fields, which are ignored: only the signed ciphertext counts.
type envelope struct {
	XMLName xml.Name `xml:"xml"`
	Encrypt string   `xml:"Encrypt"`
}

func encryptedFromXML(body []byte) (string, error) {
	if len(body) == 0 {
		return "", fmt.Errorf("%w: empty body", ErrMalformed)
	}
	var env envelope
	if err := xml.Unmarshal(body, &env); err != nil {
		return "", fmt.Errorf("%w: body is not an <xml> envelope: %v", ErrMalformed, err)
	}
	if env.Encrypt == "" {
		return "", fmt.Errorf("%w: no Encrypt in body", ErrMalformed)
	}
	return env.Encrypt, nil
}

// decrypt checks the ciphertext's shape before handing it to silenceper's
// AESDecryptMsg (the step of util.DecryptMsg that returns the appid, so a
// mismatch can be told apart from garbage), and recovers in case the SDK
// panics on input this check missed.
func (c *Callback) decrypt(encrypted string) (msg, appID []byte, err error) {
	raw, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: ciphertext is not base64: %v", ErrMalformed, err)
	}
	if len(raw) == 0 || len(raw)%padBlock != 0 {
		return nil, nil, fmt.Errorf("%w: ciphertext of %d bytes is not whole %d-byte blocks", ErrMalformed, len(raw), padBlock)
	}
	defer func() {
		if r := recover(); r != nil {
			msg, appID, err = nil, nil, fmt.Errorf("%w: decrypt panicked: %v", ErrMalformed, r)
		}
	}()
	_, msg, appID, err = util.AESDecryptMsg(raw, c.key)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: decrypt: %v", ErrMalformed, err)
	}
	return msg, appID, nil
}

// checkTimestamp refuses a timestamp that is not a unix time within MaxSkew
// of now: WeChat signs it, so a window bounds replays of captured callbacks.
func checkTimestamp(timestamp string, now time.Time) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not a unix time", ErrStale, clip(timestamp, 64))
	}
	// Compare against now±MaxSkew rather than subtract: ts can be anything.
	window := int64(MaxSkew / time.Second)
	if nowTS := now.Unix(); ts < nowTS-window || ts > nowTS+window {
		return fmt.Errorf("%w: timestamp %d is more than %v from now (%d)", ErrStale, ts, MaxSkew, nowTS)
	}
	return nil
}

// clip shortens a string the sender chose to at most limit bytes before it
// goes into an error, and so into logs.
func clip(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "…"
}
