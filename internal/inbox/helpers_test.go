package inbox_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

// newClock is a test clock at 2025-03-04 09:30:00.123456 UTC.
func newClock() *storagetest.Clock {
	return storagetest.NewClock(time.Date(2025, 3, 4, 9, 30, 0, 123456000, time.UTC))
}

// record stores n events of kind and returns their ids.
func record(t testing.TB, s *inbox.Store, kind string, n int) []int64 {
	t.Helper()
	ids := make([]int64, 0, n)
	for i := range n {
		e := inbox.Event{Source: "wecom", Kind: kind, DedupeKey: fmt.Sprintf("%s-%d-%d", kind, i, time.Now().UnixNano()), Payload: "<xml/>"}
		inserted, err := s.Record(context.Background(), &e)
		if err != nil || !inserted {
			t.Fatalf("record %s #%d: inserted=%v err=%v", kind, i, inserted, err)
		}
		ids = append(ids, e.ID)
	}
	return ids
}

func get(t testing.TB, s *inbox.Store, id int64) inbox.Event {
	t.Helper()
	e, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("get %d: %v", id, err)
	}
	return e
}

func counts(t testing.TB, s *inbox.Store) map[inbox.State]int64 {
	t.Helper()
	c, err := s.Counts(context.Background())
	if err != nil {
		t.Fatalf("counts: %v", err)
	}
	return c
}
