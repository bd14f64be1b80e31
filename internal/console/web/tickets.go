package web

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/qunbot/qunbot/internal/ticket"
)

// ticketsPerPage is the inbox's page size.
const ticketsPerPage = 30

// tierLabels are the default tiers as staff read them.
var tierLabels = map[string]string{ticket.TierLight: "轻度", ticket.TierMedium: "中度", ticket.TierSerious: "严重"}

// tierOrder lists the default tiers, mildest first.
var tierOrder = []string{ticket.TierLight, ticket.TierMedium, ticket.TierSerious}

// stateOrder lists the states in their lifecycle's order.
var stateOrder = []ticket.State{ticket.StateNew, ticket.StateAcknowledged, ticket.StateInProgress, ticket.StateResolved, ticket.StateClosed}

// ticketListView is the inbox.
type ticketListView struct {
	Tier, State string
	Overdue     bool
	Tickets     []ticketRow
	Total       int64
	Pager       pager
	Tiers       []modeOption
	States      []modeOption
}

// PageTitle names the page.
func (ticketListView) PageTitle() string { return "工单" }

// ticketRow is one ticket of the inbox with what the list shows of it.
type ticketRow struct {
	ticket.Ticket
	StateLabel string
	Due        time.Time // the deadline that matters now
	DueLabel   string
	IsOverdue  bool
}

// rowOf describes t at now.
func rowOf(t ticket.Ticket, now time.Time) ticketRow {
	row := ticketRow{Ticket: t, StateLabel: t.State.Label(), IsOverdue: t.Overdue(now)}
	switch t.State {
	case ticket.StateNew:
		row.Due, row.DueLabel = t.AckDueAt, "接单期限"
	case ticket.StateAcknowledged, ticket.StateInProgress:
		row.Due, row.DueLabel = t.ResolveDueAt, "完成期限"
	}
	if row.TierName == "" {
		row.TierName = tierLabels[t.Tier]
	}
	return row
}

func (h *handler) ticketList(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Tickets == nil {
		return errUnconfigured("工单", "tickets")
	}
	q := r.URL.Query()
	v := ticketListView{Tier: q.Get("tier"), State: q.Get("state"), Overdue: q.Get("overdue") == "1"}
	f := ticket.Filter{Tier: v.Tier, Overdue: v.Overdue, Scope: sessionOf(r).User.Scope(), Limit: ticketsPerPage}
	if v.State != "" {
		st, ok := ticket.ParseState(v.State)
		if !ok {
			return fmt.Errorf("%w: 未知状态 %q (unknown state)", errBadInput, v.State)
		}
		f.State = st
	}
	pg, err := pageParam(r)
	if err != nil {
		return err
	}
	f.Offset = (pg - 1) * ticketsPerPage
	items, total, err := h.opts.Tickets.List(r.Context(), f)
	if err != nil {
		return err
	}
	now := h.opts.Now()
	for _, t := range items {
		v.Tickets = append(v.Tickets, rowOf(t, now))
	}
	overdue := ""
	if v.Overdue {
		overdue = "1"
	}
	v.Total = total
	v.Pager = newPager("/tickets", url.Values{"tier": {v.Tier}, "state": {v.State}, "overdue": {overdue}}, pg, ticketsPerPage, total)
	v.Tiers, v.States = filterOptions()
	h.render(w, r, http.StatusOK, "tickets", v)
	return nil
}

// filterOptions are the inbox's tier and state choices.
func filterOptions() (tiers, states []modeOption) {
	for _, t := range tierOrder {
		tiers = append(tiers, modeOption{t, tierLabels[t]})
	}
	for _, s := range stateOrder {
		states = append(states, modeOption{string(s), s.Label()})
	}
	return tiers, states
}
