package user

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage"
)

// DefaultCost is the bcrypt cost of stored passwords.
const DefaultCost = 12

// Store keeps users, sessions, API tokens and failed logins.
type Store struct {
	db    *gorm.DB
	clock storage.Clock
	cost  int
}

// NewStore returns a Store over db. now is the clock (nil means time.Now);
// cost is the bcrypt cost (0 means DefaultCost; tests pass bcrypt.MinCost).
func NewStore(db *gorm.DB, now func() time.Time, cost int) *Store {
	if cost == 0 {
		cost = DefaultCost
	}
	return &Store{db: db, clock: now, cost: cost}
}

// row is a row of users.
type row struct {
	ID                 int64
	Username           string
	DisplayName        string
	Role               string
	StoreIDs           string `gorm:"column:store_ids"`
	PasswordHash       string
	MustChangePassword bool
	Disabled           bool
	LastLoginAt        *time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

func (row) TableName() string { return "users" }

func (r row) user() User {
	u := User{ID: r.ID, Username: r.Username, DisplayName: r.DisplayName, Role: Role(r.Role),
		MustChangePassword: r.MustChangePassword, Disabled: r.Disabled,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	_ = json.Unmarshal([]byte(r.StoreIDs), &u.StoreIDs) // written by this package only
	if u.StoreIDs == nil {
		u.StoreIDs = []int64{}
	}
	if r.LastLoginAt != nil {
		t := r.LastLoginAt.UTC()
		u.LastLoginAt = &t
	}
	return u
}

func storeIDs(ids []int64) string {
	if ids == nil {
		ids = []int64{}
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

// Create saves a new user with password. A taken username is a
// fault.Fields on "username".
func (s *Store) Create(ctx context.Context, u *User, password string) error {
	if err := validate(u); err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	if err := checkPassword(password); err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.cost)
	if err != nil {
		return fmt.Errorf("create user: hash password: %w", err)
	}
	now := s.clock.Now()
	r := row{Username: u.Username, DisplayName: u.DisplayName, Role: string(u.Role), StoreIDs: storeIDs(u.StoreIDs),
		PasswordHash: string(hash), MustChangePassword: u.MustChangePassword, Disabled: u.Disabled, CreatedAt: now, UpdatedAt: now}
	created, err := storage.InsertOnce(s.db.WithContext(ctx), &r)
	if err != nil {
		return storage.Wrap("create user", err)
	}
	if !created {
		return fmt.Errorf("create user: %w", fault.Invalid("username", "用户名 %q 已被使用 (username taken)", u.Username))
	}
	*u = r.user()
	return nil
}

// Get returns the user with id.
func (s *Store) Get(ctx context.Context, id int64) (User, error) {
	var r row
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, fmt.Errorf("user %d: %w", id, fault.ErrNotFound)
	}
	if err != nil {
		return User{}, storage.Wrap(fmt.Sprintf("get user %d", id), err)
	}
	return r.user(), nil
}

// List returns every user, by username.
func (s *Store) List(ctx context.Context) ([]User, error) {
	var rows []row
	if err := s.db.WithContext(ctx).Order("username").Find(&rows).Error; err != nil {
		return nil, storage.Wrap("list users", err)
	}
	out := make([]User, len(rows))
	for i, r := range rows {
		out[i] = r.user()
	}
	return out, nil
}

// Count returns how many users there are.
func (s *Store) Count(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&row{}).Count(&n).Error; err != nil {
		return 0, storage.Wrap("count users", err)
	}
	return n, nil
}

// Update saves u's display name, role, stores and disabled flag. Disabling
// a user ends their sessions.
func (s *Store) Update(ctx context.Context, u *User) error {
	if err := validate(u); err != nil {
		return fmt.Errorf("update user %d: %w", u.ID, err)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&row{}).Where("id = ?", u.ID).Updates(map[string]any{
			"display_name": u.DisplayName, "role": string(u.Role), "store_ids": storeIDs(u.StoreIDs),
			"disabled": u.Disabled, "updated_at": s.clock.Now(),
		})
		if err := notFound(res, "update user", u.ID); err != nil {
			return err
		}
		if u.Disabled {
			if err := tx.Where("user_id = ?", u.ID).Delete(&sessionRow{}).Error; err != nil {
				return storage.Wrap("end sessions of disabled user", err)
			}
		}
		var r row
		if err := tx.Where("id = ?", u.ID).Take(&r).Error; err != nil {
			return storage.Wrap("reread user", err)
		}
		*u = r.user()
		return nil
	})
}

// SetPassword replaces the password of user id and ends their other
// sessions; mustChange marks a password someone else chose.
func (s *Store) SetPassword(ctx context.Context, id int64, password string, mustChange bool) error {
	if err := checkPassword(password); err != nil {
		return fmt.Errorf("set password of user %d: %w", id, err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.cost)
	if err != nil {
		return fmt.Errorf("set password: hash: %w", err)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&row{}).Where("id = ?", id).Updates(map[string]any{
			"password_hash": string(hash), "must_change_password": mustChange, "updated_at": s.clock.Now(),
		})
		if err := notFound(res, "set password of user", id); err != nil {
			return err
		}
		if err := tx.Where("user_id = ?", id).Delete(&sessionRow{}).Error; err != nil {
			return storage.Wrap("end sessions after password change", err)
		}
		return nil
	})
}

func notFound(res *gorm.DB, op string, id int64) error {
	if res.Error != nil {
		return storage.Wrap(fmt.Sprintf("%s %d", op, id), res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("%s %d: %w", op, id, fault.ErrNotFound)
	}
	return nil
}
