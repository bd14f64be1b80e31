package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/welcome"
)

// welcomeRecordsShown is how many welcome records the page lists.
const welcomeRecordsShown = 50

// welcomeSlots is how many attachment rows the rule form offers.
const welcomeSlots = 3

func (h *handler) welcomeService() (*welcome.Service, error) {
	if h.opts.Welcome == nil {
		return nil, errUnconfigured("欢迎语", "welcome messages")
	}
	return h.opts.Welcome, nil
}

// welcomeView is the welcome page: rules, the preview box and the latest
// records.
type welcomeView struct {
	Rules   []welcome.Rule
	Records []welcome.Record
	Total   int64
	Ask     welcome.PreviewRequest
	Preview *welcome.Preview
	Miss    string // why the preview found nothing
}

// PageTitle names the page.
func (welcomeView) PageTitle() string { return "欢迎语" }

func (h *handler) welcomeList(w http.ResponseWriter, r *http.Request) error {
	v, err := h.welcomePage(r)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "welcome", v)
	return nil
}

func (h *handler) welcomePage(r *http.Request) (*welcomeView, error) {
	svc, err := h.welcomeService()
	if err != nil {
		return nil, err
	}
	st := svc.Store()
	v := &welcomeView{Ask: welcome.PreviewRequest{Channel: welcome.ChannelContact}}
	if v.Rules, err = st.Rules(r.Context(), ""); err != nil {
		return nil, err
	}
	f := welcome.RecordFilter{Limit: welcomeRecordsShown}
	if v.Records, err = st.ListRecords(r.Context(), f); err != nil {
		return nil, err
	}
	if v.Total, err = st.CountRecords(r.Context(), f); err != nil {
		return nil, err
	}
	return v, nil
}

// welcomePreview answers the preview box on the welcome page.
func (h *handler) welcomePreview(w http.ResponseWriter, r *http.Request) error {
	v, err := h.welcomePage(r)
	if err != nil {
		return err
	}
	val := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	v.Ask = welcome.PreviewRequest{Channel: welcome.Channel(val("channel")), State: val("state"),
		StaffUserID: val("staff_user_id"), Name: val("name")}
	p, err := h.opts.Welcome.Preview(r.Context(), v.Ask)
	var fields fault.Fields
	switch {
	case err == nil:
		v.Preview = &p
	case errors.Is(err, fault.ErrNotFound):
		v.Miss = "没有匹配的欢迎语规则,也没有默认规则 (no rule matched and there is no default)"
	case errors.As(err, &fields):
		v.Miss = fields.Error()
	default:
		return err
	}
	h.render(w, r, http.StatusOK, "welcome", v)
	return nil
}

// welcomeForm is the create/edit form of a welcome rule.
type welcomeForm struct {
	welcome.Rule
	Slots     []welcome.Attachment
	Errors    map[string][]string
	General   []string
	HasErrors bool
	IsNew     bool
	Action    string
}

// PageTitle names the page.
func (f *welcomeForm) PageTitle() string {
	if f.IsNew {
		return "新建欢迎语"
	}
	return "欢迎语 · " + f.Name
}

// welcomeFields are the rule form's fields.
var welcomeFields = map[string]bool{"name": true, "channel": true, "state_match": true, "state": true,
	"staff_user_id": true, "is_default": true, "priority": true, "text": true, "attachments": true}

// slots pads the rule's attachments to the form's rows.
func (f *welcomeForm) slots() {
	f.Slots = append([]welcome.Attachment(nil), f.Attachments...)
	for len(f.Slots) < welcomeSlots {
		f.Slots = append(f.Slots, welcome.Attachment{})
	}
}

// read fills f from the posted form; a bad priority is a field problem.
func (f *welcomeForm) read(r *http.Request) fault.Fields {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f.Name, f.Channel, f.StateMatch = v("name"), welcome.Channel(v("channel")), welcome.StateMatch(v("state_match"))
	f.State, f.StaffUserID, f.Text = v("state"), v("staff_user_id"), r.PostFormValue("text")
	f.Default, f.Enabled = r.PostFormValue("is_default") == "on", r.PostFormValue("enabled") == "on"
	var bad fault.Fields
	f.Priority = 0
	if p := v("priority"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			bad = append(bad, fault.Field{Field: "priority", Message: "优先级须为整数 (priority must be a whole number)"})
		}
		f.Priority = n
	}
	f.Attachments = nil
	col := func(k string, i int) string {
		if vals := r.PostForm[k]; i < len(vals) {
			return strings.TrimSpace(vals[i])
		}
		return ""
	}
	for i := range r.PostForm["att_type"] {
		a := welcome.Attachment{Type: col("att_type", i), PicURL: col("att_pic_url", i), Title: col("att_title", i),
			Description: col("att_description", i), URL: col("att_url", i), AppID: col("att_appid", i), Page: col("att_page", i)}
		if a.Type != "" {
			f.Attachments = append(f.Attachments, a)
		}
	}
	return bad
}

func (h *handler) welcomeNew(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.welcomeService(); err != nil {
		return err
	}
	f := &welcomeForm{IsNew: true, Action: "/welcome/new", Rule: welcome.Rule{Channel: welcome.ChannelContact, Enabled: true}}
	f.slots()
	h.render(w, r, http.StatusOK, "welcome_form", f)
	return nil
}

func (h *handler) loadWelcome(r *http.Request) (*welcomeForm, error) {
	svc, err := h.welcomeService()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	rule, err := svc.Store().Rule(r.Context(), id)
	if err != nil {
		return nil, err
	}
	f := &welcomeForm{Rule: rule, Action: "/welcome/" + strconv.FormatInt(id, 10)}
	f.slots()
	return f, nil
}

func (h *handler) welcomeEdit(w http.ResponseWriter, r *http.Request) error {
	f, err := h.loadWelcome(r)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "welcome_form", f)
	return nil
}

func (h *handler) welcomeCreate(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.welcomeService()
	if err != nil {
		return err
	}
	f := &welcomeForm{IsNew: true, Action: "/welcome/new"}
	if bad := f.read(r); bad != nil {
		return h.welcomeSaved(w, r, f, bad, "")
	}
	return h.welcomeSaved(w, r, f, svc.Store().CreateRule(r.Context(), &f.Rule), "欢迎语已创建")
}

func (h *handler) welcomeUpdate(w http.ResponseWriter, r *http.Request) error {
	f, err := h.loadWelcome(r)
	if err != nil {
		return err
	}
	if bad := f.read(r); bad != nil {
		return h.welcomeSaved(w, r, f, bad, "")
	}
	return h.welcomeSaved(w, r, f, h.opts.Welcome.Store().UpdateRule(r.Context(), &f.Rule), "欢迎语已保存")
}

func (h *handler) welcomeSaved(w http.ResponseWriter, r *http.Request, f *welcomeForm, err error, done string) error {
	var fields fault.Fields
	f.slots()
	switch {
	case err == nil:
		redirect(w, r, "/welcome/"+strconv.FormatInt(f.ID, 10), "ok", done)
		return nil
	case errors.As(err, &fields):
		f.Errors, f.General, f.HasErrors = fieldErrors(fields, welcomeFields)
		h.render(w, r, http.StatusUnprocessableEntity, "welcome_form", f)
		return nil
	case errors.Is(err, fault.ErrConflict):
		f.HasErrors, f.General = true, []string{err.Error()}
		h.render(w, r, http.StatusConflict, "welcome_form", f)
		return nil
	}
	return err
}
