package schedule_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/schedule"
)

func TestPreview_TuesdayMorningInShanghai(t *testing.T) {
	from := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC) // Monday 10:00 in Shanghai
	got, err := schedule.Preview("0 9 * * 2", "", from, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 {
		t.Fatalf("got %d times, want 5", len(got))
	}
	for i, at := range got {
		want := time.Date(2026, 11, 24+7*i, 9, 0, 0, 0, at.Location())
		if !at.Equal(want) || at.Location().String() != "Asia/Shanghai" || at.Weekday() != time.Tuesday {
			t.Errorf("run %d = %s, want %s (Asia/Shanghai)", i, at, want)
		}
	}
	if got[0].UTC().Hour() != 1 {
		t.Errorf("09:00 Shanghai should be 01:00 UTC, got %s", got[0].UTC())
	}
}

func TestPreview_ZonesAndDescriptors(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		expr, tz string
		want     time.Time
	}{
		{"30 8 * * *", "UTC", time.Date(2026, 1, 1, 8, 30, 0, 0, time.UTC)},
		{"30 8 * * *", "America/New_York", time.Date(2026, 1, 1, 13, 30, 0, 0, time.UTC)},
		{"@daily", "Asia/Shanghai", time.Date(2026, 1, 1, 16, 0, 0, 0, time.UTC)},
		{"@every 90m", "", time.Date(2026, 1, 1, 1, 30, 0, 0, time.UTC)},
		{"0 9 1 * *", "", time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)},
		{"  0   9 * * MON-FRI ", "", time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.expr+"/"+tt.tz, func(t *testing.T) {
			got, err := schedule.Preview(tt.expr, tt.tz, from, 1)
			if err != nil {
				t.Fatal(err)
			}
			if !got[0].Equal(tt.want) {
				t.Errorf("next = %s, want %s", got[0].UTC(), tt.want)
			}
		})
	}
}

func TestPreview_InvalidNamesFieldAndPosition(t *testing.T) {
	tests := []struct {
		expr       string
		field, col int
		reason     string
	}{
		{"61 9 * * 2", 1, 1, "above maximum"},
		{"0 25 * * 2", 2, 3, "above maximum"},
		{"0 9 0 * *", 3, 5, "below minimum"},
		{"0 9 * 13 *", 4, 7, "above maximum"},
		{"0 9 * * MONDAY", 5, 9, "failed to parse"},
		{"0  9 * * 8", 5, 10, "above maximum"},
		{"0 9 5-1 * *", 3, 5, "beyond end of range"},
		{"0 9 * *", 0, 0, "expected 5 fields"},
		{"0 9 * * * *", 0, 0, "found 6"},
		{"", 0, 0, "empty"},
		{"@often", 0, 0, "unrecognized descriptor"},
		{"@every 10s", 0, 0, "at least 1m"},
		{"CRON_TZ=UTC 0 9 * * *", 0, 0, "time_zone"},
		{"0 0 30 2 *", 0, 0, "never fires"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			_, err := schedule.Preview(tt.expr, "", time.Now(), 5)
			var ce *schedule.CronError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *CronError", err)
			}
			if ce.Field != tt.field || ce.Column != tt.col || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("got field %d column %d %q; want field %d column %d containing %q", ce.Field, ce.Column, err, tt.field, tt.col, tt.reason)
			}
			if tt.field > 0 && !strings.Contains(err.Error(), "第 ") {
				t.Errorf("message %q does not say the field in Chinese", err)
			}
		})
	}
}

func TestPreview_UnknownZone(t *testing.T) {
	for _, tz := range []string{"Mars/Olympus", "Local"} {
		if _, err := schedule.Preview("0 9 * * *", tz, time.Now(), 5); err == nil || !strings.Contains(err.Error(), "未知时区") {
			t.Errorf("zone %q: err = %v, want 未知时区", tz, err)
		}
	}
}
