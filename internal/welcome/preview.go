package welcome

import (
	"context"
	"fmt"
	"strings"

	"github.com/qunbot/qunbot/internal/fault"
)

// PreviewRequest asks which welcome someone would get and what it says.
type PreviewRequest struct {
	Channel     Channel `json:"channel"` // default contact
	State       string  `json:"state"`
	StaffUserID string  `json:"staff_user_id"`
	Name        string  `json:"name"` // the contact's name; default NameFallback
}

// Preview is the welcome a PreviewRequest would get.
type Preview struct {
	Rule        Rule         `json:"rule"`
	Text        string       `json:"text"`
	Attachments []Attachment `json:"attachments"`
	Staff       string       `json:"staff"`
	Store       string       `json:"store"`
}

// Preview picks and renders the welcome for req, as HandleContact or
// WeChatWelcome would. With no rule for it, the error is fault.ErrNotFound.
func (s *Service) Preview(ctx context.Context, req PreviewRequest) (Preview, error) {
	if req.Channel == "" {
		req.Channel = ChannelContact
	}
	if req.Channel != ChannelContact && req.Channel != ChannelWeChat {
		return Preview{}, fault.Invalid("channel", "渠道須為 contact 或 wechat (channel must be contact or wechat)")
	}
	rules, err := s.store.Rules(ctx, req.Channel)
	if err != nil {
		return Preview{}, err
	}
	rule, ok := Pick(rules, Who{Channel: req.Channel, State: req.State, StaffUserID: req.StaffUserID})
	if !ok {
		return Preview{}, fmt.Errorf("preview welcome: %w: %s", fault.ErrNotFound, detailNoRule)
	}
	vars := Vars{Name: strings.TrimSpace(req.Name)}
	if vars.Name == "" {
		vars.Name = s.opts.NameFallback
	}
	if s.opts.Directory != nil && req.StaffUserID != "" {
		if vars.Staff, vars.Store, err = s.opts.Directory.StaffName(ctx, req.StaffUserID); err != nil {
			return Preview{}, fmt.Errorf("preview welcome: staff %s: %w", req.StaffUserID, err)
		}
	}
	return Preview{Rule: rule, Text: Render(rule.Text, vars), Attachments: rule.Attachments, Staff: vars.Staff, Store: vars.Store}, nil
}
