package ticket

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/storage"
)

// Sweeper escalates tickets whose deadline passed. Several sweepers, in
// one process or in replicas, may run at once: each escalation is claimed
// by a conditional UPDATE on (id, level, next_check_at, state), so exactly
// one of them performs it, and a deadline that passed while every replica
// was down is escalated by the first pass after they start again.
type Sweeper struct {
	s     *Service
	batch int
	max   int
	log   *slog.Logger
}

// SweeperOptions tune a Sweeper. Zero fields take the defaults in brackets.
type SweeperOptions struct {
	Batch   int // tickets read and escalated per transaction [500]
	MaxPass int // most escalations in one pass [5000]
}

// NewSweeper returns a Sweeper over s.
func NewSweeper(s *Service, opts SweeperOptions) *Sweeper {
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	if opts.MaxPass <= 0 {
		opts.MaxPass = 5000
	}
	return &Sweeper{s: s, batch: opts.Batch, max: opts.MaxPass, log: s.opts.Logger}
}

// Run sweeps every interval (30 s when 0) until ctx is done; a failed pass
// is logged and tried again at the next tick.
func (w *Sweeper) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 30 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := w.SweepOnce(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("ticket sweep failed", "escalated", n, "err", err)
		} else if n > 0 {
			w.log.Info("tickets escalated", "escalated", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SweepOnce escalates every ticket due now (up to MaxPass) and returns how
// many it escalated.
func (w *Sweeper) SweepOnce(ctx context.Context) (int, error) {
	total := 0
	for total < w.max {
		due, err := w.due(ctx)
		if err != nil || len(due) == 0 {
			return total, err
		}
		n, err := w.escalate(ctx, due)
		total += n
		if err != nil {
			return total, err
		}
		if len(due) < w.batch || n == 0 {
			return total, nil
		}
	}
	return total, nil
}

// due reads the tickets whose next check has come, by the next_check_at
// index.
func (w *Sweeper) due(ctx context.Context) ([]Ticket, error) {
	var due []Ticket
	err := w.s.db.WithContext(ctx).Where("next_check_at <= ? AND state IN ?", w.s.now(), openStates).
		Order("next_check_at, id").Limit(w.batch).Find(&due).Error
	if err != nil {
		return nil, storage.Wrap("find due tickets", err)
	}
	return due, nil
}

// routed is a ticket's current route, looked up before the transaction
// (the Router may read the same database).
type routed struct {
	route Route
	ok    bool
}

// escalate claims and escalates due in one transaction, in id order so
// that concurrent sweepers lock rows in the same order.
func (w *Sweeper) escalate(ctx context.Context, due []Ticket) (int, error) {
	routes := w.routes(ctx, due)
	sort.Slice(due, func(i, j int) bool { return due[i].ID < due[j].ID })
	var n int
	err := retryDeadlock(func() error {
		n = 0
		batch := &writeBatch{}
		return w.s.db.WithContext(withBatch(ctx, batch)).Transaction(func(tx *gorm.DB) error {
			for _, t := range due {
				r, found := routes[t.ChatID]
				if !found && t.StoreID != 0 {
					continue // the router failed: try at the next pass
				}
				ok, err := w.s.escalateOne(tx, t, r)
				if err != nil {
					return fmt.Errorf("escalate ticket %d: %w", t.ID, err)
				}
				if ok {
					n++
				}
			}
			return batch.write(tx.WithContext(ctx))
		})
	})
	if err != nil {
		return 0, storage.Wrap("escalate tickets", err)
	}
	return n, nil
}

// routes looks up the route of each group of due, once per group.
func (w *Sweeper) routes(ctx context.Context, due []Ticket) map[string]routed {
	out := map[string]routed{}
	for _, t := range due {
		if _, seen := out[t.ChatID]; seen || t.StoreID == 0 {
			continue
		}
		r, ok, err := w.s.route(ctx, t.ChatID)
		if err != nil {
			w.log.Warn("route ticket for escalation", "ticket_id", t.ID, "chat_id", t.ChatID, "err", err)
			continue
		}
		out[t.ChatID] = routed{route: r, ok: ok}
	}
	return out
}

// retryDeadlock runs fn again when MySQL chose it as a deadlock victim.
func retryDeadlock(fn func() error) error {
	var err error
	for range 3 {
		if err = fn(); err == nil || !strings.Contains(err.Error(), "Deadlock found") {
			return err
		}
	}
	return err
}

// reason says which deadline a due ticket missed.
func reason(t Ticket, now time.Time) string {
	if t.State == StateNew && now.Before(t.ResolveDueAt) {
		return "ack"
	}
	return "resolve"
}

// escalateOne claims t's escalation and performs it: the next level of its
// chain is told, or, at the top, the fallback is told once and the sweeper
// stops checking. It reports whether this sweeper did it.
func (s *Service) escalateOne(tx *gorm.DB, t Ticket, r routed) (bool, error) {
	now := s.now()
	why := reason(t, now)
	next := t.Level + 1
	top := !r.ok || next >= len(r.route.Levels)
	set := map[string]any{"updated_at": now}
	if why == "ack" {
		set["ack_met"] = decided(t.AckMet, false)
	} else {
		set["resolve_met"] = decided(t.ResolveMet, false)
	}
	var check *time.Time
	if !top {
		c := now.Add(minutes(t.AckMinutes))
		if why == "ack" && t.ResolveDueAt.After(now) && t.ResolveDueAt.Before(c) {
			c = t.ResolveDueAt
		}
		check = &c
		set["level"], set["level_name"], set["escalations"] = next, levelName(r.route, next), gorm.Expr("escalations + 1")
	}
	set["next_check_at"] = check
	res := tx.Model(&Ticket{}).Where("id = ? AND level = ? AND next_check_at = ? AND state = ?",
		t.ID, t.Level, *t.NextCheckAt, t.State).Updates(set)
	if res.Error != nil || res.RowsAffected == 0 {
		return false, res.Error
	}
	return true, s.recordEscalation(tx, t, r, why, top, next)
}

// recordEscalation writes the audit entry of an escalation and its notices.
func (s *Service) recordEscalation(tx *gorm.DB, t Ticket, r routed, why string, top bool, next int) error {
	missed := "未按时接单 (not acknowledged in time)"
	if why == "resolve" {
		missed = "未按时完成 (not resolved in time)"
	}
	before := map[string]any{"level": t.Level}
	if top {
		note := missed + ";升级链已到顶 (no next level),已通知总部/运营"
		if !r.ok {
			note = missed + ";工单未分派 (no store mapped),已通知总部/运营"
		}
		if err := s.audit(tx, t.ID, "sla", ActionChainTop, nil, nil, note); err != nil {
			return err
		}
		return s.notifyFallback(tx, t, noticeChainTop, "")
	}
	t.Level, t.LevelName = next, levelName(r.route, next)
	if err := s.audit(tx, t.ID, "sla", ActionEscalate, before, map[string]any{"level": next}, missed+",升级至"+t.LevelName); err != nil {
		return err
	}
	return s.notifyLevel(tx, t, r.route, next, noticeEscalated)
}
