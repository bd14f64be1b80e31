package outbox_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

// BenchmarkEnqueue measures storing one intent to send.
func BenchmarkEnqueue(b *testing.B) {
	s := outbox.NewStore(storagetest.SQLite(b).DB, nil)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		m := outbox.Message{IdempotencyKey: "bench-" + strconv.Itoa(i), API: "message/send", Payload: `{"touser":"zhangsan","msgtype":"text"}`}
		if _, err := s.Enqueue(ctx, &m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSendOnce measures the queue's own cost per message: claiming it,
// calling a sender that does nothing and recording that it was sent.
func BenchmarkSendOnce(b *testing.B) {
	s := outbox.NewStore(storagetest.SQLite(b).DB, nil)
	w := outbox.NewWorker(s, outbox.WorkerOptions{Workers: 1, Lease: time.Minute})
	w.Register("a", outbox.Route{Sender: func(context.Context, []byte) ([]byte, error) { return nil, nil }})
	enqueueN(b, s, "a", b.N)
	b.ResetTimer()
	for range b.N {
		if n, err := w.SendOnce(context.Background()); n != 1 || err != nil {
			b.Fatalf("send once = %d, %v", n, err)
		}
	}
}
