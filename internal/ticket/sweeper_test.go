package ticket_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/ticket"
)

func sweep(t testing.TB, s *ticket.Service) int {
	t.Helper()
	n, err := ticket.NewSweeper(s, ticket.SweeperOptions{}).SweepOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTicket_Escalate(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db.DB)
		tk := e.open(t, complaint("c1", "chat1", ticket.TierLight, 5))
		steps := []struct {
			name    string
			advance time.Duration
			want    int // escalations this pass
			level   int
		}{
			{"before deadline", 4 * time.Minute, 0, 0},
			{"ack deadline passed", time.Minute, 1, 1},
			{"same pass again", 0, 0, 1},
			{"next level missed too", 5 * time.Minute, 1, 2},
			{"regional missed", 5 * time.Minute, 1, 3},
			{"no next level", 5 * time.Minute, 1, 3},
			{"top reached once", time.Hour, 0, 3},
		}
		for _, s := range steps {
			e.clock.Advance(s.advance)
			if got := sweep(t, e.svc); got != s.want {
				t.Fatalf("%s: escalated %d, want %d", s.name, got, s.want)
			}
			if d := e.get(t, tk.ID); d.Level != s.level {
				t.Fatalf("%s: level %d, want %d", s.name, d.Level, s.level)
			}
		}
		d := e.get(t, tk.ID)
		acts := actions(d)
		if count(acts, ticket.ActionEscalate) != 3 || count(acts, ticket.ActionChainTop) != 1 || d.NextCheckAt != nil {
			t.Fatalf("trail %v next %v", acts, d.NextCheckAt)
		}
		if d.AckMet == nil || *d.AckMet || d.Escalations != 3 {
			t.Fatalf("SLA record %+v", d.Ticket)
		}
		n := e.notices(t)
		for _, r := range []string{"app:manager1", "app:regional", "app:hq", "app:ops"} {
			if len(n[r]) != 1 {
				t.Fatalf("%s told %d times: %v", r, len(n[r]), n)
			}
		}
	})
}

func TestTicket_EscalateUnresolved(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db.DB)
		n := complaint("c1", "chat1", ticket.TierLight, 5)
		n.ResolveMinutes = 60
		tk := e.open(t, n)
		if _, err := e.svc.Do(context.Background(), tk.ID, ticket.StepAck, ticket.Actor{Name: "小王"}, ""); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(59 * time.Minute)
		if got := sweep(t, e.svc); got != 0 {
			t.Fatalf("acknowledged ticket escalated before its resolve deadline")
		}
		e.clock.Advance(time.Minute)
		if got := sweep(t, e.svc); got != 1 {
			t.Fatalf("unresolved ticket not escalated")
		}
		d := e.get(t, tk.ID)
		if d.ResolveMet == nil || *d.ResolveMet || d.AckMet == nil || !*d.AckMet || d.Level != 1 {
			t.Fatalf("%+v", d.Ticket)
		}
	})
}

// Deadlines that pass while every replica is down are escalated by the
// first passes after the restart, exactly once, even when two replicas
// sweep at the same moment.
func TestTicket_EscalateAfterRestart(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db.DB)
		const tickets = 40
		for i := range tickets {
			e.open(t, complaint("c"+string(rune('A'+i)), []string{"chat1", "chat2"}[i%2], ticket.TierLight, 5))
		}
		e.clock.Advance(2 * time.Hour) // the bot was down
		a, b := e.service(), e.service()
		var wg sync.WaitGroup
		counts := make([]int, 2)
		for i, s := range []*ticket.Service{a, b} {
			wg.Go(func() {
				n, err := ticket.NewSweeper(s, ticket.SweeperOptions{Batch: 7}).SweepOnce(context.Background())
				if err != nil {
					t.Error(err)
				}
				counts[i] = n
			})
		}
		wg.Wait()
		if counts[0]+counts[1] != tickets {
			t.Fatalf("escalated %v, want %d in all", counts, tickets)
		}
		var events int64
		e.db.Table("ticket_events").Where("action = ?", ticket.ActionEscalate).Count(&events)
		var levels []int
		e.db.Table("tickets").Distinct("level").Pluck("level", &levels)
		if events != tickets || len(levels) != 1 || levels[0] != 1 {
			t.Fatalf("escalation events %d, levels %v: want each ticket escalated once to level 1", events, levels)
		}
		if n := e.notices(t); len(n["app:manager1"]) != tickets/2 || len(n["app:manager2"]) != tickets/2 {
			t.Fatalf("managers told %d and %d times", len(n["app:manager1"]), len(n["app:manager2"]))
		}
	})
}
