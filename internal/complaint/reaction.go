package complaint

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// react records m as a reaction to the recent complaints of other members
// in its chat, and raises a complaint the group agrees with.
func (d *Detector) react(ctx context.Context, cls *Classifier, dec *Decision, m Message) error {
	if len(dec.Signals) == 0 && len(dec.Matches) == 0 {
		return nil // neither a cue nor a term: no reaction, no query
	}
	window := time.Duration(cls.rules.Reaction.WindowMinutes) * time.Minute
	open, err := d.opts.Store.open(ctx, m.ChatID, m.MemberID, m.At.Add(-window), m.At)
	if err != nil {
		return err
	}
	for i := range open {
		c := &open[i]
		if c.MessageKey == m.Key {
			continue
		}
		kind, terms := reactionKind(dec, c)
		if kind == "" {
			continue
		}
		r := GroupReaction{ComplaintID: c.ID, MessageKey: m.Key, MemberID: m.MemberID, MemberName: m.MemberName, Kind: kind, Text: m.Text, Terms: terms, PostedAt: m.At}
		added, err := d.opts.Store.addReaction(ctx, &r)
		if err != nil {
			return err
		}
		if err := d.tellReaction(ctx, c, kind, added); err != nil {
			return err
		}
		if err := d.maybeRaise(ctx, cls, c, window); err != nil {
			return err
		}
	}
	return nil
}

// reactionKind reads a message against complaint c: spread (转发, 发微博)
// first, then echo (同感, +1, or a term of c's tier or categories), then
// defend (没问题, 别黑). It returns "" when the message is none of these.
func reactionKind(dec *Decision, c *Complaint) (kind, terms string) {
	for _, k := range []string{KindSpread, KindEcho} {
		if t := signalTerms(dec, k); t != "" {
			return k, t
		}
		if k == KindEcho {
			if t := echoingTerms(dec, c); t != "" {
				return KindEcho, t
			}
		}
	}
	if t := signalTerms(dec, KindDefend); t != "" {
		return KindDefend, t
	}
	return "", ""
}

func signalTerms(dec *Decision, kind string) string {
	var out []string
	for _, s := range dec.Signals {
		if s.Kind == kind {
			out = append(out, s.Term)
		}
	}
	return strings.Join(out, ",")
}

// echoingTerms are the message's complaint terms of c's base tier or of
// one of c's categories.
func echoingTerms(dec *Decision, c *Complaint) string {
	cats := c.Categories()
	var out []string
	for _, m := range dec.Matches {
		if m.Tier == c.Decision.BaseTier || slices.Contains(cats, m.Category) {
			out = append(out, m.Term)
		}
	}
	return strings.Join(out, ",")
}

// maybeRaise raises c one tier, once, when RaiseAfter distinct members
// echoed or spread it within the window after it was posted; it tells the
// OnRaised subscriber (again, after a failure, until it succeeds).
func (d *Detector) maybeRaise(ctx context.Context, cls *Classifier, c *Complaint, window time.Duration) error {
	after := cls.rules.Reaction.RaiseAfter
	if c.RaisedAt == nil && after > 0 && c.Tier != TierSerious {
		n, err := d.opts.Store.agreeing(ctx, c.ID, c.PostedAt, c.PostedAt.Add(window))
		if err != nil || n < int64(after) {
			return err
		}
		c.Decision.RaiseBy(RaiseReaction, fmt.Sprintf("%d 位车友 %d 分钟内附和或扩散", n, cls.rules.Reaction.WindowMinutes))
		c.Decision.Explain = c.Decision.explain()
		c.Tier = c.Decision.Tier
		if tr, ok := cls.rules.Tier(c.Tier); ok {
			c.SLAMinutes = tr.SLAMinutes
		}
		if _, err := d.opts.Store.raise(ctx, c); err != nil {
			return err
		}
		d.opts.Logger.Info("complaint raised by the group's reaction", "complaint_id", c.ID, "tier", c.Tier, "agreeing", n)
	}
	if c.RaisedAt == nil || c.raisedNotified || d.opts.OnRaised == nil {
		return nil
	}
	if err := d.opts.OnRaised(ctx, *c); err != nil {
		return fmt.Errorf("notify raised complaint %d: %w", c.ID, err)
	}
	c.raisedNotified = true
	return d.opts.Store.markNotified(ctx, c.ID, true)
}

// tellReaction counts a new reaction on c and tells the OnReaction
// subscriber.
func (d *Detector) tellReaction(ctx context.Context, c *Complaint, kind string, added bool) error {
	if added {
		switch kind {
		case KindEcho:
			c.Reaction.Echo++
		case KindDefend:
			c.Reaction.Defend++
		case KindSpread:
			c.Reaction.Spread++
		}
	}
	if d.opts.OnReaction == nil {
		return nil
	}
	if err := d.opts.OnReaction(ctx, *c); err != nil {
		return fmt.Errorf("notify reaction to complaint %d: %w", c.ID, err)
	}
	return nil
}
