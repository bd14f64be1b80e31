package web

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/qunbot/qunbot/internal/script"
)

// maxTryText bounds the "try it" message.
const maxTryText = 2000

// tryView is the "try it" page: a message and how the library answers it.
type tryView struct {
	Text     string
	Store    string
	Error    string
	Decision *script.Decision
	Reasons  map[script.SkipReason]string
}

// PageTitle names the page.
func (tryView) PageTitle() string { return "试一试" }

// skipLabels are why a matching script did not answer.
var skipLabels = map[script.SkipReason]string{
	script.SkipDisabled: "已停用", script.SkipOutOfScope: "不适用于此群", script.SkipOutsideHours: "不在生效时段",
	script.SkipCoolingDown: "冷却中", script.SkipMemberLimit: "已达每人上限", script.SkipOutranked: "优先级较低",
}

func (h *handler) tryForm(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Engine == nil {
		return errUnconfigured("话术试答", "the script engine")
	}
	h.render(w, r, http.StatusOK, "script_try", tryView{Reasons: skipLabels})
	return nil
}

func (h *handler) try(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Engine == nil {
		return errUnconfigured("话术试答", "the script engine")
	}
	v := tryView{Text: r.PostFormValue("text"), Store: strings.TrimSpace(r.PostFormValue("store")), Reasons: skipLabels}
	switch {
	case strings.TrimSpace(v.Text) == "":
		v.Error = "请输入一句话 (text is required)"
	case utf8.RuneCountInString(v.Text) > maxTryText:
		v.Error = "消息太长,最多 2000 字 (at most 2000 characters)"
	}
	if v.Error != "" {
		h.render(w, r, http.StatusUnprocessableEntity, "script_try", v)
		return nil
	}
	// Try with the library as saved now, not as last polled.
	if _, err := h.opts.Engine.Refresh(r.Context()); err != nil {
		return err
	}
	d, err := h.opts.Engine.Try(r.Context(), v.Text, "", "", nil, v.Store, h.opts.Now())
	if err != nil {
		return err
	}
	v.Decision = &d
	h.render(w, r, http.StatusOK, "script_try", v)
	return nil
}
