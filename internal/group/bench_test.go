package group_test

import (
	"fmt"
	"testing"

	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

// benchEnv holds 1,000 synced groups over 50 stores, each tagged with its
// store's city and one of ten topics.
func benchEnv(b *testing.B) *env {
	b.Helper()
	e := newEnv(b, storagetest.SQLite(b))
	e.wecom.pageSize = 1000
	for i := range 1000 {
		e.wecom.put(fmt.Sprintf("wr%04d", i), fmt.Sprintf("群%04d", i), 100+i%100)
	}
	if _, err := e.syncer.SyncAll(b.Context()); err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		id := fmt.Sprintf("wr%04d", i)
		if err := e.store.SetStore(b.Context(), id, int64(1+i%50)); err != nil {
			b.Fatal(err)
		}
		if _, err := e.store.SetTags(b.Context(), id, []string{fmt.Sprintf("城市%d", i%5), fmt.Sprintf("话题%d", i%10)}); err != nil {
			b.Fatal(err)
		}
	}
	return e
}

// BenchmarkSelect resolves a broadcast audience: two stores, one tag and a
// few chat ids (about 120 groups).
func BenchmarkSelect(b *testing.B) {
	e := benchEnv(b)
	sel := group.Selector{StoreIDs: []int64{3, 7}, Tags: []string{"话题4"}, ChatIDs: []string{"wr0001", "wr0999", "gone"}}
	b.ResetTimer()
	for b.Loop() {
		gs, missing, err := e.store.Select(b.Context(), sel)
		if err != nil || len(gs) == 0 || len(missing) != 1 {
			b.Fatalf("%d groups, missing %v, %v", len(gs), missing, err)
		}
	}
}

// BenchmarkHandleJoin applies one add_member event (a new dedupe key each
// time) to a synced group.
func BenchmarkHandleJoin(b *testing.B) {
	e := benchEnv(b)
	ev := joined("wr0042", 1)
	i := 0
	b.ResetTimer()
	for b.Loop() {
		i++
		if err := e.syncer.HandleChatEvent(b.Context(), ev.inbox(fmt.Sprintf("evt:%d", i))); err != nil {
			b.Fatal(err)
		}
	}
}
