package callback

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// Fixed test secrets (testdata/known_vector.sh uses the same ones).
const (
	testToken  = "QunbotT0ken2024"
	testAESKey = "o6/9nbtZsNT95Mp97ttYpxV04aU2B8BZJQRIS7PaZSA"
	testCorpID = "ww8c3a1f0d2e7b4c5a"
	testTS     = "1718012000"
	testNonce  = "1372623149"
)

// testNow is the moment testTS was issued.
var testNow = time.Unix(1718012000, 0)

func newCrypto(t testing.TB, receiveID string) *Crypto {
	t.Helper()
	c, err := New(testToken, testAESKey, receiveID)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func seal(t testing.TB, c *Crypto, plaintext []byte) (Query, string) {
	t.Helper()
	enc, sig, err := c.Seal(plaintext, testTS, testNonce)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	return Query{Signature: sig, Timestamp: testTS, Nonce: testNonce}, enc
}

// encryptRaw CBC-encrypts raw (whole AES blocks, any padding) under the test
// key, so tests can build ciphertexts Seal would never produce.
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
	out := make([]byte, len(raw))
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, raw)
	return base64.StdEncoding.EncodeToString(out)
}

// wecomBody wraps a ciphertext the way WeCom posts an app callback.
func wecomBody(encrypted string) []byte {
	return []byte("<xml><ToUserName><![CDATA[" + testCorpID + "]]></ToUserName><Encrypt><![CDATA[" +
		encrypted + "]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>")
}

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

// sentinels are the errors callers branch on; each failure must match
// exactly one.
var sentinels = []error{ErrSignature, ErrStale, ErrMalformed, ErrReceiveID}
