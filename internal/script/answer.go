package script

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/qunbot/qunbot/internal/script/match"
)

// Question is a message to answer and where it was asked.
type Question struct {
	Text       string
	Channel    Channel   // required by Answer; empty in Try means any channel
	ChatID     string    // the group (or, on the Official Account, the follower)
	MemberID   string    // who asked; empty skips the member limit
	ChatTags   []string  // the group's tags
	Store      string    // the store the group belongs to
	At         time.Time // when it was asked; zero means now
	MessageKey string    // the message's dedupe key: a message is answered once
}

// Answer is the reply a script gives, and why.
type Answer struct {
	ScriptID int64      `json:"script_id"`
	Title    string     `json:"title"`
	Reply    Reply      `json:"reply"`
	Variant  int        `json:"variant"`
	Keyword  string     `json:"keyword,omitempty"` // the keyword that matched
	Mode     match.Mode `json:"mode"`
	Priority int        `json:"priority"`
	HitID    int64      `json:"hit_id,omitempty"` // the hit log row (0 in Try)
	Repeated bool       `json:"repeated,omitempty"`
	Why      string     `json:"why"` // Chinese first, then English
}

// SkipReason says why a matching script did not answer.
type SkipReason string

// Reasons a candidate is passed over.
const (
	SkipDisabled     SkipReason = "disabled"
	SkipOutOfScope   SkipReason = "out_of_scope"
	SkipOutsideHours SkipReason = "outside_hours"
	SkipCoolingDown  SkipReason = "cooling_down"
	SkipMemberLimit  SkipReason = "member_limit"
	SkipOutranked    SkipReason = "outranked" // a better candidate answers
)

// Candidate is one script whose rule matched, best first, and what became
// of it.
type Candidate struct {
	ScriptID   int64      `json:"script_id"`
	Title      string     `json:"title"`
	Priority   int        `json:"priority"`
	Mode       match.Mode `json:"mode"`
	Keyword    string     `json:"keyword,omitempty"`
	Start      int        `json:"start"` // byte offsets of the match in the normalised text
	End        int        `json:"end"`
	Taken      bool       `json:"taken"`
	SkipReason SkipReason `json:"skip_reason,omitempty"`
	Why        string     `json:"why"`
}

// Decision is the full account of how a message is (or would be) answered.
type Decision struct {
	Normalized string            `json:"normalized"`
	Version    int64             `json:"library_version"`
	Candidates []Candidate       `json:"candidates"`
	Answer     *Answer           `json:"answer,omitempty"`
	Unanswered bool              `json:"unanswered"` // noted (or, in Try, would be) as a question to add
	Why        string            `json:"why"`
	Match      match.Explanation `json:"match"`
}

// Answer decides how to answer q and records the answer in the hit log; it
// reports false when no script answers, saying why in Answer.Why. A
// question nothing in scope covers is noted as unanswered. A message whose
// MessageKey was answered before gets the same answer again, marked
// Repeated, without counting twice.
func (e *Engine) Answer(ctx context.Context, q Question) (Answer, bool, error) {
	start := time.Now()
	if !slices.Contains(Channels(), q.Channel) {
		return Answer{}, false, fmt.Errorf("answer message: unknown channel %q", q.Channel)
	}
	lib, err := e.current()
	if err != nil {
		return Answer{}, false, fmt.Errorf("answer message: %w", err)
	}
	if q.At.IsZero() {
		q.At = e.store.clock.Raw()
	}
	if a, ok, err := e.repeated(ctx, lib, q.MessageKey); ok || err != nil {
		return a, ok, err
	}
	d, err := e.decide(ctx, lib, q, &commit{start: start})
	if errors.Is(err, errDuplicateHit) {
		// Another replica answered this message at the same moment.
		return e.repeated(ctx, lib, q.MessageKey)
	}
	if err != nil {
		return Answer{}, false, fmt.Errorf("answer message: %w", err)
	}
	if d.Unanswered {
		if _, err := e.store.NoteUnanswered(ctx, q.Text, q.ChatID, q.At); err != nil {
			e.log.Warn("noting unanswered question failed", "chat_id", q.ChatID, "err", err)
		}
	}
	if d.Answer == nil {
		return Answer{Why: d.Why}, false, nil
	}
	return *d.Answer, true, nil
}

// repeated returns the answer already logged for message key, if any.
func (e *Engine) repeated(ctx context.Context, lib *library, key string) (Answer, bool, error) {
	if key == "" {
		return Answer{}, false, nil
	}
	h, err := e.store.hitByKey(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return Answer{}, false, nil
	}
	if err != nil {
		return Answer{}, false, fmt.Errorf("answer message: %w", err)
	}
	ent := lib.scripts[h.ScriptID]
	if ent == nil || h.Variant >= len(ent.Replies) {
		return Answer{Why: "此消息已回复过,原话术已删除 (already answered by a script since deleted)"}, false, nil
	}
	a := answerOf(ent, match.Hit{Mode: ent.MatchMode, Priority: ent.Priority}, h.Variant)
	a.HitID, a.Repeated = h.ID, true
	a.Why = "此消息已回复过 (already answered): " + a.Why
	return a, true, nil
}

// Try says how a message would be answered now, with every candidate and the
// reason it was taken or passed over, changing nothing. An empty channel
// means any channel.
func (e *Engine) Try(ctx context.Context, text, chatID string, channel Channel, tags []string, store string, at time.Time) (Decision, error) {
	if channel != "" && !slices.Contains(Channels(), channel) {
		return Decision{}, fmt.Errorf("try message: unknown channel %q", channel)
	}
	lib, err := e.current()
	if err != nil {
		return Decision{}, fmt.Errorf("try message: %w", err)
	}
	if at.IsZero() {
		at = e.store.clock.Raw()
	}
	q := Question{Text: text, Channel: channel, ChatID: chatID, ChatTags: tags, Store: store, At: at}
	d, err := e.decide(ctx, lib, q, nil)
	if err != nil {
		return Decision{}, fmt.Errorf("try message: %w", err)
	}
	d.Match = lib.matcher.Explain([]byte(d.Normalized))
	return d, nil
}

// commit carries what recording an answer needs; a nil *commit decides
// without side effects.
type commit struct{ start time.Time }

// decide walks the matches of q best first and takes the first script whose
// flags, scope, hours and limits allow it.
func (e *Engine) decide(ctx context.Context, lib *library, q Question, c *commit) (Decision, error) {
	norm := match.Normalize(nil, q.Text)
	d := Decision{Normalized: string(norm), Version: lib.version}
	covered := false // some enabled script in scope matched
	seen := map[int64]bool{}
	for _, h := range lib.matcher.Match(norm, nil) {
		ent := lib.scripts[h.RuleID]
		if ent == nil || seen[h.RuleID] {
			continue
		}
		seen[h.RuleID] = true
		cand := candidateOf(ent, h)
		reason, why := static(ent, q)
		covered = covered || reason == "" || reason == SkipOutsideHours
		if reason == "" && d.Answer != nil {
			reason, why = SkipOutranked, "已有更优先的话术回答 (a better-ranked script answers)"
		}
		if reason == "" {
			a, held, err := e.attempt(ctx, ent, h, q, c)
			if err != nil {
				return Decision{}, err
			}
			reason, why = held, whyHeld(ent, held)
			if held == "" {
				d.Answer, cand.Taken, why = &a, true, a.Why
			}
		}
		cand.SkipReason, cand.Why = reason, why
		d.Candidates = append(d.Candidates, cand)
	}
	d.Unanswered = !covered && match.LooksLikeQuestion(d.Normalized)
	d.Why = summary(d)
	return d, nil
}

// attempt takes ent for q unless its cooldown or member limit holds it back
// (returned as the reason). With c set it records the hit, in the
// transaction that checks the limits.
func (e *Engine) attempt(ctx context.Context, ent *entry, h match.Hit, q Question, c *commit) (Answer, SkipReason, error) {
	if c == nil {
		held, count, err := e.store.peek(ctx, &ent.Script, q)
		if err != nil || held != "" {
			return Answer{}, held, err
		}
		return answerOf(ent, h, pick(&ent.Script, count)), "", nil
	}
	hit, held, err := e.store.claim(ctx, &ent.Script, q, func(count int64) int { return pick(&ent.Script, count) }, c.start)
	if err != nil || held != "" {
		return Answer{}, held, err
	}
	a := answerOf(ent, h, hit.Variant)
	a.HitID = hit.ID
	return a, "", nil
}

func candidateOf(ent *entry, h match.Hit) Candidate {
	return Candidate{ScriptID: ent.ID, Title: ent.Title, Priority: ent.Priority, Mode: h.Mode,
		Keyword: h.Keyword, Start: h.Start, End: h.End}
}

func answerOf(ent *entry, h match.Hit, variant int) Answer {
	a := Answer{ScriptID: ent.ID, Title: ent.Title, Reply: ent.Replies[variant], Variant: variant,
		Keyword: h.Keyword, Mode: h.Mode, Priority: ent.Priority}
	a.Why = fmt.Sprintf("话术「%s」命中", ent.Title)
	if h.Keyword != "" {
		a.Why += fmt.Sprintf("关键词「%s」", h.Keyword)
	}
	a.Why += fmt.Sprintf(",优先级 %d,第 %d 条回复 (script %d matched %q by %s, priority %d, reply %d)",
		ent.Priority, variant+1, ent.ID, h.Keyword, h.Mode, ent.Priority, variant+1)
	return a
}

// static checks what needs no database: enabled, scope and active hours.
func static(ent *entry, q Question) (SkipReason, string) {
	if !ent.Enabled {
		return SkipDisabled, "已停用 (disabled)"
	}
	if len(ent.Scope.Channels) > 0 && q.Channel != "" && !slices.Contains(ent.Scope.Channels, q.Channel) {
		return SkipOutOfScope, fmt.Sprintf("不适用于渠道 %s (out of scope: channel %s)", q.Channel, q.Channel)
	}
	if !ent.inGroups(q) {
		return SkipOutOfScope, "本群不在指定的群、标签或门店内 (out of scope: the chat is not among the script's groups, tags or stores)"
	}
	if !ent.hours.contains(minuteOfDay(q.At.In(ent.loc))) {
		return SkipOutsideHours, fmt.Sprintf("不在生效时段 %s(%s)内 (outside active hours)", ent.ActiveHours, ent.loc)
	}
	return "", ""
}

// inGroups reports whether q's chat is in ent's group scope.
func (ent *entry) inGroups(q Question) bool {
	if ent.tags == nil && ent.chats == nil && ent.stores == nil {
		return true
	}
	if ent.chats[q.ChatID] || (q.Store != "" && ent.stores[q.Store]) {
		return true
	}
	for _, t := range q.ChatTags {
		if ent.tags[t] {
			return true
		}
	}
	return false
}

func minuteOfDay(t time.Time) int { return t.Hour()*60 + t.Minute() }

func whyHeld(ent *entry, r SkipReason) string {
	switch r {
	case SkipCoolingDown:
		return fmt.Sprintf("冷却中:本群 %d 分钟内已回复过 (cooling down: answered in this chat within %d minutes)", ent.CooldownMinutes, ent.CooldownMinutes)
	case SkipMemberLimit:
		return fmt.Sprintf("已达每人每小时 %d 次上限 (member limit of %d an hour reached)", ent.MemberLimit, ent.MemberLimit)
	case SkipDisabled:
		return "已删除 (deleted)"
	}
	return ""
}

// summary says in one line what d decided.
func summary(d Decision) string {
	switch {
	case d.Answer != nil:
		return d.Answer.Why
	case len(d.Candidates) == 0 && d.Unanswered:
		return "没有话术匹配,归入待补充 (no script matched; counts as unanswered)"
	case len(d.Candidates) == 0:
		return "没有话术匹配 (no script matched)"
	case d.Unanswered:
		return "匹配的话术都不适用于此处,归入待补充 (matching scripts do not apply here; counts as unanswered)"
	}
	return "匹配的话术此刻都不能回复 (matching scripts are held back right now): " + d.Candidates[0].Why
}
