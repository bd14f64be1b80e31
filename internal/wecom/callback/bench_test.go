package callback

import (
	"encoding/xml"
	"testing"
)

// BenchmarkOpenAndParse measures one app callback from the request body to
// an Event: read the envelope, check timestamp and signature, decrypt,
// check the receive id, parse a change_external_chat update.
func BenchmarkOpenAndParse(b *testing.B) {
	for _, file := range []string{"chat_update_del_member.xml", "chat_update_add_member.xml"} {
		b.Run(file, func(b *testing.B) {
			c := newCrypto(b, testCorpID)
			plaintext := readFile(b, "testdata/"+file)
			q, enc := seal(b, c, plaintext)
			body := wecomBody(enc)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				enc, err := EncryptedFromXML(body)
				if err != nil {
					b.Fatal(err)
				}
				msg, err := c.Open(q, enc, testNow)
				if err != nil {
					b.Fatal(err)
				}
				e, err := ParseEvent(msg)
				if err != nil || e.Chat == nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseEvent compares the scanner with encoding/xml on the same
// event, which is why the scanner exists.
func BenchmarkParseEvent(b *testing.B) {
	plaintext := readFile(b, "testdata/chat_update_add_member.xml")
	b.Run("scanner", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ParseEvent(plaintext); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding_xml", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r refEvent
			if err := xml.Unmarshal(plaintext, &r); err != nil {
				b.Fatal(err)
			}
			if _, err := r.event(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
