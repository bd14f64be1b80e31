package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/org"
)

// staffRoleLabels are the staff roles as operators read them, in order.
var staffRoleLabels = []modeOption{
	{string(org.RoleStaff), "店员"}, {string(org.RoleManager), "店长"}, {string(org.RoleRegional), "区域经理"}, {string(org.RoleHQ), "总部"},
}

func staffRoleLabel(r org.Role) string {
	for _, o := range staffRoleLabels {
		if o.Value == string(r) {
			return o.Label
		}
	}
	return string(r)
}

// staffListView is the staff page.
type staffListView struct {
	Query   string
	StoreID int64
	Staff   []staffRow
	Shops   []org.Shop
	Total   int64
	Pager   pager
}

// PageTitle names the page.
func (staffListView) PageTitle() string { return "员工" }

// staffRow is one person as listed.
type staffRow struct {
	org.Staff
	RoleLabel, Store string
}

func (h *handler) staffList(w http.ResponseWriter, r *http.Request) error {
	st, err := h.orgStore()
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	storeID, _ := strconv.ParseInt(r.URL.Query().Get("store"), 10, 64)
	pg, err := pageParam(r)
	if err != nil {
		return err
	}
	people, total, err := st.ListStaff(r.Context(), org.StaffFilter{Query: q, StoreID: storeID, Limit: orgPerPage, Offset: (pg - 1) * orgPerPage})
	if err != nil {
		return err
	}
	shops, names, err := h.shopNames(r)
	if err != nil {
		return err
	}
	query := url.Values{"q": {q}}
	if storeID > 0 {
		query.Set("store", strconv.FormatInt(storeID, 10))
	}
	v := staffListView{Query: q, StoreID: storeID, Shops: shops, Total: total, Pager: newPager("/staff", query, pg, orgPerPage, total)}
	for _, p := range people {
		v.Staff = append(v.Staff, staffRow{Staff: p, RoleLabel: staffRoleLabel(p.Role), Store: names[p.StoreID]})
	}
	h.render(w, r, http.StatusOK, "staff", v)
	return nil
}

// staffForm is the create/edit form of a staff member.
type staffForm struct {
	org.Staff
	Roles     []modeOption
	Shops     []org.Shop
	Errors    map[string][]string
	General   []string
	HasErrors bool
	IsNew     bool
	Action    string
}

// PageTitle names the page.
func (f *staffForm) PageTitle() string {
	if f.IsNew {
		return "新建员工"
	}
	return "员工 · " + f.Name
}

func (f *staffForm) read(r *http.Request) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f.Name, f.WeComUserID, f.Role, f.Region = v("name"), v("wecom_user_id"), org.Role(v("role")), v("region")
	f.Email, f.Phone = v("email"), v("phone")
	f.StoreID, _ = strconv.ParseInt(v("store_id"), 10, 64)
	f.OnDuty, f.Active = r.PostFormValue("on_duty") == "on", r.PostFormValue("active") == "on"
}

// staffFields are the staff form's fields.
var staffFields = map[string]bool{"name": true, "wecom_user_id": true, "role": true, "store_id": true, "region": true, "email": true, "phone": true}

func (h *handler) showStaffForm(w http.ResponseWriter, r *http.Request, status int, f *staffForm) error {
	shops, _, err := h.shopNames(r)
	if err != nil {
		return err
	}
	f.Shops, f.Roles = shops, staffRoleLabels
	h.render(w, r, status, "staff_form", f)
	return nil
}

func (h *handler) staffNew(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.orgStore(); err != nil {
		return err
	}
	return h.showStaffForm(w, r, http.StatusOK, &staffForm{IsNew: true, Staff: org.Staff{Role: org.RoleStaff, Active: true}, Action: "/staff/new"})
}

func (h *handler) loadStaff(r *http.Request) (*staffForm, error) {
	st, err := h.orgStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	p, err := st.GetStaff(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return &staffForm{Staff: p, Action: "/staff/" + strconv.FormatInt(id, 10)}, nil
}

func (h *handler) staffEdit(w http.ResponseWriter, r *http.Request) error {
	f, err := h.loadStaff(r)
	if err != nil {
		return err
	}
	return h.showStaffForm(w, r, http.StatusOK, f)
}

func (h *handler) staffCreate(w http.ResponseWriter, r *http.Request) error {
	st, err := h.orgStore()
	if err != nil {
		return err
	}
	f := &staffForm{IsNew: true, Action: "/staff/new"}
	f.read(r)
	return h.staffSaved(w, r, f, st.CreateStaff(r.Context(), &f.Staff), "员工已创建")
}

func (h *handler) staffUpdate(w http.ResponseWriter, r *http.Request) error {
	f, err := h.loadStaff(r)
	if err != nil {
		return err
	}
	f.read(r)
	return h.staffSaved(w, r, f, h.opts.Org.UpdateStaff(r.Context(), &f.Staff), "员工已保存")
}

func (h *handler) staffSaved(w http.ResponseWriter, r *http.Request, f *staffForm, err error, done string) error {
	var fields fault.Fields
	switch {
	case err == nil:
		redirect(w, r, "/staff/"+strconv.FormatInt(f.ID, 10), "ok", done)
		return nil
	case errors.As(err, &fields):
		f.Errors, f.General, f.HasErrors = fieldErrors(fields, staffFields)
		return h.showStaffForm(w, r, http.StatusUnprocessableEntity, f)
	case errors.Is(err, fault.ErrConflict):
		f.HasErrors, f.General = true, []string{err.Error()}
		return h.showStaffForm(w, r, http.StatusConflict, f)
	}
	return err
}
