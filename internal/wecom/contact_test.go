package wecom_test

import (
	"context"
	"errors"
	"testing"

	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
)

func TestGetExternalContact(t *testing.T) {
	fake := newFake(t, wecomtest.WithGroupChats(seededGroup()))
	c := newClient(t, fake)
	ctx := context.Background()
	name, err := c.ContactName(ctx, "wmCustomer1")
	if err != nil || name != "王先生" {
		t.Fatalf("ContactName = %q, %v", name, err)
	}
	calls := fake.CallsTo("/cgi-bin/externalcontact/get")
	if len(calls) != 1 || calls[0].Method != "GET" || calls[0].Query.Get("external_userid") != "wmCustomer1" {
		t.Fatalf("calls %+v", calls)
	}
	var apiErr *wecom.APIError
	if _, err := c.GetExternalContact(ctx, "wmStranger"); !errors.As(err, &apiErr) || apiErr.Code != 84061 || wecom.IsTemporary(err) {
		t.Fatalf("unknown contact: %v", err)
	}
	if _, err := c.GetExternalContact(ctx, ""); !errors.Is(err, wecom.ErrInvalidRequest) {
		t.Fatalf("empty id: %v", err)
	}
}
