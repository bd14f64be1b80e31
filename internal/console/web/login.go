package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/user"
)

// loginView is the sign-in form.
type loginView struct {
	Next, Username, Error string
}

// PageTitle names the page.
func (loginView) PageTitle() string { return "登录" }

func (h *handler) loginForm(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if _, err := h.session(r); err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	h.render(w, r, http.StatusOK, "login", loginView{Next: next})
	return nil
}

func (h *handler) login(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return errBadInput
	}
	v := loginView{Next: safeNext(r.PostFormValue("next")), Username: strings.TrimSpace(r.PostFormValue("username"))}
	token, sess, err := h.opts.Users.Login(r.Context(), v.Username, r.PostFormValue("password"), clientAddr(r))
	switch {
	case errors.Is(err, user.ErrTooManyAttempts):
		v.Error = "登录失败次数过多,请 15 分钟后再试 (too many failed sign-ins; try again in 15 minutes)"
		h.render(w, r, http.StatusTooManyRequests, "login", v)
		return nil
	case errors.Is(err, fault.ErrUnauthorized):
		v.Error = "用户名或密码错误 (wrong username or password)"
		h.render(w, r, http.StatusUnauthorized, "login", v)
		return nil
	case err != nil:
		return err
	}
	setSessionCookie(w, r, token, sess.ExpiresAt)
	to := v.Next
	if sess.User.Role == user.RoleStaff && to == "/" {
		to = "/tickets"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := h.opts.Users.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	setSessionCookie(w, r, "", time.Time{})
	redirect(w, r, "/login", "ok", "已退出登录")
	return nil
}

// passwordView is the change-password form.
type passwordView struct {
	Next, Error string
	Forced      bool
	MinLength   int
}

// PageTitle names the page.
func (passwordView) PageTitle() string { return "修改密码" }

func (h *handler) passwordForm(w http.ResponseWriter, r *http.Request) error {
	h.render(w, r, http.StatusOK, "password", passwordView{Next: safeNext(r.URL.Query().Get("next")),
		Forced: sessionOf(r).User.MustChangePassword, MinLength: user.MinPassword})
	return nil
}

func (h *handler) changePassword(w http.ResponseWriter, r *http.Request) error {
	me := sessionOf(r).User
	v := passwordView{Next: safeNext(r.PostFormValue("next")), Forced: me.MustChangePassword, MinLength: user.MinPassword}
	oldPw, newPw := r.PostFormValue("old_password"), r.PostFormValue("new_password")
	if newPw != r.PostFormValue("confirm_password") {
		v.Error = "两次输入的新密码不一致 (the new passwords differ)"
		h.render(w, r, http.StatusUnprocessableEntity, "password", v)
		return nil
	}
	// The old password proves it is the user, not a borrowed session.
	if _, _, err := h.opts.Users.Login(r.Context(), me.Username, oldPw, clientAddr(r)); err != nil {
		v.Error = "原密码不正确 (the current password is wrong)"
		if errors.Is(err, user.ErrTooManyAttempts) {
			v.Error = "尝试次数过多,请稍后再试 (too many attempts; try later)"
		}
		h.render(w, r, http.StatusUnprocessableEntity, "password", v)
		return nil
	}
	if err := h.opts.Users.SetPassword(r.Context(), me.ID, newPw, false); err != nil {
		var fields fault.Fields
		if !errors.As(err, &fields) {
			return err
		}
		v.Error = messages(fields)
		h.render(w, r, http.StatusUnprocessableEntity, "password", v)
		return nil
	}
	// Every session ended with the change; this one starts afresh.
	token, sess, err := h.opts.Users.Login(r.Context(), me.Username, newPw, clientAddr(r))
	if err != nil {
		return err
	}
	setSessionCookie(w, r, token, sess.ExpiresAt)
	redirect(w, r, v.Next, "ok", "密码已修改")
	return nil
}
