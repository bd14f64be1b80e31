package welcome_test

import (
	"context"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/wechat"
	"github.com/qunbot/qunbot/internal/welcome"
)

func TestWeChatWelcome(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		f := newFixture(t, db, welcome.Options{})
		f.rule(t, welcome.Rule{Name: "默認", Channel: welcome.ChannelWeChat, Default: true, Text: "感謝關注"})
		f.rule(t, welcome.Rule{Name: "門店海報", Channel: welcome.ChannelWeChat, StateMatch: welcome.MatchPrefix, State: "store_",
			Attachments: []welcome.Attachment{{Type: welcome.AttachLink, Title: "領取到店禮", URL: "https://e.com/gift"}}})
		event := func(ev, key string) wechat.Message {
			return wechat.Message{ToUserName: "gh_1", FromUserName: "o1", CreateTime: 1700000000, MsgType: "event", Event: ev, EventKey: key}
		}
		tests := []struct {
			name string
			m    wechat.Message
			want string // substring of the reply; "" means no reply
		}{
			{"subscribe", event("subscribe", ""), "<Content><![CDATA[感謝關注]]>"},
			{"subscribe by scene", event("subscribe", "qrscene_store_12"), "<Title><![CDATA[領取到店禮]]>"},
			{"scan", event("SCAN", "store_3"), "<MsgType><![CDATA[news]]>"},
			{"scan without a scene rule", event("SCAN", "other"), ""},
			{"text is not ours", wechat.Message{MsgType: "text", Content: "hi", FromUserName: "o1"}, ""},
			{"unsubscribe", event("unsubscribe", ""), ""},
		}
		for _, tt := range tests {
			reply, ok := f.svc.WeChatWelcome(ctx, tt.m)
			if ok != (tt.want != "") || !strings.Contains(string(reply), tt.want) {
				t.Errorf("%s: reply %q (%v), want %q", tt.name, reply, ok, tt.want)
			}
		}
		recs := f.records(t, welcome.KindWeChat)
		if len(recs) != 3 || recs[0].State != "store_3" || recs[0].Outcome != welcome.OutcomeReplied {
			t.Errorf("records %+v", recs)
		}
	})
}
