package inbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// Handler does what an event means. It must be idempotent: an event is
// handled at least once, and again after any failure of any handler of it.
type Handler func(ctx context.Context, e Event) error

// Permanent marks a handler error that retrying cannot fix (a payload that
// does not parse, a group that no longer exists): the event goes dead at
// once instead of being retried.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

type permanentError struct{ err error }

func (p permanentError) Error() string { return "permanent: " + p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

func isPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// Observer receives the outcome of every dispatch, for metrics. result is
// one of "done", "retry", "dead" or "unhandled".
type Observer interface {
	Handled(kind, result string, d time.Duration)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(kind, result string, d time.Duration)

// Handled calls f.
func (f ObserverFunc) Handled(kind, result string, d time.Duration) { f(kind, result, d) }

// Options tune a Dispatcher. Zero fields take the defaults in brackets.
type Options struct {
	Workers         int           // events handled at once [4]
	MaxAttempts     int           // attempts before an event goes dead [10]
	Lease           time.Duration // how long a claim holds an event; the handlers of one attempt get half of it [2m]
	PollInterval    time.Duration // how often to look for due events without a Notify [1s]
	MinBackoff      time.Duration // wait after the first failure [1s]
	MaxBackoff      time.Duration // longest wait between attempts [10m]
	ShutdownTimeout time.Duration // how long Run waits for in-flight events when stopped [10s]
	Logger          *slog.Logger
	Observer        Observer // optional
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	def(&o.Lease, 2*time.Minute)
	def(&o.PollInterval, time.Second)
	def(&o.MinBackoff, time.Second)
	def(&o.MaxBackoff, 10*time.Minute)
	def(&o.ShutdownTimeout, 10*time.Second)
	o.MaxBackoff = max(o.MaxBackoff, o.MinBackoff)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Dispatcher claims due events and hands each to the handlers of its kind.
// Several dispatchers, in one process or in replicas, may share a Store's
// database.
type Dispatcher struct {
	store *Store
	opts  Options
	wake  chan struct{}

	mu     sync.RWMutex
	routes []route
}

type route struct {
	pattern string // an exact kind, or a prefix ending in "/" for a "/*" pattern
	prefix  bool
	h       Handler
}

// NewDispatcher returns a Dispatcher of the events in s.
func NewDispatcher(s *Store, opts Options) *Dispatcher {
	return &Dispatcher{store: s, opts: opts.withDefaults(), wake: make(chan struct{}, 1)}
}

// Handle registers h for kind: an exact kind, or a pattern ending in "/*"
// that matches every kind starting with what comes before the "*"
// ("change_external_chat/*" matches "change_external_chat/update"). Every
// handler matching an event runs, in the order registered.
func (d *Dispatcher) Handle(kind string, h Handler) {
	if kind == "" || h == nil {
		d.opts.Logger.Error("inbox handler not registered: empty kind or nil handler", "kind", kind)
		return
	}
	r := route{pattern: kind, h: h}
	if p, ok := strings.CutSuffix(kind, "/*"); ok {
		r = route{pattern: p + "/", prefix: true, h: h}
	}
	d.mu.Lock()
	d.routes = append(d.routes, r)
	d.mu.Unlock()
}

func (d *Dispatcher) handlers(kind string) []Handler {
	d.mu.RLock()
	defer d.mu.RUnlock()
	var hs []Handler
	for _, r := range d.routes {
		if kind == r.pattern || r.prefix && strings.HasPrefix(kind, r.pattern) {
			hs = append(hs, r.h)
		}
	}
	return hs
}

// Notify wakes an idle dispatcher at once; the HTTP handlers call it after
// Record so an event waits milliseconds, not a poll interval.
func (d *Dispatcher) Notify() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run dispatches until ctx is done, with Workers events in flight at most.
// Then it stops claiming, waits up to ShutdownTimeout for the events in
// flight (their handlers' context is cancelled when that time is up) and
// returns. A database failure is logged and retried; it does not stop Run.
func (d *Dispatcher) Run(ctx context.Context) error {
	work, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	var wg sync.WaitGroup
	for range d.opts.Workers {
		wg.Go(func() { d.loop(ctx, work) })
	}
	<-ctx.Done()
	return drain(&wg, cancel, d.opts.ShutdownTimeout)
}

// drain waits for wg, cancelling the handlers' context after timeout.
func drain(wg *sync.WaitGroup, cancel context.CancelFunc, timeout time.Duration) error {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(timeout):
		cancel()
		return fmt.Errorf("stop inbox dispatcher: events still in flight after %s; their leases will expire and another dispatcher will retry them", timeout)
	}
}

// loop is one worker: claim an event, handle it, and sleep when none is due.
func (d *Dispatcher) loop(ctx, work context.Context) {
	timer := time.NewTimer(d.opts.PollInterval)
	defer timer.Stop()
	for ctx.Err() == nil {
		n, err := d.round(ctx, work, 1)
		if err != nil && ctx.Err() == nil {
			d.opts.Logger.Error("inbox claim failed", "err", err)
		}
		if n > 0 {
			d.Notify() // there may be more: wake an idle sibling
			continue
		}
		timer.Reset(d.opts.PollInterval)
		select {
		case <-ctx.Done():
		case <-d.wake:
		case <-timer.C:
		}
	}
}

// DispatchOnce claims up to Workers due events, handles them concurrently
// and returns how many it handled. Tests and operators use it to run the
// queue by hand.
func (d *Dispatcher) DispatchOnce(ctx context.Context) (int, error) {
	return d.round(ctx, ctx, d.opts.Workers)
}

func (d *Dispatcher) round(claimCtx, work context.Context, limit int) (int, error) {
	events, err := d.store.Claim(claimCtx, limit, d.opts.Lease)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, e := range events {
		wg.Go(func() { d.dispatch(work, e) })
	}
	wg.Wait()
	return len(events), nil
}

// dispatch runs e's handlers and records the outcome.
func (d *Dispatcher) dispatch(ctx context.Context, e Event) {
	start := d.store.clock.Raw()
	result, err := d.settle(ctx, e)
	if err != nil {
		// The lease will expire and the event be claimed again.
		d.opts.Logger.Error("inbox event outcome not recorded", "event_id", e.ID, "kind", e.Kind, "result", result, "err", err)
	}
	if d.opts.Observer != nil {
		d.opts.Observer.Handled(e.Kind, result, d.store.clock.Raw().Sub(start))
	}
}

func (d *Dispatcher) settle(ctx context.Context, e Event) (string, error) {
	// The outcome is recorded even when ctx was cancelled by a shutdown.
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	hs := d.handlers(e.Kind)
	if len(hs) == 0 {
		d.opts.Logger.Warn("inbox event unhandled: no handler for its kind", "event_id", e.ID, "kind", e.Kind)
		return "unhandled", d.store.MarkUnhandled(mctx, e.ID)
	}
	if e.Attempts > d.opts.MaxAttempts {
		// Earlier attempts never reported back (the process died mid-handling).
		return "dead", d.store.MarkDead(mctx, e.ID, fmt.Errorf("gave up after %d attempts that did not finish; last error: %s", e.Attempts-1, e.LastError))
	}
	err := d.runAll(ctx, hs, e)
	switch {
	case err == nil:
		return "done", d.store.MarkDone(mctx, e.ID)
	case isPermanent(err):
		d.opts.Logger.Warn("inbox event dead: permanent error", "event_id", e.ID, "kind", e.Kind, "err", err)
		return "dead", d.store.MarkDead(mctx, e.ID, err)
	case e.Attempts >= d.opts.MaxAttempts:
		d.opts.Logger.Warn("inbox event dead: out of attempts", "event_id", e.ID, "kind", e.Kind, "attempts", e.Attempts, "err", err)
		return "dead", d.store.MarkDead(mctx, e.ID, fmt.Errorf("gave up after %d attempts: %w", e.Attempts, err))
	}
	next := d.store.clock.Raw().Add(Backoff(e.Attempts, d.opts.MinBackoff, d.opts.MaxBackoff))
	d.opts.Logger.Info("inbox event will be retried", "event_id", e.ID, "kind", e.Kind, "attempts", e.Attempts, "next_attempt_at", next, "err", err)
	return "retry", d.store.MarkRetry(mctx, e.ID, err, next)
}

// runAll runs every handler, even after one fails, so that one broken
// capability does not hold back the others; the errors are joined.
func (d *Dispatcher) runAll(ctx context.Context, hs []Handler, e Event) error {
	ctx, cancel := context.WithTimeout(ctx, d.opts.Lease/2) // finish well before another dispatcher may claim it
	defer cancel()
	var errs []error
	for _, h := range hs {
		errs = append(errs, d.runOne(ctx, h, e))
	}
	return errors.Join(errs...)
}

func (d *Dispatcher) runOne(ctx context.Context, h Handler, e Event) (err error) {
	defer func() {
		if v := recover(); v != nil {
			d.opts.Logger.Error("inbox handler panicked", "event_id", e.ID, "kind", e.Kind, "panic", v, "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panicked: %v", v)
		}
	}()
	return h(ctx, e)
}

// Backoff returns how long to wait after the attempt-th failure: minWait
// doubled per earlier failure plus up to as much again of random jitter, so
// that events that failed together do not retry together. Once that reaches
// maxWait the wait is between three quarters of maxWait and maxWait, still
// jittered. The outbox shares this policy.
func Backoff(attempt int, minWait, maxWait time.Duration) time.Duration {
	if minWait <= 0 || maxWait < minWait {
		return max(minWait, maxWait, 0)
	}
	base := minWait
	for i := 1; i < attempt && base < maxWait; i++ {
		base *= 2
	}
	if d := base + rand.N(base); d <= maxWait {
		return d
	}
	return max(maxWait-rand.N(maxWait/4+1), minWait)
}
