package overview_test

import (
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/overview"
)

func TestLastDays(t *testing.T) {
	tests := []struct {
		name  string
		now   time.Time
		first string // the first bound, in Shanghai
	}{
		// 15:59 UTC is 23:59 in Shanghai: still the 23rd there.
		{"late evening", time.Date(2026, 11, 23, 15, 59, 0, 0, time.UTC), "2026-11-17T00:00:00+08:00"},
		// 16:00 UTC is midnight in Shanghai: the 24th has begun.
		{"midnight", time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC), "2026-11-18T00:00:00+08:00"},
		{"new year", time.Date(2027, 1, 1, 1, 0, 0, 0, time.UTC), "2026-12-26T00:00:00+08:00"},
	}
	for _, tt := range tests {
		b := overview.LastDays(tt.now, 7)
		if len(b) != 8 || b[0].Format(time.RFC3339) != tt.first || !b[7].Equal(b[0].AddDate(0, 0, 7)) {
			t.Errorf("%s: bounds %v, want 8 from %s", tt.name, b, tt.first)
		}
		if tt.now.Before(b[6]) || !tt.now.Before(b[7]) {
			t.Errorf("%s: now %v is not in the last day [%v, %v)", tt.name, tt.now, b[6], b[7])
		}
	}
}
