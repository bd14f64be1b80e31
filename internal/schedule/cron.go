package schedule

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/robfig/cron/v3"

	// Asia/Shanghai must resolve in slim images without a zoneinfo folder.
	_ "time/tzdata"

	"github.com/qunbot/qunbot/internal/storage"
)

// DefaultTimeZone is the zone of a task that names none.
const DefaultTimeZone = "Asia/Shanghai"

// MinEvery is the shortest interval an "@every" expression may use.
const MinEvery = time.Minute

// parser reads the five standard fields (minute hour day-of-month month
// day-of-week) and the descriptors (@daily, @every 1h, ...).
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// fieldNames names the five fields, Chinese then English.
var fieldNames = [5][2]string{
	{"分钟", "minute"}, {"小时", "hour"}, {"日", "day of month"}, {"月", "month"}, {"星期", "day of week"},
}

// CronError says why an expression was refused: which of the five fields
// (Field 1–5, 0 for the expression as a whole), where it starts (Column,
// 1-based, in characters) and the parser's reason.
type CronError struct {
	Expr   string
	Field  int
	Column int
	Reason string
}

// Error reads, Chinese first, which field at which position is wrong and why.
func (e *CronError) Error() string {
	if e.Field == 0 {
		return fmt.Sprintf("cron 表达式无效:%s (invalid cron expression: %s)", e.Reason, e.Reason)
	}
	n := fieldNames[e.Field-1]
	return fmt.Sprintf("cron 表达式第 %d 个字段(%s,第 %d 个字符起)无效:%s (field %d, %s, at column %d: %s)",
		e.Field, n[0], e.Column, e.Reason, e.Field, n[1], e.Column, e.Reason)
}

// ParseCron reads expr, five fields or a descriptor, as it will run in
// zone tz ("" is DefaultTimeZone). A refused expression is a *CronError; an
// unknown zone an error that names it.
func ParseCron(expr, tz string) (cron.Schedule, *time.Location, error) {
	loc, err := LoadZone(tz)
	if err != nil {
		return nil, nil, err
	}
	sched, err := parseExpr(strings.TrimSpace(expr))
	if err != nil {
		return nil, nil, err
	}
	return inZone{sched, loc}, loc, nil
}

// LoadZone returns the zone named tz ("" is DefaultTimeZone).
func LoadZone(tz string) (*time.Location, error) {
	if tz == "" {
		tz = DefaultTimeZone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || strings.EqualFold(tz, "local") {
		return nil, fmt.Errorf("未知时区 %q,请使用如 Asia/Shanghai 的 IANA 名称 (unknown time zone %q)", tz, tz)
	}
	return loc, nil
}

func parseExpr(expr string) (cron.Schedule, error) {
	switch {
	case expr == "":
		return nil, &CronError{Expr: expr, Reason: "表达式为空 (empty)"}
	case strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ="):
		return nil, &CronError{Expr: expr, Reason: "请在 time_zone 中设置时区,不要写在表达式里 (set the zone in time_zone, not in the expression)"}
	case strings.HasPrefix(expr, "@"):
		return parseDescriptor(expr)
	}
	fields := strings.Fields(expr)
	if len(fields) != 5 {
		return nil, &CronError{Expr: expr, Reason: fmt.Sprintf("应为 5 个字段(分 时 日 月 星期),实际 %d 个 (expected 5 fields: minute hour day-of-month month day-of-week, found %d)", len(fields), len(fields))}
	}
	if err := checkFields(expr, fields); err != nil {
		return nil, err
	}
	sched, err := parser.Parse(strings.Join(fields, " "))
	if err != nil {
		return nil, &CronError{Expr: expr, Reason: err.Error()}
	}
	return sched, nil
}

// checkFields parses each field alone (the others "*"), so that the error
// names the field robfig's parser does not.
func checkFields(expr string, fields []string) error {
	cols := fieldColumns(expr)
	for i, f := range fields {
		probe := []string{"*", "*", "*", "*", "*"}
		probe[i] = f
		if _, err := parser.Parse(strings.Join(probe, " ")); err != nil {
			return &CronError{Expr: expr, Field: i + 1, Column: cols[i], Reason: err.Error()}
		}
	}
	return nil
}

// fieldColumns returns the 1-based character column where each
// whitespace-separated field of expr starts.
func fieldColumns(expr string) []int {
	var cols []int
	inField := false
	col := 0
	for _, r := range expr {
		col++
		space := r == ' ' || r == '\t'
		if !space && !inField {
			cols = append(cols, col)
		}
		inField = !space
	}
	return cols
}

func parseDescriptor(expr string) (cron.Schedule, error) {
	sched, err := parser.Parse(expr)
	if err != nil {
		return nil, &CronError{Expr: expr, Reason: err.Error()}
	}
	if every, ok := sched.(cron.ConstantDelaySchedule); ok && every.Delay < MinEvery {
		return nil, &CronError{Expr: expr, Reason: fmt.Sprintf("@every 间隔不能短于 %s (the interval must be at least %s)", MinEvery, MinEvery)}
	}
	return sched, nil
}

// inZone runs a schedule in loc, whatever the zone of the time it is asked
// about, and answers in UTC to the microsecond, as the database keeps times.
type inZone struct {
	cron.Schedule
	loc *time.Location
}

// Next returns the first activation after t.
func (z inZone) Next(t time.Time) time.Time {
	next := z.Schedule.Next(t.In(z.loc))
	if next.IsZero() {
		return next
	}
	return storage.Timestamp(next)
}

// Preview returns the next n activations of expr in zone tz after from, in
// that zone. An expression that never fires (30 February) is refused.
func Preview(expr, tz string, from time.Time, n int) ([]time.Time, error) {
	sched, loc, err := ParseCron(expr, tz)
	if err != nil {
		return nil, err
	}
	var out []time.Time
	t := from
	for range n {
		t = sched.Next(t)
		if t.IsZero() {
			break
		}
		out = append(out, t.In(loc))
	}
	if len(out) == 0 {
		return nil, &CronError{Expr: expr, Reason: "表达式在未来 5 年内不会触发 (the expression never fires within 5 years)"}
	}
	return out, nil
}

// clip cuts s to at most max characters, marking the cut.
func clip(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}
