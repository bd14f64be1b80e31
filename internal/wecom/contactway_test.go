package wecom_test

import (
	"context"
	"errors"
	"testing"

	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
)

func TestContactWay_Lifecycle(t *testing.T) {
	fake := newFake(t, wecomtest.WithUsers("zhangsan", "lisi"))
	c := newClient(t, fake)
	ctx := context.Background()
	cw, err := c.AddContactWay(ctx, wecom.ContactWay{Type: wecom.ContactWayMulti, State: "cc_poster", Users: []string{"zhangsan", "lisi"}, SkipVerify: true})
	if err != nil || cw.ConfigID == "" || cw.QRCode == "" {
		t.Fatalf("AddContactWay = %+v, %v", cw, err)
	}
	assertFields(t, lastCall(t, fake, "/cgi-bin/externalcontact/add_contact_way"),
		map[string]any{"type": 2, "scene": 2, "state": "cc_poster", "skip_verify": true, "user": []any{"zhangsan", "lisi"}})
	cw.Users = []string{"lisi"}
	if err := c.UpdateContactWay(ctx, cw); err != nil {
		t.Fatalf("UpdateContactWay: %v", err)
	}
	assertFields(t, lastCall(t, fake, "/cgi-bin/externalcontact/update_contact_way"), map[string]any{"config_id": cw.ConfigID, "user": []any{"lisi"}})
	if err := c.DeleteContactWay(ctx, cw.ConfigID); err != nil || fake.ContactWayLive(cw.ConfigID) {
		t.Fatalf("DeleteContactWay: %v (live %v)", err, fake.ContactWayLive(cw.ConfigID))
	}
	var apiErr *wecom.APIError
	if err := c.DeleteContactWay(ctx, cw.ConfigID); !errors.As(err, &apiErr) || apiErr.Code != 40058 {
		t.Fatalf("second delete: %v, want errcode 40058", err)
	}
}

func TestContactWay_Refused(t *testing.T) {
	fake := newFake(t, wecomtest.WithUsers("zhangsan"))
	c := newClient(t, fake)
	tests := []struct {
		name string
		cw   wecom.ContactWay
		code int // 0: refused before sending
	}{
		{"bad type", wecom.ContactWay{Type: 3, Users: []string{"zhangsan"}}, 0},
		{"single with two users", wecom.ContactWay{Type: 1, Users: []string{"zhangsan", "x"}}, 0},
		{"no users", wecom.ContactWay{Type: 2}, 0},
		{"state too long", wecom.ContactWay{Type: 1, Users: []string{"zhangsan"}, State: "0123456789012345678901234567890"}, 0},
		{"unknown user", wecom.ContactWay{Type: 1, Users: []string{"nobody"}}, 40003},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.AddContactWay(context.Background(), tt.cw)
			var apiErr *wecom.APIError
			switch {
			case tt.code == 0 && !errors.Is(err, wecom.ErrInvalidRequest):
				t.Fatalf("err %v, want ErrInvalidRequest", err)
			case tt.code != 0 && (!errors.As(err, &apiErr) || apiErr.Code != tt.code):
				t.Fatalf("err %v, want errcode %d", err, tt.code)
			}
		})
	}
}

func TestMarkTag(t *testing.T) {
	fake := newFake(t, wecomtest.WithUsers("zhangsan"))
	c := newClient(t, fake)
	if err := c.MarkTag(context.Background(), wecom.MarkTag{UserID: "zhangsan", ExternalUserID: "wm1", AddTag: []string{"et1"}}); err != nil {
		t.Fatalf("MarkTag: %v", err)
	}
	assertFields(t, lastCall(t, fake, "/cgi-bin/externalcontact/mark_tag"), map[string]any{"userid": "zhangsan", "external_userid": "wm1", "add_tag": []any{"et1"}})
	if err := c.MarkTag(context.Background(), wecom.MarkTag{UserID: "zhangsan", ExternalUserID: "wm1"}); !errors.Is(err, wecom.ErrInvalidRequest) {
		t.Fatalf("mark_tag without tags: %v", err)
	}
	var apiErr *wecom.APIError
	if err := c.MarkTag(context.Background(), wecom.MarkTag{UserID: "nobody", ExternalUserID: "wm1", AddTag: []string{"et1"}}); !errors.As(err, &apiErr) || apiErr.Code != 40003 {
		t.Fatalf("unknown staff: %v", err)
	}
}
