package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/qunbot/qunbot/internal/storage"
)

// Job is what a task of one kind does when it runs. It gets the task as
// saved and its run (already recorded as running) and returns what it did;
// the scheduler records the result. Jobs are plain functions: the
// scheduler triggers them on time, "run now" triggers them by hand.
type Job func(ctx context.Context, t Task, r Run) (Result, error)

// Options are the Scheduler's dependencies.
type Options struct {
	Store *Store
	Jobs  map[Kind]Job
	// Outbox and SendResults let the scheduler follow each run's sends to
	// their outcome per group; without them outcomes stay as queued.
	Outbox      OutboxReader
	SendResults SendResults
	// Wake tells the outbox worker that sends were queued (optional).
	Wake func()
	// Runner names this replica in the run records (default host:pid).
	Runner string
	// PollInterval is how often the change marker and the clock are
	// checked (default 1 s).
	PollInterval time.Duration
	// OutcomeInterval is how often sends are followed up (default 30 s).
	OutcomeInterval time.Duration
	// MaxRunTime bounds one run (default 5 min); a run still marked running
	// well after it is recorded as interrupted.
	MaxRunTime time.Duration
	// MaxConcurrent bounds the runs in progress at once (default 4).
	MaxConcurrent int
	Logger        *slog.Logger
	Now           func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Runner == "" {
		host, _ := os.Hostname()
		o.Runner = fmt.Sprintf("%s:%d", host, os.Getpid())
	}
	o.Runner = clip(o.Runner, maxRunnerName)
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.OutcomeInterval <= 0 {
		o.OutcomeInterval = 30 * time.Second
	}
	if o.MaxRunTime <= 0 {
		o.MaxRunTime = 5 * time.Minute
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 4
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Scheduler runs active tasks on their schedules, picks up manual runs and
// follows sends to their outcome. Several Schedulers on one database (one
// per replica) run each occurrence exactly once.
type Scheduler struct {
	opts    Options
	started time.Time // occurrences before it were missed while the bot was down

	mu       sync.Mutex
	entries  map[int64]*entry
	version  int64
	loaded   bool
	inFlight map[int64]bool
	slots    chan struct{}
	wg       sync.WaitGroup

	lastOutcomes time.Time
	lastSweep    time.Time
	checking     atomic.Bool // a follow-up of outcomes is under way
}

// entry is an active task on this replica and its next occurrence.
type entry struct {
	task  Task
	sched cron.Schedule
	last  time.Time // the latest occurrence handled (run or skipped)
	next  time.Time
}

// New returns a Scheduler; Run starts it.
func New(opts Options) *Scheduler {
	opts = opts.withDefaults()
	return &Scheduler{opts: opts, entries: map[int64]*entry{}, inFlight: map[int64]bool{},
		slots: make(chan struct{}, opts.MaxConcurrent)}
}

// Run schedules until ctx is done, then waits for the runs in progress
// (their jobs see ctx cancelled). Errors reaching the database are logged
// and retried on the next tick; Run returns nil on shutdown.
func (s *Scheduler) Run(ctx context.Context) error {
	s.started = s.opts.Now()
	ticker := time.NewTicker(s.opts.PollInterval)
	defer ticker.Stop()
	defer s.wg.Wait()
	for {
		s.Tick(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// Tick does one round of the scheduler's work at the current time: reload
// the tasks if the change marker moved, start what is due, pick up manual
// runs, and now and then follow up sends and clean up interrupted runs.
// Run calls it every PollInterval; tests call it with a fake clock.
func (s *Scheduler) Tick(ctx context.Context) {
	now := s.opts.Now()
	if s.started.IsZero() {
		s.started = now
	}
	if err := s.refresh(ctx); err != nil {
		s.opts.Logger.Warn("schedule: reload tasks failed", "err", err)
	} else {
		s.fireDue(ctx, now)
	}
	s.startQueued(ctx)
	if now.Sub(s.lastSweep) >= time.Minute {
		s.lastSweep = now
		s.sweepInterrupted(ctx, now)
	}
	if now.Sub(s.lastOutcomes) >= s.opts.OutcomeInterval && s.checking.CompareAndSwap(false, true) {
		// WeCom may be slow: follow-ups must not hold up the schedule.
		s.lastOutcomes = now
		s.wg.Go(func() {
			defer s.checking.Store(false)
			s.checkOutcomes(ctx)
		})
	}
}

// Wait blocks until the runs and follow-ups started so far have finished.
func (s *Scheduler) Wait() { s.wg.Wait() }

// refresh reloads the active tasks when the change marker moved.
func (s *Scheduler) refresh(ctx context.Context) error {
	v, err := s.opts.Store.Version(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	unchanged := s.loaded && v == s.version
	s.mu.Unlock()
	if unchanged {
		return nil
	}
	tasks, err := s.opts.Store.active(ctx)
	if err != nil {
		return err
	}
	entries := make(map[int64]*entry, len(tasks))
	for _, t := range tasks {
		e, err := s.entryFor(ctx, t)
		if err != nil {
			return err
		}
		if e != nil {
			entries[t.ID] = e
		}
	}
	s.mu.Lock()
	s.entries, s.version, s.loaded = entries, v, true
	s.mu.Unlock()
	return nil
}

// entryFor keeps the entry of an unchanged task, or makes one whose first
// occurrence follows the later of the task's last recorded occurrence and
// the time it became active.
func (s *Scheduler) entryFor(ctx context.Context, t Task) (*entry, error) {
	s.mu.Lock()
	old := s.entries[t.ID]
	s.mu.Unlock()
	if old != nil && old.task.Version == t.Version {
		return old, nil
	}
	sched, _, err := ParseCron(t.Cron, t.TimeZone)
	if err != nil {
		s.opts.Logger.Error("schedule: task has an invalid expression; not scheduled", "task_id", t.ID, "cron", t.Cron, "err", err)
		return nil, nil
	}
	var last time.Time
	if old != nil {
		last = old.last
	} else if last, err = s.opts.Store.lastOccurrence(ctx, t.ID); err != nil {
		return nil, err
	}
	return &entry{task: t, sched: sched, last: last, next: sched.Next(later(t.ActiveSince, last))}, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// maxMissedRecorded bounds how many missed occurrences of one task are
// recorded one by one after a long stop.
const maxMissedRecorded = 50

// fireDue handles the occurrences that have come: of those of one task,
// the latest runs if it is within the task's grace window; the others are
// recorded as skipped.
func (s *Scheduler) fireDue(ctx context.Context, now time.Time) {
	s.mu.Lock()
	var work []occurrences
	for _, e := range s.entries {
		if due := e.due(now); len(due.times) > 0 {
			work = append(work, due)
		}
	}
	s.mu.Unlock()
	for _, w := range work {
		if failed := s.handle(ctx, w, now); !failed.IsZero() {
			s.rewind(w.task, failed)
		}
	}
}

// rewind makes the task's next occurrence at again, so that an occurrence
// whose claim or record failed (the database did not answer) is handled on
// the next tick rather than lost.
func (s *Scheduler) rewind(t Task, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.entries[t.ID]; e != nil && e.task.Version == t.Version && e.next.After(at) {
		e.next = at
	}
}

// occurrences are the due occurrences of one task, oldest first; older
// counts those not listed.
type occurrences struct {
	task  Task
	times []time.Time
	older int
}

// due collects e's occurrences up to now and moves e past them.
func (e *entry) due(now time.Time) occurrences {
	out := occurrences{task: e.task}
	for !e.next.IsZero() && !e.next.After(now) {
		out.times = append(out.times, e.next)
		e.last = e.next
		if len(out.times) > maxMissedRecorded {
			out.times, out.older = out.times[1:], out.older+1
		}
		e.next = e.sched.Next(e.next)
	}
	return out
}

// handle runs or skips a task's due occurrences; it returns the earliest
// one it could not record (zero when all were).
func (s *Scheduler) handle(ctx context.Context, o occurrences, now time.Time) (failed time.Time) {
	last := len(o.times) - 1
	for i, at := range o.times {
		var err error
		if i == last && now.Sub(at) <= o.task.grace() {
			err = s.claimAndStart(ctx, o.task, at, s.trigger(at))
		} else {
			reason := s.missedReason(at)
			if i == 0 && o.older > 0 {
				reason += fmt.Sprintf(";另有 %d 次更早的错过未逐条记录 (%d earlier misses not recorded)", o.older, o.older)
			}
			err = s.recordSkipped(ctx, o.task, at, s.trigger(at), reason)
		}
		if err != nil && failed.IsZero() {
			failed = at
		}
	}
	return failed
}

func (s *Scheduler) trigger(at time.Time) Trigger {
	if at.Before(s.started) {
		return TriggerCatchUp
	}
	return TriggerSchedule
}

func (s *Scheduler) missedReason(at time.Time) string {
	if at.Before(s.started) {
		return "错过执行窗口:机器人当时未运行 (missed: bot was down)"
	}
	return "错过执行窗口:调度延迟超过补跑窗口 (missed: the scheduler was held up past the grace window)"
}

// recordSkipped records an occurrence that did not run, unless another
// replica has recorded it.
func (s *Scheduler) recordSkipped(ctx context.Context, t Task, at time.Time, trig Trigger, reason string) error {
	now := storage.Timestamp(s.opts.Now())
	row := newRun(t, at, trig, RunSkipped, now)
	row.Runner, row.FinishedAt, row.ErrorText = s.opts.Runner, &now, reason
	if _, err := s.opts.Store.claim(ctx, &row); err != nil {
		s.opts.Logger.Warn("schedule: record skipped run failed", "task_id", t.ID, "scheduled_at", at, "err", err)
		return err
	}
	s.opts.Logger.Info("schedule: occurrence skipped", "task_id", t.ID, "scheduled_at", at, "reason", reason)
	return nil
}

// claimAndStart claims the occurrence and, if this replica won it, starts
// the job. While the task's previous run is still busy here the occurrence
// is recorded as skipped instead.
func (s *Scheduler) claimAndStart(ctx context.Context, t Task, at time.Time, trig Trigger) error {
	if !s.acquire(t.ID) {
		return s.recordSkipped(ctx, t, at, trig, "上一次执行尚未结束 (the previous run is still running)")
	}
	now := storage.Timestamp(s.opts.Now())
	row := newRun(t, at, trig, RunRunning, now)
	row.Runner, row.StartedAt = s.opts.Runner, &now
	won, err := s.opts.Store.claim(ctx, &row)
	if err != nil || !won {
		s.release(t.ID)
		if err != nil {
			s.opts.Logger.Warn("schedule: claim failed", "task_id", t.ID, "scheduled_at", at, "err", err)
		}
		return err
	}
	s.start(ctx, t, row)
	return nil
}

// acquire marks task id as running here, unless it already is.
func (s *Scheduler) acquire(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inFlight[id] {
		return false
	}
	s.inFlight[id] = true
	return true
}

func (s *Scheduler) release(id int64) {
	s.mu.Lock()
	delete(s.inFlight, id)
	s.mu.Unlock()
}

// start runs the job of a claimed run in the background.
func (s *Scheduler) start(ctx context.Context, t Task, row runRow) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.release(t.ID)
		s.slots <- struct{}{}
		defer func() { <-s.slots }()
		s.execute(ctx, t, row)
	}()
}

// execute runs the job and records its result, even when ctx ends (the
// record is written with a context of its own).
func (s *Scheduler) execute(ctx context.Context, t Task, row runRow) {
	jobCtx, cancel := context.WithTimeout(ctx, s.opts.MaxRunTime)
	res, err := s.call(jobCtx, t, row.run())
	cancel()
	recCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if ferr := s.opts.Store.finish(recCtx, &row, res, err); ferr != nil {
		s.opts.Logger.Error("schedule: record run failed", "run_id", row.ID, "task_id", t.ID, "err", ferr)
		return
	}
	s.opts.Logger.Info("schedule: run finished", "run_id", row.ID, "task_id", t.ID, "kind", t.Kind,
		"trigger", row.RunTrigger, "status", row.Status, "err", err)
	if len(res.Sends) > 0 && err == nil && s.opts.Wake != nil {
		s.opts.Wake()
	}
}

// call runs t's job, turning a panic into an error.
func (s *Scheduler) call(ctx context.Context, t Task, r Run) (res Result, err error) {
	job := s.opts.Jobs[t.Kind]
	if job == nil {
		return Result{}, fmt.Errorf("此机器人未启用 %s 类任务 (no job for kind %s is wired)", t.Kind, t.Kind)
	}
	defer func() {
		if p := recover(); p != nil {
			s.opts.Logger.Error("schedule: job panicked", "task_id", t.ID, "panic", p)
			err = fmt.Errorf("任务执行出错 (job panicked): %v", p)
		}
	}()
	return job(ctx, t, r)
}

// startQueued picks up manual runs. A task already running here keeps its
// manual run queued until it is free.
func (s *Scheduler) startQueued(ctx context.Context) {
	rows, err := s.opts.Store.queued(ctx, 10)
	if err != nil {
		s.opts.Logger.Warn("schedule: find queued runs failed", "err", err)
		return
	}
	for _, row := range rows {
		if !s.acquire(row.TaskID) {
			continue
		}
		if !s.startManual(ctx, row) {
			s.release(row.TaskID)
		}
	}
}

// startManual claims a queued run and starts it; it reports whether it did.
func (s *Scheduler) startManual(ctx context.Context, row runRow) bool {
	won, err := s.opts.Store.start(ctx, row.ID, s.opts.Runner)
	if err != nil || !won {
		return false
	}
	now := storage.Timestamp(s.opts.Now())
	row.Status, row.Runner, row.StartedAt = string(RunRunning), s.opts.Runner, &now
	t, err := s.opts.Store.Get(ctx, row.TaskID)
	if err != nil {
		recCtx := context.WithoutCancel(ctx)
		_ = s.opts.Store.finish(recCtx, &row, Result{}, fmt.Errorf("读取任务失败 (load task): %w", err))
		return false
	}
	s.start(ctx, t, row)
	return true
}

// sweepInterrupted fails runs left running by a bot that stopped.
func (s *Scheduler) sweepInterrupted(ctx context.Context, now time.Time) {
	n, err := s.opts.Store.abandonInterrupted(ctx, now.Add(-s.opts.MaxRunTime-time.Minute))
	if err != nil {
		s.opts.Logger.Warn("schedule: sweep interrupted runs failed", "err", err)
		return
	}
	if n > 0 {
		s.opts.Logger.Warn("schedule: runs interrupted by a stop marked failed", "count", n)
	}
}
