package schedule

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/storage"
)

// TargetStatus is where a run stands in one group.
type TargetStatus string

// Target statuses: pending until the send is confirmed (a 群发 waits for
// the owner, a bridge message for the outbox), then sent or failed; skipped
// when the group could not be aimed at (dismissed, unknown, no owner);
// unknown when WeCom gave nothing to ask about.
const (
	TargetPending TargetStatus = "pending"
	TargetSent    TargetStatus = "sent"
	TargetFailed  TargetStatus = "failed"
	TargetSkipped TargetStatus = "skipped"
	TargetUnknown TargetStatus = "unknown"
)

func allTargetStatuses() []TargetStatus {
	return []TargetStatus{TargetPending, TargetSent, TargetFailed, TargetSkipped, TargetUnknown}
}

// Label is the status as operators read it; a pending 群发 waits for the
// owner's confirmation, a pending group message for its send.
func (st TargetStatus) Label(k Kind) string {
	switch st {
	case TargetPending:
		if k == KindBroadcast {
			return "待确认"
		}
		return "待发送"
	case TargetSent:
		return "已发送"
	case TargetFailed:
		return "失败"
	case TargetSkipped:
		return "已跳过"
	}
	return "结果未知"
}

// Target is a run's outcome in one group.
type Target struct {
	ChatID      string       `json:"chat_id"`
	ChatName    string       `json:"chat_name"`
	OwnerUserID string       `json:"owner_userid"`
	OutboxID    *int64       `json:"outbox_id,omitempty"`
	MsgID       string       `json:"msgid,omitempty"` // the 群发's WeCom msgid
	Status      TargetStatus `json:"status"`
	StatusLabel string       `json:"status_label"`
	Detail      string       `json:"detail,omitempty"`
	SentAt      *time.Time   `json:"sent_at,omitempty"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

// targetRow is a row of schedule_run_targets.
type targetRow struct {
	ID          int64
	RunID       int64
	ChatID      string
	ChatName    string
	OwnerUserid string
	OutboxID    *int64
	Msgid       string
	Status      string
	Detail      string
	SentAt      *time.Time
	NextCheckAt *time.Time
	UpdatedAt   time.Time
}

// TableName tells gorm the table of targetRow.
func (targetRow) TableName() string { return "schedule_run_targets" }

func (r targetRow) target(k Kind) Target {
	st := TargetStatus(r.Status)
	return Target{ChatID: r.ChatID, ChatName: r.ChatName, OwnerUserID: r.OwnerUserid, OutboxID: r.OutboxID,
		MsgID: r.Msgid, Status: st, StatusLabel: st.Label(k), Detail: r.Detail, SentAt: utcPtr(r.SentAt),
		UpdatedAt: r.UpdatedAt.UTC()}
}

// targets returns the per-group outcomes of run id.
func (s *Store) targets(ctx context.Context, runID int64) ([]Target, error) {
	var run runRow
	if err := s.db.WithContext(ctx).Select("kind").Where("id = ?", runID).Take(&run).Error; err != nil {
		return nil, storage.Wrap(fmt.Sprintf("get run %d", runID), err)
	}
	var rows []targetRow
	if err := s.db.WithContext(ctx).Where("run_id = ?", runID).Order("id").Find(&rows).Error; err != nil {
		return nil, storage.Wrap(fmt.Sprintf("list targets of run %d", runID), err)
	}
	out := make([]Target, len(rows))
	for i, r := range rows {
		out[i] = r.target(Kind(run.Kind))
	}
	return out, nil
}

// Result is what a job did: a summary for operators, the sends to queue
// (queued together with the run's record, so a run's effects and its record
// commit or fail together), what it sent directly, its outcome per group
// and its warnings.
type Result struct {
	Summary  string
	Sends    []Send
	Sent     []Sent
	Targets  []Target
	Warnings []string
}

// Send is one outbox message a run queues, to whom (for the record) and
// which of the run's groups it speaks to.
type Send struct {
	Message outbox.Message
	To      string
	ChatIDs []string
}

// firstCheck is how soon after a run its sends are first checked.
const firstCheck = 30 * time.Second

// finish records how run ended: it queues the result's sends, stores its
// per-group outcomes and closes the run, all in one transaction. jobErr
// marks the run failed; its sends are then dropped.
func (s *Store) finish(ctx context.Context, run *runRow, res Result, jobErr error) error {
	now := s.clock.Now()
	if jobErr != nil {
		res.Sends = nil
	}
	sent := res.Sent
	err := retryDeadlock(func() error {
		res.Sent = sent
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return s.record(tx, run, res, jobErr, now) })
	})
	if err != nil {
		return storage.Wrap(fmt.Sprintf("record run %d", run.ID), err)
	}
	return nil
}

// record is finish's transaction.
func (s *Store) record(tx *gorm.DB, run *runRow, res Result, jobErr error, now time.Time) error {
	byChat, err := enqueueSends(tx, res.Sends, now, &res.Sent)
	if err != nil {
		return err
	}
	if err := insertTargets(tx, run.ID, res.Targets, byChat, now); err != nil {
		return err
	}
	closeRun(run, res, jobErr, now)
	return tx.Model(&runRow{}).Where("id = ?", run.ID).Select("status", "finished_at", "summary", "sent", "warnings", "error_text").Updates(run).Error
}

// enqueueSends queues sends and returns the outbox id speaking to each chat.
func enqueueSends(tx *gorm.DB, sends []Send, now time.Time, sent *[]Sent) (map[string]int64, error) {
	byChat := map[string]int64{}
	for _, snd := range sends {
		m := snd.Message
		inserted, err := outbox.EnqueueTx(tx, &m, now)
		if err != nil {
			return nil, err
		}
		if !inserted {
			if err := tx.Model(&outbox.Message{}).Select("id").Where("idempotency_key = ?", m.IdempotencyKey).Scan(&m.ID).Error; err != nil {
				return nil, err
			}
		}
		*sent = append(*sent, Sent{API: m.API, OutboxID: m.ID, To: snd.To})
		for _, c := range snd.ChatIDs {
			byChat[c] = m.ID
		}
	}
	return byChat, nil
}

func insertTargets(tx *gorm.DB, runID int64, targets []Target, byChat map[string]int64, now time.Time) error {
	if len(targets) == 0 {
		return nil
	}
	rows := make([]targetRow, 0, len(targets))
	check := now.Add(firstCheck)
	for _, t := range targets {
		r := targetRow{RunID: runID, ChatID: t.ChatID, ChatName: clip(t.ChatName, 128), OwnerUserid: t.OwnerUserID,
			Status: string(t.Status), Detail: clip(t.Detail, maxDetail), UpdatedAt: now}
		if id, ok := byChat[t.ChatID]; ok && t.Status == TargetPending {
			r.OutboxID, r.NextCheckAt = &id, &check
		}
		rows = append(rows, r)
	}
	return tx.CreateInBatches(rows, 200).Error
}

// closeRun sets the end of run from the job's result.
func closeRun(run *runRow, res Result, jobErr error, now time.Time) {
	run.Status, run.FinishedAt = string(RunSucceeded), &now
	if jobErr != nil {
		run.Status, run.ErrorText = string(RunFailed), clip(jobErr.Error(), maxError)
	}
	run.Summary = clip(res.Summary, maxSummary)
	run.Sent = mustJSON(nonNil(res.Sent))
	if len(res.Warnings) > maxWarnings {
		extra := len(res.Warnings) - maxWarnings
		res.Warnings = append(res.Warnings[:maxWarnings], fmt.Sprintf("另有 %d 条警告未列出 (%d more warnings)", extra, extra))
	}
	run.Warnings = mustJSON(nonNil(res.Warnings))
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// mustJSON encodes v, which is made only of strings and numbers.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "[]"
	}
	return string(b)
}

// dueTargets returns up to limit pending outcomes whose check is due.
func (s *Store) dueTargets(ctx context.Context, limit int) ([]targetRow, error) {
	var rows []targetRow
	err := s.db.WithContext(ctx).Where("status = ? AND next_check_at <= ? AND outbox_id IS NOT NULL", TargetPending, s.clock.Now()).
		Order("next_check_at, id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, storage.Wrap("find outcomes to check", err)
	}
	return rows, nil
}

// saveTarget stores a checked outcome.
func (s *Store) saveTarget(ctx context.Context, r targetRow) error {
	r.UpdatedAt, r.Detail = s.clock.Now(), clip(r.Detail, maxDetail)
	err := s.db.WithContext(ctx).Model(&targetRow{}).Where("id = ?", r.ID).
		Select("msgid", "status", "detail", "sent_at", "next_check_at", "updated_at").Updates(&r).Error
	if err != nil {
		return storage.Wrap(fmt.Sprintf("save outcome of run %d in %s", r.RunID, r.ChatID), err)
	}
	return nil
}
