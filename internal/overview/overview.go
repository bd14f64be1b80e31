// Package overview gathers the figures of the console's dashboard and of
// GET /api/v1/overview, so that both show the same numbers: groups and
// members, messages and the auto-reply hit rate per day, unanswered
// questions, tickets by tier with their SLA compliance, and how full the
// live codes' current groups are. Each figure comes from a few aggregate
// queries whatever the size of the tables.
package overview

import (
	"context"
	"fmt"
	"time"
	_ "time/tzdata" // days are Asia/Shanghai days, also in slim images

	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/livecode"
	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/ticket"
)

// Windows of the figures.
const (
	// Days is how many days the per-day figures cover, today last.
	Days = 7
	// TicketDays is the window of the per-tier ticket figures.
	TicketDays = 30
	// UnansweredCap is how many open questions are counted before the
	// figure reads "500+".
	UnansweredCap = 500
	// FillCodes is how many live codes (the first by id) the fill covers.
	FillCodes = 8
)

// Sources are where the figures come from; a nil source leaves its
// figures out (null in JSON), as the capability is not configured.
type Sources struct {
	Groups    *group.Store
	Scripts   *script.Store
	Tickets   *ticket.Service
	LiveCodes *livecode.Service
	Inbox     *inbox.Store
	// MessageKinds are the inbox kinds that are chat messages
	// (bridge.ChatKinds and callback.AIBotChatKinds).
	MessageKinds []string
	Now          func() time.Time // nil: time.Now
}

// Overview is the figures at one moment.
type Overview struct {
	Groups    *group.Totals `json:"groups"`
	Scripts   *Scripts      `json:"scripts"`
	Tickets   *Tickets      `json:"tickets"`
	Messages  []DayCount    `json:"messages"` // chat messages received per day
	HitRate   []DayRate     `json:"hit_rate"` // questions answered by a script per day
	LiveCodes []Fill        `json:"live_codes"`
}

// Scripts are the script library's figures.
type Scripts struct {
	Total          int64 `json:"total"`
	Unanswered     int   `json:"unanswered"`      // open questions nothing answered, at most UnansweredCap
	UnansweredMore bool  `json:"unanswered_more"` // there are more than UnansweredCap
}

// Tickets are the tickets' figures: by tier over the last TicketDays days,
// and what waits now.
type Tickets struct {
	Days    int                `json:"days"`
	ByTier  []ticket.TierStats `json:"by_tier"`
	New     int64              `json:"new"`     // waiting to be acknowledged
	Overdue int64              `json:"overdue"` // past their deadline
}

// DayCount is a count for one Asia/Shanghai day.
type DayCount struct {
	Day   string `json:"day"` // 2006-01-02
	Count int64  `json:"count"`
}

// DayRate is the questions of one day: how many were asked, how many a
// script answered.
type DayRate struct {
	Day      string `json:"day"`
	Answered int64  `json:"answered"`
	Asked    int64  `json:"asked"`
}

// Fill is how full a live code's current group is.
type Fill struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Threshold int    `json:"threshold"`
	ChatID    string `json:"chat_id"`       // the current group; "" when there is none
	Members   int    `json:"members"`       // of the current group
	Known     bool   `json:"members_known"` // the directory knows the current group's count
}

// zone is where days begin.
var zone = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone("CST", 8*3600) // tzdata is embedded; this cannot happen
	}
	return loc
}

// Read gathers the figures of every source given.
func Read(ctx context.Context, src Sources) (Overview, error) {
	if src.Now == nil {
		src.Now = time.Now
	}
	now := src.Now()
	var o Overview
	for _, read := range []func(context.Context, Sources, time.Time, *Overview) error{
		readGroups, readScripts, readTickets, readMessages, readHitRate, readFill,
	} {
		if err := read(ctx, src, now, &o); err != nil {
			return Overview{}, fmt.Errorf("read overview: %w", err)
		}
	}
	return o, nil
}

// LastDays are the bounds of the last n days in Asia/Shanghai, today last:
// n+1 midnights, the last one tonight's.
func LastDays(now time.Time, n int) []time.Time {
	now = now.In(zone)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, zone)
	bounds := make([]time.Time, n+1)
	for i := range bounds {
		bounds[i] = today.AddDate(0, 0, i-n+1)
	}
	return bounds
}

func readGroups(ctx context.Context, src Sources, _ time.Time, o *Overview) error {
	if src.Groups == nil {
		return nil
	}
	t, err := src.Groups.Totals(ctx)
	o.Groups = &t
	return err
}

func readScripts(ctx context.Context, src Sources, _ time.Time, o *Overview) error {
	if src.Scripts == nil {
		return nil
	}
	_, total, err := src.Scripts.List(ctx, script.Filter{Limit: 1})
	if err != nil {
		return err
	}
	qs, err := src.Scripts.ListUnanswered(ctx, script.QuestionFilter{Limit: UnansweredCap})
	if err != nil {
		return err
	}
	o.Scripts = &Scripts{Total: total, Unanswered: len(qs), UnansweredMore: len(qs) == UnansweredCap}
	return nil
}

func readTickets(ctx context.Context, src Sources, now time.Time, o *Overview) error {
	if src.Tickets == nil {
		return nil
	}
	stats, err := src.Tickets.Stats(ctx, now.AddDate(0, 0, -TicketDays), now.Add(time.Minute), nil)
	if err != nil {
		return err
	}
	_, fresh, err := src.Tickets.List(ctx, ticket.Filter{State: ticket.StateNew, Limit: 1})
	if err != nil {
		return err
	}
	_, overdue, err := src.Tickets.List(ctx, ticket.Filter{Overdue: true, Limit: 1})
	if err != nil {
		return err
	}
	o.Tickets = &Tickets{Days: TicketDays, ByTier: stats, New: fresh, Overdue: overdue}
	return nil
}

func readMessages(ctx context.Context, src Sources, now time.Time, o *Overview) error {
	if src.Inbox == nil {
		return nil
	}
	days := LastDays(now, Days)
	counts, err := src.Inbox.CountPerPeriod(ctx, src.MessageKinds, days)
	if err != nil {
		return err
	}
	o.Messages = make([]DayCount, len(counts))
	for i, n := range counts {
		o.Messages[i] = DayCount{Day: days[i].Format(time.DateOnly), Count: n}
	}
	return nil
}

func readHitRate(ctx context.Context, src Sources, now time.Time, o *Overview) error {
	if src.Scripts == nil {
		return nil
	}
	days := LastDays(now, Days)
	o.HitRate = make([]DayRate, Days)
	for i, from := range days[:Days] {
		answered, asked, err := src.Scripts.HitRate(ctx, from, days[i+1])
		if err != nil {
			return err
		}
		o.HitRate[i] = DayRate{Day: from.Format(time.DateOnly), Answered: answered, Asked: asked}
	}
	return nil
}

func readFill(ctx context.Context, src Sources, _ time.Time, o *Overview) error {
	if src.LiveCodes == nil {
		return nil
	}
	codes, _, err := src.LiveCodes.List(ctx, livecode.Filter{Limit: FillCodes})
	if err != nil {
		return err
	}
	o.LiveCodes = make([]Fill, len(codes))
	for i, c := range codes {
		f := Fill{ID: c.ID, Name: c.Name, Threshold: c.Threshold}
		for _, g := range c.Pool {
			if g.Current {
				f.ChatID, f.Members, f.Known = g.ChatID, g.MemberCount, !g.Unknown
			}
		}
		o.LiveCodes[i] = f
	}
	return nil
}
