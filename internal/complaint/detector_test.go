package complaint

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/bridge"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

// subscriber records what the detector tells it, failing on demand.
type subscriber struct {
	mu       sync.Mutex
	new      []Complaint
	raised   []Complaint
	reaction map[int64][]ReactionCounts
	failNew  int // fail this many calls of OnComplaint first
}

func (s *subscriber) onComplaint(_ context.Context, c Complaint) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNew > 0 {
		s.failNew--
		return errors.New("ticket store down")
	}
	s.new = append(s.new, c)
	return nil
}

func (s *subscriber) onReaction(_ context.Context, c Complaint) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reaction == nil {
		s.reaction = map[int64][]ReactionCounts{}
	}
	s.reaction[c.ID] = append(s.reaction[c.ID], c.Reaction)
	return nil
}

func (s *subscriber) onRaised(_ context.Context, c Complaint) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.raised = append(s.raised, c)
	return nil
}

func newDetector(t *testing.T, db storagetest.DB) (*Detector, *subscriber) {
	t.Helper()
	sub := &subscriber{}
	store := NewStore(db.DB, func() time.Time { return t0 })
	d := NewDetector(Options{Store: store, Now: func() time.Time { return t0 }, OnComplaint: sub.onComplaint, OnRaised: sub.onRaised, OnReaction: sub.onReaction})
	return d, sub
}

func msg(key, member, text string, after time.Duration) Message {
	return Message{Key: key, ChatID: "wrChat1", ChatName: "一店一群", MemberID: member, MemberName: "车友" + member, Text: text, At: t0.Add(after)}
}

func observe(t *testing.T, d *Detector, m Message) *Complaint {
	t.Helper()
	c, err := d.Observe(context.Background(), m)
	if err != nil {
		t.Fatalf("Observe(%q): %v", m.Text, err)
	}
	return c
}

func TestDetector_Observe(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		d, sub := newDetector(t, db)
		observe(t, d, msg("m1", "a", "大家早上好", 0))
		observe(t, d, Message{Key: "m2", ChatID: "wrChat1", MemberID: "staff1", Staff: true, Text: "漏油请联系售后", At: t0.Add(time.Second)})
		if c := observe(t, d, msg("m3", "b", "开了两年,不漏油", 2*time.Second)); c != nil {
			t.Fatalf("negated message recorded: %+v", c.Decision.Explain)
		}
		c := observe(t, d, msg("m4", "c", "新车就漏油了,态度差", 3*time.Second))
		if c == nil || c.ID == 0 || c.Tier != TierMedium || c.SLAMinutes != 20 || c.Decision.RulesVersion != 1 {
			t.Fatalf("complaint = %+v", c)
		}
		if len(c.Context) != 4 || c.Context[0].Text != "大家早上好" || c.Context[3].Key != "m4" {
			t.Errorf("context = %+v", c.Context)
		}
		again := observe(t, d, msg("m4", "c", "新车就漏油了,态度差", 3*time.Second))
		if again == nil || again.ID != c.ID {
			t.Fatalf("redelivery: %+v, want complaint %d", again, c.ID)
		}
		if len(sub.new) != 1 || sub.new[0].ID != c.ID {
			t.Errorf("subscriber told %d times, want once", len(sub.new))
		}
		got, err := d.opts.Store.Get(context.Background(), c.ID)
		if err != nil || got.Decision.Explain == "" || got.Categories()[0] != "质量缺陷" || len(got.Context) != 4 {
			t.Errorf("stored complaint = %+v, %v", got, err)
		}
		replay, err := d.Replay(context.Background(), c.ID)
		if err != nil || replay.Tier != got.Decision.BaseTier || terms(replay) != terms(got.Decision) {
			t.Errorf("replay = %s %q, %v; stored %s %q", replay.Tier, terms(replay), err, got.Decision.BaseTier, terms(got.Decision))
		}
	})
}

func TestDetector_SubscriberRetried(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		d, sub := newDetector(t, db)
		sub.failNew = 1
		m := msg("m1", "a", "我要去315投诉你们", 0)
		if _, err := d.Observe(context.Background(), m); err == nil {
			t.Fatal("a failing subscriber did not fail the message")
		}
		c := observe(t, d, m)
		observe(t, d, m)
		if len(sub.new) != 1 || sub.new[0].ID != c.ID || c.Tier != TierSerious {
			t.Errorf("subscriber got %d complaints, want 1 (complaint %d)", len(sub.new), c.ID)
		}
	})
}

func TestDetector_Reaction(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		d, sub := newDetector(t, db)
		c := observe(t, d, msg("m1", "a", "后备箱小,装不下东西", 0))
		if c == nil || c.Tier != TierLight {
			t.Fatalf("complaint = %+v", c)
		}
		observe(t, d, msg("m2", "b", "+1", time.Minute))
		observe(t, d, msg("m3", "a", "同感", 2*time.Minute)) // the complainer does not echo themself
		observe(t, d, msg("m4", "e", "别黑了,挺好的", 3*time.Minute))
		observe(t, d, msg("m5", "c", "我家的也是后备箱小", 4*time.Minute))
		if len(sub.raised) != 0 {
			t.Fatalf("raised after two members agreed")
		}
		observe(t, d, msg("m6", "d", "我要发微博", 5*time.Minute))
		observe(t, d, msg("m6", "d", "我要发微博", 5*time.Minute)) // redelivered
		observe(t, d, msg("m7", "f", "同感", 11*time.Minute))   // after the window
		if len(sub.raised) != 1 || sub.raised[0].Tier != TierMedium || sub.raised[0].SLAMinutes != 20 {
			t.Fatalf("raised = %+v, want once to medium", sub.raised)
		}
		got, err := d.opts.Store.Get(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := ReactionCounts{Echo: 2, Defend: 1, Spread: 1}
		if told := sub.reaction[c.ID]; len(told) != 5 || told[3] != want || told[4] != want {
			t.Errorf("reactions told: %+v, want 5 ending with %+v twice (a redelivery)", told, want)
		}
		if got.Reaction != want || len(got.Reactions) != 4 || got.Tier != TierMedium || got.RaisedAt == nil {
			t.Errorf("stored: reaction %+v (%d rows), tier %s; want %+v", got.Reaction, len(got.Reactions), got.Tier, want)
		}
		if last := got.Decision.Raised[len(got.Decision.Raised)-1]; last.Reason != RaiseReaction || !strings.Contains(got.Decision.Explain, "3 位车友") {
			t.Errorf("raise not explained: %+v / %s", last, got.Decision.Explain)
		}
	})
}

func TestDetector_Repeated(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		d, _ := newDetector(t, db)
		observe(t, d, msg("m1", "a", "油耗高", 0))
		second := observe(t, d, msg("m2", "a", "发货慢", time.Minute))
		third := observe(t, d, msg("m3", "a", "音响差", 2*time.Minute))
		if second.Tier != TierLight || third.Tier != TierMedium || third.Decision.Raised[0].Reason != RaiseRepeated {
			t.Errorf("second %s, third %s %+v; want light, then medium for repetition", second.Tier, third.Tier, third.Decision.Raised)
		}
		late := observe(t, d, msg("m4", "a", "有异味", 30*time.Minute))
		if late.Tier != TierLight {
			t.Errorf("a complaint after the window is %s, want light", late.Tier)
		}
	})
}

func TestDetector_RulesChange(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		d, _ := newDetector(t, db)
		if dec, err := d.Try(ctx, "座椅窄"); err != nil || dec.Counted() {
			t.Fatalf("Try before the change: %+v, %v", dec, err)
		}
		r, err := d.opts.Store.Rules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		r.Tiers[0].Terms = append(r.Tiers[0].Terms, Term{Term: "座椅窄", Category: "空间"})
		if dec, err := TryRules(r, "座椅窄"); err != nil || dec.Tier != TierLight {
			t.Fatalf("TryRules with the draft: %+v, %v", dec, err)
		}
		if _, err := d.opts.Store.SaveRules(ctx, r, "ops"); err != nil {
			t.Fatal(err)
		}
		if changed, err := d.Refresh(ctx); err != nil || !changed || d.LoadedVersion() != 2 {
			t.Fatalf("Refresh = %v, %v (version %d)", changed, err, d.LoadedVersion())
		}
		if !d.IsNegative("座椅窄") || d.IsNegative("天气好") {
			t.Error("IsNegative does not follow the new rules")
		}
	})
}

func TestDetector_HandleBridge(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		d, sub := newDetector(t, db)
		event := func(key string, m bridge.Message) inbox.Event {
			raw, _ := json.Marshal(m)
			return inbox.Event{ID: 1, Source: "bridge", Kind: m.Kind(), DedupeKey: key, Payload: string(raw), ReceivedAt: t0}
		}
		m := bridge.Message{MsgID: "b1", ChatID: "wrChat9", ChatType: "group", SenderID: "wm1", SenderName: "张三", SenderRole: "member", MsgType: "text", Text: "反复维修还是修不好", SentAt: t0}
		if err := d.HandleBridge(ctx, event("bridge:b1", m)); err != nil {
			t.Fatal(err)
		}
		staff := m
		staff.MsgID, staff.SenderRole, staff.Text = "b2", "staff", "修不好的话我们换件"
		if err := d.HandleBridge(ctx, event("bridge:b2", staff)); err != nil {
			t.Fatal(err)
		}
		if len(sub.new) != 1 || sub.new[0].MemberName != "张三" || sub.new[0].MessageKey != "bridge:b1" || sub.new[0].ChatID != "wrChat9" {
			t.Fatalf("complaints = %+v", sub.new)
		}
		err := d.HandleBridge(ctx, inbox.Event{DedupeKey: "bridge:x", Payload: "{"})
		if err == nil || !strings.Contains(err.Error(), "permanent") {
			t.Errorf("bad payload: %v, want a permanent error", err)
		}
	})
}

func TestStore_List(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		d, _ := newDetector(t, db)
		observe(t, d, msg("m1", "a", "油耗高", 0))
		observe(t, d, msg("m2", "b", "漏油", time.Minute))
		other := msg("m3", "c", "我要找律师", 2*time.Minute)
		other.ChatID = "wrChat2"
		observe(t, d, other)
		tests := []struct {
			f    Filter
			want int64
		}{
			{Filter{}, 3},
			{Filter{ChatID: "wrChat1"}, 2},
			{Filter{Tier: TierSerious}, 1},
			{Filter{MemberID: "b"}, 1},
			{Filter{From: t0.Add(30 * time.Second)}, 2},
			{Filter{To: t0.Add(30 * time.Second)}, 1},
		}
		for _, tt := range tests {
			items, total, err := d.opts.Store.List(ctx, tt.f)
			if err != nil || total != tt.want || int64(len(items)) != tt.want {
				t.Errorf("List(%+v) = %d items, total %d, %v; want %d", tt.f, len(items), total, err, tt.want)
			}
		}
		if _, _, err := d.opts.Store.List(ctx, Filter{Tier: "huge"}); err == nil {
			t.Error("unknown tier accepted")
		}
		page, _, _ := d.opts.Store.List(ctx, Filter{Limit: 1})
		next, _, _ := d.opts.Store.List(ctx, Filter{Limit: 1, BeforeID: page[0].ID})
		if len(next) != 1 || next[0].ID >= page[0].ID {
			t.Errorf("paging: %d then %+v", page[0].ID, next)
		}
	})
}
