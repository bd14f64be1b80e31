// Package org is the directory of stores (门店) and their staff: who works
// where, in which role, who is on duty, and the escalation chain of a store
// (its staff on duty, its managers, the regional managers, headquarters)
// that tickets climb when a deadline passes.
//
// A store is called a Shop in the code so that Store stays the name of the
// persistence layer, as in every capability; the API and the console say
// "store".
package org

import (
	"time"
)

// Shop is a store (门店). Code is the operator's own unique code ("SH001").
// WebhookKey is the key of the 消息推送 webhook of the store's internal staff
// group (工作群); Email receives notifications by mail. A shop is never
// deleted, only deactivated, so that old tickets and groups keep their store.
type Shop struct {
	ID         int64     `json:"id"`
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	Region     string    `json:"region"`
	WebhookKey string    `json:"webhook_key"`
	Email      string    `json:"email"`
	Active     bool      `json:"active"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// TableName tells gorm the table of Shop.
func (Shop) TableName() string { return "stores" }

// Role is what a staff member does, and so the level of the escalation
// chain they are on.
type Role string

// The roles, from the shop floor up.
const (
	RoleStaff    Role = "staff"    // 店员: works in one store, gets new tickets when on duty
	RoleManager  Role = "manager"  // 店长: one store
	RoleRegional Role = "regional" // 区域经理: every store of a region
	RoleHQ       Role = "hq"       // 总部
)

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool {
	switch r {
	case RoleStaff, RoleManager, RoleRegional, RoleHQ:
		return true
	}
	return false
}

// Staff is a person who handles tickets. StoreID is set for staff and
// managers (and only for them); Region for regional managers. WeComUserID
// may be empty: such a person cannot be reached in WeCom (CanNotify is
// false), only by mail or phone.
type Staff struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	WeComUserID string `json:"wecom_user_id"`
	Role        Role   `json:"role"`
	StoreID     int64  `json:"store_id"`
	Region      string `json:"region"`
	Email       string `json:"email"`
	Phone       string `json:"phone"`
	OnDuty      bool   `json:"on_duty"` // staff on duty receive new tickets
	Active      bool   `json:"active"`
	// CanNotify is read-only: whether WeCom notifications can reach this
	// person (they have a WeCom user id).
	CanNotify bool      `json:"can_notify"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Reachable reports whether WeCom app messages can reach s.
func (s Staff) Reachable() bool { return s.WeComUserID != "" }

// Level is one rung of a store's escalation chain. Staff may be empty: the
// caller sees that nobody is there (and, on the last level, that there is
// no next level) instead of the level silently disappearing.
type Level struct {
	Level int     `json:"level"` // 0 the store's staff, 1 managers, 2 regional, 3 hq
	Role  Role    `json:"role"`
	Staff []Staff `json:"staff"`
	// Fallback is set on level 0 when nobody was on duty and the level lists
	// every active staff member of the store instead.
	Fallback bool `json:"fallback,omitempty"`
}

// ShopFilter selects shops for ListShops. Zero fields select everything.
type ShopFilter struct {
	Query  string // part of the code or the name
	Region string
	Active *bool
	Limit  int // default 50, at most 500
	Offset int
}

// StaffFilter selects staff for ListStaff. Zero fields select everything.
type StaffFilter struct {
	Query   string // part of the name, the WeCom user id, the phone or the email
	StoreID int64
	Role    Role
	Region  string
	Active  *bool
	OnDuty  *bool
	// NoWeCom selects only staff without a WeCom user id: the people WeCom
	// notifications cannot reach.
	NoWeCom bool
	Limit   int // default 50, at most 500
	Offset  int
}
