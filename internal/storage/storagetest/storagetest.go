// Package storagetest gives tests real databases: a fresh SQLite file always,
// and a fresh MySQL database whenever QUNBOT_TEST_MYSQL_DSN is set.
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/storage"
)

// MySQLEnv names the environment variable with the DSN of a MySQL server the
// tests may create and drop databases on.
const MySQLEnv = "QUNBOT_TEST_MYSQL_DSN"

// DB is one migrated test database.
type DB struct {
	Driver string
	DSN    string
	*gorm.DB
}

// Each runs fn as a subtest on a fresh migrated SQLite database and, when
// QUNBOT_TEST_MYSQL_DSN is set, again on a fresh migrated MySQL database.
func Each(t *testing.T, fn func(t *testing.T, db DB)) {
	t.Helper()
	t.Run(storage.DriverSQLite, func(t *testing.T) { fn(t, SQLite(t)) })
	if os.Getenv(MySQLEnv) != "" {
		t.Run(storage.DriverMySQL, func(t *testing.T) { fn(t, MySQL(t)) })
	}
}

// SQLite opens a migrated database in a fresh file under t.TempDir.
func SQLite(t testing.TB) DB {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "qunbot.db")
	return open(t, storage.DriverSQLite, dsn)
}

// MySQL creates a database of its own on the server named by
// QUNBOT_TEST_MYSQL_DSN, migrates it and drops it when the test ends. It
// skips the test when the variable is not set.
func MySQL(t testing.TB) DB {
	t.Helper()
	base := os.Getenv(MySQLEnv)
	if base == "" {
		t.Skipf("%s not set", MySQLEnv)
	}
	cfg, err := gomysql.ParseDSN(base)
	if err != nil {
		t.Fatalf("%s: %v", MySQLEnv, err)
	}
	name := "qunbot_test_" + randomHex(t, 6)
	admin := open(t, storage.DriverMySQL+"-admin", base)
	if err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci").Error; err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if err := admin.Exec("DROP DATABASE IF EXISTS " + name).Error; err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	cfg.DBName = name
	return open(t, storage.DriverMySQL, cfg.FormatDSN())
}

// Reopen opens a second, independent handle on the same database, as a
// second replica would.
func (db DB) Reopen(t testing.TB) *gorm.DB {
	t.Helper()
	return open(t, db.Driver, db.DSN).DB
}

// open connects; the "-admin" driver connects to MySQL without migrating.
func open(t testing.TB, driver, dsn string) DB {
	t.Helper()
	ctx := context.Background()
	var (
		db  *gorm.DB
		err error
	)
	if driver == storage.DriverMySQL+"-admin" {
		db, err = storage.Connect(storage.Options{Driver: storage.DriverMySQL, DSN: dsn})
		if err == nil {
			err = storage.Ping(ctx, db)
		}
		driver = storage.DriverMySQL
	} else {
		db, err = storage.Open(ctx, storage.Options{Driver: driver, DSN: dsn})
	}
	if err != nil {
		t.Fatalf("open %s test database: %v", driver, err)
	}
	t.Cleanup(func() { storage.Close(db) })
	return DB{Driver: driver, DSN: dsn, DB: db}
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
