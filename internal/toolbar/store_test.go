package toolbar

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/script/match"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

// storeEnv is a toolbar store over a script library with one script.
type storeEnv struct {
	clock   *storagetest.Clock
	store   *Store
	scripts *script.Store
	script  script.Script
}

func newStoreEnv(t testing.TB, db storagetest.DB) *storeEnv {
	t.Helper()
	clock := storagetest.NewClock(time.Date(2026, 5, 6, 2, 0, 0, 0, time.UTC))
	scripts := script.NewStore(db.DB, clock.Now)
	sc := script.Script{Title: "营业时间", Keywords: []string{"营业时间"}, MatchMode: match.ModeContains,
		Replies: []script.Reply{{Type: script.ReplyText, Text: "每天 10:00-22:00 营业"}}, Enabled: true}
	if err := scripts.Create(context.Background(), "alice", &sc); err != nil {
		t.Fatalf("create script: %v", err)
	}
	engine := script.NewEngine(scripts, nil)
	if err := engine.Reload(context.Background()); err != nil {
		t.Fatalf("reload: %v", err)
	}
	return &storeEnv{clock: clock, store: NewStore(db.DB, engine, clock.Now), scripts: scripts, script: sc}
}

func (e *storeEnv) note(t *testing.T, q Question) {
	t.Helper()
	if err := e.store.Note(context.Background(), q); err != nil {
		t.Fatalf("Note(%+v): %v", q, err)
	}
}

func (e *storeEnv) recent(t *testing.T, chat string) []Noted {
	t.Helper()
	got, err := e.store.Recent(context.Background(), chat, 0)
	if err != nil {
		t.Fatalf("Recent: %v", err)
	}
	return got
}

func texts(ns []Noted) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Text
	}
	return out
}

func TestStore_Note(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newStoreEnv(t, db)
		tests := []struct {
			name, text string
			kept       bool
		}{
			{"a question", "请问停车场在哪里?", true},
			{"a question word", "可以开发票吗", true},
			{"matches a script", "营业时间", true},
			{"chatter", "哈哈哈 好的", false},
			{"blank", "   ", false},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				chat := fmt.Sprintf("wrChat%d", i)
				e.note(t, Question{ChatID: chat, MemberID: "wmA", MemberName: "王先生", MessageKey: "k" + chat, Text: tt.text})
				got := e.recent(t, chat)
				if (len(got) == 1) != tt.kept {
					t.Fatalf("kept %v, want kept=%v", texts(got), tt.kept)
				}
				if tt.kept && (got[0].MemberName != "王先生" || !got[0].AskedAt.Equal(e.clock.Now()) || got[0].SentAt != nil) {
					t.Errorf("noted = %+v", got[0])
				}
			})
		}
	})
}

func TestStore_Note_idempotentAndInvalid(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newStoreEnv(t, db)
		q := Question{ChatID: "wrA", MessageKey: "msg-1", Text: "怎么退货?"}
		e.note(t, q)
		e.note(t, q)
		if got := e.recent(t, "wrA"); len(got) != 1 {
			t.Errorf("noted twice: %v", texts(got))
		}
		for _, bad := range []Question{{MessageKey: "x", Text: "怎么退货?"}, {ChatID: "wrA", Text: "怎么退货?"}} {
			if err := e.store.Note(context.Background(), bad); !errors.Is(err, fault.ErrInvalid) {
				t.Errorf("Note(%+v) = %v, want invalid", bad, err)
			}
		}
	})
}

func TestStore_Note_retention(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newStoreEnv(t, db)
		e.store.perChat = 3
		old := e.clock.Now().Add(-8 * 24 * time.Hour)
		e.note(t, Question{ChatID: "wrA", MessageKey: "too-old", Text: "还在吗?", AskedAt: old})
		for i := range 5 {
			e.note(t, Question{ChatID: "wrA", MessageKey: fmt.Sprintf("a%d", i), Text: fmt.Sprintf("第%d个问题?", i)})
			e.clock.Advance(time.Minute)
		}
		e.note(t, Question{ChatID: "wrB", MessageKey: "b0", Text: "别的群?"})
		if got := texts(e.recent(t, "wrA")); fmt.Sprint(got) != "[第4个问题? 第3个问题? 第2个问题?]" {
			t.Errorf("wrA keeps %v, want the newest 3", got)
		}
		if got := e.recent(t, "wrB"); len(got) != 1 {
			t.Errorf("wrB keeps %v, want its own question", texts(got))
		}
		e.clock.Advance(7*24*time.Hour + time.Hour)
		e.note(t, Question{ChatID: "wrA", MessageKey: "a-new", Text: "新问题?"})
		if got := texts(e.recent(t, "wrA")); fmt.Sprint(got) != "[新问题?]" {
			t.Errorf("after a week wrA keeps %v", got)
		}
		var n int64
		if err := db.Table("toolbar_questions").Where("chat_id = ?", "wrA").Count(&n).Error; err != nil || n != 1 {
			t.Errorf("wrA rows = %d, %v; want pruned to 1", n, err)
		}
		pruned, err := e.store.Prune(context.Background(), e.clock.Now().Add(-DefaultKeep))
		if err != nil || pruned != 1 {
			t.Errorf("Prune = %d, %v; want wrB's old question", pruned, err)
		}
	})
}

func TestStore_RecordSend(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newStoreEnv(t, db)
		ctx := context.Background()
		e.note(t, Question{ChatID: "wrA", MemberID: "wmA", MessageKey: "msg-1", Text: "营业时间几点?"})
		snd := Send{Key: SendKey("tap-0001", "wrA", "msg-1", e.script.ID, 0), ChatID: "wrA", MessageKey: "msg-1",
			ScriptID: e.script.ID, UserID: "zhangsan"}
		for i, want := range []bool{true, false} {
			again := snd
			got, err := e.store.RecordSend(ctx, &again)
			if err != nil || got != want {
				t.Fatalf("RecordSend #%d = %v, %v; want %v", i+1, got, err, want)
			}
		}
		q := e.recent(t, "wrA")[0]
		if q.SentAt == nil || q.SentBy != "zhangsan" || q.SentScriptID != e.script.ID {
			t.Errorf("question after send = %+v", q)
		}
		sends, err := e.store.Sends(ctx, "wrA", e.clock.Now().Add(-time.Hour))
		if err != nil || len(sends) != 1 || sends[0].UserID != "zhangsan" {
			t.Errorf("Sends = %+v, %v", sends, err)
		}
		// A second answer to the same question is kept, the first sender stays.
		other := snd
		other.Key, other.UserID = SendKey("tap-0002", "", "", 0, 0), "lisi"
		if ok, err := e.store.RecordSend(ctx, &other); !ok || err != nil {
			t.Errorf("second answer = %v, %v", ok, err)
		}
		if q := e.recent(t, "wrA")[0]; q.SentBy != "zhangsan" {
			t.Errorf("sent_by = %q, want the first sender", q.SentBy)
		}
		if _, err := e.store.RecordSend(ctx, &Send{ChatID: "wrA"}); !errors.Is(err, fault.ErrInvalid) {
			t.Errorf("empty send = %v, want invalid", err)
		}
	})
}

func TestSendKey(t *testing.T) {
	a := SendKey("", "wrA", "m1", 1, 0)
	for _, other := range []string{SendKey("", "wrA", "m1", 1, 1), SendKey("", "wrA", "m1", 2, 0), SendKey("", "wrB", "m1", 1, 0), SendKey("tap1", "wrA", "m1", 1, 0)} {
		if other == a {
			t.Errorf("different sends share key %s", a)
		}
	}
	if SendKey("tap1", "wrA", "m1", 1, 0) != SendKey("tap1", "wrB", "", 2, 3) || len(a) != 64 {
		t.Error("a send id alone must key a send, in 64 hex digits")
	}
}

func TestStore_QuestionByKey(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newStoreEnv(t, db)
		e.note(t, Question{ChatID: "wrA", MemberID: "wmA", MessageKey: "m1", Text: "几点开门?"})
		if q, err := e.store.QuestionByKey(context.Background(), "wrA", "m1"); err != nil || q.MemberID != "wmA" {
			t.Errorf("QuestionByKey = %+v, %v", q, err)
		}
		if _, err := e.store.QuestionByKey(context.Background(), "wrB", "m1"); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("another chat's question = %v, want not found", err)
		}
	})
}
