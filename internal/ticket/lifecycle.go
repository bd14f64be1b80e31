package ticket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage"
)

// Step is a lifecycle step staff take on a ticket.
type Step string

// The steps; Reopen brings a resolved or closed ticket back to in_progress.
const (
	StepAck     Step = "ack"
	StepStart   Step = "start"
	StepResolve Step = "resolve"
	StepClose   Step = "close"
	StepReopen  Step = "reopen"
)

// steps says, per step, the states it may start from and where it leads.
var steps = map[Step]struct {
	from   []State
	to     State
	action string
	verb   string // as the answer to staff says it
}{
	StepAck:     {[]State{StateNew}, StateAcknowledged, ActionAck, "接单"},
	StepStart:   {[]State{StateNew, StateAcknowledged}, StateInProgress, ActionStart, "开始处理"},
	StepResolve: {[]State{StateNew, StateAcknowledged, StateInProgress}, StateResolved, ActionResolve, "完成"},
	StepClose:   {[]State{StateNew, StateAcknowledged, StateInProgress, StateResolved}, StateClosed, ActionClose, "关闭"},
	StepReopen:  {[]State{StateResolved, StateClosed}, StateInProgress, ActionReopen, "重开"},
}

// ParseStep reads a step name as the API's paths give it.
func ParseStep(s string) (Step, bool) {
	_, ok := steps[Step(s)]
	return Step(s), ok
}

// Do takes step on ticket id for actor, with an optional note (for
// resolve: the action taken, 客服动作). A ticket of a store the actor may
// not act on is refused with fault.ErrForbidden, and a step the state does
// not allow with fault.ErrConflict; both change nothing.
func (s *Service) Do(ctx context.Context, id int64, step Step, actor Actor, note string) (Ticket, error) {
	var t Ticket
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		t, err = s.doTx(tx, id, step, actor, note)
		return err
	})
	if err != nil {
		return Ticket{}, wrap(fmt.Sprintf("%s ticket %d", step, id), err)
	}
	return t, nil
}

// wrap is storage.Wrap for database errors, plain wrapping for the rest.
func wrap(op string, err error) error {
	if errors.Is(err, fault.ErrNotFound) || errors.Is(err, fault.ErrConflict) ||
		errors.Is(err, fault.ErrForbidden) || errors.Is(err, fault.ErrInvalid) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return storage.Wrap(op, err)
}

// doTx is Do inside tx.
func (s *Service) doTx(tx *gorm.DB, id int64, step Step, actor Actor, note string) (Ticket, error) {
	def, ok := steps[step]
	if !ok {
		return Ticket{}, fault.Invalid("step", "未知操作 %q (unknown step)", step)
	}
	if utf8.RuneCountInString(note) > maxNote {
		return Ticket{}, fault.Invalid("note", "备注最多 %d 个字 (at most %d characters)", maxNote, maxNote)
	}
	return s.change(tx, id, actor, def.action, note, func(t *Ticket, now time.Time) error {
		if !containsState(def.from, t.State) {
			return fmt.Errorf("%w: 工单 %s 当前%s,不能%s (ticket is %s)", fault.ErrConflict, t.Number(), t.State.Label(), def.verb, t.State)
		}
		s.apply(t, step, def.to, actor, note, now)
		return nil
	})
}

func containsState(states []State, st State) bool {
	for _, x := range states {
		if x == st {
			return true
		}
	}
	return false
}

// apply moves t to state to and keeps the SLA columns in step.
func (s *Service) apply(t *Ticket, step Step, to State, actor Actor, note string, now time.Time) {
	if t.AckedAt == nil && step != StepClose && step != StepReopen {
		t.AckedAt, t.AckedBy = &now, actor.Name
		t.AckMet = decided(t.AckMet, !now.After(t.AckDueAt))
	}
	t.State = to
	switch step {
	case StepAck, StepStart:
		next := t.ResolveDueAt
		if !now.Before(next) {
			next = now.Add(minutes(t.AckMinutes))
		}
		t.NextCheckAt = &next
	case StepResolve:
		t.ResolvedAt, t.ResolvedBy, t.NextCheckAt = &now, actor.Name, nil
		t.ResolveMet = decided(t.ResolveMet, !now.After(t.ResolveDueAt))
		if strings.TrimSpace(note) != "" {
			t.ActionTaken = strings.TrimSpace(note)
		}
	case StepClose:
		t.ClosedAt, t.NextCheckAt = &now, nil
	case StepReopen:
		due := now.Add(minutes(t.ResolveMinutes))
		t.ResolvedAt, t.ClosedAt, t.ResolveDueAt, t.NextCheckAt = nil, nil, due, &due
	}
}

// decided keeps a compliance outcome once it is known.
func decided(current *bool, met bool) *bool {
	if current != nil {
		return current
	}
	return &met
}

// change loads ticket id for update in tx, checks the actor's store, lets
// fn change it, saves it and records the audit entry.
func (s *Service) change(tx *gorm.DB, id int64, actor Actor, action, note string, fn func(t *Ticket, now time.Time) error) (Ticket, error) {
	t, err := lockTicket(tx, id)
	if err != nil {
		return Ticket{}, err
	}
	if !actor.mayAct(t.StoreID) {
		return Ticket{}, fmt.Errorf("%w: 工单 %s 不属于您的门店 (ticket belongs to another store)", fault.ErrForbidden, t.Number())
	}
	before := t
	now := s.now()
	if err := fn(&t, now); err != nil {
		return Ticket{}, err
	}
	t.UpdatedAt = now
	if err := tx.Model(&t).Select("*").Omit("id", "complaint_key", "created_at").Updates(&t).Error; err != nil {
		return Ticket{}, err
	}
	return t, s.audit(tx, id, actor.Name, action, summary(before), summary(t), note)
}

func lockTicket(tx *gorm.DB, id int64) (Ticket, error) {
	var t Ticket
	err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}).Where("id = ?", id).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Ticket{}, fmt.Errorf("%w: 工单 %s 不存在 (no such ticket)", fault.ErrNotFound, Number(id))
	}
	return t, err
}

// summary is what the audit trail keeps of a ticket's state.
func summary(t Ticket) map[string]any {
	return map[string]any{"state": t.State, "level": t.Level, "tier": t.Tier, "reaction": t.Reaction,
		"action_taken": t.ActionTaken, "ack_due_at": t.AckDueAt, "resolve_due_at": t.ResolveDueAt}
}

// audit records one entry of a ticket's trail; before and after keep only
// the fields that changed.
func (s *Service) audit(tx *gorm.DB, id int64, actor, action string, before, after map[string]any, note string) error {
	for k, v := range before {
		if fmt.Sprint(after[k]) == fmt.Sprint(v) {
			delete(before, k)
			delete(after, k)
		}
	}
	e := Event{TicketID: id, Actor: storage.Truncate(actor, 64), Action: action, BeforeJSON: jsonText(before),
		AfterJSON: jsonText(after), Note: storage.Truncate(note, maxNote), At: s.now()}
	if b := batchOf(tx); b != nil {
		b.events = append(b.events, e)
		return nil
	}
	return tx.Create(&e).Error
}

func jsonText(m map[string]any) string {
	if len(m) == 0 {
		return ""
	}
	b, err := json.Marshal(m)
	if err != nil {
		return ""
	}
	return string(b)
}

// AddComment adds a remark to ticket id.
func (s *Service) AddComment(ctx context.Context, id int64, actor Actor, body string) (Comment, error) {
	var c Comment
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		c, err = s.commentTx(tx, id, actor, body)
		return err
	})
	if err != nil {
		return Comment{}, wrap(fmt.Sprintf("comment on ticket %d", id), err)
	}
	return c, nil
}

func (s *Service) commentTx(tx *gorm.DB, id int64, actor Actor, body string) (Comment, error) {
	body = strings.TrimSpace(body)
	switch {
	case body == "":
		return Comment{}, fault.Invalid("body", "评论不能为空 (comment is required)")
	case utf8.RuneCountInString(body) > maxNote:
		return Comment{}, fault.Invalid("body", "评论最多 %d 个字 (at most %d characters)", maxNote, maxNote)
	}
	c := Comment{TicketID: id, Author: storage.Truncate(actor.Name, 64), Body: body}
	_, err := s.change(tx, id, actor, ActionComment, body, func(t *Ticket, now time.Time) error {
		c.At = now
		return nil
	})
	if err != nil {
		return Comment{}, err
	}
	return c, tx.Create(&c).Error
}

// SetReaction records the group's reaction (车友倾向: agreeing, defending,
// spreading…) on ticket id.
func (s *Service) SetReaction(ctx context.Context, id int64, actor Actor, reaction string) (Ticket, error) {
	reaction = strings.TrimSpace(reaction)
	if utf8.RuneCountInString(reaction) > maxReaction {
		return Ticket{}, fault.Invalid("reaction", "车友倾向最多 %d 个字 (at most %d characters)", maxReaction, maxReaction)
	}
	var t Ticket
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		t, err = s.change(tx, id, actor, ActionReaction, "", func(t *Ticket, now time.Time) error {
			t.Reaction = reaction
			return nil
		})
		return err
	})
	if err != nil {
		return Ticket{}, wrap(fmt.Sprintf("set reaction of ticket %d", id), err)
	}
	return t, nil
}

// SetReactionOf records the group's reaction on the ticket of a complaint,
// as complaint detection measures it; an unchanged reaction writes nothing.
func (s *Service) SetReactionOf(ctx context.Context, complaintKey string, actor Actor, reaction string) error {
	t, err := s.byComplaint(ctx, complaintKey)
	if err != nil {
		return fmt.Errorf("set reaction: %w", err)
	}
	if t.Reaction == strings.TrimSpace(reaction) {
		return nil
	}
	_, err = s.SetReaction(ctx, t.ID, actor, reaction)
	return err
}

// Raise is a complaint's new tier, as the complaint rules decide it (a
// complaint that spreads is raised).
type Raise struct {
	Tier           string
	TierName       string
	AckMinutes     int
	ResolveMinutes int // 0: the tier policy's default
}

// RaiseTier moves the ticket of a complaint to a new tier: its deadlines
// are computed again from the time the complaint was posted, the current
// level is told, and the audit trail says so.
func (s *Service) RaiseTier(ctx context.Context, complaintKey string, r Raise, actor Actor) (Ticket, error) {
	if r.Tier == "" || r.AckMinutes <= 0 || r.ResolveMinutes < 0 {
		return Ticket{}, fault.Invalid("tier", "等级与时限无效 (tier and positive ack minutes are required)")
	}
	if r.ResolveMinutes == 0 {
		r.ResolveMinutes = s.policy(r.Tier).ResolveMinutes
	}
	cur, err := s.byComplaint(ctx, complaintKey)
	if err != nil {
		return Ticket{}, fmt.Errorf("raise ticket: %w", err)
	}
	route, routed, err := s.routeOf(ctx, cur)
	if err != nil {
		return Ticket{}, fmt.Errorf("raise ticket %d: %w", cur.ID, err)
	}
	var t Ticket
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		t, err = s.change(tx, cur.ID, actor, ActionRaise, "等级调整为 "+r.TierName, func(t *Ticket, now time.Time) error {
			raise(t, r)
			return nil
		})
		if err != nil || !t.State.open() {
			return err
		}
		if !routed {
			return s.notifyFallback(tx, t, noticeRaised, "")
		}
		return s.notifyLevel(tx, t, route, t.Level, noticeRaised)
	})
	if err != nil {
		return Ticket{}, wrap(fmt.Sprintf("raise ticket %d", cur.ID), err)
	}
	return t, nil
}

// raise sets t's tier and recomputes its deadlines from the posted time;
// the sweeper's next check moves earlier when a deadline does.
func raise(t *Ticket, r Raise) {
	t.Tier, t.TierName, t.AckMinutes, t.ResolveMinutes = r.Tier, r.TierName, r.AckMinutes, r.ResolveMinutes
	if t.TierName == "" {
		t.TierName = t.Tier
	}
	t.AckDueAt = t.PostedAt.Add(minutes(r.AckMinutes))
	t.ResolveDueAt = t.PostedAt.Add(minutes(r.ResolveMinutes))
	if !t.State.open() || t.NextCheckAt == nil {
		return
	}
	due := t.ResolveDueAt
	if t.State == StateNew && t.AckDueAt.Before(due) {
		due = t.AckDueAt
	}
	if due.Before(*t.NextCheckAt) {
		t.NextCheckAt = &due
	}
}

// routeOf is the current route of a ticket's group.
func (s *Service) routeOf(ctx context.Context, t Ticket) (Route, bool, error) {
	if t.StoreID == 0 {
		return Route{}, false, nil
	}
	return s.route(ctx, t.ChatID)
}
