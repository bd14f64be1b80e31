package web

import (
	"strconv"

	"github.com/qunbot/qunbot/internal/overview"
	"github.com/qunbot/qunbot/internal/ticket"
)

// chartLabelRunes is how much of a name fits under a bar.
const chartLabelRunes = 4

// slaCharts are the share of tickets of each tier acknowledged and
// resolved within their SLA in the overview's window.
func slaCharts(stats []ticket.TierStats) (ack, resolve *barChart) {
	acks, resolves := make([]point, len(stats)), make([]point, len(stats))
	for i, s := range stats {
		label := tierLabel(s.Tier)
		acks[i] = percentPoint(label, "sla tier-"+s.Tier, s.AckMet, s.AckMet+s.AckMissed)
		resolves[i] = percentPoint(label, "sla tier-"+s.Tier, s.ResolveMet, s.ResolveMet+s.ResolveMiss)
	}
	days := strconv.Itoa(overview.TicketDays)
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

// fillChart is how full the current group of each live code in the
// overview is: its member count against the code's threshold.
func fillChart(fills []overview.Fill) *barChart {
	points := make([]point, len(fills))
	for i, f := range fills {
		p := point{Label: shortLabel(f.Name), Value: "—", Class: "fill"}
		if f.ChatID != "" && f.Threshold > 0 {
			p = percentPoint(p.Label, "fill", int64(f.Members), int64(f.Threshold))
			p.Value = strconv.Itoa(f.Members) + "/" + strconv.Itoa(f.Threshold)
			if f.Members >= f.Threshold {
				p.Class = "fill full"
			}
		}
		points[i] = p
	}
	return newPercentChart("群活码当前群满员度", points)
}

// shortLabel cuts a name to what fits under a bar.
func shortLabel(s string) string {
	r := []rune(s)
	if len(r) <= chartLabelRunes {
		return s
	}
	return string(r[:chartLabelRunes]) + "…"
}
