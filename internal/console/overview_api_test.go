package console_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/bridge"
	"github.com/qunbot/qunbot/internal/console"
	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/overview"
	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

func TestOverviewAPI(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		now := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
		box := inbox.NewStore(db.DB, nil)
		for i, at := range []time.Time{now, now.Add(-time.Hour), now.Add(-48 * time.Hour), now.Add(-8 * 24 * time.Hour)} {
			e := inbox.Event{Source: "bridge", Kind: "bridge/text", DedupeKey: "m" + itoa(int64(i)), Payload: "{}", ReceivedAt: at}
			if _, err := box.Record(t.Context(), &e); err != nil {
				t.Fatal(err)
			}
		}
		scripts := script.NewStore(db.DB, nil)
		s := httptest.NewServer(console.New(console.Options{Groups: group.NewStore(db.DB, nil), Scripts: scripts,
			Inbox: box, MessageKinds: bridge.ChatKinds(), APIToken: token, Now: func() time.Time { return now }}))
		t.Cleanup(s.Close)
		a := api{t: t, srv: s}

		var o overview.Overview
		if status, body := a.call("GET", "/api/v1/overview", nil, &o); status != 200 {
			t.Fatalf("overview: %d %s", status, body)
		}
		if o.Groups == nil || *o.Groups != (group.Totals{}) || o.Scripts == nil || o.Tickets != nil || o.LiveCodes != nil {
			t.Fatalf("figures: %+v", o)
		}
		want := []int64{0, 0, 0, 0, 1, 0, 2} // the week before today and today; the 8-day-old one is out
		if len(o.Messages) != overview.Days || o.Messages[6].Day != "2026-11-23" || o.Messages[0].Day != "2026-11-17" {
			t.Fatalf("messages: %+v", o.Messages)
		}
		for i, d := range o.Messages {
			if d.Count != want[i] {
				t.Errorf("messages on %s = %d, want %d", d.Day, d.Count, want[i])
			}
		}
		if len(o.HitRate) != overview.Days {
			t.Fatalf("hit rate: %+v", o.HitRate)
		}
	})
}
