package wechat

import (
	"bytes"
	"errors"
	"net/url"
	"testing"
	"time"
)

// FuzzOpen feeds Open and ParseMessage three ways past the signature check,
// since an unsigned request stops there: body as a signed plaintext-mode
// request, body as a safe-mode envelope signed over whatever Encrypt it
// holds, and decrypted as a frame the fuzzer controls byte for byte. Nothing
// may panic, and every failure must be one of the sentinels.
func FuzzOpen(f *testing.F) {
	safe, plain := safeCallback(f), plainCallback(f)
	for _, path := range testdataFiles(f, "*.xml") {
		plaintext := readFile(f, path)
		body, _ := seal(f, safe, plaintext)
		n := 20 + len(plaintext) + len(testAppID)
		f.Add(body, frame(plaintext, uint32(len(plaintext)), testAppID, padTo32(n), byte(padTo32(n))))
		f.Add(plaintext, frame(plaintext, uint32(len(plaintext))+1, testAppID, 1, 1))
	}
	f.Add([]byte{}, []byte{})
	f.Add([]byte("<xml><Encrypt>AAAA</Encrypt></xml>"), bytes.Repeat([]byte{32}, 32))
	f.Fuzz(func(t *testing.T, body, raw []byte) {
		check := func(got []byte, err error) {
			if err != nil {
				if !isSentinel(err) {
					t.Fatalf("error %v matches no sentinel", err)
				}
				return
			}
			if _, err := ParseMessage(got); err != nil && !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseMessage error %v is not ErrMalformed", err)
			}
		}
		check(plain.Open(plain.SignQuery(testTS, testNonce), body, testNow))
		if enc, err := encryptedFromXML(body); err == nil {
			_, q := signedSafe(enc)
			check(safe.Open(q, body, testNow))
		}
		check(safe.Open(signedSafeRaw(t, raw)))
	})
}

// signedSafeRaw returns a signed safe-mode request whose ciphertext decrypts
// to raw (zero-padded to whole blocks), and the test time.
func signedSafeRaw(t *testing.T, raw []byte) (url.Values, []byte, time.Time) {
	t.Helper()
	enc := ""
	if len(raw) > 0 {
		enc = encryptRaw(t, raw)
	}
	body, q := signedSafe(enc)
	return q, body, testNow
}

func isSentinel(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
