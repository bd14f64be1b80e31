package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/qunbot/qunbot/internal/inbox"
)

// Sender performs one send of payload and returns the API's answer. Its
// error decides what happens next: one with Temporary() false fails the
// message at once; any other is retried, no sooner than its RetryAfter() if
// it has one. A Sender of a non-idempotent API should report an error whose
// outcome is unknown (a timeout after the request went out) as not
// temporary, so that the message is not sent twice.
type Sender func(ctx context.Context, payload []byte) (response []byte, err error)

// Route says how messages of one API are sent.
type Route struct {
	Sender Sender
	// Limit is the API's rate in sends per second, per process; 0 means
	// none. A message over the limit goes back to the queue until a token is
	// free, so it never holds up other APIs' messages.
	Limit rate.Limit
	Burst int // sends allowed at once under Limit [1]
	// Idempotent says a second send of the same payload does no harm, so a
	// message whose worker died mid-send may be sent again. When false such a
	// message fails, visibly, rather than risk a duplicate.
	Idempotent bool
}

// Observer receives the outcome of every send, for metrics. result is one
// of "sent", "retry", "failed" or "throttled" (put back by the rate limit).
type Observer interface {
	Sent(api, result string, d time.Duration)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(api, result string, d time.Duration)

// Sent calls f.
func (f ObserverFunc) Sent(api, result string, d time.Duration) { f(api, result, d) }

// WorkerOptions tune a Worker. Zero fields take the defaults in brackets.
type WorkerOptions struct {
	Workers int // sends under way at once [4]
	// Lease is how long a claim holds a message in sending. Each send's
	// context has a deadline of a quarter of it, so a send is over long
	// before its message could be taken for interrupted. [5m]
	Lease           time.Duration
	PollInterval    time.Duration // how often to look for due and interrupted messages without a Notify [1s]
	MinBackoff      time.Duration // wait after the first failure [2s]
	MaxBackoff      time.Duration // longest wait between attempts [30m]
	ShutdownTimeout time.Duration // how long Run waits for sends under way when stopped [10s]
	Logger          *slog.Logger
	Observer        Observer // optional
}

func (o WorkerOptions) withDefaults() WorkerOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	def(&o.Lease, 5*time.Minute)
	def(&o.PollInterval, time.Second)
	def(&o.MinBackoff, 2*time.Second)
	def(&o.MaxBackoff, 30*time.Minute)
	def(&o.ShutdownTimeout, 10*time.Second)
	o.MaxBackoff = max(o.MaxBackoff, o.MinBackoff)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Worker sends the messages of a Store through the routes registered for
// their APIs. Several workers, in one process or in replicas, may share the
// Store's database; none sends a message another has claimed.
type Worker struct {
	store *Store
	opts  WorkerOptions
	wake  chan struct{}

	mu     sync.RWMutex
	routes map[string]*route
}

type route struct {
	Route
	limiter *rate.Limiter
}

// NewWorker returns a Worker over s.
func NewWorker(s *Store, opts WorkerOptions) *Worker {
	return &Worker{store: s, opts: opts.withDefaults(), wake: make(chan struct{}, 1), routes: map[string]*route{}}
}

// Register sets the route of api, replacing an earlier one.
func (w *Worker) Register(api string, r Route) {
	if api == "" || r.Sender == nil {
		w.opts.Logger.Error("outbox route not registered: empty api or nil sender", "api", api)
		return
	}
	if r.Limit == 0 {
		r.Limit = rate.Inf
	}
	r.Burst = max(r.Burst, 1)
	w.mu.Lock()
	w.routes[api] = &route{Route: r, limiter: rate.NewLimiter(r.Limit, r.Burst)}
	w.mu.Unlock()
}

func (w *Worker) route(api string) (*route, bool) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	r, ok := w.routes[api]
	return r, ok
}

// Notify wakes an idle worker at once; Enqueue's callers use it so a reply
// waits milliseconds, not a poll interval.
func (w *Worker) Notify() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run sends until ctx is done, with Workers sends under way at most, and
// every PollInterval settles messages whose worker died mid-send. Then it
// stops claiming, waits up to ShutdownTimeout for the sends under way (their
// context is cancelled when that time is up) and returns. A database failure
// is logged and retried; it does not stop Run.
func (w *Worker) Run(ctx context.Context) error {
	work, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	var wg sync.WaitGroup
	for range w.opts.Workers {
		wg.Go(func() { w.loop(ctx, work) })
	}
	wg.Go(func() { w.sweep(ctx) })
	<-ctx.Done()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(w.opts.ShutdownTimeout):
		cancel()
		return fmt.Errorf("stop outbox worker: sends still under way after %s; their messages will be settled as interrupted", w.opts.ShutdownTimeout)
	}
}

// loop is one sender: claim a message, send it, and sleep when none is due.
func (w *Worker) loop(ctx, work context.Context) {
	timer := time.NewTimer(w.opts.PollInterval)
	defer timer.Stop()
	for ctx.Err() == nil {
		n, err := w.round(ctx, work, 1)
		if err != nil && ctx.Err() == nil {
			w.opts.Logger.Error("outbox claim failed", "err", err)
		}
		if n > 0 {
			w.Notify() // there may be more: wake an idle sibling
			continue
		}
		timer.Reset(w.opts.PollInterval)
		select {
		case <-ctx.Done():
		case <-w.wake:
		case <-timer.C:
		}
	}
}

// sweep settles interrupted sends every PollInterval until ctx is done.
func (w *Worker) sweep(ctx context.Context) {
	ticker := time.NewTicker(w.opts.PollInterval)
	defer ticker.Stop()
	for {
		if _, err := w.recoverInterrupted(ctx); err != nil && ctx.Err() == nil {
			w.opts.Logger.Error("outbox recovery failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// SendOnce settles interrupted sends, then claims up to Workers due
// messages, sends them concurrently and returns how many it claimed. Tests
// and operators use it to run the queue by hand.
func (w *Worker) SendOnce(ctx context.Context) (int, error) {
	if _, err := w.recoverInterrupted(ctx); err != nil {
		return 0, err
	}
	return w.round(ctx, ctx, w.opts.Workers)
}

func (w *Worker) round(claimCtx, work context.Context, limit int) (int, error) {
	msgs, err := w.store.claim(claimCtx, limit, w.opts.Lease, w.throttled(w.store.clock.Raw()))
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, m := range msgs {
		wg.Go(func() { w.process(work, m) })
	}
	wg.Wait()
	return len(msgs), nil
}

// recoverInterrupted settles the messages whose worker died mid-send: sent
// again when their API is idempotent, failed otherwise.
func (w *Worker) recoverInterrupted(ctx context.Context) (int, error) {
	msgs, err := w.store.interrupted(ctx, 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range msgs {
		r, ok := w.route(m.API)
		resend := ok && r.Idempotent
		settled, err := w.store.settleInterrupted(ctx, m, resend)
		if err != nil {
			return n, err
		}
		if settled {
			n++
			w.opts.Logger.Warn("outbox message interrupted during send", "message_id", m.ID, "api", m.API, "resent", resend)
		}
	}
	return n, nil
}

// process sends m and records the outcome.
func (w *Worker) process(ctx context.Context, m Message) {
	start := w.store.clock.Raw()
	result, err := w.settle(ctx, m)
	if err != nil {
		w.opts.Logger.Error("outbox message outcome not recorded; its lease will expire and it will be settled as interrupted",
			"message_id", m.ID, "api", m.API, "result", result, "err", err)
	}
	if w.opts.Observer != nil {
		w.opts.Observer.Sent(m.API, result, w.store.clock.Raw().Sub(start))
	}
}

func (w *Worker) settle(ctx context.Context, m Message) (string, error) {
	// The outcome is recorded even when ctx was cancelled by a shutdown.
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	r, ok := w.route(m.API)
	if !ok {
		w.opts.Logger.Error("outbox message failed: no sender registered for its api", "message_id", m.ID, "api", m.API)
		return "failed", w.store.MarkFailed(mctx, m.ID, fmt.Errorf("no sender registered for api %s", m.API))
	}
	// Another worker may have taken the last token since the claim.
	if wait := r.wait(w.store.clock.Raw()); wait > 0 {
		return "throttled", w.store.postpone(mctx, m.ID, w.store.clock.Raw().Add(wait))
	}
	resp, err := w.send(ctx, r.Sender, m)
	if err == nil {
		return "sent", w.store.MarkSent(mctx, m.ID, string(resp))
	}
	permanent, retryAfter := classify(err)
	switch {
	case permanent:
		w.opts.Logger.Warn("outbox message failed: permanent error", "message_id", m.ID, "api", m.API, "err", err)
		return "failed", w.store.MarkFailed(mctx, m.ID, err)
	case m.Attempts >= m.MaxAttempts:
		w.opts.Logger.Warn("outbox message failed: out of attempts", "message_id", m.ID, "api", m.API, "attempts", m.Attempts, "err", err)
		return "failed", w.store.MarkFailed(mctx, m.ID, fmt.Errorf("gave up after %d attempts: %w", m.Attempts, err))
	}
	next := w.store.clock.Raw().Add(max(inbox.Backoff(m.Attempts, w.opts.MinBackoff, w.opts.MaxBackoff), retryAfter))
	w.opts.Logger.Info("outbox message will be retried", "message_id", m.ID, "api", m.API, "attempts", m.Attempts, "next_attempt_at", next, "err", err)
	return "retry", w.store.MarkRetry(mctx, m.ID, err, next)
}

// throttled lists the APIs without a free token of their rate limit at now.
func (w *Worker) throttled(now time.Time) []string {
	w.mu.RLock()
	defer w.mu.RUnlock()
	var apis []string
	for api, r := range w.routes {
		if r.Limit != rate.Inf && r.limiter.TokensAt(now) < 1 {
			apis = append(apis, api)
		}
	}
	return apis
}

// wait takes a token of r's rate limit at now, or returns how long until
// one is free (taking none).
func (r *route) wait(now time.Time) time.Duration {
	res := r.limiter.ReserveN(now, 1)
	d := res.DelayFrom(now)
	if d > 0 {
		res.CancelAt(now)
	}
	return d
}

// send calls s with a deadline well inside the lease, turning a panic into
// an error.
func (w *Worker) send(ctx context.Context, s Sender, m Message) (resp []byte, err error) {
	ctx, cancel := context.WithTimeout(ctx, w.opts.Lease/4)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			w.opts.Logger.Error("outbox sender panicked", "message_id", m.ID, "api", m.API, "panic", v, "stack", string(debug.Stack()))
			err = fmt.Errorf("sender panicked: %v", v)
		}
	}()
	return s(ctx, []byte(m.Payload))
}

// classify reads what a send error says about retrying, without knowing the
// package that made it.
func classify(err error) (permanent bool, retryAfter time.Duration) {
	var t interface{ Temporary() bool }
	if errors.As(err, &t) && !t.Temporary() {
		return true, 0
	}
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		retryAfter = max(ra.RetryAfter(), 0)
	}
	return false, retryAfter
}
