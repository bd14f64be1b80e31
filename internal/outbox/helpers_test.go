package outbox_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

// newClock is a test clock at 2025-03-04 09:30:00.123456 UTC.
func newClock() *storagetest.Clock {
	return storagetest.NewClock(time.Date(2025, 3, 4, 9, 30, 0, 123456000, time.UTC))
}

// sendErr is an error of the kind the WeCom client returns.
type sendErr struct {
	msg        string
	temporary  bool
	retryAfter time.Duration
}

func (e sendErr) Error() string             { return e.msg }
func (e sendErr) Temporary() bool           { return e.temporary }
func (e sendErr) RetryAfter() time.Duration { return e.retryAfter }

// fakeAPI records what it is sent and answers with scripted errors, then
// with success.
type fakeAPI struct {
	mu    sync.Mutex
	errs  []error
	calls map[string]int
	order []string
}

func (f *fakeAPI) send(_ context.Context, payload []byte) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[string(payload)]++
	f.order = append(f.order, string(payload))
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return nil, err
	}
	return []byte(`{"errcode":0,"errmsg":"ok"}`), nil
}

func (f *fakeAPI) count(payload string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[payload]
}

func (f *fakeAPI) sent() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.order...)
}

var testOptions = outbox.WorkerOptions{Workers: 2, Lease: time.Minute, MinBackoff: time.Second, MaxBackoff: time.Minute}

// enqueue stores a message for api whose payload is its key, and returns it.
func enqueue(t testing.TB, s *outbox.Store, api, key string, priority int) outbox.Message {
	t.Helper()
	m := outbox.Message{IdempotencyKey: key, API: api, Payload: key, Priority: priority}
	inserted, err := s.Enqueue(context.Background(), &m)
	if err != nil || !inserted {
		t.Fatalf("enqueue %s: inserted=%v err=%v", key, inserted, err)
	}
	return m
}

func enqueueN(t testing.TB, s *outbox.Store, api string, n int) []outbox.Message {
	t.Helper()
	msgs := make([]outbox.Message, n)
	for i := range msgs {
		msgs[i] = enqueue(t, s, api, fmt.Sprintf("%s-%d", api, i), 0)
	}
	return msgs
}

func get(t testing.TB, s *outbox.Store, id int64) outbox.Message {
	t.Helper()
	m, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("get %d: %v", id, err)
	}
	return m
}

// drain runs w by hand until nothing is due.
func drain(t testing.TB, w *outbox.Worker) {
	t.Helper()
	for {
		n, err := w.SendOnce(context.Background())
		if err != nil {
			t.Fatalf("send once: %v", err)
		}
		if n == 0 {
			return
		}
	}
}
