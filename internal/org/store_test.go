package org_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/org"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func newStore(db storagetest.DB) *org.Store {
	return org.NewStore(db.DB, func() time.Time { return t0 })
}

func mustShop(t *testing.T, s *org.Store, code, region string) org.Shop {
	t.Helper()
	sh := org.Shop{Code: code, Name: "门店 " + code, Region: region}
	if err := s.CreateShop(t.Context(), &sh); err != nil {
		t.Fatalf("create store %s: %v", code, err)
	}
	return sh
}

func mustStaff(t *testing.T, s *org.Store, st org.Staff) org.Staff {
	t.Helper()
	if err := s.CreateStaff(t.Context(), &st); err != nil {
		t.Fatalf("create staff %s: %v", st.Name, err)
	}
	return st
}

// fieldOf returns the field names of a fault.Fields, or fails.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var fs fault.Fields
	if !errors.As(err, &fs) || !errors.Is(err, fault.ErrInvalid) {
		t.Fatalf("err = %v, want fault.Fields", err)
	}
	var names []string
	for _, f := range fs {
		names = append(names, f.Field)
	}
	return names
}

func TestShop_Validation(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		s := newStore(db)
		mustShop(t, s, "SH001", "华东")
		tests := []struct {
			name string
			shop org.Shop
			want string // the field named
		}{
			{"empty code", org.Shop{Name: "x"}, "code"},
			{"code with spaces", org.Shop{Code: "SH 002", Name: "x"}, "code"},
			{"code too long", org.Shop{Code: strings.Repeat("A", 33), Name: "x"}, "code"},
			{"code taken", org.Shop{Code: "SH001", Name: "x"}, "code"},
			{"empty name", org.Shop{Code: "SH002", Name: "  "}, "name"},
			{"bad email", org.Shop{Code: "SH002", Name: "x", Email: "not-an-email"}, "email"},
			{"email with a display name", org.Shop{Code: "SH002", Name: "x", Email: "店 <a@b.cn>"}, "email"},
			{"bad webhook key", org.Shop{Code: "SH002", Name: "x", WebhookKey: "key with spaces"}, "webhook_key"},
			{"region too long", org.Shop{Code: "SH002", Name: "x", Region: strings.Repeat("区", 65)}, "region"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := s.CreateShop(t.Context(), &tt.shop)
				if got := fieldsOf(t, err); len(got) != 1 || got[0] != tt.want {
					t.Fatalf("fields %v, want [%s] (%v)", got, tt.want, err)
				}
			})
		}
		if _, total, _ := s.ListShops(t.Context(), org.ShopFilter{}); total != 1 {
			t.Fatalf("invalid stores saved: %d stores", total)
		}
	})
}

func TestShop_Lifecycle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		s := newStore(db)
		ctx := t.Context()
		sh := org.Shop{Code: " SH001 ", Name: "人民广场店", Region: "华东",
			WebhookKey: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"}
		if err := s.CreateShop(ctx, &sh); err != nil {
			t.Fatal(err)
		}
		if sh.Code != "SH001" || sh.WebhookKey != "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa" || !sh.Active || sh.ID == 0 {
			t.Fatalf("created %+v", sh)
		}
		mustShop(t, s, "BJ001", "华北")
		got, err := s.ShopByCode(ctx, "SH001")
		if err != nil || got != sh {
			t.Fatalf("by code: %+v %v, want %+v", got, err, sh)
		}
		sh.Name, sh.Email = "人民广场旗舰店", "sh001@example.com"
		if err := s.UpdateShop(ctx, &sh); err != nil {
			t.Fatal(err)
		}
		if err := s.DeactivateShop(ctx, sh.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetShop(ctx, sh.ID); got.Active || got.Name != "人民广场旗舰店" || got.Email != "sh001@example.com" {
			t.Fatalf("after update and deactivate: %+v", got)
		}
		yes := true
		for _, tt := range []struct {
			name string
			f    org.ShopFilter
			want []string
		}{
			{"all by code", org.ShopFilter{}, []string{"BJ001", "SH001"}},
			{"active only", org.ShopFilter{Active: &yes}, []string{"BJ001"}},
			{"by region", org.ShopFilter{Region: "华东"}, []string{"SH001"}},
			{"by name", org.ShopFilter{Query: "旗舰"}, []string{"SH001"}},
			{"percent matches itself", org.ShopFilter{Query: "%"}, nil},
		} {
			t.Run(tt.name, func(t *testing.T) {
				shops, total, err := s.ListShops(ctx, tt.f)
				var codes []string
				for _, x := range shops {
					codes = append(codes, x.Code)
				}
				if err != nil || int(total) != len(tt.want) || strings.Join(codes, ",") != strings.Join(tt.want, ",") {
					t.Fatalf("got %v (total %d, %v), want %v", codes, total, err, tt.want)
				}
			})
		}
		for name, err := range map[string]error{
			"get":        func() error { _, err := s.GetShop(ctx, 999); return err }(),
			"update":     s.UpdateShop(ctx, &org.Shop{ID: 999, Code: "X1", Name: "x"}),
			"deactivate": s.DeactivateShop(ctx, 999),
		} {
			if !errors.Is(err, fault.ErrNotFound) {
				t.Errorf("%s unknown store: %v, want not found", name, err)
			}
		}
	})
}

func TestStaff_Validation(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		s := newStore(db)
		sh := mustShop(t, s, "SH001", "华东")
		closed := mustShop(t, s, "SH002", "华东")
		if err := s.DeactivateShop(t.Context(), closed.ID); err != nil {
			t.Fatal(err)
		}
		mustStaff(t, s, org.Staff{Name: "王店长", WeComUserID: "wang", Role: org.RoleManager, StoreID: sh.ID})
		tests := []struct {
			name  string
			staff org.Staff
			want  string
		}{
			{"empty name", org.Staff{Role: org.RoleStaff, StoreID: sh.ID}, "name"},
			{"unknown role", org.Staff{Name: "a", Role: "boss"}, "role"},
			{"staff without store", org.Staff{Name: "a", Role: org.RoleStaff}, "store_id"},
			{"manager of an unknown store", org.Staff{Name: "a", Role: org.RoleManager, StoreID: 999}, "store_id"},
			{"staff of an inactive store", org.Staff{Name: "a", Role: org.RoleStaff, StoreID: closed.ID}, "store_id"},
			{"regional without region", org.Staff{Name: "a", Role: org.RoleRegional}, "region"},
			{"hq with a store", org.Staff{Name: "a", Role: org.RoleHQ, StoreID: sh.ID}, "store_id"},
			{"bad user id", org.Staff{Name: "a", Role: org.RoleHQ, WeComUserID: "张三"}, "wecom_user_id"},
			{"user id taken", org.Staff{Name: "a", Role: org.RoleHQ, WeComUserID: "wang"}, "wecom_user_id"},
			{"bad phone", org.Staff{Name: "a", Role: org.RoleHQ, Phone: "call me"}, "phone"},
			{"bad email", org.Staff{Name: "a", Role: org.RoleHQ, Email: "a@"}, "email"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := s.CreateStaff(t.Context(), &tt.staff)
				if got := fieldsOf(t, err); len(got) != 1 || got[0] != tt.want {
					t.Fatalf("fields %v, want [%s] (%v)", got, tt.want, err)
				}
			})
		}
	})
}

func TestStaff_Lifecycle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		s := newStore(db)
		ctx := t.Context()
		sh := mustShop(t, s, "SH001", "华东")
		// Two people without a WeCom account: allowed, and not unique-clashing.
		a := mustStaff(t, s, org.Staff{Name: "李四", Role: org.RoleStaff, StoreID: sh.ID, Phone: "+86 138-0000-0000"})
		b := mustStaff(t, s, org.Staff{Name: "赵六", Role: org.RoleStaff, StoreID: sh.ID})
		c := mustStaff(t, s, org.Staff{Name: "张三", WeComUserID: "zhangsan", Role: org.RoleStaff, StoreID: sh.ID, OnDuty: true})
		if a.CanNotify || !c.CanNotify || !a.Active {
			t.Fatalf("can_notify/active: %+v %+v", a, c)
		}
		got, err := s.StaffByUserID(ctx, "zhangsan")
		if err != nil || got.ID != c.ID || !got.CanNotify {
			t.Fatalf("by user id: %+v %v", got, err)
		}
		b.WeComUserID = "zhaoliu"
		if err := s.UpdateStaff(ctx, &b); err != nil {
			t.Fatal(err)
		}
		b.WeComUserID = "zhangsan"
		if err := s.UpdateStaff(ctx, &b); !errors.Is(err, fault.ErrInvalid) {
			t.Fatalf("update to a taken user id: %v", err)
		}
		if err := s.SetOnDuty(ctx, a.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := s.DeactivateStaff(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.StaffByUserID(ctx, "zhangsan"); !errors.Is(err, fault.ErrNotFound) {
			t.Fatalf("deactivated staff by user id: %v, want not found", err)
		}
		yes := true
		for _, tt := range []struct {
			name string
			f    org.StaffFilter
			want []string
		}{
			{"all by name", org.StaffFilter{}, []string{"张三", "李四", "赵六"}},
			{"active", org.StaffFilter{Active: &yes}, []string{"李四", "赵六"}},
			{"on duty", org.StaffFilter{OnDuty: &yes}, []string{"李四"}},
			{"no wecom account", org.StaffFilter{NoWeCom: true}, []string{"李四"}},
			{"by phone", org.StaffFilter{Query: "138"}, []string{"李四"}},
			{"by store and role", org.StaffFilter{StoreID: sh.ID, Role: org.RoleStaff, Limit: 1, Offset: 1}, []string{"李四"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				people, _, err := s.ListStaff(ctx, tt.f)
				var names []string
				for _, p := range people {
					names = append(names, p.Name)
				}
				if err != nil || strings.Join(names, ",") != strings.Join(tt.want, ",") {
					t.Fatalf("got %v (%v), want %v", names, err, tt.want)
				}
			})
		}
	})
}
