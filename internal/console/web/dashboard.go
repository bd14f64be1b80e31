package web

import (
	"net/http"
	"time"

	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/ticket"
	"github.com/qunbot/qunbot/internal/user"
)

// unansweredCap is how many open questions the dashboard counts before it
// says "500+".
const unansweredCap = 500

// dashboardView is the overview page's figures; a figure whose capability
// is not configured is left out.
type dashboardView struct {
	HasScripts, HasTickets bool
	Scripts                int64
	Unanswered             int
	UnansweredMore         bool
	RecentByTier           []tierCount // tickets posted in the last recentDays
	New                    int64       // waiting to be acknowledged
	Overdue                int64
	RecentDays             int
	SLA                    []tierSLA // SLA figures of the same tickets
	TierChart, HitChart    *barChart // nil: the capability is not configured
	AckChart, ResolveChart *barChart // SLA compliance per tier
	FillChart              *barChart // live codes' current groups
}

// tierSLA is how many tickets of one tier met or missed their SLA.
type tierSLA struct {
	Tier, Label               string
	AckMet, AckMissed         int64
	ResolveMet, ResolveMissed int64
}

// recentDays is the window of the dashboard's per-tier figures: the
// tickets posted lately, so that the count reads the recent rows only.
const recentDays = 30

// tierCount is the tickets of one tier posted lately, and how many of
// them are still open.
type tierCount struct {
	Tier, Label  string
	Opened, Open int64
}

// PageTitle names the page.
func (dashboardView) PageTitle() string { return "概览" }

func (h *handler) dashboard(w http.ResponseWriter, r *http.Request) error {
	if sessionOf(r).User.Role == user.RoleStaff {
		http.Redirect(w, r, "/tickets", http.StatusSeeOther)
		return nil
	}
	var v dashboardView
	if err := h.scriptFigures(r, &v); err != nil {
		return err
	}
	if err := h.ticketFigures(r, &v); err != nil {
		return err
	}
	if v.HasTickets {
		v.TierChart = tierChart(v.RecentByTier)
		v.AckChart, v.ResolveChart = slaCharts(v.SLA)
	}
	chart, err := h.hitRateChart(r)
	if err != nil {
		return err
	}
	v.HitChart = chart
	if v.FillChart, err = h.fillChart(r); err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "dashboard", v)
	return nil
}

func (h *handler) scriptFigures(r *http.Request, v *dashboardView) error {
	if h.opts.Scripts == nil {
		return nil
	}
	_, total, err := h.opts.Scripts.List(r.Context(), script.Filter{Limit: 1})
	if err != nil {
		return err
	}
	qs, err := h.opts.Scripts.ListUnanswered(r.Context(), script.QuestionFilter{Limit: unansweredCap})
	if err != nil {
		return err
	}
	v.HasScripts, v.Scripts, v.Unanswered, v.UnansweredMore = true, total, len(qs), len(qs) == unansweredCap
	return nil
}

func (h *handler) ticketFigures(r *http.Request, v *dashboardView) error {
	if h.opts.Tickets == nil {
		return nil
	}
	now := h.opts.Now()
	stats, err := h.opts.Tickets.Stats(r.Context(), now.AddDate(0, 0, -recentDays), now.Add(time.Minute), nil)
	if err != nil {
		return err
	}
	for _, s := range stats {
		label := tierLabels[s.Tier]
		if label == "" {
			label = s.Tier
		}
		v.RecentByTier = append(v.RecentByTier, tierCount{Tier: s.Tier, Label: label, Opened: s.Opened, Open: s.Open})
		v.SLA = append(v.SLA, tierSLA{Tier: s.Tier, Label: label, AckMet: s.AckMet, AckMissed: s.AckMissed,
			ResolveMet: s.ResolveMet, ResolveMissed: s.ResolveMiss})
	}
	_, fresh, err := h.opts.Tickets.List(r.Context(), ticket.Filter{State: ticket.StateNew, Limit: 1})
	if err != nil {
		return err
	}
	_, overdue, err := h.opts.Tickets.List(r.Context(), ticket.Filter{Overdue: true, Limit: 1})
	if err != nil {
		return err
	}
	v.HasTickets, v.New, v.Overdue, v.RecentDays = true, fresh, overdue, recentDays
	return nil
}
