package user

import (
	"context"
	"fmt"
)

// AdminUsername is the first user a fresh console creates.
const AdminUsername = "admin"

// EnsureAdmin creates the admin user when there are no users at all. It
// uses password when given (from the environment), else a generated
// one-time password that must be changed at first login; it returns the
// password to show once, or "" when users existed already.
func (s *Store) EnsureAdmin(ctx context.Context, password string) (string, error) {
	n, err := s.Count(ctx)
	if err != nil {
		return "", fmt.Errorf("ensure admin: %w", err)
	}
	if n > 0 {
		return "", nil
	}
	u := User{Username: AdminUsername, DisplayName: "管理员", Role: RoleAdmin, MustChangePassword: password == ""}
	if password == "" {
		password = randomToken()[:16]
	}
	if err := s.Create(ctx, &u, password); err != nil {
		// Another replica starting at the same moment made it first.
		if n, cerr := s.Count(ctx); cerr == nil && n > 0 {
			return "", nil
		}
		return "", fmt.Errorf("ensure admin: %w", err)
	}
	return password, nil
}
