package wecom

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// ExternalContact is the part of externalcontact/get (doc 92114) qunbot
// reads: who the contact is. Type is 1 for a WeChat user, 2 for a WeCom user
// of another corp.
type ExternalContact struct {
	ExternalUserID string `json:"external_userid"`
	Name           string `json:"name"`
	Type           int    `json:"type"`
	CorpName       string `json:"corp_name,omitempty"`
	UnionID        string `json:"unionid,omitempty"`
}

// GetExternalContact reads an external contact of the corp's staff. WeCom
// answers 84061 when no staff member has the contact.
func (c *Client) GetExternalContact(ctx context.Context, externalUserID string) (ExternalContact, error) {
	if externalUserID == "" {
		return ExternalContact{}, fmt.Errorf("get external contact: external userid is empty: %w", ErrInvalidRequest)
	}
	raw, err := c.call(ctx, c.contact, exchange{method: http.MethodGet, api: "externalcontact/get",
		query: url.Values{"external_userid": {externalUserID}}})
	if err != nil {
		return ExternalContact{}, fmt.Errorf("get external contact %s: %w", externalUserID, err)
	}
	var w struct {
		ExternalContact ExternalContact `json:"external_contact"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return ExternalContact{}, fmt.Errorf("parse externalcontact/get answer: %w", err)
	}
	return w.ExternalContact, nil
}

// ContactName returns an external contact's WeChat name.
func (c *Client) ContactName(ctx context.Context, externalUserID string) (string, error) {
	ec, err := c.GetExternalContact(ctx, externalUserID)
	return ec.Name, err
}
