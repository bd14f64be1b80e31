package welcome_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/bridge"
	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/welcome"
)

func TestGroupWelcome_BatchesJoinsOfAWindow(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		f := newFixture(t, db, welcome.Options{BridgeSends: true, Contacts: contacts{"wm0": "李雷", "wm1": "韓梅梅"}})
		saveText(t, f, "", "歡迎 {{新成員}} 入群!群規:不發廣告")
		saveText(t, f, "wrA", "歡迎 {{新成員}} 加入望京車友群,入群福利見群公告")
		t0 := f.clock.Now()
		for i := range 10 { // ten joins within the minute, one redelivered
			at := t0.Add(time.Duration(i*5) * time.Second)
			for range 2 {
				if err := f.svc.OnJoin(ctx, "wrA", []string{fmt.Sprintf("wm%d", i)}, at); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := f.svc.OnJoin(ctx, "wrA", []string{"wm10"}, t0.Add(70*time.Second)); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(t0.Add(59 * time.Second))
		if n := flush(t, f); n != 0 {
			t.Fatalf("flushed %d before the window closed", n)
		}
		f.clock.Set(t0.Add(61 * time.Second))
		if n := flush(t, f); n != 1 {
			t.Fatalf("flushed %d batches, want 1", n)
		}
		if n := flush(t, f); n != 0 {
			t.Fatalf("flushed again: %d", n)
		}
		sends := f.sends(t, welcome.APIBridgeSend)
		if len(sends) != 1 {
			t.Fatalf("%d sends, want 1", len(sends))
		}
		var out bridge.Outgoing
		if err := json.Unmarshal([]byte(sends[0].Payload), &out); err != nil {
			t.Fatal(err)
		}
		if out.ChatID != "wrA" || len(out.Mentions) != 10 || out.Text != "歡迎 李雷、韓梅梅 加入望京車友群,入群福利見群公告" || sends[0].Priority != welcome.PriorityGroupWelcome {
			t.Errorf("sent %+v (priority %d)", out, sends[0].Priority)
		}
		f.clock.Set(t0.Add(131 * time.Second))
		if n := flush(t, f); n != 1 {
			t.Fatalf("second window: flushed %d, want 1", n)
		}
		recs := f.records(t, welcome.KindGroup)
		if len(recs) != 2 || recs[0].Outcome != welcome.OutcomeQueued || recs[1].OutboxKey != out.IdempotencyKey {
			t.Errorf("records %+v", recs)
		}
	})
}

func TestGroupWelcome_NothingToSayWith(t *testing.T) {
	tests := []struct {
		name        string
		bridgeSends bool
		text        bool
		want        welcome.Outcome
	}{
		{"no bridge", false, true, welcome.OutcomeNoChannel},
		{"no text", true, false, welcome.OutcomeNoText},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
				f := newFixture(t, db, welcome.Options{BridgeSends: tt.bridgeSends, GroupWindow: 10 * time.Second})
				if tt.text {
					saveText(t, f, "", "歡迎")
				}
				if err := f.svc.OnJoin(context.Background(), "wrB", []string{"wm1", "wm2"}, f.clock.Now()); err != nil {
					t.Fatal(err)
				}
				f.clock.Advance(11 * time.Second)
				if n := flush(t, f); n != 1 {
					t.Fatalf("flushed %d", n)
				}
				recs := f.records(t, welcome.KindGroup)
				if len(recs) != 1 || recs[0].Outcome != tt.want || len(f.sends(t, welcome.APIBridgeSend)) != 0 {
					t.Fatalf("records %+v", recs)
				}
			})
		})
	}
}

func TestGroupText_OnePerChat(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newFixture(t, db, welcome.Options{})
		saveText(t, f, "wrA", "歡迎")
		err := f.store.SaveGroupText(context.Background(), &welcome.GroupText{ChatID: "wrA", Text: "again", Enabled: true})
		if !errors.Is(err, fault.ErrConflict) {
			t.Fatalf("second text for a chat: %v, want conflict", err)
		}
		err = f.store.SaveGroupText(context.Background(), &welcome.GroupText{ChatID: "wrC", Text: "{{客戶名}}", Enabled: true})
		if !errors.Is(err, fault.ErrInvalid) {
			t.Fatalf("contact variable in a group text: %v, want invalid", err)
		}
	})
}

func saveText(t *testing.T, f *fixture, chatID, text string) {
	t.Helper()
	if err := f.store.SaveGroupText(context.Background(), &welcome.GroupText{ChatID: chatID, Text: text, Enabled: true}); err != nil {
		t.Fatal(err)
	}
}

func flush(t *testing.T, f *fixture) int {
	t.Helper()
	n, err := f.svc.FlushDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestHandleChatUpdate_WelcomesExternalJoiners(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		f := newFixture(t, db, welcome.Options{BridgeSends: true})
		saveText(t, f, "", "歡迎 {{新成員}}")
		payload, err := os.ReadFile("../wecom/callback/testdata/chat_update_add_member.xml")
		if err != nil {
			t.Fatal(err)
		}
		e := inbox.Event{ID: 3, Kind: welcome.ChatUpdateKind, DedupeKey: "evt:3", Payload: string(payload), ReceivedAt: f.clock.Now()}
		for range 2 { // redelivered
			if err := f.svc.HandleChatUpdate(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		f.clock.Set(time.Unix(1718003100, 0).Add(61 * time.Second))
		if n := flush(t, f); n != 1 {
			t.Fatalf("flushed %d", n)
		}
		var out bridge.Outgoing
		sends := f.sends(t, welcome.APIBridgeSend)
		if len(sends) != 1 || json.Unmarshal([]byte(sends[0].Payload), &out) != nil || len(out.Mentions) != 3 || out.Text != "歡迎 新朋友們" {
			t.Fatalf("sends %+v", sends)
		}
	})
}

// Two replicas flushing at once say each batch once.
func TestGroupWelcome_ReplicasFlushOnce(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		a := newFixture(t, db, welcome.Options{BridgeSends: true})
		b := newFixture(t, db, welcome.Options{BridgeSends: true})
		saveText(t, a, "", "歡迎 {{新成員}}")
		for i := range 20 {
			if err := a.svc.OnJoin(ctx, fmt.Sprintf("wr%d", i%5), []string{fmt.Sprintf("wm%d", i)}, a.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		later := a.clock.Now().Add(time.Hour)
		a.clock.Set(later)
		b.clock.Set(later)
		var wg sync.WaitGroup
		for _, f := range []*fixture{a, b} {
			wg.Go(func() {
				if _, err := f.svc.FlushDue(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if sends := a.sends(t, welcome.APIBridgeSend); len(sends) != 5 {
			t.Fatalf("%d sends for 5 chats", len(sends))
		}
	})
}
