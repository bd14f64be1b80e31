package console

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/httpx"
	"github.com/qunbot/qunbot/internal/user"
)

// sessionCookie carries a console session.
const sessionCookie = "qunbot_session"

// csrfHeader carries the session's CSRF token on API calls made with the
// cookie; forms carry it as the csrf_token field.
const csrfHeader = "X-CSRF-Token"

// configTokenUser is who a request bearing console.api_token acts as: an
// admin named "api" in change histories and the audit log.
var configTokenUser = user.User{Username: "api", DisplayName: "API", Role: user.RoleAdmin}

// identity is who made a request, and how.
type identity struct {
	user    user.User
	session *user.Session // set when signed in with the cookie
}

type identityKey struct{}

// currentUser is the user a request acts as (set by authenticated).
func currentUser(r *http.Request) user.User {
	id, _ := r.Context().Value(identityKey{}).(identity)
	return id.user
}

// actor names the current user in change histories.
func actor(r *http.Request) string { return currentUser(r).Name() }

// scope is the stores the current user may see: nil means all of them.
func scope(r *http.Request) []int64 { return currentUser(r).Scope() }

// roleRank orders roles: a route open to a role is open to every higher one.
var roleRank = map[user.Role]int{user.RoleStaff: 1, user.RoleOperator: 2, user.RoleAdmin: 3}

// errNoAuthConfigured: neither users nor an API token are set up.
var errNoAuthConfigured = errors.New("no authentication configured")

// identify finds who made r: a bearer token (console.api_token or a user's
// API token) or the session cookie. Cookie requests that change something
// must carry the session's CSRF token.
func (s *Server) identify(r *http.Request) (identity, error) {
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return s.identifyToken(r.Context(), bearer)
	}
	if s.opts.Users == nil {
		if s.opts.APIToken == "" {
			return identity{}, errNoAuthConfigured
		}
		return identity{}, fmt.Errorf("需要有效的 API 令牌 (a valid bearer token is required): %w", fault.ErrUnauthorized)
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return identity{}, fmt.Errorf("请先登录 (sign in first): %w", fault.ErrUnauthorized)
	}
	sess, err := s.opts.Users.Session(r.Context(), c.Value)
	if err != nil {
		return identity{}, err
	}
	if unsafeMethod(r.Method) && !csrfMatches(r, sess.CSRF) {
		return identity{}, fmt.Errorf("CSRF 令牌缺失或无效,请刷新页面 (missing or bad CSRF token): %w", fault.ErrForbidden)
	}
	return identity{user: sess.User, session: &sess}, nil
}

func (s *Server) identifyToken(ctx context.Context, bearer string) (identity, error) {
	if s.opts.APIToken != "" && subtle.ConstantTimeCompare([]byte(bearer), []byte(s.opts.APIToken)) == 1 {
		return identity{user: configTokenUser}, nil
	}
	if s.opts.Users == nil {
		if s.opts.APIToken == "" {
			return identity{}, errNoAuthConfigured
		}
		return identity{}, fmt.Errorf("需要有效的 API 令牌 (a valid bearer token is required): %w", fault.ErrUnauthorized)
	}
	u, err := s.opts.Users.ByToken(ctx, bearer)
	if err != nil {
		return identity{}, err
	}
	return identity{user: u}, nil
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

func csrfMatches(r *http.Request, want string) bool {
	got := r.Header.Get(csrfHeader)
	if got == "" && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		got = r.PostFormValue("csrf_token")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// authenticated admits requests from users of at least role min and turns
// a handler's error into its answer.
func (s *Server) authenticated(min user.Role, h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := s.identify(r)
		switch {
		case errors.Is(err, errNoAuthConfigured):
			httpx.WriteError(w, http.StatusServiceUnavailable, "api_disabled", "未配置 console.api_token,API 未開放 (set console.api_token to use the API)")
			return
		case errors.Is(err, fault.ErrUnauthorized):
			w.Header().Set("WWW-Authenticate", `Bearer realm="qunbot"`)
			s.writeError(w, r, err)
			return
		case err != nil:
			s.writeError(w, r, err)
			return
		case roleRank[id.user.Role] < roleRank[min]:
			s.writeError(w, r, fmt.Errorf("需要%s权限 (needs the %s role): %w", roleNames[min], min, fault.ErrForbidden))
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), identityKey{}, id))
		body := auditBody(r)
		rec := &httpx.StatusRecorder{ResponseWriter: w}
		if err := h(rec, r); err != nil {
			s.writeError(rec, r, err)
		}
		s.audit(r, rec.Status(), body)
	})
}

var roleNames = map[user.Role]string{user.RoleAdmin: "管理员", user.RoleOperator: "运营", user.RoleStaff: "门店员工"}
