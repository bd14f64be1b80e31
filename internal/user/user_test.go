package user_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/user"
)

func newStore(t *testing.T, db storagetest.DB) (*user.Store, *storagetest.Clock) {
	c := storagetest.NewClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
	return user.NewStore(db.DB, c.Now, bcrypt.MinCost), c
}

const pw = "correct horse battery"

func create(t *testing.T, s *user.Store, name string, role user.Role, stores ...int64) user.User {
	t.Helper()
	u := user.User{Username: name, Role: role, StoreIDs: stores}
	if err := s.Create(context.Background(), &u, pw); err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return u
}

func TestCreate_BadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		s, _ := newStore(t, db)
		create(t, s, "alice", user.RoleOperator)
		tests := []struct {
			name     string
			u        user.User
			password string
			field    string
		}{
			{"empty username", user.User{Role: user.RoleAdmin}, pw, "username"},
			{"taken username", user.User{Username: "alice", Role: user.RoleAdmin}, pw, "username"},
			{"unknown role", user.User{Username: "bob", Role: "root"}, pw, "role"},
			{"staff without stores", user.User{Username: "bob", Role: user.RoleStaff}, pw, "store_ids"},
			{"short password", user.User{Username: "bob", Role: user.RoleAdmin}, "short", "password"},
		}
		for _, tt := range tests {
			err := s.Create(context.Background(), &tt.u, tt.password)
			var fields fault.Fields
			if !errors.As(err, &fields) || fields[0].Field != tt.field {
				t.Errorf("%s: err = %v, want a problem with %s", tt.name, err, tt.field)
			}
		}
		if n, _ := s.Count(context.Background()); n != 1 {
			t.Fatalf("%d users saved, want 1", n)
		}
	})
}

func TestLogin_SessionLifecycle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		s, c := newStore(t, db)
		staff := create(t, s, "store1", user.RoleStaff, 7)
		if _, _, err := s.Login(ctx, "store1", "wrong password", "10.0.0.1"); !errors.Is(err, user.ErrBadCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
		if _, _, err := s.Login(ctx, "nobody", pw, "10.0.0.1"); !errors.Is(err, user.ErrBadCredentials) {
			t.Fatalf("unknown user: %v", err)
		}
		token, sess, err := s.Login(ctx, "store1", pw, "10.0.0.1")
		if err != nil || sess.User.ID != staff.ID || sess.CSRF == "" {
			t.Fatalf("login: %+v %v", sess, err)
		}
		got, err := s.Session(ctx, token)
		if err != nil || got.User.Username != "store1" || !got.User.CanSeeStore(7) || got.User.CanSeeStore(8) {
			t.Fatalf("session: %+v %v", got, err)
		}
		if _, err := s.Session(ctx, token+"x"); !errors.Is(err, fault.ErrUnauthorized) {
			t.Fatalf("tampered token: %v", err)
		}
		// Activity renews; idleness past the TTL ends it.
		c.Advance(user.SessionTTL * 3 / 4)
		if _, err := s.Session(ctx, token); err != nil {
			t.Fatalf("renewal: %v", err)
		}
		c.Advance(user.SessionTTL * 3 / 4)
		if _, err := s.Session(ctx, token); err != nil {
			t.Fatalf("renewed session ended early: %v", err)
		}
		c.Advance(user.SessionTTL + time.Second)
		if _, err := s.Session(ctx, token); !errors.Is(err, fault.ErrUnauthorized) {
			t.Fatalf("expired session: %v", err)
		}
		// Disabling a user ends their sessions; logout ends one.
		token, _, _ = s.Login(ctx, "store1", pw, "10.0.0.1")
		staff.Disabled = true
		if err := s.Update(ctx, &staff); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, token); !errors.Is(err, fault.ErrUnauthorized) {
			t.Fatalf("disabled user's session: %v", err)
		}
		if _, _, err := s.Login(ctx, "store1", pw, "10.0.0.1"); !errors.Is(err, user.ErrBadCredentials) {
			t.Fatalf("disabled login: %v", err)
		}
	})
}

func TestLogin_RateLimit(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		s, c := newStore(t, db)
		create(t, s, "alice", user.RoleAdmin)
		for range 5 {
			if _, _, err := s.Login(ctx, "alice", "guess guess guess", "10.0.0.2"); !errors.Is(err, user.ErrBadCredentials) {
				t.Fatal(err)
			}
		}
		// Even the right password is refused while the limit holds.
		if _, _, err := s.Login(ctx, "alice", pw, "10.0.0.3"); !errors.Is(err, user.ErrTooManyAttempts) || !errors.Is(err, fault.ErrRateLimited) {
			t.Fatalf("sixth attempt: %v", err)
		}
		c.Advance(16 * time.Minute)
		if _, _, err := s.Login(ctx, "alice", pw, "10.0.0.3"); err != nil {
			t.Fatalf("after the window: %v", err)
		}
		if err := s.Prune(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTokens(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		s, _ := newStore(t, db)
		op := create(t, s, "ops", user.RoleOperator)
		value, tok, err := s.CreateToken(ctx, op.ID, "CRM 同步")
		if err != nil || tok.Prefix != value[:10] {
			t.Fatalf("create token: %+v %v", tok, err)
		}
		if u, err := s.ByToken(ctx, value); err != nil || u.ID != op.ID {
			t.Fatalf("by token: %+v %v", u, err)
		}
		if err := s.RevokeToken(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ByToken(ctx, value); !errors.Is(err, fault.ErrUnauthorized) {
			t.Fatalf("revoked: %v", err)
		}
		if err := s.RevokeToken(ctx, 999); !errors.Is(err, fault.ErrNotFound) {
			t.Fatalf("revoke unknown: %v", err)
		}
		if _, _, err := s.CreateToken(ctx, 999, "x"); !errors.Is(err, fault.ErrNotFound) {
			t.Fatalf("token for unknown user: %v", err)
		}
	})
}

func TestEnsureAdmin(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		s, _ := newStore(t, db)
		once, err := s.EnsureAdmin(ctx, "")
		if err != nil || len(once) < 16 {
			t.Fatalf("first run: %q %v", once, err)
		}
		if again, err := s.EnsureAdmin(ctx, ""); err != nil || again != "" {
			t.Fatalf("second run: %q %v", again, err)
		}
		_, sess, err := s.Login(ctx, user.AdminUsername, once, "127.0.0.1")
		if err != nil || sess.User.Role != user.RoleAdmin || !sess.User.MustChangePassword {
			t.Fatalf("admin login: %+v %v", sess.User, err)
		}
		if err := s.SetPassword(ctx, sess.User.ID, "a new long password", false); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Login(ctx, user.AdminUsername, once, "127.0.0.1"); !errors.Is(err, user.ErrBadCredentials) {
			t.Fatalf("old password still works: %v", err)
		}
	})
}
