package complaint

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qunbot/qunbot/internal/bridge"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/poll"
	"github.com/qunbot/qunbot/internal/storage"
)

// Options are the Detector's dependencies.
type Options struct {
	Store  *Store
	Logger *slog.Logger
	Now    func() time.Time
	// OnComplaint is told of every new complaint, OnRaised of a complaint
	// raised a tier by the group's reaction. Both may be nil. An error
	// makes the message's handling fail and retry; the complaint is then
	// not recorded again, but the subscriber is told again until it
	// succeeds, so subscribers must be idempotent by Complaint.ID.
	OnComplaint func(ctx context.Context, c Complaint) error
	OnRaised    func(ctx context.Context, c Complaint) error
	// OnReaction is told of a complaint whose reaction counts (车友倾向)
	// changed, after each reaction is recorded; it may be nil. It is called
	// again when the reacting message is redelivered, with the same counts.
	OnReaction func(ctx context.Context, c Complaint) error
	// ContextSize is how many earlier messages of a chat a complaint keeps
	// (default 10); MaxChats bounds the chats remembered (default 20000).
	ContextSize int
	MaxChats    int
}

// Detector reads chat messages, records complaints and the group's
// reaction to them. It keeps the compiled rules behind an atomic pointer,
// swapped when the rules change (see Watch). It is safe for concurrent use.
type Detector struct {
	opts   Options
	cls    atomic.Pointer[Classifier]
	reload sync.Mutex
	rings  *rings
	pool   sync.Pool // *Decision
}

// NewDetector returns a Detector; the rules are loaded on first use or by
// Reload.
func NewDetector(opts Options) *Detector {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ContextSize <= 0 {
		opts.ContextSize = 10
	}
	if opts.MaxChats <= 0 {
		opts.MaxChats = 20000
	}
	d := &Detector{opts: opts, rings: newRings(opts.ContextSize, opts.MaxChats)}
	d.pool.New = func() any { return new(Decision) }
	return d
}

// LoadedVersion returns the rules version in force, -1 before the first
// load.
func (d *Detector) LoadedVersion() int64 {
	if c := d.cls.Load(); c != nil {
		return c.rules.Version
	}
	return -1
}

// Reload compiles the rules as stored now and swaps them in. On error the
// detector keeps the rules it had.
func (d *Detector) Reload(ctx context.Context) error {
	d.reload.Lock()
	defer d.reload.Unlock()
	return d.reloadLocked(ctx)
}

func (d *Detector) reloadLocked(ctx context.Context) error {
	r, err := d.opts.Store.Rules(ctx)
	if err != nil {
		return fmt.Errorf("reload complaint rules: %w", err)
	}
	c, err := Compile(r)
	if err != nil {
		return fmt.Errorf("reload complaint rules version %d: %w", r.Version, err)
	}
	d.cls.Store(c)
	d.opts.Logger.Info("complaint rules loaded", "version", r.Version, "terms", len(c.entries))
	return nil
}

// Refresh reloads the rules if their version changed since the last load,
// and reports whether it did.
func (d *Detector) Refresh(ctx context.Context) (bool, error) {
	d.reload.Lock()
	defer d.reload.Unlock()
	v, err := d.opts.Store.Version(ctx)
	if err != nil {
		return false, fmt.Errorf("check complaint rules: %w", err)
	}
	if c := d.cls.Load(); c != nil && c.rules.Version == v {
		return false, nil
	}
	return true, d.reloadLocked(ctx)
}

// Watch calls Refresh every interval until ctx ends, logging failures and
// keeping the last good rules. It returns ctx's error.
func (d *Detector) Watch(ctx context.Context, interval time.Duration) error {
	return poll.Every(ctx, interval, false, d.opts.Logger, "complaint rules refresh", func(ctx context.Context) error {
		_, err := d.Refresh(ctx)
		return err
	})
}

// classifier returns the rules in force, loading them on first use.
func (d *Detector) classifier(ctx context.Context) (*Classifier, error) {
	if c := d.cls.Load(); c != nil {
		return c, nil
	}
	if err := d.Reload(ctx); err != nil {
		return nil, err
	}
	return d.cls.Load(), nil
}

// Try classifies text with the rules as saved now (refreshing first), for
// the console's "try it" box. Intensity from repeated messages and the
// group's reaction need a chat and are not part of it.
func (d *Detector) Try(ctx context.Context, text string) (Decision, error) {
	if _, err := d.Refresh(ctx); err != nil {
		return Decision{}, err
	}
	c, err := d.classifier(ctx)
	if err != nil {
		return Decision{}, err
	}
	return c.Classify(text), nil
}

// TryRules classifies text with draft rules that are not saved, so that
// operators can see a change's effect before it goes live.
func TryRules(r Rules, text string) (Decision, error) {
	c, err := Compile(r)
	if err != nil {
		return Decision{}, err
	}
	return c.Classify(text), nil
}

// IsNegative reports whether text is a complaint of any tier under the
// rules in force (false before they are loaded): the measure of negative
// messages for the group's early warning.
func (d *Detector) IsNegative(text string) bool {
	c := d.cls.Load()
	if c == nil {
		return false
	}
	dec := d.pool.Get().(*Decision)
	defer d.pool.Put(dec)
	c.Evaluate(dec, text)
	return dec.Counted()
}

// HandleBridge is the inbox handler of bridge messages ("bridge/text",
// "bridge/mixed"): every text is kept as context, members' texts are
// classified and read as reactions to recent complaints.
func (d *Detector) HandleBridge(ctx context.Context, e inbox.Event) error {
	var bm bridge.Message
	if err := json.Unmarshal([]byte(e.Payload), &bm); err != nil {
		return inbox.Permanent(fmt.Errorf("decode bridge message: %w", err))
	}
	if strings.TrimSpace(bm.Text) == "" || bm.ChatID == "" {
		return nil
	}
	m := Message{
		Key: e.DedupeKey, ChatID: bm.ChatID, ChatName: bm.ChatName, MemberID: bm.SenderID, MemberName: bm.SenderName,
		Staff: bm.SenderRole != "member", Text: bm.Text, At: bm.SentAt,
	}
	if m.At.IsZero() {
		m.At = e.ReceivedAt
	}
	if _, err := d.Observe(ctx, m); err != nil {
		return fmt.Errorf("detect complaint in bridge message %s: %w", bm.MsgID, err)
	}
	return nil
}

// errNoKey refuses a message without a dedupe key: it could be recorded
// twice.
var errNoKey = errors.New("message has no key")

// Observe reads one chat message: it keeps it as context, records it as a
// reaction to other members' recent complaints, and records it as a
// complaint when it is one (returned, nil otherwise). Staff messages are
// context only. It is idempotent by m.Key.
func (d *Detector) Observe(ctx context.Context, m Message) (*Complaint, error) {
	if m.Key == "" {
		return nil, fmt.Errorf("observe message in %s: %w", m.ChatID, errNoKey)
	}
	if m.At.IsZero() {
		m.At = d.opts.Now()
	}
	m.At = storage.Timestamp(m.At)
	cls, err := d.classifier(ctx)
	if err != nil {
		return nil, err
	}
	recent := d.rings.add(m)
	if m.Staff || strings.TrimSpace(m.Text) == "" {
		return nil, nil
	}
	dec := d.pool.Get().(*Decision)
	defer d.pool.Put(dec)
	cls.Evaluate(dec, m.Text)
	if err := d.react(ctx, cls, dec, m); err != nil {
		return nil, err
	}
	if !dec.Counted() {
		return nil, nil
	}
	c, err := d.record(ctx, cls, dec, m, recent)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// record stores the complaint in m and tells the subscriber.
func (d *Detector) record(ctx context.Context, cls *Classifier, dec *Decision, m Message, recent []Message) (Complaint, error) {
	c := Complaint{
		ChatID: m.ChatID, ChatName: m.ChatName, MemberID: m.MemberID, MemberName: m.MemberName,
		MessageKey: m.Key, Text: m.Text, PostedAt: m.At, Decision: detach(dec), Context: recent,
	}
	if err := d.repeated(ctx, cls.rules.Intensity, &c); err != nil {
		return Complaint{}, err
	}
	c.Tier = c.Decision.Tier
	if tr, ok := cls.rules.Tier(c.Tier); ok {
		c.SLAMinutes = tr.SLAMinutes
	}
	if _, err := d.opts.Store.insert(ctx, &c); err != nil {
		return Complaint{}, err
	}
	if !c.notified && d.opts.OnComplaint != nil {
		if err := d.opts.OnComplaint(ctx, c); err != nil {
			return Complaint{}, fmt.Errorf("notify complaint %d: %w", c.ID, err)
		}
		if err := d.opts.Store.markNotified(ctx, c.ID, false); err != nil {
			return Complaint{}, err
		}
	}
	d.opts.Logger.Info("complaint recorded", "complaint_id", c.ID, "chat_id", c.ChatID, "tier", c.Tier, "message_key", c.MessageKey)
	return c, nil
}

// detach copies a pooled decision into one the complaint owns, with its
// explanation.
func detach(dec *Decision) Decision {
	dec.Finish()
	out := *dec
	out.Matches = slices.Clone(dec.Matches)
	out.Suppressed = slices.Clone(dec.Suppressed)
	out.Raised = slices.Clone(dec.Raised)
	out.Signals = slices.Clone(dec.Signals)
	out.buf, out.hits = nil, nil
	return out
}

// repeated raises c one tier when its member complained RepeatCount times
// in the chat within RepeatMinutes (counting c), unless punctuation or
// capitals raised it already: intensity raises once. It reads earlier
// complaints from the store, so the decision is reproducible from the
// record.
func (d *Detector) repeated(ctx context.Context, in Intensity, c *Complaint) error {
	if in.RepeatCount < 2 || len(c.Decision.Raised) > 0 {
		return nil
	}
	window := time.Duration(in.RepeatMinutes) * time.Minute
	earlier, err := d.opts.Store.recentByMember(ctx, c.ChatID, c.MemberID, c.PostedAt.Add(-window), c.PostedAt)
	if err != nil {
		return err
	}
	if n := len(earlier) + 1; n >= in.RepeatCount {
		keys := make([]string, 0, len(earlier))
		for _, e := range earlier {
			keys = append(keys, fmt.Sprintf("#%d", e.ID))
		}
		c.Decision.RaiseBy(RaiseRepeated, fmt.Sprintf("同一成员 %d 分钟内第 %d 条抱怨(此前:%s)", in.RepeatMinutes, n, strings.Join(keys, "、")))
		c.Decision.Explain = c.Decision.explain()
	}
	return nil
}

// Replay decides complaint id's text again with the rules version it was
// recorded with, to check that a stored decision is reproducible. Raises
// that depend on the chat (repeated complaints, the group's reaction) are
// in the stored decision with their evidence and are not replayed.
func (d *Detector) Replay(ctx context.Context, id int64) (Decision, error) {
	c, err := d.opts.Store.Get(ctx, id)
	if err != nil {
		return Decision{}, err
	}
	r, err := d.opts.Store.RulesVersion(ctx, c.Decision.RulesVersion)
	if err != nil {
		return Decision{}, fmt.Errorf("replay complaint %d: %w", id, err)
	}
	cls, err := Compile(r)
	if err != nil {
		return Decision{}, fmt.Errorf("replay complaint %d: %w", id, err)
	}
	return cls.Classify(c.Text), nil
}
