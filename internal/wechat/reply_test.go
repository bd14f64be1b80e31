package wechat

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/silenceper/wechat/v2/util"
)

const (
	follower = "oQx9Z5jK2mLp7RtYvWb3NcHdEfGa"
	account  = "gh_3f8a2c91b7d4"
)

func TestTextReply_exact(t *testing.T) {
	got := string(TextReply(follower, account, "您好，積分可在「會員中心」兌換 🎁", testNow))
	want := "<xml><ToUserName><![CDATA[oQx9Z5jK2mLp7RtYvWb3NcHdEfGa]]></ToUserName>" +
		"<FromUserName><![CDATA[gh_3f8a2c91b7d4]]></FromUserName><CreateTime>1718012000</CreateTime>" +
		"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[您好，積分可在「會員中心」兌換 🎁]]></Content></xml>"
	if got != want {
		t.Errorf("TextReply =\n%s\nwant\n%s", got, want)
	}
}

// TestTextReply_content: whatever the content, the reply is well-formed XML
// that reads back as the content (XML-impossible characters as U+FFFD).
func TestTextReply_content(t *testing.T) {
	tests := map[string]struct{ content, want string }{
		"chinese_emoji":  {"群里 😊 好", "群里 😊 好"},
		"cdata_end":      {"a]]>b", "a]]>b"},
		"two_cdata_ends": {"]]>]]>]]", "]]>]]>]]"},
		"markup":         {"<b>退款</b> & <![CDATA[x]]>", "<b>退款</b> & <![CDATA[x]]>"},
		"newlines_tabs":  {"第一行\n\t第二行", "第一行\n\t第二行"},
		"control_chars":  {"a\x00b\x08c\x1bd", "a\uFFFDb\uFFFDc\uFFFDd"},
		"invalid_utf8":   {"ok\xff\xfe!", "ok\uFFFD!"},
		"noncharacter":   {"x\uFFFEy", "x\uFFFDy"},
		"empty":          {"", ""},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			m, err := ParseMessage(TextReply(follower, account, tt.content, testNow))
			if err != nil {
				t.Fatalf("reply does not parse: %v", err)
			}
			want := Message{ToUserName: follower, FromUserName: account, CreateTime: testNow.Unix(), MsgType: "text", Content: tt.want}
			if diff := cmp.Diff(want, m); diff != "" {
				t.Errorf("reply read back differs (-want +got):\n%s", diff)
			}
		})
	}
}

// newsXML reads a news reply back.
type newsXML struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string
	FromUserName string
	CreateTime   int64
	MsgType      string
	ArticleCount int
	Articles     []struct {
		Title, Description, PicUrl, Url string //nolint:revive // WeChat's element names
	} `xml:"Articles>item"`
}

func TestNewsReply(t *testing.T) {
	card := Article{
		Title:       "會員積分兌換指南",
		Description: "三步完成兌換 <限時> & 包郵",
		PicURL:      "https://mmbiz.qpic.cn/mmbiz_jpg/abc/0?wx_fmt=jpeg",
		URL:         "https://brand.example.cn/points?from=wechat&scene=reply",
	}
	tests := []struct {
		name string
		in   int
		want int
	}{{"one", 1, 1}, {"eight", 8, 8}, {"ten_cut_to_eight", 10, 8}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			articles := make([]Article, tt.in)
			for i := range articles {
				articles[i] = card
			}
			var got newsXML
			if err := xml.Unmarshal(NewsReply(follower, account, articles, testNow), &got); err != nil {
				t.Fatalf("reply does not parse: %v", err)
			}
			if got.ToUserName != follower || got.FromUserName != account || got.MsgType != "news" || got.CreateTime != testNow.Unix() {
				t.Errorf("head = %+v", got)
			}
			if got.ArticleCount != tt.want || len(got.Articles) != tt.want {
				t.Fatalf("ArticleCount %d with %d items, want %d", got.ArticleCount, len(got.Articles), tt.want)
			}
			a := got.Articles[0]
			if a.Title != card.Title || a.Description != card.Description || a.PicUrl != card.PicURL || a.Url != card.URL {
				t.Errorf("article = %+v, want %+v", a, card)
			}
		})
	}
}

// replyEnvelope reads a safe-mode reply back.
type replyEnvelope struct {
	XMLName      xml.Name `xml:"xml"`
	Encrypt      string
	MsgSignature string
	TimeStamp    string
	Nonce        string
}

func TestReply(t *testing.T) {
	safe, plain := safeCallback(t), plainCallback(t)
	reply := TextReply(follower, account, "收到，客服稍後聯(lián)系您", testNow)
	_, safeQ := seal(t, safe, readFile(t, "testdata/text.xml"))

	t.Run("plaintext", func(t *testing.T) {
		for _, c := range []*Callback{plain, safe} {
			got, err := c.Reply(c.SignQuery(testTS, testNonce), reply, testNow)
			if err != nil || !bytes.Equal(got, reply) {
				t.Errorf("Reply = %q, %v; want the reply unchanged", got, err)
			}
		}
	})
	t.Run("safe", func(t *testing.T) {
		now := testNow.Add(2e9)
		body, err := safe.Reply(safeQ, reply, now)
		if err != nil {
			t.Fatal(err)
		}
		var env replyEnvelope
		if err := xml.Unmarshal(body, &env); err != nil {
			t.Fatalf("envelope does not parse: %v\n%s", err, body)
		}
		if env.TimeStamp != "1718012002" || len(env.Nonce) != 10 || env.Encrypt == "" {
			t.Errorf("envelope = %+v", env)
		}
		if bytes.Contains(body, []byte("收到")) {
			t.Error("safe-mode reply carries the plaintext")
		}
		// Open it back as WeChat would check it.
		q := url.Values{"encrypt_type": {"aes"}, "timestamp": {env.TimeStamp}, "nonce": {env.Nonce}, "msg_signature": {env.MsgSignature}}
		got, err := safe.Open(q, body, now)
		if err != nil || !bytes.Equal(got, reply) {
			t.Errorf("Open(reply) = %q, %v", got, err)
		}
		// And with the SDK's own decryption, which checks the appid itself.
		_, got, err = util.DecryptMsg(testAppID, env.Encrypt, testAESKey)
		if err != nil || !bytes.Equal(got, reply) {
			t.Errorf("util.DecryptMsg(reply) = %q, %v", got, err)
		}
	})
	t.Run("fresh_nonce", func(t *testing.T) {
		a, _ := safe.Reply(safeQ, reply, testNow)
		b, _ := safe.Reply(safeQ, reply, testNow)
		if bytes.Equal(a, b) {
			t.Error("two replies are byte-identical: random prefix or nonce is not random")
		}
	})
	t.Run("empty_is_success", func(t *testing.T) {
		for _, q := range []url.Values{safeQ, safe.SignQuery(testTS, testNonce)} {
			got, err := safe.Reply(q, nil, testNow)
			if err != nil || string(got) != NoReply {
				t.Errorf("Reply(empty) = %q, %v; want %q", got, err, NoReply)
			}
		}
	})
	t.Run("safe_request_without_key", func(t *testing.T) {
		got, err := plain.Reply(safeQ, reply, testNow)
		if err == nil || !strings.Contains(err.Error(), "wechat.encoding_aes_key") {
			t.Errorf("Reply = %q, %v; want an error naming wechat.encoding_aes_key", got, err)
		}
	})
}

func TestSeal_needsKey(t *testing.T) {
	if _, _, err := plainCallback(t).Seal([]byte("<xml/>"), testTS, testNonce); err == nil {
		t.Error("Seal without an EncodingAESKey succeeded")
	}
}
