package schedule_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/schedule"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/wecom"
)

// newClock starts on Monday 2026-11-23 10:00:00 in Shanghai.
func newClock() *storagetest.Clock {
	return storagetest.NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
}

// shanghai is a wall-clock time in Asia/Shanghai.
func shanghai(day, hour, minute int) time.Time {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	return time.Date(2026, 11, day, hour, minute, 0, 0, loc)
}

func intp(n int) *int { return &n }

// reminderTask is a valid reminder task on expr.
func reminderTask(name, expr string) schedule.Task {
	return schedule.Task{Name: name, Kind: schedule.KindReminder, Cron: expr,
		Reminder: &schedule.ReminderSpec{ToUsers: []string{"zhangsan"}, Text: "记得发周二干货"}}
}

func create(t testing.TB, s *schedule.Store, task schedule.Task) schedule.Task {
	t.Helper()
	if err := s.Create(context.Background(), "tester", &task); err != nil {
		t.Fatalf("create task %q: %v", task.Name, err)
	}
	return task
}

// recorder is a job that records each run it is given.
type recorder struct {
	mu   sync.Mutex
	runs []schedule.Run
	by   map[string]int // runner+scheduled_at -> count
}

func (r *recorder) job(_ context.Context, _ schedule.Task, run schedule.Run) (schedule.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.runs = append(r.runs, run)
	return schedule.Result{Summary: "ok"}, nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.runs)
}

func (r *recorder) scheduled() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]time.Time, len(r.runs))
	for i, run := range r.runs {
		out[i] = run.ScheduledAt
	}
	return out
}

// runs returns every run of task id, oldest scheduled first.
func runs(t testing.TB, s *schedule.Store, id int64) []schedule.Run {
	t.Helper()
	rs, _, err := s.Runs(context.Background(), id, schedule.RunFilter{Limit: 500})
	if err != nil {
		t.Fatalf("runs of task %d: %v", id, err)
	}
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
	return rs
}

// tick runs one scheduler round and waits for the runs it started.
func tick(sc *schedule.Scheduler) {
	sc.Tick(context.Background())
	sc.Wait()
}

// The production types the scheduler is wired to satisfy its interfaces.
var (
	_ schedule.OutboxReader = (*outbox.Store)(nil)
	_ schedule.SendResults  = (*wecom.Client)(nil)
)
