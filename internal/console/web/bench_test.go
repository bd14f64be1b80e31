package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/ticket"
	"github.com/qunbot/qunbot/internal/user"
)

const (
	benchScripts = 10_000
	benchTickets = 100_000
	benchStores  = 100
)

// benchDB is SQLite, or MySQL when the driver asks for it (skipped
// without QUNBOT_TEST_MYSQL_DSN).
func benchDB(b *testing.B, driver string) storagetest.DB {
	if driver == "mysql" {
		return storagetest.MySQL(b)
	}
	return storagetest.SQLite(b)
}

// seedScripts imports benchScripts scripts as one CSV file.
func seedScripts(b *testing.B, e *env) {
	b.Helper()
	var csv bytes.Buffer
	csv.WriteString("标题,关键词,回复\n")
	for i := range benchScripts {
		fmt.Fprintf(&csv, "话术%d,关键词%d;问题%d,这是第 %d 条话术的回复\n", i, i, i, i)
	}
	rep, err := e.scripts.Import(context.Background(), "bench", script.FormatCSV, &csv, nil)
	if err != nil {
		b.Fatalf("import: %v %+v", err, rep)
	}
}

// seedTickets inserts benchTickets tickets over benchStores stores,
// posted over a year, a tenth of them overdue.
func seedTickets(b *testing.B, e *env, db storagetest.DB) {
	b.Helper()
	rows := make([]ticket.Ticket, 0, 1000)
	states := []ticket.State{ticket.StateNew, ticket.StateAcknowledged, ticket.StateInProgress, ticket.StateResolved, ticket.StateClosed}
	tiers := []string{ticket.TierLight, ticket.TierMedium, ticket.TierSerious}
	for i := range benchTickets {
		due := testNow.Add(time.Duration(1+i%600) * time.Minute)
		resolveDue := due.Add(24 * time.Hour)
		if i%10 == 6 {
			due, resolveDue = testNow.Add(-time.Hour), testNow.Add(-time.Minute)
		}
		store := int64(i%benchStores + 1)
		rows = append(rows, ticket.Ticket{ComplaintKey: fmt.Sprintf("k%d", i), ChatID: fmt.Sprintf("chat%d", store), ChatName: "车友群",
			MemberName: "车友", PostedAt: testNow.AddDate(0, 0, -(i % 365)), Content: "保养等了三个小时没人管,服务太差", Tier: tiers[i%3], TierName: "轻度",
			AckMinutes: 30, ResolveMinutes: 1440, StoreID: store, StoreName: fmt.Sprintf("%d店", store), State: states[i%5],
			AckDueAt: due, ResolveDueAt: resolveDue, CreatedAt: testNow, UpdatedAt: testNow})
		if len(rows) == cap(rows) {
			if err := db.CreateInBatches(rows, 250).Error; err != nil {
				b.Fatal(err)
			}
			rows = rows[:0]
		}
	}
}

// signedRequest is a GET of path with name's session cookie.
func signedRequest(b *testing.B, e *env, name, path string) *http.Request {
	b.Helper()
	token, _, err := e.users.Login(context.Background(), name, password, "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.AddCookie(&http.Cookie{Name: "qunbot_session", Value: token})
	return req
}

// serveBench renders path for name on every iteration and reports ms/op.
func serveBench(b *testing.B, e *env, name, path, want string) {
	b.Helper()
	h := e.srv.Config.Handler
	req := signedRequest(b, e, name, path)
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
			b.Fatalf("%s: %d %.300s", path, rec.Code, rec.Body.String())
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
}

// BenchmarkScriptList renders the script library's pages over 10,000
// scripts: the first page, a search, and the last page.
func BenchmarkScriptList(b *testing.B) {
	for _, driver := range []string{"sqlite", "mysql"} {
		b.Run(driver, func(b *testing.B) {
			e := newEnv(b, benchDB(b, driver))
			e.addUser(b, "op", user.RoleOperator)
			seedScripts(b, e)
			for _, c := range []struct{ name, path, want string }{
				{"first_page", "/scripts", "共 10000 条"},
				{"search", "/scripts?q=%E5%85%B3%E9%94%AE%E8%AF%8D9999", "话术9999"},
				{"last_page", "/scripts?page=200", "第 200 / 200 页"},
			} {
				b.Run(c.name, func(b *testing.B) { serveBench(b, e, "op", c.path, c.want) })
			}
		})
	}
}

// BenchmarkTicketInbox renders the inbox and a ticket over 100,000
// tickets in 100 stores: a store's staff, an operator over all stores,
// the overdue filter, one ticket, and the dashboard.
func BenchmarkTicketInbox(b *testing.B) {
	for _, driver := range []string{"sqlite", "mysql"} {
		b.Run(driver, func(b *testing.B) {
			db := benchDB(b, driver)
			e := newEnv(b, db)
			e.addUser(b, "staff7", user.RoleStaff, 7)
			e.addUser(b, "op", user.RoleOperator)
			seedTickets(b, e, db)
			for _, c := range []struct{ name, who, path, want string }{
				{"staff_store", "staff7", "/tickets", "共 1000 张"},
				{"staff_overdue", "staff7", "/tickets?overdue=1", `class="badge late"`},
				{"operator_all", "op", "/tickets", "共 100000 张"},
				{"operator_overdue", "op", "/tickets?overdue=1", `class="badge late"`},
				{"operator_tier_page_100", "op", "/tickets?tier=serious&page=100", "第 100 /"},
				{"ticket_detail", "staff7", "/tickets/50007", "T50007"},
				{"dashboard", "op", "/", "待接单工单"},
			} {
				b.Run(c.name, func(b *testing.B) { serveBench(b, e, c.who, c.path, c.want) })
			}
		})
	}
}
