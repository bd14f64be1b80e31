// Package console is the operators' and store staff's HTTP surface: the
// JSON API under /api/v1 (described in docs/openapi.yaml), signed in with a
// session cookie (CSRF token required) or an API token, with the same roles
// as the pages; it mounts the pages (package web), the chat toolbar and
// /healthz beside it.
package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/qunbot/qunbot/internal/audit"
	"github.com/qunbot/qunbot/internal/complaint"
	"github.com/qunbot/qunbot/internal/config"
	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/governance"
	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/httpx"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/livecode"
	"github.com/qunbot/qunbot/internal/org"
	"github.com/qunbot/qunbot/internal/schedule"
	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/storage"
	"github.com/qunbot/qunbot/internal/ticket"
	"github.com/qunbot/qunbot/internal/user"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/welcome"
)

// Options are the console's dependencies.
type Options struct {
	Scripts *script.Store
	Engine  *script.Engine // answers "try it" with the library as saved
	Org     *org.Store
	Groups  *group.Store
	// GroupSync refreshes groups from WeCom; nil when WeCom is not configured.
	GroupSync *group.Syncer
	Tickets   *ticket.Service
	Welcome   *welcome.Service
	// Complaints and ComplaintDetector serve complaint rules (with try-it)
	// and detected complaints; Governance the group rules and their record.
	Complaints        *complaint.Store
	ComplaintDetector *complaint.Detector
	Governance        *governance.Store
	Schedule          *schedule.Store
	LiveCodes         *livecode.Service
	// Inbox holds every callback received; the overview counts the chat
	// messages among them (MessageKinds) per day.
	Inbox        *inbox.Store
	MessageKinds []string
	// Settings is the configuration in force, credentials redacted;
	// WeComCheck fetches fresh WeCom tokens (nil: WeCom not configured).
	Settings   []config.Setting
	WeComCheck func(ctx context.Context) error
	// WeComTry tries credentials not in force (wecom.TryCredentials with
	// the deployment's API base); nil: trying is not offered.
	WeComTry func(ctx context.Context, c wecom.Credentials) error
	// Toolbar is the chat toolbar page (聊天工具栏), served at /toolbar/.
	Toolbar http.Handler
	// Pages are the web console's pages, served at every path that is not
	// the API, the toolbar or /healthz.
	Pages    http.Handler
	Users    *user.Store  // nil: only console.api_token is admitted
	Audit    *audit.Store // nil: changes are not audited
	APIToken string       // console.api_token; empty turns token access off
	Health   func(r *http.Request) error
	Logger   *slog.Logger
	Now      func() time.Time
}

// Server serves the console.
type Server struct {
	opts Options
	mux  *http.ServeMux
}

// New builds the console and its routes.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, mux: http.NewServeMux()}
	s.routes()
	return s
}

// apiRoute is one endpoint of the JSON API.
type apiRoute struct {
	pattern string // "METHOD /path", as http.ServeMux reads it
	handle  func(s *Server, w http.ResponseWriter, r *http.Request) error
}

// routeGroup is routes open to users of at least one role.
type routeGroup struct {
	min    user.Role
	routes []apiRoute
}

// apiRoutes is the table of the JSON API; docs/openapi.yaml documents each
// (a test holds the two together).
var apiRoutes = []routeGroup{
	{user.RoleStaff, sessionRoutes},
	{user.RoleStaff, ticketRoutes}, // staff see their stores' tickets only
	{user.RoleOperator, overviewRoutes},
	{user.RoleOperator, scriptRoutes},
	{user.RoleOperator, orgRoutes},
	{user.RoleOperator, groupRoutes},
	{user.RoleOperator, welcomeRoutes},
	{user.RoleOperator, complaintRoutes},
	{user.RoleOperator, governanceRoutes},
	{user.RoleOperator, scheduleRoutes},
	{user.RoleOperator, livecodeRoutes},
	{user.RoleAdmin, adminRoutes},
	{user.RoleAdmin, settingsRoutes},
}

var scriptRoutes = []apiRoute{
	{"GET /api/v1/script-categories", (*Server).listCategories},
	{"POST /api/v1/script-categories", (*Server).createCategory},
	{"PUT /api/v1/script-categories/{id}", (*Server).updateCategory},
	{"DELETE /api/v1/script-categories/{id}", (*Server).deleteCategory},
	{"GET /api/v1/scripts", (*Server).listScripts},
	{"POST /api/v1/scripts", (*Server).createScript},
	{"POST /api/v1/scripts/try", (*Server).tryScript},
	{"POST /api/v1/scripts/import", (*Server).importScripts},
	{"GET /api/v1/scripts/export", (*Server).exportScripts},
	{"GET /api/v1/scripts/{id}", (*Server).getScript},
	{"PUT /api/v1/scripts/{id}", (*Server).updateScript},
	{"DELETE /api/v1/scripts/{id}", (*Server).deleteScript},
	{"GET /api/v1/scripts/{id}/history", (*Server).scriptHistory},
	{"GET /api/v1/unanswered", (*Server).listUnanswered},
	{"POST /api/v1/unanswered/{id}/dismiss", (*Server).dismissUnanswered},
	{"POST /api/v1/unanswered/{id}/promote", (*Server).promoteUnanswered},
}

// publicRoutes need no identity: signing in.
var publicRoutes = []apiRoute{
	{"POST /api/v1/session", (*Server).login},
}

// APIRoutes lists the JSON API's endpoints as "METHOD /path".
func APIRoutes() []string {
	var out []string
	for _, r := range publicRoutes {
		out = append(out, r.pattern)
	}
	for _, g := range apiRoutes {
		for _, r := range g.routes {
			out = append(out, r.pattern)
		}
	}
	return out
}

func (s *Server) routes() {
	for _, g := range apiRoutes {
		for _, route := range g.routes {
			s.mux.Handle(route.pattern, s.authenticated(g.min, s.bind(route)))
		}
	}
	for _, route := range publicRoutes {
		s.mux.Handle(route.pattern, s.public(s.bind(route)))
	}
	if s.opts.Toolbar != nil {
		s.mux.Handle("/toolbar/", s.opts.Toolbar)
	}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, http.StatusNotFound, "not_found", "no such API endpoint")
	})
	if s.opts.Pages != nil {
		s.mux.Handle("/", s.opts.Pages)
	} else {
		s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			httpx.WriteError(w, http.StatusNotImplemented, "not_implemented", "控制台页面未启用,请使用 /api/v1 (the console pages are not enabled; use /api/v1)")
		})
	}
}

// checkTimeout bounds a connection test to WeCom.
const checkTimeout = 15 * time.Second

// usersRoutes need the user store.
var usersRoutes = slices.Concat(publicRoutes, sessionRoutes, adminRoutes)

// bind makes route's handler a method value of s.
func (s *Server) bind(route apiRoute) func(w http.ResponseWriter, r *http.Request) error {
	h := func(w http.ResponseWriter, r *http.Request) error { return route.handle(s, w, r) }
	if slices.ContainsFunc(usersRoutes, func(u apiRoute) bool { return u.pattern == route.pattern }) {
		return s.needsUsers(h)
	}
	return h
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	httpx.Chain(s.mux, httpx.Recover(s.opts.Logger), httpx.LogRequests(s.opts.Logger)).ServeHTTP(w, r)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if s.opts.Health != nil {
		if err := s.opts.Health(r); err != nil {
			httpx.WriteError(w, http.StatusServiceUnavailable, "unavailable", "database not answering")
			return
		}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// errBadRequest marks input the API could not read (as opposed to input it
// read and found invalid).
var errBadRequest = errors.New("bad request")

// writeError is the one place where errors become statuses.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var fields fault.Fields
	switch {
	case errors.As(err, &fields):
		httpx.WriteJSON(w, http.StatusUnprocessableEntity, validationBody{Error: "invalid", Message: err.Error(), Fields: fields})
	case errors.Is(err, fault.ErrInvalid):
		httpx.WriteError(w, http.StatusUnprocessableEntity, "invalid", err.Error())
	case errors.Is(err, errBadRequest):
		httpx.WriteError(w, http.StatusBadRequest, "bad_request", err.Error())
	case errors.Is(err, fault.ErrNotFound):
		httpx.WriteError(w, http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, fault.ErrConflict):
		httpx.WriteError(w, http.StatusConflict, "conflict", err.Error())
	case errors.Is(err, fault.ErrUnauthorized):
		httpx.WriteError(w, http.StatusUnauthorized, "unauthorized", err.Error())
	case errors.Is(err, fault.ErrForbidden):
		httpx.WriteError(w, http.StatusForbidden, "forbidden", err.Error())
	case errors.Is(err, fault.ErrRateLimited):
		httpx.WriteError(w, http.StatusTooManyRequests, "rate_limited", err.Error())
	case errors.Is(err, storage.ErrUnavailable):
		httpx.WriteError(w, http.StatusServiceUnavailable, "unavailable", "数据库暂时无法访问,请稍后重试 (database not answering; retry)")
	case errors.Is(err, fault.ErrUnavailable):
		httpx.WriteError(w, http.StatusServiceUnavailable, "unavailable", err.Error())
	default:
		s.opts.Logger.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		httpx.WriteError(w, http.StatusInternalServerError, "internal", "internal error")
	}
}

// validationBody is a 422 answer: every field that is wrong.
type validationBody struct {
	Error   string       `json:"error"`
	Message string       `json:"message"`
	Fields  fault.Fields `json:"fields"`
}

// decode reads a JSON body into v, refusing unknown fields (a typo must not
// be silently ignored) and bodies over 1 MiB.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := httpx.ReadBody(w, r, 1<<20)
	if err != nil {
		return fmt.Errorf("%w: %v", errBadRequest, err)
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: body is not the expected JSON: %v", errBadRequest, err)
	}
	return nil
}

// pathID reads the {id} of the route.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%w: id %q is not a positive number", errBadRequest, r.PathValue("id"))
	}
	return id, nil
}

// queryInt reads an optional integer query parameter.
func queryInt(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%w: %s=%q is not a number", errBadRequest, name, v)
	}
	return n, nil
}

// queryBool reads an optional true/false query parameter (nil: absent).
func queryBool(r *http.Request, name string) (*bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, fmt.Errorf("%w: %s=%q is not true or false", errBadRequest, name, v)
	}
	return &b, nil
}

// paging reads the limit and offset query parameters of a list.
func paging(r *http.Request) (limit, offset int, err error) {
	if limit, err = queryInt(r, "limit"); err != nil {
		return 0, 0, err
	}
	offset, err = queryInt(r, "offset")
	return limit, offset, err
}

// queryTime reads an optional RFC 3339 time query parameter, def when it
// is absent.
func queryTime(r *http.Request, name string, def time.Time) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return def, fmt.Errorf("%w: %s=%q is not an RFC 3339 time", errBadRequest, name, v)
	}
	return t, nil
}
