package console_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/console"
	"github.com/qunbot/qunbot/internal/schedule"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

func newScheduleAPI(t *testing.T, db storagetest.DB) (api, *schedule.Store) {
	t.Helper()
	store := schedule.NewStore(db.DB, nil)
	s := httptest.NewServer(console.New(console.Options{Schedule: store, APIToken: token}))
	t.Cleanup(s.Close)
	return api{t: t, srv: s}, store
}

func weeklyTips() map[string]any {
	return map[string]any{
		"name": "每周二干货", "kind": "reminder", "cron": "0 9 * * 2",
		"reminder": map[string]any{"to_users": []string{"zhangsan"}, "text": "今天发干货"},
	}
}

func TestScheduleAPI_Lifecycle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		a, _ := newScheduleAPI(t, db)
		var task schedule.Task
		if status, body := a.call("POST", "/api/v1/tasks", weeklyTips(), &task); status != http.StatusCreated {
			t.Fatalf("create: %d %s", status, body)
		}
		if task.TimeZone != "Asia/Shanghai" || len(task.NextRuns) != 5 || task.NextRuns[0].Weekday() != time.Tuesday {
			t.Fatalf("created %+v", task)
		}
		var list struct {
			Items []schedule.Task `json:"items"`
			Total int64           `json:"total"`
		}
		if status, _ := a.call("GET", "/api/v1/tasks?kind=reminder", nil, &list); status != 200 || list.Total != 1 {
			t.Fatalf("list: %d %+v", status, list)
		}
		id := itoa(task.ID)
		task.Name = "周二干货"
		if status, body := a.call("PUT", "/api/v1/tasks/"+id, task, &task); status != 200 || task.Version != 2 {
			t.Fatalf("update: %d %s", status, body)
		}
		stale := task
		stale.Version = 1
		if status, _ := a.call("PUT", "/api/v1/tasks/"+id, stale, nil); status != http.StatusConflict {
			t.Fatalf("stale update: %d, want 409", status)
		}
		if status, _ := a.call("POST", "/api/v1/tasks/"+id+"/pause", nil, &task); status != 200 || task.Status != schedule.StatusPaused {
			t.Fatalf("pause: %d %+v", status, task)
		}
		if status, _ := a.call("POST", "/api/v1/tasks/"+id+"/resume", nil, &task); status != 200 || task.Status != schedule.StatusActive {
			t.Fatalf("resume: %d %+v", status, task)
		}
		var run schedule.Run
		if status, body := a.call("POST", "/api/v1/tasks/"+id+"/run", nil, &run); status != http.StatusAccepted || run.Status != schedule.RunQueued {
			t.Fatalf("run now: %d %s", status, body)
		}
		var runs struct {
			Items []schedule.Run `json:"items"`
			Total int64          `json:"total"`
		}
		if status, _ := a.call("GET", "/api/v1/tasks/"+id+"/runs", nil, &runs); status != 200 || runs.Total != 1 {
			t.Fatalf("runs: %d %+v", status, runs)
		}
		var detail schedule.RunDetail
		if status, body := a.call("GET", "/api/v1/runs/"+itoa(run.ID), nil, &detail); status != 200 || detail.ID != run.ID || detail.Counts == nil {
			t.Fatalf("run detail: %d %s", status, body)
		}
		if status, _ := a.call("DELETE", "/api/v1/tasks/"+id, nil, nil); status != http.StatusNoContent {
			t.Fatalf("delete: %d", status)
		}
		if status, _ := a.call("GET", "/api/v1/tasks/"+id, nil, nil); status != http.StatusNotFound {
			t.Fatalf("get deleted: %d", status)
		}
		if status, _ := a.call("GET", "/api/v1/runs/999", nil, nil); status != http.StatusNotFound {
			t.Fatalf("unknown run: %d", status)
		}
	})
}

func TestScheduleAPI_RefusesBadInput(t *testing.T) {
	a, _ := newScheduleAPI(t, storagetest.SQLite(t))
	bad := weeklyTips()
	bad["cron"] = "0 25 * * 2"
	status, body := a.call("POST", "/api/v1/tasks", bad, nil)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `"field":"cron"`) || !strings.Contains(body, "第 2 个字段") {
		t.Fatalf("bad cron: %d %s", status, body)
	}
	bad = weeklyTips()
	bad["colour"] = "red"
	if status, _ := a.call("POST", "/api/v1/tasks", bad, nil); status != http.StatusBadRequest {
		t.Fatalf("unknown field: %d", status)
	}
}

func TestScheduleAPI_Preview(t *testing.T) {
	a, _ := newScheduleAPI(t, storagetest.SQLite(t))
	tests := []struct {
		name   string
		req    map[string]any
		status int
		want   string
	}{
		{"five Tuesdays", map[string]any{"cron": "0 9 * * 2", "from": "2026-11-23T02:00:00Z"}, 200,
			`"next_runs":["2026-11-24T09:00:00+08:00","2026-12-01T09:00:00+08:00","2026-12-08T09:00:00+08:00","2026-12-15T09:00:00+08:00","2026-12-22T09:00:00+08:00"]`},
		{"zone", map[string]any{"cron": "0 9 * * *", "time_zone": "UTC", "from": "2026-11-23T02:00:00Z", "count": 1}, 200,
			`"next_runs":["2026-11-23T09:00:00Z"]`},
		{"bad field", map[string]any{"cron": "0 9 * 13 *"}, 422, `第 4 个字段(月,第 7 个字符起)`},
		{"bad zone", map[string]any{"cron": "0 9 * * *", "time_zone": "Moon/Base"}, 422, `"field":"time_zone"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := a.call("POST", "/api/v1/tasks/preview", tt.req, nil)
			if status != tt.status || !strings.Contains(body, tt.want) {
				t.Fatalf("%d %s, want %d with %s", status, body, tt.status, tt.want)
			}
		})
	}
}
