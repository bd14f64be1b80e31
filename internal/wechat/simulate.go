package wechat

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/url"

	"github.com/silenceper/wechat/v2/util"
)

// This file builds requests the way WeChat sends them, for the simulator and
// other packages' tests; it lives outside _test.go so they can import it.

// SignQuery returns the query of a plaintext-mode request (or of a URL
// check, once the caller adds echostr) signed with this account's token.
func (c *Callback) SignQuery(timestamp, nonce string) url.Values {
	return url.Values{
		"signature": {util.Signature(c.token, timestamp, nonce)},
		"timestamp": {timestamp},
		"nonce":     {nonce},
	}
}

// Seal builds a safe-mode request as WeChat sends it: the body
// <xml><ToUserName/><Encrypt/></xml> and a query with signature, timestamp,
// nonce, openid, encrypt_type=aes and msg_signature. ToUserName and openid
// come from plaintext when it parses. It fails without an EncodingAESKey.
func (c *Callback) Seal(plaintext []byte, timestamp, nonce string) ([]byte, url.Values, error) {
	encrypted, err := c.encrypt(plaintext)
	if err != nil {
		return nil, nil, fmt.Errorf("seal wechat request: %w", err)
	}
	var head struct {
		ToUserName   string `xml:"ToUserName"`
		FromUserName string `xml:"FromUserName"`
	}
	_ = xml.Unmarshal(plaintext, &head) // best effort: the ciphertext is what counts
	var b bytes.Buffer
	b.WriteString("<xml>")
	writeCDATA(&b, "ToUserName", head.ToUserName)
	writeCDATA(&b, "Encrypt", encrypted)
	b.WriteString("</xml>")
	q := c.SignQuery(timestamp, nonce)
	q.Set("openid", head.FromUserName)
	q.Set("encrypt_type", encryptAES)
	q.Set("msg_signature", util.Signature(c.token, timestamp, nonce, encrypted))
	return b.Bytes(), q, nil
}
