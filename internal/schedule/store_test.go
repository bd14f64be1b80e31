package schedule_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/schedule"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

func TestStore_Lifecycle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		clock := newClock()
		s := schedule.NewStore(db.DB, clock.Now)
		v0, _ := s.Version(ctx)
		task := create(t, s, reminderTask("周二干货提醒", "0 9 * * 2"))
		if task.ID == 0 || task.Version != 1 || task.Status != schedule.StatusActive || task.TimeZone != "Asia/Shanghai" || *task.GraceMinutes != 10 {
			t.Fatalf("created %+v", task)
		}
		if len(task.NextRuns) != 5 || !task.NextRuns[0].Equal(shanghai(24, 9, 0)) {
			t.Fatalf("next runs %v, want 5 from Tuesday 09:00", task.NextRuns)
		}
		got, err := s.Get(ctx, task.ID)
		if err != nil || got.Reminder == nil || got.Reminder.Text != "记得发周二干货" {
			t.Fatalf("get: %+v %v", got, err)
		}

		got.Name = "周二干货"
		if err := s.Update(ctx, "tester", &got); err != nil {
			t.Fatalf("update: %v", err)
		}
		stale := task
		stale.Name = "stale"
		if err := s.Update(ctx, "tester", &stale); !errors.Is(err, fault.ErrConflict) {
			t.Fatalf("stale update: %v, want conflict", err)
		}

		paused, err := s.Pause(ctx, "tester", task.ID)
		if err != nil || paused.Status != schedule.StatusPaused || len(paused.NextRuns) != 0 {
			t.Fatalf("pause: %+v %v", paused, err)
		}
		clock.Advance(3600e9)
		resumed, err := s.Resume(ctx, "tester", task.ID)
		if err != nil || resumed.Status != schedule.StatusActive || !resumed.ActiveSince.Equal(clock.Now()) {
			t.Fatalf("resume: %+v %v", resumed, err)
		}

		list, total, err := s.List(ctx, schedule.Filter{Query: "干货"})
		if err != nil || total != 1 || len(list) != 1 {
			t.Fatalf("list: %d %v", total, err)
		}
		if err := s.Delete(ctx, "tester", task.ID); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if _, err := s.Get(ctx, task.ID); !errors.Is(err, fault.ErrNotFound) {
			t.Fatalf("get deleted: %v", err)
		}
		if _, _, err := s.Runs(ctx, task.ID, schedule.RunFilter{}); err != nil {
			t.Fatalf("runs of a deleted task: %v", err)
		}
		if v, _ := s.Version(ctx); v != v0+5 {
			t.Errorf("version %d, want %d after five changes", v, v0+5)
		}
	})
}

func TestStore_CreateRefusesBadInput(t *testing.T) {
	s := schedule.NewStore(storagetest.SQLite(t).DB, newClock().Now)
	webhook := func(w schedule.WebhookSpec) schedule.Task {
		return schedule.Task{Name: "hook", Kind: schedule.KindWebhook, Cron: "* * * * *", Webhook: &w}
	}
	tests := []struct {
		name  string
		task  schedule.Task
		field string
		text  string
	}{
		{"no name", reminderTask(" ", "0 9 * * 2"), "name", "不能为空"},
		{"bad cron", reminderTask("x", "0 9 * * 8"), "cron", "第 5 个字段"},
		{"bad zone", func() schedule.Task { t := reminderTask("x", "0 9 * * 2"); t.TimeZone = "Nowhere/City"; return t }(), "time_zone", "未知时区"},
		{"grace", func() schedule.Task { t := reminderTask("x", "0 9 * * 2"); t.GraceMinutes = intp(-1); return t }(), "grace_minutes", "补跑窗口"},
		{"unknown kind", schedule.Task{Name: "x", Kind: "fax", Cron: "0 9 * * *"}, "kind", "任务类型"},
		{"missing part", schedule.Task{Name: "x", Kind: schedule.KindReport, Cron: "0 9 * * *"}, "report", "缺少"},
		{"two parts", func() schedule.Task {
			t := reminderTask("x", "0 9 * * 2")
			t.Webhook = &schedule.WebhookSpec{URL: "https://example.com"}
			return t
		}(), "webhook", "不能带"},
		{"no recipients", schedule.Task{Name: "x", Kind: schedule.KindReminder, Cron: "0 9 * * *", Reminder: &schedule.ReminderSpec{Text: "hi"}}, "reminder.to_users", "至少一位"},
		{"report period", schedule.Task{Name: "x", Kind: schedule.KindReport, Cron: "0 9 * * *", Report: &schedule.ReportSpec{Period: "hourly", ToUsers: []string{"a"}}}, "report.period", "daily"},
		{"no audience", schedule.Task{Name: "x", Kind: schedule.KindBroadcast, Cron: "0 9 * * 2", Broadcast: &schedule.BroadcastSpec{Content: schedule.Content{Text: "hi"}}}, "broadcast.audience", "至少一个群"},
		{"no content", schedule.Task{Name: "x", Kind: schedule.KindBroadcast, Cron: "0 9 * * 2", Broadcast: &schedule.BroadcastSpec{Audience: schedule.Selector{Tags: []string{"vip"}}}}, "broadcast.text", "不能都为空"},
		{"bad attachment", schedule.Task{Name: "x", Kind: schedule.KindBroadcast, Cron: "0 9 * * 2", Broadcast: &schedule.BroadcastSpec{Audience: schedule.Selector{Tags: []string{"vip"}},
			Content: schedule.Content{Attachments: []schedule.Attachment{{Type: "link", URL: "https://x"}}}}}, "broadcast.attachments[0]", "title"},
		{"bridge video", schedule.Task{Name: "x", Kind: schedule.KindGroupMessage, Cron: "0 9 * * 2", GroupMessage: &schedule.GroupMessageSpec{Audience: schedule.Selector{ChatIDs: []string{"wr1"}},
			Content: schedule.Content{Attachments: []schedule.Attachment{{Type: "video", MediaID: "m"}}}}}, "group_message.attachments[0]", "不支持"},
		{"webhook url", webhook(schedule.WebhookSpec{URL: "ftp://x"}), "webhook.url", "http"},
		{"webhook body", webhook(schedule.WebhookSpec{URL: "https://x", Body: json.RawMessage(`{"a":`)}), "webhook.body", "JSON"},
		{"webhook timeout", webhook(schedule.WebhookSpec{URL: "https://x", TimeoutSeconds: 61}), "webhook.timeout_seconds", "60"},
		{"webhook header", webhook(schedule.WebhookSpec{URL: "https://x", Headers: map[string]string{"Host": "evil"}}), "webhook.headers", "不允许"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Create(context.Background(), "tester", &tt.task)
			var fields fault.Fields
			if !errors.As(err, &fields) {
				t.Fatalf("err = %v, want fault.Fields", err)
			}
			for _, f := range fields {
				if f.Field == tt.field && strings.Contains(f.Message, tt.text) {
					return
				}
			}
			t.Errorf("fields %v lack %s containing %q", fields, tt.field, tt.text)
		})
	}
}

func TestStore_RunNowQueuesAManualRun(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		clock := newClock()
		s := schedule.NewStore(db.DB, clock.Now)
		task := create(t, s, reminderTask("提醒", "0 9 * * 2"))
		task, _ = s.Pause(ctx, "tester", task.ID)
		run, err := s.RunNow(ctx, "alice", task.ID)
		if err != nil || run.Status != schedule.RunQueued || run.Trigger != schedule.TriggerManual || run.Actor != "alice" || !run.ScheduledAt.Equal(clock.Now()) {
			t.Fatalf("run now: %+v %v", run, err)
		}
		if _, err := s.RunNow(ctx, "alice", task.ID); !errors.Is(err, fault.ErrConflict) {
			t.Fatalf("second run in the same instant: %v, want conflict", err)
		}
		if _, err := s.RunNow(ctx, "alice", 999); !errors.Is(err, fault.ErrNotFound) {
			t.Fatalf("run unknown task: %v", err)
		}
		d, err := s.GetRun(ctx, run.ID)
		if err != nil || d.ID != run.ID || len(d.Targets) != 0 || d.Counts[schedule.TargetPending] != 0 {
			t.Fatalf("get run: %+v %v", d, err)
		}
	})
}
