package wecom

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/wecom/callback"
)

// Credentials are a corp's keys as an admin types them in the console, to
// try before putting them in the configuration.
type Credentials struct {
	CorpID        string `json:"corp_id"`
	Secret        string `json:"secret"`         // the self-built app's
	ContactSecret string `json:"contact_secret"` // 客户联系; optional
	// Token and EncodingAESKey verify and decrypt callbacks; optional, both
	// or neither.
	Token          string `json:"token"`
	EncodingAESKey string `json:"encoding_aes_key"`
}

// TryCredentials checks credentials that are not in force: the callback
// token and key are well formed, and WeCom hands out access tokens for the
// app secret and the customer-contact secret. apiBase is the deployment's
// (wecom.api_base; "" is WeCom's own). Credentials that cannot be right
// are fault.ErrInvalid, by field; what WeCom refuses is its error.
func TryCredentials(ctx context.Context, apiBase string, c Credentials) error {
	c = c.trimmed()
	if err := c.validate(); err != nil {
		return err
	}
	client, err := NewClient(Config{CorpID: c.CorpID, Secret: c.Secret, ContactSecret: c.ContactSecret,
		APIBase: apiBase, HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		return fault.Invalid("api_base", "%v", err)
	}
	return client.Check(ctx)
}

func (c Credentials) trimmed() Credentials {
	for _, f := range []*string{&c.CorpID, &c.Secret, &c.ContactSecret, &c.Token, &c.EncodingAESKey} {
		*f = strings.TrimSpace(*f)
	}
	return c
}

func (c Credentials) validate() error {
	var p fault.Problems
	if c.CorpID == "" {
		p.Add("corp_id", "请填写企业 ID (required)")
	}
	if c.Secret == "" {
		p.Add("secret", "请填写应用 Secret (required)")
	}
	switch {
	case c.Token == "" && c.EncodingAESKey == "":
	case c.Token == "":
		p.Add("token", "填写了 EncodingAESKey 时也须填写 Token (required with encoding_aes_key)")
	default:
		if _, err := callback.New(c.Token, c.EncodingAESKey, c.CorpID); err != nil {
			p.Add("encoding_aes_key", "EncodingAESKey 无效 (invalid): %v", err)
		}
	}
	return p.Err()
}
