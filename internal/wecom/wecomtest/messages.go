package wecomtest

import (
	"encoding/json"
	"strings"
	"time"
)

// Limits from the WeCom docs.
const (
	maxAttachments     = 9    // send_welcome_msg, add_msg_template
	maxGroupMsgChats   = 2000 // add_msg_template chat_id_list
	maxWebhookPerMin   = 20   // group bot messages per minute
	maxWebhookText     = 2048
	maxWebhookMarkdown = 4096
)

// Group message send statuses of get_groupmsg_send_result.
const (
	SendPending    = 0 // 未發送: the owner has not confirmed yet
	SendDone       = 1 // 已發送
	SendNotFriend  = 2 // 因客戶不是好友導致發送失敗
	SendAlreadyGot = 3 // 因客戶已經收到其他群發消息導致發送失敗
)

type textBody struct {
	Content string `json:"content"`
}

// attachment is one element of attachments[] (image, link, miniprogram, video, file).
type attachment map[string]json.RawMessage

// validAttachments reports whether every attachment names a known msgtype
// and carries the matching object.
func validAttachments(list []attachment) bool {
	for _, a := range list {
		var msgtype string
		if json.Unmarshal(a["msgtype"], &msgtype) != nil {
			return false
		}
		switch msgtype {
		case "image", "link", "miniprogram", "video", "file":
		default:
			return false
		}
		if _, found := a[msgtype]; !found {
			return false
		}
	}
	return true
}

// checkContent validates text + attachments as send_welcome_msg and
// add_msg_template do.
func checkContent(text *textBody, attachments []attachment) (int, string) {
	switch {
	case (text == nil || text.Content == "") && len(attachments) == 0:
		return 44004, ""
	case len(attachments) > maxAttachments:
		return 40058, "at most 9 attachments"
	case !validAttachments(attachments):
		return 40008, ""
	}
	return 0, ""
}

// sendWelcomeMsg answers externalcontact/send_welcome_msg (doc 92137): any
// non-empty welcome_code is valid once; a second use answers 41051.
func (s *Server) sendWelcomeMsg(r *request) result {
	var req struct {
		WelcomeCode string       `json:"welcome_code"`
		Text        *textBody    `json:"text"`
		Attachments []attachment `json:"attachments"`
	}
	if !r.decode(&req) || req.WelcomeCode == "" {
		return fail(40058, "welcome_code is required")
	}
	if code, detail := checkContent(req.Text, req.Attachments); code != 0 {
		return fail(code, detail)
	}
	if s.st.welcomeUsed[req.WelcomeCode] {
		return fail(41051, "")
	}
	s.st.welcomeUsed[req.WelcomeCode] = true
	return ok(nil)
}

// groupMsg is a 群發 task created by add_msg_template.
type groupMsg struct {
	sends []groupMsgSend
}

type groupMsgSend struct {
	ExternalUserID string `json:"external_userid,omitempty"`
	ChatID         string `json:"chat_id,omitempty"`
	UserID         string `json:"userid"`
	Status         int    `json:"status"`
	SendTime       int64  `json:"send_time,omitempty"`
}

type msgTemplateRequest struct {
	ChatType       string       `json:"chat_type"`
	ExternalUserID []string     `json:"external_userid"`
	ChatIDList     []string     `json:"chat_id_list"`
	Sender         string       `json:"sender"`
	Text           *textBody    `json:"text"`
	Attachments    []attachment `json:"attachments"`
}

func (st *state) validateMsgTemplate(req msgTemplateRequest) (int, string) {
	switch {
	case req.ChatType != "single" && req.ChatType != "group":
		return 40058, "chat_type must be single or group"
	case req.ChatType == "group" && req.Sender == "":
		return 40058, "sender is required when chat_type is group"
	case len(req.ChatIDList) > maxGroupMsgChats:
		return 40058, "chat_id_list holds more than 2000 chats"
	case req.Sender != "" && !st.knownUser(req.Sender):
		return 40003, ""
	}
	return checkContent(req.Text, req.Attachments)
}

// addMsgTemplate answers externalcontact/add_msg_template (doc 92135). The
// task waits for the owner's confirmation: see ConfirmGroupMsg.
func (s *Server) addMsgTemplate(r *request) result {
	req := msgTemplateRequest{ChatType: "single"}
	if !r.decode(&req) {
		return fail(47001, "")
	}
	if code, detail := s.st.validateMsgTemplate(req); code != 0 {
		return fail(code, detail)
	}
	msg, failed := s.st.groupMsgTargets(req)
	id := "msg" + md5hex(s.st.newID("gm"))[:24]
	s.st.groupMsgs[id] = msg
	return ok(map[string]any{"msgid": id, "fail_list": failed})
}

// groupMsgTargets lists who a 群發 reaches, and the targets that cannot be reached.
func (st *state) groupMsgTargets(req msgTemplateRequest) (*groupMsg, []string) {
	msg, failed := &groupMsg{}, []string{}
	if req.ChatType == "single" {
		for _, ext := range req.ExternalUserID {
			msg.sends = append(msg.sends, groupMsgSend{ExternalUserID: ext, UserID: req.Sender})
		}
		return msg, failed
	}
	chats := req.ChatIDList
	if len(chats) == 0 {
		chats = st.groupsOwnedBy(req.Sender)
	}
	for _, id := range chats {
		if g := st.groups[id]; g == nil || g.Owner != req.Sender {
			failed = append(failed, id)
			continue
		}
		msg.sends = append(msg.sends, groupMsgSend{ChatID: id, UserID: req.Sender})
	}
	return msg, failed
}

func (st *state) groupsOwnedBy(owner string) []string {
	var out []string
	for _, id := range st.groupOrder {
		if st.groups[id].Owner == owner {
			out = append(out, id)
		}
	}
	return out
}

// ConfirmGroupMsg simulates the owner confirming a 群發 task in the client:
// every pending send of msgID becomes SendDone.
func (s *Server) ConfirmGroupMsg(msgID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	msg, found := s.st.groupMsgs[msgID]
	if !found {
		return false
	}
	for i := range msg.sends {
		if msg.sends[i].Status == SendPending {
			msg.sends[i].Status = SendDone
			msg.sends[i].SendTime = s.now().Unix()
		}
	}
	return true
}

// groupMsgSendResult answers externalcontact/get_groupmsg_send_result (doc 93338).
func (s *Server) groupMsgSendResult(r *request) result {
	var req struct {
		MsgID  string `json:"msgid"`
		UserID string `json:"userid"`
		Limit  int    `json:"limit"`
		Cursor string `json:"cursor"`
	}
	if !r.decode(&req) || req.MsgID == "" || req.UserID == "" || req.Limit < 0 || req.Limit > 1000 {
		return fail(40058, "msgid and userid are required, limit at most 1000")
	}
	msg, found := s.st.groupMsgs[req.MsgID]
	start, err := parseCursor(req.Cursor)
	if !found || err != nil {
		return fail(40058, "invalid msgid or cursor")
	}
	if req.Limit == 0 {
		req.Limit = 500
	}
	var mine []groupMsgSend
	for _, send := range msg.sends {
		if send.UserID == req.UserID {
			mine = append(mine, send)
		}
	}
	page, next := pageOf(mine, start, req.Limit)
	return ok(map[string]any{"send_list": page, "next_cursor": next})
}

// appMessage is the body of message/send for the msgtypes the fake checks.
type appMessage struct {
	ToUser   string    `json:"touser"`
	ToParty  string    `json:"toparty"`
	ToTag    string    `json:"totag"`
	MsgType  string    `json:"msgtype"`
	AgentID  int       `json:"agentid"`
	Text     *textBody `json:"text"`
	Markdown *textBody `json:"markdown"`
	TextCard *struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		URL         string `json:"url"`
	} `json:"textcard"`
}

// messageSend answers message/send (doc 90236) for text, textcard and
// markdown; other msgtypes are accepted without content checks.
func (s *Server) messageSend(r *request) result {
	var req appMessage
	if !r.decode(&req) {
		return fail(47001, "")
	}
	if req.AgentID == 0 {
		return fail(41011, "")
	}
	if code, detail := req.checkContent(); code != 0 {
		return fail(code, detail)
	}
	return s.deliver(req.ToUser, req.ToParty, req.ToTag)
}

// checkContent checks the content of one app message.
func (m appMessage) checkContent() (int, string) {
	switch m.MsgType {
	case "text":
		if m.Text == nil || m.Text.Content == "" {
			return 44004, ""
		}
	case "markdown":
		if m.Markdown == nil || m.Markdown.Content == "" {
			return 44004, ""
		}
	case "textcard":
		if m.TextCard == nil || m.TextCard.Description == "" {
			return 41033, ""
		}
		if m.TextCard.Title == "" || m.TextCard.URL == "" {
			return 40058, "textcard needs title and url"
		}
	case "image", "voice", "video", "file", "news", "mpnews", "miniprogram_notice", "template_card":
	default:
		return 40008, ""
	}
	return 0, ""
}

// deliver resolves recipients: unknown users are reported in invaliduser;
// when nobody valid is left WeCom answers 81013.
func (s *Server) deliver(toUser, toParty, toTag string) result {
	var valid, invalid []string
	for _, u := range strings.Split(toUser, "|") {
		switch {
		case u == "":
		case u == "@all" || s.st.knownUser(u):
			valid = append(valid, u)
		default:
			invalid = append(invalid, u)
		}
	}
	fields := map[string]any{"invaliduser": strings.Join(invalid, "|")}
	if len(valid) == 0 && toParty == "" && toTag == "" {
		return result{code: 81013, fields: fields}
	}
	fields["msgid"] = s.st.newID("appmsg")
	return ok(fields)
}

// jsapiTicket answers get_jsapi_ticket (the corp's JS-SDK ticket, doc 90506).
func (s *Server) jsapiTicket(_ *request) result {
	return ok(map[string]any{"ticket": s.st.newID("jsapi"), "expires_in": 7200})
}

// agentTicket answers ticket/get?type=agent_config (the app's ticket for wx.agentConfig).
func (s *Server) agentTicket(r *request) result {
	if r.query.Get("type") != "agent_config" {
		return fail(91040, "")
	}
	return ok(map[string]any{"ticket": s.st.newID("agent"), "expires_in": 7200})
}

// webhookSend answers the group bot webhook webhook/send?key=KEY (doc 91770),
// including its limit of 20 messages a minute per bot.
func (s *Server) webhookSend(r *request) result {
	key := r.query.Get("key")
	if !s.st.webhookKeys[key] {
		return fail(93000, "")
	}
	var req struct {
		MsgType  string    `json:"msgtype"`
		Text     *textBody `json:"text"`
		Markdown *textBody `json:"markdown"`
	}
	if !r.decode(&req) {
		return fail(47001, "")
	}
	if code, detail := webhookContent(req.MsgType, req.Text, req.Markdown); code != 0 {
		return fail(code, detail)
	}
	if !s.st.webhookAllowed(key, s.now()) {
		return fail(45009, "")
	}
	return ok(nil)
}

func webhookContent(msgtype string, text, markdown *textBody) (int, string) {
	switch msgtype {
	case "text":
		if text == nil || text.Content == "" {
			return 44004, ""
		}
		if len(text.Content) > maxWebhookText {
			return 40058, "text.content longer than 2048 bytes"
		}
	case "markdown", "markdown_v2":
		if markdown == nil || markdown.Content == "" {
			return 44004, ""
		}
		if len(markdown.Content) > maxWebhookMarkdown {
			return 40058, "markdown.content longer than 4096 bytes"
		}
	case "image", "news", "file", "voice", "template_card":
	default:
		return 40008, ""
	}
	return 0, ""
}

// webhookAllowed records one webhook message and reports whether the key is
// within 20 messages in the last minute.
func (st *state) webhookAllowed(key string, now time.Time) bool {
	if st.webhookSent == nil {
		st.webhookSent = map[string][]time.Time{}
	}
	var recent []time.Time
	for _, t := range st.webhookSent[key] {
		if now.Sub(t) < time.Minute {
			recent = append(recent, t)
		}
	}
	if len(recent) >= maxWebhookPerMin {
		st.webhookSent[key] = recent
		return false
	}
	st.webhookSent[key] = append(recent, now)
	return true
}
