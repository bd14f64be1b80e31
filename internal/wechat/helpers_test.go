package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/silenceper/wechat/v2/util"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// Fixed test secrets (testdata/known_vector.sh uses the same ones).
const (
	testToken  = "QunbotWx2024"
	testAESKey = "Kp3vT8qLm2Xz5Nw7Rb4Yc9Hd6Jf1Gs0Ua8Ve3Wi2Ok5"
	testAppID  = "wx7c2e91f4ab03d856"
	testTS     = "1718012000"
	testNonce  = "1372623149"
)

// testNow is the moment testTS was issued.
var testNow = time.Unix(1718012000, 0)

// sentinels are the errors callers branch on; each failure must match
// exactly one.
var sentinels = []error{ErrSignature, ErrStale, ErrMalformed, ErrAppID}

func newCallback(t testing.TB, cfg Config) *Callback {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func safeCallback(t testing.TB) *Callback {
	t.Helper()
	return newCallback(t, Config{AppID: testAppID, Token: testToken, EncodingAESKey: testAESKey})
}

func plainCallback(t testing.TB) *Callback {
	t.Helper()
	return newCallback(t, Config{AppID: testAppID, Token: testToken})
}

func seal(t testing.TB, c *Callback, plaintext []byte) ([]byte, url.Values) {
	t.Helper()
	body, q, err := c.Seal(plaintext, testTS, testNonce)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	return body, q
}

// signedSafe wraps encrypted in a safe-mode body and signs it with the test
// token, so tests reach the decryption step with any ciphertext.
func signedSafe(encrypted string) ([]byte, url.Values) {
	body := []byte("<xml><ToUserName><![CDATA[gh_3f8a2c91b7d4]]></ToUserName><Encrypt><![CDATA[" + encrypted + "]]></Encrypt></xml>")
	q := url.Values{
		"signature":     {util.Signature(testToken, testTS, testNonce)},
		"timestamp":     {testTS},
		"nonce":         {testNonce},
		"encrypt_type":  {"aes"},
		"msg_signature": {util.Signature(testToken, testTS, testNonce, encrypted)},
	}
	return body, q
}

// encryptRaw CBC-encrypts raw under the test key, after padding it with
// zeros to whole 32-byte blocks, so tests choose every decrypted byte.
func encryptRaw(t testing.TB, raw []byte) string {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(testAESKey + "=")
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	if rem := len(raw) % padBlock; rem != 0 || len(raw) == 0 {
		raw = append(bytes.Clone(raw), make([]byte, padBlock-rem)...)
	}
	out := make([]byte, len(raw))
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, raw)
	return base64.StdEncoding.EncodeToString(out)
}

// frame builds a decrypted payload: 16 random bytes, the 4-byte length,
// msg, appID, then PKCS#7 padding of pad bytes of value padByte.
func frame(msg []byte, length uint32, appID string, pad int, padByte byte) []byte {
	b := make([]byte, 16, 20+len(msg)+len(appID)+pad)
	b = append(b, byte(length>>24), byte(length>>16), byte(length>>8), byte(length))
	b = append(b, msg...)
	b = append(b, appID...)
	return append(b, bytes.Repeat([]byte{padByte}, pad)...)
}

// padTo32 is the PKCS#7 pad length for n bytes of content.
func padTo32(n int) int { return padBlock - n%padBlock }

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testdataFiles lists testdata files matching pattern; it fails when none do,
// so a renamed folder cannot make a test pass vacuously.
func testdataFiles(t testing.TB, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata files match %q (err %v)", pattern, err)
	}
	return files
}

// eachTestdata runs fn as a subtest, named after the file, for every
// testdata file matching pattern.
func eachTestdata(t *testing.T, pattern string, fn func(t *testing.T, path string)) {
	t.Helper()
	for _, path := range testdataFiles(t, pattern) {
		base := filepath.Base(path)
		t.Run(strings.TrimSuffix(base, filepath.Ext(base)), func(t *testing.T) { fn(t, path) })
	}
}

// checkGolden compares got, as indented JSON, with the .golden file next to
// source; -update rewrites it.
func checkGolden(t *testing.T, source string, got any) {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	path := strings.TrimSuffix(source, filepath.Ext(source)) + ".golden"
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := readFile(t, path)
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got; run go test -update to accept):\n%s", source, diff)
	}
}

// checkSentinel fails unless err matches want and no other sentinel.
func checkSentinel(t *testing.T, err, want error) {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want %v", want)
	}
	for _, s := range sentinels {
		if got := errors.Is(err, s); got != (s == want) {
			t.Errorf("errors.Is(%v, %v) = %v", err, s, got)
		}
	}
}
