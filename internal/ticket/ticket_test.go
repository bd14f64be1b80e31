package ticket_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/ticket"
)

func TestTicket_Open(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db.DB)
		tk := e.open(t, complaint("c1", "chat1", ticket.TierMedium, 20))
		if tk.StoreID != 1 || tk.State != ticket.StateNew || tk.Level != 0 || tk.GroupReply != "sent" {
			t.Fatalf("opened %+v", tk)
		}
		if got, want := tk.AckDueAt.Sub(tk.PostedAt), 20*time.Minute; got != want {
			t.Fatalf("ack due after %s, want %s", got, want)
		}
		if got, want := tk.ResolveDueAt.Sub(tk.PostedAt), 48*time.Hour; got != want {
			t.Fatalf("resolve due after %s, want %s (medium default)", got, want)
		}
		n := e.notices(t)
		for _, r := range []string{"app:staff1", "webhook:hook-1"} {
			if len(n[r]) != 1 {
				t.Fatalf("notices %v: want one to %s", n, r)
			}
		}
		if _, ok := n["mail:staff1@example.com"]; ok {
			t.Fatalf("medium tier mailed: %v", n)
		}
		// The same complaint again changes nothing.
		again, created, err := e.svc.Open(context.Background(), complaint("c1", "chat1", ticket.TierMedium, 20))
		if err != nil || created || again.ID != tk.ID || e.rep.calls != 1 {
			t.Fatalf("second open: %v created=%v id=%d replies=%d", err, created, again.ID, e.rep.calls)
		}
		if len(e.notices(t)["app:staff1"]) != 1 {
			t.Fatal("second open notified again")
		}
	})
}

func TestTicket_OpenBadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db.DB)
		t.Run("unknown store", func(t *testing.T) {
			tk := e.open(t, complaint("c-unknown", "chat-nowhere", ticket.TierLight, 5))
			d := e.get(t, tk.ID)
			if tk.StoreID != 0 || !slices.Contains(actions(d), ticket.ActionUnassigned) {
				t.Fatalf("unassigned ticket %+v %v", tk, actions(d))
			}
			if len(e.notices(t)["app:ops"]) != 1 {
				t.Fatalf("fallback not notified: %v", e.notices(t))
			}
		})
		t.Run("staff without wecom id", func(t *testing.T) {
			r := chain(3)
			r.Levels[0].People = []ticket.Person{{Name: "新人"}}
			r.WebhookKey = ""
			e.router.routes["chat3"] = r
			tk := e.open(t, complaint("c-noid", "chat3", ticket.TierLight, 5))
			d := e.get(t, tk.ID)
			if !slices.Contains(actions(d), ticket.ActionUnreachable) || len(e.notices(t)["app:ops"]) != 2 {
				t.Fatalf("unreachable staff: %v %v", actions(d), e.notices(t))
			}
		})
		t.Run("invalid", func(t *testing.T) {
			_, _, err := e.svc.Open(context.Background(), ticket.NewTicket{ComplaintKey: "x"})
			var fields fault.Fields
			if !errors.As(err, &fields) || len(fields) != 3 {
				t.Fatalf("want content, tier, ack_minutes problems, got %v", err)
			}
		})
		t.Run("group cannot speak", func(t *testing.T) {
			e.rep.spoke = false
			tk := e.open(t, complaint("c-silent", "chat1", ticket.TierLight, 5))
			if tk.GroupReply != "none" || !slices.Contains(actions(e.get(t, tk.ID)), ticket.ActionGroupReply) {
				t.Fatalf("group reply %q", tk.GroupReply)
			}
		})
	})
}

func TestTicket_Lifecycle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db.DB)
		ctx := context.Background()
		tk := e.open(t, complaint("c1", "chat1", ticket.TierLight, 5))
		staff := ticket.Actor{Name: "小王", Stores: []int64{1}}
		other := ticket.Actor{Name: "小李", Stores: []int64{2}}
		e.clock.Advance(3 * time.Minute)
		steps := []struct {
			name  string
			actor ticket.Actor
			step  ticket.Step
			want  ticket.State
			err   error
		}{
			{"other store refused", other, ticket.StepAck, "", fault.ErrForbidden},
			{"ack", staff, ticket.StepAck, ticket.StateAcknowledged, nil},
			{"ack twice", staff, ticket.StepAck, "", fault.ErrConflict},
			{"start", staff, ticket.StepStart, ticket.StateInProgress, nil},
			{"reopen open ticket", staff, ticket.StepReopen, "", fault.ErrConflict},
			{"resolve", staff, ticket.StepResolve, ticket.StateResolved, nil},
			{"close", staff, ticket.StepClose, ticket.StateClosed, nil},
			{"reopen", staff, ticket.StepReopen, ticket.StateInProgress, nil},
		}
		for _, s := range steps {
			got, err := e.svc.Do(ctx, tk.ID, s.step, s.actor, "已电话回访")
			if !errors.Is(err, s.err) || (s.err == nil && got.State != s.want) {
				t.Fatalf("%s: state %s err %v", s.name, got.State, err)
			}
		}
		if _, err := e.svc.AddComment(ctx, tk.ID, staff, "车主已满意"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SetReaction(ctx, tk.ID, staff, "spreading"); err != nil {
			t.Fatal(err)
		}
		d := e.get(t, tk.ID)
		if d.AckMet == nil || !*d.AckMet || d.ResolveMet == nil || !*d.ResolveMet || d.ActionTaken != "已电话回访" || d.Reaction != "spreading" {
			t.Fatalf("ticket %+v", d.Ticket)
		}
		want := []string{ticket.ActionOpened, ticket.ActionNotified, ticket.ActionGroupReply, ticket.ActionAck, ticket.ActionStart,
			ticket.ActionResolve, ticket.ActionClose, ticket.ActionReopen, ticket.ActionComment, ticket.ActionReaction}
		if !slices.Equal(actions(d), want) || len(d.Comments) != 1 {
			t.Fatalf("trail %v comments %d", actions(d), len(d.Comments))
		}
		if _, err := e.svc.Get(ctx, tk.ID, []int64{2}); !errors.Is(err, fault.ErrNotFound) {
			t.Fatalf("out-of-scope get: %v", err)
		}
	})
}

func TestTicket_RaiseRecomputesDeadlines(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db.DB)
		tk := e.open(t, complaint("c1", "chat1", ticket.TierLight, 20))
		e.clock.Advance(2 * time.Minute)
		raised, err := e.svc.RaiseTier(context.Background(), "c1",
			ticket.Raise{Tier: ticket.TierSerious, TierName: "严重", AckMinutes: 5}, ticket.Actor{Name: "complaint"})
		if err != nil {
			t.Fatal(err)
		}
		if raised.AckDueAt != tk.PostedAt.Add(5*time.Minute) || !raised.NextCheckAt.Equal(raised.AckDueAt) {
			t.Fatalf("raised %+v", raised)
		}
		if n := e.notices(t); len(n["mail:staff1@example.com"]) != 1 {
			t.Fatalf("serious tier not mailed: %v", n)
		}
	})
}

func TestTicket_SetReactionOfComplaint(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db.DB)
		tk := e.open(t, complaint("c1", "chat1", ticket.TierLight, 5))
		actor := ticket.Actor{Name: "complaint"}
		for range 2 { // the second, unchanged, writes nothing
			if err := e.svc.SetReactionOf(context.Background(), "c1", actor, "agreeing"); err != nil {
				t.Fatal(err)
			}
		}
		d := e.get(t, tk.ID)
		reactions := 0
		for _, ev := range d.Events {
			if ev.Action == ticket.ActionReaction {
				reactions++
			}
		}
		if d.Ticket.Reaction != "agreeing" || reactions != 1 {
			t.Fatalf("reaction %q recorded %d times", d.Ticket.Reaction, reactions)
		}
		if err := e.svc.SetReactionOf(context.Background(), "nope", actor, "x"); !errors.Is(err, fault.ErrNotFound) {
			t.Fatalf("unknown complaint: %v", err)
		}
	})
}

func TestTicket_ListAndStats(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db.DB)
		ctx := context.Background()
		start := e.clock.Now()
		a := e.open(t, complaint("c1", "chat1", ticket.TierLight, 5))
		e.open(t, complaint("c2", "chat2", ticket.TierMedium, 20))
		if _, err := e.svc.Do(ctx, a.ID, ticket.StepResolve, ticket.Actor{Name: "x"}, ""); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(30 * time.Minute)
		cases := []struct {
			f    ticket.Filter
			want int64
		}{
			{ticket.Filter{}, 2},
			{ticket.Filter{Tier: ticket.TierMedium}, 1},
			{ticket.Filter{State: ticket.StateResolved}, 1},
			{ticket.Filter{Overdue: true}, 1},
			{ticket.Filter{Scope: []int64{1}}, 1},
			{ticket.Filter{Scope: []int64{}}, 0},
		}
		for _, c := range cases {
			if _, total, err := e.svc.List(ctx, c.f); err != nil || total != c.want {
				t.Fatalf("list %+v: %d %v, want %d", c.f, total, err, c.want)
			}
		}
		stats, err := e.svc.Stats(ctx, start, e.clock.Now(), nil)
		if err != nil || len(stats) != 2 || stats[0].Tier != ticket.TierLight || stats[0].AckMet != 1 || stats[1].Open != 1 {
			t.Fatalf("stats %+v %v", stats, err)
		}
	})
}

// TestTicket_ListOverdue pages the late tickets, each way of being late
// read apart and merged newest first, a ticket late on both deadlines
// listed once.
func TestTicket_ListOverdue(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db.DB)
		ctx := context.Background()
		actor := ticket.Actor{Name: "x"}
		lateAck := complaint("c1", "chat1", ticket.TierLight, 5)
		lateBoth := complaint("c2", "chat2", ticket.TierLight, 5)
		lateBoth.ResolveMinutes = 10
		onTime := complaint("c3", "chat1", ticket.TierLight, 60)
		acked := complaint("c4", "chat2", ticket.TierLight, 5)
		acked.ResolveMinutes = 10
		done := complaint("c5", "chat1", ticket.TierLight, 5)
		lateResolveOnly := complaint("c6", "chat2", ticket.TierLight, 60) // a tier whose resolve deadline comes first
		lateResolveOnly.ResolveMinutes = 10
		ids := map[string]int64{}
		for _, n := range []ticket.NewTicket{lateAck, lateBoth, onTime, acked, done, lateResolveOnly} {
			ids[n.ComplaintKey] = e.open(t, n).ID
		}
		if _, err := e.svc.Do(ctx, ids["c4"], ticket.StepAck, actor, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Do(ctx, ids["c5"], ticket.StepResolve, actor, ""); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(30 * time.Minute)
		keys := func(ts []ticket.Ticket) string {
			var out []string
			for _, tk := range ts {
				out = append(out, tk.ComplaintKey)
			}
			return strings.Join(out, ",")
		}
		tests := []struct {
			f     ticket.Filter
			want  string
			total int64
		}{
			{ticket.Filter{Overdue: true}, "c6,c4,c2,c1", 4},
			{ticket.Filter{Overdue: true, Limit: 2}, "c6,c4", 4},
			{ticket.Filter{Overdue: true, Limit: 2, Offset: 1}, "c4,c2", 4},
			{ticket.Filter{Overdue: true, Limit: 2, Offset: 3}, "c1", 4},
			{ticket.Filter{Overdue: true, Offset: 9}, "", 4},
			{ticket.Filter{Overdue: true, Scope: []int64{1}}, "c1", 1},
			{ticket.Filter{Overdue: true, State: ticket.StateNew}, "c6,c2,c1", 3},
			{ticket.Filter{Overdue: true, Scope: []int64{}}, "", 0},
		}
		for _, tt := range tests {
			got, total, err := e.svc.List(ctx, tt.f)
			if err != nil || keys(got) != tt.want || total != tt.total {
				t.Errorf("list %+v = %q of %d, %v; want %q of %d", tt.f, keys(got), total, err, tt.want, tt.total)
			}
		}
	})
}
