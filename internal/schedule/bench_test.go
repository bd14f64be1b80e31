package schedule_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/schedule"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

// BenchmarkTick_NothingDue measures the scheduler's per-second cost with
// 200 active tasks and nothing due: the change marker, the manual-run
// queue and the in-memory check of every task's next time.
func BenchmarkTick_NothingDue(b *testing.B) {
	clock := newClock()
	s := schedule.NewStore(storagetest.SQLite(b).DB, clock.Now)
	for i := range 200 {
		create(b, s, reminderTask(fmt.Sprintf("任务%d", i), "0 9 * * 2"))
	}
	sc := schedule.New(schedule.Options{Store: s, Now: clock.Now, OutcomeInterval: time.Hour})
	ctx := context.Background()
	sc.Tick(ctx)
	for b.Loop() {
		sc.Tick(ctx)
	}
}

// BenchmarkTick_Reload measures a tick right after a change: every active
// task (200) is reloaded and its next time computed.
func BenchmarkTick_Reload(b *testing.B) {
	clock := newClock()
	s := schedule.NewStore(storagetest.SQLite(b).DB, clock.Now)
	var last schedule.Task
	for i := range 200 {
		last = create(b, s, reminderTask(fmt.Sprintf("任务%d", i), "0 9 * * 2"))
	}
	sc := schedule.New(schedule.Options{Store: s, Now: clock.Now, OutcomeInterval: time.Hour})
	ctx := context.Background()
	sc.Tick(ctx)
	for b.Loop() {
		b.StopTimer()
		if err := s.Update(ctx, "bench", &last); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		sc.Tick(ctx)
	}
}

// BenchmarkRunOccurrence measures claiming, running (a job that does
// nothing) and recording one occurrence.
func BenchmarkRunOccurrence(b *testing.B) {
	clock := newClock()
	s := schedule.NewStore(storagetest.SQLite(b).DB, clock.Now)
	create(b, s, reminderTask("每分钟", "* * * * *"))
	rec := &recorder{}
	sc := schedule.New(schedule.Options{Store: s, Now: clock.Now, OutcomeInterval: time.Hour,
		Jobs: map[schedule.Kind]schedule.Job{schedule.KindReminder: rec.job}})
	ctx := context.Background()
	sc.Tick(ctx)
	for b.Loop() {
		clock.Advance(time.Minute)
		sc.Tick(ctx)
		sc.Wait()
	}
	if rec.count() != b.N {
		b.Fatalf("ran %d times in %d ticks", rec.count(), b.N)
	}
}

// BenchmarkPreview measures checking an expression and computing its next
// five times.
func BenchmarkPreview(b *testing.B) {
	from := time.Now()
	for b.Loop() {
		if _, err := schedule.Preview("0 9 * * 2", "Asia/Shanghai", from, 5); err != nil {
			b.Fatal(err)
		}
	}
}
