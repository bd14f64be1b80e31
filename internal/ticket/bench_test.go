package ticket_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/ticket"
)

const (
	benchOpen = 100_000
	benchDue  = 1_000 // 1% of the open tickets missed a deadline since the last pass
)

// seed inserts benchOpen open tickets over 100 groups, benchDue of them due.
func seed(b *testing.B, e *env) {
	b.Helper()
	now := e.clock.Now()
	rows := make([]ticket.Ticket, 0, 1000)
	for i := range benchOpen {
		chat := fmt.Sprintf("chat%d", i%100)
		next := now.Add(time.Duration(1+i%600) * time.Minute)
		key := fmt.Sprintf("open-%d", i)
		if i%(benchOpen/benchDue) == 0 {
			next, key = now.Add(-time.Minute), fmt.Sprintf("due-%d", i)
		}
		rows = append(rows, ticket.Ticket{ComplaintKey: key, ChatID: chat, ChatName: chat, PostedAt: now, Content: "投诉",
			Tier: ticket.TierLight, TierName: "轻度", AckMinutes: 5, ResolveMinutes: 1440, StoreID: int64(i%100 + 1),
			State: ticket.StateNew, AckDueAt: next, ResolveDueAt: now.Add(24 * time.Hour), NextCheckAt: &next,
			CreatedAt: now, UpdatedAt: now})
		if len(rows) == cap(rows) {
			if err := e.db.CreateInBatches(rows, 250).Error; err != nil {
				b.Fatal(err)
			}
			rows = rows[:0]
		}
	}
	for i := range 100 {
		e.router.routes[fmt.Sprintf("chat%d", i)] = chain(int64(i + 1))
	}
}

// reset makes the due tickets due again, as they were before the pass.
func reset(b *testing.B, e *env) {
	b.Helper()
	past := e.clock.Now().Add(-time.Minute)
	err := e.db.Model(&ticket.Ticket{}).Where("complaint_key LIKE ?", "due-%").
		Updates(map[string]any{"level": 0, "next_check_at": past, "escalations": 0, "ack_met": nil}).Error
	if err == nil {
		err = e.db.Exec("DELETE FROM ticket_events").Error
	}
	if err == nil {
		err = e.db.Exec("DELETE FROM ticket_notices").Error
	}
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSweepOnce is one sweeper pass over 100,000 open tickets of which
// 1,000 are due: each due ticket is escalated, audited and its next level
// notified.
func BenchmarkSweepOnce(b *testing.B) {
	for _, driver := range []string{"sqlite", "mysql"} {
		b.Run(driver, func(b *testing.B) {
			db := storagetest.SQLite(b)
			if driver == "mysql" {
				db = storagetest.MySQL(b)
			}
			e := newEnv(b, db.DB)
			seed(b, e)
			sw := ticket.NewSweeper(e.svc, ticket.SweeperOptions{})
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				reset(b, e)
				b.StartTimer()
				n, err := sw.SweepOnce(context.Background())
				if err != nil || n != benchDue {
					b.Fatalf("escalated %d, %v", n, err)
				}
			}
		})
	}
}

// BenchmarkSweepOnce_NothingDue is the usual pass: 100,000 open tickets,
// none due.
func BenchmarkSweepOnce_NothingDue(b *testing.B) {
	for _, driver := range []string{"sqlite", "mysql"} {
		b.Run(driver, func(b *testing.B) {
			db := storagetest.SQLite(b)
			if driver == "mysql" {
				db = storagetest.MySQL(b)
			}
			e := newEnv(b, db.DB)
			seed(b, e)
			reset(b, e)
			sw := ticket.NewSweeper(e.svc, ticket.SweeperOptions{})
			if _, err := sw.SweepOnce(context.Background()); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if n, err := sw.SweepOnce(context.Background()); err != nil || n != 0 {
					b.Fatalf("escalated %d, %v", n, err)
				}
			}
		})
	}
}
