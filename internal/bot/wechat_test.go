package bot_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/bot"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/wechat"
)

const wechatAppID = "wx1234567890abcdef"

func wechatServer(t *testing.T, db storagetest.DB) (*httptest.Server, *wechat.Callback) {
	t.Helper()
	c, err := wechat.New(wechat.Config{AppID: wechatAppID, Token: "wechatToken", EncodingAESKey: aesKey})
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewServer(bot.New(bot.Options{
		WeChat: c,
		Inbox:  inbox.NewStore(db.DB, nil),
		WeChatReply: func(ctx context.Context, m wechat.Message) ([]byte, bool) {
			if m.MsgType != "text" {
				return nil, false
			}
			return wechat.TextReply(m.FromUserName, m.ToUserName, "您好:"+m.Content, time.Now()), true
		},
	}))
	t.Cleanup(s.Close)
	return s, c
}

func followerText(content string) []byte {
	return []byte(`<xml><ToUserName><![CDATA[gh_brand]]></ToUserName><FromUserName><![CDATA[oFollower001]]></FromUserName><CreateTime>` +
		strconv.FormatInt(time.Now().Unix(), 10) + `</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[` + content + `]]></Content><MsgId>24000000000000001</MsgId></xml>`)
}

func post(t *testing.T, u string, q url.Values, body []byte) (int, string) {
	t.Helper()
	resp, err := http.Post(u+"?"+q.Encode(), "text/xml", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestWeChat_SafeModeRecordsOnceAndReplies(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		s, c := wechatServer(t, db)
		body, q, err := c.Seal(followerText("門店幾點開門"), strconv.FormatInt(time.Now().Unix(), 10), "n1")
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			status, reply := post(t, s.URL+"/wechat/callback", q, body)
			if status != 200 || !strings.Contains(reply, "<Encrypt>") {
				t.Fatalf("status %d reply %q", status, reply)
			}
		}
		var rows int64
		if err := db.Table("inbox_events").Where("kind = ?", "wechat/text").Count(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if rows != 1 {
			t.Fatalf("rows = %d, want 1", rows)
		}
	})
}

func TestWeChat_BadInput(t *testing.T) {
	s, c := wechatServer(t, storagetest.SQLite(t))
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	body, q, err := c.Seal(followerText("hi"), ts, "n1")
	if err != nil {
		t.Fatal(err)
	}
	bad := url.Values{}
	for k, v := range q {
		bad[k] = v
	}
	bad.Set("msg_signature", strings.Repeat("0", 40))
	if status, _ := post(t, s.URL+"/wechat/callback", bad, body); status != http.StatusForbidden {
		t.Fatalf("bad signature: status %d, want 403", status)
	}
	if status, _ := post(t, s.URL+"/wechat/callback", q, []byte("<xml><Encrypt>")); status != http.StatusForbidden && status != http.StatusBadRequest {
		t.Fatalf("garbage body: status %d", status)
	}
	// URL verification in plaintext signing.
	vq := c.SignQuery(ts, "n2")
	vq.Set("echostr", "echo-777")
	if status, echo := get(t, s.URL+"/wechat/callback?"+vq.Encode()); status != 200 || echo != "echo-777" {
		t.Fatalf("verify = %d %q", status, echo)
	}
}
