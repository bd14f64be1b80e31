package web

import (
	"net/http"
	"strconv"
	"time"
)

// Chart geometry, in SVG user units.
const (
	chartHeight = 160 // the bars' area
	chartBar    = 36  // a bar's width
	chartGap    = 24  // between bars
	chartTop    = 18  // room for the values above the bars
	chartBottom = 22  // room for the labels below
)

// hitRateDays is how many days the auto-reply hit rate chart covers.
const hitRateDays = 7

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

// tierChart is the tickets opened per tier in the last recentDays, from
// the figures the dashboard already read (no query of its own).
func tierChart(counts []tierCount) *barChart {
	points := make([]point, len(counts))
	for i, c := range counts {
		points[i] = point{Label: c.Label, Value: strconv.FormatInt(c.Opened, 10), Class: "tier-" + c.Tier, N: float64(c.Opened)}
	}
	return newBarChart("近 "+strconv.Itoa(recentDays)+" 天各级别工单", points)
}

// hitRateChart is the share of questions a script answered on each of the
// last hitRateDays days (Asia/Shanghai), today last.
func (h *handler) hitRateChart(r *http.Request) (*barChart, error) {
	if h.opts.Scripts == nil {
		return nil, nil
	}
	now := h.opts.Now().In(shanghai)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, shanghai)
	points := make([]point, 0, hitRateDays)
	for i := hitRateDays - 1; i >= 0; i-- {
		from := today.AddDate(0, 0, -i)
		answered, asked, err := h.opts.Scripts.HitRate(r.Context(), from, from.AddDate(0, 0, 1))
		if err != nil {
			return nil, err
		}
		p := point{Label: from.Format("01-02"), Value: "—", Class: "hit-rate"}
		if asked > 0 {
			p.N = float64(answered) / float64(asked) * 100
			p.Value = strconv.Itoa(int(p.N+0.5)) + "%"
		}
		points = append(points, p)
	}
	return newBarChart("近 "+strconv.Itoa(hitRateDays)+" 天自动回复命中率", points), nil
}
