package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/org"
	"github.com/qunbot/qunbot/internal/user"
)

// userRoles are the roles a user may have, as the forms offer them.
var userRoles = []modeOption{{string(user.RoleAdmin), roleNames[user.RoleAdmin]},
	{string(user.RoleOperator), roleNames[user.RoleOperator]}, {string(user.RoleStaff), roleNames[user.RoleStaff]}}

// userListView is the users page: users, API tokens and the token form.
type userListView struct {
	Users     []user.User
	Names     map[int64]string // user id → username
	Shops     map[int64]string
	Tokens    []user.Token
	NewToken  string // a created token's value, shown this once
	TokenUser int64
	TokenName string
	TokenErrs []string
}

// PageTitle names the page.
func (userListView) PageTitle() string { return "用户与 API 令牌" }

func (h *handler) userPage(r *http.Request) (*userListView, error) {
	users, err := h.opts.Users.List(r.Context())
	if err != nil {
		return nil, err
	}
	v := &userListView{Users: users, Names: make(map[int64]string, len(users))}
	for _, u := range users {
		v.Names[u.ID] = u.Username
	}
	if v.Tokens, err = h.opts.Users.Tokens(r.Context(), 0); err != nil {
		return nil, err
	}
	if _, v.Shops, err = h.shopNames(r); err != nil {
		return nil, err
	}
	return v, nil
}

func (h *handler) userList(w http.ResponseWriter, r *http.Request) error {
	v, err := h.userPage(r)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "users", v)
	return nil
}

// tokenCreate makes an API token and shows its value once, on this
// answer only (never in a redirect or a cookie).
func (h *handler) tokenCreate(w http.ResponseWriter, r *http.Request) error {
	v, err := h.userPage(r)
	if err != nil {
		return err
	}
	v.TokenName = strings.TrimSpace(r.PostFormValue("name"))
	v.TokenUser, _ = strconv.ParseInt(r.PostFormValue("user_id"), 10, 64)
	value, _, err := h.opts.Users.CreateToken(r.Context(), v.TokenUser, v.TokenName)
	var fields fault.Fields
	switch {
	case err == nil:
		v.NewToken = value
		if v.Tokens, err = h.opts.Users.Tokens(r.Context(), 0); err != nil {
			return err
		}
		h.render(w, r, http.StatusOK, "users", v)
		return nil
	case errors.As(err, &fields):
		for _, p := range fields {
			v.TokenErrs = append(v.TokenErrs, p.Message)
		}
	case errors.Is(err, fault.ErrNotFound):
		v.TokenErrs = []string{"请选择令牌代表的用户 (choose the user the token acts as)"}
	default:
		return err
	}
	h.render(w, r, http.StatusUnprocessableEntity, "users", v)
	return nil
}

func (h *handler) tokenRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.opts.Users.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	redirect(w, r, "/users", "ok", "令牌已吊销")
	return nil
}

// userForm is the create/edit form of a user.
type userForm struct {
	user.User
	Roles     []modeOption
	Shops     []org.Shop
	StoreText string // the stores as typed when there is no store list
	Errors    map[string][]string
	General   []string
	HasErrors bool
	IsNew     bool
	Action    string
}

// PageTitle names the page.
func (f *userForm) PageTitle() string {
	if f.IsNew {
		return "新建用户"
	}
	return "用户 · " + f.Username
}

// HasStore reports whether the user works for store id.
func (f *userForm) HasStore(id int64) bool { return slices.Contains(f.StoreIDs, id) }

// userFields are the user forms' fields.
var userFields = map[string]bool{"username": true, "display_name": true, "role": true, "store_ids": true,
	"password": true, "disabled": true}

// read fills f from the posted form; stores that are not numbers are a
// field problem.
func (f *userForm) read(r *http.Request) fault.Fields {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	if f.IsNew {
		f.Username, f.MustChangePassword = v("username"), r.PostFormValue("must_change_password") == "on"
	}
	f.DisplayName, f.Role, f.Disabled = v("display_name"), user.Role(v("role")), r.PostFormValue("disabled") == "on"
	f.StoreIDs, f.StoreText = nil, strings.Join(r.PostForm["store_ids"], ",")
	for _, raw := range r.PostForm["store_ids"] {
		for _, s := range strings.FieldsFunc(raw, func(c rune) bool { return c == ',' || c == '，' || c == ' ' }) {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id <= 0 {
				return fault.Fields{{Field: "store_ids", Message: "门店编号须为正整数,用逗号分隔 (store ids are positive numbers, comma separated)"}}
			}
			if !slices.Contains(f.StoreIDs, id) {
				f.StoreIDs = append(f.StoreIDs, id)
			}
		}
	}
	return nil
}

func (h *handler) newUserForm(r *http.Request, f *userForm) error {
	shops, _, err := h.shopNames(r)
	if err != nil {
		return err
	}
	f.Roles, f.Shops = userRoles, shops
	if f.StoreText == "" {
		ids := make([]string, len(f.StoreIDs))
		for i, id := range f.StoreIDs {
			ids[i] = strconv.FormatInt(id, 10)
		}
		f.StoreText = strings.Join(ids, ",")
	}
	return nil
}

func (h *handler) userNew(w http.ResponseWriter, r *http.Request) error {
	f := &userForm{IsNew: true, Action: "/users/new", User: user.User{Role: user.RoleOperator, MustChangePassword: true}}
	if err := h.newUserForm(r, f); err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "user_form", f)
	return nil
}

func (h *handler) userCreate(w http.ResponseWriter, r *http.Request) error {
	f := &userForm{IsNew: true, Action: "/users/new"}
	if bad := f.read(r); bad != nil {
		return h.userSaved(w, r, f, bad, "")
	}
	err := h.opts.Users.Create(r.Context(), &f.User, r.PostFormValue("password"))
	return h.userSaved(w, r, f, err, "用户已创建")
}

func (h *handler) loadUser(r *http.Request) (*userForm, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	u, err := h.opts.Users.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return &userForm{User: u, Action: "/users/" + strconv.FormatInt(id, 10)}, nil
}

func (h *handler) userEdit(w http.ResponseWriter, r *http.Request) error {
	f, err := h.loadUser(r)
	if err != nil {
		return err
	}
	if err := h.newUserForm(r, f); err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "user_form", f)
	return nil
}

// errSelfLockout refuses an admin taking their own admin role or account away.
var errSelfLockout = fault.Fields{{Field: "role", Message: "不能停用自己或取消自己的管理员权限 (you cannot disable yourself or drop your own admin role)"}}

func (h *handler) userUpdate(w http.ResponseWriter, r *http.Request) error {
	f, err := h.loadUser(r)
	if err != nil {
		return err
	}
	if bad := f.read(r); bad != nil {
		return h.userSaved(w, r, f, bad, "")
	}
	if f.ID == sessionOf(r).User.ID && (f.Disabled || f.Role != user.RoleAdmin) {
		return h.userSaved(w, r, f, errSelfLockout, "")
	}
	return h.userSaved(w, r, f, h.opts.Users.Update(r.Context(), &f.User), "用户已保存")
}

// userPassword sets a new password the user must change at next sign-in.
func (h *handler) userPassword(w http.ResponseWriter, r *http.Request) error {
	f, err := h.loadUser(r)
	if err != nil {
		return err
	}
	err = h.opts.Users.SetPassword(r.Context(), f.ID, r.PostFormValue("password"), true)
	return h.userSaved(w, r, f, err, "密码已重置,用户下次登录时须修改密码")
}

func (h *handler) userSaved(w http.ResponseWriter, r *http.Request, f *userForm, err error, done string) error {
	var fields fault.Fields
	switch {
	case err == nil:
		redirect(w, r, "/users/"+strconv.FormatInt(f.ID, 10), "ok", done)
		return nil
	case errors.As(err, &fields):
		if err := h.newUserForm(r, f); err != nil {
			return err
		}
		f.Errors, f.General, f.HasErrors = fieldErrors(fields, userFields)
		h.render(w, r, http.StatusUnprocessableEntity, "user_form", f)
		return nil
	}
	return err
}
