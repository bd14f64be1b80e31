package inbox_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

// BenchmarkRecord measures storing one callback, the work done before the
// HTTP answer.
func BenchmarkRecord(b *testing.B) {
	s := inbox.NewStore(storagetest.SQLite(b).DB, nil)
	ctx := context.Background()
	payload := `<xml><ToUserName>ww</ToUserName><Event>change_external_chat</Event><ChangeType>update</ChangeType></xml>`
	for i := 0; b.Loop(); i++ {
		e := inbox.Event{Source: "wecom", Kind: "change_external_chat/update", DedupeKey: "bench-" + strconv.Itoa(i), Payload: payload}
		if _, err := s.Record(ctx, &e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClaimAndMark measures the queue's own cost per event: claiming
// it and recording that it is done.
func BenchmarkClaimAndMark(b *testing.B) {
	s := inbox.NewStore(storagetest.SQLite(b).DB, nil)
	ctx := context.Background()
	record(b, s, "k", b.N)
	b.ResetTimer()
	for range b.N {
		events, err := s.Claim(ctx, 1, time.Minute)
		if err != nil || len(events) != 1 {
			b.Fatalf("claim: %d events, err %v", len(events), err)
		}
		if err := s.MarkDone(ctx, events[0].ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecordParallel measures Record under concurrent callers, as the
// callback server calls it: concurrent calls share a commit.
func BenchmarkRecordParallel(b *testing.B) {
	s := inbox.NewStore(storagetest.SQLite(b).DB, nil)
	ctx := context.Background()
	var n atomic.Int64
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			e := inbox.Event{Source: "wecom", Kind: "change_external_chat/update", DedupeKey: "bench-" + strconv.FormatInt(n.Add(1), 10), Payload: "<xml/>"}
			if _, err := s.Record(ctx, &e); err != nil {
				b.Fatal(err)
			}
		}
	})
}
