package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/org"
)

// groupListView is the customer groups page.
type groupListView struct {
	Query, Tag string
	Store      string // "" every group, "0" groups without a store, else a store id
	Groups     []groupRow
	Shops      []org.Shop
	Total      int64
	Pager      pager
}

// PageTitle names the page.
func (groupListView) PageTitle() string { return "客户群" }

// groupRow is one group as listed.
type groupRow struct {
	group.Group
	Store string
}

func (h *handler) groupStore() (*group.Store, error) {
	if h.opts.Groups == nil {
		return nil, errUnconfigured("客户群", "customer groups")
	}
	return h.opts.Groups, nil
}

func (h *handler) groupList(w http.ResponseWriter, r *http.Request) error {
	gs, err := h.groupStore()
	if err != nil {
		return err
	}
	qv := r.URL.Query()
	v := groupListView{Query: strings.TrimSpace(qv.Get("q")), Tag: strings.TrimSpace(qv.Get("tag")), Store: qv.Get("store")}
	f := group.Filter{Query: v.Query, Tag: v.Tag, Limit: orgPerPage}
	if v.Store != "" {
		id, err := strconv.ParseInt(v.Store, 10, 64)
		if err != nil || id < 0 {
			return errPageNotFound
		}
		f.StoreID = &id
	}
	pg, err := pageParam(r)
	if err != nil {
		return err
	}
	f.Offset = (pg - 1) * orgPerPage
	groups, total, err := gs.List(r.Context(), f)
	if err != nil {
		return err
	}
	shops, names, err := h.shopNames(r)
	if err != nil {
		return err
	}
	v.Shops, v.Total = shops, total
	v.Pager = newPager("/groups", url.Values{"q": {v.Query}, "tag": {v.Tag}, "store": {v.Store}}, pg, orgPerPage, total)
	for _, g := range groups {
		v.Groups = append(v.Groups, groupRow{Group: g, Store: names[g.StoreID]})
	}
	h.render(w, r, http.StatusOK, "groups", v)
	return nil
}

// Link is the group's page.
func (g groupRow) Link() string { return "/groups/" + url.PathEscape(g.ChatID) }

// groupForm sets a group's store and tags.
type groupForm struct {
	group.Group
	TagText   string // one per line
	Shops     []org.Shop
	Errors    map[string][]string
	General   []string
	HasErrors bool
}

// PageTitle names the page.
func (f *groupForm) PageTitle() string { return "客户群 · " + f.Name }

// Action is where the form posts.
func (f *groupForm) Action() string { return "/groups/" + url.PathEscape(f.ChatID) }

func (h *handler) loadGroup(r *http.Request) (*groupForm, error) {
	gs, err := h.groupStore()
	if err != nil {
		return nil, err
	}
	g, err := gs.Get(r.Context(), r.PathValue("chat"))
	if err != nil {
		return nil, err
	}
	return &groupForm{Group: g, TagText: strings.Join(g.Tags, "\n")}, nil
}

func (h *handler) showGroupForm(w http.ResponseWriter, r *http.Request, status int, f *groupForm) error {
	shops, _, err := h.shopNames(r)
	if err != nil {
		return err
	}
	f.Shops = shops
	h.render(w, r, status, "group", f)
	return nil
}

func (h *handler) groupEdit(w http.ResponseWriter, r *http.Request) error {
	f, err := h.loadGroup(r)
	if err != nil {
		return err
	}
	return h.showGroupForm(w, r, http.StatusOK, f)
}

// checkShop makes sure store id (0: none) exists and is active; the group
// directory does not know stores.
func (h *handler) checkShop(r *http.Request, id int64) error {
	if id == 0 {
		return nil
	}
	if h.opts.Org == nil {
		return fault.Invalid("store_id", "门店未启用,不能指定门店 (stores are not configured)")
	}
	sh, err := h.opts.Org.GetShop(r.Context(), id)
	switch {
	case errors.Is(err, fault.ErrNotFound):
		return fault.Invalid("store_id", "门店 %d 不存在 (no such store)", id)
	case err != nil:
		return err
	case !sh.Active:
		return fault.Invalid("store_id", "门店 %s 已停用 (the store is inactive)", sh.Name)
	}
	return nil
}

// groupUpdate saves the group's store, then its tags.
func (h *handler) groupUpdate(w http.ResponseWriter, r *http.Request) error {
	f, err := h.loadGroup(r)
	if err != nil {
		return err
	}
	f.StoreID, _ = strconv.ParseInt(r.PostFormValue("store_id"), 10, 64)
	f.TagText = strings.TrimSpace(r.PostFormValue("tags"))
	ctx := r.Context()
	err = h.checkShop(r, f.StoreID)
	if err == nil {
		_, err = h.opts.Groups.SetTags(ctx, f.ChatID, lines(f.TagText))
	}
	if err == nil {
		err = h.opts.Groups.SetStore(ctx, f.ChatID, f.StoreID)
	}
	var fields fault.Fields
	switch {
	case err == nil:
		redirect(w, r, f.Action(), "ok", "客户群已保存")
		return nil
	case errors.As(err, &fields):
		f.Errors, f.General, f.HasErrors = fieldErrors(fields, map[string]bool{"store_id": true, "tags": true})
		return h.showGroupForm(w, r, http.StatusUnprocessableEntity, f)
	case errors.Is(err, fault.ErrInvalid):
		f.HasErrors, f.General = true, []string{err.Error()}
		return h.showGroupForm(w, r, http.StatusUnprocessableEntity, f)
	}
	return err
}
