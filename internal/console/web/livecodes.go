package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/livecode"
	"github.com/qunbot/qunbot/internal/org"
)

// codesPerPage is the live code list's page size.
const codesPerPage = 20

// alertsPerPage is the open alerts page's size.
const alertsPerPage = 50

// statsDays is how many days a code's statistics table covers.
const statsDays = 7

// codeStatusLabels are the codes' states as operators read them.
var codeStatusLabels = map[string]string{
	livecode.StatusOK: "正常", livecode.StatusFull: "群已满", livecode.StatusAutoCreate: "自动建群中", livecode.StatusError: "企业微信报错",
}

// codeListView is the live codes page.
type codeListView struct {
	Query      string
	Codes      []codeRow
	Total      int64
	OpenAlerts int64
	Pager      pager
}

// PageTitle names the page.
func (codeListView) PageTitle() string { return "群活码" }

// codeRow is one code as listed.
type codeRow struct {
	livecode.Code
	StatusLabel string
}

func (h *handler) liveCodes() (*livecode.Service, error) {
	if h.opts.LiveCodes == nil {
		return nil, errUnconfigured("群活码", "live codes")
	}
	return h.opts.LiveCodes, nil
}

func (h *handler) codeList(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.liveCodes()
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	pg, err := pageParam(r)
	if err != nil {
		return err
	}
	codes, total, err := svc.List(r.Context(), livecode.Filter{Query: q, Limit: codesPerPage, Offset: (pg - 1) * codesPerPage})
	if err != nil {
		return err
	}
	open := true
	_, alerts, err := svc.Alerts(r.Context(), livecode.AlertFilter{Open: &open, Limit: 1})
	if err != nil {
		return err
	}
	v := codeListView{Query: q, Total: total, OpenAlerts: alerts, Pager: newPager("/live-codes", url.Values{"q": {q}}, pg, codesPerPage, total)}
	for _, c := range codes {
		v.Codes = append(v.Codes, codeRow{Code: c, StatusLabel: codeStatusLabels[c.Status]})
	}
	h.render(w, r, http.StatusOK, "live_codes", v)
	return nil
}

// codeForm is the create/edit form of a live code, with (when editing) its
// last week's statistics and its open alerts.
type codeForm struct {
	ID, Version    int64
	Name           string
	Threshold      string
	AlertRemaining string
	StoreID        int64
	Pool           string // chat ids, one per line
	FallbackText   string
	AutoCreate     bool
	RoomBaseName   string
	Enabled        bool
	Errors         map[string][]string
	General        []string
	Conflict       string
	HasErrors      bool
	IsNew          bool
	Action         string
	Shops          []org.Shop
	Code           livecode.Code
	Stats          *livecode.Stats
	Days           []livecode.DayStats // every day of the week, zero when nothing happened
	Alerts         []livecode.Alert
	stored         livecode.Code
}

// PageTitle names the page.
func (f *codeForm) PageTitle() string {
	if f.IsNew {
		return "新建群活码"
	}
	return "群活码 · " + f.Name
}

func codeFormOf(c livecode.Code) *codeForm {
	f := &codeForm{ID: c.ID, Version: c.Version, Name: c.Name, Threshold: strconv.Itoa(c.Threshold),
		AlertRemaining: strconv.Itoa(c.AlertRemaining), StoreID: c.StoreID, FallbackText: c.FallbackText,
		AutoCreate: c.AutoCreate, RoomBaseName: c.RoomBaseName, Enabled: c.Enabled, Code: c, stored: c}
	ids := make([]string, len(c.Pool))
	for i, g := range c.Pool {
		ids[i] = g.ChatID
	}
	f.Pool = strings.Join(ids, "\n")
	return f
}

func (f *codeForm) read(r *http.Request) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f.Name, f.Threshold, f.AlertRemaining, f.Pool = v("name"), v("threshold"), v("alert_remaining"), v("pool")
	f.FallbackText, f.RoomBaseName = v("fallback_text"), v("room_base_name")
	f.AutoCreate, f.Enabled = r.PostFormValue("auto_create") == "on", r.PostFormValue("enabled") == "on"
	f.StoreID, _ = strconv.ParseInt(v("store_id"), 10, 64)
	f.Version, _ = strconv.ParseInt(v("version"), 10, 64)
}

// apply writes the form over c; the pool keeps what is known of groups
// already in it.
func (f *codeForm) apply(c *livecode.Code) error {
	var p fault.Problems
	number := func(field, s string, dst *int) {
		if s == "" {
			*dst = 0
			return
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			p.Add(field, "请填写整数 (must be a whole number)")
		}
		*dst = n
	}
	number("threshold", f.Threshold, &c.Threshold)
	number("alert_remaining", f.AlertRemaining, &c.AlertRemaining)
	c.Name, c.StoreID, c.FallbackText, c.AutoCreate, c.RoomBaseName, c.Enabled, c.Version =
		f.Name, f.StoreID, f.FallbackText, f.AutoCreate, f.RoomBaseName, f.Enabled, f.Version
	known := map[string]livecode.PoolGroup{}
	for _, g := range f.stored.Pool {
		known[g.ChatID] = g
	}
	c.Pool = nil
	for _, id := range lines(f.Pool) {
		g, ok := known[id]
		if !ok {
			g = livecode.PoolGroup{ChatID: id}
		}
		c.Pool = append(c.Pool, g)
	}
	return p.Err()
}

// codeFields are the form's fields.
var codeFields = map[string]bool{"name": true, "threshold": true, "alert_remaining": true, "pool": true,
	"fallback_text": true, "room_base_name": true, "store_id": true}

func (f *codeForm) setErrors(fields fault.Fields) {
	f.Errors, f.HasErrors = map[string][]string{}, true
	for _, p := range fields {
		name, msg := p.Field, p.Message
		if m := fieldIndex.FindStringSubmatch(p.Field); m != nil {
			n, _ := strconv.Atoi(m[2])
			name, msg = m[1], "第 "+strconv.Itoa(n+1)+" 个群:"+p.Message
		}
		if !codeFields[name] {
			f.General = append(f.General, p.Field+": "+p.Message)
			continue
		}
		f.Errors[name] = append(f.Errors[name], msg)
	}
}

func (h *handler) showCodeForm(w http.ResponseWriter, r *http.Request, status int, f *codeForm) error {
	f.Action = "/live-codes/new"
	if !f.IsNew {
		f.Action = "/live-codes/" + strconv.FormatInt(f.ID, 10)
		if err := h.codeExtras(r, f); err != nil {
			return err
		}
	}
	if h.opts.Org != nil {
		active := true
		shops, _, err := h.opts.Org.ListShops(r.Context(), org.ShopFilter{Active: &active, Limit: 500})
		if err != nil {
			return err
		}
		f.Shops = shops
	}
	h.render(w, r, status, "live_code", f)
	return nil
}

// codeExtras reads the code's last week of statistics and its open alerts.
func (h *handler) codeExtras(r *http.Request, f *codeForm) error {
	today := h.opts.Now().In(shanghai)
	from := today.AddDate(0, 0, -(statsDays - 1)).Format(time.DateOnly)
	st, err := h.opts.LiveCodes.Stats(r.Context(), f.ID, from, today.Format(time.DateOnly))
	if err != nil {
		return err
	}
	f.Stats = &st
	f.Days = everyDay(st.Days, today)
	open := true
	f.Alerts, _, err = h.opts.LiveCodes.Alerts(r.Context(), livecode.AlertFilter{CodeID: f.ID, Open: &open, Limit: alertsPerPage})
	return err
}

// everyDay is the last statsDays days up to today, oldest first, with the
// counters of days that have some.
func everyDay(days []livecode.DayStats, today time.Time) []livecode.DayStats {
	byDay := make(map[string]livecode.DayStats, len(days))
	for _, d := range days {
		byDay[d.Day] = d
	}
	out := make([]livecode.DayStats, statsDays)
	for i := range out {
		day := today.AddDate(0, 0, i-(statsDays-1)).Format(time.DateOnly)
		out[i] = byDay[day]
		out[i].Day = day
	}
	return out
}

func (h *handler) codeNew(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.liveCodes(); err != nil {
		return err
	}
	f := &codeForm{IsNew: true, Threshold: strconv.Itoa(livecode.DefaultThreshold), AlertRemaining: "1", Enabled: true,
		FallbackText: "群已满,请联系门店工作人员"}
	return h.showCodeForm(w, r, http.StatusOK, f)
}

// loadCode reads the {id} live code.
func (h *handler) loadCode(r *http.Request) (livecode.Code, error) {
	svc, err := h.liveCodes()
	if err != nil {
		return livecode.Code{}, err
	}
	id, err := pathID(r)
	if err != nil {
		return livecode.Code{}, err
	}
	return svc.Get(r.Context(), id)
}

func (h *handler) codeEdit(w http.ResponseWriter, r *http.Request) error {
	c, err := h.loadCode(r)
	if err != nil {
		return err
	}
	return h.showCodeForm(w, r, http.StatusOK, codeFormOf(c))
}

func (h *handler) codeCreate(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.liveCodes()
	if err != nil {
		return err
	}
	f := &codeForm{IsNew: true}
	f.read(r)
	return h.saveCode(w, r, f, func(c *livecode.Code) error { return svc.Create(r.Context(), sessionOf(r).User.Name(), c) }, "群活码已创建")
}

func (h *handler) codeUpdate(w http.ResponseWriter, r *http.Request) error {
	stored, err := h.loadCode(r)
	if err != nil {
		return err
	}
	f := codeFormOf(stored)
	f.read(r)
	return h.saveCode(w, r, f, func(c *livecode.Code) error {
		return h.opts.LiveCodes.Update(r.Context(), sessionOf(r).User.Name(), c)
	}, "群活码已保存")
}

// saveCode saves and goes back to the code, or shows the form again with
// what is wrong (WeCom refusing the join way is shown too).
func (h *handler) saveCode(w http.ResponseWriter, r *http.Request, f *codeForm, save func(*livecode.Code) error, done string) error {
	c := f.stored
	err := f.apply(&c)
	if err == nil {
		err = save(&c)
	}
	var fields fault.Fields
	switch {
	case err == nil:
		redirect(w, r, "/live-codes/"+strconv.FormatInt(c.ID, 10), "ok", done)
		return nil
	case errors.As(err, &fields):
		f.setErrors(fields)
		return h.showCodeForm(w, r, http.StatusUnprocessableEntity, f)
	case errors.Is(err, fault.ErrConflict):
		f.HasErrors, f.Conflict = true, "保存失败:此活码在您编辑期间已被他人修改,请刷新后重新编辑。(changed by someone else while you edited)"
		return h.showCodeForm(w, r, http.StatusConflict, f)
	case errors.Is(err, fault.ErrUnavailable), errors.Is(err, fault.ErrInvalid):
		f.HasErrors, f.General = true, append(f.General, err.Error())
		return h.showCodeForm(w, r, http.StatusUnprocessableEntity, f)
	}
	return err
}

// alertListView is the open alerts of every code.
type alertListView struct {
	Alerts []livecode.Alert
	Total  int64
	Pager  pager
}

// PageTitle names the page.
func (alertListView) PageTitle() string { return "活码预警" }

func (h *handler) codeAlerts(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.liveCodes()
	if err != nil {
		return err
	}
	pg, err := pageParam(r)
	if err != nil {
		return err
	}
	open := true
	alerts, total, err := svc.Alerts(r.Context(), livecode.AlertFilter{Open: &open, Limit: alertsPerPage, Offset: (pg - 1) * alertsPerPage})
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "live_code_alerts", alertListView{Alerts: alerts, Total: total,
		Pager: newPager("/live-codes/alerts", nil, pg, alertsPerPage, total)})
	return nil
}

func (h *handler) codeAck(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.liveCodes()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := svc.AckAlert(r.Context(), sessionOf(r).User.Name(), id)
	if err != nil {
		return err
	}
	back := safeNext(r.PostFormValue("next"))
	if back == "/" {
		back = "/live-codes/alerts"
	}
	redirect(w, r, back, "ok", fmt.Sprintf("预警 %d 已确认", a.ID))
	return nil
}
