// Package metrics holds qunbot's Prometheus metrics on a registry of its own
// (never the process-wide default), so tests and several servers in one
// process do not collide.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the set of metrics the bot exports on /metrics.
type Metrics struct {
	Registry *prometheus.Registry
	// Callbacks counts inbound callbacks by endpoint (wecom, aibot, bridge)
	// and result (accepted, duplicate, bad_signature, stale, malformed,
	// too_large, unavailable, …).
	Callbacks *prometheus.CounterVec
	// Recorded counts new inbox events by source and kind (duplicates are
	// counted in Callbacks only).
	Recorded *prometheus.CounterVec
	// Handled observes how long inbox handlers take, by event kind and
	// result (done, retry, dead, unhandled).
	Handled *prometheus.HistogramVec
	// Sends counts outbox send attempts by api and result (sent, retry,
	// failed).
	Sends *prometheus.CounterVec
}

// New creates the metrics and registers them with the Go runtime and process
// collectors on a fresh registry.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Callbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "qunbot_callbacks_total",
			Help: "Inbound callbacks by endpoint and result.",
		}, []string{"endpoint", "result"}),
		Recorded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "qunbot_inbox_recorded_total",
			Help: "New inbox events by source and kind.",
		}, []string{"source", "kind"}),
		Handled: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "qunbot_handler_duration_seconds",
			Help:    "Time spent handling one inbox event, by kind and result.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"kind", "result"}),
		Sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "qunbot_outbox_sends_total",
			Help: "Outbox send attempts by api and result.",
		}, []string{"api", "result"}),
	}
	m.Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.Callbacks, m.Recorded, m.Handled, m.Sends,
	)
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// QueueSource reads the state of the durable queues at scrape time.
type QueueSource struct {
	InboxStates   func(ctx context.Context) (map[string]int64, error)
	OutboxStates  func(ctx context.Context) (map[string]int64, error)
	OldestPending func(ctx context.Context) (time.Time, bool, error)
	Now           func() time.Time
	Logger        *slog.Logger
}

// WatchQueues exports the inbox and outbox row counts by state and the inbox
// lag (age of the oldest pending event), read from the database on each
// scrape.
func (m *Metrics) WatchQueues(src QueueSource) {
	m.Registry.MustRegister(&queueCollector{src: src})
}

var (
	inboxDesc  = prometheus.NewDesc("qunbot_inbox_events", "Inbox events by state.", []string{"state"}, nil)
	outboxDesc = prometheus.NewDesc("qunbot_outbox_messages", "Outbox messages by state.", []string{"state"}, nil)
	lagDesc    = prometheus.NewDesc("qunbot_inbox_lag_seconds", "Age of the oldest pending inbox event (0 when none).", nil, nil)
)

type queueCollector struct{ src QueueSource }

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- inboxDesc
	ch <- outboxDesc
	ch <- lagDesc
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c.collectStates(ctx, ch, inboxDesc, c.src.InboxStates)
	c.collectStates(ctx, ch, outboxDesc, c.src.OutboxStates)
	if c.src.OldestPending == nil {
		return
	}
	oldest, ok, err := c.src.OldestPending(ctx)
	if err != nil {
		c.logErr("inbox lag", err)
		return
	}
	lag := 0.0
	if ok {
		lag = c.src.Now().Sub(oldest).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, lag)
}

func (c *queueCollector) collectStates(ctx context.Context, ch chan<- prometheus.Metric, d *prometheus.Desc, read func(context.Context) (map[string]int64, error)) {
	if read == nil {
		return
	}
	states, err := read(ctx)
	if err != nil {
		c.logErr(d.String(), err)
		return
	}
	for state, n := range states {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(n), state)
	}
}

func (c *queueCollector) logErr(what string, err error) {
	if c.src.Logger != nil {
		c.src.Logger.Warn("metrics scrape failed", "what", what, "err", err)
	}
}

// ObserveHandled records one inbox event's handling; it has the shape of
// the inbox dispatcher's observer.
func (m *Metrics) ObserveHandled(kind, result string, d time.Duration) {
	m.Handled.WithLabelValues(kind, result).Observe(d.Seconds())
}

// ObserveSent records one outbox send attempt; it has the shape of the
// outbox worker's observer.
func (m *Metrics) ObserveSent(api, result string, d time.Duration) {
	m.Sends.WithLabelValues(api, result).Inc()
}

// StateCounts adapts a store's typed per-state counts to the plain map a
// QueueSource reads.
func StateCounts[S ~string](counts func(context.Context) (map[S]int64, error)) func(context.Context) (map[string]int64, error) {
	return func(ctx context.Context) (map[string]int64, error) {
		typed, err := counts(ctx)
		if err != nil {
			return nil, err
		}
		out := make(map[string]int64, len(typed))
		for s, n := range typed {
			out[string(s)] = n
		}
		return out, nil
	}
}
