package script_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

func TestEngine_AnswerScopeAndHours(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.create(t, func(s *script.Script) {
			s.Title, s.Keywords = "门店专用", []string{"会员卡"}
			s.Scope.Stores = []string{"sh-01"}
		})
		e.create(t, func(s *script.Script) {
			s.Title, s.Keywords = "标签群", []string{"积分"}
			s.Scope.Tags = []string{"vip"}
		})
		e.create(t, func(s *script.Script) {
			s.Title, s.Keywords = "指定群", []string{"停车"}
			s.Scope.ChatIDs = []string{"wrA"}
		})
		e.create(t, func(s *script.Script) {
			s.Title, s.Keywords = "公众号", []string{"关注"}
			s.Scope.Channels = []script.Channel{script.ChannelWeChat}
		})
		e.create(t, func(s *script.Script) {
			s.Title, s.Keywords, s.ActiveHours = "夜班", []string{"夜宵"}, "22:00-06:00"
		})
		e.create(t, func(s *script.Script) { s.Title, s.Keywords, s.Enabled = "停用", []string{"旧活动"}, false })
		e.reload(t)
		tests := []struct {
			name  string
			q     script.Question
			title string // "" when nothing answers
		}{
			{"store_in_scope", script.Question{Text: "会员卡怎么办", Store: "sh-01"}, "门店专用"},
			{"store_out_of_scope", script.Question{Text: "会员卡怎么办", Store: "bj-02"}, ""},
			{"tag_in_scope", script.Question{Text: "积分", ChatTags: []string{"new", "vip"}}, "标签群"},
			{"tag_out_of_scope", script.Question{Text: "积分", ChatTags: []string{"new"}}, ""},
			{"named_chat", script.Question{Text: "停车", ChatID: "wrA"}, "指定群"},
			{"other_chat", script.Question{Text: "停车", ChatID: "wrB"}, ""},
			{"channel_in_scope", script.Question{Text: "关注", Channel: script.ChannelWeChat}, "公众号"},
			{"channel_out_of_scope", script.Question{Text: "关注"}, ""},
			{"hours_before_midnight", script.Question{Text: "夜宵", At: e.shanghai(23, 0)}, "夜班"},
			{"hours_after_midnight", script.Question{Text: "夜宵", At: e.shanghai(5, 59)}, "夜班"},
			{"outside_hours", script.Question{Text: "夜宵", At: e.shanghai(6, 0)}, ""},
			{"disabled", script.Question{Text: "旧活动"}, ""},
			{"traditional_full_width", script.Question{Text: "\u6703\u54e1\u5361\uff1f", Store: "sh-01"}, "门店专用"},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				q := tt.q
				if q.Channel == "" {
					q.Channel = script.ChannelBridge
				}
				q.MessageKey = fmt.Sprintf("msg-%d", i)
				a, ok := e.answer(t, q)
				if ok != (tt.title != "") || (ok && a.Title != tt.title) {
					t.Errorf("Answer = %q (%v, why %q), want %q", a.Title, ok, a.Why, tt.title)
				}
				if a.Why == "" {
					t.Error("Answer gave no reason")
				}
			})
		}
	})
}

func TestEngine_AnswerLimitsAndRotation(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		hi := e.create(t, func(s *script.Script) {
			s.Title, s.Priority, s.CooldownMinutes = "优先", 10, 30
			s.Keywords = []string{"退货"}
		})
		lo := e.create(t, func(s *script.Script) {
			s.Title, s.MemberLimit = "兜底", 2
			s.Keywords = []string{"退货"}
			s.Replies = []script.Reply{{Type: script.ReplyText, Text: "一"}, {Type: script.ReplyText, Text: "二"}, {Type: script.ReplyText, Text: "三"}}
		})
		e.reload(t)
		steps := []struct {
			name         string
			chat, member string
			advance      time.Duration
			script       int64 // 0: none
			variant      int
		}{
			{"best_first", "wrA", "m1", 0, hi.ID, 0},
			{"cooldown_falls_back", "wrA", "m1", time.Minute, lo.ID, 0},
			{"rotation", "wrA", "m1", time.Minute, lo.ID, 1},
			{"member_limit", "wrA", "m1", time.Minute, 0, 0},
			{"other_member", "wrA", "m2", 0, lo.ID, 2},
			{"other_chat_not_cooling", "wrB", "m1", 0, hi.ID, 0},
			{"rotation_wraps", "wrA", "m3", 0, lo.ID, 0},
			{"cooldown_over", "wrA", "m1", 30 * time.Minute, hi.ID, 0},
			{"member_limit_over_after_an_hour", "wrC", "m1", time.Hour, hi.ID, 0},
		}
		for i, st := range steps {
			e.clock.Advance(st.advance)
			a, ok := e.answer(t, e.question("我想退货", st.chat, st.member, fmt.Sprintf("k%d", i)))
			if a.ScriptID != st.script || (ok && a.Variant != st.variant) || ok != (st.script != 0) {
				t.Errorf("%s: answered by %d variant %d (%v, %q), want %d variant %d", st.name, a.ScriptID, a.Variant, ok, a.Why, st.script, st.variant)
			}
		}
		if n := e.count(t, "script_hits"); n != 8 {
			t.Errorf("%d hits logged, want 8", n)
		}
	})
}

func TestEngine_AnswerOncePerMessage(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.create(t, func(s *script.Script) {
			s.Replies = []script.Reply{{Type: script.ReplyText, Text: "一"}, {Type: script.ReplyText, Text: "二"}}
			s.CooldownMinutes = 10
		})
		e.reload(t)
		q := e.question("退货", "wrA", "m1", "msg-1")
		first, ok1 := e.answer(t, q)
		again, ok2 := e.answer(t, q)
		if !ok1 || !ok2 || !again.Repeated || again.Variant != first.Variant || again.HitID != first.HitID {
			t.Errorf("redelivered message answered %+v, first %+v", again, first)
		}
		if n := e.count(t, "script_hits"); n != 1 {
			t.Errorf("%d hits for one message", n)
		}
		ctx := context.Background()
		dup := script.Hit{ScriptID: first.ScriptID, Channel: script.ChannelBridge, MessageKey: "msg-1"}
		if inserted, err := e.store.RecordHit(ctx, &dup); err != nil || inserted {
			t.Errorf("RecordHit of an answered message = %v, %v; want false", inserted, err)
		}
		for _, p := range []struct {
			cutoff time.Time
			want   int64
		}{{e.clock.Now(), 0}, {e.clock.Now().Add(time.Second), 1}} {
			if n, err := e.store.PruneHits(ctx, p.cutoff); err != nil || n != p.want {
				t.Errorf("PruneHits(%v) = %d, %v; want %d", p.cutoff, n, err, p.want)
			}
		}
	})
}

func TestEngine_ConcurrentAnswersHonourCooldown(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.create(t, func(s *script.Script) { s.CooldownMinutes = 5 })
		// A second engine stands for another replica over the same database.
		other := script.NewEngine(e.store, nil)
		if err := other.Reload(context.Background()); err != nil {
			t.Fatal(err)
		}
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			answered int
		)
		for i := range 16 {
			wg.Go(func() {
				eng := e.engine
				if i%2 == 1 {
					eng = other
				}
				_, ok, err := eng.Answer(context.Background(), e.question("退货", "wrA", fmt.Sprint(i), fmt.Sprintf("m%d", i)))
				if err != nil {
					t.Errorf("Answer: %v", err)
				}
				mu.Lock()
				defer mu.Unlock()
				if ok {
					answered++
				}
			})
		}
		wg.Wait()
		if answered != 1 {
			t.Errorf("%d answers in one chat within the cooldown, want 1", answered)
		}
	})
}

func TestEngine_Try(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		held := e.create(t, func(s *script.Script) { s.Title, s.Priority, s.CooldownMinutes = "冷却", 9, 60 })
		e.create(t, func(s *script.Script) { s.Title, s.Priority, s.Enabled = "停用", 8, false })
		e.create(t, func(s *script.Script) { s.Title, s.Priority, s.Scope.Tags = "标签", 7, []string{"vip"} })
		e.create(t, func(s *script.Script) { s.Title, s.Priority, s.ActiveHours = "夜间", 6, "22:00-23:00" })
		taken := e.create(t, func(s *script.Script) {
			s.Title, s.Priority = "兜底", 5
			s.Replies = []script.Reply{{Type: script.ReplyText, Text: "一"}, {Type: script.ReplyText, Text: "二"}}
		})
		e.create(t, func(s *script.Script) { s.Title, s.Priority = "更低", 1 })
		e.reload(t)
		if _, err := e.store.RecordHit(ctx, &script.Hit{ScriptID: held.ID, Channel: script.ChannelBridge, ChatID: "wrA", At: e.clock.Now()}); err != nil {
			t.Fatalf("RecordHit: %v", err)
		}
		if _, err := e.store.RecordHit(ctx, &script.Hit{ScriptID: taken.ID, Channel: script.ChannelBridge, ChatID: "wrZ", At: e.clock.Now()}); err != nil {
			t.Fatalf("RecordHit: %v", err)
		}
		hits := e.count(t, "script_hits")
		d, err := e.engine.Try(ctx, "\u8acb\u554f\u600e\u9ebc\u9000\u8ca8\uff1f", "wrA", "", nil, "", time.Time{})
		if err != nil {
			t.Fatalf("Try: %v", err)
		}
		want := []struct {
			title  string
			reason script.SkipReason
			taken  bool
		}{
			{"冷却", script.SkipCoolingDown, false},
			{"停用", script.SkipDisabled, false},
			{"标签", script.SkipOutOfScope, false},
			{"夜间", script.SkipOutsideHours, false},
			{"兜底", "", true},
			{"更低", script.SkipOutranked, false},
		}
		if len(d.Candidates) != len(want) {
			t.Fatalf("Try candidates = %+v, want %d", d.Candidates, len(want))
		}
		for i, w := range want {
			c := d.Candidates[i]
			if c.Title != w.title || c.SkipReason != w.reason || c.Taken != w.taken || c.Why == "" {
				t.Errorf("candidate %d = %+v, want %+v", i, c, w)
			}
		}
		if d.Normalized != "请问怎么退货?" || d.Answer == nil || d.Answer.Variant != 1 || d.Unanswered || d.Match.Winner == nil {
			t.Errorf("Try decision = %+v", d)
		}
		if n := e.count(t, "script_hits"); n != hits {
			t.Errorf("Try logged hits: %d, want %d", n, hits)
		}
	})
}

func TestEngine_UnansweredQueue(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.create(t, func(s *script.Script) { s.Keywords = []string{"会员卡"}; s.Scope.Stores = []string{"sh-01"} })
		e.reload(t)
		asks := []script.Question{
			e.question("停车怎么收费?", "wrA", "m1", "a"),
			e.question("\u505c\u8eca\u600e\u9ebc\u6536\u8cbb\uff1f", "wrB", "m2", "b"), // traditional, full-width: normalises like the first
			e.question("停车怎么收费?", "wrA", "m3", "c"),
			e.question("会员卡怎么办?", "wrA", "m1", "d"), // matches only out of scope
			e.question("大家好", "wrA", "m1", "e"),     // not a question
		}
		for _, q := range asks {
			if _, ok := e.answer(t, q); ok {
				t.Fatalf("%q answered", q.Text)
			}
		}
		qs, err := e.store.ListUnanswered(ctx, script.QuestionFilter{})
		if err != nil {
			t.Fatalf("ListUnanswered: %v", err)
		}
		if len(qs) != 2 || qs[0].Normalized != "停车怎么收费?" || qs[0].Asked != 3 || qs[1].Asked != 1 {
			t.Fatalf("queue = %+v, want 停车 asked 3 then 会员卡 asked 1", qs)
		}
		if len(qs[0].Examples) != 2 || len(qs[0].ChatIDs) != 2 {
			t.Errorf("examples %q chats %q, want two distinct of each", qs[0].Examples, qs[0].ChatIDs)
		}
		if err := e.store.Dismiss(ctx, "alice", qs[1].ID); err != nil {
			t.Fatalf("Dismiss: %v", err)
		}
		if err := e.store.Dismiss(ctx, "alice", qs[1].ID); !errors.Is(err, script.ErrConflict) {
			t.Errorf("second Dismiss: got %v, want ErrConflict", err)
		}
		checkPromote(t, e, qs[0].ID)
	})
}

func checkPromote(t *testing.T, e *env, id int64) {
	t.Helper()
	ctx := context.Background()
	bad := script.Script{Replies: []script.Reply{{Type: script.ReplyText}}, Enabled: true}
	if err := e.store.Promote(ctx, "alice", id, &bad); !errors.Is(err, script.ErrInvalid) {
		t.Fatalf("Promote with an empty reply: got %v, want ErrInvalid", err)
	}
	if q, _ := e.store.GetUnanswered(ctx, id); q.State != script.QuestionOpen || e.count(t, "scripts") != 1 {
		t.Fatalf("failed Promote left question %s and %d scripts", q.State, e.count(t, "scripts"))
	}
	sc := script.Script{Replies: []script.Reply{{Type: script.ReplyText, Text: "停车两小时免费。"}}, Enabled: true}
	if err := e.store.Promote(ctx, "alice", id, &sc); err != nil {
		t.Fatalf("Promote: %v", err)
	}
	q, err := e.store.GetUnanswered(ctx, id)
	if err != nil || q.State != script.QuestionResolved || q.ScriptID == nil || *q.ScriptID != sc.ID || q.ResolvedBy != "alice" {
		t.Fatalf("promoted question = %+v, %v", q, err)
	}
	if err := e.store.Promote(ctx, "alice", id, &sc); !errors.Is(err, script.ErrConflict) {
		t.Errorf("second Promote: got %v, want ErrConflict", err)
	}
	e.reload(t)
	if a, ok := e.answer(t, e.question("停车怎么收费?", "wrA", "m9", "z")); !ok || a.ScriptID != sc.ID {
		t.Errorf("promoted script does not answer its question: %+v", a)
	}
}

func TestEngine_WatchPicksUpChanges(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		if changed, err := e.engine.Refresh(ctx); err != nil || changed {
			t.Fatalf("Refresh with no change = %v, %v", changed, err)
		}
		sc := e.create(t, nil)
		if changed, err := e.engine.Refresh(ctx); err != nil || !changed {
			t.Fatalf("Refresh after a change = %v, %v", changed, err)
		}
		if _, ok := e.answer(t, e.question("退货", "wrA", "m1", "1")); !ok {
			t.Fatal("new script does not answer after Refresh")
		}

		ctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- e.engine.Watch(ctx, time.Millisecond) }()
		sc.Enabled = false
		if err := e.store.Update(ctx, "bob", &sc); err != nil {
			t.Fatal(err)
		}
		want := e.version(t)
		for e.engine.LoadedVersion() != want {
			time.Sleep(time.Millisecond)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Watch returned %v", err)
		}
		if _, ok := e.answer(t, e.question("退货", "wrA", "m1", "2")); ok {
			t.Error("disabled script still answers after Watch reloaded")
		}
	})
}

func TestEngine_ConcurrentAnswerDuringReload(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		e.create(t, nil)
		e.reload(t)
		var wg sync.WaitGroup
		stop := make(chan struct{})
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := e.engine.Reload(ctx); err != nil {
					t.Errorf("Reload: %v", err)
					return
				}
			}
		})
		var answers sync.WaitGroup
		for g := range 4 {
			answers.Go(func() {
				for i := range 10 {
					q := e.question("退货", fmt.Sprintf("wr%d-%d", g, i), "m", fmt.Sprintf("k%d-%d", g, i))
					if _, ok, err := e.engine.Answer(ctx, q); err != nil || !ok {
						t.Errorf("Answer during reload = %v, %v", ok, err)
					}
				}
			})
		}
		answers.Wait()
		close(stop)
		wg.Wait()
		if n := e.count(t, "script_hits"); n != 40 {
			t.Errorf("%d hits logged, want 40", n)
		}
	})
}

func TestEngine_AnswerBeforeReload(t *testing.T) {
	db := storagetest.SQLite(t)
	eng := script.NewEngine(script.NewStore(db.DB, nil), nil)
	_, _, err := eng.Answer(context.Background(), script.Question{Text: "退货", Channel: script.ChannelBridge})
	if err == nil {
		t.Fatal("Answer before Reload succeeded")
	}
	if _, _, err := eng.Answer(context.Background(), script.Question{Text: "退货", Channel: "sms"}); err == nil {
		t.Error("Answer on an unknown channel succeeded")
	}
}
