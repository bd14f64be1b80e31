package schedule

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/qunbot/qunbot/internal/bridge"
	"github.com/qunbot/qunbot/internal/wecom"
)

// msgTemplate is the 群发 of c by owner to chatIDs.
func msgTemplate(c Content, owner string, chatIDs []string) (wecom.MsgTemplate, error) {
	if err := checkAttachmentCount(len(c.Attachments)); err != nil {
		return wecom.MsgTemplate{}, err
	}
	m := wecom.MsgTemplate{ChatType: wecom.ChatTypeGroup, Sender: owner, ChatIDs: chatIDs}
	if strings.TrimSpace(c.Text) != "" {
		m.Text = &wecom.Text{Content: c.Text}
	}
	for i, a := range c.Attachments {
		w, err := wecomAttachment(a)
		if err != nil {
			return wecom.MsgTemplate{}, &contentError{fmt.Sprintf("attachments[%d]", i), err.Error()}
		}
		m.Attachments = append(m.Attachments, w)
	}
	if m.Text == nil && len(m.Attachments) == 0 {
		return wecom.MsgTemplate{}, &contentError{"text", "文字和附件不能都为空 (text or an attachment is required)"}
	}
	return m, m.Validate()
}

// wecomAttachment is a in WeCom's terms.
func wecomAttachment(a Attachment) (wecom.Attachment, error) {
	need := func(ok bool, what string) error {
		if ok {
			return nil
		}
		return fmt.Errorf("%s 附件需要 %s (%s needs %s)", a.Type, what, a.Type, what)
	}
	switch a.Type {
	case AttachImage:
		return wecom.Attachment{Image: &wecom.Image{MediaID: a.MediaID, PicURL: a.PicURL}}, need(a.MediaID != "" || a.PicURL != "", "media_id 或 pic_url")
	case AttachLink:
		return wecom.Attachment{Link: &wecom.Link{Title: a.Title, PicURL: a.PicURL, Desc: a.Description, URL: a.URL}}, need(a.Title != "" && a.URL != "", "title 和 url")
	case AttachMiniProgram:
		return wecom.Attachment{MiniProgram: &wecom.MiniProgram{Title: a.Title, PicMediaID: a.MediaID, AppID: a.AppID, Page: a.Page}},
			need(a.Title != "" && a.MediaID != "" && a.AppID != "" && a.Page != "", "title、media_id、app_id 和 page")
	case AttachVideo:
		return wecom.Attachment{Video: &wecom.Media{MediaID: a.MediaID}}, need(a.MediaID != "", "media_id")
	case AttachFile:
		return wecom.Attachment{File: &wecom.Media{MediaID: a.MediaID}}, need(a.MediaID != "", "media_id")
	}
	return wecom.Attachment{}, fmt.Errorf("附件类型 %q 未知,可选 image、link、miniprogram、video、file (unknown attachment type)", a.Type)
}

// bridgeMessages are the bridge sends that say c in chatID: the text, then
// one message per attachment. Keys start with key.
func bridgeMessages(c Content, key, chatID string) ([]bridge.Outgoing, error) {
	if err := checkAttachmentCount(len(c.Attachments)); err != nil {
		return nil, err
	}
	var out []bridge.Outgoing
	if strings.TrimSpace(c.Text) != "" {
		o := bridge.Outgoing{IdempotencyKey: key + ":text", ChatID: chatID, MsgType: "text", Text: c.Text}
		if err := o.Validate(); err != nil {
			return nil, outgoingError("text", err)
		}
		out = append(out, o)
	}
	for i, a := range c.Attachments {
		o, err := bridgeAttachment(a)
		field := fmt.Sprintf("attachments[%d]", i)
		if err != nil {
			return nil, &contentError{field, err.Error()}
		}
		o.IdempotencyKey, o.ChatID = fmt.Sprintf("%s:%d", key, i), chatID
		if err := o.Validate(); err != nil {
			return nil, outgoingError(field, err)
		}
		out = append(out, o)
	}
	if len(out) == 0 {
		return nil, &contentError{"text", "文字和附件不能都为空 (text or an attachment is required)"}
	}
	return out, nil
}

// bridgeAttachment is a in the bridge's terms; the bridge takes pictures by
// URL and has no videos or files.
func bridgeAttachment(a Attachment) (bridge.Outgoing, error) {
	switch a.Type {
	case AttachImage:
		return bridge.Outgoing{MsgType: "image", ImageURL: a.PicURL}, nil
	case AttachLink:
		return bridge.Outgoing{MsgType: "link", Link: &bridge.Link{Title: a.Title, Description: a.Description, URL: a.URL, ImageURL: a.PicURL}}, nil
	case AttachMiniProgram:
		return bridge.Outgoing{MsgType: "miniprogram", MiniProgram: &bridge.MiniProgram{AppID: a.AppID, Title: a.Title, Page: a.Page, ImageURL: a.PicURL}}, nil
	}
	return bridge.Outgoing{}, fmt.Errorf("群内消息的附件只能是 image(pic_url)、link 或 miniprogram,不支持 %q (the bridge takes image, link and miniprogram attachments)", a.Type)
}

// isJSONValue reports whether raw is one JSON value.
func isJSONValue(raw []byte) bool {
	return json.Valid(raw)
}
