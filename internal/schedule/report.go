package schedule

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Period is the span a report covers: [From, To) in the task's zone.
type Period struct {
	From, To time.Time
}

// TierCount is how many tickets of one tier were opened in a period.
type TierCount struct {
	Tier  string // e.g. 抱怨, 轻度投诉
	Count int64
}

// SLAFigures are the tickets whose deadline fell in a period and how many
// were handled in time.
type SLAFigures struct {
	Due, Met int64
}

// HitRate is how many members' questions were asked in a period and how
// many a script answered.
type HitRate struct {
	Asked, Answered int64
}

// UnansweredQuestion is a question nothing answered and how often it was
// asked.
type UnansweredQuestion struct {
	Text  string
	Asked int64
}

// UnansweredFigures are the open questions (待补充): how many there are and
// the most asked.
type UnansweredFigures struct {
	Open int64
	Top  []UnansweredQuestion
}

// LiveCodeFill is how full one live code's pool of groups is.
type LiveCodeFill struct {
	Name              string
	Groups            int
	Members, Capacity int64
}

// TicketStats counts tickets by tier (internal/ticket, when built).
type TicketStats interface {
	TicketsByTier(ctx context.Context, p Period) ([]TierCount, error)
}

// SLAStats measures SLA compliance (internal/ticket, when built).
type SLAStats interface {
	SLACompliance(ctx context.Context, p Period) (SLAFigures, error)
}

// AutoReplyStats measures the auto-reply hit rate (internal/script).
type AutoReplyStats interface {
	AutoReplyHitRate(ctx context.Context, p Period) (HitRate, error)
}

// UnansweredStats lists questions nothing answered (internal/script).
type UnansweredStats interface {
	UnansweredQuestions(ctx context.Context, p Period, limit int) (UnansweredFigures, error)
}

// LiveCodeStats measures live-code fill (internal/livecode, when built).
type LiveCodeStats interface {
	LiveCodeFill(ctx context.Context, p Period) ([]LiveCodeFill, error)
}

// ReportSources are where reports get their figures, one source per
// section. A nil source is a capability not wired yet: its section says
// "暂无数据(未启用)", never a made-up figure.
type ReportSources struct {
	Tickets    TicketStats
	SLA        SLAStats
	AutoReply  AutoReplyStats
	Unanswered UnansweredStats
	LiveCodes  LiveCodeStats
}

// notEnabled is what a section without a source says.
const notEnabled = "暂无数据(未启用)"

// topUnanswered is how many open questions a report lists.
const topUnanswered = 5

// ReportPeriod is the span a report due at at covers in loc: the day
// before, or the seven days before, at's day.
func ReportPeriod(period string, at time.Time, loc *time.Location) Period {
	local := at.In(loc)
	end := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	days := 1
	if period == PeriodWeekly {
		days = 7
	}
	return Period{From: end.AddDate(0, 0, -days), To: end}
}

// report builds the report and sends it to staff as an app message.
func (j jobs) report(ctx context.Context, t Task, r Run) (Result, error) {
	loc, err := LoadZone(t.TimeZone)
	if err != nil {
		return Result{}, err
	}
	spec := t.Report
	p := ReportPeriod(spec.Period, r.ScheduledAt, loc)
	text, warnings := BuildReport(ctx, j.o.Reports, spec, p)
	send, err := appMessage(r, "report", spec.ToUsers, fitBytes(text, maxAppTextBytes), spec.Markdown)
	if err != nil {
		return Result{}, err
	}
	return Result{Sends: []Send{send}, Warnings: warnings,
		Summary: fmt.Sprintf("已向 %d 位员工发送%s (report for %s sent to %d staff)", len(spec.ToUsers), reportTitle(spec.Period), periodLabel(p), len(spec.ToUsers))}, nil
}

// BuildReport writes the report on p in Chinese, one section per line
// group; a source that fails is reported as such (and in the warnings),
// never filled in.
func BuildReport(ctx context.Context, src ReportSources, spec *ReportSpec, p Period) (string, []string) {
	sections := spec.Sections
	if len(sections) == 0 {
		sections = AllSections()
	}
	var b strings.Builder
	title := fmt.Sprintf("【%s】%s", reportTitle(spec.Period), periodLabel(p))
	if spec.Markdown {
		title = "### " + title
	}
	b.WriteString(title)
	var warnings []string
	n := 0
	for _, name := range AllSections() {
		if !slices.Contains(sections, name) {
			continue
		}
		n++
		body, err := section(ctx, src, name, p)
		if err != nil {
			body = "读取失败 (could not be read)"
			warnings = append(warnings, fmt.Sprintf("报表栏目 %s 读取失败 (section %s failed): %v", name, name, err))
		}
		heading := fmt.Sprintf("%s、%s", chineseNumber(n), sectionTitle(name))
		if spec.Markdown {
			heading = "**" + heading + "**"
		}
		fmt.Fprintf(&b, "\n%s:%s", heading, body)
	}
	return b.String(), warnings
}

func reportTitle(period string) string {
	if period == PeriodWeekly {
		return "社群运营周报"
	}
	return "社群运营日报"
}

func periodLabel(p Period) string {
	last := p.To.AddDate(0, 0, -1)
	if p.To.Sub(p.From) <= 24*time.Hour+time.Hour {
		return fmt.Sprintf("%s(%s)", p.From.Format("2006-01-02"), weekday(p.From))
	}
	return fmt.Sprintf("%s 至 %s", p.From.Format("2006-01-02"), last.Format("2006-01-02"))
}

func weekday(t time.Time) string {
	return [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}[t.Weekday()]
}

func chineseNumber(n int) string {
	digits := []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}
	if n >= 0 && n < len(digits) {
		return digits[n]
	}
	return fmt.Sprint(n)
}

func sectionTitle(name string) string {
	switch name {
	case SectionTickets:
		return "工单(按级别)"
	case SectionSLA:
		return "SLA 达成率"
	case SectionAutoReply:
		return "自动回复命中率"
	case SectionUnanswered:
		return "待补充问题"
	}
	return "活码入群"
}

// section writes one section's figures, or notEnabled without a source.
func section(ctx context.Context, src ReportSources, name string, p Period) (string, error) {
	switch name {
	case SectionTickets:
		return ticketsSection(ctx, src.Tickets, p)
	case SectionSLA:
		return slaSection(ctx, src.SLA, p)
	case SectionAutoReply:
		return autoReplySection(ctx, src.AutoReply, p)
	case SectionUnanswered:
		return unansweredSection(ctx, src.Unanswered, p)
	}
	return liveCodeSection(ctx, src.LiveCodes, p)
}

func ticketsSection(ctx context.Context, s TicketStats, p Period) (string, error) {
	if s == nil {
		return notEnabled, nil
	}
	tiers, err := s.TicketsByTier(ctx, p)
	if err != nil || len(tiers) == 0 {
		return "0 张", err
	}
	parts := make([]string, len(tiers))
	var total int64
	for i, tc := range tiers {
		parts[i] = fmt.Sprintf("%s %d", tc.Tier, tc.Count)
		total += tc.Count
	}
	return fmt.Sprintf("共 %d 张(%s)", total, strings.Join(parts, "、")), nil
}

func slaSection(ctx context.Context, s SLAStats, p Period) (string, error) {
	if s == nil {
		return notEnabled, nil
	}
	f, err := s.SLACompliance(ctx, p)
	if err != nil || f.Due == 0 {
		return "本期无到期工单", err
	}
	return fmt.Sprintf("%s(按时处理 %d / 到期 %d)", percent(f.Met, f.Due), f.Met, f.Due), nil
}

func autoReplySection(ctx context.Context, s AutoReplyStats, p Period) (string, error) {
	if s == nil {
		return notEnabled, nil
	}
	h, err := s.AutoReplyHitRate(ctx, p)
	if err != nil || h.Asked == 0 {
		return "本期无提问", err
	}
	return fmt.Sprintf("%s(命中 %d / 提问 %d)", percent(h.Answered, h.Asked), h.Answered, h.Asked), nil
}

func unansweredSection(ctx context.Context, s UnansweredStats, p Period) (string, error) {
	if s == nil {
		return notEnabled, nil
	}
	f, err := s.UnansweredQuestions(ctx, p, topUnanswered)
	if err != nil {
		return "", err
	}
	if f.Open == 0 {
		return "无", nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d 个待处理,提问最多的:", f.Open)
	for i, q := range f.Top {
		fmt.Fprintf(&b, "\n%d. %s(%d 次)", i+1, clip(strings.TrimSpace(q.Text), 40), q.Asked)
	}
	return b.String(), nil
}

func liveCodeSection(ctx context.Context, s LiveCodeStats, p Period) (string, error) {
	if s == nil {
		return notEnabled, nil
	}
	codes, err := s.LiveCodeFill(ctx, p)
	if err != nil || len(codes) == 0 {
		return "无活码", err
	}
	var b strings.Builder
	for _, c := range codes {
		fmt.Fprintf(&b, "\n- %s:%d 个群,%d / %d 人(%s)", clip(c.Name, 40), c.Groups, c.Members, c.Capacity, percent(c.Members, c.Capacity))
	}
	return b.String(), nil
}

func percent(part, whole int64) string {
	if whole == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", float64(part)*100/float64(whole))
}

// fitBytes cuts s to at most max bytes on a character boundary, saying so.
func fitBytes(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const more = "\n…(内容过长已截断,完整数据见控制台)"
	cut := max - len(more)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + more
}
