package group_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

// seed syncs four groups and maps them: A and B to store 1, C to store 2,
// D unmapped; A and C tagged 车友会, B tagged VIP.
func seed(t *testing.T, e *env) {
	t.Helper()
	ctx := t.Context()
	for _, g := range []struct {
		id, name string
		n        int
	}{{"wrA", "上海一群", 10}, {"wrB", "上海二群", 20}, {"wrC", "北京一群", 30}, {"wrD", "未分配群", 5}} {
		e.wecom.put(g.id, g.name, g.n)
	}
	e.sync()
	for id, store := range map[string]int64{"wrA": 1, "wrB": 1, "wrC": 2} {
		if err := e.store.SetStore(ctx, id, store); err != nil {
			t.Fatal(err)
		}
	}
	for id, tags := range map[string][]string{"wrA": {"车友会"}, "wrB": {"VIP"}, "wrC": {"车友会", "北方"}} {
		if _, err := e.store.SetTags(ctx, id, tags); err != nil {
			t.Fatal(err)
		}
	}
}

func chatIDs(gs []group.Group) string {
	ids := make([]string, len(gs))
	for i, g := range gs {
		ids[i] = g.ChatID
	}
	return strings.Join(ids, ",")
}

func TestStore_List(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		seed(t, e)
		if err := e.syncer.HandleChatEvent(t.Context(), chatEvent{change: "dismiss", chat: "wrD"}.inbox("k-dismiss")); err != nil {
			t.Fatal(err)
		}
		one, zero, yes, no := int64(1), int64(0), true, false
		tests := []struct {
			name string
			f    group.Filter
			want string
		}{
			{"all by name", group.Filter{}, "wrA,wrB,wrC,wrD"},
			{"by store", group.Filter{StoreID: &one}, "wrA,wrB"},
			{"not mapped", group.Filter{StoreID: &zero}, "wrD"},
			{"by tag", group.Filter{Tag: "车友会"}, "wrA,wrC"},
			{"by name", group.Filter{Query: "上海"}, "wrA,wrB"},
			{"by chat id", group.Filter{Query: "wrC"}, "wrC"},
			{"dismissed", group.Filter{Dismissed: &yes}, "wrD"},
			{"live", group.Filter{Dismissed: &no, Limit: 2, Offset: 1}, "wrB,wrC"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				gs, total, err := e.store.List(t.Context(), tt.f)
				if err != nil || chatIDs(gs) != tt.want {
					t.Fatalf("got %s (%v), want %s", chatIDs(gs), err, tt.want)
				}
				if tt.f.Limit == 0 && int(total) != len(gs) {
					t.Fatalf("total %d for %d groups", total, len(gs))
				}
			})
		}
		g := e.get("wrC")
		if g.Name != "北京一群" || g.MemberCount != 30 || g.StoreID != 2 || !slices.Equal(g.Tags, []string{"北方", "车友会"}) ||
			g.OwnerUserID != "owner-wrC" || g.CreatedAt == nil || g.SyncedAt == nil || g.MemberVersion == "" {
			t.Fatalf("group %+v", g)
		}
	})
}

func TestStore_SetTagsAndStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		seed(t, e)
		ctx := t.Context()
		got, err := e.store.SetTags(ctx, "wrA", []string{" VIP ", "", "VIP", "车友会"})
		if err != nil || !slices.Equal(got, []string{"VIP", "车友会"}) {
			t.Fatalf("set tags: %v %v", got, err)
		}
		if g := e.get("wrA"); !slices.Equal(g.Tags, got) {
			t.Fatalf("stored tags %v", g.Tags)
		}
		if got, err = e.store.SetTags(ctx, "wrA", nil); err != nil || len(got) != 0 || len(e.get("wrA").Tags) != 0 {
			t.Fatalf("clear tags: %v %v", got, err)
		}
		var fs fault.Fields
		if _, err := e.store.SetTags(ctx, "wrA", []string{strings.Repeat("长", 33)}); !errors.As(err, &fs) || fs[0].Field != "tags[0]" {
			t.Fatalf("long tag: %v", err)
		}
		many := make([]string, 21)
		for i := range many {
			many[i] = string(rune('a' + i))
		}
		if _, err := e.store.SetTags(ctx, "wrA", many); !errors.Is(err, fault.ErrInvalid) {
			t.Fatalf("21 tags: %v", err)
		}
		if err := e.store.SetStore(ctx, "wrA", 7); err != nil {
			t.Fatal(err)
		}
		if id, err := e.store.StoreOfChat(ctx, "wrA"); err != nil || id != 7 {
			t.Fatalf("store of chat: %d %v", id, err)
		}
		for name, err := range map[string]error{
			"set store":     e.store.SetStore(ctx, "nope", 1),
			"set tags":      func() error { _, err := e.store.SetTags(ctx, "nope", []string{"x"}); return err }(),
			"get":           func() error { _, err := e.store.Get(ctx, "nope"); return err }(),
			"store of chat": func() error { _, err := e.store.StoreOfChat(ctx, "nope"); return err }(),
		} {
			if !errors.Is(err, fault.ErrNotFound) {
				t.Errorf("%s of an unknown group: %v, want not found", name, err)
			}
		}
		if err := e.store.SetStore(ctx, "wrA", -1); !errors.Is(err, fault.ErrInvalid) {
			t.Fatalf("negative store: %v", err)
		}
	})
}

func TestStore_Select(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		seed(t, e)
		e.handle("k-dismiss", chatEvent{change: "dismiss", chat: "wrB"})
		tests := []struct {
			name        string
			sel         group.Selector
			want        string
			wantMissing string
		}{
			{"nothing selects nothing", group.Selector{}, "", ""},
			{"by store, dismissed left out", group.Selector{StoreIDs: []int64{1}}, "wrA", ""},
			{"store 0 is not a store", group.Selector{StoreIDs: []int64{0}}, "", ""},
			{"by tag", group.Selector{Tags: []string{"车友会"}}, "wrA,wrC", ""},
			{"by chat id", group.Selector{ChatIDs: []string{"wrD"}}, "wrD", ""},
			{"union, once each", group.Selector{StoreIDs: []int64{2}, Tags: []string{"车友会"}, ChatIDs: []string{"wrA", "wrD"}}, "wrA,wrC,wrD", ""},
			{"unknown and dismissed are missing", group.Selector{ChatIDs: []string{"wrA", "gone", "wrB", "gone"}}, "wrA", "gone,wrB"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				gs, missing, err := e.store.Select(t.Context(), tt.sel)
				if err != nil || chatIDs(gs) != tt.want || strings.Join(missing, ",") != tt.wantMissing {
					t.Fatalf("got %s missing %v (%v), want %s missing %s", chatIDs(gs), missing, err, tt.want, tt.wantMissing)
				}
			})
		}
	})
}

func TestStore_Totals(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		empty, err := e.store.Totals(t.Context())
		if err != nil || empty != (group.Totals{}) {
			t.Fatalf("empty directory: %+v, %v", empty, err)
		}
		seed(t, e)
		// wrE is known from an event only: counted, its members unknown.
		e.handle("k-create", chatEvent{change: "create", chat: "wrE"})
		if err := e.syncer.HandleChatEvent(t.Context(), chatEvent{change: "dismiss", chat: "wrC"}.inbox("k-dismiss")); err != nil {
			t.Fatal(err)
		}
		got, err := e.store.Totals(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		want := group.Totals{Groups: 4, Members: 10 + 20 + 5, Unmapped: 2, Unsynced: 1}
		if got != want {
			t.Fatalf("totals = %+v, want %+v", got, want)
		}
	})
}
