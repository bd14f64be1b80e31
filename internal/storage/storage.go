// Package storage opens qunbot's database (embedded SQLite by default, MySQL
// in production) and brings its schema up to date with versioned migrations.
//
// It owns only what differs between the two engines: DSNs, pragmas, the
// migration files of each dialect and the replica-safe migration lock.
// Capabilities keep their own stores and speak portable gorm.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	gomysql "github.com/go-sql-driver/mysql"
	"github.com/qunbot/qunbot/internal/fault"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Drivers qunbot can run on.
const (
	DriverSQLite = "sqlite"
	DriverMySQL  = "mysql"
)

// DefaultSQLitePath is where a newcomer's database lives when no DSN is set.
const DefaultSQLitePath = "data/qunbot.db"

// ErrUnavailable marks a failure to reach the database at all (as opposed to
// a query that the database refused). Callers answer such failures with a
// retryable status so nothing is lost.
var ErrUnavailable = fmt.Errorf("database %w", fault.ErrUnavailable)

// Options says which database to open.
type Options struct {
	Driver string // sqlite or mysql
	DSN    string // for sqlite a file path or file: URI; for mysql a go-sql-driver DSN
	Logger *slog.Logger
}

// Open connects to the database described by opts, checks that it answers and
// runs the pending migrations. The caller closes it with Close.
func Open(ctx context.Context, opts Options) (*gorm.DB, error) {
	db, err := Connect(opts)
	if err != nil {
		return nil, err
	}
	if err := Ping(ctx, db); err != nil {
		Close(db)
		return nil, err
	}
	if err := Migrate(ctx, db, opts.Driver, opts.Logger); err != nil {
		Close(db)
		return nil, err
	}
	return db, nil
}

// Connect opens a connection pool without pinging or migrating; Open is what
// the binaries use.
func Connect(opts Options) (*gorm.DB, error) {
	cfg := &gorm.Config{
		TranslateError: true,
		Logger:         logger.Discard,
		NowFunc:        func() time.Time { return time.Now().UTC() },
	}
	switch opts.Driver {
	case DriverSQLite, "":
		dsn, err := SQLiteDSN(opts.DSN)
		if err != nil {
			return nil, err
		}
		db, err := gorm.Open(sqlite.Open(dsn), cfg)
		if err != nil {
			return nil, fmt.Errorf("open sqlite %q: %w", opts.DSN, err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		// SQLite allows one writer; one connection avoids SQLITE_BUSY
		// between our own goroutines and keeps writes ordered.
		sqlDB.SetMaxOpenConns(1)
		return db, nil
	case DriverMySQL:
		dsn, err := MySQLDSN(opts.DSN)
		if err != nil {
			return nil, err
		}
		db, err := gorm.Open(mysql.Open(dsn), cfg)
		if err != nil {
			return nil, fmt.Errorf("open mysql: %w: %w", ErrUnavailable, err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, fmt.Errorf("open mysql: %w", err)
		}
		sqlDB.SetMaxOpenConns(32)
		sqlDB.SetMaxIdleConns(16)
		sqlDB.SetConnMaxLifetime(5 * time.Minute)
		return db, nil
	default:
		return nil, fmt.Errorf("database.driver: unknown driver %q (want sqlite or mysql)", opts.Driver)
	}
}

// SQLiteDSN turns a path (or an existing file: URI) into a DSN with the
// pragmas qunbot relies on: WAL, a busy timeout, NORMAL sync, foreign keys
// and immediate write transactions. It creates the file's folder.
func SQLiteDSN(path string) (string, error) {
	if path == "" {
		path = DefaultSQLitePath
	}
	if path == ":memory:" {
		return "", errors.New("database.dsn: an in-memory SQLite database loses everything on restart; give a file path")
	}
	file, query, _ := strings.Cut(strings.TrimPrefix(path, "file:"), "?")
	if file == "" {
		return "", fmt.Errorf("database.dsn: %q names no file", path)
	}
	if dir := filepath.Dir(file); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return "", fmt.Errorf("database.dsn: create folder for %q: %w", file, err)
		}
	}
	params, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("database.dsn: %q: %w", path, err)
	}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(5000)", "synchronous(NORMAL)", "foreign_keys(1)"} {
		params.Add("_pragma", p)
	}
	params.Set("_txlock", "immediate")
	return "file:" + file + "?" + params.Encode(), nil
}

// MySQLDSN parses a go-sql-driver DSN and sets what qunbot needs whatever the
// operator wrote: utf8mb4 (members send emoji), parsed times, UTC.
func MySQLDSN(dsn string) (string, error) {
	if dsn == "" {
		return "", errors.New("database.dsn: required for the mysql driver (e.g. user:pass@tcp(127.0.0.1:3306)/qunbot)")
	}
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("database.dsn: does not parse as a MySQL DSN: %w", err)
	}
	if cfg.DBName == "" {
		return "", errors.New("database.dsn: names no database (add /dbname)")
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["charset"] = "utf8mb4"
	cfg.Collation = "utf8mb4_unicode_ci"
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	return cfg.FormatDSN(), nil
}

// Ping checks that the database answers within a short time.
func Ping(ctx context.Context, db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w: %w", ErrUnavailable, err)
	}
	return nil
}

// Close releases the connections of db.
func Close(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return sqlDB.Close()
}

// SQL returns the *sql.DB beneath db.
func SQL(db *gorm.DB) (*sql.DB, error) {
	return db.DB()
}

// IsDuplicate reports whether err is a unique-key violation.
func IsDuplicate(err error) bool {
	return errors.Is(err, gorm.ErrDuplicatedKey)
}

// InsertOnce inserts value and reports whether it was new. A row with the
// same unique key already there is not an error: it returns false. This is
// how redelivered callbacks and repeated send intents become no-ops on both
// engines (ON CONFLICT DO NOTHING is not portable: MariaDB's RETURNING makes
// gorm count the existing row as inserted).
func InsertOnce(db *gorm.DB, value any) (bool, error) {
	err := db.Create(value).Error
	if IsDuplicate(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}
