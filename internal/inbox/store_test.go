package inbox_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/storage"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

func TestStore_Record(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		clock := newClock()
		s := inbox.NewStore(db.DB, clock.Now)
		first := inbox.Event{Source: "wecom", Kind: "change_external_chat/update", DedupeKey: "k1", Payload: "中文 😀"}
		inserted, err := s.Record(ctx, &first)
		if err != nil || !inserted || first.ID == 0 {
			t.Fatalf("first record: inserted=%v id=%d err=%v", inserted, first.ID, err)
		}
		again := inbox.Event{Source: "wecom", Kind: "change_external_chat/update", DedupeKey: "k1", Payload: "other"}
		inserted, err = s.Record(ctx, &again)
		if err != nil || inserted {
			t.Fatalf("duplicate record: inserted=%v err=%v, want false, nil", inserted, err)
		}
		if n := counts(t, s)[inbox.StatePending]; n != 1 {
			t.Fatalf("pending rows = %d, want 1", n)
		}
		got := get(t, s, first.ID)
		if got.Payload != "中文 😀" || got.State != inbox.StatePending || got.Attempts != 0 ||
			!got.ReceivedAt.Equal(clock.Now()) || !got.NextAttemptAt.Equal(clock.Now()) || got.LockedUntil != nil {
			t.Fatalf("stored event = %+v", got)
		}
	})
}

func TestStore_Record_invalid(t *testing.T) {
	db := storagetest.SQLite(t)
	s := inbox.NewStore(db.DB, nil)
	tests := []struct {
		name string
		e    inbox.Event
		want string
	}{
		{"no source", inbox.Event{Kind: "k", DedupeKey: "d"}, "source is empty"},
		{"no kind", inbox.Event{Source: "wecom", DedupeKey: "d"}, "kind is empty"},
		{"no dedupe key", inbox.Event{Source: "wecom", Kind: "k"}, "dedupe key is empty"},
		{"long kind", inbox.Event{Source: "wecom", Kind: strings.Repeat("k", 97), DedupeKey: "d"}, "longer than 96"},
		{"long dedupe key", inbox.Event{Source: "wecom", Kind: "k", DedupeKey: strings.Repeat("鍵", 192)}, "longer than 191"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Record(context.Background(), &tt.e)
			if !errors.Is(err, inbox.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrInvalid with %q", err, tt.want)
			}
		})
	}
}

func TestStore_Record_databaseDown(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		e := inbox.Event{Source: "wecom", Kind: "k", DedupeKey: "down-then-up"}
		h := db.Reopen(t)
		if err := storage.Close(h); err != nil {
			t.Fatal(err)
		}
		if _, err := inbox.NewStore(h, nil).Record(ctx, &e); !errors.Is(err, storage.ErrUnavailable) {
			t.Fatalf("record on a closed database: err = %v, want ErrUnavailable", err)
		}
		// The database returns; the platform redelivers, maybe twice.
		s := inbox.NewStore(db.Reopen(t), nil)
		for i, want := range []bool{true, false} {
			retry := inbox.Event{Source: "wecom", Kind: "k", DedupeKey: "down-then-up"}
			inserted, err := s.Record(ctx, &retry)
			if err != nil || inserted != want {
				t.Fatalf("record %d after reopen: inserted=%v err=%v, want %v", i, inserted, err, want)
			}
		}
		var n int64
		if err := db.Table("inbox_events").Where("dedupe_key = ?", "down-then-up").Count(&n).Error; err != nil || n != 1 {
			t.Fatalf("rows = %d (err %v), want 1", n, err)
		}
	})
}

func TestStore_Claim(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		clock := newClock()
		s := inbox.NewStore(db.DB, clock.Now)
		ids := record(t, s, "k", 3)
		later := inbox.Event{Source: "wecom", Kind: "k", DedupeKey: "later", NextAttemptAt: clock.Now().Add(time.Hour)}
		if _, err := s.Record(ctx, &later); err != nil {
			t.Fatal(err)
		}

		got := claim(t, s, 2, time.Minute)
		if len(got) != 2 || got[0].ID != ids[0] || got[1].ID != ids[1] {
			t.Fatalf("first claim = %v, want the two oldest %v", eventIDs(got), ids[:2])
		}
		if got[0].Attempts != 1 || got[0].LockedUntil == nil || !got[0].LockedUntil.Equal(clock.Now().Add(time.Minute)) {
			t.Fatalf("claimed event = %+v, want attempts 1 and a lease of a minute", got[0])
		}
		if got := claim(t, s, 10, time.Minute); len(got) != 1 || got[0].ID != ids[2] {
			t.Fatalf("second claim = %v, want only %d (the rest are held or not due)", eventIDs(got), ids[2])
		}
		if got := claim(t, s, 10, time.Minute); len(got) != 0 {
			t.Fatalf("claim while leases run = %v, want none", eventIDs(got))
		}

		// The holder died: once the lease expires the events come back.
		clock.Advance(time.Minute)
		got = claim(t, s, 10, time.Minute)
		if len(got) != 3 || got[0].Attempts != 2 {
			t.Fatalf("claim after lease expiry = %+v, want the 3 held events with attempts 2", got)
		}
		for _, id := range ids {
			mustNil(t, s.MarkDone(ctx, id))
		}
		clock.Advance(time.Hour)
		if got := claim(t, s, 10, time.Minute); len(got) != 1 || got[0].ID != later.ID {
			t.Fatalf("claim after an hour = %v, want the delayed event %d", eventIDs(got), later.ID)
		}
	})
}

func claim(t testing.TB, s *inbox.Store, limit int, lease time.Duration) []inbox.Event {
	t.Helper()
	events, err := s.Claim(context.Background(), limit, lease)
	if err != nil {
		t.Fatalf("claim: %v", err)
	}
	return events
}

func eventIDs(events []inbox.Event) []int64 {
	ids := make([]int64, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	return ids
}

func TestStore_Marks(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		clock := newClock()
		s := inbox.NewStore(db.DB, clock.Now)
		ids := record(t, s, "k", 4)
		claim(t, s, 4, time.Minute)
		next := clock.Now().Add(time.Hour)
		steps := []struct {
			name string
			do   func() error
			want inbox.State
		}{
			{"done", func() error { return s.MarkDone(ctx, ids[0]) }, inbox.StateDone},
			{"unhandled", func() error { return s.MarkUnhandled(ctx, ids[1]) }, inbox.StateUnhandled},
			{"dead", func() error { return s.MarkDead(ctx, ids[2], errors.New("boom")) }, inbox.StateDead},
			{"retry", func() error { return s.MarkRetry(ctx, ids[3], errors.New("later"), next) }, inbox.StatePending},
		}
		for i, st := range steps {
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			e := get(t, s, ids[i])
			if e.State != st.want || e.LockedUntil != nil {
				t.Fatalf("%s: state %s locked %v, want %s and no lock", st.name, e.State, e.LockedUntil, st.want)
			}
			if final := st.want != inbox.StatePending; final != (e.HandledAt != nil) {
				t.Fatalf("%s: handled_at = %v", st.name, e.HandledAt)
			}
		}
		if e := get(t, s, ids[3]); e.LastError != "later" || !e.NextAttemptAt.Equal(next) {
			t.Fatalf("retried event = %+v", e)
		}
		// Marking twice is harmless; marking a finished event is a conflict.
		if err := s.MarkRetry(ctx, ids[3], errors.New("later"), next); err != nil {
			t.Fatalf("repeated mark retry: %v", err)
		}
		if err := s.MarkDone(ctx, ids[0]); !errors.Is(err, inbox.ErrConflict) {
			t.Fatalf("mark done twice: err = %v, want ErrConflict", err)
		}
		if err := s.MarkDone(ctx, 999999); !errors.Is(err, inbox.ErrNotFound) {
			t.Fatalf("mark done of a missing event: err = %v, want ErrNotFound", err)
		}
	})
}

func TestStore_Retry(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		clock := newClock()
		s := inbox.NewStore(db.DB, clock.Now)
		ids := record(t, s, "k", 3)
		claim(t, s, 3, time.Minute)
		mustNil(t, s.MarkDead(ctx, ids[0], errors.New("boom")))
		mustNil(t, s.MarkUnhandled(ctx, ids[1]))
		mustNil(t, s.MarkDone(ctx, ids[2]))
		clock.Advance(time.Hour)

		tests := []struct {
			name    string
			id      int64
			wantErr error
		}{
			{"dead", ids[0], nil},
			{"unhandled", ids[1], nil},
			{"done is not retried", ids[2], inbox.ErrConflict},
			{"missing", 424242, inbox.ErrNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := s.Retry(ctx, tt.id)
				if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
					t.Fatalf("retry: err = %v, want %v", err, tt.wantErr)
				}
				if err != nil {
					return
				}
				e := get(t, s, tt.id)
				if e.State != inbox.StatePending || e.Attempts != 0 || e.HandledAt != nil || !e.NextAttemptAt.Equal(clock.Now()) {
					t.Fatalf("retried event = %+v", e)
				}
			})
		}
		if got := claim(t, s, 10, time.Minute); len(got) != 2 {
			t.Fatalf("claim after retry = %v, want the two retried events", eventIDs(got))
		}
	})
}

func mustNil(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestStore_Queries(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		clock := newClock()
		s := inbox.NewStore(db.DB, clock.Now)
		if _, ok, err := s.OldestPending(ctx); err != nil || ok {
			t.Fatalf("oldest pending of an empty inbox: ok=%v err=%v", ok, err)
		}
		a := record(t, s, "a", 3)
		clock.Advance(time.Second)
		b := record(t, s, "b", 2)
		claim(t, s, 1, time.Minute)
		mustNil(t, s.MarkDone(ctx, a[0]))

		oldest, ok, err := s.OldestPending(ctx)
		if err != nil || !ok || !oldest.Equal(clock.Now().Add(-time.Second)) {
			t.Fatalf("oldest pending = %v %v %v, want the receipt time of %d", oldest, ok, err, a[1])
		}
		want := map[inbox.State]int64{inbox.StatePending: 4, inbox.StateDone: 1, inbox.StateDead: 0, inbox.StateUnhandled: 0}
		if got := counts(t, s); len(got) != len(want) || got[inbox.StatePending] != 4 || got[inbox.StateDone] != 1 {
			t.Fatalf("counts = %v, want %v", got, want)
		}

		lists := []struct {
			name string
			f    inbox.Filter
			want []int64
		}{
			{"all newest first", inbox.Filter{}, []int64{b[1], b[0], a[2], a[1], a[0]}},
			{"by kind", inbox.Filter{Kind: "b"}, []int64{b[1], b[0]}},
			{"by state", inbox.Filter{State: inbox.StateDone}, []int64{a[0]}},
			{"page", inbox.Filter{Limit: 2, BeforeID: b[0]}, []int64{a[2], a[1]}},
		}
		for _, tt := range lists {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.List(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				if ids := eventIDs(got); !slices.Equal(ids, tt.want) {
					t.Fatalf("list = %v, want %v", ids, tt.want)
				}
			})
		}
		if _, err := s.Get(ctx, 987654); !errors.Is(err, inbox.ErrNotFound) {
			t.Fatalf("get missing: err = %v, want ErrNotFound", err)
		}
	})
}

func TestStore_CountPerPeriod(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		clock := newClock()
		s := inbox.NewStore(db.DB, clock.Now)
		day0 := clock.Now().Truncate(24 * time.Hour)
		// Day 0: 2 texts and an event; day 1: nothing; day 2: 1 mixed, the
		// last just before the period ends; then 1 text after the last bound.
		clock.Advance(time.Hour)
		record(t, s, "bridge/text", 2)
		record(t, s, "change_external_chat/update", 1)
		clock.Advance(48 * time.Hour)
		record(t, s, "bridge/mixed", 1)
		clock.Advance(day0.Add(72*time.Hour).Sub(clock.Now()) - time.Microsecond)
		record(t, s, "bridge/text", 1)
		clock.Advance(time.Microsecond)
		record(t, s, "bridge/text", 1)

		kinds := []string{"bridge/text", "bridge/mixed"}
		bounds := []time.Time{day0, day0.Add(24 * time.Hour), day0.Add(48 * time.Hour), day0.Add(72 * time.Hour)}
		tests := []struct {
			name   string
			kinds  []string
			bounds []time.Time
			want   string
		}{
			{"three days", kinds, bounds, "[2 0 2]"},
			{"one period", kinds, bounds[:2], "[2]"},
			{"one kind", []string{"bridge/mixed"}, bounds, "[0 0 1]"},
			{"no kinds", nil, bounds, "[0 0 0]"},
		}
		for _, tt := range tests {
			got, err := s.CountPerPeriod(t.Context(), tt.kinds, tt.bounds)
			if err != nil || fmt.Sprint(got) != tt.want {
				t.Errorf("%s: counts = %v, %v; want %s", tt.name, got, err, tt.want)
			}
		}
		for _, bad := range [][]time.Time{nil, bounds[:1], {bounds[1], bounds[0]}} {
			if _, err := s.CountPerPeriod(t.Context(), kinds, bad); !errors.Is(err, inbox.ErrInvalid) {
				t.Errorf("bounds %v: err = %v, want ErrInvalid", bad, err)
			}
		}
	})
}
