package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/console"
	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/ticket"
)

type oneStore struct{}

func (oneStore) Route(_ context.Context, chatID string) (ticket.Route, error) {
	if chatID != "chat1" {
		return ticket.Route{}, fault.ErrNotFound
	}
	return ticket.Route{StoreID: 1, StoreName: "一店", Levels: []ticket.Level{
		{Name: "值班店员", People: []ticket.Person{{Name: "小王", WeComUserID: "wang"}}}}}, nil
}

func newTicketAPI(t *testing.T, db storagetest.DB) (api, *ticket.Service) {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC) }
	svc := ticket.New(ticket.Options{DB: db.DB, Router: oneStore{}, Now: now})
	s := httptest.NewServer(console.New(console.Options{Tickets: svc, APIToken: token, Now: now}))
	t.Cleanup(s.Close)
	return api{t: t, srv: s}, svc
}

func TestTicketsAPI_Lifecycle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		a, svc := newTicketAPI(t, db)
		tk, _, err := svc.Open(context.Background(), ticket.NewTicket{ComplaintKey: "c1", ChatID: "chat1", Content: "没人管",
			Tier: ticket.TierLight, TierName: "轻度", AckMinutes: 5})
		if err != nil {
			t.Fatal(err)
		}
		id := itoa(tk.ID)
		calls := []struct {
			method, path string
			body         any
			status       int
			contains     string
		}{
			{"GET", "/api/v1/tickets?state=new&tier=light", nil, 200, `"total":1`},
			{"GET", "/api/v1/tickets?store_id=2", nil, 200, `"total":0`},
			{"GET", "/api/v1/tickets?state=bogus", nil, 400, "bad_request"},
			{"POST", "/api/v1/tickets/" + id + "/ack", nil, 200, `"state":"acknowledged"`},
			{"POST", "/api/v1/tickets/" + id + "/ack", nil, 409, "conflict"},
			{"POST", "/api/v1/tickets/" + id + "/start", map[string]string{"note": "已致电"}, 200, `"state":"in_progress"`},
			{"POST", "/api/v1/tickets/" + id + "/resolve", map[string]string{"note": "已电话回访"}, 200, `"action_taken":"已电话回访"`},
			{"POST", "/api/v1/tickets/" + id + "/close", nil, 200, `"state":"closed"`},
			{"POST", "/api/v1/tickets/" + id + "/reopen", nil, 200, `"state":"in_progress"`},
			{"POST", "/api/v1/tickets/" + id + "/comments", map[string]string{"body": "车主满意"}, 201, `"author":"api"`},
			{"POST", "/api/v1/tickets/" + id + "/comments", map[string]string{"body": " "}, 422, `"field":"body"`},
			{"PUT", "/api/v1/tickets/" + id + "/reaction", map[string]string{"reaction": "defending"}, 200, `"reaction":"defending"`},
			{"GET", "/api/v1/tickets/" + id, nil, 200, `"comments":[{`},
			{"GET", "/api/v1/tickets/999", nil, 404, "not_found"},
			{"POST", "/api/v1/tickets/999/ack", nil, 404, "T999"},
			{"GET", "/api/v1/tickets/stats?from=2026-11-01T00:00:00Z&to=2026-11-24T00:00:00Z", nil, 200, `"tier":"light"`},
			{"GET", "/api/v1/tickets/stats?from=yesterday", nil, 400, "RFC 3339"},
		}
		for _, c := range calls {
			status, body := a.call(c.method, c.path, c.body, nil)
			if status != c.status || !strings.Contains(body, c.contains) {
				t.Fatalf("%s %s: %d %s, want %d with %s", c.method, c.path, status, body, c.status, c.contains)
			}
		}
	})
}

func TestTicketsAPI_NeedsToken(t *testing.T) {
	a, _ := newTicketAPI(t, storagetest.SQLite(t))
	resp, err := http.Get(a.srv.URL + "/api/v1/tickets")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status %d", resp.StatusCode)
	}
}
