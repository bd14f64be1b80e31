// Package web is the console's server-rendered pages: sign-in, the
// dashboard, the script library with its "try it" box and import, scheduled
// tasks, live codes, stores, staff and customer groups, welcome messages,
// complaint tiers and lexicons, group-rule records, users with their API
// tokens and the audit log (admins), the settings (admins) and the store
// staff's ticket inbox. Templates and static files are
// embedded and parsed once at start; every form carries the session's CSRF
// token; content is escaped by html/template. The JSON API lives in package console.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/qunbot/qunbot/internal/audit"
	"github.com/qunbot/qunbot/internal/complaint"
	"github.com/qunbot/qunbot/internal/config"
	"github.com/qunbot/qunbot/internal/governance"
	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/httpx"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/livecode"
	"github.com/qunbot/qunbot/internal/org"
	"github.com/qunbot/qunbot/internal/schedule"
	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/ticket"
	"github.com/qunbot/qunbot/internal/user"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/welcome"
)

// Options are the pages' dependencies. Users is required; a page whose
// store is nil answers that the capability is not configured.
type Options struct {
	Users   *user.Store
	Scripts *script.Store
	Engine  *script.Engine // answers the "try it" box
	Tickets *ticket.Service
	// Schedule keeps scheduled tasks (定时任务) and their runs.
	Schedule *schedule.Store
	// LiveCodes runs live QR codes (群活码).
	LiveCodes *livecode.Service
	// Groups is the customer-group directory (客户群).
	Groups *group.Store
	// Inbox holds every callback received; the dashboard counts the
	// messages among them (MessageKinds) per day.
	Inbox        *inbox.Store
	MessageKinds []string
	// Org keeps stores (门店) and staff.
	Org   *org.Store
	Audit *audit.Store // nil: changes are not audited
	// Welcome greets new contacts and followers (欢迎语).
	Welcome *welcome.Service
	// Complaints keeps the complaint tiers, lexicons and detected complaints.
	Complaints *complaint.Store
	// ComplaintDetector is reloaded after the rules are saved; may be nil.
	ComplaintDetector *complaint.Detector
	// Governance keeps the group rules' ladder records and alerts (群规治理).
	Governance *governance.Store
	// Settings are the configuration in force, credentials redacted
	// (config.Config.Settings); the page redacts credentials again.
	Settings []config.Setting
	// WeComCheck tests the WeCom credentials ("测试连接"); nil when WeCom
	// is not configured.
	WeComCheck func(ctx context.Context) error
	// WeComTry tries credentials typed on the settings page before they are
	// put in the configuration; nil: the form is not offered.
	WeComTry func(ctx context.Context, c wecom.Credentials) error
	Logger   *slog.Logger
	Now      func() time.Time
}

// handler serves the pages.
type handler struct {
	opts   Options
	views  *views
	assets *assets
	mux    *http.ServeMux
}

// New parses the templates and static files and returns the pages'
// handler. A missing or broken template is an error here, not at the first
// request.
func New(opts Options) (http.Handler, error) {
	if opts.Users == nil {
		return nil, errors.New("console pages: Options.Users is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	a, err := loadAssets()
	if err != nil {
		return nil, err
	}
	v, err := parseViews(a, viewNames)
	if err != nil {
		return nil, err
	}
	h := &handler{opts: opts, views: v, assets: a, mux: http.NewServeMux()}
	h.routes()
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(h.crossOrigin))
	return httpx.Chain(h.mux, cop.Handler), nil
}

// page is one route of the pages: who may open it, and its handler.
type page struct {
	pattern string
	min     user.Role // "": no sign-in needed
	handle  func(h *handler, w http.ResponseWriter, r *http.Request) error
}

// pages is the routes table.
var pages = []page{
	{"GET /login", "", (*handler).loginForm},
	{"POST /login", "", (*handler).login},
	{"POST /logout", user.RoleStaff, (*handler).logout},
	{"GET /password", user.RoleStaff, (*handler).passwordForm},
	{"POST /password", user.RoleStaff, (*handler).changePassword},
	{"GET /{$}", user.RoleStaff, (*handler).dashboard},
	{"GET /scripts", user.RoleOperator, (*handler).scriptList},
	{"GET /scripts/new", user.RoleOperator, (*handler).scriptNew},
	{"POST /scripts/new", user.RoleOperator, (*handler).scriptCreate},
	{"GET /scripts/try", user.RoleOperator, (*handler).tryForm},
	{"POST /scripts/try", user.RoleOperator, (*handler).try},
	{"GET /scripts/import", user.RoleOperator, (*handler).importForm},
	{"POST /scripts/import", user.RoleOperator, (*handler).importScripts},
	{"GET /scripts/{id}", user.RoleOperator, (*handler).scriptEdit},
	{"POST /scripts/{id}", user.RoleOperator, (*handler).scriptUpdate},
	{"GET /tasks", user.RoleOperator, (*handler).taskList},
	{"GET /tasks/new", user.RoleOperator, (*handler).taskNew},
	{"POST /tasks/new", user.RoleOperator, (*handler).taskCreate},
	{"GET /tasks/{id}", user.RoleOperator, (*handler).taskEdit},
	{"POST /tasks/{id}", user.RoleOperator, (*handler).taskUpdate},
	{"GET /tasks/{id}/runs", user.RoleOperator, (*handler).taskRuns},
	{"POST /tasks/{id}/{action}", user.RoleOperator, (*handler).taskAction},
	{"GET /runs/{id}", user.RoleOperator, (*handler).runDetail},
	{"GET /live-codes", user.RoleOperator, (*handler).codeList},
	{"GET /live-codes/new", user.RoleOperator, (*handler).codeNew},
	{"POST /live-codes/new", user.RoleOperator, (*handler).codeCreate},
	{"GET /live-codes/alerts", user.RoleOperator, (*handler).codeAlerts},
	{"POST /live-codes/alerts/{id}/ack", user.RoleOperator, (*handler).codeAck},
	{"GET /live-codes/{id}", user.RoleOperator, (*handler).codeEdit},
	{"POST /live-codes/{id}", user.RoleOperator, (*handler).codeUpdate},
	{"GET /stores", user.RoleOperator, (*handler).shopList},
	{"GET /stores/new", user.RoleOperator, (*handler).shopNew},
	{"POST /stores/new", user.RoleOperator, (*handler).shopCreate},
	{"GET /stores/{id}", user.RoleOperator, (*handler).shopEdit},
	{"POST /stores/{id}", user.RoleOperator, (*handler).shopUpdate},
	{"GET /staff", user.RoleOperator, (*handler).staffList},
	{"GET /staff/new", user.RoleOperator, (*handler).staffNew},
	{"POST /staff/new", user.RoleOperator, (*handler).staffCreate},
	{"GET /staff/{id}", user.RoleOperator, (*handler).staffEdit},
	{"POST /staff/{id}", user.RoleOperator, (*handler).staffUpdate},
	{"GET /groups", user.RoleOperator, (*handler).groupList},
	{"GET /groups/{chat}", user.RoleOperator, (*handler).groupEdit},
	{"POST /groups/{chat}", user.RoleOperator, (*handler).groupUpdate},
	{"GET /welcome", user.RoleOperator, (*handler).welcomeList},
	{"POST /welcome/preview", user.RoleOperator, (*handler).welcomePreview},
	{"GET /welcome/new", user.RoleOperator, (*handler).welcomeNew},
	{"POST /welcome/new", user.RoleOperator, (*handler).welcomeCreate},
	{"GET /welcome/{id}", user.RoleOperator, (*handler).welcomeEdit},
	{"POST /welcome/{id}", user.RoleOperator, (*handler).welcomeUpdate},
	{"GET /complaints", user.RoleOperator, (*handler).complaintList},
	{"GET /complaints/rules", user.RoleOperator, (*handler).complaintRules},
	{"POST /complaints/rules", user.RoleOperator, (*handler).complaintRulesPost},
	{"GET /governance", user.RoleOperator, (*handler).governanceList},
	{"GET /users", user.RoleAdmin, (*handler).userList},
	{"GET /users/new", user.RoleAdmin, (*handler).userNew},
	{"POST /users/new", user.RoleAdmin, (*handler).userCreate},
	{"GET /users/{id}", user.RoleAdmin, (*handler).userEdit},
	{"POST /users/{id}", user.RoleAdmin, (*handler).userUpdate},
	{"POST /users/{id}/password", user.RoleAdmin, (*handler).userPassword},
	{"POST /tokens/new", user.RoleAdmin, (*handler).tokenCreate},
	{"POST /tokens/{id}/revoke", user.RoleAdmin, (*handler).tokenRevoke},
	{"GET /audit", user.RoleAdmin, (*handler).auditList},
	{"GET /settings", user.RoleAdmin, (*handler).settings},
	{"POST /settings/wecom/test", user.RoleAdmin, (*handler).checkWeCom},
	{"POST /settings/wecom/try", user.RoleAdmin, (*handler).tryWeCom},
	{"GET /tickets", user.RoleStaff, (*handler).ticketList},
	{"GET /tickets/{id}", user.RoleStaff, (*handler).ticketDetail},
	{"POST /tickets/{id}/comments", user.RoleStaff, (*handler).ticketComment},
	{"POST /tickets/{id}/{step}", user.RoleStaff, (*handler).ticketStep},
}

func (h *handler) routes() {
	for _, p := range pages {
		handle := p.handle
		fn := func(w http.ResponseWriter, r *http.Request) error { return handle(h, w, r) }
		if p.min == "" {
			h.mux.Handle(p.pattern, h.public(fn))
			continue
		}
		h.mux.Handle(p.pattern, h.signedIn(p.min, fn))
	}
	h.mux.HandleFunc("GET /static/{file}", h.assets.serve)
	h.mux.Handle("/", h.public(func(w http.ResponseWriter, r *http.Request) error { return errPageNotFound }))
}
