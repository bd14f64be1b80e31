package directory_test

import (
	"context"
	"errors"
	"testing"

	"github.com/qunbot/qunbot/internal/directory"
	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/org"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/wecom"
)

// oneGroupWeCom knows every group it is asked about, with one owner.
type oneGroupWeCom struct{}

func (oneGroupWeCom) ListGroupChats(context.Context, wecom.GroupChatQuery) (wecom.GroupChatPage, error) {
	return wecom.GroupChatPage{}, nil
}

func (oneGroupWeCom) GetGroupChat(_ context.Context, id string) (wecom.GroupChat, error) {
	return wecom.GroupChat{ChatID: id, Name: "群 " + id, Owner: "owner1"}, nil
}

type fixture struct {
	dir   directory.Directory
	shop  org.Shop
	other org.Shop
}

func setup(t *testing.T, db storagetest.DB) fixture {
	t.Helper()
	ctx := context.Background()
	o, g := org.NewStore(db.DB, nil), group.NewStore(db.DB, nil)
	shop := org.Shop{Code: "SH001", Name: "上海一店", Region: "华东", WebhookKey: "key1", Email: "sh001@example.com"}
	other := org.Shop{Code: "SH002", Name: "上海二店", Region: "华东"}
	for _, sh := range []*org.Shop{&shop, &other} {
		if err := o.CreateShop(ctx, sh); err != nil {
			t.Fatal(err)
		}
	}
	for _, st := range []org.Staff{
		{Name: "小王", WeComUserID: "wang", Role: org.RoleStaff, StoreID: shop.ID, OnDuty: true},
		{Name: "李店长", WeComUserID: "li", Role: org.RoleManager, StoreID: shop.ID},
		{Name: "赵经理", WeComUserID: "zhao", Role: org.RoleRegional, Region: "华东"},
		{Name: "总部", WeComUserID: "hq", Role: org.RoleHQ},
	} {
		if err := o.CreateStaff(ctx, &st); err != nil {
			t.Fatal(err)
		}
	}
	syncer, err := group.NewSyncer(g, oneGroupWeCom{}, group.SyncerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"wrMapped", "wrLoose"} {
		if err := syncer.Reconcile(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.SetStore(ctx, "wrMapped", shop.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := g.SetTags(ctx, "wrMapped", []string{"VIP"}); err != nil {
		t.Fatal(err)
	}
	return fixture{dir: directory.Directory{Org: o, Groups: g}, shop: shop, other: other}
}

func TestDirectory(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		f := setup(t, db)

		tags, store, err := f.dir.ChatScope(ctx, "wrMapped")
		if err != nil || store != "SH001" || len(tags) != 1 || tags[0] != "VIP" {
			t.Errorf("ChatScope(mapped) = %v %q %v", tags, store, err)
		}
		if tags, store, err := f.dir.ChatScope(ctx, "wrUnknown"); err != nil || tags != nil || store != "" {
			t.Errorf("ChatScope(unknown) = %v %q %v, want nothing and no error", tags, store, err)
		}

		r, err := f.dir.Route(ctx, "wrMapped")
		if err != nil || r.StoreID != f.shop.ID || r.WebhookKey != "key1" || len(r.Levels) != 4 {
			t.Fatalf("Route = %+v, %v", r, err)
		}
		if p := r.Levels[0].People; len(p) != 1 || p[0].WeComUserID != "wang" {
			t.Errorf("level 0 = %+v, want the staff on duty", r.Levels[0])
		}
		if _, err := f.dir.Route(ctx, "wrLoose"); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("Route(unmapped) = %v, want not found", err)
		}

		for _, tt := range []struct {
			user   string
			stores int
		}{{"wang", 1}, {"li", 1}, {"zhao", 2}, {"hq", -1}} {
			m, err := f.dir.ByUserID(ctx, tt.user)
			switch {
			case err != nil:
				t.Errorf("ByUserID(%s): %v", tt.user, err)
			case tt.stores < 0 && m.StoreIDs != nil:
				t.Errorf("hq stores = %v, want nil (all)", m.StoreIDs)
			case tt.stores >= 0 && len(m.StoreIDs) != tt.stores:
				t.Errorf("ByUserID(%s) stores = %v, want %d", tt.user, m.StoreIDs, tt.stores)
			}
		}
		if name, store, err := f.dir.StaffName(ctx, "wang"); name != "小王" || store != "上海一店" || err != nil {
			t.Errorf("StaffName(wang) = %q %q %v", name, store, err)
		}
		if name, store, err := f.dir.StaffName(ctx, "stranger"); name != "" || store != "" || err != nil {
			t.Errorf("StaffName(stranger) = %q %q %v", name, store, err)
		}
		if ids, err := f.dir.StoreStaffUserIDs(ctx, f.shop.ID); err != nil || len(ids) != 2 {
			t.Errorf("StoreStaffUserIDs = %v, %v; want the staff and the manager", ids, err)
		}
		if _, err := f.dir.ByUserID(ctx, "stranger"); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("ByUserID(stranger) = %v", err)
		}
	})
}
