package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/qunbot/qunbot/internal/schedule"
)

// tasksPerPage is the task list's page size; each row reads its last run,
// so the page stays short.
const tasksPerPage = 20

// runsPerPage is a run history's page size.
const runsPerPage = 30

// runLabels are the run statuses as operators read them.
var runLabels = map[schedule.RunStatus]string{
	schedule.RunQueued: "排队中", schedule.RunRunning: "运行中", schedule.RunSucceeded: "成功",
	schedule.RunFailed: "失败", schedule.RunSkipped: "跳过",
}

// triggerLabels say why a run happened.
var triggerLabels = map[schedule.Trigger]string{
	schedule.TriggerSchedule: "按时", schedule.TriggerCatchUp: "补跑", schedule.TriggerManual: "手动",
}

// taskListView is the scheduled tasks page.
type taskListView struct {
	Query string
	Tasks []taskRow
	Total int64
	Pager pager
}

// PageTitle names the page.
func (taskListView) PageTitle() string { return "定时任务" }

// taskRow is one line of the list.
type taskRow struct {
	schedule.Task
	KindLabel string
	Next      string
	LastRun   *schedule.Run
	LastLabel string
}

func (h *handler) taskList(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Schedule == nil {
		return errUnconfigured("定时任务", "scheduled tasks")
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	pg, err := pageParam(r)
	if err != nil {
		return err
	}
	tasks, total, err := h.opts.Schedule.List(r.Context(), schedule.Filter{Query: q, Limit: tasksPerPage, Offset: (pg - 1) * tasksPerPage})
	if err != nil {
		return err
	}
	v := taskListView{Query: q, Total: total, Pager: newPager("/tasks", url.Values{"q": {q}}, pg, tasksPerPage, total)}
	for _, t := range tasks {
		row := taskRow{Task: t, KindLabel: kindLabels[t.Kind], Next: "—"}
		if len(t.NextRuns) > 0 {
			row.Next = when(t.NextRuns[0])
		}
		// One indexed read per row, bounded by the page size.
		runs, _, err := h.opts.Schedule.Runs(r.Context(), t.ID, schedule.RunFilter{Limit: 1})
		if err != nil {
			return err
		}
		if len(runs) > 0 {
			row.LastRun, row.LastLabel = &runs[0], runLabels[runs[0].Status]
		}
		v.Tasks = append(v.Tasks, row)
	}
	h.render(w, r, http.StatusOK, "tasks", v)
	return nil
}

// taskRunsView is a task's run history.
type taskRunsView struct {
	Task  schedule.Task
	Runs  []runRow
	Total int64
	Pager pager
}

// PageTitle names the page.
func (v taskRunsView) PageTitle() string { return "运行记录 · " + v.Task.Name }

// runRow is one run as listed.
type runRow struct {
	schedule.Run
	StatusLabel, TriggerLabel string
}

func runRowOf(r schedule.Run) runRow {
	return runRow{Run: r, StatusLabel: runLabels[r.Status], TriggerLabel: triggerLabels[r.Trigger]}
}

func (h *handler) taskRuns(w http.ResponseWriter, r *http.Request) error {
	t, err := h.loadTask(r)
	if err != nil {
		return err
	}
	pg, err := pageParam(r)
	if err != nil {
		return err
	}
	runs, total, err := h.opts.Schedule.Runs(r.Context(), t.ID, schedule.RunFilter{Limit: runsPerPage, Offset: (pg - 1) * runsPerPage})
	if err != nil {
		return err
	}
	v := taskRunsView{Task: t, Total: total, Pager: newPager(fmt.Sprintf("/tasks/%d/runs", t.ID), nil, pg, runsPerPage, total)}
	for _, run := range runs {
		v.Runs = append(v.Runs, runRowOf(run))
	}
	h.render(w, r, http.StatusOK, "task_runs", v)
	return nil
}

// runView is one run with its outcome in each group.
type runView struct {
	runRow
	Detail schedule.RunDetail
	Counts []targetCount
}

// targetCount is how many groups are in one state.
type targetCount struct {
	Label string
	N     int64
}

// PageTitle names the page.
func (v runView) PageTitle() string { return "运行详情 · " + v.TaskName }

func (h *handler) runDetail(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Schedule == nil {
		return errUnconfigured("定时任务", "scheduled tasks")
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := h.opts.Schedule.GetRun(r.Context(), id)
	if err != nil {
		return err
	}
	v := runView{runRow: runRowOf(d.Run), Detail: d}
	for _, st := range []schedule.TargetStatus{schedule.TargetPending, schedule.TargetSent, schedule.TargetFailed, schedule.TargetSkipped, schedule.TargetUnknown} {
		if n := d.Counts[st]; n > 0 {
			v.Counts = append(v.Counts, targetCount{st.Label(d.Kind), n})
		}
	}
	h.render(w, r, http.StatusOK, "run", v)
	return nil
}

// taskAction runs, pauses or resumes the {id} task, then goes back to it.
func (h *handler) taskAction(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Schedule == nil {
		return errUnconfigured("定时任务", "scheduled tasks")
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	actor, ctx := sessionOf(r).User.Name(), r.Context()
	back := "/tasks/" + strconv.FormatInt(id, 10)
	switch r.PathValue("action") {
	case "run":
		run, err := h.opts.Schedule.RunNow(ctx, actor, id)
		if err != nil {
			return err
		}
		redirect(w, r, fmt.Sprintf("/runs/%d", run.ID), "ok", "已排队立即运行,机器人将在几秒内执行")
	case "pause":
		if _, err := h.opts.Schedule.Pause(ctx, actor, id); err != nil {
			return err
		}
		redirect(w, r, back, "ok", "任务已暂停")
	case "resume":
		if _, err := h.opts.Schedule.Resume(ctx, actor, id); err != nil {
			return err
		}
		redirect(w, r, back, "ok", "任务已恢复")
	default:
		return errPageNotFound
	}
	return nil
}
