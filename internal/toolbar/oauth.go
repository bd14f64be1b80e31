package toolbar

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/qunbot/qunbot/internal/wecom"
)

// login sends the browser to WeCom's OAuth2 page (snsapi_base: no consent
// screen inside WeCom), with a signed state bound to a cookie of this
// browser, so that nobody can sign someone else in with their own code.
func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	nonce := randomHex(nonceHex)
	state := h.sign.state(nonce, h.opts.Now().Add(stateTTL))
	http.SetCookie(w, h.cookie(r, stateCookie, nonce, stateTTL))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, h.authorizeURL(state), http.StatusFound)
}

// authorizeURL is WeCom's authorize URL; WeCom wants its parameters in
// this order and the #wechat_redirect fragment.
func (h *handler) authorizeURL(state string) string {
	return h.opts.AuthorizeURL + "?appid=" + url.QueryEscape(h.opts.CorpID) +
		"&redirect_uri=" + url.QueryEscape(h.public(Prefix+"oauth")) +
		"&response_type=code&scope=snsapi_base&state=" + state +
		"&agentid=" + strconv.Itoa(h.opts.AgentID) + "#wechat_redirect"
}

// oauthCallback is where WeCom sends the browser back with a code: it
// checks the state, asks WeCom who the code belongs to, and signs the staff
// member in for 12 hours.
func (h *handler) oauthCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c, err := r.Cookie(stateCookie)
	if err != nil || !h.sign.checkState(q.Get("state"), c.Value, h.opts.Now()) {
		h.errorPage(w, http.StatusBadRequest, "登录请求无效",
			"登录请求无效或已过期,请重新打开聊天工具栏 (the sign-in request is invalid or expired; open the toolbar again)", true)
		return
	}
	code := q.Get("code")
	if code == "" {
		h.errorPage(w, http.StatusBadRequest, "未获授权", "企业微信没有返回授权码,请重新打开聊天工具栏 (WeCom returned no code)", true)
		return
	}
	user, err := h.opts.WeCom.UserIDByCode(r.Context(), code)
	if err != nil {
		h.signInFailed(w, err)
		return
	}
	http.SetCookie(w, h.cookie(r, stateCookie, "", -1))
	http.SetCookie(w, h.cookie(r, sessionCookie, h.sign.session(user, h.opts.Now().Add(sessionTTL)), sessionTTL))
	h.opts.Logger.Info("toolbar sign-in", "user_id", user)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, h.public(Prefix), http.StatusSeeOther)
}

// signInFailed says why a code did not sign anyone in.
func (h *handler) signInFailed(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, wecom.ErrNotCorpMember):
		h.errorPage(w, http.StatusForbidden, "仅限企业成员",
			"聊天工具栏仅供本企业员工使用,你的微信账号不是本企业成员 (only members of the corp may use the chat toolbar)", false)
	case errors.Is(err, wecom.ErrInvalidOAuthCode):
		h.errorPage(w, http.StatusBadRequest, "授权码已失效",
			"授权码已失效或已使用,请重新打开聊天工具栏 (the code expired or was used already)", true)
	default:
		h.opts.Logger.Warn("toolbar sign-in failed", "err", err)
		h.errorPage(w, http.StatusBadGateway, "暂时无法登录",
			"企业微信暂时无法确认你的身份,请稍后重试 (WeCom could not confirm who you are; retry later)", true)
	}
}
