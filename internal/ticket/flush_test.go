package ticket_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/mail"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/ticket"
	"github.com/qunbot/qunbot/internal/wecom"
)

// appText is what an app message says: a text card's title and
// description, or a text.
func appText(t testing.TB, payload string) (to, text string) {
	t.Helper()
	var m struct {
		ToUser   string `json:"touser"`
		Text     *wecom.Text
		TextCard *wecom.TextCard
	}
	if err := json.Unmarshal([]byte(payload), &m); err != nil {
		t.Fatal(err)
	}
	switch {
	case m.TextCard != nil:
		return m.ToUser, m.TextCard.Title + "\n" + m.TextCard.Description
	case m.Text != nil:
		return m.ToUser, m.Text.Content
	}
	t.Fatalf("app message without text: %s", payload)
	return "", ""
}

// A burst of 100 tickets to one person within a minute becomes at most 30
// app messages to that person, and every ticket is named in one of them.
func TestTicket_NoticeBurstIsAggregated(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db.DB)
		ctx := context.Background()
		var ids []int64
		var toStaff []string
		for range 60 {
			for range 2 {
				if len(ids) < 100 {
					ids = append(ids, e.open(t, complaint(fmt.Sprintf("burst-%d", len(ids)), "chat1", ticket.TierLight, 5)).ID)
				}
			}
			if _, err := e.svc.FlushNotices(ctx); err != nil {
				t.Fatal(err)
			}
			for _, m := range e.sendAll(t) {
				if m.API != wecom.APIMessageSend {
					continue
				}
				if to, text := appText(t, m.Payload); to == "staff1" {
					toStaff = append(toStaff, text)
				}
			}
			e.clock.Advance(time.Second)
		}
		if len(toStaff) > 30 || len(toStaff) == 0 {
			t.Fatalf("%d app messages to one person in a minute", len(toStaff))
		}
		t.Logf("%d app messages to one person in the first minute for %d tickets", len(toStaff), len(ids))
		// The rest goes out in the next minute; nothing is lost.
		for range 60 {
			if _, err := e.svc.FlushNotices(ctx); err != nil {
				t.Fatal(err)
			}
			for _, m := range e.sendAll(t) {
				if to, text := appText(t, m.Payload); to == "staff1" {
					toStaff = append(toStaff, text)
				}
			}
			e.clock.Advance(time.Second)
		}
		all := strings.Join(toStaff, "\n")
		for _, id := range ids {
			if !strings.Contains(all, ticket.Number(id)+" ") && !strings.HasSuffix(all, ticket.Number(id)) {
				t.Fatalf("ticket %s never named in %d messages", ticket.Number(id), len(toStaff))
			}
		}
		var pending int64
		e.db.Table("ticket_notices").Where("state = ?", "pending").Count(&pending)
		if pending != 0 {
			t.Fatalf("%d notices still pending", pending)
		}
	})
}

// A recipient's next message waits while its previous one is still in the
// outbox (the outbox was down): notices gather, none is dropped.
func TestTicket_NoticeWaitsForOutbox(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db.DB)
		ctx := context.Background()
		e.open(t, complaint("c1", "chat1", ticket.TierSerious, 5))
		if n, err := e.svc.FlushNotices(ctx); err != nil || n != 4 { // app, webhook, 2 mails
			t.Fatalf("flush: %d %v", n, err)
		}
		for i := range 5 {
			e.clock.Advance(10 * time.Second)
			e.open(t, complaint(fmt.Sprint("later", i), "chat1", ticket.TierLight, 5))
			if n, _ := e.svc.FlushNotices(ctx); n != 0 {
				t.Fatalf("sent while the previous message waits")
			}
		}
		msgs := e.sendAll(t)
		e.clock.Advance(10 * time.Second)
		if n, err := e.svc.FlushNotices(ctx); err != nil || n != 1 {
			t.Fatalf("after the outbox recovered: %d %v", n, err)
		}
		var mailMsg mail.Message
		for _, m := range msgs {
			if m.API == mail.API {
				if err := json.Unmarshal([]byte(m.Payload), &mailMsg); err != nil || !strings.Contains(mailMsg.Subject, "新工单 T1") {
					t.Fatalf("mail %s: %v", m.Payload, err)
				}
			}
		}
		_, text := appText(t, e.sendAll(t)[0].Payload)
		for i := 2; i <= 6; i++ {
			if !strings.Contains(text, fmt.Sprintf("T%d ", i)) {
				t.Fatalf("T%d missing from %s", i, text)
			}
		}
	})
}
