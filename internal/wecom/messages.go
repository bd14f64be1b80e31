package wecom

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// WeCom's documented limits that qunbot checks before sending.
const (
	MaxAttachments   = 9    // send_welcome_msg, add_msg_template
	MaxGroupMsgChats = 2000 // add_msg_template chat_id_list
)

// Text is a plain text message part.
type Text struct {
	Content string `json:"content"`
}

// Image is an image by media_id or by URL.
type Image struct {
	MediaID string `json:"media_id,omitempty"`
	PicURL  string `json:"pic_url,omitempty"`
}

// Link is a link card.
type Link struct {
	Title  string `json:"title"`
	PicURL string `json:"picurl,omitempty"`
	Desc   string `json:"desc,omitempty"`
	URL    string `json:"url"`
}

// MiniProgram is a mini-program card.
type MiniProgram struct {
	Title      string `json:"title"`
	PicMediaID string `json:"pic_media_id"`
	AppID      string `json:"appid"`
	Page       string `json:"page"`
}

// Media is a file or video by media_id.
type Media struct {
	MediaID string `json:"media_id"`
}

// Attachment is one attachment of a welcome message or a 群發; exactly one
// field is set and msgtype is derived from it.
type Attachment struct {
	Image       *Image
	Link        *Link
	MiniProgram *MiniProgram
	Video       *Media
	File        *Media
}

// MarshalJSON renders {"msgtype": T, T: {...}}.
func (a Attachment) MarshalJSON() ([]byte, error) {
	parts := map[string]any{}
	setIf(parts, "image", a.Image != nil, a.Image)
	setIf(parts, "link", a.Link != nil, a.Link)
	setIf(parts, "miniprogram", a.MiniProgram != nil, a.MiniProgram)
	setIf(parts, "video", a.Video != nil, a.Video)
	setIf(parts, "file", a.File != nil, a.File)
	return marshalOneOf("attachment", parts)
}

func setIf(m map[string]any, key string, set bool, v any) {
	if set {
		m[key] = v
	}
}

// marshalOneOf renders a WeCom message whose msgtype names its only part.
func marshalOneOf(what string, parts map[string]any, extra ...map[string]any) ([]byte, error) {
	if len(parts) != 1 {
		return nil, fmt.Errorf("%s must have exactly one content part, has %d: %w", what, len(parts), ErrInvalidRequest)
	}
	out := map[string]any{}
	for k, v := range parts {
		out["msgtype"], out[k] = k, v
	}
	for _, m := range extra {
		for k, v := range m {
			out[k] = v
		}
	}
	return json.Marshal(out)
}

// checkContent enforces "text or attachments, at most 9 attachments".
func checkContent(text *Text, attachments []Attachment) error {
	if (text == nil || text.Content == "") && len(attachments) == 0 {
		return fmt.Errorf("message has neither text nor attachments: %w", ErrInvalidRequest)
	}
	if len(attachments) > MaxAttachments {
		return fmt.Errorf("%d attachments, WeCom allows %d: %w", len(attachments), MaxAttachments, ErrInvalidRequest)
	}
	return nil
}

// WelcomeMsg is the body of externalcontact/send_welcome_msg (doc 92137):
// sent to a new contact within 20 s of the event, once per WelcomeCode.
type WelcomeMsg struct {
	WelcomeCode string       `json:"welcome_code"`
	Text        *Text        `json:"text,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// SendWelcomeMsg greets a new contact. A second send for one WelcomeCode
// answers 41051, which is not temporary.
func (c *Client) SendWelcomeMsg(ctx context.Context, msg WelcomeMsg) error {
	if msg.WelcomeCode == "" {
		return fmt.Errorf("send welcome message: welcome code is empty: %w", ErrInvalidRequest)
	}
	if err := checkContent(msg.Text, msg.Attachments); err != nil {
		return fmt.Errorf("send welcome message: %w", err)
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("send welcome message: %w", err)
	}
	_, err = c.Send(ctx, APISendWelcomeMsg, body)
	return err
}

// TextCard is a text card app message.
type TextCard struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	BtnTxt      string `json:"btntxt,omitempty"`
}

// AppMessage is an app message to staff (message/send, doc 90236); exactly
// one of Text, TextCard, Markdown is set. WeCom silently drops more than 30
// messages a minute to one person, so callers aggregate notifications.
type AppMessage struct {
	ToUser   []string
	ToParty  []string
	ToTag    []string
	AgentID  int // 0: the client's configured agent id
	Text     *Text
	TextCard *TextCard
	Markdown *Text
	// DuplicateCheckInterval, when > 0, asks WeCom to drop identical messages
	// within that many seconds.
	DuplicateCheckInterval int
}

// MarshalJSON renders the message/send body.
func (m AppMessage) MarshalJSON() ([]byte, error) {
	parts := map[string]any{}
	setIf(parts, "text", m.Text != nil, m.Text)
	setIf(parts, "textcard", m.TextCard != nil, m.TextCard)
	setIf(parts, "markdown", m.Markdown != nil, m.Markdown)
	extra := map[string]any{}
	setIf(extra, "touser", len(m.ToUser) > 0, strings.Join(m.ToUser, "|"))
	setIf(extra, "toparty", len(m.ToParty) > 0, strings.Join(m.ToParty, "|"))
	setIf(extra, "totag", len(m.ToTag) > 0, strings.Join(m.ToTag, "|"))
	setIf(extra, "agentid", m.AgentID != 0, m.AgentID)
	setIf(extra, "enable_duplicate_check", m.DuplicateCheckInterval > 0, 1)
	setIf(extra, "duplicate_check_interval", m.DuplicateCheckInterval > 0, m.DuplicateCheckInterval)
	return marshalOneOf("app message", parts, extra)
}

// AppMessageResult is what message/send answered: the message id and the
// recipients WeCom could not reach.
type AppMessageResult struct {
	MsgID           string
	InvalidUsers    []string
	InvalidParties  []string
	InvalidTags     []string
	UnlicensedUsers []string
}

// SendAppMessage sends an app message to staff. Unknown recipients are
// listed in the result; when no recipient is valid WeCom answers 81013.
func (c *Client) SendAppMessage(ctx context.Context, msg AppMessage) (AppMessageResult, error) {
	if len(msg.ToUser)+len(msg.ToParty)+len(msg.ToTag) == 0 {
		return AppMessageResult{}, fmt.Errorf("send app message: no recipient: %w", ErrInvalidRequest)
	}
	body, err := json.Marshal(msg)
	if err != nil {
		return AppMessageResult{}, fmt.Errorf("send app message: %w", err)
	}
	raw, err := c.Send(ctx, APIMessageSend, body)
	if raw == nil {
		return AppMessageResult{}, err
	}
	res, parseErr := parseAppMessageResult(raw)
	if err != nil {
		return res, err
	}
	return res, parseErr
}

func parseAppMessageResult(raw []byte) (AppMessageResult, error) {
	var w struct {
		MsgID          string `json:"msgid"`
		InvalidUser    string `json:"invaliduser"`
		InvalidParty   string `json:"invalidparty"`
		InvalidTag     string `json:"invalidtag"`
		UnlicensedUser string `json:"unlicenseduser"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return AppMessageResult{}, fmt.Errorf("parse message/send answer: %w", err)
	}
	return AppMessageResult{MsgID: w.MsgID, InvalidUsers: splitBar(w.InvalidUser), InvalidParties: splitBar(w.InvalidParty),
		InvalidTags: splitBar(w.InvalidTag), UnlicensedUsers: splitBar(w.UnlicensedUser)}, nil
}

func splitBar(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "|")
}

// Chat types of a 群發 task.
const (
	ChatTypeSingle = "single" // to external contacts
	ChatTypeGroup  = "group"  // to customer groups
)

// MsgTemplate is a 群發 task (externalcontact/add_msg_template, doc 92135).
// The sender confirms it in the WeCom client before anything is sent; by
// default each customer group receives at most one such message a day.
type MsgTemplate struct {
	ChatType        string       `json:"chat_type,omitempty"`
	ExternalUserIDs []string     `json:"external_userid,omitempty"`
	ChatIDs         []string     `json:"chat_id_list,omitempty"`
	Sender          string       `json:"sender,omitempty"`
	AllowSelect     bool         `json:"allow_select,omitempty"`
	Text            *Text        `json:"text,omitempty"`
	Attachments     []Attachment `json:"attachments,omitempty"`
}

// Validate checks the limits WeCom documents: a group task needs a sender
// and at most 2000 chats; content is text or up to 9 attachments.
func (m MsgTemplate) Validate() error {
	switch {
	case m.ChatType != "" && m.ChatType != ChatTypeSingle && m.ChatType != ChatTypeGroup:
		return fmt.Errorf("chat_type %q is neither single nor group: %w", m.ChatType, ErrInvalidRequest)
	case m.ChatType == ChatTypeGroup && m.Sender == "":
		return fmt.Errorf("a group 群發 needs a sender (the group owner): %w", ErrInvalidRequest)
	case len(m.ChatIDs) > MaxGroupMsgChats:
		return fmt.Errorf("%d chats, WeCom allows %d: %w", len(m.ChatIDs), MaxGroupMsgChats, ErrInvalidRequest)
	}
	return checkContent(m.Text, m.Attachments)
}

// MsgTemplateResult is what add_msg_template answered.
type MsgTemplateResult struct {
	MsgID    string
	FailList []string // targets WeCom could not include
}

// AddMsgTemplate creates a 群發 task for the sender to confirm.
func (c *Client) AddMsgTemplate(ctx context.Context, m MsgTemplate) (MsgTemplateResult, error) {
	if err := m.Validate(); err != nil {
		return MsgTemplateResult{}, fmt.Errorf("add msg template: %w", err)
	}
	body, err := json.Marshal(m)
	if err != nil {
		return MsgTemplateResult{}, fmt.Errorf("add msg template: %w", err)
	}
	raw, err := c.Send(ctx, APIAddMsgTemplate, body)
	if err != nil {
		return MsgTemplateResult{}, err
	}
	var w struct {
		MsgID    string   `json:"msgid"`
		FailList []string `json:"fail_list"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return MsgTemplateResult{}, fmt.Errorf("parse add_msg_template answer: %w", err)
	}
	return MsgTemplateResult{MsgID: w.MsgID, FailList: w.FailList}, nil
}

// Group message send statuses (get_groupmsg_send_result).
const (
	SendPending      = 0 // the sender has not confirmed yet
	SendDone         = 1
	SendNotFriend    = 2 // failed: the customer is not a contact
	SendAlreadyToday = 3 // failed: the customer already got another 群發
)

// GroupMsgSendQuery selects one page of a 群發 task's results for one sender.
type GroupMsgSendQuery struct {
	MsgID  string `json:"msgid"`
	UserID string `json:"userid"`
	Limit  int    `json:"limit,omitempty"` // WeCom's default 500, at most 1000
	Cursor string `json:"cursor,omitempty"`
}

// GroupMsgSend is the result of a 群發 for one customer or one group.
type GroupMsgSend struct {
	ExternalUserID string
	ChatID         string
	UserID         string
	Status         int
	SendTime       time.Time // zero until sent
}

// GroupMsgSendPage is one page of send results; NextCursor is "" on the last page.
type GroupMsgSendPage struct {
	Sends      []GroupMsgSend
	NextCursor string
}

// GetGroupMsgSendResult reads whether a 群發 task was sent (doc 93338).
func (c *Client) GetGroupMsgSendResult(ctx context.Context, q GroupMsgSendQuery) (GroupMsgSendPage, error) {
	if q.MsgID == "" || q.UserID == "" {
		return GroupMsgSendPage{}, fmt.Errorf("get group msg send result: msgid and userid are required: %w", ErrInvalidRequest)
	}
	var w struct {
		NextCursor string `json:"next_cursor"`
		SendList   []struct {
			ExternalUserID string `json:"external_userid"`
			ChatID         string `json:"chat_id"`
			UserID         string `json:"userid"`
			Status         int    `json:"status"`
			SendTime       int64  `json:"send_time"`
		} `json:"send_list"`
	}
	if err := c.postJSON(ctx, c.contact, "externalcontact/get_groupmsg_send_result", q, &w); err != nil {
		return GroupMsgSendPage{}, fmt.Errorf("get group msg send result %s: %w", q.MsgID, err)
	}
	page := GroupMsgSendPage{NextCursor: w.NextCursor}
	for _, s := range w.SendList {
		page.Sends = append(page.Sends, GroupMsgSend{ExternalUserID: s.ExternalUserID, ChatID: s.ChatID,
			UserID: s.UserID, Status: s.Status, SendTime: unixTime(s.SendTime)})
	}
	return page, nil
}

// unixTime converts WeCom's Unix seconds to UTC; 0 stays the zero time.
func unixTime(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

// postJSON marshals req, posts it and unmarshals the answer into resp.
func (c *Client) postJSON(ctx context.Context, ts *tokenSource, api string, req, resp any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	raw, err := c.post(ctx, ts, api, body)
	if err != nil {
		return err
	}
	if resp == nil {
		return nil
	}
	if err := json.Unmarshal(raw, resp); err != nil {
		return fmt.Errorf("parse %s answer: %w", api, err)
	}
	return nil
}

// WebhookText is a group-bot text message; mentions use user IDs or "@all".
type WebhookText struct {
	Content             string   `json:"content"`
	MentionedList       []string `json:"mentioned_list,omitempty"`
	MentionedMobileList []string `json:"mentioned_mobile_list,omitempty"`
}

// WebhookMsg is a group-bot (消息推送) message for an internal staff group;
// exactly one of Text, Markdown is set.
type WebhookMsg struct {
	Text     *WebhookText
	Markdown *Text
}

// MarshalJSON renders the webhook body.
func (m WebhookMsg) MarshalJSON() ([]byte, error) {
	parts := map[string]any{}
	setIf(parts, "text", m.Text != nil, m.Text)
	setIf(parts, "markdown", m.Markdown != nil, m.Markdown)
	return marshalOneOf("webhook message", parts)
}

// WebhookPayload builds the outbox payload of webhook/send.
func WebhookPayload(key string, msg WebhookMsg) ([]byte, error) {
	if key == "" {
		return nil, fmt.Errorf("webhook key is empty: %w", ErrInvalidRequest)
	}
	raw, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	return json.Marshal(webhookEnvelope{Key: key, Msg: raw})
}

// SendWebhook posts to a group bot (群機器人) by its key. A bot accepts at
// most 20 messages a minute; beyond that WeCom answers 45009.
func (c *Client) SendWebhook(ctx context.Context, key string, msg WebhookMsg) error {
	payload, err := WebhookPayload(key, msg)
	if err != nil {
		return fmt.Errorf("send webhook: %w", err)
	}
	_, err = c.Send(ctx, APIWebhookSend, payload)
	return err
}
