package main

import (
	"context"

	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/livecode"
	"github.com/qunbot/qunbot/internal/schedule"
	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/ticket"
)

// schedule wires scheduled tasks: the scheduler polls the tasks every
// second (a change saved in the console is live within 2 seconds) and
// claims each occurrence in the database, so replicas run it once.
func (c *capabilities) schedule(tickets *ticket.Service, liveCodes *livecode.Service) {
	scripts := script.NewStore(c.db, now)
	jobs := schedule.NewJobs(schedule.JobOptions{
		Audience:    groupAudience{c.dir.Groups},
		BridgeSends: c.cfg.Bridge.SendURL != "",
		Reports: schedule.ReportSources{
			Tickets:    ticketStats{tickets},
			SLA:        ticketStats{tickets},
			Unanswered: scriptUnanswered{scripts},
			AutoReply:  scriptUnanswered{scripts},
			LiveCodes:  liveCodeFill{liveCodes},
		},
		Now: now,
	})
	opts := schedule.Options{Store: schedule.NewStore(c.db, now), Jobs: jobs, Outbox: c.outbox, Wake: c.wake, Logger: c.log, Now: now}
	if c.client != nil { // a nil *wecom.Client in the interface would not be nil
		opts.SendResults = c.client
	}
	c.worker(schedule.New(opts).Run)
}

// groupAudience selects a task's groups from the directory.
type groupAudience struct{ s *group.Store }

func (a groupAudience) Select(ctx context.Context, sel schedule.Selector) ([]schedule.GroupTarget, []string, error) {
	gs, missing, err := a.s.Select(ctx, group.Selector{StoreIDs: sel.StoreIDs, Tags: sel.Tags, ChatIDs: sel.ChatIDs})
	if err != nil {
		return nil, nil, err
	}
	out := make([]schedule.GroupTarget, len(gs))
	for i, g := range gs {
		out[i] = schedule.GroupTarget{ChatID: g.ChatID, Name: g.Name, OwnerUserID: g.OwnerUserID}
	}
	return out, missing, nil
}

// ticketStats gives reports the tickets of a period by tier and their SLA.
type ticketStats struct{ t *ticket.Service }

func (s ticketStats) TicketsByTier(ctx context.Context, p schedule.Period) ([]schedule.TierCount, error) {
	rows, err := s.t.Stats(ctx, p.From, p.To, nil)
	out := make([]schedule.TierCount, len(rows))
	for i, r := range rows {
		out[i] = schedule.TierCount{Tier: r.Tier, Count: r.Opened}
	}
	return out, err
}

func (s ticketStats) SLACompliance(ctx context.Context, p schedule.Period) (schedule.SLAFigures, error) {
	rows, err := s.t.Stats(ctx, p.From, p.To, nil)
	var f schedule.SLAFigures
	for _, r := range rows {
		f.Met += r.AckMet + r.ResolveMet
		f.Due += r.AckMet + r.AckMissed + r.ResolveMet + r.ResolveMiss
	}
	return f, err
}

// scriptUnanswered gives reports the open 待补充 questions, most asked first.
type scriptUnanswered struct{ s *script.Store }

func (u scriptUnanswered) UnansweredQuestions(ctx context.Context, _ schedule.Period, limit int) (schedule.UnansweredFigures, error) {
	qs, err := u.s.ListUnanswered(ctx, script.QuestionFilter{State: script.QuestionOpen, Limit: 500})
	if err != nil {
		return schedule.UnansweredFigures{}, err
	}
	f := schedule.UnansweredFigures{Open: int64(len(qs))}
	for _, q := range qs[:min(limit, len(qs))] {
		text := q.Normalized
		if len(q.Examples) > 0 {
			text = q.Examples[0]
		}
		f.Top = append(f.Top, schedule.UnansweredQuestion{Text: text, Asked: q.Asked})
	}
	return f, nil
}

// AutoReplyHitRate is the share of a period's questions a script answered.
func (u scriptUnanswered) AutoReplyHitRate(ctx context.Context, p schedule.Period) (schedule.HitRate, error) {
	answered, asked, err := u.s.HitRate(ctx, p.From, p.To)
	return schedule.HitRate{Asked: asked, Answered: answered}, err
}

// liveCodeFill gives reports how full each live code's pool is now.
type liveCodeFill struct{ s *livecode.Service }

func (l liveCodeFill) LiveCodeFill(ctx context.Context, _ schedule.Period) ([]schedule.LiveCodeFill, error) {
	var out []schedule.LiveCodeFill
	for {
		codes, total, err := l.s.List(ctx, livecode.Filter{Limit: 500, Offset: len(out)})
		if err != nil {
			return nil, err
		}
		for _, c := range codes {
			f := schedule.LiveCodeFill{Name: c.Name, Groups: len(c.Pool), Capacity: int64(c.Threshold) * int64(len(c.Pool))}
			for _, g := range c.Pool {
				f.Members += int64(g.MemberCount)
			}
			out = append(out, f)
		}
		if len(codes) == 0 || int64(len(out)) >= total {
			return out, nil
		}
	}
}
