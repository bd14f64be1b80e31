package wecom_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
)

func TestTryCredentials(t *testing.T) {
	fake := wecomtest.New(wecomtest.WithCorp("wwcorp", "app-secret", "contact-secret"))
	t.Cleanup(fake.Close)
	const aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	tests := []struct {
		name    string
		c       wecom.Credentials
		invalid string // the field said to be wrong
		refused bool   // WeCom refuses
	}{
		{"app secret", wecom.Credentials{CorpID: "wwcorp", Secret: "app-secret"}, "", false},
		{"both secrets and callback keys", wecom.Credentials{CorpID: " wwcorp ", Secret: "app-secret", ContactSecret: "contact-secret",
			Token: "tok", EncodingAESKey: aesKey}, "", false},
		{"no corp id", wecom.Credentials{Secret: "app-secret"}, "corp_id", false},
		{"no secret", wecom.Credentials{CorpID: "wwcorp"}, "secret", false},
		{"key without token", wecom.Credentials{CorpID: "wwcorp", Secret: "app-secret", EncodingAESKey: aesKey}, "token", false},
		{"short key", wecom.Credentials{CorpID: "wwcorp", Secret: "app-secret", Token: "tok", EncodingAESKey: "short"}, "encoding_aes_key", false},
		{"token without key", wecom.Credentials{CorpID: "wwcorp", Secret: "app-secret", Token: "tok"}, "encoding_aes_key", false},
		{"wrong secret", wecom.Credentials{CorpID: "wwcorp", Secret: "nope"}, "", true},
		{"wrong contact secret", wecom.Credentials{CorpID: "wwcorp", Secret: "app-secret", ContactSecret: "nope"}, "", true},
		{"wrong corp", wecom.Credentials{CorpID: "wwother", Secret: "app-secret"}, "", true},
	}
	for _, tt := range tests {
		err := wecom.TryCredentials(t.Context(), fake.URL, tt.c)
		var fields fault.Fields
		switch {
		case tt.invalid != "":
			if !errors.As(err, &fields) || !strings.Contains(err.Error(), tt.invalid) {
				t.Errorf("%s: err = %v, want %s invalid", tt.name, err, tt.invalid)
			}
		case tt.refused:
			if err == nil || errors.Is(err, fault.ErrInvalid) {
				t.Errorf("%s: err = %v, want WeCom's refusal", tt.name, err)
			}
		case err != nil:
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}
