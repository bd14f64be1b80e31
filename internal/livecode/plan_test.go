package livecode

import (
	"slices"
	"testing"
)

func TestPlanFor(t *testing.T) {
	ms := func(counts ...int) []member {
		out := make([]member, len(counts))
		for i, n := range counts {
			out[i] = member{ChatID: string(rune('a' + i)), Count: n, Known: true}
		}
		return out
	}
	tests := []struct {
		name       string
		current    string
		auto       bool
		pool       []member
		want       string
		status     string
		window     []string
		open       int
		wantDetail bool
	}{
		{"first group from nothing", "", false, ms(10, 0), "a", StatusOK, []string{"a", "b"}, 2, false},
		{"current has room", "b", false, ms(200, 10, 0), "b", StatusOK, []string{"b", "c"}, 2, false},
		{"current full moves on", "a", false, ms(200, 10, 0), "b", StatusOK, []string{"b", "c"}, 2, false},
		{"skips full groups", "a", false, ms(200, 200, 5), "c", StatusOK, []string{"c"}, 1, false},
		{"wraps round", "c", false, ms(3, 200, 200), "a", StatusOK, []string{"a"}, 1, false},
		{"all full", "b", false, ms(200, 200), "b", StatusFull, []string{"b"}, 0, true},
		{"all full, auto create", "b", true, ms(200, 200), "b", StatusAutoCreate, []string{"b"}, 0, true},
		{"window of five", "a", false, ms(1, 2, 3, 4, 5, 6, 7), "a", StatusOK, []string{"a", "b", "c", "d", "e"}, 7, false},
		{"empty pool", "", false, nil, "", StatusError, nil, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := codeRow{Threshold: 200, CurrentChatID: tt.current, AutoCreate: tt.auto, RoomBaseName: "新群"}
			p := planFor(r, tt.pool)
			if p.Current != tt.want || p.Status != tt.status || p.Open != tt.open || (p.Detail != "") != tt.wantDetail {
				t.Fatalf("plan %+v, want current %q status %s open %d", p, tt.want, tt.status, tt.open)
			}
			if w := windowFrom(p.Current, tt.pool, 200); !slices.Equal(w, tt.window) {
				t.Fatalf("window %v, want %v", w, tt.window)
			}
		})
	}
}

func TestPlanFor_UnknownGroupsHaveNoRoom(t *testing.T) {
	pool := []member{{ChatID: "a", Known: false}, {ChatID: "b", Known: true, Count: 3}}
	p := planFor(codeRow{Threshold: 200}, pool)
	if p.Current != "b" || p.Open != 1 {
		t.Fatalf("plan %+v", p)
	}
}
