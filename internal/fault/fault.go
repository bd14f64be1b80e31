// Package fault is qunbot's small error vocabulary. Capabilities wrap these
// so that each transport maps them to an answer in exactly one place
// (the console to HTTP statuses, the bot to its replies).
package fault

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrNotFound: nothing has the given id (a deleted thing is not found).
	ErrNotFound = errors.New("not found")
	// ErrInvalid: input that cannot be saved; a Fields says which and why.
	ErrInvalid = errors.New("invalid")
	// ErrConflict: a change based on a stale version, or one the current
	// state does not allow.
	ErrConflict = errors.New("conflict")
	// ErrUnauthorized: no identity, or a bad one.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden: a known identity that may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrRateLimited: too many attempts; the same call may succeed later.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnavailable: a dependency (the database, WeCom) is not answering;
	// the same call may succeed later.
	ErrUnavailable = errors.New("unavailable")
)

// Field says what is wrong with one field. Message is Chinese first, then
// English, for operators and API clients alike.
type Field struct {
	Field   string `json:"field"` // e.g. "keywords", "replies[1].url"
	Message string `json:"message"`
}

func (e Field) Error() string { return e.Field + ": " + e.Message }

// Fields is every problem found in one input. errors.As finds it (and,
// through Unwrap, each Field); errors.Is matches ErrInvalid.
type Fields []Field

func (fs Fields) Error() string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.Error()
	}
	return strings.Join(parts, "; ")
}

// Unwrap returns each problem as an error.
func (fs Fields) Unwrap() []error {
	out := make([]error, len(fs))
	for i, f := range fs {
		out[i] = f
	}
	return out
}

// Is reports ErrInvalid as a match.
func (fs Fields) Is(target error) bool { return target == ErrInvalid }

// Invalid is a Fields of one problem.
func Invalid(field, format string, args ...any) error {
	return Fields{{Field: field, Message: fmt.Sprintf(format, args...)}}
}

// Problems collects the problems of one input as validation goes.
type Problems Fields

// Add records a problem with field.
func (p *Problems) Add(field, format string, args ...any) {
	*p = append(*p, Field{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err is nil when nothing was added, otherwise the Fields.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return Fields(p)
}
