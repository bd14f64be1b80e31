package schedule_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/schedule"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

func newScheduler(s *schedule.Store, clock *storagetest.Clock, runner string, jobs map[schedule.Kind]schedule.Job) *schedule.Scheduler {
	return schedule.New(schedule.Options{Store: s, Jobs: jobs, Runner: runner, Now: clock.Now})
}

func TestScheduler_RunsEachOccurrenceOnTime(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		clock := newClock()
		s := schedule.NewStore(db.DB, clock.Now)
		task := create(t, s, reminderTask("周二干货", "0 9 * * 2"))
		rec := &recorder{}
		sc := newScheduler(s, clock, "replica-a", map[schedule.Kind]schedule.Job{schedule.KindReminder: rec.job})
		tick(sc)
		clock.Set(shanghai(24, 8, 59).Add(59 * time.Second))
		tick(sc)
		if rec.count() != 0 {
			t.Fatalf("ran %d times before 09:00", rec.count())
		}
		clock.Set(shanghai(24, 9, 0).Add(400 * time.Millisecond))
		tick(sc)
		tick(sc)
		clock.Set(shanghai(25, 9, 0))
		tick(sc)
		rs := runs(t, s, task.ID)
		if rec.count() != 1 || len(rs) != 1 {
			t.Fatalf("job ran %d times, %d runs recorded; want 1", rec.count(), len(rs))
		}
		r := rs[0]
		if !r.ScheduledAt.Equal(shanghai(24, 9, 0)) || r.Trigger != schedule.TriggerSchedule || r.Status != schedule.RunSucceeded ||
			r.Runner != "replica-a" || r.StartedAt == nil || r.FinishedAt == nil || r.Summary != "ok" || r.TaskName != "周二干货" {
			t.Errorf("run = %+v", r)
		}
	})
}

func TestScheduler_ChangesTakeEffectOnTheNextTick(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		clock := newClock()
		bot := schedule.NewStore(db.DB, clock.Now)
		console := schedule.NewStore(db.Reopen(t), clock.Now) // the console's own handle
		task := create(t, console, reminderTask("提醒", "0 9 * * 2"))
		rec := &recorder{}
		sc := newScheduler(bot, clock, "bot", map[schedule.Kind]schedule.Job{schedule.KindReminder: rec.job})
		tick(sc)

		task.Cron = "*/5 * * * *"
		if err := console.Update(ctx, "op", &task); err != nil {
			t.Fatal(err)
		}
		clock.Advance(5 * time.Minute)
		tick(sc)
		if rec.count() != 1 {
			t.Fatalf("after the change to every 5 minutes: %d runs, want 1", rec.count())
		}

		if _, err := console.Pause(ctx, "op", task.ID); err != nil {
			t.Fatal(err)
		}
		clock.Advance(5 * time.Minute)
		tick(sc)
		if rec.count() != 1 {
			t.Fatalf("paused task ran: %d runs", rec.count())
		}
		// Occurrences while paused are neither run nor "missed".
		clock.Advance(time.Minute)
		if _, err := console.Resume(ctx, "op", task.ID); err != nil {
			t.Fatal(err)
		}
		tick(sc)
		if n := len(runs(t, bot, task.ID)); n != 1 {
			t.Fatalf("resume recorded %d runs, want still 1", n)
		}
		clock.Advance(4 * time.Minute)
		tick(sc)
		if rec.count() != 2 {
			t.Fatalf("after resume: %d runs, want 2", rec.count())
		}

		if err := console.Delete(ctx, "op", task.ID); err != nil {
			t.Fatal(err)
		}
		clock.Advance(5 * time.Minute)
		tick(sc)
		if rec.count() != 2 {
			t.Fatalf("deleted task ran: %d runs", rec.count())
		}
	})
}

func TestScheduler_MissedRuns(t *testing.T) {
	tests := []struct {
		name        string
		restartAt   time.Time
		grace       *int
		wantRun     time.Time // zero: nothing runs
		wantSkipped []time.Time
	}{
		{"latest within grace runs once", shanghai(23, 14, 5), nil, shanghai(23, 14, 0),
			[]time.Time{shanghai(23, 12, 0), shanghai(23, 13, 0)}},
		{"all past grace are skipped", shanghai(23, 14, 30), nil, time.Time{},
			[]time.Time{shanghai(23, 12, 0), shanghai(23, 13, 0), shanghai(23, 14, 0)}},
		{"a wider grace catches up", shanghai(23, 14, 30), intp(45), shanghai(23, 14, 0),
			[]time.Time{shanghai(23, 12, 0), shanghai(23, 13, 0)}},
		{"grace zero never catches up", shanghai(23, 12, 0).Add(2 * time.Second), intp(0), time.Time{},
			[]time.Time{shanghai(23, 12, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock() // Monday 10:00
			s := schedule.NewStore(storagetest.SQLite(t).DB, clock.Now)
			hourly := reminderTask("整点提醒", "0 * * * *")
			hourly.GraceMinutes = tt.grace
			task := create(t, s, hourly)
			rec := &recorder{}
			jobs := map[schedule.Kind]schedule.Job{schedule.KindReminder: rec.job}
			first := newScheduler(s, clock, "first", jobs)
			clock.Set(shanghai(23, 11, 0))
			tick(first) // runs 11:00, then the bot goes down

			clock.Set(tt.restartAt)
			tick(newScheduler(s, clock, "second", jobs))

			rs := runs(t, s, task.ID)
			var ran []time.Time
			var skipped []time.Time
			for _, r := range rs[1:] {
				switch r.Status {
				case schedule.RunSucceeded:
					ran = append(ran, r.ScheduledAt)
					if r.Trigger != schedule.TriggerCatchUp {
						t.Errorf("catch-up run has trigger %s", r.Trigger)
					}
				case schedule.RunSkipped:
					skipped = append(skipped, r.ScheduledAt)
					if !strings.Contains(r.Error, "错过执行窗口") || !strings.Contains(r.Error, "bot was down") {
						t.Errorf("skip reason %q", r.Error)
					}
				default:
					t.Errorf("run %+v", r)
				}
			}
			if want := tt.wantRun; (want.IsZero() && len(ran) > 0) || (!want.IsZero() && (len(ran) != 1 || !ran[0].Equal(want))) {
				t.Errorf("ran %v, want %v", ran, want)
			}
			if fmt.Sprint(utc(skipped)) != fmt.Sprint(utc(tt.wantSkipped)) {
				t.Errorf("skipped %v, want %v", utc(skipped), utc(tt.wantSkipped))
			}
			if rec.count() != 1+len(ran) {
				t.Errorf("job ran %d times, want %d", rec.count(), 1+len(ran))
			}
		})
	}
}

func utc(ts []time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.UTC().Format(time.RFC3339)
	}
	return out
}

func TestScheduler_NewTaskHasNoMissedRuns(t *testing.T) {
	clock := newClock()
	s := schedule.NewStore(storagetest.SQLite(t).DB, clock.Now)
	task := create(t, s, reminderTask("每分钟", "* * * * *"))
	clock.Advance(30 * time.Second)
	rec := &recorder{}
	tick(newScheduler(s, clock, "a", map[schedule.Kind]schedule.Job{schedule.KindReminder: rec.job}))
	if n := len(runs(t, s, task.ID)); n != 0 {
		t.Fatalf("a task created 30 s ago recorded %d runs", n)
	}
}

// TestScheduler_TwoReplicasRunEachOccurrenceOnce runs two schedulers, each
// with its own connection to one database, side by side over an hour of
// per-minute tasks.
func TestScheduler_TwoReplicasRunEachOccurrenceOnce(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		clock := newClock()
		store := schedule.NewStore(db.DB, clock.Now)
		var ids []int64
		for i := range 3 {
			ids = append(ids, create(t, store, reminderTask(fmt.Sprintf("任务%d", i), "* * * * *")).ID)
		}
		var mu sync.Mutex
		executed := map[string]int{}
		job := func(_ context.Context, task schedule.Task, r schedule.Run) (schedule.Result, error) {
			mu.Lock()
			executed[fmt.Sprintf("%d@%s", task.ID, r.ScheduledAt.Format(time.RFC3339))]++
			mu.Unlock()
			return schedule.Result{}, nil
		}
		jobs := map[schedule.Kind]schedule.Job{schedule.KindReminder: job}
		a := newScheduler(store, clock, "a", jobs)
		b := newScheduler(schedule.NewStore(db.Reopen(t), clock.Now), clock, "b", jobs)
		const minutes = 60
		for range minutes {
			clock.Advance(time.Minute)
			var wg sync.WaitGroup
			for _, sc := range []*schedule.Scheduler{a, b} {
				wg.Go(func() { tick(sc) })
			}
			wg.Wait()
		}
		if len(executed) != 3*minutes {
			t.Fatalf("%d occurrences executed, want %d", len(executed), 3*minutes)
		}
		for k, n := range executed {
			if n != 1 {
				t.Errorf("occurrence %s executed %d times", k, n)
			}
		}
		byRunner := map[string]int{}
		for _, id := range ids {
			rs := runs(t, store, id)
			if len(rs) != minutes {
				t.Errorf("task %d: %d runs recorded, want %d", id, len(rs), minutes)
			}
			for _, r := range rs {
				if r.Status != schedule.RunSucceeded {
					t.Errorf("run %+v", r)
				}
				byRunner[r.Runner]++
			}
		}
		t.Logf("runs by replica: %v", byRunner)
	})
}

func TestScheduler_RunNow(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		clock := newClock()
		s := schedule.NewStore(db.DB, clock.Now)
		task := create(t, s, reminderTask("提醒", "0 9 * * 2"))
		if _, err := s.Pause(ctx, "op", task.ID); err != nil {
			t.Fatal(err)
		}
		queued, err := s.RunNow(ctx, "op", task.ID)
		if err != nil {
			t.Fatal(err)
		}
		rec := &recorder{}
		jobs := map[schedule.Kind]schedule.Job{schedule.KindReminder: rec.job}
		a := newScheduler(s, clock, "a", jobs)
		b := newScheduler(schedule.NewStore(db.Reopen(t), clock.Now), clock, "b", jobs)
		var wg sync.WaitGroup
		for _, sc := range []*schedule.Scheduler{a, b} {
			wg.Go(func() { tick(sc) })
		}
		wg.Wait()
		if rec.count() != 1 {
			t.Fatalf("manual run executed %d times, want 1", rec.count())
		}
		d, err := s.GetRun(ctx, queued.ID)
		if err != nil || d.Status != schedule.RunSucceeded || d.Trigger != schedule.TriggerManual || d.Runner == "" || d.Actor != "op" {
			t.Fatalf("run %+v %v", d, err)
		}
	})
}

func TestScheduler_FailuresAreRecorded(t *testing.T) {
	tests := []struct {
		name string
		job  schedule.Job
		want string
	}{
		{"error", func(context.Context, schedule.Task, schedule.Run) (schedule.Result, error) {
			return schedule.Result{Warnings: []string{"w"}}, errors.New("发送失败 boom")
		}, "发送失败 boom"},
		{"panic", func(context.Context, schedule.Task, schedule.Run) (schedule.Result, error) { panic("kaboom") }, "kaboom"},
		{"no job wired", nil, "未启用"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			s := schedule.NewStore(storagetest.SQLite(t).DB, clock.Now)
			task := create(t, s, reminderTask("提醒", "* * * * *"))
			jobs := map[schedule.Kind]schedule.Job{}
			if tt.job != nil {
				jobs[schedule.KindReminder] = tt.job
			}
			sc := newScheduler(s, clock, "a", jobs)
			clock.Advance(time.Minute)
			tick(sc)
			rs := runs(t, s, task.ID)
			if len(rs) != 1 || rs[0].Status != schedule.RunFailed || !strings.Contains(rs[0].Error, tt.want) || rs[0].FinishedAt == nil {
				t.Fatalf("runs %+v", rs)
			}
		})
	}
}

func TestScheduler_SkipsWhileThePreviousRunIsBusy(t *testing.T) {
	clock := newClock()
	s := schedule.NewStore(storagetest.SQLite(t).DB, clock.Now)
	task := create(t, s, reminderTask("慢任务", "* * * * *"))
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	job := func(ctx context.Context, _ schedule.Task, _ schedule.Run) (schedule.Result, error) {
		started <- struct{}{}
		<-release
		return schedule.Result{}, nil
	}
	sc := newScheduler(s, clock, "a", map[schedule.Kind]schedule.Job{schedule.KindReminder: job})
	clock.Advance(time.Minute)
	sc.Tick(context.Background())
	<-started
	clock.Advance(time.Minute)
	sc.Tick(context.Background())
	close(release)
	sc.Wait()
	rs := runs(t, s, task.ID)
	if len(rs) != 2 || rs[0].Status != schedule.RunSucceeded || rs[1].Status != schedule.RunSkipped || !strings.Contains(rs[1].Error, "尚未结束") {
		t.Fatalf("runs %+v", rs)
	}
}

func TestScheduler_InterruptedRunsAreMarkedFailed(t *testing.T) {
	clock := newClock()
	s := schedule.NewStore(storagetest.SQLite(t).DB, clock.Now)
	task := create(t, s, reminderTask("提醒", "* * * * *"))
	release := make(chan struct{})
	started := make(chan struct{})
	stuck := func(context.Context, schedule.Task, schedule.Run) (schedule.Result, error) {
		close(started)
		<-release
		return schedule.Result{}, nil
	}
	dying := newScheduler(s, clock, "dying", map[schedule.Kind]schedule.Job{schedule.KindReminder: stuck})
	clock.Advance(time.Minute)
	dying.Tick(context.Background())
	<-started
	defer func() { close(release); dying.Wait() }()

	if _, err := s.Pause(context.Background(), "op", task.ID); err != nil {
		t.Fatal(err)
	}
	clock.Advance(7 * time.Minute)
	tick(newScheduler(s, clock, "other", nil))
	rs := runs(t, s, task.ID)
	if len(rs) != 1 || rs[0].Status != schedule.RunFailed || !strings.Contains(rs[0].Error, "执行中断") {
		t.Fatalf("runs %+v", rs)
	}
}

func TestScheduler_RunLoop(t *testing.T) {
	clock := newClock()
	s := schedule.NewStore(storagetest.SQLite(t).DB, clock.Now)
	rec := &recorder{}
	sc := schedule.New(schedule.Options{Store: s, Runner: "loop", Now: clock.Now, PollInterval: 5 * time.Millisecond,
		Jobs: map[schedule.Kind]schedule.Job{schedule.KindReminder: rec.job}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sc.Run(ctx) }()
	create(t, s, reminderTask("提醒", "* * * * *"))
	clock.Advance(time.Minute)
	waitFor(t, func() bool { return rec.count() == 1 })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run returned %v", err)
	}
}

// waitFor polls cond until it holds; it fails the test after 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestScheduler_LongStopRecordsTheLatestMisses(t *testing.T) {
	clock := newClock()
	s := schedule.NewStore(storagetest.SQLite(t).DB, clock.Now)
	task := create(t, s, reminderTask("每分钟", "* * * * *"))
	clock.Advance(2*time.Hour + 30*time.Second) // 120 occurrences while down
	rec := &recorder{}
	tick(newScheduler(s, clock, "a", map[schedule.Kind]schedule.Job{schedule.KindReminder: rec.job}))
	rs := runs(t, s, task.ID)
	if len(rs) != 50 || rec.count() != 1 {
		t.Fatalf("%d runs recorded, job ran %d times; want 50 and 1", len(rs), rec.count())
	}
	if !strings.Contains(rs[0].Error, "另有 70 次更早的错过") || rs[49].Status != schedule.RunSucceeded || rs[49].Trigger != schedule.TriggerCatchUp {
		t.Errorf("oldest %+v\nlatest %+v", rs[0], rs[49])
	}
}
