package storage

import "time"

// Timestamp is t as both engines store it: UTC, to the microsecond
// (MySQL's DATETIME(6)), so a value reads back equal to what was written.
func Timestamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// Clock is a store's sense of now: time.Now unless a test gives another.
// The zero Clock is time.Now, so a store's constructor can take a nil one.
type Clock func() time.Time

// Now is the time as both engines keep it (see Timestamp): what a store
// writes, and compares with what it reads back.
func (c Clock) Now() time.Time { return Timestamp(c.Raw()) }

// Raw is the time as the clock gives it, in its own location and to the
// nanosecond, for the few uses that must not be rounded.
func (c Clock) Raw() time.Time {
	if c == nil {
		return time.Now()
	}
	return c()
}
