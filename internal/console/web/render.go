package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/user"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// viewNames are the pages' templates; each is parsed with layout.html at
// start, and a missing one fails New.
var viewNames = []string{"error", "login", "password", "dashboard", "scripts", "script_form", "script_try", "script_import", "tasks", "task_form", "task_runs", "run", "live_codes", "live_code", "live_code_alerts", "stores", "store_form", "staff", "staff_form", "groups", "group", "settings", "tickets", "ticket", "welcome", "welcome_form", "complaints", "complaint_rules", "governance", "users", "user_form", "audit"}

// views holds the parsed templates, by name.
type views struct{ byName map[string]*template.Template }

// shanghai is where times are shown.
var shanghai = loadZone("Asia/Shanghai")

func loadZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// parseViews parses layout.html with each of the named pages' templates.
func parseViews(a *assets, names []string) (*views, error) {
	funcs := template.FuncMap{
		"asset":    a.url,
		"when":     when,
		"add":      func(a, b int) int { return a + b },
		"roleName": func(r user.Role) string { return roleNames[r] },
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("parse console layout: %w", err)
	}
	v := &views{byName: map[string]*template.Template{}}
	for _, name := range names {
		t, err := base.Clone()
		if err == nil {
			t, err = t.ParseFS(templateFS, "templates/"+name+".html")
		}
		if err == nil && t.Lookup("content") == nil {
			err = fmt.Errorf("templates/%s.html defines no \"content\"", name)
		}
		if err != nil {
			return nil, fmt.Errorf("parse console page %s: %w", name, err)
		}
		v.byName[name] = t
	}
	return v, nil
}

// when formats a time in Shanghai, minutes precision; nil or zero is "—".
func when(t any) string {
	var tt time.Time
	switch x := t.(type) {
	case time.Time:
		tt = x
	case *time.Time:
		if x != nil {
			tt = *x
		}
	}
	if tt.IsZero() {
		return "—"
	}
	return tt.In(shanghai).Format("2006-01-02 15:04")
}

// layoutData is what layout.html renders around a page.
type layoutData struct {
	Title string
	User  user.User
	CSRF  string
	Path  string
	Flash flash
	Nav   []navItem
	Data  any
}

// navItem is one link of the header.
type navItem struct {
	Href, Label string
	Active      bool
}

// nav is the header's links for role: staff see only their tickets.
func nav(role user.Role, current string) []navItem {
	items := []navItem{{"/", "概览", false}, {"/scripts", "话术库", false}, {"/scripts/try", "试一试", false},
		{"/tasks", "定时任务", false}, {"/live-codes", "群活码", false},
		{"/stores", "门店", false}, {"/staff", "员工", false}, {"/groups", "客户群", false}, {"/welcome", "欢迎语", false}, {"/complaints", "投诉", false}, {"/governance", "群规", false}, {"/tickets", "工单", false}}
	switch role {
	case user.RoleStaff:
		items = []navItem{{"/tickets", "工单", false}}
	case user.RoleAdmin:
		items = append(items, navItem{"/users", "用户", false}, navItem{"/audit", "日志", false}, navItem{"/settings", "设置", false})
	}
	for i := range items {
		href := items[i].Href
		items[i].Active = current == href ||
			(href != "/" && strings.HasPrefix(current, href+"/") && !(href == "/scripts" && current == "/scripts/try")) ||
			(href == "/tasks" && strings.HasPrefix(current, "/runs/"))
	}
	return items
}

// titled is a page's data with its title.
type titled interface{ PageTitle() string }

// render writes page name with data in the layout. Rendering goes to a
// buffer first, so a template error is a clean 500, not half a page.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t, ok := h.views.byName[name]
	if !ok {
		h.opts.Logger.Error("no such page template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	sess := sessionOf(r)
	ld := layoutData{User: sess.User, CSRF: sess.CSRF, Path: r.URL.Path, Flash: takeFlash(w, r), Data: data}
	if sess.User.ID != 0 {
		ld.Nav = nav(sess.User.Role, r.URL.Path)
	}
	if p, ok := data.(titled); ok {
		ld.Title = p.PageTitle()
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, ld); err != nil {
		h.opts.Logger.Error("render page", "name", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// PageTitle is the error page's title.
func (v errorView) PageTitle() string { return v.Title }

// flash is a one-time message shown on the next page.
type flash struct {
	Kind string // "ok" or "error"
	Text string
}

const flashCookie = "qunbot_flash"

// setFlash keeps a message for the page the redirect leads to.
func setFlash(w http.ResponseWriter, r *http.Request, kind, text string) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(kind + ":" + text), Path: "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure(r), MaxAge: 60})
}

// takeFlash reads and clears the message, if any.
func takeFlash(w http.ResponseWriter, r *http.Request) flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return flash{}
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure(r)})
	v, err := url.QueryUnescape(c.Value)
	if err != nil {
		return flash{}
	}
	kind, text, ok := strings.Cut(v, ":")
	if !ok || (kind != "ok" && kind != "error") {
		return flash{}
	}
	return flash{Kind: kind, Text: text}
}

// redirect answers a form with a flash and a See Other.
func redirect(w http.ResponseWriter, r *http.Request, to, kind, text string) {
	if text != "" {
		setFlash(w, r, kind, text)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// assets are the embedded static files, served under names that carry a
// hash of their content so they can be cached for a year.
type assets struct {
	byURLName map[string]asset // "app.3f2a9c1d.css" → file
	urlOf     map[string]string
}

type asset struct {
	body        []byte
	contentType string
}

// loadAssets reads every static file and names it by its hash.
func loadAssets() (*assets, error) {
	a := &assets{byURLName: map[string]asset{}, urlOf: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := path.Base(p)
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		a.byURLName[hashed] = asset{body: body, contentType: mime.TypeByExtension(ext)}
		a.urlOf[name] = "/static/" + hashed
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load console static files: %w", err)
	}
	return a, nil
}

// url is the cache-busting address of static file name; templates call it
// as {{asset "app.css"}}, and an unknown name fails the render.
func (a *assets) url(name string) (string, error) {
	u, ok := a.urlOf[name]
	if !ok {
		return "", fmt.Errorf("no static file %q: %w", name, fault.ErrNotFound)
	}
	return u, nil
}

// serve answers /static/{file} with a year's cache.
func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	f, ok := a.byURLName[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(f.body)
}
