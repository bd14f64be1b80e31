package storage_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/storage"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

func TestOpen_MigratesAndRecordsVersion(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		v, err := storage.Version(context.Background(), db.DB, db.Driver)
		if err != nil {
			t.Fatal(err)
		}
		if v < 1 {
			t.Fatalf("schema version = %d, want at least 1", v)
		}
		// Running the migrations again is a no-op, as on every restart.
		if err := storage.Migrate(context.Background(), db.DB, db.Driver, nil); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
	})
}

// row is the part of an inbox_events row these tests write.
type row struct {
	ID            int64
	Source        string
	Kind          string
	DedupeKey     string
	Payload       string
	NextAttemptAt time.Time
	ReceivedAt    time.Time
}

func TestInsertOnce_DuplicateIsNoOp(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		now := time.Now().UTC()
		for i, want := range []bool{true, false} {
			r := row{Source: "wecom", Kind: "k", DedupeKey: "same", Payload: "中文 😀", NextAttemptAt: now, ReceivedAt: now}
			inserted, err := storage.InsertOnce(db.Table("inbox_events"), &r)
			if err != nil {
				t.Fatalf("insert %d: %v", i, err)
			}
			if inserted != want {
				t.Fatalf("insert %d: inserted = %v, want %v", i, inserted, want)
			}
		}
		var got string
		if err := db.Table("inbox_events").Select("payload").Where("dedupe_key = ?", "same").Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got != "中文 😀" {
			t.Fatalf("payload round trip = %q", got)
		}
	})
}

func TestInsertOnce_KeysAreCaseSensitive(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		now := time.Now().UTC()
		// Archive msgids are base64-like: two may differ only by case.
		for _, key := range []string{"msg:AbC", "msg:abc"} {
			inserted, err := storage.InsertOnce(db.Table("inbox_events"), &row{Source: "bridge", Kind: "k", DedupeKey: key, Payload: "p", NextAttemptAt: now, ReceivedAt: now})
			if err != nil || !inserted {
				t.Fatalf("insert %q: inserted=%v err=%v", key, inserted, err)
			}
		}
	})
}

func TestSQLiteDSN(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, in, wantErr string
	}{
		{"plain path", filepath.Join(dir, "a", "q.db"), ""},
		{"file uri with params", "file:" + filepath.Join(dir, "b.db") + "?cache=shared", ""},
		{"memory refused", ":memory:", "in-memory"},
		{"no file", "file:?x=1", "names no file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dsn, err := storage.SQLiteDSN(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"journal_mode%28WAL%29", "busy_timeout", "_txlock=immediate"} {
				if !strings.Contains(dsn, want) {
					t.Errorf("dsn %q lacks %q", dsn, want)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "a")); err != nil {
		t.Errorf("folder for the database not created: %v", err)
	}
}

func TestMySQLDSN(t *testing.T) {
	tests := []struct {
		name, in, wantErr, wantIn string
	}{
		{"forces utf8mb4 and utc", "u:p@tcp(127.0.0.1:3306)/q", "", "charset=utf8mb4"},
		{"empty", "", "required", ""},
		{"garbage", "not a dsn at all", "does not parse", ""},
		{"no database", "u:p@tcp(127.0.0.1:3306)/", "names no database", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dsn, err := storage.MySQLDSN(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !strings.Contains(dsn, tt.wantIn) || !strings.Contains(dsn, "parseTime=true") {
				t.Fatalf("dsn = %q, err = %v", dsn, err)
			}
		})
	}
}

func TestOpen_UnknownDriver(t *testing.T) {
	_, err := storage.Open(context.Background(), storage.Options{Driver: "postgres"})
	if err == nil || !strings.Contains(err.Error(), "database.driver") {
		t.Fatalf("err = %v, want a database.driver error", err)
	}
}

func TestOpen_MySQLDown(t *testing.T) {
	_, err := storage.Open(context.Background(), storage.Options{Driver: storage.DriverMySQL, DSN: "root@tcp(127.0.0.1:1)/test?timeout=1s"})
	if err == nil {
		t.Fatal("open of an unreachable MySQL succeeded")
	}
}
