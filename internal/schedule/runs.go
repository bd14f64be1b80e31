package schedule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage"
)

// Trigger says why a run happened.
type Trigger string

// Triggers of a run.
const (
	TriggerSchedule Trigger = "schedule" // on time
	TriggerCatchUp  Trigger = "catchup"  // late, within the grace window, after the bot was down
	TriggerManual   Trigger = "manual"   // "run now"
)

// RunStatus is where a run is.
type RunStatus string

// Run statuses. A manual run is queued until a bot picks it up; a run is
// running while its job works, then succeeded or failed; an occurrence that
// did not run (missed, or the previous run still busy) is skipped.
const (
	RunQueued    RunStatus = "queued"
	RunRunning   RunStatus = "running"
	RunSucceeded RunStatus = "succeeded"
	RunFailed    RunStatus = "failed"
	RunSkipped   RunStatus = "skipped"
)

// Run is one run of a task: when it was due, when it ran, how it ended,
// what it sent and what went wrong.
type Run struct {
	ID          int64      `json:"id"`
	TaskID      int64      `json:"task_id"`
	TaskName    string     `json:"task_name"`
	Kind        Kind       `json:"kind"`
	Trigger     Trigger    `json:"trigger"`
	ScheduledAt time.Time  `json:"scheduled_at"`
	Status      RunStatus  `json:"status"`
	Runner      string     `json:"runner"` // the bot replica that ran it
	Actor       string     `json:"actor,omitempty"`
	StartedAt   *time.Time `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at"`
	Summary     string     `json:"summary"`
	Sent        []Sent     `json:"sent"`
	Warnings    []string   `json:"warnings"`
	Error       string     `json:"error"`
	CreatedAt   time.Time  `json:"created_at"`
}

// Sent is one thing a run sent: an outbox message (API and id), or a
// direct call (a webhook) with its answer.
type Sent struct {
	API      string `json:"api"`
	OutboxID int64  `json:"outbox_id,omitempty"`
	To       string `json:"to"`
	Detail   string `json:"detail,omitempty"`
}

// runRow is a row of schedule_runs.
type runRow struct {
	ID          int64
	TaskID      int64
	TaskName    string
	Kind        string
	Manual      bool
	RunTrigger  string
	ScheduledAt time.Time
	Status      string
	Runner      string
	Actor       string
	StartedAt   *time.Time
	FinishedAt  *time.Time
	Summary     string
	Sent        string
	Warnings    string
	ErrorText   string
	CreatedAt   time.Time
}

// TableName tells gorm the table of runRow.
func (runRow) TableName() string { return "schedule_runs" }

// Column sizes of schedule_runs and schedule_run_targets (characters).
const (
	maxSummary    = 1024
	maxError      = 8000
	maxDetail     = 512
	maxRunnerName = 128
	maxWarnings   = 500
)

func (r runRow) run() Run {
	out := Run{ID: r.ID, TaskID: r.TaskID, TaskName: r.TaskName, Kind: Kind(r.Kind), Trigger: Trigger(r.RunTrigger),
		ScheduledAt: r.ScheduledAt.UTC(), Status: RunStatus(r.Status), Runner: r.Runner, Actor: r.Actor,
		StartedAt: utcPtr(r.StartedAt), FinishedAt: utcPtr(r.FinishedAt), Summary: r.Summary, Error: r.ErrorText,
		CreatedAt: r.CreatedAt.UTC(), Sent: []Sent{}, Warnings: []string{}}
	_ = json.Unmarshal([]byte(r.Sent), &out.Sent)
	_ = json.Unmarshal([]byte(r.Warnings), &out.Warnings)
	return out
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// newRun is the row of an occurrence of t at scheduledAt.
func newRun(t Task, at time.Time, trig Trigger, status RunStatus, now time.Time) runRow {
	return runRow{TaskID: t.ID, TaskName: t.Name, Kind: string(t.Kind), Manual: trig == TriggerManual,
		RunTrigger: string(trig), ScheduledAt: storage.Timestamp(at), Status: string(status), Sent: "[]", Warnings: "[]",
		CreatedAt: now}
}

// claim inserts the run of an occurrence and reports whether this caller
// won it: of several replicas inserting the same (task, scheduled time),
// exactly one succeeds.
func (s *Store) claim(ctx context.Context, r *runRow) (bool, error) {
	var ok bool
	err := retryDeadlock(func() (err error) {
		r.ID = 0
		ok, err = storage.InsertOnce(s.db.WithContext(ctx), r)
		return err
	})
	if err != nil {
		return false, storage.Wrap(fmt.Sprintf("claim run of task %d at %s", r.TaskID, r.ScheduledAt.Format(time.RFC3339)), err)
	}
	return ok, nil
}

// lastOccurrence returns the latest scheduled time of task id on record
// (manual runs aside), or the zero time.
func (s *Store) lastOccurrence(ctx context.Context, id int64) (time.Time, error) {
	var rows []runRow
	err := s.db.WithContext(ctx).Select("scheduled_at").Where("task_id = ? AND manual = ?", id, false).
		Order("scheduled_at DESC").Limit(1).Find(&rows).Error
	if err != nil {
		return time.Time{}, storage.Wrap(fmt.Sprintf("last run of task %d", id), err)
	}
	if len(rows) == 0 {
		return time.Time{}, nil
	}
	return rows[0].ScheduledAt.UTC(), nil
}

// RunNow queues a manual run of task id (paused or not) by actor; a bot
// picks it up within a second or two.
func (s *Store) RunNow(ctx context.Context, actor string, id int64) (Run, error) {
	var row runRow
	err := s.change(ctx, fmt.Sprintf("run task %d now", id), func(tx *gorm.DB) error {
		tr, err := getTask(tx, id)
		if err != nil {
			return err
		}
		t, err := tr.task()
		if err != nil {
			return err
		}
		now := s.clock.Now()
		row = newRun(t, now, TriggerManual, RunQueued, now)
		row.Actor = clip(actor, 64)
		ok, err := storage.InsertOnce(tx, &row)
		if err == nil && !ok {
			err = fmt.Errorf("任务刚刚已手动执行,请稍后再试 (a manual run was just queued): %w", fault.ErrConflict)
		}
		return err
	})
	if err != nil {
		return Run{}, err
	}
	return row.run(), nil
}

// queued returns up to limit manual runs waiting for a bot, oldest first.
func (s *Store) queued(ctx context.Context, limit int) ([]runRow, error) {
	var rows []runRow
	err := s.db.WithContext(ctx).Where("status = ?", RunQueued).Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, storage.Wrap("find queued runs", err)
	}
	return rows, nil
}

// start moves a queued run to running for runner; of several replicas only
// one succeeds.
func (s *Store) start(ctx context.Context, id int64, runner string) (bool, error) {
	var won bool
	err := retryDeadlock(func() error {
		res := s.db.WithContext(ctx).Model(&runRow{}).Where("id = ? AND status = ?", id, RunQueued).
			Updates(map[string]any{"status": RunRunning, "runner": runner, "started_at": s.clock.Now()})
		won = res.RowsAffected == 1
		return res.Error
	})
	if err != nil {
		return false, storage.Wrap(fmt.Sprintf("start run %d", id), err)
	}
	return won, nil
}

// abandonInterrupted fails the runs still running that started before
// cutoff: the bot running them stopped during the run.
func (s *Store) abandonInterrupted(ctx context.Context, cutoff time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Model(&runRow{}).Where("status = ? AND started_at < ?", RunRunning, storage.Timestamp(cutoff)).
		Updates(map[string]any{"status": RunFailed, "finished_at": s.clock.Now(),
			"error_text": "执行中断:机器人在执行期间停止,未重新执行以免重复发送 (interrupted: the bot stopped during the run; not repeated to avoid a duplicate send)"})
	if res.Error != nil {
		return 0, storage.Wrap("fail interrupted runs", res.Error)
	}
	return res.RowsAffected, nil
}

// RunFilter selects runs for Runs.
type RunFilter struct {
	Status RunStatus
	Limit  int // default 50, at most 500
	Offset int
}

// Runs returns the runs of task taskID that f selects, newest first, and
// how many it selects in all. A deleted task's runs stay readable.
func (s *Store) Runs(ctx context.Context, taskID int64, f RunFilter) ([]Run, int64, error) {
	q := s.db.WithContext(ctx).Model(&runRow{}).Where("task_id = ?", taskID)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, storage.Wrap(fmt.Sprintf("count runs of task %d", taskID), err)
	}
	if total == 0 {
		if _, err := s.anyTask(ctx, taskID); err != nil {
			return nil, 0, err
		}
	}
	var rows []runRow
	err := q.Order("scheduled_at DESC, id DESC").Limit(storage.PageSize(f.Limit)).Offset(max(f.Offset, 0)).Find(&rows).Error
	if err != nil {
		return nil, 0, storage.Wrap(fmt.Sprintf("list runs of task %d", taskID), err)
	}
	runs := make([]Run, len(rows))
	for i, r := range rows {
		runs[i] = r.run()
	}
	return runs, total, nil
}

// anyTask finds task id even when deleted.
func (s *Store) anyTask(ctx context.Context, id int64) (taskRow, error) {
	var row taskRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return taskRow{}, fmt.Errorf("任务 %d 不存在 (task %d): %w", id, id, fault.ErrNotFound)
	}
	if err != nil {
		return taskRow{}, storage.Wrap(fmt.Sprintf("get task %d", id), err)
	}
	return row, nil
}

// RunDetail is a run with its outcome in each group and the count of
// groups in each state.
type RunDetail struct {
	Run
	Targets []Target               `json:"targets"`
	Counts  map[TargetStatus]int64 `json:"counts"`
}

// GetRun returns run id with its per-group outcomes, or an error matching
// fault.ErrNotFound.
func (s *Store) GetRun(ctx context.Context, id int64) (RunDetail, error) {
	var row runRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return RunDetail{}, fmt.Errorf("执行记录 %d 不存在 (run %d): %w", id, id, fault.ErrNotFound)
	}
	if err != nil {
		return RunDetail{}, storage.Wrap(fmt.Sprintf("get run %d", id), err)
	}
	targets, err := s.targets(ctx, id)
	if err != nil {
		return RunDetail{}, err
	}
	d := RunDetail{Run: row.run(), Targets: targets, Counts: map[TargetStatus]int64{}}
	for _, st := range allTargetStatuses() {
		d.Counts[st] = 0
	}
	for _, t := range targets {
		d.Counts[t.Status]++
	}
	return d, nil
}
