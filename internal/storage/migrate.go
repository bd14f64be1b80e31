package storage

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/gorm"
)

// Each dialect has its own SQL files with the same version numbers: DDL is
// where SQLite and MySQL differ most, and reading plain SQL per engine is
// clearer than one file full of conditionals.
//
//go:embed migrations
var migrations embed.FS

// Migrate applies every migration of driver's dialect that the database has
// not recorded yet. On MySQL a table lock keeps replicas that start together
// from migrating twice.
func Migrate(ctx context.Context, db *gorm.DB, driver string, log *slog.Logger) error {
	p, err := provider(db, driver)
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s database: %w", driver, err)
	}
	if log != nil {
		for _, r := range results {
			log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration_ms", r.Duration.Milliseconds())
		}
	}
	return nil
}

// Version returns the highest migration version the database has recorded.
func Version(ctx context.Context, db *gorm.DB, driver string) (int64, error) {
	p, err := provider(db, driver)
	if err != nil {
		return 0, err
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

func provider(db *gorm.DB, driver string) (*goose.Provider, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var (
		dialect goose.Dialect
		opts    []goose.ProviderOption
	)
	switch driver {
	case DriverSQLite, "":
		dialect, driver = goose.DialectSQLite3, DriverSQLite
	case DriverMySQL:
		dialect = goose.DialectMySQL
		locker, err := lock.NewMySQLTableLocker()
		if err != nil {
			return nil, fmt.Errorf("migrate: %w", err)
		}
		opts = append(opts, goose.WithLocker(locker))
	default:
		return nil, fmt.Errorf("migrate: unknown driver %q", driver)
	}
	fsys, err := fs.Sub(migrations, "migrations/"+driver)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	p, err := goose.NewProvider(dialect, sqlDB, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return p, nil
}
