package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

// results records what the Observer was told.
type results struct {
	mu   sync.Mutex
	seen []string
}

func (r *results) Sent(api, result string, _ time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, api+":"+result)
}

// setup returns a fake clock, a store on db using it and a worker.
func setup(db storagetest.DB, opts outbox.WorkerOptions) (*storagetest.Clock, *outbox.Store, *outbox.Worker) {
	clock := newClock()
	s := outbox.NewStore(db.DB, clock.Now)
	return clock, s, outbox.NewWorker(s, opts)
}

func TestWorker_outcomes(t *testing.T) {
	tests := []struct {
		name      string
		api       string
		errs      []error
		wantState outbox.State
		wantErr   string
		wantSeen  string
	}{
		{"success", "a", nil, outbox.StateSent, "", "a:sent"},
		{"temporary error is retried", "a", []error{sendErr{msg: "errcode 45009", temporary: true}}, outbox.StatePending, "errcode 45009", "a:retry"},
		{"plain error is retried", "a", []error{errors.New("connection reset")}, outbox.StatePending, "connection reset", "a:retry"},
		{"permanent error fails at once", "a", []error{sendErr{msg: "errcode 40003 invalid userid"}}, outbox.StateFailed, "errcode 40003 invalid userid", "a:failed"},
		{"wrapped permanent error", "a", []error{fmt.Errorf("send: %w", sendErr{msg: "errcode 40003"})}, outbox.StateFailed, "send: errcode 40003", "a:failed"},
		{"unknown api", "nobody", nil, outbox.StateFailed, "no sender registered for api nobody", "nobody:failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
				s := outbox.NewStore(db.DB, newClock().Now)
				var seen results
				opts := testOptions
				opts.Observer = &seen
				w := outbox.NewWorker(s, opts)
				api := &fakeAPI{errs: tt.errs}
				w.Register("a", outbox.Route{Sender: api.send})
				m := enqueue(t, s, tt.api, "k", 0)
				if n, err := w.SendOnce(context.Background()); n != 1 || err != nil {
					t.Fatalf("send once = %d, %v; want 1 message", n, err)
				}
				got := get(t, s, m.ID)
				if got.State != tt.wantState || !strings.Contains(got.LastError, tt.wantErr) || got.LockedUntil != nil {
					t.Fatalf("message = state %s error %q lock %v, want %s with %q", got.State, got.LastError, got.LockedUntil, tt.wantState, tt.wantErr)
				}
				if len(seen.seen) != 1 || seen.seen[0] != tt.wantSeen {
					t.Fatalf("observer saw %v, want %s", seen.seen, tt.wantSeen)
				}
			})
		})
	}
}

func TestWorker_temporaryThenSuccess(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		clock, s, w := setup(db, testOptions)
		api := &fakeAPI{errs: []error{sendErr{msg: "system busy", temporary: true}}}
		w.Register("a", outbox.Route{Sender: api.send})
		m := enqueue(t, s, "a", "k", 0)
		drain(t, w)
		got := get(t, s, m.ID)
		wait := got.NextAttemptAt.Sub(clock.Now())
		if got.State != outbox.StatePending || wait < testOptions.MinBackoff || wait >= 2*testOptions.MinBackoff {
			t.Fatalf("after a temporary error: state %s, wait %s; want pending and the first backoff", got.State, wait)
		}
		clock.Advance(wait)
		drain(t, w)
		if got := get(t, s, m.ID); got.State != outbox.StateSent || got.Attempts != 2 || got.Response != `{"errcode":0,"errmsg":"ok"}` || api.count("k") != 2 {
			t.Fatalf("after the retry: %+v, %d sends; want sent on the second attempt", got, api.count("k"))
		}
	})
}

func TestWorker_retryAfterHonoured(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		clock, s, w := setup(db, testOptions)
		api := &fakeAPI{errs: []error{sendErr{msg: "errcode 45033 rate limited", temporary: true, retryAfter: 10 * time.Minute}}}
		w.Register("a", outbox.Route{Sender: api.send})
		m := enqueue(t, s, "a", "k", 0)
		drain(t, w)
		if got := get(t, s, m.ID); got.NextAttemptAt.Before(clock.Now().Add(10 * time.Minute)) {
			t.Fatalf("next attempt at %s, want no sooner than RetryAfter (10m, above MaxBackoff) after %s", got.NextAttemptAt, clock.Now())
		}
		clock.Advance(testOptions.MaxBackoff)
		drain(t, w)
		if api.count("k") != 1 {
			t.Fatalf("sent %d times before RetryAfter passed, want 1", api.count("k"))
		}
	})
}

func TestWorker_maxAttempts(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		clock, s, w := setup(db, testOptions)
		down := sendErr{msg: "503", temporary: true}
		api := &fakeAPI{errs: []error{down, down, down, down}}
		w.Register("a", outbox.Route{Sender: api.send})
		m := outbox.Message{IdempotencyKey: "k", API: "a", Payload: "k", MaxAttempts: 3}
		if _, err := s.Enqueue(context.Background(), &m); err != nil {
			t.Fatal(err)
		}
		for range 5 {
			drain(t, w)
			clock.Advance(testOptions.MaxBackoff)
		}
		got := get(t, s, m.ID)
		if got.State != outbox.StateFailed || got.LastError != "gave up after 3 attempts: 503" || api.count("k") != 3 {
			t.Fatalf("message = %+v after %d sends, want failed after 3", got, api.count("k"))
		}
	})
}

func TestWorker_senderPanic(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		_, s, w := setup(db, testOptions)
		w.Register("a", outbox.Route{Sender: func(context.Context, []byte) ([]byte, error) { panic("index out of range") }})
		m := enqueue(t, s, "a", "k", 0)
		drain(t, w)
		if got := get(t, s, m.ID); got.State != outbox.StatePending || got.LastError != "sender panicked: index out of range" {
			t.Fatalf("message = %+v, want pending with the panic as its error", got)
		}
	})
}

func TestWorker_crashRecovery(t *testing.T) {
	tests := []struct {
		name       string
		idempotent bool
		wantState  outbox.State
		wantSends  int
		wantErr    string
	}{
		{"idempotent api is sent again", true, outbox.StateSent, 1, "interrupted during send; queued again because the api is idempotent"},
		{"other api fails visibly", false, outbox.StateFailed, 0, "interrupted during send; not resent to avoid a duplicate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
				clock := newClock()
				s := outbox.NewStore(db.DB, clock.Now)
				m := enqueue(t, s, "a", "k", 0)
				// A worker claims it and dies before it records the outcome.
				if _, err := s.Claim(context.Background(), 1, testOptions.Lease); err != nil {
					t.Fatal(err)
				}
				api := &fakeAPI{}
				w := outbox.NewWorker(s, testOptions)
				w.Register("a", outbox.Route{Sender: api.send, Idempotent: tt.idempotent})
				drain(t, w)
				if got := get(t, s, m.ID); got.State != outbox.StateSending || api.count("k") != 0 {
					t.Fatalf("during the lease: %s with %d sends, want sending untouched", got.State, api.count("k"))
				}
				clock.Advance(testOptions.Lease)
				drain(t, w)
				got := get(t, s, m.ID)
				if got.State != tt.wantState || api.count("k") != tt.wantSends || got.LastError != tt.wantErr {
					t.Fatalf("after the lease: state %s error %q with %d sends, want %s %q with %d", got.State, got.LastError, api.count("k"), tt.wantState, tt.wantErr, tt.wantSends)
				}
			})
		})
	}
}

func TestWorker_priorityOrder(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		opts := testOptions
		opts.Workers = 1
		clock, s, w := setup(db, opts)
		api := &fakeAPI{}
		w.Register("a", outbox.Route{Sender: api.send})
		enqueue(t, s, "a", "report", 0)
		clock.Advance(time.Millisecond)
		enqueue(t, s, "a", "complaint-alert", 10)
		enqueue(t, s, "a", "welcome", 5)
		enqueue(t, s, "a", "broadcast", 0)
		drain(t, w)
		want := []string{"complaint-alert", "welcome", "report", "broadcast"}
		if got := api.sent(); !slices.Equal(got, want) {
			t.Fatalf("sent in order %v, want %v", got, want)
		}
	})
}

func TestWorker_rateLimitIsPerAPI(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		clock, s, w := setup(db, testOptions)
		slow, fast := &fakeAPI{}, &fakeAPI{}
		w.Register("slow", outbox.Route{Sender: slow.send, Limit: rate.Every(time.Minute), Burst: 1})
		w.Register("fast", outbox.Route{Sender: fast.send})
		// The limited API's messages come first and outrank the others.
		for i := range 5 {
			enqueue(t, s, "slow", fmt.Sprintf("slow-%d", i), 9)
		}
		enqueueN(t, s, "fast", 5)
		drain(t, w) // the clock does not move: one token of "slow" only
		if n, m := len(slow.sent()), len(fast.sent()); n != 1 || m != 5 {
			t.Fatalf("at one instant: %d slow and %d fast sends, want 1 and 5", n, m)
		}
		pending, err := s.List(context.Background(), outbox.Filter{State: outbox.StatePending})
		if err != nil || len(pending) != 4 {
			t.Fatalf("pending = %d (err %v), want the 4 held-back slow messages", len(pending), err)
		}
		for _, m := range pending {
			if m.API != "slow" || m.Attempts != 0 {
				t.Fatalf("held-back message %+v: want a slow one with no attempt counted", m)
			}
		}
		clock.Advance(time.Minute)
		drain(t, w)
		if n := len(slow.sent()); n != 2 {
			t.Fatalf("a minute later: %d slow sends, want 2", n)
		}
	})
}

func TestWorker_twoReplicasSendEachMessageOnce(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		const total = 300
		clock := newClock()
		msgs := enqueueN(t, outbox.NewStore(db.DB, clock.Now), "a", total)
		api := &fakeAPI{}
		var wg sync.WaitGroup
		for range 2 {
			w := outbox.NewWorker(outbox.NewStore(db.Reopen(t), clock.Now), outbox.WorkerOptions{Workers: 4, Lease: time.Hour})
			w.Register("a", outbox.Route{Sender: api.send})
			wg.Go(func() { drain(t, w) })
		}
		wg.Wait()
		for _, m := range msgs {
			if n := api.count(m.Payload); n != 1 {
				t.Fatalf("message %s sent %d times, want once", m.Payload, n)
			}
		}
		if c := counts(t, outbox.NewStore(db.DB, nil)); c[outbox.StateSent] != total {
			t.Fatalf("counts = %v, want %d sent", c, total)
		}
	})
}

func TestWorker_Run(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		s := outbox.NewStore(db.DB, nil)
		opts := testOptions
		opts.PollInterval = time.Hour // only Notify can wake it
		w := outbox.NewWorker(s, opts)
		started, release := make(chan string, 10), make(chan struct{})
		w.Register("a", outbox.Route{Sender: func(_ context.Context, p []byte) ([]byte, error) {
			started <- string(p)
			<-release
			return nil, nil
		}})
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan error, 1)
		go func() { ran <- w.Run(ctx) }()

		m := enqueue(t, s, "a", "k", 0)
		w.Notify()
		if got := <-started; got != "k" {
			t.Fatalf("sender got %q", got)
		}
		cancel() // stop while the send is under way
		close(release)
		if err := <-ran; err != nil {
			t.Fatalf("run: %v", err)
		}
		if got := get(t, s, m.ID); got.State != outbox.StateSent {
			t.Fatalf("message sent during shutdown: %s, want sent", got.State)
		}
	})
}
