package web

import (
	"net/http"

	"github.com/qunbot/qunbot/internal/overview"
	"github.com/qunbot/qunbot/internal/user"
)

// dashboardView is the overview page: the figures (a figure whose
// capability is not configured is nil) and the charts drawn from them.
type dashboardView struct {
	overview.Overview
	RecentByTier           []tierCount
	TierChart, HitChart    *barChart // nil: the capability is not configured
	AckChart, ResolveChart *barChart // SLA compliance per tier
	FillChart              *barChart // live codes' current groups
	MessagesChart          *barChart // chat messages per day
}

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
	o, err := overview.Read(r.Context(), h.overviewSources())
	if err != nil {
		return err
	}
	v := dashboardView{Overview: o}
	if o.Tickets != nil {
		for _, s := range o.Tickets.ByTier {
			v.RecentByTier = append(v.RecentByTier, tierCount{Tier: s.Tier, Label: tierLabel(s.Tier), Opened: s.Opened, Open: s.Open})
		}
		v.TierChart = tierChart(v.RecentByTier)
		v.AckChart, v.ResolveChart = slaCharts(o.Tickets.ByTier)
	}
	if o.HitRate != nil {
		v.HitChart = hitRateChart(o.HitRate)
	}
	if o.Messages != nil {
		v.MessagesChart = messagesChart(o.Messages)
	}
	if o.LiveCodes != nil {
		v.FillChart = fillChart(o.LiveCodes)
	}
	h.render(w, r, http.StatusOK, "dashboard", v)
	return nil
}

// overviewSources are the dashboard's figures' sources among the pages'.
func (h *handler) overviewSources() overview.Sources {
	return overview.Sources{Groups: h.opts.Groups, Scripts: h.opts.Scripts, Tickets: h.opts.Tickets,
		LiveCodes: h.opts.LiveCodes, Inbox: h.opts.Inbox, MessageKinds: h.opts.MessageKinds, Now: h.opts.Now}
}

// tierLabel is a tier as staff read it; a custom tier reads as its name.
func tierLabel(tier string) string {
	if label := tierLabels[tier]; label != "" {
		return label
	}
	return tier
}
