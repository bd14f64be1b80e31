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

// orgPerPage is the page size of the store, staff and group lists.
const orgPerPage = 50

// maxShops is how many stores a store choice offers.
const maxShops = 500

func (h *handler) orgStore() (*org.Store, error) {
	if h.opts.Org == nil {
		return nil, errUnconfigured("门店与员工", "stores and staff")
	}
	return h.opts.Org, nil
}

// shopNames maps the ids of the stores (up to maxShops, active or not) to
// their names, in one query.
func (h *handler) shopNames(r *http.Request) ([]org.Shop, map[int64]string, error) {
	if h.opts.Org == nil {
		return nil, map[int64]string{}, nil
	}
	shops, _, err := h.opts.Org.ListShops(r.Context(), org.ShopFilter{Limit: maxShops})
	if err != nil {
		return nil, nil, err
	}
	names := make(map[int64]string, len(shops))
	for _, s := range shops {
		names[s.ID] = s.Name
	}
	return shops, names, nil
}

// shopListView is the stores page.
type shopListView struct {
	Query string
	Shops []org.Shop
	Total int64
	Pager pager
}

// PageTitle names the page.
func (shopListView) PageTitle() string { return "门店" }

func (h *handler) shopList(w http.ResponseWriter, r *http.Request) error {
	st, err := h.orgStore()
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	pg, err := pageParam(r)
	if err != nil {
		return err
	}
	shops, total, err := st.ListShops(r.Context(), org.ShopFilter{Query: q, Limit: orgPerPage, Offset: (pg - 1) * orgPerPage})
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "stores", shopListView{Query: q, Shops: shops, Total: total,
		Pager: newPager("/stores", url.Values{"q": {q}}, pg, orgPerPage, total)})
	return nil
}

// shopForm is the create/edit form of a store. The webhook key is never
// shown back: left empty it keeps the stored key.
type shopForm struct {
	org.Shop
	HasKey    bool
	ClearKey  bool
	NewKey    string
	Errors    map[string][]string
	General   []string
	HasErrors bool
	IsNew     bool
	Action    string
	// Chain is the store's escalation chain (edit page only).
	Chain []chainLevel
}

// PageTitle names the page.
func (f *shopForm) PageTitle() string {
	if f.IsNew {
		return "新建门店"
	}
	return "门店 · " + f.Name
}

func (f *shopForm) read(r *http.Request) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f.Code, f.Name, f.Region, f.Email = v("code"), v("name"), v("region"), v("email")
	f.NewKey, f.ClearKey = v("webhook_key"), r.PostFormValue("clear_webhook_key") == "on"
	f.Active = r.PostFormValue("active") == "on"
	switch {
	case f.NewKey != "":
		f.WebhookKey = f.NewKey
	case f.ClearKey:
		f.WebhookKey = ""
	}
}

func (h *handler) shopNew(w http.ResponseWriter, r *http.Request) error {
	if _, err := h.orgStore(); err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "store_form", &shopForm{IsNew: true, Shop: org.Shop{Active: true}, Action: "/stores/new"})
	return nil
}

func (h *handler) loadShop(r *http.Request) (*shopForm, error) {
	st, err := h.orgStore()
	if err != nil {
		return nil, err
	}
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	sh, err := st.GetShop(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return &shopForm{Shop: sh, HasKey: sh.WebhookKey != "", Action: "/stores/" + strconv.FormatInt(id, 10)}, nil
}

func (h *handler) shopEdit(w http.ResponseWriter, r *http.Request) error {
	f, err := h.loadShop(r)
	if err != nil {
		return err
	}
	if f.Chain, err = h.shopChain(r, f.ID); err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "store_form", f)
	return nil
}

func (h *handler) shopCreate(w http.ResponseWriter, r *http.Request) error {
	st, err := h.orgStore()
	if err != nil {
		return err
	}
	f := &shopForm{IsNew: true, Action: "/stores/new"}
	f.read(r)
	err = st.CreateShop(r.Context(), &f.Shop)
	return h.shopSaved(w, r, f, err, "门店已创建")
}

func (h *handler) shopUpdate(w http.ResponseWriter, r *http.Request) error {
	f, err := h.loadShop(r)
	if err != nil {
		return err
	}
	f.read(r)
	err = h.opts.Org.UpdateShop(r.Context(), &f.Shop)
	return h.shopSaved(w, r, f, err, "门店已保存")
}

func (h *handler) shopSaved(w http.ResponseWriter, r *http.Request, f *shopForm, err error, done string) error {
	var fields fault.Fields
	switch {
	case err == nil:
		redirect(w, r, "/stores/"+strconv.FormatInt(f.ID, 10), "ok", done)
		return nil
	case errors.As(err, &fields):
		f.Errors, f.General, f.HasErrors = fieldErrors(fields, shopFields)
		h.render(w, r, http.StatusUnprocessableEntity, "store_form", f)
		return nil
	case errors.Is(err, fault.ErrConflict):
		f.HasErrors, f.General = true, []string{err.Error()}
		h.render(w, r, http.StatusConflict, "store_form", f)
		return nil
	}
	return err
}

// shopFields are the store form's fields.
var shopFields = map[string]bool{"code": true, "name": true, "region": true, "webhook_key": true, "email": true}

// fieldErrors files problems under the form's fields; others are listed
// at the top.
func fieldErrors(fields fault.Fields, known map[string]bool) (map[string][]string, []string, bool) {
	errs, general := map[string][]string{}, []string(nil)
	for _, p := range fields {
		name, msg := p.Field, p.Message
		if m := fieldIndex.FindStringSubmatch(p.Field); m != nil {
			n, _ := strconv.Atoi(m[2])
			name, msg = m[1], "第 "+strconv.Itoa(n+1)+" 个:"+p.Message
		}
		if !known[name] {
			general = append(general, p.Field+": "+p.Message)
			continue
		}
		errs[name] = append(errs[name], msg)
	}
	return errs, general, true
}
