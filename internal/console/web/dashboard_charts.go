package web

import (
	"strconv"
	"time"

	"github.com/qunbot/qunbot/internal/overview"
)

// Chart geometry, in SVG user units.
const (
	chartHeight = 160 // the bars' area
	chartBar    = 36  // a bar's width
	chartGap    = 24  // between bars
	chartTop    = 18  // room for the values above the bars
	chartBottom = 22  // room for the labels below
)

// barChart is a bar chart drawn on the server as inline SVG: no script,
// no style, so it passes the pages' content security policy.
type barChart struct {
	Title         string
	Width, Height int
	Bars          []bar
	Empty         bool // nothing to show: every value is zero
}

// bar is one bar with its label below and its value above.
type bar struct {
	X, Y, W, H     int
	LabelX, ValueY int
	LabelY         int
	Label, Value   string
	Class          string
}

// point is one value of a chart: its height in units of max, and how it
// reads.
type point struct {
	Label, Value, Class string
	N                   float64
	Known               bool // a value even when N is zero (0%)
}

// newBarChart lays points out, scaled so that the largest fills the area.
func newBarChart(title string, points []point) *barChart {
	return newScaledChart(title, points, 0)
}

// newPercentChart lays out points that are percentages: 100 fills the area.
func newPercentChart(title string, points []point) *barChart {
	return newScaledChart(title, points, 100)
}

// newScaledChart lays points out so that top (or the largest point, when
// larger) fills the area.
func newScaledChart(title string, points []point, top float64) *barChart {
	c := &barChart{Title: title, Width: len(points)*(chartBar+chartGap) + chartGap, Height: chartTop + chartHeight + chartBottom, Empty: true}
	for _, p := range points {
		top = max(top, p.N)
	}
	for i, p := range points {
		h := 0
		if top > 0 {
			h = int(p.N / top * chartHeight)
		}
		if p.N > 0 || p.Known {
			c.Empty = false
		}
		if p.N > 0 {
			h = max(h, 1)
		}
		x := chartGap + i*(chartBar+chartGap)
		y := chartTop + chartHeight - h
		c.Bars = append(c.Bars, bar{X: x, Y: y, W: chartBar, H: h, LabelX: x + chartBar/2, ValueY: y - 4,
			LabelY: chartTop + chartHeight + 16, Label: p.Label, Value: p.Value, Class: p.Class})
	}
	return c
}

// tierChart is the tickets opened per tier in the overview's window.
func tierChart(counts []tierCount) *barChart {
	points := make([]point, len(counts))
	for i, c := range counts {
		points[i] = point{Label: c.Label, Value: strconv.FormatInt(c.Opened, 10), Class: "tier-" + c.Tier, N: float64(c.Opened)}
	}
	return newBarChart("近 "+strconv.Itoa(overview.TicketDays)+" 天各级别工单", points)
}

// dayLabel is how a day (2006-01-02) reads under a bar: 01-02.
func dayLabel(day string) string {
	if len(day) == len(time.DateOnly) {
		return day[5:]
	}
	return day
}

// hitRateChart is the share of questions a script answered on each day.
func hitRateChart(days []overview.DayRate) *barChart {
	points := make([]point, len(days))
	for i, d := range days {
		points[i] = percentPoint(dayLabel(d.Day), "hit-rate", d.Answered, d.Asked)
	}
	return newPercentChart("近 "+strconv.Itoa(len(days))+" 天自动回复命中率", points)
}

// messagesChart is how many chat messages qunbot received each day.
func messagesChart(days []overview.DayCount) *barChart {
	points := make([]point, len(days))
	for i, d := range days {
		points[i] = point{Label: dayLabel(d.Day), Value: strconv.FormatInt(d.Count, 10), Class: "messages", N: float64(d.Count)}
	}
	return newBarChart("近 "+strconv.Itoa(len(days))+" 天群消息数", points)
}
