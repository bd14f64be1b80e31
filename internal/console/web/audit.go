package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/qunbot/qunbot/internal/audit"
)

// auditPerPage is the page size of the audit log.
const auditPerPage = 50

// auditView is the audit log page.
type auditView struct {
	Actor   string
	Entries []audit.Entry
	Total   int64
	Pager   pager
}

// PageTitle names the page.
func (auditView) PageTitle() string { return "操作日志" }

func (h *handler) auditList(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Audit == nil {
		return errUnconfigured("操作日志", "the audit log")
	}
	actor := strings.TrimSpace(r.URL.Query().Get("actor"))
	pg, err := pageParam(r)
	if err != nil {
		return err
	}
	list, total, err := h.opts.Audit.List(r.Context(), audit.Filter{Actor: actor, Limit: auditPerPage, Offset: (pg - 1) * auditPerPage})
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "audit", auditView{Actor: actor, Entries: list, Total: total,
		Pager: newPager("/audit", url.Values{"actor": {actor}}, pg, auditPerPage, total)})
	return nil
}
