package console

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/qunbot/qunbot/internal/audit"
	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/httpx"
	"github.com/qunbot/qunbot/internal/user"
)

// sessionRoutes are open to every signed-in user: who am I, sign out,
// change my password.
var sessionRoutes = []apiRoute{
	{"GET /api/v1/session", (*Server).me},
	{"DELETE /api/v1/session", (*Server).logout},
	{"PUT /api/v1/session/password", (*Server).changePassword},
}

// adminRoutes manage users, API tokens and read the audit log.
var adminRoutes = []apiRoute{
	{"GET /api/v1/users", (*Server).listUsers},
	{"POST /api/v1/users", (*Server).createUser},
	{"PUT /api/v1/users/{id}", (*Server).updateUser},
	{"POST /api/v1/users/{id}/password", (*Server).resetPassword},
	{"GET /api/v1/tokens", (*Server).listTokens},
	{"POST /api/v1/tokens", (*Server).createToken},
	{"DELETE /api/v1/tokens/{id}", (*Server).revokeToken},
	{"GET /api/v1/audit", (*Server).listAudit},
}

// sessionBody is who is signed in, and the CSRF token their changes carry.
type sessionBody struct {
	User      user.User `json:"user"`
	CSRFToken string    `json:"csrf_token,omitempty"`
}

// public serves a route that needs no identity, turning its error into its
// answer.
func (s *Server) public(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// needsUsers answers 503 for the routes of users and sessions when the
// console runs without a user store (only console.api_token admitted).
func (s *Server) needsUsers(h func(w http.ResponseWriter, r *http.Request) error) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.opts.Users == nil {
			return fmt.Errorf("用户功能未启用 (users are not configured): %w", fault.ErrUnavailable)
		}
		return h(w, r)
	}
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	users := s.opts.Users
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	token, sess, err := users.Login(r.Context(), in.Username, in.Password, clientAddr(r))
	if err != nil {
		return err
	}
	s.setSessionCookie(w, r, token, sess.ExpiresAt)
	httpx.WriteJSON(w, http.StatusOK, sessionBody{User: sess.User, CSRFToken: sess.CSRF})
	return nil
}

// setSessionCookie sets (or, with an empty token, clears) the session
// cookie: HttpOnly, SameSite=Lax, Secure when served over TLS.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	c := &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https", Expires: expires}
	if token == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
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

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	body := sessionBody{User: currentUser(r)}
	if id, _ := r.Context().Value(identityKey{}).(identity); id.session != nil {
		body.CSRFToken = id.session.CSRF
	}
	httpx.WriteJSON(w, http.StatusOK, body)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil && s.opts.Users != nil {
		if err := s.opts.Users.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	s.setSessionCookie(w, r, "", time.Time{})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	users := s.opts.Users
	var in struct {
		OldPassword string `json:"old_password"`
		NewPassword string `json:"new_password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	me := currentUser(r)
	if me.ID == 0 {
		return fmt.Errorf("API 令牌没有密码 (an API token has no password): %w", fault.ErrForbidden)
	}
	// The old password proves it is the user, not a borrowed session.
	if _, _, err := users.Login(r.Context(), me.Username, in.OldPassword, clientAddr(r)); err != nil {
		return fmt.Errorf("%w", fault.Invalid("old_password", "原密码不正确 (the current password is wrong)"))
	}
	if err := users.SetPassword(r.Context(), me.ID, in.NewPassword, false); err != nil {
		return err
	}
	// Every session ended with the change; this one starts afresh.
	token, sess, err := users.Login(r.Context(), me.Username, in.NewPassword, clientAddr(r))
	if err != nil {
		return err
	}
	s.setSessionCookie(w, r, token, sess.ExpiresAt)
	httpx.WriteJSON(w, http.StatusOK, sessionBody{User: sess.User, CSRFToken: sess.CSRF})
	return nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	users := s.opts.Users
	list, err := users.List(r.Context())
	return answer(w, http.StatusOK, allOf(list), err)
}

// userInput is a user as the API takes it.
type userInput struct {
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Role        user.Role `json:"role"`
	StoreIDs    []int64   `json:"store_ids"`
	Disabled    bool      `json:"disabled"`
	Password    string    `json:"password,omitempty"`
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	users := s.opts.Users
	var in userInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u := user.User{Username: in.Username, DisplayName: in.DisplayName, Role: in.Role, StoreIDs: in.StoreIDs,
		Disabled: in.Disabled, MustChangePassword: true}
	if err := users.Create(r.Context(), &u, in.Password); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, u)
	return nil
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	users := s.opts.Users
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in userInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, err := users.Get(r.Context(), id)
	if err != nil {
		return err
	}
	if id == currentUser(r).ID && (in.Role != user.RoleAdmin || in.Disabled) {
		return fmt.Errorf("%w", fault.Invalid("role", "不能降低或停用自己的管理员账号 (you cannot demote or disable yourself)"))
	}
	u.DisplayName, u.Role, u.StoreIDs, u.Disabled = in.DisplayName, in.Role, in.StoreIDs, in.Disabled
	if err := users.Update(r.Context(), &u); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) error {
	users := s.opts.Users
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in struct {
		Password string `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	return noContent(w, users.SetPassword(r.Context(), id, in.Password, true))
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	users := s.opts.Users
	list, err := users.Tokens(r.Context(), 0)
	return answer(w, http.StatusOK, allOf(list), err)
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	users := s.opts.Users
	var in struct {
		Name   string `json:"name"`
		UserID int64  `json:"user_id"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.UserID == 0 {
		in.UserID = currentUser(r).ID
	}
	value, tok, err := users.CreateToken(r.Context(), in.UserID, in.Name)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, struct {
		user.Token
		Value string `json:"value"`
	}{tok, value})
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	return deleteByID(w, r, wired(s.opts.Users), (*user.Store).RevokeToken)
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	if s.opts.Audit == nil {
		return fmt.Errorf("审计日志未启用 (the audit log is not configured): %w", fault.ErrUnavailable)
	}
	limit, offset, err := paging(r)
	if err != nil {
		return err
	}
	items, total, err := s.opts.Audit.List(r.Context(), audit.Filter{Actor: r.URL.Query().Get("actor"), Limit: limit, Offset: offset})
	return answer(w, http.StatusOK, page[audit.Entry]{Items: items, Total: total}, err)
}
