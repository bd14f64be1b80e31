package org_test

import (
	"fmt"
	"testing"

	"github.com/qunbot/qunbot/internal/org"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

// BenchmarkEscalationChain reads the chain of one store in a directory of
// 200 stores with five staff and a manager each, 10 regional managers and
// 5 people at headquarters.
func BenchmarkEscalationChain(b *testing.B) {
	s := org.NewStore(storagetest.SQLite(b).DB, nil)
	ctx := b.Context()
	var last org.Shop
	for i := range 200 {
		last = org.Shop{Code: fmt.Sprintf("S%03d", i), Name: "店", Region: fmt.Sprintf("区%d", i%10)}
		if err := s.CreateShop(ctx, &last); err != nil {
			b.Fatal(err)
		}
		for j := range 6 {
			st := org.Staff{Name: "员工", Role: org.RoleStaff, StoreID: last.ID, OnDuty: j%2 == 0}
			if j == 5 {
				st.Role = org.RoleManager
			}
			if err := s.CreateStaff(ctx, &st); err != nil {
				b.Fatal(err)
			}
		}
	}
	for i := range 15 {
		st := org.Staff{Name: "上级", Role: org.RoleHQ}
		if i < 10 {
			st.Role, st.Region = org.RoleRegional, fmt.Sprintf("区%d", i)
		}
		if err := s.CreateStaff(ctx, &st); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		levels, err := s.EscalationChain(ctx, last.ID)
		if err != nil || len(levels[0].Staff) != 3 || len(levels[2].Staff) != 1 || len(levels[3].Staff) != 5 {
			b.Fatalf("%+v %v", levels, err)
		}
	}
}
