package welcome_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/welcome"
)

// newClock is a test clock at 2026-03-01 09:00 UTC.
func newClock() *storagetest.Clock {
	return storagetest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
}

// directory is a fake org directory.
type directory map[string][2]string

func (d directory) StaffName(_ context.Context, userID string) (string, string, error) {
	v, found := d[userID]
	if !found {
		return "", "", errors.New("no such staff member")
	}
	return v[0], v[1], nil
}

// contacts is a fake externalcontact/get.
type contacts map[string]string

func (c contacts) ContactName(_ context.Context, id string) (string, error) {
	name, found := c[id]
	if !found {
		return "", errors.New("no such contact")
	}
	return name, nil
}

type fixture struct {
	svc    *welcome.Service
	store  *welcome.Store
	outbox *outbox.Store
	clock  *storagetest.Clock
	woken  int
}

func newFixture(t *testing.T, db storagetest.DB, opts welcome.Options) *fixture {
	t.Helper()
	f := &fixture{clock: newClock()}
	f.store = welcome.NewStore(db.DB, f.clock.Now)
	f.outbox = outbox.NewStore(db.DB, f.clock.Now)
	opts.Store, opts.Now = f.store, f.clock.Now
	opts.Wake = func() { f.woken++ }
	f.svc = welcome.New(opts)
	return f
}

func (f *fixture) rule(t *testing.T, r welcome.Rule) welcome.Rule {
	t.Helper()
	r.Enabled = true
	if err := f.store.CreateRule(context.Background(), &r); err != nil {
		t.Fatalf("create rule %s: %v", r.Name, err)
	}
	return r
}

func (f *fixture) sends(t *testing.T, api string) []outbox.Message {
	t.Helper()
	msgs, err := f.outbox.List(context.Background(), outbox.Filter{API: api})
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func (f *fixture) records(t *testing.T, kind welcome.Kind) []welcome.Record {
	t.Helper()
	recs, err := f.store.ListRecords(context.Background(), welcome.RecordFilter{Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// contactEvent is an add_external_contact callback as the inbox holds it.
func contactEvent(id int64, changeType, staff, external, state, code string, received time.Time) inbox.Event {
	xml := fmt.Sprintf(`<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>`+
		`<CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event>`+
		`<ChangeType><![CDATA[%s]]></ChangeType><UserID><![CDATA[%s]]></UserID><ExternalUserID><![CDATA[%s]]></ExternalUserID>`+
		`<State><![CDATA[%s]]></State><WelcomeCode><![CDATA[%s]]></WelcomeCode></xml>`, received.Unix(), changeType, staff, external, state, code)
	return inbox.Event{ID: id, Source: "wecom", Kind: "change_external_contact/" + changeType,
		DedupeKey: fmt.Sprintf("evt:%d", id), Payload: xml, ReceivedAt: received}
}
