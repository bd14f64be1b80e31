package org

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage"
)

// CreateStaff saves a new active staff member and sets their ID and times.
// A store that does not exist or is inactive, and a WeCom user id another
// person has, are a fault.Fields.
func (s *Store) CreateStaff(ctx context.Context, st *Staff) error {
	normalizeStaff(st)
	if err := validateStaff(st); err != nil {
		return fmt.Errorf("create staff: %w", err)
	}
	now := s.clock.Now()
	st.ID, st.Active, st.CreatedAt, st.UpdatedAt = 0, true, now, now
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkStore(tx, st.StoreID); err != nil {
			return err
		}
		row := toStaffRow(st)
		if err := userIDTaken(tx.Create(&row).Error); err != nil {
			return err
		}
		st.ID = row.ID
		return nil
	})
	st.CanNotify = st.Reachable()
	return wrap("create staff", err)
}

// UpdateStaff saves every field of st (Active and OnDuty included) over the
// staff member with its ID.
func (s *Store) UpdateStaff(ctx context.Context, st *Staff) error {
	op := fmt.Sprintf("update staff %d", st.ID)
	normalizeStaff(st)
	if err := validateStaff(st); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	st.UpdatedAt = s.clock.Now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old staffRow
		if err := tx.Where("id = ?", st.ID).Take(&old).Error; err != nil {
			return err
		}
		if st.StoreID != old.StoreID { // staff of a store deactivated since stay editable
			if err := checkStore(tx, st.StoreID); err != nil {
				return err
			}
		}
		st.CreatedAt = old.CreatedAt.UTC()
		row := toStaffRow(st)
		return userIDTaken(tx.Model(&staffRow{}).Where("id = ?", st.ID).Updates(map[string]any{
			"name": row.Name, "wecom_user_id": row.WeComUserID, "role": row.Role, "store_id": row.StoreID,
			"region": row.Region, "email": row.Email, "phone": row.Phone, "on_duty": row.OnDuty,
			"active": row.Active, "updated_at": row.UpdatedAt,
		}).Error)
	})
	st.CanNotify = st.Reachable()
	return wrap(op, err)
}

// checkStore reports a store_id that names no active store. 0 (no store) is
// for the roles that have none; validateStaff has checked that.
func checkStore(tx *gorm.DB, id int64) error {
	if id == 0 {
		return nil
	}
	var sh Shop
	err := tx.Where("id = ?", id).Take(&sh).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fault.Invalid("store_id", "门店 %d 不存在 (no such store)", id)
	case err != nil:
		return err
	case !sh.Active:
		return fault.Invalid("store_id", "门店 %s 已停用 (the store is inactive)", sh.Code)
	}
	return nil
}

func userIDTaken(err error) error {
	if storage.IsDuplicate(err) {
		return fault.Invalid("wecom_user_id", "该企业微信账号已属于另一位员工 (another staff member has this WeCom user id)")
	}
	return err
}

// SetOnDuty puts a staff member on or off duty (上班/下班).
func (s *Store) SetOnDuty(ctx context.Context, id int64, onDuty bool) error {
	return s.setFlags(ctx, fmt.Sprintf("set staff %d on duty", id), id, map[string]any{"on_duty": onDuty})
}

// DeactivateStaff marks a staff member inactive and off duty: they leave
// every escalation chain but stay readable, and can be activated again with
// UpdateStaff.
func (s *Store) DeactivateStaff(ctx context.Context, id int64) error {
	return s.setFlags(ctx, fmt.Sprintf("deactivate staff %d", id), id, map[string]any{"active": false, "on_duty": false})
}

func (s *Store) setFlags(ctx context.Context, op string, id int64, set map[string]any) error {
	set["updated_at"] = s.clock.Now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", id).Take(&staffRow{}).Error; err != nil {
			return err
		}
		return tx.Model(&staffRow{}).Where("id = ?", id).Updates(set).Error
	})
	return wrap(op, err)
}

// GetStaff returns the staff member with id, active or not.
func (s *Store) GetStaff(ctx context.Context, id int64) (Staff, error) {
	var r staffRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error
	return r.staff(), wrap(fmt.Sprintf("get staff %d", id), err)
}

// StaffByUserID returns the active staff member with a WeCom user id (the
// sender of an app message). Nobody, or only a deactivated person, is
// fault.ErrNotFound.
func (s *Store) StaffByUserID(ctx context.Context, userID string) (Staff, error) {
	op := fmt.Sprintf("get staff by wecom user id %q", userID)
	if userID = strings.TrimSpace(userID); userID == "" {
		return Staff{}, fmt.Errorf("%s: %w", op, fault.ErrNotFound)
	}
	var r staffRow
	err := s.db.WithContext(ctx).Where("wecom_user_id = ? AND active = ?", userID, true).Take(&r).Error
	return r.staff(), wrap(op, err)
}

// ListStaff returns one page of staff by name, and how many match in all.
func (s *Store) ListStaff(ctx context.Context, f StaffFilter) ([]Staff, int64, error) {
	q := s.db.WithContext(ctx).Model(&staffRow{})
	if t := strings.TrimSpace(f.Query); t != "" {
		like := "%" + escapeLike(t) + "%"
		q = q.Where("(name LIKE ? ESCAPE '!' OR wecom_user_id LIKE ? ESCAPE '!' OR phone LIKE ? ESCAPE '!' OR email LIKE ? ESCAPE '!')",
			like, like, like, like)
	}
	q = staffConditions(q, f)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, wrap("count staff", err)
	}
	var rows []staffRow
	if err := q.Order("name, id").Limit(storage.PageSize(f.Limit)).Offset(max(f.Offset, 0)).Find(&rows).Error; err != nil {
		return nil, 0, wrap("list staff", err)
	}
	return staffOf(rows), total, nil
}

func staffConditions(q *gorm.DB, f StaffFilter) *gorm.DB {
	if f.StoreID != 0 {
		q = q.Where("store_id = ?", f.StoreID)
	}
	if f.Role != "" {
		q = q.Where("role = ?", f.Role)
	}
	if f.Region != "" {
		q = q.Where("region = ?", f.Region)
	}
	if f.Active != nil {
		q = q.Where("active = ?", *f.Active)
	}
	if f.OnDuty != nil {
		q = q.Where("on_duty = ?", *f.OnDuty)
	}
	if f.NoWeCom {
		q = q.Where("wecom_user_id IS NULL")
	}
	return q
}
