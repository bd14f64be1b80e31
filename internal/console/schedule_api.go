package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/httpx"
	"github.com/qunbot/qunbot/internal/schedule"
)

// scheduleRoutes are the endpoints of scheduled tasks (定时任务) and their
// runs; docs/openapi/schedule.yaml documents them.
var scheduleRoutes = []apiRoute{
	{"GET /api/v1/tasks", (*Server).listTasks},
	{"POST /api/v1/tasks", (*Server).createTask},
	{"POST /api/v1/tasks/preview", (*Server).previewTask},
	{"GET /api/v1/tasks/{id}", (*Server).getTask},
	{"PUT /api/v1/tasks/{id}", (*Server).updateTask},
	{"DELETE /api/v1/tasks/{id}", (*Server).deleteTask},
	{"POST /api/v1/tasks/{id}/run", (*Server).runTask},
	{"POST /api/v1/tasks/{id}/pause", (*Server).pauseTask},
	{"POST /api/v1/tasks/{id}/resume", (*Server).resumeTask},
	{"GET /api/v1/tasks/{id}/runs", (*Server).listRuns},
	{"GET /api/v1/runs/{id}", (*Server).getRun},
}

func (s *Server) listTasks(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := schedule.Filter{Kind: schedule.Kind(q.Get("kind")), Status: schedule.Status(q.Get("status")), Query: q.Get("q")}
	var err error
	if f.Limit, f.Offset, err = paging(r); err != nil {
		return err
	}
	tasks, total, err := s.opts.Schedule.List(r.Context(), f)
	return answer(w, http.StatusOK, page[schedule.Task]{Items: tasks, Total: total}, err)
}

func (s *Server) createTask(w http.ResponseWriter, r *http.Request) error {
	return saveBody(w, r, wired(s.opts.Schedule), http.StatusCreated,
		func(st *schedule.Store, ctx context.Context, t *schedule.Task) error {
			t.ID = 0
			return st.Create(ctx, actor(r), t)
		})
}

func (s *Server) getTask(w http.ResponseWriter, r *http.Request) error {
	return answerByID(w, r, wired(s.opts.Schedule), (*schedule.Store).Get)
}

// updateTask saves a whole task. It must carry the version it was read at:
// a change saved meanwhile answers 409. Its status is changed only by
// pause and resume.
func (s *Server) updateTask(w http.ResponseWriter, r *http.Request) error {
	return replaceByID(w, r, wired(s.opts.Schedule),
		func(st *schedule.Store, ctx context.Context, id int64, t *schedule.Task) error {
			t.ID = id
			return st.Update(ctx, actor(r), t)
		})
}

func (s *Server) deleteTask(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return noContent(w, s.opts.Schedule.Delete(r.Context(), actor(r), id))
}

// runTask queues a manual run ("run now"); a bot picks it up within a
// second or two. The answer is the queued run, to follow with GET
// /api/v1/runs/{id}.
func (s *Server) runTask(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	run, err := s.opts.Schedule.RunNow(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/runs/%d", run.ID))
	httpx.WriteJSON(w, http.StatusAccepted, run)
	return nil
}

func (s *Server) pauseTask(w http.ResponseWriter, r *http.Request) error {
	return s.setTaskStatus(w, r, s.opts.Schedule.Pause)
}

func (s *Server) resumeTask(w http.ResponseWriter, r *http.Request) error {
	return s.setTaskStatus(w, r, s.opts.Schedule.Resume)
}

func (s *Server) setTaskStatus(w http.ResponseWriter, r *http.Request, set func(ctx context.Context, actor string, id int64) (schedule.Task, error)) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	t, err := set(r.Context(), actor(r), id)
	return answer(w, http.StatusOK, t, err)
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f := schedule.RunFilter{Status: schedule.RunStatus(r.URL.Query().Get("status"))}
	if f.Limit, f.Offset, err = paging(r); err != nil {
		return err
	}
	runs, total, err := s.opts.Schedule.Runs(r.Context(), id, f)
	return answer(w, http.StatusOK, page[schedule.Run]{Items: runs, Total: total}, err)
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) error {
	return answerByID(w, r, wired(s.opts.Schedule), (*schedule.Store).GetRun)
}

// previewRequest is an expression to check before saving.
type previewRequest struct {
	Cron     string    `json:"cron"`
	TimeZone string    `json:"time_zone"`
	From     time.Time `json:"from"`  // default now
	Count    int       `json:"count"` // default 5, at most 20
}

// previewAnswer is the next activations of a valid expression.
type previewAnswer struct {
	Cron     string      `json:"cron"`
	TimeZone string      `json:"time_zone"`
	NextRuns []time.Time `json:"next_runs"`
}

// previewTask answers the next runs of an expression, or 422 naming the
// field of the expression that is wrong, where and why. It saves nothing.
func (s *Server) previewTask(w http.ResponseWriter, r *http.Request) error {
	var req previewRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.From.IsZero() {
		req.From = s.opts.Now()
	}
	if req.Count <= 0 || req.Count > 20 {
		req.Count = 5
	}
	if req.TimeZone == "" {
		req.TimeZone = schedule.DefaultTimeZone
	}
	times, err := schedule.Preview(req.Cron, req.TimeZone, req.From, req.Count)
	var ce *schedule.CronError
	switch {
	case errors.As(err, &ce):
		return fault.Invalid("cron", "%s", ce.Error())
	case err != nil:
		return fault.Invalid("time_zone", "%s", err.Error())
	}
	httpx.WriteJSON(w, http.StatusOK, previewAnswer{Cron: req.Cron, TimeZone: req.TimeZone, NextRuns: times})
	return nil
}
