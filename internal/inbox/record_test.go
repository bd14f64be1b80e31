package inbox_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

// Concurrent calls share transactions; each must still learn exactly
// whether its own event was new.
func TestRecord_ConcurrentCallsGroupCommit(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		s := inbox.NewStore(db.DB, nil)
		const keys, copies = 200, 3 // every event delivered three times at once
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			inserted = map[string]int{}
			ids      = map[int64]bool{}
		)
		for i := range keys * copies {
			wg.Go(func() {
				key := fmt.Sprintf("evt:%d", i%keys)
				e := inbox.Event{Source: "wecom", Kind: "k", DedupeKey: key, Payload: key}
				ok, err := s.Record(context.Background(), &e)
				if err != nil {
					t.Errorf("record %s: %v", key, err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if ok {
					inserted[key]++
					if e.ID == 0 || ids[e.ID] {
						t.Errorf("record %s: id %d missing or reused", key, e.ID)
					}
					ids[e.ID] = true
				}
			})
		}
		wg.Wait()
		for i := range keys {
			if n := inserted[fmt.Sprintf("evt:%d", i)]; n != 1 {
				t.Errorf("evt:%d reported inserted %d times, want 1", i, n)
			}
		}
		var rows int64
		if err := db.Table("inbox_events").Count(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if rows != keys {
			t.Fatalf("rows = %d, want %d", rows, keys)
		}
	})
}
