package callback

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name, token, key string
		wantErr          string // part of the error naming the bad field; "" for success
	}{
		{name: "ok", token: testToken, key: testAESKey},
		{name: "empty_token", token: "", key: testAESKey, wantErr: "Token"},
		{name: "key_42_chars", token: testToken, key: testAESKey[:42], wantErr: "EncodingAESKey must be 43 characters, got 42"},
		{name: "key_44_chars", token: testToken, key: testAESKey + "A", wantErr: "EncodingAESKey must be 43 characters, got 44"},
		{name: "key_empty", token: testToken, key: "", wantErr: "EncodingAESKey must be 43 characters, got 0"},
		{name: "key_not_base64", token: testToken, key: "!" + testAESKey[1:], wantErr: "EncodingAESKey must be base64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.token, tt.key, testCorpID)
			if tt.wantErr == "" {
				if err != nil || c == nil {
					t.Fatalf("New = %v, %v; want a Crypto", c, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error = %v; want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestQueryFrom(t *testing.T) {
	v, err := url.ParseQuery("msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780&echostr=abc%2Bdef")
	if err != nil {
		t.Fatal(err)
	}
	got := QueryFrom(v)
	want := Query{Signature: "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", Timestamp: "1409659589", Nonce: "263014780"}
	if got != want {
		t.Fatalf("QueryFrom = %+v; want %+v", got, want)
	}
}

// TestOpen_knownVector opens a callback built by openssl and Python
// (testdata/known_vector.sh), not by this package.
func TestOpen_knownVector(t *testing.T) {
	var v struct {
		Token          string `json:"token"`
		EncodingAESKey string `json:"encoding_aes_key"`
		ReceiveID      string `json:"receive_id"`
		Timestamp      string `json:"timestamp"`
		Nonce          string `json:"nonce"`
		MsgSignature   string `json:"msg_signature"`
		Encrypt        string `json:"encrypt"`
		PlaintextFile  string `json:"plaintext_file"`
	}
	if err := json.Unmarshal(readFile(t, "testdata/known_vector.json"), &v); err != nil {
		t.Fatal(err)
	}
	c, err := New(v.Token, v.EncodingAESKey, v.ReceiveID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Open(Query{Signature: v.MsgSignature, Timestamp: v.Timestamp, Nonce: v.Nonce}, v.Encrypt, testNow)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if want := readFile(t, "testdata/"+v.PlaintextFile); !bytes.Equal(got, want) {
		t.Fatalf("Open = %q; want %q", got, want)
	}
	if sig := c.signature(v.Timestamp, v.Nonce, v.Encrypt); sig != v.MsgSignature {
		t.Fatalf("signature = %s; want %s", sig, v.MsgSignature)
	}
}

// rawPlaintext builds random|length|msg|receiveID with a chosen length
// field and PKCS#7 padding to 32 bytes.
func rawPlaintext(length uint32, msg, receiveID string) []byte {
	b := make([]byte, headerLen, 64)
	copy(b, "0123456789abcdef")
	binary.BigEndian.PutUint32(b[randomLen:], length)
	b = append(append(b, msg...), receiveID...)
	pad := padBlock - len(b)%padBlock
	return append(b, bytes.Repeat([]byte{byte(pad)}, pad)...)
}

func TestOpen_rejects(t *testing.T) {
	c := newCrypto(t, testCorpID)
	goodQ, goodEnc := seal(t, c, []byte("<xml/>"))
	signed := func(enc string) (Query, string) {
		return Query{Signature: c.signature(testTS, testNonce, enc), Timestamp: testTS, Nonce: testNonce}, enc
	}
	withRaw := func(raw []byte) func() (Query, string) {
		return func() (Query, string) { return signed(encryptRaw(t, raw)) }
	}
	badPad := rawPlaintext(6, "<xml/>", testCorpID)
	badPad[len(badPad)-2] ^= 1
	truncated := encryptRaw(t, rawPlaintext(40, strings.Repeat("x", 40), testCorpID))
	sealedFor := func(receiveID string) func() (Query, string) {
		return func() (Query, string) { return seal(t, newCrypto(t, receiveID), []byte("<xml/>")) }
	}

	tests := []struct {
		name  string
		input func() (Query, string)
		now   time.Time
		want  error
	}{
		{"bad_signature", func() (Query, string) {
			q := goodQ
			q.Signature = strings.Repeat("0", 40)
			return q, goodEnc
		}, testNow, ErrSignature},
		{"empty_signature", func() (Query, string) { q := goodQ; q.Signature = ""; return q, goodEnc }, testNow, ErrSignature},
		{"signature_of_other_nonce", func() (Query, string) { q := goodQ; q.Nonce = "1"; return q, goodEnc }, testNow, ErrSignature},
		{"tampered_ciphertext", func() (Query, string) { return goodQ, "A" + goodEnc[1:] }, testNow, ErrSignature},
		{"stale_past", func() (Query, string) { return goodQ, goodEnc }, testNow.Add(MaxSkew + time.Second), ErrStale},
		{"stale_future", func() (Query, string) { return goodQ, goodEnc }, testNow.Add(-MaxSkew - time.Second), ErrStale},
		{"timestamp_not_a_number", func() (Query, string) { q := goodQ; q.Timestamp = "17180x2000"; return q, goodEnc }, testNow, ErrStale},
		{"timestamp_empty", func() (Query, string) { q := goodQ; q.Timestamp = ""; return q, goodEnc }, testNow, ErrStale},
		{"stale_checked_before_signature", func() (Query, string) {
			q := goodQ
			q.Signature = "bad"
			return q, goodEnc
		}, testNow.Add(time.Hour), ErrStale},
		{"signature_checked_before_base64", func() (Query, string) { return goodQ, "!!!" }, testNow, ErrSignature},
		{"empty_ciphertext", func() (Query, string) { return signed("") }, testNow, ErrMalformed},
		{"bad_base64", func() (Query, string) { return signed("not base64!") }, testNow, ErrMalformed},
		{"base64_without_padding", func() (Query, string) { return signed(strings.TrimRight(goodEnc, "=") + "A") }, testNow, ErrMalformed},
		{"wrong_block_size", func() (Query, string) {
			return signed(base64.StdEncoding.EncodeToString(make([]byte, 33)))
		}, testNow, ErrMalformed},
		{"one_byte", func() (Query, string) { return signed("AA==") }, testNow, ErrMalformed},
		{"padding_zero", withRaw(append(make([]byte, 31), 0)), testNow, ErrMalformed},
		{"padding_33", withRaw(append(make([]byte, 63), 33)), testNow, ErrMalformed},
		{"padding_over_16_byte_ciphertext", withRaw(append(make([]byte, 15), 20)), testNow, ErrMalformed},
		{"padding_bytes_differ", withRaw(badPad), testNow, ErrMalformed},
		{"shorter_than_header", withRaw(bytes.Repeat([]byte{32}, 32)), testNow, ErrMalformed},
		{"length_over_data", withRaw(rawPlaintext(1000, "<xml/>", testCorpID)), testNow, ErrMalformed},
		{"length_max_uint32", withRaw(rawPlaintext(^uint32(0), "<xml/>", testCorpID)), testNow, ErrMalformed},
		{"truncated_ciphertext", func() (Query, string) {
			raw, _ := base64.StdEncoding.DecodeString(truncated)
			return signed(base64.StdEncoding.EncodeToString(raw[:32]))
		}, testNow, ErrMalformed},
		{"wrong_receive_id", sealedFor("ww0000000000000000"), testNow, ErrReceiveID},
		{"receive_id_empty_for_app", sealedFor(""), testNow, ErrReceiveID},
		{"receive_id_prefix", sealedFor(testCorpID[:5]), testNow, ErrReceiveID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, enc := tt.input()
			got, err := c.Open(q, enc, tt.now)
			if got != nil {
				t.Errorf("Open returned plaintext %q with an error", got)
			}
			checkSentinel(t, err, tt.want)
		})
	}
}

// checkSentinel asserts err matches want and no other sentinel.
func checkSentinel(t *testing.T, err, want error) {
	t.Helper()
	for _, s := range sentinels {
		if errors.Is(err, s) != (s == want) {
			t.Fatalf("error %v: errors.Is(%v) = %v", err, s, !(s == want))
		}
	}
}

func TestOpen_timestampWindow(t *testing.T) {
	c := newCrypto(t, testCorpID)
	q, enc := seal(t, c, []byte("<xml/>"))
	for _, now := range []time.Time{testNow, testNow.Add(MaxSkew), testNow.Add(-MaxSkew), testNow.Add(MaxSkew + 999*time.Millisecond)} {
		if _, err := c.Open(q, enc, now); err != nil {
			t.Errorf("Open at %v from the timestamp: %v", now.Sub(testNow), err)
		}
	}
}

func TestSealOpen_roundTrip(t *testing.T) {
	sizes := []int{0, 1, 11, 12, 13, 31, 32, 33, 600, 100_000}
	for _, receiveID := range []string{testCorpID, ""} {
		c := newCrypto(t, receiveID)
		for _, n := range sizes {
			msg := bytes.Repeat([]byte("群"), n/3+1)[:n]
			q, enc := seal(t, c, msg)
			raw, err := base64.StdEncoding.DecodeString(enc)
			if err != nil || len(raw)%padBlock != 0 || len(raw) < headerLen+n+len(receiveID) {
				t.Fatalf("Seal(%d bytes, %q): %d ciphertext bytes, err %v", n, receiveID, len(raw), err)
			}
			got, err := c.Open(q, enc, testNow)
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("Open(Seal(%d bytes, %q)) = %d bytes, %v", n, receiveID, len(got), err)
			}
		}
	}
}

func TestSeal_randomPrefix(t *testing.T) {
	c := newCrypto(t, testCorpID)
	_, a := seal(t, c, []byte("<xml/>"))
	_, b := seal(t, c, []byte("<xml/>"))
	if a == b {
		t.Fatal("two Seals of one plaintext gave the same ciphertext")
	}
}

func TestSeal_tooLarge(t *testing.T) {
	c := newCrypto(t, testCorpID)
	if _, _, err := c.Seal(make([]byte, MaxBodySize+1), testTS, testNonce); err == nil {
		t.Fatal("Seal of a plaintext over MaxBodySize succeeded")
	}
}

func TestOpen_tooLarge(t *testing.T) {
	c := newCrypto(t, testCorpID)
	enc := strings.Repeat("A", MaxBodySize+4)
	q := Query{Signature: c.signature(testTS, testNonce, enc), Timestamp: testTS, Nonce: testNonce}
	_, err := c.Open(q, enc, testNow)
	checkSentinel(t, err, ErrMalformed)
}

func TestVerifyURL(t *testing.T) {
	c := newCrypto(t, testCorpID)
	// Find an echostr whose base64 holds a '+', to show a proxy that
	// decoded it to a space does not break verification.
	var q Query
	var echostr string
	for i := 0; !strings.Contains(echostr, "+"); i++ {
		if i == 1000 {
			t.Fatal("no ciphertext with '+' in 1000 tries")
		}
		q, echostr = seal(t, c, []byte("7135629453818591744"))
	}
	tests := []struct {
		name    string
		q       Query
		echostr string
		want    error
	}{
		{"ok", q, echostr, nil},
		{"plus_decoded_as_space", q, strings.ReplaceAll(echostr, "+", " "), nil},
		{"bad_signature", Query{Signature: "x", Timestamp: q.Timestamp, Nonce: q.Nonce}, echostr, ErrSignature},
		{"empty_echostr", Query{Signature: c.signature(testTS, testNonce, ""), Timestamp: testTS, Nonce: testNonce}, "", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.VerifyURL(tt.q, tt.echostr, testNow)
			if tt.want != nil {
				checkSentinel(t, err, tt.want)
				return
			}
			if err != nil || string(got) != "7135629453818591744" {
				t.Fatalf("VerifyURL = %q, %v", got, err)
			}
		})
	}
}

// FuzzOpen checks that Open never panics, fails only with one of the
// sentinels, and returns what was sealed when it succeeds. The sign flag
// lets the fuzzer get past the signature check into the decryption.
func FuzzOpen(f *testing.F) {
	c := newCrypto(f, testCorpID)
	q, enc := seal(f, c, readFile(f, "testdata/chat_update_add_member.xml"))
	f.Add(enc, q.Signature, q.Timestamp, false)
	f.Add(enc, "", q.Timestamp, true)
	f.Add("", "", "", false)
	f.Add("", "", testTS, true)
	f.Add("AA==", "", testTS, true)
	f.Add(encryptRaw(f, rawPlaintext(1000, "<xml/>", testCorpID)), "", testTS, true)
	f.Add(encryptRaw(f, append(make([]byte, 15), 20)), "", testTS, true)
	f.Add(base64.StdEncoding.EncodeToString(make([]byte, 33)), "", "-9223372036854775808", true)
	f.Fuzz(func(t *testing.T, encrypted, signature, timestamp string, sign bool) {
		if sign {
			signature = c.signature(timestamp, testNonce, encrypted)
		}
		msg, err := c.Open(Query{Signature: signature, Timestamp: timestamp, Nonce: testNonce}, encrypted, testNow)
		if err != nil {
			matched := 0
			for _, s := range sentinels {
				if errors.Is(err, s) {
					matched++
				}
			}
			if matched != 1 || msg != nil {
				t.Fatalf("Open error %v matches %d sentinels, msg %q", err, matched, msg)
			}
			return
		}
		q2, enc2 := seal(t, c, msg)
		again, err := c.Open(q2, enc2, testNow)
		if err != nil || !bytes.Equal(again, msg) {
			t.Fatalf("Open(Seal(%q)) = %q, %v", msg, again, err)
		}
	})
}
