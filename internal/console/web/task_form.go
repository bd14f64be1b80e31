package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/org"
	"github.com/qunbot/qunbot/internal/schedule"
)

// previewRuns is how many coming run times "预览" shows.
const previewRuns = 5

// kindLabels are the kinds of task as operators read them.
var kindLabels = map[schedule.Kind]string{
	schedule.KindBroadcast: "群发(需群主确认)", schedule.KindGroupMessage: "群消息(机器人直接发)",
	schedule.KindReminder: "提醒员工", schedule.KindReport: "报表", schedule.KindWebhook: "Webhook",
}

// taskForm is the create/edit form of a scheduled task, as typed. One form
// has the fields of every kind; only those of the chosen kind are saved.
type taskForm struct {
	ID, Version  int64
	Name         string
	Kind         schedule.Kind
	Cron         string
	TimeZone     string
	Grace        string
	Status       schedule.Status
	Text         string // broadcast, group message, reminder
	StoreIDs     []int64
	Tags         string // one per line
	ChatIDs      string // one per line
	ToUsers      string // reminder, report: one WeCom user id per line
	Period       string
	Markdown     bool
	URL          string
	Body         string
	Timeout      string
	Attachments  int // attachments the form keeps as they are
	Errors       map[string][]string
	General      []string
	Conflict     string
	HasErrors    bool
	Preview      []string
	PreviewError string
	Previewed    bool
	Kinds        []modeOption
	Shops        []org.Shop
	IsNew        bool
	Action       string
	stored       schedule.Task
}

// PageTitle names the page.
func (f *taskForm) PageTitle() string {
	if f.IsNew {
		return "新建定时任务"
	}
	return "编辑定时任务 · " + f.Name
}

// HasStore reports whether store id is selected.
func (f *taskForm) HasStore(id int64) bool {
	for _, s := range f.StoreIDs {
		if s == id {
			return true
		}
	}
	return false
}

// taskFormOf fills the form from a stored task.
func taskFormOf(t schedule.Task) *taskForm {
	f := &taskForm{ID: t.ID, Version: t.Version, Name: t.Name, Kind: t.Kind, Cron: t.Cron, TimeZone: t.TimeZone,
		Status: t.Status, stored: t}
	if t.GraceMinutes != nil {
		f.Grace = strconv.Itoa(*t.GraceMinutes)
	}
	audience := func(s schedule.Selector, c schedule.Content) {
		f.StoreIDs, f.Tags, f.ChatIDs = s.StoreIDs, strings.Join(s.Tags, "\n"), strings.Join(s.ChatIDs, "\n")
		f.Text, f.Attachments = c.Text, len(c.Attachments)
	}
	switch {
	case t.Broadcast != nil:
		audience(t.Broadcast.Audience, t.Broadcast.Content)
	case t.GroupMessage != nil:
		audience(t.GroupMessage.Audience, t.GroupMessage.Content)
	case t.Reminder != nil:
		f.Text, f.ToUsers, f.Markdown = t.Reminder.Text, strings.Join(t.Reminder.ToUsers, "\n"), t.Reminder.Markdown
	case t.Report != nil:
		f.Period, f.ToUsers, f.Markdown = t.Report.Period, strings.Join(t.Report.ToUsers, "\n"), t.Report.Markdown
	case t.Webhook != nil:
		f.URL, f.Body = t.Webhook.URL, string(t.Webhook.Body)
		if t.Webhook.TimeoutSeconds > 0 {
			f.Timeout = strconv.Itoa(t.Webhook.TimeoutSeconds)
		}
	}
	return f
}

// read takes the posted fields into the form.
func (f *taskForm) read(r *http.Request) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f.Name, f.Kind, f.Cron, f.TimeZone, f.Grace = v("name"), schedule.Kind(v("kind")), v("cron"), v("time_zone"), v("grace_minutes")
	f.Text, f.Tags, f.ChatIDs, f.ToUsers = r.PostFormValue("text"), v("tags"), v("chat_ids"), v("to_users")
	f.Period, f.Markdown = v("period"), r.PostFormValue("markdown") == "on"
	f.URL, f.Body, f.Timeout = v("url"), v("body"), v("timeout_seconds")
	f.Version, _ = strconv.ParseInt(v("version"), 10, 64)
	f.StoreIDs = nil
	for _, s := range r.PostForm["store_id"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
			f.StoreIDs = append(f.StoreIDs, id)
		}
	}
}

// lines splits a box of one value a line (commas also separate).
func lines(s string) []string {
	var out []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == '，' }) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// apply writes the form over t; numbers that are not numbers are field
// problems.
func (f *taskForm) apply(t *schedule.Task) error {
	var p fault.Problems
	t.Name, t.Kind, t.Cron, t.TimeZone, t.Version = f.Name, f.Kind, f.Cron, f.TimeZone, f.Version
	t.GraceMinutes = nil
	if f.Grace != "" {
		n, err := strconv.Atoi(f.Grace)
		if err != nil {
			p.Add("grace_minutes", "补跑窗口应为整数分钟 (grace_minutes must be a whole number)")
		}
		t.GraceMinutes = &n
	}
	t.Broadcast, t.GroupMessage, t.Reminder, t.Report, t.Webhook = nil, nil, nil, nil, nil
	switch f.Kind {
	case schedule.KindBroadcast:
		t.Broadcast = &schedule.BroadcastSpec{Audience: f.selector(), Content: f.content(f.stored.Broadcast != nil && f.stored.Kind == f.Kind)}
	case schedule.KindGroupMessage:
		t.GroupMessage = &schedule.GroupMessageSpec{Audience: f.selector(), Content: f.content(f.stored.GroupMessage != nil && f.stored.Kind == f.Kind)}
	case schedule.KindReminder:
		t.Reminder = &schedule.ReminderSpec{ToUsers: lines(f.ToUsers), Text: f.Text, Markdown: f.Markdown}
	case schedule.KindReport:
		t.Report = &schedule.ReportSpec{Period: f.Period, ToUsers: lines(f.ToUsers), Markdown: f.Markdown}
		if f.stored.Report != nil {
			t.Report.Sections = f.stored.Report.Sections
		}
	case schedule.KindWebhook:
		t.Webhook = f.webhook(&p)
	}
	return p.Err()
}

func (f *taskForm) selector() schedule.Selector {
	return schedule.Selector{StoreIDs: f.StoreIDs, Tags: lines(f.Tags), ChatIDs: lines(f.ChatIDs)}
}

// content is the typed text with the stored attachments kept when the
// task keeps its kind.
func (f *taskForm) content(keep bool) schedule.Content {
	c := schedule.Content{Text: f.Text}
	if keep && f.stored.Broadcast != nil {
		c.Attachments = f.stored.Broadcast.Attachments
	}
	if keep && f.stored.GroupMessage != nil {
		c.Attachments = f.stored.GroupMessage.Attachments
	}
	return c
}

func (f *taskForm) webhook(p *fault.Problems) *schedule.WebhookSpec {
	w := &schedule.WebhookSpec{URL: f.URL}
	if f.stored.Webhook != nil {
		w.Headers = f.stored.Webhook.Headers
	}
	if f.Body != "" {
		if !json.Valid([]byte(f.Body)) {
			p.Add("webhook.body", "请求体必须是 JSON (body must be JSON)")
		} else {
			w.Body = json.RawMessage(f.Body)
		}
	}
	if f.Timeout != "" {
		n, err := strconv.Atoi(f.Timeout)
		if err != nil {
			p.Add("webhook.timeout_seconds", "超时应为整数秒 (timeout_seconds must be a whole number)")
		}
		w.TimeoutSeconds = n
	}
	return w
}

// taskFields are the form's fields; a problem named "kind.field" (as the
// store names them) is shown under "field".
var taskFields = map[string]bool{"name": true, "kind": true, "cron": true, "time_zone": true, "grace_minutes": true,
	"text": true, "audience": true, "to_users": true, "period": true, "url": true, "body": true, "timeout_seconds": true}

// setErrors files a save's problems under the form's fields.
func (f *taskForm) setErrors(fields fault.Fields) {
	f.Errors, f.HasErrors = map[string][]string{}, true
	for _, p := range fields {
		name := p.Field
		if _, rest, ok := strings.Cut(name, "."); ok {
			name = rest
		}
		if !taskFields[name] {
			f.General = append(f.General, p.Field+": "+p.Message)
			continue
		}
		f.Errors[name] = append(f.Errors[name], p.Message)
	}
}

// preview fills the next run times, or what is wrong with the expression.
func (f *taskForm) preview(now time.Time) {
	f.Previewed = true
	times, err := schedule.Preview(f.Cron, f.TimeZone, now, previewRuns)
	if err != nil {
		f.PreviewError = err.Error()
		return
	}
	for _, t := range times {
		f.Preview = append(f.Preview, t.Format("2006-01-02 15:04 (Mon) MST"))
	}
}

// prepareTask fills what the template needs beyond the values.
func (h *handler) prepareTask(r *http.Request, f *taskForm) error {
	f.Kinds = f.Kinds[:0]
	for _, k := range schedule.Kinds() {
		f.Kinds = append(f.Kinds, modeOption{string(k), kindLabels[k]})
	}
	f.Action = "/tasks/new"
	if !f.IsNew {
		f.Action = "/tasks/" + strconv.FormatInt(f.ID, 10)
	}
	if h.opts.Org == nil {
		return nil
	}
	active := true
	shops, _, err := h.opts.Org.ListShops(r.Context(), org.ShopFilter{Active: &active, Limit: 500})
	f.Shops = shops
	return err
}

func (h *handler) showTaskForm(w http.ResponseWriter, r *http.Request, status int, f *taskForm) error {
	if err := h.prepareTask(r, f); err != nil {
		return err
	}
	h.render(w, r, status, "task_form", f)
	return nil
}

func (h *handler) taskNew(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Schedule == nil {
		return errUnconfigured("定时任务", "scheduled tasks")
	}
	f := &taskForm{IsNew: true, Kind: schedule.KindBroadcast, Cron: "0 9 * * 1", TimeZone: schedule.DefaultTimeZone, Period: schedule.PeriodDaily}
	return h.showTaskForm(w, r, http.StatusOK, f)
}

func (h *handler) taskEdit(w http.ResponseWriter, r *http.Request) error {
	t, err := h.loadTask(r)
	if err != nil {
		return err
	}
	return h.showTaskForm(w, r, http.StatusOK, taskFormOf(t))
}

// loadTask reads the {id} task.
func (h *handler) loadTask(r *http.Request) (schedule.Task, error) {
	if h.opts.Schedule == nil {
		return schedule.Task{}, errUnconfigured("定时任务", "scheduled tasks")
	}
	id, err := pathID(r)
	if err != nil {
		return schedule.Task{}, err
	}
	return h.opts.Schedule.Get(r.Context(), id)
}

func (h *handler) taskCreate(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Schedule == nil {
		return errUnconfigured("定时任务", "scheduled tasks")
	}
	f := &taskForm{IsNew: true}
	f.read(r)
	return h.saveTask(w, r, f, func(t *schedule.Task) error {
		return h.opts.Schedule.Create(r.Context(), sessionOf(r).User.Name(), t)
	}, "定时任务已创建")
}

func (h *handler) taskUpdate(w http.ResponseWriter, r *http.Request) error {
	stored, err := h.loadTask(r)
	if err != nil {
		return err
	}
	f := taskFormOf(stored)
	f.read(r)
	return h.saveTask(w, r, f, func(t *schedule.Task) error {
		return h.opts.Schedule.Update(r.Context(), sessionOf(r).User.Name(), t)
	}, "定时任务已保存")
}

// saveTask answers the form: "预览" shows the next run times without
// saving; "保存" saves and goes back to the task, or shows the form again
// with what is wrong.
func (h *handler) saveTask(w http.ResponseWriter, r *http.Request, f *taskForm, save func(*schedule.Task) error, done string) error {
	if r.PostFormValue("op") == "preview" {
		f.preview(h.opts.Now())
		return h.showTaskForm(w, r, http.StatusOK, f)
	}
	t := f.stored
	err := f.apply(&t)
	if err == nil {
		err = save(&t)
	}
	var fields fault.Fields
	switch {
	case err == nil:
		redirect(w, r, "/tasks/"+strconv.FormatInt(t.ID, 10), "ok", done)
		return nil
	case errors.As(err, &fields):
		f.setErrors(fields)
		return h.showTaskForm(w, r, http.StatusUnprocessableEntity, f)
	case errors.Is(err, fault.ErrConflict):
		f.HasErrors = true
		f.Conflict = "保存失败:此任务在您编辑期间已被他人修改,请刷新后重新编辑。(changed by someone else while you edited)"
		return h.showTaskForm(w, r, http.StatusConflict, f)
	}
	return err
}
