package org_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/org"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

// chainText renders a chain as "0:a,b|1:c|2:|3:d", with "*" after level 0
// when it is the fallback.
func chainText(levels []org.Level) string {
	parts := make([]string, len(levels))
	for i, l := range levels {
		var names []string
		for _, p := range l.Staff {
			names = append(names, p.Name)
		}
		mark := ""
		if l.Fallback {
			mark = "*"
		}
		parts[i] = fmt.Sprintf("%d%s:%s", l.Level, mark, strings.Join(names, ","))
	}
	return strings.Join(parts, "|")
}

func TestEscalationChain(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		s := newStore(db)
		ctx := t.Context()
		east := mustShop(t, s, "SH001", "华东")
		east2 := mustShop(t, s, "SH002", "华东")
		noRegion := mustShop(t, s, "XX001", "")
		empty := mustShop(t, s, "XX002", "华南")
		people := []org.Staff{
			{Name: "a-duty", Role: org.RoleStaff, StoreID: east.ID, OnDuty: true},
			{Name: "b-off", Role: org.RoleStaff, StoreID: east.ID},
			{Name: "c-off", Role: org.RoleStaff, StoreID: east2.ID},
			{Name: "d-off", Role: org.RoleStaff, StoreID: east2.ID},
			{Name: "m1", Role: org.RoleManager, StoreID: east.ID},
			{Name: "m2", Role: org.RoleManager, StoreID: east2.ID},
			{Name: "m-gone", Role: org.RoleManager, StoreID: east2.ID},
			{Name: "n1", Role: org.RoleStaff, StoreID: noRegion.ID, OnDuty: true},
			{Name: "r-east", Role: org.RoleRegional, Region: "华东"},
			{Name: "r-north", Role: org.RoleRegional, Region: "华北"},
			{Name: "hq1", Role: org.RoleHQ},
		}
		ids := map[string]int64{}
		for _, p := range people {
			ids[p.Name] = mustStaff(t, s, p).ID
		}
		if err := s.DeactivateStaff(ctx, ids["m-gone"]); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name  string
			store int64
			want  string
		}{
			{"staff on duty first", east.ID, "0:a-duty|1:m1|2:r-east|3:hq1"},
			{"nobody on duty falls back to all staff", east2.ID, "0*:c-off,d-off|1:m2|2:r-east|3:hq1"},
			{"a store without a region has no regional level", noRegion.ID, "0:n1|1:|2:|3:hq1"},
			{"empty levels are kept", empty.ID, "0:|1:|2:|3:hq1"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				levels, err := s.EscalationChain(ctx, tt.store)
				if err != nil {
					t.Fatal(err)
				}
				if got := chainText(levels); got != tt.want {
					t.Fatalf("chain %s, want %s", got, tt.want)
				}
			})
		}
		if _, err := s.EscalationChain(ctx, 999); !errors.Is(err, fault.ErrNotFound) {
			t.Fatalf("unknown store: %v, want not found", err)
		}
		// Nobody at headquarters: the last level is visibly empty.
		if err := s.DeactivateStaff(ctx, ids["hq1"]); err != nil {
			t.Fatal(err)
		}
		levels, err := s.EscalationChain(ctx, empty.ID)
		if err != nil || len(levels) != 4 || len(levels[org.LevelHQ].Staff) != 0 || levels[org.LevelHQ].Staff == nil {
			t.Fatalf("empty chain: %+v %v", levels, err)
		}
	})
}
