// Package wecomtest is a fake WeCom (企業微信) API server that speaks the
// real wire format: the same paths under /cgi-bin/, the same JSON fields and
// the same errcode/errmsg answers. It records every call so tests can assert
// what qunbot sent, and it can be told to fail, rate limit or expire tokens.
//
// It is used from tests and from the bot's demo mode, so it never imports
// the testing package.
package wecomtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"
)

// Default credentials accepted by a Server created without WithCorp.
const (
	DefaultCorpID = "wwfakecorp0000000001"
	DefaultSecret = "fake-app-secret"
)

// maxBody bounds what the fake reads from a request body.
const maxBody = 4 << 20

// Call is one request the fake received, with the errcode it answered.
type Call struct {
	Method  string
	Path    string
	Query   url.Values
	Body    []byte
	Token   string // the access_token query parameter, if any
	At      time.Time
	ErrCode int // the errcode answered; 0 on success, -2 when an HTTP error status was answered
}

// Server is a running fake WeCom API.
type Server struct {
	// URL is the base URL of the fake, e.g. http://127.0.0.1:41234 (no trailing slash).
	URL string

	srv    *httptest.Server
	onCall func(Call)
	now    func() time.Time
	newQR  bool

	mu sync.Mutex
	st state
}

// Option configures a Server.
type Option func(*Server)

// WithCorp adds a corp and the app secrets gettoken accepts for it. Without
// any WithCorp the fake accepts DefaultCorpID with DefaultSecret.
func WithCorp(corpID string, secrets ...string) Option {
	return func(s *Server) {
		if s.st.corps[corpID] == nil {
			s.st.corps[corpID] = map[string]bool{}
		}
		for _, secret := range secrets {
			s.st.corps[corpID][secret] = true
		}
	}
}

// WithOnCall calls fn after each request has been answered (demo mode prints them).
func WithOnCall(fn func(Call)) Option {
	return func(s *Server) { s.onCall = fn }
}

// WithClock replaces time.Now for token expiry and recorded times.
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
}

// WithUsers declares staff user IDs known to the corp: message/send reports
// every other user in invaliduser. Owners, admins and staff members of seeded
// group chats are known too.
func WithUsers(userIDs ...string) Option {
	return func(s *Server) {
		for _, id := range userIDs {
			s.st.users[id] = true
		}
	}
}

// WithWebhookKeys declares the group-bot webhook keys that exist; any other
// key answers 93000 like WeCom.
func WithWebhookKeys(keys ...string) Option {
	return func(s *Server) {
		for _, k := range keys {
			s.st.webhookKeys[k] = true
		}
	}
}

// WithGroupChats seeds customer group chats (see AddGroupChat).
func WithGroupChats(chats ...GroupChat) Option {
	return func(s *Server) {
		for _, g := range chats {
			s.st.putGroup(g)
		}
	}
}

// WithNewQROnUpdate makes update_join_way issue a new qr_code URL. Whether
// real WeCom keeps the image after an update is unverified, so callers should
// work either way; this option lets tests exercise the changing case.
func WithNewQROnUpdate() Option {
	return func(s *Server) { s.newQR = true }
}

// New starts a fake WeCom server on 127.0.0.1. Close it when done.
func New(opts ...Option) *Server {
	s := &Server{now: time.Now, st: newState()}
	for _, opt := range opts {
		opt(s)
	}
	if len(s.st.corps) == 0 {
		WithCorp(DefaultCorpID, DefaultSecret)(s)
	}
	s.srv = httptest.NewServer(s)
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down; later requests fail with a network error.
func (s *Server) Close() { s.srv.Close() }

// Calls returns every call received so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.st.calls...)
}

// CallsTo returns the calls to one path, e.g. "/cgi-bin/externalcontact/send_welcome_msg".
func (s *Server) CallsTo(path string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.st.calls {
		if c.Path == path {
			out = append(out, c)
		}
	}
	return out
}

// FailNext makes the next n calls to path answer errcode with WeCom's
// errmsg (45009 rate limited, 45033 concurrency, -1 system busy, 40014/42001
// token invalid/expired, 41051 welcome already sent, 60020 IP not trusted…).
// The failure is answered before the access token is checked.
func (s *Server) FailNext(path string, errcode int, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.failures[path] = append(s.st.failures[path], failure{errcode: errcode, left: n})
}

// FailNextStatus makes the next n calls to path answer an HTTP error status
// (e.g. 502 from a proxy in front of WeCom) with a non-JSON body.
func (s *Server) FailNextStatus(path string, status int, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.failures[path] = append(s.st.failures[path], failure{status: status, left: n})
}

// ExpireTokens expires every access token issued so far: they answer 42001
// until the client fetches a new one with gettoken.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.st.tokens {
		t.expired = true
	}
}

// ServeHTTP answers one WeCom API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	call := Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: body, Token: r.URL.Query().Get("access_token")}
	s.mu.Lock()
	call.At = s.now()
	res := s.dispatch(&request{method: r.Method, path: r.URL.Path, query: call.Query, body: body, token: call.Token, remote: remoteIP(r)})
	call.ErrCode = res.code
	if res.status != 0 {
		call.ErrCode = -2
	}
	s.st.calls = append(s.st.calls, call)
	s.mu.Unlock()
	if s.onCall != nil {
		s.onCall(call)
	}
	res.write(w)
}

// request is what a handler sees of one call.
type request struct {
	method, path string
	query        url.Values
	body         []byte
	token        string
	remote       string
}

// decode unmarshals the JSON body, reporting false when it is not JSON.
func (r *request) decode(v any) bool {
	return len(r.body) > 0 && json.Unmarshal(r.body, v) == nil
}

// result is a handler's answer: an HTTP status for transport failures, or a
// WeCom JSON body with errcode and extra fields.
type result struct {
	status int
	code   int
	detail string
	remote string
	fields map[string]any
}

// ok answers errcode 0 with the given fields.
func ok(fields map[string]any) result { return result{fields: fields} }

// fail answers errcode with WeCom's errmsg and an optional detail.
func fail(code int, detail string) result { return result{code: code, detail: detail} }

func (res result) write(w http.ResponseWriter) {
	if res.status != 0 {
		http.Error(w, http.StatusText(res.status), res.status)
		return
	}
	out := map[string]any{}
	for k, v := range res.fields {
		out[k] = v
	}
	out["errcode"] = res.code
	out["errmsg"] = errmsg(res.code, res.detail, res.remote)
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(out)
}

// errmsg builds WeCom's errmsg: the text for the code, then for errors the
// hint, caller IP and help link WeCom appends.
func errmsg(code int, detail, remote string) string {
	if code == 0 {
		return "ok"
	}
	text, found := errmsgs[code]
	if !found {
		text = fmt.Sprintf("errcode %d", code)
	}
	if detail != "" {
		text += ": " + detail
	}
	return fmt.Sprintf("%s, hint: [%d_fake], from ip: %s, more info at https://open.work.weixin.qq.com/devtool/query?e=%d",
		text, time.Now().Unix(), remote, code)
}

// errmsgs are WeCom's English errmsg texts for the codes the fake answers.
var errmsgs = map[int]string{
	-1:    "system busy",
	6000:  "data version conflict",
	40001: "invalid credential",
	40003: "invalid userid",
	40008: "invalid message type",
	40013: "invalid corpid",
	40014: "invalid access_token",
	40050: "chatid not found",
	40058: "invalid Request Parameter",
	41001: "access_token missing",
	41002: "corpid missing",
	41004: "corpsecret missing",
	41011: "missing agentid",
	41033: "missing description",
	41051: "externaluser has started chatting",
	41096: "welcome msg is being distributed",
	42001: "access_token expired",
	44004: "empty content",
	45009: "api freq out of limit",
	45033: "api concurrent out of limit",
	47001: "data format error",
	60020: "not allow to access from your ip",
	81013: "user & party & tag all invalid",
	91040: "invalid ticket type",
	93000: "invalid webhook url",
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// route is one API of the fake.
type route struct {
	auth   bool // needs a valid access_token
	json   bool // needs a JSON body
	handle func(s *Server, r *request) result
}

// routes maps paths to handlers; it is read-only after init.
var routes = map[string]route{
	"/cgi-bin/gettoken":                                    {handle: (*Server).getToken},
	"/cgi-bin/externalcontact/send_welcome_msg":            {auth: true, json: true, handle: (*Server).sendWelcomeMsg},
	"/cgi-bin/externalcontact/groupchat/get":               {auth: true, json: true, handle: (*Server).groupChatGet},
	"/cgi-bin/externalcontact/groupchat/list":              {auth: true, json: true, handle: (*Server).groupChatList},
	"/cgi-bin/externalcontact/groupchat/add_join_way":      {auth: true, json: true, handle: (*Server).addJoinWay},
	"/cgi-bin/externalcontact/groupchat/get_join_way":      {auth: true, json: true, handle: (*Server).getJoinWay},
	"/cgi-bin/externalcontact/groupchat/update_join_way":   {auth: true, json: true, handle: (*Server).updateJoinWay},
	"/cgi-bin/externalcontact/groupchat/del_join_way":      {auth: true, json: true, handle: (*Server).delJoinWay},
	"/cgi-bin/externalcontact/group_welcome_template/add":  {auth: true, json: true, handle: (*Server).addWelcomeTemplate},
	"/cgi-bin/externalcontact/group_welcome_template/edit": {auth: true, json: true, handle: (*Server).editWelcomeTemplate},
	"/cgi-bin/externalcontact/group_welcome_template/get":  {auth: true, json: true, handle: (*Server).getWelcomeTemplate},
	"/cgi-bin/externalcontact/group_welcome_template/del":  {auth: true, json: true, handle: (*Server).delWelcomeTemplate},
	"/cgi-bin/externalcontact/add_msg_template":            {auth: true, json: true, handle: (*Server).addMsgTemplate},
	"/cgi-bin/externalcontact/get_groupmsg_send_result":    {auth: true, json: true, handle: (*Server).groupMsgSendResult},
	"/cgi-bin/message/send":                                {auth: true, json: true, handle: (*Server).messageSend},
	"/cgi-bin/get_jsapi_ticket":                            {auth: true, handle: (*Server).jsapiTicket},
	"/cgi-bin/ticket/get":                                  {auth: true, handle: (*Server).agentTicket},
	"/cgi-bin/webhook/send":                                {json: true, handle: (*Server).webhookSend},
}

// dispatch answers one request; s.mu is held.
func (s *Server) dispatch(r *request) result {
	rt, found := routes[r.path]
	if !found {
		return result{status: http.StatusNotFound}
	}
	res := s.answer(rt, r)
	res.remote = r.remote
	return res
}

func (s *Server) answer(rt route, r *request) result {
	if res, injected := s.st.injected(r.path); injected {
		return res
	}
	if rt.auth {
		if code := s.st.checkToken(r.token, s.now()); code != 0 {
			return fail(code, "")
		}
	}
	if rt.json && !json.Valid(r.body) {
		return fail(47001, "")
	}
	return rt.handle(s, r)
}
