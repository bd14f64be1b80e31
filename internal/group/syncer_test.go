package group_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
)

func TestSyncAll_Paging(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		for i, id := range []string{"wr1", "wr2", "wr3", "wr4", "wr5"} {
			e.wecom.put(id, "群"+id, i+1)
		}
		rep := e.sync()
		if rep != (group.SyncReport{Listed: 5, Saved: 5}) {
			t.Fatalf("report %+v", rep)
		}
		if !slices.Equal(e.wecom.lists, []string{"", "c2", "c4"}) {
			t.Fatalf("list cursors %q, want three pages", e.wecom.lists)
		}
		if g := e.get("wr5"); g.MemberCount != 5 || g.Name != "群wr5" {
			t.Fatalf("wr5 %+v", g)
		}
		// A second sync changes names and counts in place; nothing is announced
		// but a rename.
		e.wecom.put("wr2", "改名了", 9)
		e.sync()
		if g := e.get("wr2"); g.MemberCount != 9 || g.Name != "改名了" {
			t.Fatalf("wr2 after resync %+v", g)
		}
		if got := e.takeChanges(); !slices.Equal(got, []string{"renamed wr2 0/9"}) {
			t.Fatalf("changes %q", got)
		}
	})
}

func TestSyncAll_MissingAndFailed(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.wecom.put("wr1", "一群", 3)
		e.wecom.put("wr2", "二群", 4)
		e.wecom.put("wr3", "三群", 5)
		e.sync()
		e.wecom.remove("wr1") // dismissed while the event was lost
		e.wecom.getErr["wr2"] = &wecom.APIError{API: "externalcontact/groupchat/get", Code: 45009}
		rep := e.sync()
		if rep != (group.SyncReport{Listed: 2, Saved: 1, Failed: 1, Missing: 1}) {
			t.Fatalf("report %+v", rep)
		}
		// Both are reconciled by the worker: wr1 is gone, wr2 is read when
		// WeCom answers again.
		delete(e.wecom.getErr, "wr2")
		e.wecom.put("wr2", "二群", 6)
		if n := e.reconcileDue(); n != 2 {
			t.Fatalf("reconciled %d, want 2", n)
		}
		if g := e.get("wr1"); !g.Dismissed || g.DismissedAt == nil {
			t.Fatalf("wr1 not dismissed: %+v", g)
		}
		if g := e.get("wr2"); g.MemberCount != 6 {
			t.Fatalf("wr2 %+v", g)
		}
		if got := e.takeChanges(); !slices.Equal(got, []string{"dismissed wr1 0/0"}) {
			t.Fatalf("changes %q", got)
		}
		if n := e.reconcileDue(); n != 0 {
			t.Fatalf("reconciled %d more", n)
		}
	})
}

// The real client against the fake WeCom server: the wire format holds.
func TestSyncAll_WeComWire(t *testing.T) {
	db := storagetest.SQLite(t)
	fake := wecomtest.New(wecomtest.WithGroupChats(
		wecomtest.GroupChat{ChatID: "wrX", Name: "门店群", Owner: "zhangsan", CreateTime: time.Unix(1718000000, 0),
			Members: []wecomtest.Member{{UserID: "zhangsan", Type: wecomtest.MemberStaff}, {UserID: "wmA", Type: wecomtest.MemberExternal}}},
	))
	t.Cleanup(fake.Close)
	client, err := wecom.NewClient(wecom.Config{CorpID: wecomtest.DefaultCorpID, Secret: wecomtest.DefaultSecret, APIBase: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	store := group.NewStore(db.DB, nil)
	s, err := group.NewSyncer(store, client, group.SyncerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := s.SyncAll(t.Context()); err != nil || rep.Saved != 1 {
		t.Fatalf("sync: %+v %v", rep, err)
	}
	if err := fake.AddMember("wrX", wecomtest.Member{UserID: "wmB", Type: wecomtest.MemberExternal}); err != nil {
		t.Fatal(err)
	}
	if err := s.Reconcile(t.Context(), "wrX"); err != nil {
		t.Fatal(err)
	}
	g, err := store.Get(t.Context(), "wrX")
	want, _ := fake.GroupChat("wrX")
	if err != nil || g.MemberCount != 3 || g.OwnerUserID != "zhangsan" || g.MemberVersion != want.MemberVersion || g.CreatedAt.Unix() != 1718000000 {
		t.Fatalf("group %+v %v", g, err)
	}
	if err := s.Reconcile(t.Context(), "wrNope"); err != nil {
		t.Fatalf("reconcile of a chat WeCom does not know: %v", err)
	}
	if g, _ := store.Get(t.Context(), "wrNope"); !g.Dismissed {
		t.Fatalf("unknown chat not marked dismissed: %+v", g)
	}
}

func TestSyncAll_WeComFails(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		s, err := group.NewSyncer(e.store, failingWeCom{newFake()}, group.SyncerOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SyncAll(t.Context()); !errors.Is(err, group.ErrWeCom) {
			t.Fatalf("sync with WeCom failing: %v, want ErrWeCom", err)
		}
	})
	if _, err := group.NewSyncer(nil, nil, group.SyncerOptions{}); err == nil {
		t.Fatal("a syncer without WeCom was built")
	}
}

type failingWeCom struct{ *fakeWeCom }

func (failingWeCom) ListGroupChats(_ context.Context, _ wecom.GroupChatQuery) (wecom.GroupChatPage, error) {
	return wecom.GroupChatPage{}, &wecom.APIError{API: "externalcontact/groupchat/list", Code: 48002}
}
