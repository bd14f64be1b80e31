// Package user is the console's people: users with a role (admin, operator,
// store staff scoped to their stores), their passwords, sessions and API
// tokens, and the rate limit on failed logins.
package user

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qunbot/qunbot/internal/fault"
)

// Role is what a user may do.
type Role string

// The roles. Admins do everything, including users and settings; operators
// run the groups (scripts, welcomes, live codes, tasks, rules, every
// store's tickets); store staff see and work only their stores' tickets.
const (
	RoleAdmin    Role = "admin"
	RoleOperator Role = "operator"
	RoleStaff    Role = "staff"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleOperator || r == RoleStaff }

// User is a person who signs in to the console.
type User struct {
	ID          int64  `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Role        Role   `json:"role"`
	// StoreIDs are the stores a staff user works for; other roles see all.
	StoreIDs           []int64    `json:"store_ids"`
	MustChangePassword bool       `json:"must_change_password"`
	Disabled           bool       `json:"disabled"`
	LastLoginAt        *time.Time `json:"last_login_at,omitempty"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

// Name is how the audit log and change histories name u.
func (u User) Name() string { return u.Username }

// Scope is the stores u may see: nil means every store.
func (u User) Scope() []int64 {
	if u.Role == RoleStaff {
		if u.StoreIDs == nil {
			return []int64{}
		}
		return u.StoreIDs
	}
	return nil
}

// CanSeeStore reports whether u may see the tickets of storeID.
func (u User) CanSeeStore(storeID int64) bool {
	scope := u.Scope()
	return scope == nil || slices.Contains(scope, storeID)
}

// Limits of stored values.
const (
	maxUsername    = 64
	maxDisplayName = 64
	MinPassword    = 10 // characters
	maxPassword    = 72 // bytes: bcrypt reads no further
)

func validate(u *User) error {
	var p fault.Problems
	u.Username = strings.TrimSpace(u.Username)
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	switch {
	case u.Username == "":
		p.Add("username", "用户名不能为空 (username is required)")
	case utf8.RuneCountInString(u.Username) > maxUsername:
		p.Add("username", "用户名最多 %d 个字 (at most %d characters)", maxUsername, maxUsername)
	case strings.ContainsAny(u.Username, " \t\r\n/\\"):
		p.Add("username", "用户名不能包含空格或斜杠 (no spaces or slashes)")
	}
	if utf8.RuneCountInString(u.DisplayName) > maxDisplayName {
		p.Add("display_name", "显示名最多 %d 个字 (at most %d characters)", maxDisplayName, maxDisplayName)
	}
	if !u.Role.Valid() {
		p.Add("role", "角色无效:%q(可选 admin、operator、staff) (want admin, operator or staff)", u.Role)
	}
	if u.Role == RoleStaff && len(u.StoreIDs) == 0 {
		p.Add("store_ids", "门店员工至少要关联一个门店 (store staff need at least one store)")
	}
	return p.Err()
}

func checkPassword(password string) error {
	switch {
	case utf8.RuneCountInString(password) < MinPassword:
		return fault.Invalid("password", "密码至少 %d 个字符 (at least %d characters)", MinPassword, MinPassword)
	case len(password) > maxPassword:
		return fault.Invalid("password", "密码最多 %d 字节 (at most %d bytes)", maxPassword, maxPassword)
	}
	return nil
}

// ErrBadCredentials is a failed login: no such user, a wrong password or a
// disabled account look the same to the caller.
var ErrBadCredentials = fmt.Errorf("用户名或密码错误 (wrong username or password): %w", fault.ErrUnauthorized)

// ErrTooManyAttempts is a login refused by the rate limit.
var ErrTooManyAttempts = fmt.Errorf("登录失败次数过多,请稍后再试 (too many failed logins; try later): %w", fault.ErrRateLimited)
