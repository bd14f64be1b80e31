package wecom

import (
	"context"
	"fmt"
	"unicode/utf8"
)

// Contact way (「联系我」) limits and types (doc 92228).
const (
	ContactWaySingle   = 1 // one staff member
	ContactWayMulti    = 2 // several staff members take turns
	MaxContactWayUsers = 100
	MaxContactWayState = 30 // characters
)

// APIMarkTag tags an external contact (doc 92118). Live codes queue it in
// the outbox; send.go's sendable table must name it (with sendContact) for
// the outbox to send it.
const APIMarkTag = "externalcontact/mark_tag"

// ContactWay is a 「联系我」 configuration: the QR code of a contact live
// code (渠道活码). Scene is SceneQRCode unless set; State comes back on
// add_external_contact so new contacts are attributed to the code.
type ContactWay struct {
	ConfigID   string   `json:"config_id,omitempty"`
	Type       int      `json:"type,omitempty"`
	Scene      int      `json:"scene,omitempty"`
	Remark     string   `json:"remark,omitempty"`
	SkipVerify bool     `json:"skip_verify"`
	State      string   `json:"state,omitempty"`
	Users      []string `json:"user,omitempty"`
	QRCode     string   `json:"-"` // set by AddContactWay for SceneQRCode
}

func (cw ContactWay) check() error {
	switch {
	case len(cw.Users) == 0 || len(cw.Users) > MaxContactWayUsers:
		return fmt.Errorf("a contact way holds 1-%d staff members, got %d: %w", MaxContactWayUsers, len(cw.Users), ErrInvalidRequest)
	case utf8.RuneCountInString(cw.State) > MaxContactWayState:
		return fmt.Errorf("contact way state %q is longer than %d characters: %w", cw.State, MaxContactWayState, ErrInvalidRequest)
	}
	return nil
}

// AddContactWay creates a contact way and returns it with its config id and,
// for a QR code, the QR image URL.
func (c *Client) AddContactWay(ctx context.Context, cw ContactWay) (ContactWay, error) {
	cw.ConfigID = ""
	if cw.Scene == 0 {
		cw.Scene = SceneQRCode
	}
	if cw.Type != ContactWaySingle && cw.Type != ContactWayMulti {
		return ContactWay{}, fmt.Errorf("add contact way: type %d is not 1 (single) or 2 (multi): %w", cw.Type, ErrInvalidRequest)
	}
	if cw.Type == ContactWaySingle && len(cw.Users) != 1 {
		return ContactWay{}, fmt.Errorf("add contact way: a single contact way has exactly one staff member: %w", ErrInvalidRequest)
	}
	if err := cw.check(); err != nil {
		return ContactWay{}, fmt.Errorf("add contact way: %w", err)
	}
	var resp struct {
		ConfigID string `json:"config_id"`
		QRCode   string `json:"qr_code"`
	}
	if err := c.postJSON(ctx, c.contact, "externalcontact/add_contact_way", cw, &resp); err != nil {
		return ContactWay{}, fmt.Errorf("add contact way: %w", err)
	}
	cw.ConfigID, cw.QRCode = resp.ConfigID, resp.QRCode
	return cw, nil
}

// UpdateContactWay changes a contact way's remark, verification, state and
// staff; its type, scene and QR code stay.
func (c *Client) UpdateContactWay(ctx context.Context, cw ContactWay) error {
	if cw.ConfigID == "" {
		return fmt.Errorf("update contact way: config id is empty: %w", ErrInvalidRequest)
	}
	if err := cw.check(); err != nil {
		return fmt.Errorf("update contact way %s: %w", cw.ConfigID, err)
	}
	body := struct {
		ConfigID   string   `json:"config_id"`
		Remark     string   `json:"remark"`
		SkipVerify bool     `json:"skip_verify"`
		State      string   `json:"state"`
		Users      []string `json:"user"`
	}{cw.ConfigID, cw.Remark, cw.SkipVerify, cw.State, cw.Users}
	if err := c.postJSON(ctx, c.contact, "externalcontact/update_contact_way", body, nil); err != nil {
		return fmt.Errorf("update contact way %s: %w", cw.ConfigID, err)
	}
	return nil
}

// DeleteContactWay deletes a contact way; its QR code stops working.
func (c *Client) DeleteContactWay(ctx context.Context, configID string) error {
	if err := c.postJSON(ctx, c.contact, "externalcontact/del_contact_way", configIDBody(configID), nil); err != nil {
		return fmt.Errorf("delete contact way %s: %w", configID, err)
	}
	return nil
}

// MarkTag is the body of externalcontact/mark_tag: tags a staff member's
// external contact (the outbox sends it; see APIMarkTag).
type MarkTag struct {
	UserID         string   `json:"userid"`
	ExternalUserID string   `json:"external_userid"`
	AddTag         []string `json:"add_tag,omitempty"`
	RemoveTag      []string `json:"remove_tag,omitempty"`
}

// MarkTag tags (or untags) an external contact at once, outside the outbox.
func (c *Client) MarkTag(ctx context.Context, m MarkTag) error {
	if m.UserID == "" || m.ExternalUserID == "" || len(m.AddTag)+len(m.RemoveTag) == 0 {
		return fmt.Errorf("mark tag: userid, external_userid and a tag are required: %w", ErrInvalidRequest)
	}
	if err := c.postJSON(ctx, c.contact, APIMarkTag, m, nil); err != nil {
		return fmt.Errorf("mark tag of %s: %w", m.ExternalUserID, err)
	}
	return nil
}
