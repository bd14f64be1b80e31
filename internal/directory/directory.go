// Package directory answers what capabilities ask about groups, stores and
// staff, in each capability's own terms: a group's tags and store for the
// script library, a group's escalation route and a staff member's stores
// for tickets. It adapts internal/org and internal/group so that those
// capabilities never import each other.
package directory

import (
	"context"
	"errors"
	"fmt"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/org"
	"github.com/qunbot/qunbot/internal/ticket"
)

// Directory reads stores, staff and groups.
type Directory struct {
	Org    *org.Store
	Groups *group.Store
}

// ChatScope returns a group's tags and its store's code. A group qunbot
// does not know yet has neither; that is not an error.
func (d Directory) ChatScope(ctx context.Context, chatID string) ([]string, string, error) {
	g, err := d.Groups.Get(ctx, chatID)
	if errors.Is(err, fault.ErrNotFound) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	if g.StoreID == 0 {
		return g.Tags, "", nil
	}
	shop, err := d.Org.GetShop(ctx, g.StoreID)
	if errors.Is(err, fault.ErrNotFound) {
		return g.Tags, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	return g.Tags, shop.Code, nil
}

// Route is where a group's complaints go: its store and the store's chain.
// A group without a store is fault.ErrNotFound.
func (d Directory) Route(ctx context.Context, chatID string) (ticket.Route, error) {
	storeID, err := d.Groups.StoreOfChat(ctx, chatID)
	if err != nil {
		return ticket.Route{}, err
	}
	if storeID == 0 {
		return ticket.Route{}, fmt.Errorf("group %s has no store: %w", chatID, fault.ErrNotFound)
	}
	shop, err := d.Org.GetShop(ctx, storeID)
	if err != nil {
		return ticket.Route{}, fmt.Errorf("route group %s: %w", chatID, err)
	}
	chain, err := d.Org.EscalationChain(ctx, storeID)
	if err != nil {
		return ticket.Route{}, fmt.Errorf("route group %s: %w", chatID, err)
	}
	r := ticket.Route{StoreID: shop.ID, StoreName: shop.Name, WebhookKey: shop.WebhookKey}
	if shop.Email != "" {
		r.Email = []string{shop.Email}
	}
	for _, l := range chain {
		r.Levels = append(r.Levels, ticket.Level{Name: levelNames[l.Role], People: people(l.Staff)})
	}
	return r, nil
}

// levelNames are the chain's levels as staff read them.
var levelNames = map[org.Role]string{
	org.RoleStaff: "门店值班", org.RoleManager: "店长", org.RoleRegional: "区域经理", org.RoleHQ: "总部舆情负责人",
}

func people(staff []org.Staff) []ticket.Person {
	out := make([]ticket.Person, len(staff))
	for i, s := range staff {
		out[i] = ticket.Person{Name: s.Name, WeComUserID: s.WeComUserID, Email: s.Email}
	}
	return out
}

// ByUserID is the staff member with a WeCom user id and the stores they may
// act on: their store, their region's stores, or (HQ) every store.
func (d Directory) ByUserID(ctx context.Context, userID string) (ticket.StaffMember, error) {
	s, err := d.Org.StaffByUserID(ctx, userID)
	if err != nil {
		return ticket.StaffMember{}, err
	}
	m := ticket.StaffMember{Person: people([]org.Staff{s})[0], Role: string(s.Role)}
	switch s.Role {
	case org.RoleStaff, org.RoleManager:
		m.StoreIDs = []int64{s.StoreID}
	case org.RoleRegional:
		if m.StoreIDs, err = d.regionStores(ctx, s.Region); err != nil {
			return ticket.StaffMember{}, err
		}
	}
	return m, nil
}

// regionStores lists the ids of every store of region, page by page.
func (d Directory) regionStores(ctx context.Context, region string) ([]int64, error) {
	ids := []int64{}
	for {
		shops, total, err := d.Org.ListShops(ctx, org.ShopFilter{Region: region, Limit: 500, Offset: len(ids)})
		if err != nil {
			return nil, fmt.Errorf("stores of region %q: %w", region, err)
		}
		for _, sh := range shops {
			ids = append(ids, sh.ID)
		}
		if len(shops) == 0 || int64(len(ids)) >= total {
			return ids, nil
		}
	}
}

// StaffName is the name of the staff member with a WeCom user id and the
// name of their store ("" for regional and HQ staff). Someone qunbot does
// not know has neither; that is not an error.
func (d Directory) StaffName(ctx context.Context, userID string) (string, string, error) {
	s, err := d.Org.StaffByUserID(ctx, userID)
	if errors.Is(err, fault.ErrNotFound) {
		return "", "", nil
	}
	if err != nil || s.StoreID == 0 {
		return s.Name, "", err
	}
	shop, err := d.Org.GetShop(ctx, s.StoreID)
	if errors.Is(err, fault.ErrNotFound) {
		return s.Name, "", nil
	}
	return s.Name, shop.Name, err
}

// StoreStaffUserIDs are the WeCom user ids of a store's active staff and
// managers, who hear of its live codes running out of groups.
func (d Directory) StoreStaffUserIDs(ctx context.Context, storeID int64) ([]string, error) {
	active := true
	staff, _, err := d.Org.ListStaff(ctx, org.StaffFilter{StoreID: storeID, Active: &active, Limit: 500})
	if err != nil {
		return nil, fmt.Errorf("staff of store %d: %w", storeID, err)
	}
	var ids []string
	for _, s := range staff {
		if s.WeComUserID != "" {
			ids = append(ids, s.WeComUserID)
		}
	}
	return ids, nil
}
