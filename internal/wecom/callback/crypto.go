// Package callback is qunbot's own thin layer for WeCom callbacks: it
// verifies, decrypts and checks app callbacks (XML) and AI bot callbacks
// (JSON), and parses them into qunbot's own types. It does not use the SDKs'
// servers: they check neither the receive id nor the timestamp, panic on an
// empty body and drop all but one MemChangeList item (WECOM.md).
package callback

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxBodySize is the largest callback body qunbot reads; WeCom's callbacks
// are a few kilobytes.
const MaxBodySize = 1 << 20

// Sentinel errors of Open and VerifyURL; they come back wrapped with detail,
// so callers test them with errors.Is.
var (
	// ErrSignature means msg_signature does not match the token, timestamp,
	// nonce and ciphertext.
	ErrSignature = errors.New("wecom callback: bad signature")
	// ErrStale means the timestamp is not a unix time within MaxSkew of now.
	ErrStale = errors.New("wecom callback: stale or bad timestamp")
	// ErrMalformed means the body, the ciphertext or the decrypted payload is
	// not what WeCom sends.
	ErrMalformed = errors.New("wecom callback: malformed")
	// ErrReceiveID means the payload was encrypted for another receiver (corp).
	ErrReceiveID = errors.New("wecom callback: receive id mismatch")
)

// MaxSkew is how far a callback's timestamp may be from now, either way,
// before Open refuses it as a replay.
const MaxSkew = 5 * time.Minute

const (
	aesKeyLen    = 32
	padBlock     = 32 // WeCom pads PKCS#7 to 32 bytes, not to the AES block
	randomLen    = 16
	lengthLen    = 4
	headerLen    = randomLen + lengthLen
	encodedKeyLn = 43
)

// Crypto implements WeCom's callback crypto: msg_signature is the hex SHA-1
// of the sorted token, timestamp, nonce and ciphertext; the ciphertext is
// AES-256-CBC with key = base64(EncodingAESKey+"="), IV = key[:16], PKCS#7
// padding to 32-byte blocks, over 16 random bytes | 4-byte big-endian length
// | msg | receive id. A Crypto is safe for concurrent use.
type Crypto struct {
	token     string
	receiveID string
	key       []byte
	block     cipher.Block
}

// New returns a Crypto for one callback endpoint. receiveID is the corp id
// for app callbacks and "" for the AI bot (doc 100719).
func New(token, encodingAESKey, receiveID string) (*Crypto, error) {
	if token == "" {
		return nil, errors.New("new wecom callback crypto: Token must not be empty")
	}
	if len(encodingAESKey) != encodedKeyLn {
		return nil, fmt.Errorf("new wecom callback crypto: EncodingAESKey must be %d characters, got %d", encodedKeyLn, len(encodingAESKey))
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != aesKeyLen {
		return nil, fmt.Errorf("new wecom callback crypto: EncodingAESKey must be base64 of %d bytes", aesKeyLen)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("new wecom callback crypto: EncodingAESKey: %w", err)
	}
	return &Crypto{token: token, receiveID: receiveID, key: key, block: block}, nil
}

// Query holds the signature parameters WeCom puts in the callback URL.
type Query struct {
	Signature, Timestamp, Nonce string
}

// QueryFrom reads msg_signature, timestamp and nonce from a callback URL's
// query.
func QueryFrom(v url.Values) Query {
	return Query{Signature: v.Get("msg_signature"), Timestamp: v.Get("timestamp"), Nonce: v.Get("nonce")}
}

// VerifyURL answers WeCom's URL verification (GET with echostr): it checks
// echostr like Open does and returns the decrypted echostr to write back.
func (c *Crypto) VerifyURL(q Query, echostr string, now time.Time) ([]byte, error) {
	// A proxy that decodes '+' as a space breaks base64; base64 has no spaces,
	// so restoring them recovers exactly what WeCom signed.
	echostr = strings.ReplaceAll(echostr, " ", "+")
	msg, err := c.Open(q, echostr, now)
	if err != nil {
		return nil, fmt.Errorf("verify url: %w", err)
	}
	return msg, nil
}

// Open checks and decrypts one callback ciphertext, in this order: the
// timestamp is within MaxSkew of now (else ErrStale), the signature matches
// (else ErrSignature), the ciphertext decodes and decrypts with valid padding
// and length (else ErrMalformed), and the receive id is ours (else
// ErrReceiveID). It returns the plaintext message.
func (c *Crypto) Open(q Query, encrypted string, now time.Time) ([]byte, error) {
	if err := checkTimestamp(q.Timestamp, now); err != nil {
		return nil, err
	}
	want := c.signature(q.Timestamp, q.Nonce, encrypted)
	if subtle.ConstantTimeCompare([]byte(want), []byte(q.Signature)) != 1 {
		return nil, fmt.Errorf("%w: msg_signature %q does not match", ErrSignature, clip(q.Signature, 64))
	}
	msg, receiveID, err := c.decrypt(encrypted)
	if err != nil {
		return nil, err
	}
	if string(receiveID) != c.receiveID {
		return nil, fmt.Errorf("%w: got %q", ErrReceiveID, receiveID)
	}
	return msg, nil
}

// Seal encrypts plaintext for WeCom and signs it with timestamp and nonce,
// as passive replies (and the simulator) need. The 16-byte prefix comes from
// crypto/rand.
func (c *Crypto) Seal(plaintext []byte, timestamp, nonce string) (encrypted, signature string, err error) {
	if len(plaintext) > MaxBodySize {
		return "", "", fmt.Errorf("seal wecom message: plaintext of %d bytes is over %d", len(plaintext), MaxBodySize)
	}
	n := headerLen + len(plaintext) + len(c.receiveID)
	pad := padBlock - n%padBlock
	buf := make([]byte, n+pad)
	if _, err := rand.Read(buf[:randomLen]); err != nil {
		return "", "", fmt.Errorf("seal wecom message: random prefix: %w", err)
	}
	binary.BigEndian.PutUint32(buf[randomLen:headerLen], uint32(len(plaintext)))
	copy(buf[headerLen:], plaintext)
	copy(buf[headerLen+len(plaintext):], c.receiveID)
	for i := n; i < len(buf); i++ {
		buf[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(buf, buf)
	encrypted = base64.StdEncoding.EncodeToString(buf)
	return encrypted, c.signature(timestamp, nonce, encrypted), nil
}

// signature is WeCom's msg_signature: hex SHA-1 of the four strings sorted
// and concatenated.
func (c *Crypto) signature(timestamp, nonce, encrypted string) string {
	parts := [4]string{c.token, timestamp, nonce, encrypted}
	slices.Sort(parts[:])
	// Concatenate on the stack when it fits: a callback's ciphertext is
	// about a kilobyte, and this runs on every request.
	var stack [2048]byte
	buf := stack[:0]
	for _, p := range parts {
		buf = append(buf, p...)
	}
	sum := sha1.Sum(buf)
	return hex.EncodeToString(sum[:])
}

// checkTimestamp refuses a timestamp that is not a unix time within MaxSkew
// of now: WeCom signs it, so a window bounds replays of captured callbacks.
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

// decrypt turns base64 ciphertext into the message and the receive id that
// follows it. Both alias one buffer.
func (c *Crypto) decrypt(encrypted string) (msg, receiveID []byte, err error) {
	if len(encrypted) > MaxBodySize {
		return nil, nil, fmt.Errorf("%w: ciphertext of %d bytes is over %d", ErrMalformed, len(encrypted), MaxBodySize)
	}
	buf := make([]byte, base64.StdEncoding.DecodedLen(len(encrypted)))
	n, err := base64.StdEncoding.Decode(buf, []byte(encrypted))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: ciphertext is not base64: %v", ErrMalformed, err)
	}
	buf = buf[:n]
	if n == 0 || n%aes.BlockSize != 0 {
		return nil, nil, fmt.Errorf("%w: ciphertext of %d bytes is not whole AES blocks", ErrMalformed, n)
	}
	cipher.NewCBCDecrypter(c.block, c.key[:aes.BlockSize]).CryptBlocks(buf, buf)
	plain, err := unpad(buf)
	if err != nil {
		return nil, nil, err
	}
	if len(plain) < headerLen {
		return nil, nil, fmt.Errorf("%w: plaintext of %d bytes is shorter than its header", ErrMalformed, len(plain))
	}
	size := binary.BigEndian.Uint32(plain[randomLen:headerLen])
	if uint64(size) > uint64(len(plain)-headerLen) {
		return nil, nil, fmt.Errorf("%w: length field %d is over the %d bytes left", ErrMalformed, size, len(plain)-headerLen)
	}
	end := headerLen + int(size)
	return plain[headerLen:end:end], plain[end:], nil
}

// unpad strips PKCS#7 padding to 32-byte blocks, checking every pad byte.
// It need not be constant-time: Open checks the signature first, so nobody
// without the token can use it as a padding oracle.
func unpad(b []byte) ([]byte, error) {
	pad := int(b[len(b)-1])
	if pad < 1 || pad > padBlock || pad > len(b) {
		return nil, fmt.Errorf("%w: padding length %d", ErrMalformed, pad)
	}
	for _, v := range b[len(b)-pad:] {
		if int(v) != pad {
			return nil, fmt.Errorf("%w: padding bytes differ", ErrMalformed)
		}
	}
	return b[:len(b)-pad], nil
}
