package web

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/script/match"
)

// replySlots is how many empty reply boxes the form offers beyond those
// filled.
const replySlots = 1

// scriptForm is the create/edit form of a script, as typed.
type scriptForm struct {
	ID          int64
	Version     int64
	Title       string
	CategoryID  int64
	Keywords    string // one per line
	MatchMode   match.Mode
	Pattern     string
	Replies     []string // text variants
	OtherCount  int      // image, link and mini-program replies the form keeps as they are
	ReplyOrder  script.ReplyOrder
	Priority    string
	Enabled     bool
	UpdatedBy   string
	Errors      map[string][]string // by form field
	General     []string            // problems of fields the form does not show
	Conflict    string
	Categories  []script.Category
	Modes       []modeOption
	Orders      []modeOption
	IsNew       bool
	Action      string
	CancelLink  string
	HasErrors   bool
	replyOthers []script.Reply
}

// modeOption is one choice of a select.
type modeOption struct{ Value, Label string }

// PageTitle names the page.
func (f *scriptForm) PageTitle() string {
	if f.IsNew {
		return "新建话术"
	}
	return "编辑话术 · " + f.Title
}

// formOf fills the form from a stored script.
func formOf(sc script.Script) *scriptForm {
	f := &scriptForm{ID: sc.ID, Version: sc.Version, Title: sc.Title, CategoryID: sc.CategoryID,
		Keywords: strings.Join(sc.Keywords, "\n"), MatchMode: sc.MatchMode, Pattern: sc.Pattern,
		ReplyOrder: sc.ReplyOrder, Priority: strconv.Itoa(sc.Priority), Enabled: sc.Enabled, UpdatedBy: sc.UpdatedBy}
	for _, rp := range sc.Replies {
		if rp.Type == script.ReplyText {
			f.Replies = append(f.Replies, rp.Text)
		} else {
			f.replyOthers = append(f.replyOthers, rp)
		}
	}
	f.OtherCount = len(f.replyOthers)
	return f
}

// read takes the posted fields into the form.
func (f *scriptForm) read(r *http.Request) {
	f.Title = r.PostFormValue("title")
	f.CategoryID, _ = strconv.ParseInt(r.PostFormValue("category_id"), 10, 64)
	f.Keywords = r.PostFormValue("keywords")
	f.MatchMode = match.Mode(r.PostFormValue("match_mode"))
	f.Pattern = r.PostFormValue("pattern")
	f.ReplyOrder = script.ReplyOrder(r.PostFormValue("reply_order"))
	f.Priority = strings.TrimSpace(r.PostFormValue("priority"))
	f.Enabled = r.PostFormValue("enabled") == "on"
	f.Version, _ = strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	f.Replies = nil
	for _, t := range r.PostForm["reply"] {
		if strings.TrimSpace(t) != "" {
			f.Replies = append(f.Replies, t)
		}
	}
}

// apply writes the form over sc; a priority that is not a number is a
// field problem.
func (f *scriptForm) apply(sc *script.Script) error {
	sc.Title, sc.CategoryID, sc.MatchMode, sc.Pattern, sc.Enabled = f.Title, f.CategoryID, f.MatchMode, f.Pattern, f.Enabled
	sc.ReplyOrder, sc.Version = f.ReplyOrder, f.Version
	sc.Keywords = strings.Split(strings.ReplaceAll(f.Keywords, "\r\n", "\n"), "\n")
	sc.Replies = nil
	for _, t := range f.Replies {
		sc.Replies = append(sc.Replies, script.Reply{Type: script.ReplyText, Text: t})
	}
	sc.Replies = append(sc.Replies, f.replyOthers...)
	if f.Priority == "" {
		sc.Priority = 0
		return nil
	}
	n, err := strconv.Atoi(f.Priority)
	if err != nil {
		return fault.Invalid("priority", "优先级应为整数 (priority must be a whole number)")
	}
	sc.Priority = n
	return nil
}

// formFields are the fields the form shows; problems of others are listed
// at the top.
var formFields = map[string]bool{"title": true, "category_id": true, "keywords": true, "match_mode": true,
	"pattern": true, "replies": true, "reply_order": true, "priority": true}

var fieldIndex = regexp.MustCompile(`^([a-z_]+)\[(\d+)\]`)

// setErrors files a save's problems under the form's fields.
func (f *scriptForm) setErrors(fields fault.Fields) {
	f.Errors, f.HasErrors = map[string][]string{}, true
	for _, p := range fields {
		name, msg := p.Field, p.Message
		if m := fieldIndex.FindStringSubmatch(p.Field); m != nil {
			n, _ := strconv.Atoi(m[2])
			name, msg = m[1], fmt.Sprintf("第 %d 条:%s", n+1, p.Message)
		}
		if !formFields[name] {
			f.General = append(f.General, p.Field+": "+p.Message)
			continue
		}
		f.Errors[name] = append(f.Errors[name], msg)
	}
}

// prepare fills what the template needs beyond the values.
func (h *handler) prepare(r *http.Request, f *scriptForm) error {
	cats, err := h.opts.Scripts.Categories(r.Context())
	if err != nil {
		return err
	}
	f.Categories = cats
	f.Modes = f.Modes[:0]
	for _, m := range modeOrder {
		f.Modes = append(f.Modes, modeOption{string(m), modeLabels[m]})
	}
	f.Orders = []modeOption{{string(script.OrderRotate), "轮流"}, {string(script.OrderRandom), "随机"}}
	f.Action, f.CancelLink = "/scripts/new", "/scripts"
	if !f.IsNew {
		f.Action = "/scripts/" + strconv.FormatInt(f.ID, 10)
	}
	return nil
}

// showForm renders the form with status.
func (h *handler) showForm(w http.ResponseWriter, r *http.Request, status int, f *scriptForm) error {
	if err := h.prepare(r, f); err != nil {
		return err
	}
	h.render(w, r, status, "script_form", f)
	return nil
}

func (h *handler) scriptNew(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Scripts == nil {
		return errUnconfigured("话术库", "the script library")
	}
	f := &scriptForm{IsNew: true, MatchMode: match.ModeContains, ReplyOrder: script.OrderRotate, Priority: "0", Enabled: true}
	return h.showForm(w, r, http.StatusOK, f)
}

func (h *handler) scriptEdit(w http.ResponseWriter, r *http.Request) error {
	sc, err := h.loadScript(r)
	if err != nil {
		return err
	}
	return h.showForm(w, r, http.StatusOK, formOf(sc))
}

// loadScript reads the {id} script.
func (h *handler) loadScript(r *http.Request) (script.Script, error) {
	if h.opts.Scripts == nil {
		return script.Script{}, errUnconfigured("话术库", "the script library")
	}
	id, err := pathID(r)
	if err != nil {
		return script.Script{}, err
	}
	return h.opts.Scripts.Get(r.Context(), id)
}

func (h *handler) scriptCreate(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Scripts == nil {
		return errUnconfigured("话术库", "the script library")
	}
	f := &scriptForm{IsNew: true}
	f.read(r)
	var sc script.Script
	err := f.apply(&sc)
	if err == nil {
		err = h.opts.Scripts.Create(r.Context(), sessionOf(r).User.Name(), &sc)
	}
	return h.saved(w, r, f, sc, err, "话术已创建")
}

func (h *handler) scriptUpdate(w http.ResponseWriter, r *http.Request) error {
	stored, err := h.loadScript(r)
	if err != nil {
		return err
	}
	f := formOf(stored)
	f.read(r)
	sc := stored
	err = f.apply(&sc)
	if err == nil {
		err = h.opts.Scripts.Update(r.Context(), sessionOf(r).User.Name(), &sc)
	}
	return h.saved(w, r, f, sc, err, "话术已保存")
}

// saved answers a save: back to the script with a note, or the form again
// with what is wrong.
func (h *handler) saved(w http.ResponseWriter, r *http.Request, f *scriptForm, sc script.Script, err error, done string) error {
	var fields fault.Fields
	switch {
	case err == nil:
		redirect(w, r, "/scripts/"+strconv.FormatInt(sc.ID, 10), "ok", done)
		return nil
	case errors.As(err, &fields):
		f.setErrors(fields)
		return h.showForm(w, r, http.StatusUnprocessableEntity, f)
	case errors.Is(err, fault.ErrConflict):
		f.HasErrors = true
		f.Conflict = "保存失败:此话术在您编辑期间已被他人修改。请复制您的修改,刷新页面后重新编辑。(changed by someone else while you edited: " + err.Error() + ")"
		return h.showForm(w, r, http.StatusConflict, f)
	}
	return err
}

// messages joins the problems' messages for one line of text.
func messages(fields fault.Fields) string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.Message
	}
	return strings.Join(out, ";")
}
