package group_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/wecom"
)

func TestHandleChatEvent_CountsEachEventOnce(t *testing.T) {
	tests := []struct {
		name string
		ev   chatEvent
		want int
		kind string
	}{
		{"join", joined("wr1", 2), 12, "joined wr1 2/12"},
		{"leave", left("wr1", 3), 7, "left wr1 3/7"},
		{"count from the member list", chatEvent{change: "update", detail: "add_member", chat: "wr1", members: []string{"a", "b", "c"}}, 13, "joined wr1 3/13"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
				e := newEnv(t, db)
				e.wecom.put("wr1", "一群", 10)
				e.sync()
				e.handle("evt:1", tt.ev)
				e.handle("evt:1", tt.ev) // redelivered, or retried after another handler failed
				if g := e.get("wr1"); g.MemberCount != tt.want {
					t.Fatalf("member count %d, want %d", g.MemberCount, tt.want)
				}
				if got := e.takeChanges(); !slices.Equal(got, []string{tt.kind}) {
					t.Fatalf("changes %q, want [%s]", got, tt.kind)
				}
			})
		})
	}
}

func TestHandleChatEvent_ReconcileWins(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.wecom.put("wr1", "一群", 10)
		e.sync()
		v10 := e.wecom.version("wr1")

		// A legacy event (no versions) whose join WeCom already counted when
		// the reconcile reads: arithmetic says 11, then the reconcile says 10.
		e.handle("evt:legacy", joined("wr1", 1))
		if g := e.get("wr1"); g.MemberCount != 11 {
			t.Fatalf("after event: %d, want 11", g.MemberCount)
		}
		if n := e.reconcileDue(); n != 0 {
			t.Fatalf("reconcile ran %d before its delay", n)
		}
		e.clock.Advance(5 * time.Second)
		if n := e.reconcileDue(); n != 1 {
			t.Fatalf("reconciled %d, want 1", n)
		}
		if g := e.get("wr1"); g.MemberCount != 10 || g.MemberVersion != v10 {
			t.Fatalf("after reconcile: %+v, want WeCom's count 10", g)
		}

		// Out of order: two joins happened (10→11→12); the reconcile read 12
		// before either event arrived. Versioned events then change nothing.
		e.wecom.put("wr1", "一群", 11)
		v11 := e.wecom.version("wr1")
		e.wecom.put("wr1", "一群", 12)
		v12 := e.wecom.version("wr1")
		if err := e.syncer.Reconcile(t.Context(), "wr1"); err != nil {
			t.Fatal(err)
		}
		second := joined("wr1", 1)
		second.last, second.cur = v11, v12
		first := joined("wr1", 1)
		first.last, first.cur = v10, v11
		e.handle("evt:second", second)
		e.handle("evt:first", first)
		if g := e.get("wr1"); g.MemberCount != 12 {
			t.Fatalf("reordered events counted: %d, want 12", g.MemberCount)
		}

		// In order, a versioned event applies and carries its version.
		e.wecom.put("wr1", "一群", 11)
		v13 := e.wecom.version("wr1")
		next := left("wr1", 1)
		next.last, next.cur = v12, v13
		e.handle("evt:next", next)
		if g := e.get("wr1"); g.MemberCount != 11 || g.MemberVersion != v13 {
			t.Fatalf("in-order event: %+v", g)
		}
	})
}

func TestHandleChatEvent_Dismiss(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.wecom.put("wr1", "一群", 10)
		e.sync()
		e.handle("evt:join", joined("wr1", 1))
		e.handle("evt:dismiss", chatEvent{change: "dismiss", chat: "wr1"})
		e.handle("evt:dismiss", chatEvent{change: "dismiss", chat: "wr1"})
		g := e.get("wr1")
		if !g.Dismissed || g.DismissedAt == nil || !g.DismissedAt.Equal(time.Unix(1718003100, 0)) {
			t.Fatalf("after dismiss: %+v", g)
		}
		// Late events do not bring the group back or change it.
		e.handle("evt:late-join", joined("wr1", 5))
		e.handle("evt:late-create", chatEvent{change: "create", chat: "wr1"})
		e.clock.Advance(time.Minute)
		if n := e.reconcileDue(); n != 0 {
			t.Fatalf("a dismissed group was reconciled %d times", n)
		}
		if g := e.get("wr1"); !g.Dismissed || g.MemberCount != 11 {
			t.Fatalf("after late events: %+v", g)
		}
		if got := e.takeChanges(); !slices.Equal(got, []string{"joined wr1 1/11", "dismissed wr1 0/0"}) {
			t.Fatalf("changes %q", got)
		}
		// A dismiss of a group qunbot never saw is kept, so a late create
		// does not resurrect it.
		e.handle("evt:dismiss2", chatEvent{change: "dismiss", chat: "wr2"})
		e.handle("evt:create2", chatEvent{change: "create", chat: "wr2"})
		if g := e.get("wr2"); !g.Dismissed {
			t.Fatalf("unknown dismissed group: %+v", g)
		}
	})
}

func TestHandleChatEvent_CreateRenameAndUnknownGroups(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.wecom.put("wrNew", "新群", 1)
		e.handle("evt:create", chatEvent{change: "create", chat: "wrNew"})
		e.handle("evt:create", chatEvent{change: "create", chat: "wrNew"})
		if g := e.get("wrNew"); g.SyncedAt != nil || g.Dismissed {
			t.Fatalf("created group %+v", g)
		}
		e.clock.Advance(5 * time.Second)
		e.reconcileDue()
		if g := e.get("wrNew"); g.Name != "新群" || g.MemberCount != 1 || g.SyncedAt == nil {
			t.Fatalf("created group after reconcile %+v", g)
		}

		e.wecom.put("wrNew", "新群改名", 1)
		e.handle("evt:rename", chatEvent{change: "update", detail: "change_name", chat: "wrNew"})
		e.clock.Advance(5 * time.Second)
		e.reconcileDue()

		// A join in a group qunbot never saw: its count is read at once so
		// subscribers hear a real number.
		e.wecom.put("wrOld", "老群", 40)
		e.handle("evt:old", joined("wrOld", 1))
		if g := e.get("wrOld"); g.MemberCount != 40 {
			t.Fatalf("unknown group count %d, want 40 read from WeCom", g.MemberCount)
		}
		want := []string{"created wrNew 0/0", "renamed wrNew 0/1", "joined wrOld 1/40"}
		if got := e.takeChanges(); !slices.Equal(got, want) {
			t.Fatalf("changes %q, want %q", got, want)
		}
	})
}

func TestHandleChatEvent_BadPayloads(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t))
	for _, tt := range []struct {
		name    string
		payload string
	}{
		{"not xml", "{}"},
		{"not a chat event", "<xml><MsgType>event</MsgType><Event>change_external_contact</Event><ChangeType>add_external_contact</ChangeType></xml>"},
		{"no chat id", "<xml><MsgType>event</MsgType><Event>change_external_chat</Event><ChangeType>create</ChangeType></xml>"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := e.syncer.HandleChatEvent(t.Context(), inbox.Event{ID: 9, DedupeKey: "k", Payload: tt.payload})
			if err == nil || !strings.HasPrefix(err.Error(), "permanent:") {
				t.Fatalf("err %v, want a permanent error", err)
			}
		})
	}
}

// Two replicas share the database: each due reconcile is claimed by one.
func TestReconcileDue_ClaimedOnce(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		other, err := group.NewSyncer(group.NewStore(db.DB, e.clock.Now), e.wecom, group.SyncerOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"wr1", "wr2", "wr3"} {
			e.wecom.put(id, id, 3)
		}
		e.sync()
		gets := e.wecom.getCount()
		for _, id := range []string{"wr1", "wr2", "wr3"} {
			e.handle("evt:"+id, joined(id, 1))
		}
		e.clock.Advance(5 * time.Second)
		n1 := e.reconcileDue()
		n2, err := other.ReconcileDue(t.Context())
		if err != nil || n1+n2 != 3 || e.wecom.getCount()-gets != 3 {
			t.Fatalf("reconciled %d + %d (%v) with %d reads, want 3 once each", n1, n2, err, e.wecom.getCount()-gets)
		}

		// A reconcile that fails for a passing reason is retried when its
		// lease ends.
		e.wecom.getErr["wr1"] = &wecom.NetworkError{API: "externalcontact/groupchat/get", Err: errors.New("connection reset")}
		e.handle("evt:again", joined("wr1", 1))
		e.clock.Advance(5 * time.Second)
		if n := e.reconcileDue(); n != 0 {
			t.Fatalf("failed reconcile counted: %d", n)
		}
		delete(e.wecom.getErr, "wr1")
		if n := e.reconcileDue(); n != 0 {
			t.Fatalf("retried before the lease ended: %d", n)
		}
		e.clock.Advance(time.Minute)
		if n, err := other.ReconcileDue(t.Context()); n != 1 || err != nil {
			t.Fatalf("retry after the lease: %d %v", n, err)
		}

		// One WeCom refuses for good is not retried every lease.
		e.wecom.getErr["wr2"] = &wecom.APIError{API: "externalcontact/groupchat/get", Code: 48002}
		e.handle("evt:refused", joined("wr2", 1))
		e.clock.Advance(5 * time.Second)
		before := e.wecom.getCount()
		e.reconcileDue()
		e.clock.Advance(2 * time.Minute)
		e.reconcileDue()
		if reads := e.wecom.getCount() - before; reads != 1 {
			t.Fatalf("refused reconcile read %d times, want once", reads)
		}
	})
}

func TestRun_StopsWithContext(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t))
	if err := e.syncer.Run(t.Context(), 0); err == nil {
		t.Fatal("Run accepted a zero interval")
	}
	e.wecom.put("wr1", "一群", 2)
	e.handle("evt:create", chatEvent{change: "create", chat: "wr1"})
	e.clock.Advance(time.Minute)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.syncer.Run(ctx, time.Millisecond) }()
	deadline := time.After(10 * time.Second)
	for e.get("wr1").SyncedAt == nil {
		select {
		case <-deadline:
			t.Fatal("the worker did not reconcile the due group")
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestObservers_CallsEach(t *testing.T) {
	var got []string
	obs := group.Observers(
		func(_ context.Context, c group.Change) { got = append(got, "a:"+c.Kind) },
		nil,
		func(_ context.Context, c group.Change) { got = append(got, "b:"+c.Kind) },
	)
	obs(t.Context(), group.Change{Kind: group.ChangeJoined})
	if !slices.Equal(got, []string{"a:joined", "b:joined"}) {
		t.Fatalf("got %v", got)
	}
}
