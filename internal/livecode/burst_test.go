package livecode_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/qunbot/qunbot/internal/livecode"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

// A burst of 500 joins, handled by two replicas over one database, fills
// the pool in order: the code leaves each full group exactly once and
// skips none.
func TestSwitch_BurstAcrossReplicas(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		a := newEnv(t, db)
		a.seed(1, "g1", "g2", "g3", "g4")
		b := a.replica()
		c := a.create(livecode.Code{Name: "爆满测试", Pool: pool("g1", "g2", "g3", "g4")})

		const joins, workers = 500, 16
		var wg sync.WaitGroup
		errs := make(chan error, joins)
		next := make(chan int, joins)
		for i := range joins {
			next <- i
		}
		close(next)
		for w := range workers {
			replica := a
			if w%2 == 1 {
				replica = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range next {
					// WeCom puts the member into the code's current group.
					cur, err := replica.svc.Get(context.Background(), c.ID)
					if err != nil {
						errs <- err
						return
					}
					if err := replica.handleChat("update", "add_member", cur.CurrentChatID, 1); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		sw, err := a.svc.Switches(context.Background(), c.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		var moves []string
		for _, s := range slices.Backward(sw) {
			moves = append(moves, s.FromChatID+"→"+s.ToChatID)
		}
		if !slices.Equal(moves, []string{"g1→g2", "g2→g3"}) {
			t.Fatalf("moves %v, want g1→g2, g2→g3 once each", moves)
		}
		got := a.get(c.ID)
		total := 0
		for _, g := range got.Pool {
			total += g.MemberCount
		}
		if got.CurrentChatID != "g3" || total != 4+joins || got.Pool[0].MemberCount < 200 || got.Pool[1].MemberCount < 200 || got.Pool[3].MemberCount != 1 {
			t.Fatalf("after the burst: current %s, pool %+v", got.CurrentChatID, got.Pool)
		}
		if jw := a.joinWay(c); jw.ChatIDs[0] != "g3" {
			t.Fatalf("join way window %v", jw.ChatIDs)
		}
	})
}
