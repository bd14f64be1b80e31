package wechat

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/silenceper/wechat/v2/util"
)

// NoReply is the body that tells WeChat there is no passive reply; WeChat
// documents it as plain text in every mode, never encrypted.
const NoReply = "success"

// maxArticles is the most a passive news reply may hold. WeChat allows only
// one in answer to a follower's message, and up to eight otherwise.
const maxArticles = 8

// Article is one link card of a news reply (圖文消息).
type Article struct {
	Title, Description, PicURL, URL string
}

// Reply turns a passive reply (TextReply, NewsReply) into the response body
// for the request whose query is q: unchanged in plaintext mode, and in safe
// mode (encrypt_type=aes) the encrypted envelope with MsgSignature,
// TimeStamp (now) and a fresh Nonce. An empty reply gives NoReply.
func (c *Callback) Reply(q url.Values, reply []byte, now time.Time) ([]byte, error) {
	if len(reply) == 0 {
		return []byte(NoReply), nil
	}
	if q.Get("encrypt_type") != encryptAES {
		return reply, nil
	}
	nonce, err := randomNonce()
	if err != nil {
		return nil, fmt.Errorf("wechat reply: %w", err)
	}
	body, err := c.seal(reply, strconv.FormatInt(now.Unix(), 10), nonce)
	if err != nil {
		return nil, fmt.Errorf("wechat reply: %w", err)
	}
	return body, nil
}

// seal encrypts plaintext with util.EncryptMsg and wraps it in the reply
// envelope <xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>.
func (c *Callback) seal(plaintext []byte, timestamp, nonce string) ([]byte, error) {
	encrypted, err := c.encrypt(plaintext)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("<xml>")
	writeCDATA(&b, "Encrypt", encrypted)
	writeCDATA(&b, "MsgSignature", util.Signature(c.token, timestamp, nonce, encrypted))
	writeCDATA(&b, "TimeStamp", timestamp)
	writeCDATA(&b, "Nonce", nonce)
	b.WriteString("</xml>")
	return b.Bytes(), nil
}

// encrypt returns the base64 ciphertext of plaintext for this account.
func (c *Callback) encrypt(plaintext []byte) (string, error) {
	if c.aesKey == "" {
		return "", fmt.Errorf("safe mode needs wechat.encoding_aes_key, which is not set")
	}
	random := make([]byte, randomLen)
	if _, err := rand.Read(random); err != nil {
		return "", fmt.Errorf("random prefix: %w", err)
	}
	encrypted, err := util.EncryptMsg(random, plaintext, c.appID, c.aesKey)
	if err != nil {
		return "", fmt.Errorf("encrypt: %w", err)
	}
	return string(encrypted), nil
}

// randomNonce returns ten random decimal digits, the shape of WeChat's own
// nonces.
func randomNonce() (string, error) {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random nonce: %w", err)
	}
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b[:]), nil
}

// TextReply is a passive text reply to the follower to (an openid) from the
// account from (its gh_ id).
func TextReply(to, from, content string, now time.Time) []byte {
	var b bytes.Buffer
	writeReplyHead(&b, to, from, "text", now)
	writeCDATA(&b, "Content", content)
	b.WriteString("</xml>")
	return b.Bytes()
}

// NewsReply is a passive news reply: link cards with title, description,
// picture and URL. WeChat shows one card in answer to a follower's message;
// more than maxArticles are cut. Callers pass at least one article.
func NewsReply(to, from string, articles []Article, now time.Time) []byte {
	articles = articles[:min(len(articles), maxArticles)]
	var b bytes.Buffer
	writeReplyHead(&b, to, from, "news", now)
	fmt.Fprintf(&b, "<ArticleCount>%d</ArticleCount><Articles>", len(articles))
	for _, a := range articles {
		b.WriteString("<item>")
		writeCDATA(&b, "Title", a.Title)
		writeCDATA(&b, "Description", a.Description)
		writeCDATA(&b, "PicUrl", a.PicURL)
		writeCDATA(&b, "Url", a.URL)
		b.WriteString("</item>")
	}
	b.WriteString("</Articles></xml>")
	return b.Bytes()
}

func writeReplyHead(b *bytes.Buffer, to, from, msgType string, now time.Time) {
	b.WriteString("<xml>")
	writeCDATA(b, "ToUserName", to)
	writeCDATA(b, "FromUserName", from)
	fmt.Fprintf(b, "<CreateTime>%d</CreateTime>", now.Unix())
	writeCDATA(b, "MsgType", msgType)
}

// writeCDATA writes <name><![CDATA[text]]></name>. A "]]>" in text is split
// across two sections, and what XML 1.0 cannot carry at all (invalid UTF-8,
// control characters other than tab and newlines) becomes U+FFFD, so any
// string yields a well-formed document.
func writeCDATA(b *bytes.Buffer, name, text string) {
	b.WriteString("<" + name + "><![CDATA[")
	b.WriteString(strings.ReplaceAll(xmlSafe(text), "]]>", "]]]]><![CDATA[>"))
	b.WriteString("]]></" + name + ">")
}

// xmlSafe replaces what XML 1.0 forbids with U+FFFD; it returns s itself in
// the common case.
func xmlSafe(s string) string {
	if strings.IndexFunc(s, badXMLRune) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if badXMLRune(r) {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
}

func badXMLRune(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20, r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
		return true
	}
	return false
}
