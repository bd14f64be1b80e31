package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Wrap wraps err with op, adding ErrUnavailable when the database could not
// be reached at all rather than refusing the query: callers answer those
// with a retryable status.
func Wrap(op string, err error) error {
	if Unreachable(err) {
		return fmt.Errorf("%s: %w: %w", op, ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Unreachable reports whether err means the database did not answer.
func Unreachable(err error) bool {
	var netErr net.Error
	switch {
	case errors.Is(err, ErrUnavailable), errors.Is(err, driver.ErrBadConn),
		errors.Is(err, sql.ErrConnDone), errors.As(err, &netErr):
		return true
	}
	// database/sql and go-sql-driver/mysql report these with unexported or
	// driver-specific values; their text is stable.
	msg := err.Error()
	return strings.Contains(msg, "sql: database is closed") || strings.Contains(msg, "invalid connection")
}

// Truncate cuts s to at most max runes, marking the cut, so that it fits a
// VARCHAR column on MySQL.
func Truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max-1]) + "…"
}

// PageSize bounds a list's page: 50 when unset, at most 500.
func PageSize(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 500:
		return 500
	}
	return n
}

// CountByState counts model's rows per value of its state column, with a
// zero for each of states that has none.
func CountByState[S ~string](ctx context.Context, db *gorm.DB, model any, states []S) (map[S]int64, error) {
	var rows []struct {
		State S
		N     int64
	}
	err := db.WithContext(ctx).Model(model).Select("state, COUNT(*) AS n").Group("state").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	counts := make(map[S]int64, len(states))
	for _, st := range states {
		counts[st] = 0
	}
	for _, r := range rows {
		counts[r.State] = r.N
	}
	return counts, nil
}
