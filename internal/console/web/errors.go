package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/qunbot/qunbot/internal/fault"
)

// errPageNotFound answers a path no page has.
var errPageNotFound = fmt.Errorf("页面不存在 (no such page): %w", fault.ErrNotFound)

// errorView is the error page's content.
type errorView struct {
	Status  int
	Title   string
	Message string
}

// fail is the one place where a page's error becomes its answer: a page
// with the status and a Chinese-first message.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	v := errorView{Status: http.StatusInternalServerError, Title: "出错了 (internal error)", Message: "服务器内部错误,请稍后重试 (internal error; try again later)"}
	switch {
	case errors.Is(err, fault.ErrNotFound):
		// Also another store's ticket: a 404 does not tell it exists.
		v = errorView{http.StatusNotFound, "找不到 (not found)", "页面或记录不存在,或您无权查看 (no such page or record)"}
	case errors.Is(err, fault.ErrForbidden):
		v = errorView{http.StatusForbidden, "无权操作 (forbidden)", err.Error()}
	case errors.Is(err, fault.ErrUnauthorized):
		v = errorView{http.StatusUnauthorized, "请先登录 (sign in first)", err.Error()}
	case errors.Is(err, fault.ErrInvalid), errors.Is(err, errBadInput):
		v = errorView{http.StatusBadRequest, "输入有误 (bad input)", err.Error()}
	case errors.Is(err, errNotConfigured):
		v = errorView{http.StatusServiceUnavailable, "未启用 (not configured)", err.Error()}
	case errors.Is(err, fault.ErrUnavailable):
		v = errorView{http.StatusServiceUnavailable, "暂时不可用 (unavailable)", "数据库暂时无法访问,请稍后重试 (database not answering; retry)"}
	default:
		h.opts.Logger.Error("page failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	h.render(w, r, v.Status, "error", v)
}

// errBadInput marks a request the page could not read (a bad id, a
// malformed query).
var errBadInput = errors.New("bad input")

// crossOrigin refuses an unsafe request from another site.
func (h *handler) crossOrigin(w http.ResponseWriter, r *http.Request) {
	h.fail(w, r, fmt.Errorf("拒绝跨站请求 (cross-origin request refused): %w", fault.ErrForbidden))
}

// errNotConfigured marks a capability not wired into this console.
var errNotConfigured = errors.New("not configured")

// errUnconfigured says a capability is not wired into this console.
func errUnconfigured(zh, en string) error {
	return fmt.Errorf("%s未启用 (%s is not configured): %w", zh, en, errNotConfigured)
}
