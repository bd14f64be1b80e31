package livecode

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/qunbot/qunbot/internal/fault"
)

//go:embed templates/landing.html
var landingHTML string

// landingTemplate is parsed once; a broken template fails every test.
var landingTemplate = template.Must(template.New("landing").Parse(landingHTML))

// maxPageAge is how long a rendered page is served at most, even when the
// code did not change: the group's name and fill are read again.
const maxPageAge = 30 * time.Second

// landingEntry is a rendered landing page.
type landingEntry struct {
	codeID   int64
	rev      int64
	status   int
	page     []byte
	rendered time.Time
	checked  atomic.Int64 // unix nanoseconds of the last revision check
}

// landingView is what the template shows.
type landingView struct {
	Title, GroupName, Notice, QRCode, Fallback, Status string
}

// Landing is the handler of GET /qr/{code}: the live code's page with the
// current group's join QR code, from memory; a changed code is seen within
// Options.CacheTTL. A page never shows a full or broken group without
// saying so, and the fallback text is always there.
func Landing(s *Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := r.PathValue("code")
		if code == "" {
			code = strings.TrimPrefix(r.URL.Path, "/qr/")
		}
		e, err := s.landing(r.Context(), code)
		if err != nil {
			s.log.Error("live code landing page failed", "code", code, "err", err)
			writePage(w, http.StatusServiceUnavailable, unavailablePage)
			return
		}
		if e.codeID > 0 {
			s.views.add(e.codeID)
		}
		writePage(w, e.status, e.page)
	})
}

func writePage(w http.ResponseWriter, status int, page []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(page)
}

// unavailablePage is served when the database does not answer and no page
// is cached.
var unavailablePage = mustRender(landingView{Title: "活码", Status: StatusError,
	Notice: "页面暂时无法打开，请稍后再试", Fallback: defaultFallback})

func mustRender(v landingView) []byte {
	var b bytes.Buffer
	if err := landingTemplate.Execute(&b, v); err != nil {
		panic(err) // the embedded template is broken: fails at start
	}
	return b.Bytes()
}

// validCode reports whether s can be a code (generated codes are lower-case
// letters and digits).
func validCode(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// landing returns the page of code from the cache, checking the code's
// revision with one indexed query once per CacheTTL.
func (s *Service) landing(ctx context.Context, code string) (*landingEntry, error) {
	if !validCode(code) {
		return notFoundEntry, nil
	}
	now := s.opts.Now()
	v, cached := s.cache.Load(code)
	if cached {
		e := v.(*landingEntry)
		if now.Sub(e.rendered) < maxPageAge {
			if now.UnixNano()-e.checked.Load() < int64(s.opts.CacheTTL) {
				return e, nil
			}
			rev, err := s.revision(ctx, code)
			if err != nil {
				return e, nil // serve what we have while the database is away
			}
			if rev == e.rev {
				e.checked.Store(now.UnixNano())
				return e, nil
			}
		}
	}
	e, err := s.render(ctx, code)
	if err != nil {
		if cached {
			return v.(*landingEntry), nil
		}
		return nil, err
	}
	if e.codeID > 0 { // unknown codes are not cached: they would fill memory
		s.cache.Store(code, e)
	}
	return e, nil
}

// notFoundEntry is the page of a code that does not exist.
var notFoundEntry = &landingEntry{status: http.StatusNotFound, rev: -1,
	page: mustRender(landingView{Title: "活码不存在", Status: "not_found", Notice: "该活码不存在或已删除", Fallback: defaultFallback})}

// revision reads a code's revision (-1 when it does not exist).
func (s *Service) revision(ctx context.Context, code string) (int64, error) {
	var rows []codeRow
	if err := s.db.WithContext(ctx).Select("rev").Where("code = ?", code).Limit(1).Find(&rows).Error; err != nil {
		return 0, wrap("read live code revision", err)
	}
	if len(rows) == 0 {
		return -1, nil
	}
	return rows[0].Rev, nil
}

// render builds a code's page from the database.
func (s *Service) render(ctx context.Context, code string) (*landingEntry, error) {
	var rows []codeRow
	if err := s.db.WithContext(ctx).Where("code = ?", code).Limit(1).Find(&rows).Error; err != nil {
		return nil, wrap("read live code "+code, err)
	}
	if len(rows) == 0 {
		e := &landingEntry{status: notFoundEntry.status, rev: -1, page: notFoundEntry.page, rendered: s.opts.Now()}
		e.checked.Store(e.rendered.UnixNano())
		return e, nil
	}
	r := rows[0]
	view, err := s.viewOf(ctx, r)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := landingTemplate.Execute(&b, view); err != nil {
		return nil, err
	}
	e := &landingEntry{codeID: r.ID, rev: r.Rev, status: http.StatusOK, page: b.Bytes(), rendered: s.opts.Now()}
	e.checked.Store(e.rendered.UnixNano())
	return e, nil
}

// viewOf decides what a code's page says.
func (s *Service) viewOf(ctx context.Context, r codeRow) (landingView, error) {
	v := landingView{Title: r.Name, Fallback: r.FallbackText, Status: r.Status}
	if !r.Enabled {
		v.Status, v.Notice = "disabled", "该活码已停用"
		return v, nil
	}
	if r.CurrentChatID != "" {
		g, err := s.opts.Groups.Get(ctx, r.CurrentChatID)
		switch {
		case errors.Is(err, fault.ErrNotFound):
		case err != nil:
			return v, err
		case g.Dismissed:
			v.Status, v.Notice = StatusError, "当前群已解散，暂时无法扫码入群"
			return v, nil
		default:
			v.GroupName = g.Name
			if g.MemberCount >= r.Threshold && r.Status == StatusOK {
				v.Status = StatusFull // the move has not happened (yet): say so
			}
		}
	}
	switch {
	case r.Status == StatusError || r.QRCode == "":
		v.Status, v.Notice = StatusError, "二维码暂时无法使用"
	case v.Status == StatusFull:
		v.Notice = "当前群已满员，暂时无法扫码入群"
	case r.Status == StatusAutoCreate:
		v.Notice, v.QRCode = "当前群已满，扫码后将为您安排新群", r.QRCode
	default:
		v.QRCode = r.QRCode
	}
	return v, nil
}

// invalidate drops a code's cached page on this replica; other replicas
// see the new revision within CacheTTL.
func (s *Service) invalidate(code string) { s.cache.Delete(code) }
