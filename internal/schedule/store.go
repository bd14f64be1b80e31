package schedule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	mysql "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage"
)

// Store keeps tasks, their runs and the runs' per-group outcomes. It is safe
// for concurrent use and for several replicas sharing one database; the
// console and the bot each hold one.
type Store struct {
	db    *gorm.DB
	clock storage.Clock
}

// NewStore returns a Store over db. now is the clock (nil means time.Now).
func NewStore(db *gorm.DB, now func() time.Time) *Store {
	return &Store{db: db, clock: now}
}

// previewCount is how many next activations Get and List show.
const previewCount = 5

// taskRow is a row of schedule_tasks.
type taskRow struct {
	ID           int64
	Name         string
	Kind         string
	Cron         string
	TimeZone     string
	GraceMinutes int
	Status       string
	Spec         string
	Version      int64
	ActiveSince  time.Time
	CreatedBy    string
	UpdatedBy    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	DeletedAt    *time.Time
}

// TableName tells gorm the table of taskRow.
func (taskRow) TableName() string { return "schedule_tasks" }

// taskSpec is the JSON of the spec column.
type taskSpec struct {
	Broadcast    *BroadcastSpec    `json:"broadcast,omitempty"`
	GroupMessage *GroupMessageSpec `json:"group_message,omitempty"`
	Reminder     *ReminderSpec     `json:"reminder,omitempty"`
	Report       *ReportSpec       `json:"report,omitempty"`
	Webhook      *WebhookSpec      `json:"webhook,omitempty"`
}

func toRow(t *Task) (taskRow, error) {
	spec, err := json.Marshal(taskSpec{t.Broadcast, t.GroupMessage, t.Reminder, t.Report, t.Webhook})
	if err != nil {
		return taskRow{}, fmt.Errorf("encode task spec: %w", err)
	}
	return taskRow{ID: t.ID, Name: t.Name, Kind: string(t.Kind), Cron: t.Cron, TimeZone: t.TimeZone,
		GraceMinutes: *t.GraceMinutes, Status: string(t.Status), Spec: string(spec), Version: t.Version,
		ActiveSince: t.ActiveSince, CreatedBy: t.CreatedBy, UpdatedBy: t.UpdatedBy,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}, nil
}

func (r taskRow) task() (Task, error) {
	var spec taskSpec
	if err := json.Unmarshal([]byte(r.Spec), &spec); err != nil {
		return Task{}, fmt.Errorf("decode spec of task %d: %w", r.ID, err)
	}
	grace := r.GraceMinutes
	return Task{ID: r.ID, Name: r.Name, Kind: Kind(r.Kind), Cron: r.Cron, TimeZone: r.TimeZone,
		GraceMinutes: &grace, Status: Status(r.Status), Broadcast: spec.Broadcast, GroupMessage: spec.GroupMessage,
		Reminder: spec.Reminder, Report: spec.Report, Webhook: spec.Webhook, Version: r.Version,
		ActiveSince: r.ActiveSince.UTC(), CreatedBy: r.CreatedBy, UpdatedBy: r.UpdatedBy,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}, nil
}

// withNextRuns fills t.NextRuns when t is active.
func (s *Store) withNextRuns(t Task) Task {
	if t.Status == StatusActive {
		t.NextRuns, _ = Preview(t.Cron, t.TimeZone, s.clock.Raw(), previewCount)
	}
	return t
}

// change runs fn in a transaction that also bumps the change marker, so
// that running schedulers notice.
func (s *Store) change(ctx context.Context, op string, fn func(tx *gorm.DB) error) error {
	err := retryDeadlock(func() error {
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := fn(tx); err != nil {
				return err
			}
			return tx.Table("schedule_state").Where("id = 1").Update("version", gorm.Expr("version + 1")).Error
		})
	})
	if err != nil && !isFault(err) {
		return storage.Wrap(op, err)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

func isFault(err error) bool {
	for _, f := range []error{fault.ErrNotFound, fault.ErrInvalid, fault.ErrConflict} {
		if errors.Is(err, f) {
			return true
		}
	}
	return false
}

// Version returns the change marker: it grows with every saved change to a
// task and every "run now".
func (s *Store) Version(ctx context.Context) (int64, error) {
	var v int64
	err := s.db.WithContext(ctx).Table("schedule_state").Where("id = 1").Select("version").Scan(&v).Error
	if err != nil {
		return 0, storage.Wrap("read schedule version", err)
	}
	return v, nil
}

// Create validates and saves t as a new task by actor; it sets the ids,
// times and version of t.
func (s *Store) Create(ctx context.Context, actor string, t *Task) error {
	now := s.clock.Now()
	if err := validate(t, now); err != nil {
		return fmt.Errorf("create task: %w", err)
	}
	t.ID, t.Version, t.CreatedBy, t.UpdatedBy = 0, 1, actor, actor
	t.CreatedAt, t.UpdatedAt, t.ActiveSince = now, now, now
	row, err := toRow(t)
	if err != nil {
		return err
	}
	if err := s.change(ctx, "create task", func(tx *gorm.DB) error { return tx.Create(&row).Error }); err != nil {
		return err
	}
	t.ID = row.ID
	*t = s.withNextRuns(*t)
	return nil
}

// Get returns task id, or an error matching fault.ErrNotFound.
func (s *Store) Get(ctx context.Context, id int64) (Task, error) {
	row, err := getTask(s.db.WithContext(ctx), id)
	if err != nil {
		return Task{}, err
	}
	t, err := row.task()
	if err != nil {
		return Task{}, err
	}
	return s.withNextRuns(t), nil
}

func getTask(tx *gorm.DB, id int64) (taskRow, error) {
	var row taskRow
	err := tx.Where("id = ? AND deleted_at IS NULL", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return taskRow{}, fmt.Errorf("任务 %d 不存在 (task %d): %w", id, id, fault.ErrNotFound)
	}
	if err != nil {
		return taskRow{}, storage.Wrap(fmt.Sprintf("get task %d", id), err)
	}
	return row, nil
}

// List returns the tasks f selects, newest first, and how many it selects
// in all.
func (s *Store) List(ctx context.Context, f Filter) ([]Task, int64, error) {
	q := s.db.WithContext(ctx).Model(&taskRow{}).Where("deleted_at IS NULL")
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Query != "" {
		q = q.Where("name LIKE ?", "%"+escapeLike(f.Query)+"%")
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, storage.Wrap("count tasks", err)
	}
	var rows []taskRow
	if err := q.Order("id DESC").Limit(storage.PageSize(f.Limit)).Offset(max(f.Offset, 0)).Find(&rows).Error; err != nil {
		return nil, 0, storage.Wrap("list tasks", err)
	}
	tasks := make([]Task, 0, len(rows))
	for _, r := range rows {
		t, err := r.task()
		if err != nil {
			return nil, 0, err
		}
		tasks = append(tasks, s.withNextRuns(t))
	}
	return tasks, total, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// active returns every active task, for the scheduler.
func (s *Store) active(ctx context.Context) ([]Task, error) {
	var rows []taskRow
	if err := s.db.WithContext(ctx).Where("deleted_at IS NULL AND status = ?", StatusActive).Order("id").Find(&rows).Error; err != nil {
		return nil, storage.Wrap("load active tasks", err)
	}
	tasks := make([]Task, 0, len(rows))
	for _, r := range rows {
		t, err := r.task()
		if err != nil {
			return nil, err
		}
		tasks = append(tasks, t)
	}
	return tasks, nil
}

// Update saves t by actor. t.Version must be the version it was read at: a
// change saved meanwhile answers fault.ErrConflict. Status is kept as
// stored (Pause and Resume change it).
func (s *Store) Update(ctx context.Context, actor string, t *Task) error {
	now := s.clock.Now()
	err := s.change(ctx, fmt.Sprintf("update task %d", t.ID), func(tx *gorm.DB) error {
		old, err := getTask(tx, t.ID)
		if err != nil {
			return err
		}
		if t.Version != old.Version {
			return fmt.Errorf("任务已被他人修改,请刷新后重试 (task changed meanwhile: version %d, yours %d): %w", old.Version, t.Version, fault.ErrConflict)
		}
		t.Status = Status(old.Status)
		if err := validate(t, now); err != nil {
			return err
		}
		t.Version, t.UpdatedBy, t.UpdatedAt = old.Version+1, actor, now
		t.CreatedBy, t.CreatedAt, t.ActiveSince = old.CreatedBy, old.CreatedAt, old.ActiveSince
		if t.Cron != old.Cron || t.TimeZone != old.TimeZone {
			t.ActiveSince = now
		}
		row, err := toRow(t)
		if err != nil {
			return err
		}
		return tx.Model(&taskRow{}).Where("id = ? AND version = ?", t.ID, old.Version).Select("*").Omit("deleted_at").Updates(&row).Error
	})
	if err != nil {
		return err
	}
	*t = s.withNextRuns(*t)
	return nil
}

// Delete removes task id; its runs stay on record.
func (s *Store) Delete(ctx context.Context, actor string, id int64) error {
	return s.change(ctx, fmt.Sprintf("delete task %d", id), func(tx *gorm.DB) error {
		if _, err := getTask(tx, id); err != nil {
			return err
		}
		now := s.clock.Now()
		return tx.Model(&taskRow{}).Where("id = ?", id).Updates(map[string]any{
			"deleted_at": now, "updated_at": now, "updated_by": actor, "version": gorm.Expr("version + 1"),
		}).Error
	})
}

// Pause stops task id running on its schedule ("run now" still works).
func (s *Store) Pause(ctx context.Context, actor string, id int64) (Task, error) {
	return s.setStatus(ctx, actor, id, StatusPaused)
}

// Resume runs task id on its schedule again from now: occurrences while it
// was paused are not missed runs.
func (s *Store) Resume(ctx context.Context, actor string, id int64) (Task, error) {
	return s.setStatus(ctx, actor, id, StatusActive)
}

func (s *Store) setStatus(ctx context.Context, actor string, id int64, st Status) (Task, error) {
	err := s.change(ctx, fmt.Sprintf("set task %d %s", id, st), func(tx *gorm.DB) error {
		old, err := getTask(tx, id)
		if err != nil || old.Status == string(st) {
			return err
		}
		now := s.clock.Now()
		set := map[string]any{"status": st, "updated_at": now, "updated_by": actor, "version": gorm.Expr("version + 1")}
		if st == StatusActive {
			set["active_since"] = now
		}
		return tx.Model(&taskRow{}).Where("id = ?", id).Updates(set).Error
	})
	if err != nil {
		return Task{}, err
	}
	return s.Get(ctx, id)
}

// deadlockTries is how often a transaction MySQL picked as a deadlock
// victim is tried in all.
const deadlockTries = 5

// retryDeadlock runs fn again when MySQL rolled it back as a deadlock
// victim (1213) or after a lock wait timeout (1205): replicas claiming and
// recording runs at the same instant take gap locks on the same index.
func retryDeadlock(fn func() error) error {
	var err error
	for i := range deadlockTries {
		if err = fn(); err == nil || !isDeadlock(err) {
			return err
		}
		time.Sleep(time.Duration(i+1) * 10 * time.Millisecond)
	}
	return err
}

func isDeadlock(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}
