package wechat

import (
	"net/url"
	"testing"
)

// BenchmarkOpenAndParse measures one follower message from the request to a
// Message: check timestamp and signature, (in safe mode) read the envelope,
// decrypt and check the appid, then parse.
func BenchmarkOpenAndParse(b *testing.B) {
	plaintext := readFile(b, "testdata/text.xml")
	safe, plain := safeCallback(b), plainCallback(b)
	safeBody, safeQ := seal(b, safe, plaintext)
	cases := []struct {
		name string
		c    *Callback
		body []byte
		q    func() url.Values
	}{
		{"plaintext", plain, plaintext, func() url.Values { return plain.SignQuery(testTS, testNonce) }},
		{"safe", safe, safeBody, func() url.Values { return safeQ }},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			q := bc.q()
			b.ReportAllocs()
			for b.Loop() {
				msg, err := bc.c.Open(q, bc.body, testNow)
				if err != nil {
					b.Fatal(err)
				}
				if m, err := ParseMessage(msg); err != nil || m.MsgID == "" {
					b.Fatal(err)
				}
			}
		})
	}
}
