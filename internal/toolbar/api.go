package toolbar

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/httpx"
	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/wecom"
)

// apiFunc is a JSON endpoint for the signed-in staff member user.
type apiFunc func(w http.ResponseWriter, r *http.Request, user string) error

// api admits requests with a valid session and turns errors into answers.
func (h *handler) api(fn apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if h.problem != "" {
			writeJSONError(w, http.StatusServiceUnavailable, "unavailable", h.problem)
			return
		}
		user, ok := h.userOf(r)
		if !ok {
			writeJSONError(w, http.StatusUnauthorized, "unauthorized", "登录已过期,请重新打开聊天工具栏 (sign in again)")
			return
		}
		if err := fn(w, r, user); err != nil {
			h.writeError(w, r, user, err)
		}
	})
}

func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	httpx.WriteError(w, status, code, msg)
}

// errBadRequest marks input the API could not read.
var errBadRequest = errors.New("bad request")

// errWeCom marks a WeCom call that failed (a JS-SDK ticket, a group read).
var errWeCom = errors.New("wecom unavailable")

// writeError is the one place where the toolbar's API errors become statuses.
func (h *handler) writeError(w http.ResponseWriter, r *http.Request, user string, err error) {
	var fields fault.Fields
	switch {
	case errors.As(err, &fields):
		httpx.WriteJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "invalid", "message": err.Error(), "fields": fields})
	case errors.Is(err, errBadRequest):
		writeJSONError(w, http.StatusBadRequest, "bad_request", err.Error())
	case errors.Is(err, fault.ErrNotFound):
		writeJSONError(w, http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, fault.ErrForbidden):
		writeJSONError(w, http.StatusForbidden, "forbidden", err.Error())
	case errors.Is(err, errWeCom):
		h.opts.Logger.Warn("toolbar: wecom failed", "user_id", user, "err", err)
		writeJSONError(w, http.StatusBadGateway, "wecom_unavailable", "企业微信暂时无法访问,请稍后重试 (WeCom did not answer; retry)")
	case errors.Is(err, fault.ErrUnavailable):
		writeJSONError(w, http.StatusServiceUnavailable, "unavailable", "数据库暂时无法访问,请稍后重试 (database not answering; retry)")
	default:
		h.opts.Logger.Error("toolbar request failed", "method", r.Method, "path", r.URL.Path, "user_id", user, "err", err)
		writeJSONError(w, http.StatusInternalServerError, "internal", "内部错误 (internal error)")
	}
}

// corpSignature is what wx.config needs.
type corpSignature struct {
	AppID     string `json:"appId"`
	Timestamp int64  `json:"timestamp"`
	NonceStr  string `json:"nonceStr"`
	Signature string `json:"signature"`
}

// agentSignature is what wx.agentConfig needs.
type agentSignature struct {
	CorpID    string `json:"corpid"`
	AgentID   int    `json:"agentid"`
	Timestamp int64  `json:"timestamp"`
	NonceStr  string `json:"nonceStr"`
	Signature string `json:"signature"`
}

type configAnswer struct {
	Corp  corpSignature  `json:"corp"`
	Agent agentSignature `json:"agent"`
}

// config signs the page URL for wx.config and wx.agentConfig. Only pages
// of this toolbar are signed: a signature lets the holder use the JS-SDK as
// this app.
func (h *handler) config(w http.ResponseWriter, r *http.Request, _ string) error {
	page, err := h.pageURL(r.URL.Query().Get("url"))
	if err != nil {
		return err
	}
	ctx := r.Context()
	corp, err := h.opts.WeCom.GetJSAPITicket(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w", errWeCom, err)
	}
	agent, err := h.opts.WeCom.GetAgentJSAPITicket(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w", errWeCom, err)
	}
	ts, nonce := h.opts.Now().Unix(), randomHex(16)
	httpx.WriteJSON(w, http.StatusOK, configAnswer{
		Corp: corpSignature{AppID: h.opts.CorpID, Timestamp: ts, NonceStr: nonce, Signature: wecom.SignJSAPI(corp.Value, nonce, ts, page)},
		Agent: agentSignature{CorpID: h.opts.CorpID, AgentID: h.opts.AgentID, Timestamp: ts, NonceStr: nonce,
			Signature: wecom.SignJSAPI(agent.Value, nonce, ts, page)},
	})
	return nil
}

// pageURL checks that raw is a page of this toolbar under PublicBase and
// returns it without its fragment.
func (h *handler) pageURL(raw string) (string, error) {
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw = raw[:i]
	}
	u, err := url.Parse(raw)
	switch {
	case raw == "" || len(raw) > 2048 || err != nil:
		return "", fmt.Errorf("%w: url 缺失或无效 (url missing or invalid)", errBadRequest)
	case u.Scheme != h.base.Scheme || !strings.EqualFold(u.Host, h.base.Host) || u.User != nil ||
		!strings.HasPrefix(u.EscapedPath(), h.path(Prefix)) || strings.Contains(u.Path, ".."):
		return "", fmt.Errorf("只签名本站聊天工具栏页面 (only pages under %s are signed): %w", h.public(Prefix), fault.ErrForbidden)
	}
	return raw, nil
}

// suggestion is a reply the page can send, and why it fits.
type suggestion struct {
	ScriptID int64        `json:"script_id"`
	Title    string       `json:"title"`
	Variant  int          `json:"variant"`
	Reply    script.Reply `json:"reply"`
	Text     string       `json:"text"` // the reply as text, for the preview
	Why      string       `json:"why,omitempty"`
	Sendable bool         `json:"sendable"`         // the page can send it with sendChatMessage
	Manual   string       `json:"manual,omitempty"` // why staff must send it by hand
}

func suggest(scriptID int64, title string, variant int, r script.Reply, why string) suggestion {
	s := suggestion{ScriptID: scriptID, Title: title, Variant: variant, Reply: r, Text: preview(r), Why: why, Sendable: true}
	switch r.Type {
	case script.ReplyImage:
		s.Sendable, s.Manual = false, "图片消息需要手动发送:本页暂不支持上传素材,请保存图片后在群里发送 (images must be sent by hand: this page cannot upload media yet)"
	case script.ReplyMiniProgram:
		s.Sendable, s.Manual = false, "小程序消息需要手动发送:本页暂不支持上传素材 (mini-programs must be sent by hand: this page cannot upload media yet)"
	}
	return s
}

// preview says a reply as text.
func preview(r script.Reply) string {
	switch r.Type {
	case script.ReplyLink:
		return strings.TrimSpace(r.Title + "\n" + r.Description + "\n" + r.URL)
	case script.ReplyImage:
		return r.MediaURL
	case script.ReplyMiniProgram:
		return r.Title + " (" + r.AppID + " " + r.Page + ")"
	}
	return r.Text
}

// questionItem is one question as the page lists it.
type questionItem struct {
	MessageKey string      `json:"message_key"`
	MemberName string      `json:"member_name,omitempty"`
	Text       string      `json:"text"`
	AskedAt    string      `json:"asked_at"`
	Sent       bool        `json:"sent"`
	SentBy     string      `json:"sent_by,omitempty"`
	SentAt     string      `json:"sent_at,omitempty"`
	Suggestion *suggestion `json:"suggestion"`
	Why        string      `json:"why"` // why there is (or is no) suggestion
}

const timeLayout = "2006-01-02T15:04:05Z07:00"

// questions lists a group's recent questions, each with the script the
// engine would answer with right now.
func (h *handler) questions(w http.ResponseWriter, r *http.Request, user string) error {
	chatID := r.PathValue("chat_id")
	if chatID == "" || utf8.RuneCountInString(chatID) > maxChatID {
		return fmt.Errorf("%w: chat_id 无效 (invalid chat id)", errBadRequest)
	}
	ctx := r.Context()
	if err := h.checkMember(ctx, chatID, user); err != nil {
		return err
	}
	noted, err := h.opts.Store.Recent(ctx, chatID, 50)
	if err != nil {
		return err
	}
	tags, store := h.scopeOf(ctx, chatID)
	items := make([]questionItem, 0, len(noted))
	for _, n := range noted {
		it, err := h.questionItem(ctx, n, tags, store)
		if err != nil {
			return err
		}
		items = append(items, it)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"chat_id": chatID, "questions": items})
	return nil
}

func (h *handler) questionItem(ctx context.Context, n Noted, tags []string, store string) (questionItem, error) {
	it := questionItem{MessageKey: n.MessageKey, MemberName: n.MemberName, Text: n.Text,
		AskedAt: n.AskedAt.Format(timeLayout), Sent: n.SentAt != nil, SentBy: n.SentBy}
	if n.SentAt != nil {
		it.SentAt = n.SentAt.Format(timeLayout)
	}
	d, err := h.opts.Engine.Try(ctx, n.Text, n.ChatID, ChannelToolbar, tags, store, h.opts.Now())
	if err != nil {
		return it, fmt.Errorf("suggest for question %s: %w", n.MessageKey, err)
	}
	it.Why = d.Why
	if a := d.Answer; a != nil {
		s := suggest(a.ScriptID, a.Title, a.Variant, a.Reply, a.Why)
		it.Suggestion = &s
	}
	return it, nil
}

// scopeOf returns the group's tags and store, or none when unknown.
func (h *handler) scopeOf(ctx context.Context, chatID string) ([]string, string) {
	if h.opts.Chats == nil {
		return nil, ""
	}
	tags, store, err := h.opts.Chats.ChatScope(ctx, chatID)
	if err != nil {
		h.opts.Logger.Warn("toolbar: chat scope unknown", "chat_id", chatID, "err", err)
		return nil, ""
	}
	return tags, store
}

// scriptItem is one script found by a search, with every reply variant.
type scriptItem struct {
	ScriptID int64        `json:"script_id"`
	Title    string       `json:"title"`
	Keywords []string     `json:"keywords"`
	Replies  []suggestion `json:"replies"`
}

// searchScripts searches the enabled scripts by title and keyword.
func (h *handler) searchScripts(w http.ResponseWriter, r *http.Request, _ string) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if utf8.RuneCountInString(q) > 64 {
		return fmt.Errorf("%w: 搜索词最多 64 个字 (query at most 64 characters)", errBadRequest)
	}
	enabled := true
	found, total, err := h.opts.Scripts.List(r.Context(), script.Filter{Query: q, Enabled: &enabled, Limit: 20})
	if err != nil {
		return err
	}
	items := make([]scriptItem, 0, len(found))
	for _, sc := range found {
		it := scriptItem{ScriptID: sc.ID, Title: sc.Title, Keywords: sc.Keywords}
		for i, rep := range sc.Replies {
			it.Replies = append(it.Replies, suggest(sc.ID, sc.Title, i, rep, ""))
		}
		items = append(items, it)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"query": q, "total": total, "scripts": items})
	return nil
}

// sentBody reports a send the page made.
type sentBody struct {
	ChatID     string `json:"chat_id"`
	MessageKey string `json:"message_key"`
	ScriptID   int64  `json:"script_id"`
	Variant    int    `json:"variant"`
	SendID     string `json:"send_id"` // one per tap, so a retried report counts once
}

var sendIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

// sent records that user sent a script into a group: once per send, in
// this package's table and (when the script package accepts the toolbar
// channel) in the script hit log, and marks the question answered.
func (h *handler) sent(w http.ResponseWriter, r *http.Request, user string) error {
	var b sentBody
	if err := decodeJSON(w, r, &b); err != nil {
		return err
	}
	if b.SendID != "" && !sendIDPattern.MatchString(b.SendID) {
		return fault.Invalid("send_id", "send_id 应为 8-64 个字母、数字、- 或 _ (8-64 letters, digits, - or _)")
	}
	ctx := r.Context()
	sc, err := h.opts.Scripts.Get(ctx, b.ScriptID)
	if err != nil {
		return err
	}
	if b.Variant < 0 || b.Variant >= len(sc.Replies) {
		return fault.Invalid("variant", "话术 %d 没有第 %d 条回复 (script has no such reply)", sc.ID, b.Variant+1)
	}
	snd := Send{Key: SendKey(b.SendID, b.ChatID, b.MessageKey, b.ScriptID, b.Variant), ChatID: b.ChatID,
		MessageKey: b.MessageKey, ScriptID: b.ScriptID, Variant: b.Variant, UserID: user}
	if err := validateSend(&snd); err != nil {
		return err
	}
	if err := h.checkMember(ctx, snd.ChatID, user); err != nil {
		return err
	}
	logged, err := h.logHit(ctx, &snd)
	if err != nil {
		return err
	}
	recorded, err := h.opts.Store.RecordSend(ctx, &snd)
	if err != nil {
		return err
	}
	if recorded {
		h.opts.Logger.Info("toolbar send", "user_id", user, "chat_id", b.ChatID, "script_id", b.ScriptID, "message_key", b.MessageKey)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"recorded": recorded, "hit_logged": logged})
	return nil
}

// logHit records snd in the script hit log when it takes the toolbar
// channel; the hit's message key derives from the send's, so a repeated
// report is logged once. The asker, if known, counts toward the member limit.
func (h *handler) logHit(ctx context.Context, snd *Send) (bool, error) {
	hit := script.Hit{ScriptID: snd.ScriptID, Channel: ChannelToolbar, ChatID: snd.ChatID, MessageKey: "toolbar:" + snd.Key, Variant: snd.Variant}
	if snd.MessageKey != "" {
		if q, err := h.opts.Store.QuestionByKey(ctx, snd.ChatID, snd.MessageKey); err == nil {
			hit.MemberID = q.MemberID
		}
	}
	inserted, err := h.opts.Scripts.RecordHit(ctx, &hit)
	if err != nil {
		return false, err
	}
	if inserted {
		snd.HitID = hit.ID
	}
	return true, nil
}

// decodeJSON reads a JSON body of at most 64 KiB into v, refusing unknown fields.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := httpx.ReadBody(w, r, 64<<10)
	if err != nil {
		return fmt.Errorf("%w: %v", errBadRequest, err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: 请求不是预期的 JSON (body is not the expected JSON): %v", errBadRequest, err)
	}
	return nil
}
