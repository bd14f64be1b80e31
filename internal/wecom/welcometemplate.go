package wecom

import (
	"context"
	"fmt"
)

// GroupWelcomeTemplate is an 入群歡迎語 template (doc 92366): the group owner
// applies it to a group once, then WeCom greets every joiner; %NICKNAME% in
// the text is replaced by the joiner's name. No API binds a template to a
// group, and a corp holds at most 100 templates.
type GroupWelcomeTemplate struct {
	TemplateID  string       `json:"template_id,omitempty"`
	Text        *Text        `json:"text,omitempty"`
	Image       *Image       `json:"image,omitempty"`
	Link        *Link        `json:"link,omitempty"`
	MiniProgram *MiniProgram `json:"miniprogram,omitempty"`
	File        *Media       `json:"file,omitempty"`
	Video       *Media       `json:"video,omitempty"`
	// SkipNotify stops WeCom from telling members to apply a new template
	// (WeCom notifies by default).
	SkipNotify bool `json:"-"`
}

// templateWire adds notify, sent only to turn the default notification off.
type templateWire struct {
	GroupWelcomeTemplate
	Notify *int `json:"notify,omitempty"`
}

func (t GroupWelcomeTemplate) wire() templateWire {
	w := templateWire{GroupWelcomeTemplate: t}
	if t.SkipNotify {
		off := 0
		w.Notify = &off
	}
	return w
}

// AddGroupWelcomeTemplate stores a template and returns its id.
func (c *Client) AddGroupWelcomeTemplate(ctx context.Context, t GroupWelcomeTemplate) (string, error) {
	t.TemplateID = ""
	var resp struct {
		TemplateID string `json:"template_id"`
	}
	if err := c.postJSON(ctx, c.contact, "externalcontact/group_welcome_template/add", t.wire(), &resp); err != nil {
		return "", fmt.Errorf("add group welcome template: %w", err)
	}
	return resp.TemplateID, nil
}

// EditGroupWelcomeTemplate replaces the parts set in t of template t.TemplateID.
func (c *Client) EditGroupWelcomeTemplate(ctx context.Context, t GroupWelcomeTemplate) error {
	if t.TemplateID == "" {
		return fmt.Errorf("edit group welcome template: template id is empty: %w", ErrInvalidRequest)
	}
	if err := c.postJSON(ctx, c.contact, "externalcontact/group_welcome_template/edit", t.wire(), nil); err != nil {
		return fmt.Errorf("edit group welcome template %s: %w", t.TemplateID, err)
	}
	return nil
}

// GetGroupWelcomeTemplate reads a template.
func (c *Client) GetGroupWelcomeTemplate(ctx context.Context, templateID string) (GroupWelcomeTemplate, error) {
	var t GroupWelcomeTemplate
	if err := c.postJSON(ctx, c.contact, "externalcontact/group_welcome_template/get", templateIDBody(templateID), &t); err != nil {
		return GroupWelcomeTemplate{}, fmt.Errorf("get group welcome template %s: %w", templateID, err)
	}
	t.TemplateID = templateID
	return t, nil
}

// DeleteGroupWelcomeTemplate deletes a template.
func (c *Client) DeleteGroupWelcomeTemplate(ctx context.Context, templateID string) error {
	if err := c.postJSON(ctx, c.contact, "externalcontact/group_welcome_template/del", templateIDBody(templateID), nil); err != nil {
		return fmt.Errorf("delete group welcome template %s: %w", templateID, err)
	}
	return nil
}

func templateIDBody(id string) map[string]string { return map[string]string{"template_id": id} }
