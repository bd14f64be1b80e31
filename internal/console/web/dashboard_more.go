package web

import (
	"net/http"
	"strconv"

	"github.com/qunbot/qunbot/internal/livecode"
)

// fillCodes is how many live codes the fill-level chart shows (the first
// ones by id); the live codes page lists them all.
const fillCodes = 8

// chartLabelRunes is how much of a name fits under a bar.
const chartLabelRunes = 4

// slaCharts are the share of tickets of each tier acknowledged and
// resolved within their SLA in the last recentDays, from the figures the
// dashboard already read (no query of their own).
func slaCharts(stats []tierSLA) (ack, resolve *barChart) {
	acks, resolves := make([]point, len(stats)), make([]point, len(stats))
	for i, s := range stats {
		acks[i] = percentPoint(s.Label, "sla tier-"+s.Tier, s.AckMet, s.AckMet+s.AckMissed)
		resolves[i] = percentPoint(s.Label, "sla tier-"+s.Tier, s.ResolveMet, s.ResolveMet+s.ResolveMissed)
	}
	days := strconv.Itoa(recentDays)
	return newPercentChart("近 "+days+" 天接单 SLA 达标率", acks),
		newPercentChart("近 "+days+" 天处理 SLA 达标率", resolves)
}

// percentPoint is part/whole as a percentage; "—" when whole is zero.
func percentPoint(label, class string, part, whole int64) point {
	p := point{Label: label, Value: "—", Class: class, Known: whole > 0}
	if whole > 0 {
		p.N = float64(part) / float64(whole) * 100
		p.Value = strconv.Itoa(int(p.N+0.5)) + "%"
	}
	return p
}

// fillChart is how full the current group of each of the first fillCodes
// live codes is: its member count against the code's threshold.
func (h *handler) fillChart(r *http.Request) (*barChart, error) {
	if h.opts.LiveCodes == nil {
		return nil, nil
	}
	codes, _, err := h.opts.LiveCodes.List(r.Context(), livecode.Filter{Limit: fillCodes})
	if err != nil {
		return nil, err
	}
	points := make([]point, 0, len(codes))
	for _, c := range codes {
		p := point{Label: shortLabel(c.Name), Value: "—", Class: "fill"}
		for _, g := range c.Pool {
			if g.Current && c.Threshold > 0 {
				p = percentPoint(p.Label, "fill", int64(g.MemberCount), int64(c.Threshold))
				p.Value = strconv.Itoa(g.MemberCount) + "/" + strconv.Itoa(c.Threshold)
				if g.MemberCount >= c.Threshold {
					p.Class = "fill full"
				}
			}
		}
		points = append(points, p)
	}
	return newPercentChart("群活码当前群满员度", points), nil
}

// shortLabel cuts a name to what fits under a bar.
func shortLabel(s string) string {
	r := []rune(s)
	if len(r) <= chartLabelRunes {
		return s
	}
	return string(r[:chartLabelRunes]) + "…"
}
