package welcome_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
	"github.com/qunbot/qunbot/internal/welcome"
)

func TestHandleContact_QueuesRenderedWelcomeOnce(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		f := newFixture(t, db, welcome.Options{
			Directory: directory{"ZhangWei": {"張偉", "徐匯店"}},
			Contacts:  contacts{"wm1": "李雷"},
		})
		f.rule(t, welcome.Rule{Name: "默認", Channel: welcome.ChannelContact, Default: true, Text: "默認歡迎"})
		rule := f.rule(t, welcome.Rule{Name: "徐匯", Channel: welcome.ChannelContact, StateMatch: welcome.MatchPrefix, State: "lc_sh",
			Text: "{{客戶名}}您好,我是{{門店}}的{{員工名}}", Attachments: []welcome.Attachment{{Type: welcome.AttachLink, Title: "門店地址", URL: "https://e.com/shop"}}})

		e := contactEvent(7, "add_external_contact", "ZhangWei", "wm1", "lc_sh_xuhui", "CODE1", f.clock.Now().Add(-300*time.Millisecond))
		for range 2 { // a redelivered event queues nothing more
			if err := f.svc.HandleContact(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		msgs := f.sends(t, wecom.APISendWelcomeMsg)
		if len(msgs) != 1 {
			t.Fatalf("%d welcome sends queued, want 1", len(msgs))
		}
		m := msgs[0]
		if m.IdempotencyKey != "welcome:CODE1" || m.Priority != welcome.PriorityWelcome || m.SourceEventID == nil || *m.SourceEventID != 7 {
			t.Errorf("queued %+v", m)
		}
		var body struct {
			WelcomeCode string `json:"welcome_code"`
			Text        struct{ Content string }
			Attachments []map[string]any
		}
		if err := json.Unmarshal([]byte(m.Payload), &body); err != nil {
			t.Fatal(err)
		}
		if body.WelcomeCode != "CODE1" || body.Text.Content != "李雷您好,我是徐匯店的張偉" || len(body.Attachments) != 1 || body.Attachments[0]["msgtype"] != "link" {
			t.Errorf("payload %s", m.Payload)
		}
		recs := f.records(t, welcome.KindContact)
		if len(recs) != 1 || recs[0].Outcome != welcome.OutcomeQueued || recs[0].RuleID == nil || *recs[0].RuleID != rule.ID ||
			recs[0].LatencyUS != 300000 || recs[0].State != "lc_sh_xuhui" || recs[0].SendState != "pending" {
			t.Errorf("records %+v", recs)
		}
		if f.woken == 0 {
			t.Error("the outbox was not woken")
		}
	})
}

func TestHandleContact_Skips(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		f := newFixture(t, db, welcome.Options{})
		f.rule(t, welcome.Rule{Name: "海報", Channel: welcome.ChannelContact, StateMatch: welcome.MatchExact, State: "poster", Text: "hi"})
		now := f.clock.Now()
		tests := []struct {
			name string
			e    func() (eventID int64, changeType, state, code string, received time.Time)
			want welcome.Outcome
		}{
			{"no welcome code", func() (int64, string, string, string, time.Time) { return 1, "add_external_contact", "poster", "", now }, welcome.OutcomeNoWelcomeCode},
			{"no rule", func() (int64, string, string, string, time.Time) {
				return 2, "add_half_external_contact", "other", "C2", now
			}, welcome.OutcomeNoRule},
			{"window passed", func() (int64, string, string, string, time.Time) {
				return 3, "add_external_contact", "poster", "C3", now.Add(-25 * time.Second)
			}, welcome.OutcomeExpired},
		}
		for _, tt := range tests {
			id, ct, state, code, received := tt.e()
			if err := f.svc.HandleContact(ctx, contactEvent(id, ct, "u1", "wm1", state, code, received)); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
		}
		recs := f.records(t, welcome.KindContact)
		if len(recs) != len(tests) {
			t.Fatalf("%d records, want %d", len(recs), len(tests))
		}
		for i, tt := range tests {
			if got := recs[len(recs)-1-i]; got.Outcome != tt.want {
				t.Errorf("%s: outcome %s, want %s (%s)", tt.name, got.Outcome, tt.want, got.Detail)
			}
		}
		if n := len(f.sends(t, wecom.APISendWelcomeMsg)); n != 0 {
			t.Errorf("%d sends queued, want none", n)
		}
	})
}

func TestHandleContact_FallbackNames(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newFixture(t, db, welcome.Options{Directory: directory{}, Contacts: contacts{}})
		f.rule(t, welcome.Rule{Name: "默認", Channel: welcome.ChannelContact, Default: true, Text: "{{客戶名}},我是{{員工名}}"})
		if err := f.svc.HandleContact(context.Background(), contactEvent(1, "add_external_contact", "u1", "wm9", "", "C1", f.clock.Now())); err != nil {
			t.Fatal(err)
		}
		msgs := f.sends(t, wecom.APISendWelcomeMsg)
		if len(msgs) != 1 || !json.Valid([]byte(msgs[0].Payload)) {
			t.Fatalf("sends %+v", msgs)
		}
		var body struct{ Text struct{ Content string } }
		_ = json.Unmarshal([]byte(msgs[0].Payload), &body)
		if body.Text.Content != "您好,我是" {
			t.Errorf("text %q, want the neutral fallback", body.Text.Content)
		}
	})
}

// The queued welcome, named from externalcontact/get, goes out through the
// outbox to (fake) WeCom, and the record shows when.
func TestHandleContact_SentThroughOutbox(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		fake := wecomtest.New(wecomtest.WithGroupChats(wecomtest.GroupChat{ChatID: "wr1", Owner: "u1",
			Members: []wecomtest.Member{{UserID: "wm1", Type: wecomtest.MemberExternal, Name: "李雷"}}}))
		defer fake.Close()
		client, err := wecom.NewClient(wecom.Config{CorpID: wecomtest.DefaultCorpID, Secret: wecomtest.DefaultSecret, APIBase: fake.URL})
		if err != nil {
			t.Fatal(err)
		}
		f := newFixture(t, db, welcome.Options{Contacts: client})
		f.clock.Set(time.Now().UTC())
		f.rule(t, welcome.Rule{Name: "默認", Channel: welcome.ChannelContact, Default: true, Text: "{{客戶名}},歡迎"})
		if err := f.svc.HandleContact(ctx, contactEvent(1, "add_external_contact", "u1", "wm1", "", "C1", f.clock.Now())); err != nil {
			t.Fatal(err)
		}
		w := outbox.NewWorker(f.outbox, outbox.WorkerOptions{})
		w.Register(wecom.APISendWelcomeMsg, outbox.Route{Idempotent: true, Sender: func(ctx context.Context, p []byte) ([]byte, error) {
			return client.Send(ctx, wecom.APISendWelcomeMsg, p)
		}})
		if _, err := w.SendOnce(ctx); err != nil {
			t.Fatal(err)
		}
		calls := fake.CallsTo("/cgi-bin/externalcontact/send_welcome_msg")
		if len(calls) != 1 || calls[0].ErrCode != 0 || !strings.Contains(string(calls[0].Body), "李雷,歡迎") {
			t.Fatalf("calls %+v", calls)
		}
		recs := f.records(t, welcome.KindContact)
		if len(recs) != 1 || recs[0].SendState != "sent" || recs[0].SentAt == nil {
			t.Fatalf("records %+v", recs)
		}
	})
}
