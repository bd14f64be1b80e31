package script_test

import (
	"context"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/script/match"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

// newClock is a test clock at 09:30 in Shanghai.
func newClock() *storagetest.Clock {
	return storagetest.NewClock(time.Date(2025, 3, 4, 1, 30, 0, 0, time.UTC))
}

// env is a store and engine over one test database.
type env struct {
	db     storagetest.DB
	clock  *storagetest.Clock
	store  *script.Store
	engine *script.Engine
}

func newEnv(t *testing.T, db storagetest.DB) *env {
	t.Helper()
	clock := newClock()
	store := script.NewStore(db.DB, clock.Now)
	e := &env{db: db, clock: clock, store: store, engine: script.NewEngine(store, nil)}
	e.reload(t)
	return e
}

// shanghai returns the test clock's day at hh:mm in Shanghai.
func (e *env) shanghai(hh, mm int) time.Time {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	d := e.clock.Now().In(loc)
	return time.Date(d.Year(), d.Month(), d.Day(), hh, mm, 0, 0, loc)
}

func (e *env) reload(t *testing.T) {
	t.Helper()
	if err := e.engine.Reload(context.Background()); err != nil {
		t.Fatalf("Reload: %v", err)
	}
}

// create stores sc (after edit is applied to a valid script) and returns it.
func (e *env) create(t *testing.T, edit func(*script.Script)) script.Script {
	t.Helper()
	sc := validScript()
	if edit != nil {
		edit(&sc)
	}
	if err := e.store.Create(context.Background(), "alice", &sc); err != nil {
		t.Fatalf("Create: %v", err)
	}
	return sc
}

func (e *env) version(t *testing.T) int64 {
	t.Helper()
	v, err := e.store.Version(context.Background())
	if err != nil {
		t.Fatalf("Version: %v", err)
	}
	return v
}

func (e *env) count(t *testing.T, table string) int64 {
	t.Helper()
	var n int64
	if err := e.db.Table(table).Count(&n).Error; err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// validScript is a script that saves as it is.
func validScript() script.Script {
	return script.Script{
		Title:     "退货流程",
		Keywords:  []string{"退货", "退款"},
		MatchMode: match.ModeContains,
		Replies:   []script.Reply{{Type: script.ReplyText, Text: "7 天内可无理由退货,请在订单页点「申请售后」。"}},
		Enabled:   true,
	}
}

// question is a group question asked on the bridge at the clock's time.
func (e *env) question(text, chat, member, key string) script.Question {
	return script.Question{Text: text, Channel: script.ChannelBridge, ChatID: chat, MemberID: member,
		At: e.clock.Now(), MessageKey: key}
}

func (e *env) answer(t *testing.T, q script.Question) (script.Answer, bool) {
	t.Helper()
	a, ok, err := e.engine.Answer(context.Background(), q)
	if err != nil {
		t.Fatalf("Answer(%q): %v", q.Text, err)
	}
	return a, ok
}
