package governance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/bridge"
	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

var t0 = time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC)

func TestChecker(t *testing.T) {
	r := DefaultRules()
	r.Ads.AllowDomains = []string{"brand.com"}
	c, err := newChecker(r)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text, kind, evidence string
	}{
		{"大家好,周末一起自驾", "", ""},
		{"低价保养 http://cheap.cn/x 了解一下", ViolationAd, "链接 http://cheap.cn/x"},
		{"看这里 www.spam.top", ViolationAd, "链接 www.spam.top"},
		{"官方活动 https://www.brand.com/event", "", ""},
		{"有需要打我电话 138-1234-5678", ViolationAd, "手机号 138-1234-5678"},
		{"订单号 9138123456789 查不到", "", ""},
		{"加微信:abc_12345 送福利", ViolationAd, "微信号 abc_12345"},
		{"ＶＸ：shop8888 优惠", ViolationAd, "微信号 shop8888"},
		{"你是不是傻逼", ViolationInsult, "辱骂词「傻逼」"},
		{"這個人是SB", ViolationInsult, "辱骂词「sb」"},
		{"车上的usb接口坏了", "", ""},
	}
	for _, tt := range tests {
		vs := c.check(tt.text)
		got, ev := "", ""
		if len(vs) > 0 {
			got, ev = vs[0].Kind, vs[0].Evidence
		}
		if got != tt.kind || ev != tt.evidence {
			t.Errorf("check(%q) = %s %q, want %s %q", tt.text, got, ev, tt.kind, tt.evidence)
		}
	}
}

func TestFloodTracker(t *testing.T) {
	f := FloodRule{Enabled: true, Messages: 3, Seconds: 10}
	tr := newFloodTracker(10)
	at := func(key string, sec int) Message {
		return Message{Key: key, ChatID: "c", MemberID: "m", At: t0.Add(time.Duration(sec) * time.Second)}
	}
	steps := []struct {
		m    Message
		want bool
	}{
		{at("1", 0), false}, {at("2", 1), false}, {at("2", 1), false}, {at("3", 2), true},
		{at("4", 3), false}, {at("5", 20), false}, {at("6", 21), false}, {at("7", 29), true},
	}
	for i, s := range steps {
		if got := tr.add(s.m, f); got != s.want {
			t.Errorf("step %d (%s): flood %v, want %v", i, s.m.Key, got, s.want)
		}
	}
}

func newService(t *testing.T, db storagetest.DB, bridgeSends bool, owner string) *Service {
	t.Helper()
	return New(Options{
		Store: NewStore(db.DB, func() time.Time { return t0 }), BridgeSends: bridgeSends, Now: func() time.Time { return t0 },
		OwnerOf:  func(context.Context, string) (string, error) { return owner, nil },
		Negative: func(text string) bool { return strings.Contains(text, "漏油") },
	})
}

func member(key, id, text string, after time.Duration) Message {
	return Message{Key: key, ChatID: "wrChat1", ChatName: "一店一群", MemberID: id, MemberName: "车友" + id, MsgType: "text", Text: text, At: t0.Add(after)}
}

func outboxAPIs(t *testing.T, db storagetest.DB) []string {
	t.Helper()
	var rows []outbox.Message
	if err := db.DB.Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.API)
	}
	return out
}

func steps(t *testing.T, s *Service, member string) string {
	t.Helper()
	recs, _, err := s.opts.Store.Records(context.Background(), RecordFilter{MemberID: member})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(recs) - 1; i >= 0; i-- {
		out = append(out, recs[i].Step+":"+recs[i].Outcome)
	}
	return strings.Join(out, ",")
}

func TestService_Ladder(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		s := newService(t, db, true, "owner1")
		ad := "加我微信 shop8888 低价保养"
		for i, m := range []Message{
			member("m1", "a", ad, 0), member("m1", "a", ad, 0), // redelivered
			member("m2", "a", "http://spam.cn", time.Hour),
			member("m3", "a", "你个傻逼", 2*time.Hour),
		} {
			if err := s.Observe(ctx, m); err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
		}
		want := "warning:queued,final_warning:queued,removal_request:queued,announcement:queued"
		if got := steps(t, s, "a"); got != want {
			t.Errorf("steps = %s\nwant    %s", got, want)
		}
		apis := strings.Join(outboxAPIs(t, db), ",")
		if apis != "bridge/send,bridge/send,message/send,bridge/send" {
			t.Errorf("outbox = %s", apis)
		}
		var warn outbox.Message
		if err := db.DB.Order("id").Take(&warn).Error; err != nil {
			t.Fatal(err)
		}
		var out bridge.Outgoing
		if err := json.Unmarshal([]byte(warn.Payload), &out); err != nil || out.Validate() != nil || out.Mentions[0] != "a" || !strings.Contains(out.Text, "发布广告") {
			t.Errorf("warning payload %s: %v", warn.Payload, err)
		}
		var removal outbox.Message
		if err := db.DB.Where("api = ?", APIMessageSend).Take(&removal).Error; err != nil || !strings.Contains(removal.Payload, `"touser":"owner1"`) {
			t.Errorf("removal request %s: %v", removal.Payload, err)
		}

		for _, member := range []string{"a", "a", "nobody"} {
			e := inbox.Event{DedupeKey: "evt-1", Kind: "change_external_chat/update", Payload: delMember("wrChat1", member)}
			if err := s.HandleChatUpdate(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		want += ",removed:observed,result_announcement:queued"
		if got := steps(t, s, "a"); got != want {
			t.Errorf("after removal: %s\nwant %s", got, want)
		}
		if got := steps(t, s, "nobody"); got != "" {
			t.Errorf("a member without a removal request: %s", got)
		}
	})
}

func TestService_Exempt(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		s := newService(t, db, true, "")
		staff := member("m1", "staff1", "http://brand-partner.cn", 0)
		staff.Staff = true
		if err := s.opts.Store.Allow(ctx, &AllowEntry{MemberID: "vip", Note: "合作商家"}, "ops"); err != nil {
			t.Fatal(err)
		}
		for _, m := range []Message{staff, member("m2", "vip", "http://partner.cn", 0)} {
			if err := s.Observe(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		if recs, total, _ := s.opts.Store.Records(ctx, RecordFilter{}); total != 0 {
			t.Errorf("exempt members got steps: %+v", recs)
		}
	})
}

func TestService_NoBridgeNoOwner(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		s := newService(t, db, false, "")
		for i := range 3 {
			if err := s.Observe(ctx, member(fmt.Sprint("m", i), "a", "13812345678", time.Duration(i)*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		want := "warning:not_posted,final_warning:not_posted,removal_request:not_posted,announcement:not_posted"
		if got := steps(t, s, "a"); got != want {
			t.Errorf("steps = %s\nwant    %s", got, want)
		}
		if apis := outboxAPIs(t, db); len(apis) != 0 {
			t.Errorf("sent without a bridge or owner: %v", apis)
		}
	})
}

func TestService_Flood(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		s := newService(t, db, true, "")
		for i := range 8 {
			if err := s.Observe(ctx, member(fmt.Sprint("m", i), "a", "哈哈", time.Duration(i)*time.Second)); err != nil {
				t.Fatal(err)
			}
		}
		recs, _, _ := s.opts.Store.Records(ctx, RecordFilter{})
		if len(recs) != 1 || recs[0].Violation != ViolationFlood || recs[0].MessageKey != "m7" {
			t.Errorf("records = %+v, want one flood warning on m7", recs)
		}
	})
}

func TestService_EarlyWarning(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		s := newService(t, db, true, "")
		r, err := s.opts.Store.Rules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		r.Alerts.NotifyUsers = []string{"ops1", "ops2"}
		if _, err := s.opts.Store.SaveRules(ctx, r, "ops"); err != nil {
			t.Fatal(err)
		}
		// 20 messages, 4 negative (20%): under the minimum of 5 negatives.
		for i := range 20 {
			text := "今天天气好"
			if i%5 == 0 {
				text = "又漏油了"
			}
			if err := s.Observe(ctx, member(fmt.Sprint("d1-", i), fmt.Sprint("u", i), text, time.Duration(i)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		if alerts, _ := s.opts.Store.Alerts(ctx, "", 0, 0); len(alerts) != 0 {
			t.Fatalf("alert below the minimum: %+v", alerts)
		}
		// The fifth negative of 21 messages: 23% > 15%, level 1.
		if err := s.Observe(ctx, member("d1-x", "ux", "还是漏油", time.Hour)); err != nil {
			t.Fatal(err)
		}
		alerts, err := s.opts.Store.Alerts(ctx, "", 0, 0)
		if err != nil || len(alerts) != 1 || alerts[0].Level != 1 || alerts[0].Day != "2026-03-15" || alerts[0].Negative != 5 {
			t.Fatalf("alerts = %+v, %v", alerts, err)
		}
		var sent outbox.Message
		if err := db.DB.Where("api = ?", APIMessageSend).Take(&sent).Error; err != nil || !strings.Contains(sent.Payload, `"touser":"ops1|ops2"`) || !strings.Contains(sent.Payload, "三级预警") {
			t.Errorf("alert message %s: %v", sent.Payload, err)
		}
		// More negatives the same day: 7 of 23 (30%) reaches level 2 once.
		for i := range 2 {
			if err := s.Observe(ctx, member(fmt.Sprint("d1-y", i), "uy", "漏油", time.Hour+time.Duration(i)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		alerts, _ = s.opts.Store.Alerts(ctx, "", 0, 0)
		if len(alerts) != 2 || alerts[0].Level != 2 {
			t.Errorf("alerts after more negatives = %+v", alerts)
		}
	})
}

func TestService_HandleBridge(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		s := newService(t, db, true, "")
		m := bridge.Message{MsgID: "b1", ChatID: "wrChat9", ChatType: "group", SenderID: "wm1", SenderName: "张三", SenderRole: "member",
			MsgType: "link", Link: &bridge.Link{Title: "福利", URL: "https://spam.cn/x"}, SentAt: t0}
		raw, _ := json.Marshal(m)
		if err := s.HandleBridge(ctx, inbox.Event{DedupeKey: "bridge:b1", Payload: string(raw)}); err != nil {
			t.Fatal(err)
		}
		recs, _, _ := s.opts.Store.Records(ctx, RecordFilter{ChatID: "wrChat9"})
		if len(recs) != 1 || recs[0].Evidence != "链接 https://spam.cn/x" || recs[0].MemberName != "张三" {
			t.Errorf("records = %+v", recs)
		}
		if err := s.HandleBridge(ctx, inbox.Event{Payload: "nope"}); err == nil || !strings.Contains(err.Error(), "permanent") {
			t.Errorf("bad payload: %v", err)
		}
	})
}

func TestStore_RulesAndAllowList(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		s := NewStore(db.DB, func() time.Time { return t0 })
		r, err := s.Rules(ctx)
		if err != nil || r.Version != 1 || r.Flood.Messages != 8 {
			t.Fatalf("seeded rules %+v, %v", r, err)
		}
		r.Flood.Messages = 5
		saved, err := s.SaveRules(ctx, r, "ops")
		if err != nil || saved.Version != 2 {
			t.Fatalf("save: %+v, %v", saved, err)
		}
		if _, err := s.SaveRules(ctx, r, "ops"); !errors.Is(err, fault.ErrConflict) {
			t.Errorf("stale save: %v", err)
		}
		bad := saved
		bad.Alerts.Levels[0].SharePercent = 0
		var fields fault.Fields
		if _, err := s.SaveRules(ctx, bad, "ops"); !errors.As(err, &fields) || fields[0].Field != "alerts.levels[0].share_percent" {
			t.Errorf("invalid save: %v", err)
		}

		e := AllowEntry{MemberID: "wm1", ChatID: "wrChat1"}
		if err := s.Allow(ctx, &e, "ops"); err != nil || e.ID == 0 {
			t.Fatalf("allow: %v", err)
		}
		if err := s.Allow(ctx, &AllowEntry{MemberID: "wm1", ChatID: "wrChat1"}, "ops"); !errors.Is(err, fault.ErrConflict) {
			t.Errorf("allow twice: %v", err)
		}
		if err := s.Allow(ctx, &AllowEntry{}, "ops"); !errors.Is(err, fault.ErrInvalid) {
			t.Errorf("allow nobody: %v", err)
		}
		if ok, _ := s.allowed(ctx, "wrChat1", "wm1"); !ok {
			t.Error("allowed member not allowed")
		}
		if ok, _ := s.allowed(ctx, "wrChat2", "wm1"); ok {
			t.Error("allowed in another group")
		}
		if err := s.Disallow(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.Disallow(ctx, e.ID); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("disallow twice: %v", err)
		}
	})
}

// delMember is the decrypted XML of a change_external_chat update that
// removed member (doc 92130).
func delMember(chatID, member string) string {
	return "<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>" +
		"<CreateTime>1773565200</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event>" +
		"<ChatId><![CDATA[" + chatID + "]]></ChatId><ChangeType><![CDATA[update]]></ChangeType>" +
		"<UpdateDetail><![CDATA[del_member]]></UpdateDetail><QuitScene>1</QuitScene><MemChangeCnt>1</MemChangeCnt>" +
		"<MemChangeList><Item><![CDATA[" + member + "]]></Item></MemChangeList></xml>"
}
