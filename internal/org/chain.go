package org

import (
	"context"
	"fmt"
)

// The levels of an escalation chain.
const (
	LevelStaff    = 0 // the store's staff on duty (or all of them)
	LevelManager  = 1 // the store's managers
	LevelRegional = 2 // the regional managers of the store's region
	LevelHQ       = 3 // headquarters
)

// EscalationChain returns the four levels of a store's chain, in order:
// the store's staff on duty (every active staff member of the store when
// nobody is on duty, marked Fallback), its managers, the regional managers
// of its region, and headquarters. Only active people are listed. A level
// with nobody on it is kept, empty, so the caller sees the gap. An unknown
// store is fault.ErrNotFound.
func (s *Store) EscalationChain(ctx context.Context, storeID int64) ([]Level, error) {
	op := fmt.Sprintf("escalation chain of store %d", storeID)
	sh, err := s.GetShop(ctx, storeID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var rows []staffRow
	err = s.db.WithContext(ctx).
		Where("active = ? AND ((store_id = ? AND role IN ?) OR (role = ? AND region = ? AND region <> '') OR role = ?)",
			true, sh.ID, []string{string(RoleStaff), string(RoleManager)}, RoleRegional, sh.Region, RoleHQ).
		Order("id").Find(&rows).Error
	if err != nil {
		return nil, wrap(op, err)
	}
	return chainOf(staffOf(rows)), nil
}

// chainOf sorts the people of one store's chain into its levels.
func chainOf(people []Staff) []Level {
	levels := []Level{
		{Level: LevelStaff, Role: RoleStaff, Staff: []Staff{}},
		{Level: LevelManager, Role: RoleManager, Staff: []Staff{}},
		{Level: LevelRegional, Role: RoleRegional, Staff: []Staff{}},
		{Level: LevelHQ, Role: RoleHQ, Staff: []Staff{}},
	}
	var onDuty, all []Staff
	for _, p := range people {
		switch p.Role {
		case RoleStaff:
			all = append(all, p)
			if p.OnDuty {
				onDuty = append(onDuty, p)
			}
		case RoleManager:
			levels[LevelManager].Staff = append(levels[LevelManager].Staff, p)
		case RoleRegional:
			levels[LevelRegional].Staff = append(levels[LevelRegional].Staff, p)
		case RoleHQ:
			levels[LevelHQ].Staff = append(levels[LevelHQ].Staff, p)
		}
	}
	switch {
	case len(onDuty) > 0:
		levels[LevelStaff].Staff = onDuty
	case len(all) > 0:
		levels[LevelStaff].Staff, levels[LevelStaff].Fallback = all, true
	}
	return levels
}
