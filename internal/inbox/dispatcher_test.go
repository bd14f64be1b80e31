package inbox_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

// calls counts handler runs per event id.
type calls struct {
	mu sync.Mutex
	n  map[int64]int
}

func (c *calls) add(id int64) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[int64]int{}
	}
	c.n[id]++
	return c.n[id]
}

func (c *calls) get(id int64) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[id]
}

// outcomes records what the Observer was told.
type outcomes struct {
	mu   sync.Mutex
	seen []string
}

func (o *outcomes) Handled(kind, result string, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen = append(o.seen, kind+":"+result)
}

var testOptions = inbox.Options{Workers: 2, MaxAttempts: 3, Lease: time.Minute, MinBackoff: time.Second, MaxBackoff: time.Minute}

// setup returns a fake clock, a store on db using it and a dispatcher.
func setup(db storagetest.DB, opts inbox.Options) (*storagetest.Clock, *inbox.Store, *inbox.Dispatcher) {
	clock := newClock()
	s := inbox.NewStore(db.DB, clock.Now)
	return clock, s, inbox.NewDispatcher(s, opts)
}

func dispatchOnce(t testing.TB, d *inbox.Dispatcher) int {
	t.Helper()
	n, err := d.DispatchOnce(context.Background())
	if err != nil {
		t.Fatalf("dispatch once: %v", err)
	}
	return n
}

func TestDispatcher_outcomes(t *testing.T) {
	var c calls
	tests := []struct {
		name      string
		handler   inbox.Handler // nil: none registered
		wantState inbox.State
		wantErr   string
		wantSeen  string
	}{
		{"success", func(context.Context, inbox.Event) error { return nil }, inbox.StateDone, "", "k:done"},
		{"failure is retried", func(context.Context, inbox.Event) error { return errors.New("wecom busy") }, inbox.StatePending, "wecom busy", "k:retry"},
		{"permanent goes dead", func(context.Context, inbox.Event) error { return inbox.Permanent(errors.New("bad xml")) }, inbox.StateDead, "bad xml", "k:dead"},
		{"panic is a failure", func(context.Context, inbox.Event) error { panic("nil map") }, inbox.StatePending, "handler panicked: nil map", "k:retry"},
		{"no handler", nil, inbox.StateUnhandled, "", "k:unhandled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
				s := inbox.NewStore(db.DB, newClock().Now)
				var seen outcomes
				opts := testOptions
				opts.Observer = &seen
				d := inbox.NewDispatcher(s, opts)
				if tt.handler != nil {
					d.Handle("k", func(ctx context.Context, e inbox.Event) error { c.add(e.ID); return tt.handler(ctx, e) })
				}
				id := record(t, s, "k", 1)[0]
				if n := dispatchOnce(t, d); n != 1 {
					t.Fatalf("dispatched %d events, want 1", n)
				}
				e := get(t, s, id)
				if e.State != tt.wantState || !strings.Contains(e.LastError, tt.wantErr) || e.Attempts != 1 {
					t.Fatalf("event = state %s attempts %d error %q, want %s with %q", e.State, e.Attempts, e.LastError, tt.wantState, tt.wantErr)
				}
				if len(seen.seen) != 1 || seen.seen[0] != tt.wantSeen {
					t.Fatalf("observer saw %v, want %s", seen.seen, tt.wantSeen)
				}
			})
		})
	}
}

func TestDispatcher_backoffThenDead(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		clock, s, d := setup(db, testOptions)
		d.Handle("k", func(context.Context, inbox.Event) error { return errors.New("still down") })
		id := record(t, s, "k", 1)[0]

		for attempt := 1; attempt < testOptions.MaxAttempts; attempt++ {
			before := clock.Now()
			dispatchOnce(t, d)
			e := get(t, s, id)
			wait := e.NextAttemptAt.Sub(before)
			// Attempt n waits MinBackoff·2^(n-1) plus up to as much jitter.
			low := testOptions.MinBackoff << (attempt - 1)
			if e.State != inbox.StatePending || wait < low || wait >= 2*low {
				t.Fatalf("after attempt %d: state %s, wait %s, want pending and a wait in [%s, %s)", attempt, e.State, wait, low, 2*low)
			}
			if n := dispatchOnce(t, d); n != 0 {
				t.Fatalf("attempt %d: %d events dispatched before their backoff ended", attempt, n)
			}
			clock.Advance(wait)
		}
		dispatchOnce(t, d)
		e := get(t, s, id)
		if e.State != inbox.StateDead || e.Attempts != 3 || e.LastError != "gave up after 3 attempts: still down" {
			t.Fatalf("after the last attempt: %+v, want dead after 3 attempts", e)
		}
	})
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempt       int
		minW, maxW    time.Duration
		low, highExcl time.Duration
	}{
		{1, time.Second, time.Minute, time.Second, 2 * time.Second},
		{4, time.Second, time.Minute, 8 * time.Second, 16 * time.Second},
		{30, time.Second, time.Minute, 45 * time.Second, time.Minute + 1},
		{1, 0, 0, 0, 1},
	}
	for _, tt := range tests {
		for range 200 {
			if got := inbox.Backoff(tt.attempt, tt.minW, tt.maxW); got < tt.low || got >= tt.highExcl {
				t.Fatalf("Backoff(%d, %s, %s) = %s, want in [%s, %s)", tt.attempt, tt.minW, tt.maxW, got, tt.low, tt.highExcl)
			}
		}
	}
}

func TestDispatcher_patterns(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		_, s, d := setup(db, testOptions)
		var mu sync.Mutex
		ran := map[string][]string{}
		note := func(name string) inbox.Handler {
			return func(_ context.Context, e inbox.Event) error {
				mu.Lock()
				defer mu.Unlock()
				ran[e.Kind] = append(ran[e.Kind], name)
				return nil
			}
		}
		d.Handle("change_external_chat/*", note("all_chat"))
		d.Handle("change_external_chat/update", note("update"))
		d.Handle("", note("ignored"))
		update := record(t, s, "change_external_chat/update", 1)[0]
		create := record(t, s, "change_external_chat/create", 1)[0]
		bare := record(t, s, "change_external_chat", 1)[0]
		other := record(t, s, "change_external_contact/add_external_contact", 1)[0]
		for dispatchOnce(t, d) > 0 {
		}
		want := map[string][]string{
			"change_external_chat/update": {"all_chat", "update"},
			"change_external_chat/create": {"all_chat"},
		}
		if len(ran) != len(want) || strings.Join(ran["change_external_chat/update"], ",") != "all_chat,update" ||
			strings.Join(ran["change_external_chat/create"], ",") != "all_chat" {
			t.Fatalf("handlers ran %v, want %v", ran, want)
		}
		states := map[int64]inbox.State{update: inbox.StateDone, create: inbox.StateDone, bare: inbox.StateUnhandled, other: inbox.StateUnhandled}
		for id, st := range states {
			if got := get(t, s, id).State; got != st {
				t.Errorf("event %d: state %s, want %s", id, got, st)
			}
		}
	})
}

func TestDispatcher_allHandlersRunAgainAfterOneFails(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		clock, s, d := setup(db, testOptions)
		var ok, flaky calls
		d.Handle("k", func(_ context.Context, e inbox.Event) error { ok.add(e.ID); return nil })
		d.Handle("k", func(_ context.Context, e inbox.Event) error {
			if flaky.add(e.ID) == 1 {
				return errors.New("first time fails")
			}
			return nil
		})
		id := record(t, s, "k", 1)[0]
		dispatchOnce(t, d)
		if e := get(t, s, id); e.State != inbox.StatePending {
			t.Fatalf("after one failing handler: %s, want pending", e.State)
		}
		clock.Advance(testOptions.MaxBackoff)
		dispatchOnce(t, d)
		if e := get(t, s, id); e.State != inbox.StateDone || ok.get(id) != 2 || flaky.get(id) != 2 {
			t.Fatalf("state %s, runs ok=%d flaky=%d; want done and both handlers run twice", e.State, ok.get(id), flaky.get(id))
		}
	})
}

func TestDispatcher_retryDeadEvent(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		_, s, d := setup(db, testOptions)
		fixed := false
		d.Handle("k", func(context.Context, inbox.Event) error {
			if !fixed {
				return inbox.Permanent(errors.New("unknown store"))
			}
			return nil
		})
		id := record(t, s, "k", 1)[0]
		dispatchOnce(t, d)
		if e := get(t, s, id); e.State != inbox.StateDead {
			t.Fatalf("state %s, want dead", e.State)
		}
		fixed = true // the operator added the store
		mustNil(t, s.Retry(ctx, id))
		dispatchOnce(t, d)
		if e := get(t, s, id); e.State != inbox.StateDone || e.Attempts != 1 {
			t.Fatalf("after retry: state %s attempts %d, want done after 1 attempt", e.State, e.Attempts)
		}
	})
}

func TestDispatcher_interruptedAttemptsGoDead(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		clock, s, d := setup(db, testOptions)
		var c calls
		d.Handle("k", func(_ context.Context, e inbox.Event) error { c.add(e.ID); return nil })
		id := record(t, s, "k", 1)[0]
		// Every earlier claim died with the process (the handler crashed it).
		for range testOptions.MaxAttempts {
			claim(t, s, 1, testOptions.Lease)
			clock.Advance(testOptions.Lease)
		}
		dispatchOnce(t, d)
		if e := get(t, s, id); e.State != inbox.StateDead || c.get(id) != 0 {
			t.Fatalf("state %s after %d handler runs, want dead without running it again", e.State, c.get(id))
		}
	})
}

func TestDispatcher_Run(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		s := inbox.NewStore(db.DB, nil)
		opts := testOptions
		opts.PollInterval = time.Hour // only Notify can wake it
		d := inbox.NewDispatcher(s, opts)
		started, release := make(chan int64, 10), make(chan struct{})
		d.Handle("k", func(_ context.Context, e inbox.Event) error {
			started <- e.ID
			<-release
			return nil
		})
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan error, 1)
		go func() { ran <- d.Run(ctx) }()

		id := record(t, s, "k", 1)[0]
		d.Notify()
		if got := <-started; got != id {
			t.Fatalf("handler got event %d, want %d", got, id)
		}
		cancel() // stop while the event is in flight
		close(release)
		if err := <-ran; err != nil {
			t.Fatalf("run: %v", err)
		}
		if e := get(t, s, id); e.State != inbox.StateDone {
			t.Fatalf("in-flight event after shutdown: %s, want done", e.State)
		}
	})
}

func TestDispatcher_twoReplicasHandleEachEventOnce(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		const total = 500
		clock := newClock()
		ids := record(t, inbox.NewStore(db.DB, clock.Now), "k", total)
		var c calls
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		for range 2 {
			d := inbox.NewDispatcher(inbox.NewStore(db.Reopen(t), clock.Now), inbox.Options{Workers: 4, Lease: time.Hour})
			d.Handle("k", func(_ context.Context, e inbox.Event) error { c.add(e.ID); return nil })
			wg.Go(func() {
				for {
					n, err := d.DispatchOnce(context.Background())
					if err != nil {
						errs <- err
						return
					}
					if n == 0 {
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for _, id := range ids {
			if n := c.get(id); n != 1 {
				t.Fatalf("event %d handled %d times, want once", id, n)
			}
		}
		if n := counts(t, inbox.NewStore(db.DB, nil))[inbox.StateDone]; n != total {
			t.Fatalf("done = %d, want %d", n, total)
		}
	})
}
