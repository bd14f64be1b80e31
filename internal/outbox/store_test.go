package outbox_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/storage"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

func TestStore_Enqueue(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		clock := newClock()
		s := outbox.NewStore(db.DB, clock.Now)
		event := int64(7)
		first := outbox.Message{IdempotencyKey: "welcome:abc", API: "send_welcome_msg", Payload: `{"text":"歡迎 😀"}`, SourceEventID: &event}
		inserted, err := s.Enqueue(ctx, &first)
		if err != nil || !inserted {
			t.Fatalf("first enqueue: inserted=%v err=%v", inserted, err)
		}
		again := outbox.Message{IdempotencyKey: "welcome:abc", API: "send_welcome_msg", Payload: "other"}
		if inserted, err := s.Enqueue(ctx, &again); err != nil || inserted {
			t.Fatalf("second intent: inserted=%v err=%v, want false, nil", inserted, err)
		}
		got := get(t, s, first.ID)
		if got.Payload != `{"text":"歡迎 😀"}` || got.State != outbox.StatePending || got.MaxAttempts != outbox.DefaultMaxAttempts ||
			!got.CreatedAt.Equal(clock.Now()) || !got.NextAttemptAt.Equal(clock.Now()) || got.SourceEventID == nil || *got.SourceEventID != 7 {
			t.Fatalf("stored message = %+v", got)
		}
		if c := counts(t, s); c[outbox.StatePending] != 1 {
			t.Fatalf("counts = %v, want one pending row", c)
		}
	})
}

func TestStore_Enqueue_invalid(t *testing.T) {
	s := outbox.NewStore(storagetest.SQLite(t).DB, nil)
	tests := []struct {
		name string
		m    outbox.Message
		want string
	}{
		{"no key", outbox.Message{API: "a"}, "idempotency key is empty"},
		{"no api", outbox.Message{IdempotencyKey: "k"}, "api is empty"},
		{"long key", outbox.Message{IdempotencyKey: strings.Repeat("鍵", 192), API: "a"}, "longer than 191"},
		{"long api", outbox.Message{IdempotencyKey: "k", API: strings.Repeat("a", 65)}, "longer than 64"},
		{"negative attempts", outbox.Message{IdempotencyKey: "k", API: "a", MaxAttempts: -1}, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Enqueue(context.Background(), &tt.m)
			if !errors.Is(err, outbox.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrInvalid with %q", err, tt.want)
			}
		})
	}
}

func TestEnqueueTx(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		s := outbox.NewStore(db.DB, nil)
		now := time.Now()
		rollback := errors.New("the handler's own write failed")
		err := db.Transaction(func(tx *gorm.DB) error {
			if _, err := outbox.EnqueueTx(tx, &outbox.Message{IdempotencyKey: "rolled-back", API: "a"}, now); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatalf("transaction: %v", err)
		}
		err = db.Transaction(func(tx *gorm.DB) error {
			_, err := outbox.EnqueueTx(tx, &outbox.Message{IdempotencyKey: "committed", API: "a"}, now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := s.List(context.Background(), outbox.Filter{})
		if err != nil || len(msgs) != 1 || msgs[0].IdempotencyKey != "committed" {
			t.Fatalf("messages = %+v (err %v), want only the committed one", msgs, err)
		}
	})
}

func TestStore_ClaimPriority(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		clock := newClock()
		s := outbox.NewStore(db.DB, clock.Now)
		low := enqueue(t, s, "a", "low", 0)
		high := enqueue(t, s, "a", "high", 5)
		low2 := enqueue(t, s, "a", "low2", 0)
		later := outbox.Message{IdempotencyKey: "later", API: "a", Priority: 9, NextAttemptAt: clock.Now().Add(time.Hour)}
		if _, err := s.Enqueue(context.Background(), &later); err != nil {
			t.Fatal(err)
		}
		msgs, err := s.Claim(context.Background(), 10, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		want := []int64{high.ID, low.ID, low2.ID}
		if got := messageIDs(msgs); !slices.Equal(got, want) {
			t.Fatalf("claimed %v, want %v (priority, then due time; not the later one)", got, want)
		}
		if m := get(t, s, high.ID); m.State != outbox.StateSending || m.Attempts != 1 || m.LockedUntil == nil {
			t.Fatalf("claimed message = %+v, want sending with one attempt", m)
		}
	})
}

func messageIDs(msgs []outbox.Message) []int64 {
	ids := make([]int64, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	return ids
}

func counts(t testing.TB, s *outbox.Store) map[outbox.State]int64 {
	t.Helper()
	c, err := s.Counts(context.Background())
	if err != nil {
		t.Fatalf("counts: %v", err)
	}
	return c
}

func TestStore_RetryAndQueries(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		s := outbox.NewStore(db.DB, newClock().Now)
		failed := enqueue(t, s, "a", "failed", 0)
		sent := enqueue(t, s, "b", "sent", 0)
		pending := enqueue(t, s, "b", "pending", 0)
		if _, err := s.Claim(ctx, 2, time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkFailed(ctx, failed.ID, errors.New("bad request")); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkSent(ctx, sent.ID, `{"errcode":0}`); err != nil {
			t.Fatal(err)
		}
		want := map[outbox.State]int64{outbox.StatePending: 1, outbox.StateSending: 0, outbox.StateSent: 1, outbox.StateFailed: 1}
		if got := counts(t, s); len(got) != 4 || got[outbox.StatePending] != 1 || got[outbox.StateSent] != 1 || got[outbox.StateFailed] != 1 {
			t.Fatalf("counts = %v, want %v", got, want)
		}
		if m := get(t, s, sent.ID); m.Response != `{"errcode":0}` || m.SentAt == nil {
			t.Fatalf("sent message = %+v", m)
		}
		lists := []struct {
			f    outbox.Filter
			want []int64
		}{
			{outbox.Filter{}, []int64{pending.ID, sent.ID, failed.ID}},
			{outbox.Filter{API: "b"}, []int64{pending.ID, sent.ID}},
			{outbox.Filter{State: outbox.StateFailed}, []int64{failed.ID}},
			{outbox.Filter{Limit: 1, BeforeID: pending.ID}, []int64{sent.ID}},
		}
		for _, l := range lists {
			got, err := s.List(ctx, l.f)
			if err != nil || !slices.Equal(messageIDs(got), l.want) {
				t.Fatalf("list %+v = %v (err %v), want %v", l.f, messageIDs(got), err, l.want)
			}
		}

		retries := []struct {
			name    string
			id      int64
			wantErr error
		}{
			{"failed", failed.ID, nil},
			{"sent is not resent", sent.ID, outbox.ErrConflict},
			{"missing", 123456, outbox.ErrNotFound},
		}
		for _, tt := range retries {
			if err := s.Retry(ctx, tt.id); !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("retry %s: err = %v, want %v", tt.name, err, tt.wantErr)
			}
		}
		if m := get(t, s, failed.ID); m.State != outbox.StatePending || m.Attempts != 0 || m.LastError != "bad request" {
			t.Fatalf("retried message = %+v, want pending, no attempts, the last error kept", m)
		}
		if _, err := s.Get(ctx, 999999); !errors.Is(err, outbox.ErrNotFound) {
			t.Fatalf("get missing: err = %v", err)
		}
	})
}

func TestStore_Enqueue_databaseDown(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		h := db.Reopen(t)
		if err := storage.Close(h); err != nil {
			t.Fatal(err)
		}
		m := outbox.Message{IdempotencyKey: "k", API: "a"}
		if _, err := outbox.NewStore(h, nil).Enqueue(context.Background(), &m); !errors.Is(err, storage.ErrUnavailable) {
			t.Fatalf("enqueue on a closed database: err = %v, want ErrUnavailable", err)
		}
		if _, err := outbox.NewStore(h, nil).Claim(context.Background(), 1, time.Minute); !errors.Is(err, storage.ErrUnavailable) {
			t.Fatalf("claim on a closed database: err = %v, want ErrUnavailable", err)
		}
	})
}
