package web

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/qunbot/qunbot/internal/audit"
	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/httpx"
	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/user"
)

// sessionCookie is the session cookie the JSON API reads too.
const sessionCookie = "qunbot_session"

// csrfField is the hidden form field carrying the session's CSRF token.
const csrfField = "csrf_token"

// maxForm bounds a form body.
const maxForm = 1 << 20

// maxUpload bounds a file upload (a multipart form): the script library's
// largest import file and room for the other fields.
const maxUpload = script.MaxImportBytes + 1<<20

// roleRank orders roles: a page open to a role is open to every higher one.
var roleRank = map[user.Role]int{user.RoleStaff: 1, user.RoleOperator: 2, user.RoleAdmin: 3}

// roleNames are the roles as people read them.
var roleNames = map[user.Role]string{user.RoleAdmin: "管理员", user.RoleOperator: "运营", user.RoleStaff: "门店员工"}

type sessionKey struct{}

// sessionOf is the signed-in session of r (zero on public pages).
func sessionOf(r *http.Request) user.Session {
	s, _ := r.Context().Value(sessionKey{}).(user.Session)
	return s
}

// errBadCSRF refuses a form without its session's token.
var errBadCSRF = fmt.Errorf("表单已失效,请刷新页面后重试 (missing or bad CSRF token): %w", fault.ErrForbidden)

// public serves a page that needs no session.
func (h *handler) public(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			h.fail(w, r, err)
		}
	})
}

// signedIn admits users of at least role min with a live session: no
// session sends them to sign in; an unsafe request must carry the session's
// CSRF token; a user who must change their password is sent to do so first.
// Every change is audited.
func (h *handler) signedIn(min user.Role, fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, err := h.session(r)
		if errors.Is(err, fault.ErrUnauthorized) {
			h.toLogin(w, r)
			return
		}
		if err == nil {
			err = admit(r, sess, min)
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if sess.User.MustChangePassword && r.URL.Path != "/password" && r.URL.Path != "/logout" {
			http.Redirect(w, r, "/password?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess))
		rec := &httpx.StatusRecorder{ResponseWriter: w}
		if err := fn(rec, r); err != nil {
			h.fail(rec, r, err)
		}
		h.audit(r, sess.User, rec.Status())
	})
}

// session reads the session cookie.
func (h *handler) session(r *http.Request) (user.Session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return user.Session{}, fmt.Errorf("no session: %w", fault.ErrUnauthorized)
	}
	return h.opts.Users.Session(r.Context(), c.Value)
}

// admit checks the CSRF token of an unsafe request and the user's role.
func admit(r *http.Request, sess user.Session, min user.Role) error {
	if unsafeMethod(r.Method) && !csrfMatches(r, sess.CSRF) {
		return errBadCSRF
	}
	if roleRank[sess.User.Role] < roleRank[min] {
		return fmt.Errorf("此页面需要%s权限 (needs the %s role): %w", roleNames[min], min, fault.ErrForbidden)
	}
	return nil
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// csrfMatches reads the token from the X-CSRF-Token header or the form.
func csrfMatches(r *http.Request, want string) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		r.Body = http.MaxBytesReader(nil, r.Body, bodyLimit(r))
		got = r.PostFormValue(csrfField)
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// bodyLimit is the largest body r may send: an upload may be bigger than a
// form.
func bodyLimit(r *http.Request) int64 {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		return maxUpload
	}
	return maxForm
}

// toLogin sends someone without a session to sign in, then back here.
func (h *handler) toLogin(w http.ResponseWriter, r *http.Request) {
	next := r.URL.RequestURI()
	if r.Method != http.MethodGet {
		next = "/"
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
}

// safeNext is a local path to go back to after signing in; anything else
// (another site, a scheme-relative URL) becomes "/".
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

// setSessionCookie sets (or, with an empty token, clears) the session
// cookie: HttpOnly, SameSite=Lax, Secure when served over TLS.
func setSessionCookie(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	c := &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: secure(r), Expires: expires}
	if token == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

func secure(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

// clientAddr is the client's address for the login rate limit: the TCP
// peer, not a header a client could forge.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// audit records a change made through the pages: who, which route, which
// object, the outcome, and the form sent (secrets left out).
func (h *handler) audit(r *http.Request, u user.User, status int) {
	if h.opts.Audit == nil || !unsafeMethod(r.Method) {
		return
	}
	e := audit.Entry{Actor: u.Name(), Action: "page " + r.Pattern, Object: r.URL.Path, Status: status, After: formJSON(r)}
	if err := h.opts.Audit.Record(r.Context(), e); err != nil {
		h.opts.Logger.Error("audit entry not recorded", "action", e.Action, "actor", e.Actor, "err", err)
	}
}

// formJSON is the posted form as JSON, without the CSRF token, and with
// passwords and keys blanked.
func formJSON(r *http.Request) json.RawMessage {
	if r.PostForm == nil {
		return nil
	}
	m := map[string][]string{}
	for k, v := range r.PostForm {
		switch {
		case k == csrfField:
		case audit.Sensitive(k):
			m[k] = []string{"***"}
		default:
			m[k] = v
		}
	}
	b, _ := json.Marshal(m) // strings only: cannot fail
	return b
}
