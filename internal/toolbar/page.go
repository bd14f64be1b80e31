package toolbar

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// parsePages parses the embedded templates once, at start; a broken
// template is a build defect that the tests catch, so it fails loudly.
func parsePages() *template.Template {
	return template.Must(template.ParseFS(templateFS, "templates/*.html"))
}

// asset is one embedded static file and its checksum.
type asset struct {
	body []byte
	sum  string // first 12 hex digits of its SHA-256
}

// assets are the embedded static files by name.
type assets map[string]asset

func loadAssets() assets {
	out := assets{}
	_ = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		out[path.Base(p)] = asset{body: body, sum: hex.EncodeToString(sum[:])[:12]}
		return nil
	})
	return out
}

// url is the page-relative URL of asset name, carrying its checksum so a
// new build is never served from a stale cache.
func (a assets) url(name string) string { return "static/" + name + "?v=" + a[name].sum }

// static serves an embedded file; with the current checksum it may be
// cached for good.
func (h *handler) static(w http.ResponseWriter, r *http.Request) {
	a, found := h.assets[r.PathValue("name")]
	if !found {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(r.PathValue("name"))))
	if r.URL.Query().Get("v") == a.sum {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	_, _ = w.Write(a.body)
}

// pageData is what page.html shows.
type pageData struct {
	UserID string
	CSS    string
	JS     string
}

// page serves the toolbar page to a signed-in staff member, and sends
// anyone else to WeCom's sign-in.
func (h *handler) page(w http.ResponseWriter, r *http.Request) {
	user, ok := h.userOf(r)
	if !ok {
		h.login(w, r)
		return
	}
	h.render(w, http.StatusOK, "page.html", pageData{UserID: user, CSS: h.assets.url("toolbar.css"), JS: h.assets.url("toolbar.js")})
}

// errorData is what error.html shows.
type errorData struct {
	Title   string
	Message string
	Retry   bool // offer to open the toolbar again
	CSS     string
}

// errorPage answers a Chinese-first page saying what went wrong.
func (h *handler) errorPage(w http.ResponseWriter, status int, title, message string, retry bool) {
	h.render(w, status, "error.html", errorData{Title: title, Message: message, Retry: retry, CSS: h.cssFromAnywhere()})
}

// cssFromAnywhere is the stylesheet's URL from any page under Prefix.
func (h *handler) cssFromAnywhere() string { return h.path(Prefix) + h.assets.url("toolbar.css") }

// render executes a template into a buffer first, so a failure never sends
// half a page.
func (h *handler) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := h.pages.ExecuteTemplate(&buf, name, data); err != nil {
		h.opts.Logger.Error("render toolbar page", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
