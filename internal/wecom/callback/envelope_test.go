package callback

import (
	"bytes"
	"encoding/xml"
	"errors"
	"testing"
)

// envelopeCase is a body and the ciphertext expected from it; an empty
// want means ErrMalformed.
type envelopeCase struct {
	name, body, want string
}

func runEnvelopeCases(t *testing.T, extract func([]byte) (string, error), tests []envelopeCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := extract([]byte(tt.body))
			if tt.want == "" {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("got %q, %v; want ErrMalformed", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestEncryptedFromXML(t *testing.T) {
	const enc = "ZBY4h9SD1Y/v+ighMGU4yHSVWyMuf2Ud=="
	tests := []envelopeCase{
		{"wecom_shape", string(wecomBody(enc)), enc},
		{"plain_text", "<xml><ToUserName>ww1</ToUserName><Encrypt>" + enc + "</Encrypt><AgentID>1000002</AgentID></xml>", enc},
		{"newlines", "<xml>\n  <ToUserName><![CDATA[ww1]]></ToUserName>\n  <Encrypt><![CDATA[" + enc + "]]></Encrypt>\n</xml>\n", enc},
		{"reply_envelope", "<xml><Encrypt><![CDATA[" + enc + "]]></Encrypt><MsgSignature>x</MsgSignature><TimeStamp>1</TimeStamp><Nonce>n</Nonce></xml>", enc},
		{"escaped_then_more_text", "<xml><Encrypt>ab&#x2B;cd\r\n</Encrypt><AgentID>10&amp;00</AgentID><X>zzzzzzzzzz</X></xml>", "ab+cd\n"},
		{"empty_body", "", ""},
		{"json_body", `{"encrypt":"` + enc + `"}`, ""},
		{"no_encrypt", "<xml><ToUserName>ww1</ToUserName></xml>", ""},
		{"empty_encrypt", "<xml><Encrypt><![CDATA[]]></Encrypt></xml>", ""},
		{"nested_encrypt_only", "<xml><Other><Encrypt>" + enc + "</Encrypt></Other></xml>", ""},
		{"truncated", string(wecomBody(enc))[:60], ""},
	}
	runEnvelopeCases(t, EncryptedFromXML, tests)
}

func TestSealXML_roundTrip(t *testing.T) {
	c := newCrypto(t, testCorpID)
	plaintext := readFile(t, "testdata/chat_update_add_member.xml")
	body, err := SealXML(c, plaintext, testTS, `n<&>"`)
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Encrypt      string `xml:"Encrypt"`
		MsgSignature string `xml:"MsgSignature"`
		TimeStamp    string `xml:"TimeStamp"`
		Nonce        string `xml:"Nonce"`
	}
	if err := xml.Unmarshal(body, &env); err != nil {
		t.Fatalf("SealXML body is not XML: %v\n%s", err, body)
	}
	if env.TimeStamp != testTS || env.Nonce != `n<&>"` {
		t.Fatalf("SealXML TimeStamp, Nonce = %q, %q", env.TimeStamp, env.Nonce)
	}
	enc, err := EncryptedFromXML(body)
	if err != nil || enc != env.Encrypt {
		t.Fatalf("EncryptedFromXML(SealXML) = %q, %v; want %q", enc, err, env.Encrypt)
	}
	got, err := c.Open(Query{Signature: env.MsgSignature, Timestamp: env.TimeStamp, Nonce: env.Nonce}, enc, testNow)
	if err != nil || !bytes.Equal(got, plaintext) {
		t.Fatalf("Open = %q, %v", got, err)
	}
}

func TestEncryptedFromJSON(t *testing.T) {
	tests := []envelopeCase{
		{"ok", `{"encrypt":"abc+/="}`, "abc+/="},
		{"extra_fields", `{"encrypt":"abc","msgsignature":"x","timestamp":"1","nonce":"n"}`, "abc"},
		{"empty_body", ``, ""},
		{"xml_body", `<xml><Encrypt>abc</Encrypt></xml>`, ""},
		{"no_encrypt", `{"echostr":"abc"}`, ""},
		{"empty_encrypt", `{"encrypt":""}`, ""},
		{"encrypt_a_number", `{"encrypt":5}`, ""},
		{"null", `null`, ""},
	}
	runEnvelopeCases(t, EncryptedFromJSON, tests)
}
