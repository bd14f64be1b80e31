package wechat

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // "" for success
	}{
		{"plaintext", Config{Token: testToken}, ""},
		{"safe", Config{AppID: testAppID, Token: testToken, EncodingAESKey: testAESKey}, ""},
		{"no_token", Config{AppID: testAppID, EncodingAESKey: testAESKey}, "wechat.token must not be empty"},
		{"short_key", Config{AppID: testAppID, Token: testToken, EncodingAESKey: testAESKey[:42]}, "wechat.encoding_aes_key must be 43 chars, got 42"},
		{"long_key", Config{AppID: testAppID, Token: testToken, EncodingAESKey: testAESKey + "A"}, "wechat.encoding_aes_key must be 43 chars, got 44"},
		{"key_not_base64", Config{AppID: testAppID, Token: testToken, EncodingAESKey: "!" + testAESKey[1:]}, "wechat.encoding_aes_key must be base64 of 32 bytes"},
		{"safe_without_appid", Config{Token: testToken, EncodingAESKey: testAESKey}, "wechat.app_id must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if tt.want == "" {
				if err != nil || c == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestVerifyURL(t *testing.T) {
	withEcho := func(q url.Values) url.Values { q.Set("echostr", "6254478283949716733"); return q }
	tests := []struct {
		name    string
		q       func(c *Callback) url.Values
		now     time.Time
		wantErr error
	}{
		{"ok", func(c *Callback) url.Values { return withEcho(c.SignQuery(testTS, testNonce)) }, testNow, nil},
		{"ok_at_skew_edge", func(c *Callback) url.Values { return withEcho(c.SignQuery(testTS, testNonce)) }, testNow.Add(MaxSkew), nil},
		{"stale", func(c *Callback) url.Values { return withEcho(c.SignQuery(testTS, testNonce)) }, testNow.Add(MaxSkew + time.Second), ErrStale},
		{"future", func(c *Callback) url.Values { return withEcho(c.SignQuery(testTS, testNonce)) }, testNow.Add(-MaxSkew - time.Second), ErrStale},
		{"timestamp_not_number", func(c *Callback) url.Values { return withEcho(c.SignQuery("17180x2000", testNonce)) }, testNow, ErrStale},
		{"no_timestamp", func(c *Callback) url.Values {
			q := withEcho(c.SignQuery(testTS, testNonce))
			q.Del("timestamp")
			return q
		}, testNow, ErrStale},
		{"bad_signature", func(c *Callback) url.Values {
			q := withEcho(c.SignQuery(testTS, testNonce))
			q.Set("nonce", "1372623150")
			return q
		}, testNow, ErrSignature},
		{"no_signature", func(c *Callback) url.Values {
			q := withEcho(c.SignQuery(testTS, testNonce))
			q.Del("signature")
			return q
		}, testNow, ErrSignature},
		{"other_token", func(*Callback) url.Values {
			return withEcho(newCallback(t, Config{Token: "another"}).SignQuery(testTS, testNonce))
		}, testNow, ErrSignature},
		{"no_echostr", func(c *Callback) url.Values { return c.SignQuery(testTS, testNonce) }, testNow, ErrMalformed},
	}
	for _, mode := range []struct {
		name string
		c    *Callback
	}{{"plaintext", plainCallback(t)}, {"safe", safeCallback(t)}} {
		for _, tt := range tests {
			t.Run(mode.name+"/"+tt.name, func(t *testing.T) {
				echo, err := mode.c.VerifyURL(tt.q(mode.c), tt.now)
				if tt.wantErr != nil {
					checkSentinel(t, err, tt.wantErr)
					return
				}
				if err != nil || echo != "6254478283949716733" {
					t.Fatalf("VerifyURL = %q, %v", echo, err)
				}
			})
		}
	}
}

// TestOpen_knownVector opens a request built by openssl and Python
// (testdata/known_vector.sh), so Seal and Open cannot share a mistake.
func TestOpen_knownVector(t *testing.T) {
	var v struct {
		Token, Timestamp, Nonce, Signature, Body string
		EncodingAESKey                           string `json:"encoding_aes_key"`
		AppID                                    string `json:"app_id"`
		MsgSignature                             string `json:"msg_signature"`
		PlaintextFile                            string `json:"plaintext_file"`
	}
	if err := json.Unmarshal(readFile(t, "testdata/known_vector.json"), &v); err != nil {
		t.Fatal(err)
	}
	c := newCallback(t, Config{AppID: v.AppID, Token: v.Token, EncodingAESKey: v.EncodingAESKey})
	q := url.Values{"signature": {v.Signature}, "timestamp": {v.Timestamp}, "nonce": {v.Nonce},
		"openid": {"oQx9Z5jK2mLp7RtYvWb3NcHdEfGa"}, "encrypt_type": {"aes"}, "msg_signature": {v.MsgSignature}}
	got, err := c.Open(q, []byte(v.Body), testNow)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if want := readFile(t, "testdata/"+v.PlaintextFile); !bytes.Equal(got, want) {
		t.Errorf("Open = %q, want %q", got, want)
	}
	if want := c.SignQuery(v.Timestamp, v.Nonce).Get("signature"); want != v.Signature {
		t.Errorf("SignQuery signature = %s, want %s", want, v.Signature)
	}
}

func TestOpen_roundTrip(t *testing.T) {
	safe, plain := safeCallback(t), plainCallback(t)
	eachTestdata(t, "*.xml", func(t *testing.T, path string) {
		plaintext := readFile(t, path)
		body, q := seal(t, safe, plaintext)
		got, err := safe.Open(q, body, testNow)
		if err != nil || !bytes.Equal(got, plaintext) {
			t.Errorf("safe Open = %q, %v", got, err)
		}
		if q.Get("openid") == "" || !bytes.Contains(body, []byte("gh_3f8a2c91b7d4")) {
			t.Errorf("Seal lost openid or ToUserName: %v %s", q, body)
		}
		got, err = plain.Open(plain.SignQuery(testTS, testNonce), plaintext, testNow)
		if err != nil || !bytes.Equal(got, plaintext) {
			t.Errorf("plaintext Open = %q, %v", got, err)
		}
		// A safe-mode account whose operator switched WeChat to plaintext
		// mode first still accepts signed plaintext requests.
		if _, err := safe.Open(safe.SignQuery(testTS, testNonce), plaintext, testNow); err != nil {
			t.Errorf("safe callback, plaintext request: %v", err)
		}
	})
}

// TestOpen_compatibleMode: in 兼容模式 the body carries the plaintext fields
// next to Encrypt; only the signed ciphertext may count.
func TestOpen_compatibleMode(t *testing.T) {
	c := safeCallback(t)
	plaintext := readFile(t, "testdata/text.xml")
	body, q := seal(t, c, plaintext)
	forged := bytes.Replace(body, []byte("<Encrypt>"),
		[]byte("<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[偽造]]></Content><Encrypt>"), 1)
	got, err := c.Open(q, forged, testNow)
	if err != nil || !bytes.Equal(got, plaintext) {
		t.Fatalf("Open = %q, %v; want the decrypted plaintext", got, err)
	}
}

func TestOpen_errors(t *testing.T) {
	safe, plain := safeCallback(t), plainCallback(t)
	plaintext := readFile(t, "testdata/text.xml")
	okFrame := func(appID string) []byte {
		n := 20 + len(plaintext) + len(appID)
		return frame(plaintext, uint32(len(plaintext)), appID, padTo32(n), byte(padTo32(n)))
	}
	raw := func(b []byte) func(t *testing.T) ([]byte, url.Values) {
		return func(t *testing.T) ([]byte, url.Values) { return signedSafe(encryptRaw(t, b)) }
	}
	sealed := func(edit func(body []byte, q url.Values) []byte) func(t *testing.T) ([]byte, url.Values) {
		return func(t *testing.T) ([]byte, url.Values) {
			body, q := seal(t, safe, plaintext)
			return edit(body, q), q
		}
	}
	tests := []openCase{
		{"plaintext/bad_signature", plain, func(*testing.T) ([]byte, url.Values) {
			q := plain.SignQuery(testTS, testNonce)
			q.Set("signature", strings.Repeat("0", 40))
			return plaintext, q
		}, ErrSignature},
		{"plaintext/stale", plain, func(*testing.T) ([]byte, url.Values) {
			return plaintext, plain.SignQuery("1718011699", testNonce)
		}, ErrStale},
		{"plaintext/empty_body", plain, func(*testing.T) ([]byte, url.Values) {
			return nil, plain.SignQuery(testTS, testNonce)
		}, ErrMalformed},
		{"plaintext/unknown_encrypt_type", plain, func(*testing.T) ([]byte, url.Values) {
			q := plain.SignQuery(testTS, testNonce)
			q.Set("encrypt_type", "des")
			return plaintext, q
		}, ErrMalformed},
		{"plaintext/aes_request_without_key", plain, func(t *testing.T) ([]byte, url.Values) {
			return seal(t, safe, plaintext)
		}, ErrMalformed},
		{"safe/bad_msg_signature", safe, sealed(func(body []byte, q url.Values) []byte {
			q.Set("msg_signature", strings.Repeat("a", 40))
			return body
		}), ErrSignature},
		{"safe/signature_only", safe, sealed(func(body []byte, q url.Values) []byte {
			q.Del("msg_signature")
			return body
		}), ErrSignature},
		{"safe/other_ciphertext", safe, sealed(func([]byte, url.Values) []byte {
			other, _ := seal(t, safe, readFile(t, "testdata/image.xml"))
			return other
		}), ErrSignature},
		{"safe/stale", safe, sealed(func(body []byte, q url.Values) []byte {
			q.Set("timestamp", "1718012301")
			return body
		}), ErrStale},
		{"safe/bad_appid", safe, func(t *testing.T) ([]byte, url.Values) {
			other := newCallback(t, Config{AppID: "wx0000000000000000", Token: testToken, EncodingAESKey: testAESKey})
			return seal(t, other, plaintext)
		}, ErrAppID},
		// silenceper's AESDecryptMsg refuses a frame with no appid at all.
		{"safe/empty_appid", safe, raw(okFrame("")), ErrMalformed},
		{"safe/ok_frame", safe, raw(okFrame(testAppID)), nil},
		{"safe/pad_zero", safe, raw(frame(plaintext, uint32(len(plaintext)), testAppID, padTo32(20+len(plaintext)+len(testAppID)), 0)), ErrMalformed},
		{"safe/pad_over_block", safe, raw(append(okFrame(testAppID)[:len(okFrame(testAppID))-1], 33)), ErrMalformed},
		{"safe/length_over_payload", safe, raw(frame(plaintext, 1<<31, testAppID, 2, 2)), ErrMalformed},
		{"safe/frame_shorter_than_header", safe, raw(bytes.Repeat([]byte{20}, 32)), ErrMalformed},
		{"safe/empty_body", safe, func(*testing.T) ([]byte, url.Values) {
			_, q := signedSafe("")
			return nil, q
		}, ErrMalformed},
		{"safe/garbage_body", safe, func(*testing.T) ([]byte, url.Values) {
			_, q := signedSafe("")
			return []byte("\x00\xffnot xml <<<"), q
		}, ErrMalformed},
		{"safe/wrong_root", safe, func(*testing.T) ([]byte, url.Values) {
			body, q := signedSafe("abcd")
			return bytes.ReplaceAll(body, []byte("xml>"), []byte("doc>")), q
		}, ErrMalformed},
		{"safe/no_encrypt", safe, func(*testing.T) ([]byte, url.Values) {
			_, q := signedSafe("")
			return []byte("<xml><ToUserName>gh_3f8a2c91b7d4</ToUserName></xml>"), q
		}, ErrMalformed},
		{"safe/not_base64", safe, func(*testing.T) ([]byte, url.Values) { return signedSafe("這不是base64!!") }, ErrMalformed},
	}
	// Short ciphertexts: silenceper's AESDecryptMsg must never see them.
	for _, n := range []int{1, 15, 16, 31, 33, 48} {
		tests = append(tests, openCase{"safe/ciphertext_" + strconv.Itoa(n) + "_bytes", safe, func(*testing.T) ([]byte, url.Values) {
			return signedSafe(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, n)))
		}, ErrMalformed})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, q := tt.req(t)
			got, err := tt.c.Open(q, body, testNow)
			if tt.want == nil {
				if err != nil || !bytes.Equal(got, plaintext) {
					t.Fatalf("Open = %q, %v", got, err)
				}
				return
			}
			checkSentinel(t, err, tt.want)
			if got != nil {
				t.Errorf("Open returned %q with error %v", got, err)
			}
		})
	}
}

// openCase is one request Open must refuse (want is the sentinel) or accept
// as testdata/text.xml (want is nil).
type openCase struct {
	name string
	c    *Callback
	req  func(t *testing.T) ([]byte, url.Values)
	want error
}
