package org

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage"
)

// Store keeps shops and staff. It is safe for concurrent use and for
// several replicas sharing one database.
type Store struct {
	db    *gorm.DB
	clock storage.Clock
}

// NewStore returns a Store over db. now is the clock (nil means time.Now).
func NewStore(db *gorm.DB, now func() time.Time) *Store {
	return &Store{db: db, clock: now}
}

// staffRow is a row of staff: the WeCom user id is NULL when unset, so the
// unique index only holds between people who have one.
type staffRow struct {
	ID          int64
	Name        string
	WeComUserID *string `gorm:"column:wecom_user_id"`
	Role        string
	StoreID     int64
	Region      string
	Email       string
	Phone       string
	OnDuty      bool
	Active      bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (staffRow) TableName() string { return "staff" }

func toStaffRow(s *Staff) staffRow {
	r := staffRow{ID: s.ID, Name: s.Name, Role: string(s.Role), StoreID: s.StoreID, Region: s.Region,
		Email: s.Email, Phone: s.Phone, OnDuty: s.OnDuty, Active: s.Active, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
	if s.WeComUserID != "" {
		id := s.WeComUserID
		r.WeComUserID = &id
	}
	return r
}

func (r staffRow) staff() Staff {
	s := Staff{ID: r.ID, Name: r.Name, Role: Role(r.Role), StoreID: r.StoreID, Region: r.Region, Email: r.Email,
		Phone: r.Phone, OnDuty: r.OnDuty, Active: r.Active, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.WeComUserID != nil {
		s.WeComUserID = *r.WeComUserID
	}
	s.CanNotify = s.Reachable()
	return s
}

func staffOf(rows []staffRow) []Staff {
	out := make([]Staff, len(rows))
	for i, r := range rows {
		out[i] = r.staff()
	}
	return out
}

// wrap adds op to err, keeping the fault vocabulary and marking an
// unreachable database.
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%s: %w", op, fault.ErrNotFound)
	case errors.Is(err, fault.ErrNotFound), errors.Is(err, fault.ErrInvalid), errors.Is(err, fault.ErrConflict):
		return fmt.Errorf("%s: %w", op, err)
	}
	return storage.Wrap(op, err)
}

// CreateShop saves a new active shop and sets its ID and times. A code in
// use is a fault.Fields on "code".
func (s *Store) CreateShop(ctx context.Context, sh *Shop) error {
	normalizeShop(sh)
	if err := validateShop(sh); err != nil {
		return fmt.Errorf("create store: %w", err)
	}
	now := s.clock.Now()
	sh.ID, sh.Active, sh.CreatedAt, sh.UpdatedAt = 0, true, now, now
	return wrap("create store", codeTaken(s.db.WithContext(ctx).Create(sh).Error))
}

// UpdateShop saves every field of sh (Active included) over the shop with
// its ID.
func (s *Store) UpdateShop(ctx context.Context, sh *Shop) error {
	op := fmt.Sprintf("update store %d", sh.ID)
	normalizeShop(sh)
	if err := validateShop(sh); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	sh.UpdatedAt = s.clock.Now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var old Shop
		if err := tx.Where("id = ?", sh.ID).Take(&old).Error; err != nil {
			return err
		}
		sh.CreatedAt = old.CreatedAt.UTC()
		return codeTaken(tx.Model(&Shop{}).Where("id = ?", sh.ID).Updates(map[string]any{
			"code": sh.Code, "name": sh.Name, "region": sh.Region, "webhook_key": sh.WebhookKey,
			"email": sh.Email, "active": sh.Active, "updated_at": sh.UpdatedAt,
		}).Error)
	})
	return wrap(op, err)
}

func codeTaken(err error) error {
	if storage.IsDuplicate(err) {
		return fault.Invalid("code", "门店编码已存在 (a store with this code exists)")
	}
	return err
}

// DeactivateShop marks a shop inactive. It stays readable (old tickets and
// groups keep their store) and can be activated again with UpdateShop.
func (s *Store) DeactivateShop(ctx context.Context, id int64) error {
	op := fmt.Sprintf("deactivate store %d", id)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", id).Take(&Shop{}).Error; err != nil {
			return err
		}
		return tx.Model(&Shop{}).Where("id = ?", id).Updates(map[string]any{"active": false, "updated_at": s.clock.Now()}).Error
	})
	return wrap(op, err)
}

// GetShop returns the shop with id, active or not.
func (s *Store) GetShop(ctx context.Context, id int64) (Shop, error) {
	var sh Shop
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&sh).Error
	return utcShop(sh), wrap(fmt.Sprintf("get store %d", id), err)
}

// ShopByCode returns the shop with the operator's code, active or not.
func (s *Store) ShopByCode(ctx context.Context, code string) (Shop, error) {
	var sh Shop
	err := s.db.WithContext(ctx).Where("code = ?", strings.TrimSpace(code)).Take(&sh).Error
	return utcShop(sh), wrap(fmt.Sprintf("get store %q", code), err)
}

func utcShop(sh Shop) Shop {
	sh.CreatedAt, sh.UpdatedAt = sh.CreatedAt.UTC(), sh.UpdatedAt.UTC()
	return sh
}

// ListShops returns one page of shops by code, and how many match in all.
func (s *Store) ListShops(ctx context.Context, f ShopFilter) ([]Shop, int64, error) {
	q := s.db.WithContext(ctx).Model(&Shop{})
	if t := strings.TrimSpace(f.Query); t != "" {
		like := "%" + escapeLike(t) + "%"
		q = q.Where("(code LIKE ? ESCAPE '!' OR name LIKE ? ESCAPE '!')", like, like)
	}
	if f.Region != "" {
		q = q.Where("region = ?", f.Region)
	}
	if f.Active != nil {
		q = q.Where("active = ?", *f.Active)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, wrap("count stores", err)
	}
	shops := []Shop{}
	if err := q.Order("code").Limit(storage.PageSize(f.Limit)).Offset(max(f.Offset, 0)).Find(&shops).Error; err != nil {
		return nil, 0, wrap("list stores", err)
	}
	for i := range shops {
		shops[i] = utcShop(shops[i])
	}
	return shops, total, nil
}

// escapeLike makes s match itself in a LIKE pattern with ESCAPE '!'.
func escapeLike(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}
