package storage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

type doc struct{ Words []string }

func TestVersioned(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		// Any table with the versioned columns will do.
		v := storage.NewVersioned(db.DB, "governance_rules", "test rules", func() doc { return doc{Words: []string{"默认"}} }, nil)
		if n, err := v.Version(ctx); err != nil || n != 0 {
			t.Fatalf("Version before any = %d, %v", n, err)
		}
		d, n, err := v.Latest(ctx)
		if err != nil || n != 1 || d.Words[0] != "默认" {
			t.Fatalf("Latest seeds the defaults: %+v %d %v", d, n, err)
		}
		if n, err := v.Save(ctx, doc{Words: []string{"新"}}, 1, "ops"); err != nil || n != 2 {
			t.Fatalf("Save = %d, %v", n, err)
		}
		if _, err := v.Save(ctx, doc{}, 1, "ops"); !errors.Is(err, fault.ErrConflict) {
			t.Fatalf("stale save = %v, want conflict", err)
		}
		if old, err := v.At(ctx, 1); err != nil || old.Words[0] != "默认" {
			t.Fatalf("At(1) = %+v, %v", old, err)
		}
		if _, err := v.At(ctx, 9); !errors.Is(err, fault.ErrNotFound) {
			t.Fatalf("At(9) = %v", err)
		}
		if h, err := v.History(ctx, 0); err != nil || len(h) != 2 || h[0].Version != 2 || h[0].Actor != "ops" {
			t.Fatalf("History = %+v, %v", h, err)
		}
	})
}
