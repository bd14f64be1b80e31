package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/org"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/user"
)

func TestStores_EscalationChain(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		shop := org.Shop{Code: "SH001", Name: "徐汇店", Region: "华东", Active: true}
		if err := e.org.CreateShop(ctx, &shop); err != nil {
			t.Fatal(err)
		}
		people := []org.Staff{
			{Name: "小张", Role: org.RoleStaff, StoreID: shop.ID, Active: true},
			{Name: "小李", Role: org.RoleStaff, StoreID: shop.ID, Active: true},
			{Name: "王店长 <script>x</script>", Role: org.RoleManager, StoreID: shop.ID, Active: true},
			{Name: "总部客服", Role: org.RoleHQ, Active: true},
		}
		for i := range people {
			if err := e.org.CreateStaff(ctx, &people[i]); err != nil {
				t.Fatal(err)
			}
		}
		path := "/stores/" + itoa(shop.ID)
		b := e.signInAs(t, "op", user.RoleOperator)
		body := b.get(path).body
		if strings.Contains(body, "<script>x") {
			t.Fatalf("unescaped: %.3000s", body)
		}
		levels := texts(t, body, "li", "chain-level")
		want := []string{"0 级 · 店员 无人值班,通知全部店员 小张、小李", "1 级 · 店长 王店长 <script>x</script>",
			"2 级 · 区域经理 无人", "3 级 · 总部 总部客服"}
		if strings.Join(levels, "|") != strings.Join(want, "|") {
			t.Fatalf("chain %q", levels)
		}
		if err := e.org.SetOnDuty(ctx, people[1].ID, true); err != nil {
			t.Fatal(err)
		}
		levels = texts(t, b.get(path).body, "li", "chain-level")
		if len(levels) != 4 || levels[0] != "0 级 · 店员 小李" {
			t.Fatalf("on duty chain %q", levels)
		}
		e.addUser(t, "staff", user.RoleStaff, shop.ID)
		if p := e.signIn(t, "staff").get(path); p.status != http.StatusForbidden || strings.Contains(p.body, "小张") {
			t.Fatalf("staff GET %s: %d", path, p.status)
		}
	})
}
