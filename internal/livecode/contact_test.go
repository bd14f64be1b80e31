package livecode_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/livecode"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/wecom"
)

// contactEvent is an add_external_contact callback as the inbox holds it.
func contactEvent(id int64, staff, external, state string) inbox.Event {
	xml := fmt.Sprintf(`<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event>`+
		`<ChangeType><![CDATA[add_external_contact]]></ChangeType><UserID><![CDATA[%s]]></UserID><ExternalUserID><![CDATA[%s]]></ExternalUserID>`+
		`<State><![CDATA[%s]]></State><WelcomeCode><![CDATA[W1]]></WelcomeCode></xml>`, time.Now().Unix(), staff, external, state)
	return inbox.Event{ID: id, Source: "wecom", Kind: "change_external_contact/add_external_contact",
		DedupeKey: fmt.Sprintf("evt:%d", id), Payload: xml}
}

func TestContactCode_TagsAndCountsNewContacts(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		cc := livecode.ContactCode{Name: "海报渠道", UserIDs: []string{"zhangsan", "lisi"}, TagIDs: []string{"etPoster"}, SkipVerify: true}
		if err := e.svc.CreateContact(ctx, "op1", &cc); err != nil {
			t.Fatal(err)
		}
		if cc.Type != wecom.ContactWayMulti || cc.ConfigID == "" || cc.QRCode == "" || !strings.HasPrefix(cc.State, "cc_") {
			t.Fatalf("created %+v", cc)
		}
		for range 2 { // redelivered
			if err := e.svc.HandleContact(ctx, contactEvent(1, "zhangsan", "wmA", cc.State)); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.svc.HandleContact(ctx, contactEvent(2, "lisi", "wmB", "someone-elses-state")); err != nil {
			t.Fatal(err)
		}
		tags := e.sent(wecom.APIMarkTag)
		if len(tags) != 1 || tags[0].Payload != `{"userid":"zhangsan","external_userid":"wmA","add_tag":["etPoster"]}` {
			t.Fatalf("mark_tag messages %+v", tags)
		}
		st, err := e.svc.ContactStats(ctx, cc.ID, "", "")
		if err != nil || st.Total.Joins != 1 {
			t.Fatalf("stats %+v %v", st, err)
		}

		cc.UserIDs = []string{"lisi"}
		if err := e.svc.UpdateContact(ctx, "op1", &cc); err != nil || cc.Version != 2 {
			t.Fatalf("update: %+v %v", cc, err)
		}
		if err := e.svc.DeleteContact(ctx, cc.ID); err != nil || e.fake.ContactWayLive(cc.ConfigID) {
			t.Fatalf("delete: %v", err)
		}
	})
}

func TestContactCode_BadInput(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t))
	tests := []struct {
		name  string
		code  livecode.ContactCode
		field string
	}{
		{"no name", livecode.ContactCode{UserIDs: []string{"zhangsan"}}, "name"},
		{"no staff", livecode.ContactCode{Name: "x"}, "user_ids"},
		{"single with two", livecode.ContactCode{Name: "x", Type: 1, UserIDs: []string{"zhangsan", "lisi"}}, "user_ids"},
		{"bad type", livecode.ContactCode{Name: "x", Type: 3, UserIDs: []string{"zhangsan"}}, "type"},
		{"unknown staff", livecode.ContactCode{Name: "x", UserIDs: []string{"nobody"}}, "wecom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.svc.CreateContact(context.Background(), "op1", &tt.code)
			var fields fault.Fields
			if !errors.As(err, &fields) || fields[0].Field != tt.field {
				t.Fatalf("err %v, want a problem with %s", err, tt.field)
			}
		})
	}
}
