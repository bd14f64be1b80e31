package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/qunbot/qunbot/internal/config"
	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/wecom"
)

// wecomCheckTimeout bounds a connection test.
const wecomCheckTimeout = 15 * time.Second

// settingsView is the configuration in force, credentials redacted.
type settingsView struct {
	Settings []settingRow
	CanCheck bool
	CanTry   bool
	CorpID   string // in force, to start the try form from
}

// PageTitle names the page.
func (settingsView) PageTitle() string { return "系统设置" }

// settingRow is one setting as shown.
type settingRow struct {
	config.Key
	Value   string
	Default bool // the value is the default
}

// shownValue is a setting's value as the page may show it: a credential is
// never shown, whatever the caller passed.
func shownValue(s config.Setting) string {
	v := ""
	if s.Value != nil {
		v = fmt.Sprint(s.Value)
	}
	if s.Secret && v != "" {
		return "***"
	}
	return v
}

func (h *handler) settings(w http.ResponseWriter, r *http.Request) error {
	v := settingsView{CanCheck: h.opts.WeComCheck != nil, CanTry: h.opts.WeComTry != nil}
	for _, s := range h.opts.Settings {
		val := shownValue(s)
		if s.Name == "wecom.corp_id" {
			v.CorpID = val
		}
		v.Settings = append(v.Settings, settingRow{Key: s.Key, Value: val, Default: !s.Secret && val == s.Default})
	}
	h.render(w, r, http.StatusOK, "settings", v)
	return nil
}

// checkWeCom tests the WeCom credentials and says how it went.
func (h *handler) checkWeCom(w http.ResponseWriter, r *http.Request) error {
	if h.opts.WeComCheck == nil {
		return errUnconfigured("企业微信(wecom.corp_id 与 wecom.secret)", "WeCom")
	}
	return h.connectionTest(w, r, h.opts.WeComCheck)
}

// tryWeCom tries the credentials typed in the form, which are not in force
// and not kept (the audit log blanks them).
func (h *handler) tryWeCom(w http.ResponseWriter, r *http.Request) error {
	if h.opts.WeComTry == nil {
		return errUnconfigured("凭据测试", "trying credentials")
	}
	v := r.PostFormValue
	c := wecom.Credentials{CorpID: v("corp_id"), Secret: v("secret"), ContactSecret: v("contact_secret"),
		Token: v("token"), EncodingAESKey: v("encoding_aes_key")}
	return h.connectionTest(w, r, func(ctx context.Context) error { return h.opts.WeComTry(ctx, c) })
}

// connectionTest runs check within wecomCheckTimeout and tells how it went
// back on the settings page.
func (h *handler) connectionTest(w http.ResponseWriter, r *http.Request, check func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(r.Context(), wecomCheckTimeout)
	defer cancel()
	err := check(ctx)
	switch {
	case err == nil:
		redirect(w, r, "/settings", "ok", "连接成功:已取得访问令牌 (connected: access tokens fetched)")
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		return err
	case errors.Is(err, fault.ErrInvalid):
		redirect(w, r, "/settings", "error", "凭据不完整或格式有误 (check the fields): "+clip(err.Error(), 300))
	default:
		h.opts.Logger.Warn("wecom connection test failed", "err", err)
		redirect(w, r, "/settings", "error", "连接失败 (connection failed): "+clip(err.Error(), 300))
	}
	return nil
}

// clip shortens s to at most n runes (a flash lives in a cookie).
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
