package wecom_test

import (
	"context"
	"errors"
	"testing"

	"github.com/qunbot/qunbot/internal/wecom"
)

func TestUserIDByCode(t *testing.T) {
	fake := newFake(t)
	c := newClient(t, fake)
	ctx := context.Background()
	member := fake.OAuthCode("zhangsan")
	tests := []struct {
		name    string
		code    string
		want    string
		wantErr error
	}{
		{"staff member", member, "zhangsan", nil},
		{"code used twice", member, "", wecom.ErrInvalidOAuthCode},
		{"outside the corp", fake.VisitorOAuthCode("oVisitor1"), "", wecom.ErrNotCorpMember},
		{"forged code", "CODE.member.1.emhhbmdzYW4.00", "", wecom.ErrInvalidOAuthCode},
		{"empty code", "", "", wecom.ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.UserIDByCode(ctx, tt.code)
			if got != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("UserIDByCode = %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
	if call := lastCall(t, fake, "/cgi-bin/auth/getuserinfo"); call.Method != "GET" || call.Token == "" {
		t.Errorf("getuserinfo call = %+v, want GET with an access token", call)
	}
}

func TestUserIDByCode_tokenRefreshed(t *testing.T) {
	fake := newFake(t)
	c := newClient(t, fake)
	ctx := context.Background()
	if _, err := c.UserIDByCode(ctx, fake.OAuthCode("lisi")); err != nil {
		t.Fatal(err)
	}
	fake.ExpireTokens()
	got, err := c.UserIDByCode(ctx, fake.OAuthCode("wangwu"))
	if err != nil || got != "wangwu" {
		t.Errorf("after token expiry: %q, %v; want wangwu", got, err)
	}
}
