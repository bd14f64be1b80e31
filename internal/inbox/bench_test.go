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

// BenchmarkCountPerPeriod counts a week of 100,000 chat messages, among as
// many other events, per day: the console's messages-per-day chart.
func BenchmarkCountPerPeriod(b *testing.B) {
	for _, driver := range []string{"sqlite", "mysql"} {
		b.Run(driver, func(b *testing.B) {
			db := storagetest.SQLite(b)
			if driver == "mysql" {
				db = storagetest.MySQL(b)
			}
			end := time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)
			week := 7 * 24 * time.Hour
			const n = 100_000
			rows := make([]inbox.Event, 0, 1000)
			for i := range 2 * n {
				e := inbox.Event{Source: "bridge", Kind: "bridge/text", DedupeKey: "m" + strconv.Itoa(i), Payload: "{}",
					State: inbox.StateDone, ReceivedAt: end.Add(-week / n * time.Duration(i%n+1))}
				if i >= n {
					e.Kind = "change_external_chat/update"
				}
				e.NextAttemptAt = e.ReceivedAt
				if rows = append(rows, e); len(rows) == cap(rows) {
					if err := db.CreateInBatches(rows, 250).Error; err != nil {
						b.Fatal(err)
					}
					rows = rows[:0]
				}
			}
			bounds := make([]time.Time, 8)
			for i := range bounds {
				bounds[i] = end.Add(time.Duration(i-7) * 24 * time.Hour)
			}
			s := inbox.NewStore(db.DB, nil)
			kinds := []string{"bridge/text", "bridge/image", "bridge/link", "bridge/file", "bridge/voice", "bridge/video", "bridge/mixed",
				"aibot/text", "aibot/mixed", "aibot/voice", "aibot/image", "aibot/file"}
			for b.Loop() {
				counts, err := s.CountPerPeriod(context.Background(), kinds, bounds)
				if err != nil || counts[0] == 0 {
					b.Fatal(counts, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
		})
	}
}
