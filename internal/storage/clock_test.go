package storage_test

import (
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/storage"
)

func TestClock(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	at := time.Date(2026, 11, 23, 10, 0, 0, 123456789, shanghai)
	c := storage.Clock(func() time.Time { return at })
	if got := c.Raw(); !got.Equal(at) || got.Location() != shanghai {
		t.Errorf("Raw() = %v, want %v unchanged", got, at)
	}
	want := time.Date(2026, 11, 23, 2, 0, 0, 123456000, time.UTC)
	if got := c.Now(); got != want {
		t.Errorf("Now() = %v, want %v (UTC, to the microsecond)", got, want)
	}

	var zero storage.Clock // time.Now
	before := time.Now()
	got := zero.Now()
	if got.Location() != time.UTC || got.Before(before.Add(-time.Microsecond)) || got.After(time.Now()) {
		t.Errorf("zero Clock Now() = %v, want the current time in UTC", got)
	}
}
