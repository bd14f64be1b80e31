package wecom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// ErrNotCorpMember is returned by UserIDByCode when the person who signed in
// is not a member of the corp (WeCom answers an openid, not a userid).
var ErrNotCorpMember = errors.New("not a member of the corp")

// ErrInvalidOAuthCode is returned by UserIDByCode for a code WeCom refuses:
// unknown, already used, or older than its five minutes (errcode 40029).
var ErrInvalidOAuthCode = errors.New("invalid or used OAuth code")

// errInvalidCode is WeCom's errcode for a bad OAuth code.
const errInvalidCode = 40029

// UserIDByCode exchanges a web OAuth2 code (scope snsapi_base) for the
// userid of the staff member who opened the page (auth/getuserinfo, doc
// 91023). Someone outside the corp yields ErrNotCorpMember, a refused code
// ErrInvalidOAuthCode (both wrapped).
func (c *Client) UserIDByCode(ctx context.Context, code string) (string, error) {
	if code == "" {
		return "", fmt.Errorf("get user by oauth code: code is empty: %w", ErrInvalidRequest)
	}
	raw, err := c.call(ctx, c.app, exchange{method: http.MethodGet, api: "auth/getuserinfo", query: url.Values{"code": {code}}})
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Code == errInvalidCode {
		return "", fmt.Errorf("get user by oauth code: %w: %w", ErrInvalidOAuthCode, err)
	}
	if err != nil {
		return "", fmt.Errorf("get user by oauth code: %w", err)
	}
	// The older user/getuserinfo spelled the fields UserId and OpenId; accept both.
	var w struct {
		UserID    string `json:"userid"`
		OldUserID string `json:"UserId"`
		OpenID    string `json:"openid"`
		OldOpenID string `json:"OpenId"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return "", fmt.Errorf("parse auth/getuserinfo answer: %w", err)
	}
	switch {
	case w.UserID != "":
		return w.UserID, nil
	case w.OldUserID != "":
		return w.OldUserID, nil
	case w.OpenID != "" || w.OldOpenID != "":
		return "", fmt.Errorf("get user by oauth code: %w", ErrNotCorpMember)
	}
	return "", fmt.Errorf("parse auth/getuserinfo answer: neither userid nor openid in %s", raw)
}
