package user

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage"
)

// Session lengths: a session lasts SessionTTL from its last renewal and is
// renewed when less than half of it is left, so an active user stays in.
const SessionTTL = 12 * time.Hour

// Login rate limits: failures per username and per client address within
// one window.
const (
	loginWindow        = 15 * time.Minute
	maxFailuresPerUser = 5
	maxFailuresPerAddr = 20
)

// Session is a signed-in user.
type Session struct {
	ID        int64
	User      User
	CSRF      string // the token every unsafe request of this session carries
	ExpiresAt time.Time
}

type sessionRow struct {
	ID        int64
	TokenHash string
	UserID    int64
	CSRFToken string `gorm:"column:csrf_token"`
	CreatedAt time.Time
	ExpiresAt time.Time
}

func (sessionRow) TableName() string { return "user_sessions" }

type failureRow struct {
	KeyName     string    `gorm:"primaryKey"`
	WindowStart time.Time `gorm:"primaryKey"`
	Failures    int
}

func (failureRow) TableName() string { return "login_failures" }

// Login checks username and password and opens a session, returning the
// cookie value (shown once; only its hash is stored). Failures count against
// the username and the client address; past the limit every attempt is
// refused with ErrTooManyAttempts until the window ends.
func (s *Store) Login(ctx context.Context, username, password, addr string) (string, Session, error) {
	keys := []string{truncateKey("user:" + username), truncateKey("addr:" + addr)}
	if err := s.checkLimit(ctx, keys); err != nil {
		return "", Session{}, err
	}
	var r row
	err := s.db.WithContext(ctx).Where("username = ?", username).Take(&r).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return "", Session{}, storage.Wrap("login", err)
	}
	if !passwordMatches(r.PasswordHash, password) || r.Disabled {
		if err := s.recordFailure(ctx, keys); err != nil {
			return "", Session{}, err
		}
		return "", Session{}, fmt.Errorf("login %q: %w", username, ErrBadCredentials)
	}
	now := s.clock.Now()
	if err := s.db.WithContext(ctx).Model(&row{}).Where("id = ?", r.ID).Update("last_login_at", now).Error; err != nil {
		return "", Session{}, storage.Wrap("login: record time", err)
	}
	r.LastLoginAt = &now
	return s.open(ctx, r.user())
}

// dummyHash is compared when the user does not exist, so that a wrong
// username takes as long as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("qunbot-no-such-user"), bcrypt.MinCost)

func passwordMatches(hash, password string) bool {
	if hash == "" {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

func (s *Store) open(ctx context.Context, u User) (string, Session, error) {
	token, csrf := randomToken(), randomToken()
	now := s.clock.Now()
	r := sessionRow{TokenHash: hashToken(token), UserID: u.ID, CSRFToken: csrf, CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return "", Session{}, storage.Wrap("open session", err)
	}
	return token, Session{ID: r.ID, User: u, CSRF: csrf, ExpiresAt: r.ExpiresAt}, nil
}

// Session returns the live session of a cookie value, renewing it when
// half of its time is gone. An unknown, expired or disabled user's session
// is fault.ErrUnauthorized.
func (s *Store) Session(ctx context.Context, token string) (Session, error) {
	var sr sessionRow
	err := s.db.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Take(&sr).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Session{}, fmt.Errorf("session: %w", fault.ErrUnauthorized)
	}
	if err != nil {
		return Session{}, storage.Wrap("session", err)
	}
	now := s.clock.Raw()
	if !now.Before(sr.ExpiresAt) {
		return Session{}, fmt.Errorf("session expired: %w", fault.ErrUnauthorized)
	}
	u, err := s.Get(ctx, sr.UserID)
	if errors.Is(err, fault.ErrNotFound) || (err == nil && u.Disabled) {
		return Session{}, fmt.Errorf("session of a removed or disabled user: %w", fault.ErrUnauthorized)
	}
	if err != nil {
		return Session{}, err
	}
	if sr.ExpiresAt.Sub(now) < SessionTTL/2 {
		sr.ExpiresAt = storage.Timestamp(now.Add(SessionTTL))
		if err := s.db.WithContext(ctx).Model(&sessionRow{}).Where("id = ?", sr.ID).Update("expires_at", sr.ExpiresAt).Error; err != nil {
			return Session{}, storage.Wrap("renew session", err)
		}
	}
	return Session{ID: sr.ID, User: u, CSRF: sr.CSRFToken, ExpiresAt: sr.ExpiresAt.UTC()}, nil
}

// Logout ends the session of a cookie value; an unknown one is no error.
func (s *Store) Logout(ctx context.Context, token string) error {
	if err := s.db.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Delete(&sessionRow{}).Error; err != nil {
		return storage.Wrap("logout", err)
	}
	return nil
}

// Prune deletes expired sessions and old failure counts.
func (s *Store) Prune(ctx context.Context) error {
	now := s.clock.Now()
	if err := s.db.WithContext(ctx).Where("expires_at <= ?", now).Delete(&sessionRow{}).Error; err != nil {
		return storage.Wrap("prune sessions", err)
	}
	if err := s.db.WithContext(ctx).Where("window_start < ?", now.Add(-loginWindow)).Delete(&failureRow{}).Error; err != nil {
		return storage.Wrap("prune login failures", err)
	}
	return nil
}

func (s *Store) window() time.Time {
	return s.clock.Now().Truncate(loginWindow)
}

func (s *Store) checkLimit(ctx context.Context, keys []string) error {
	var rows []failureRow
	if err := s.db.WithContext(ctx).Where("key_name IN ? AND window_start = ?", keys, s.window()).Find(&rows).Error; err != nil {
		return storage.Wrap("check login limit", err)
	}
	for _, r := range rows {
		limit := maxFailuresPerAddr
		if r.KeyName == keys[0] {
			limit = maxFailuresPerUser
		}
		if r.Failures >= limit {
			return fmt.Errorf("login: %w", ErrTooManyAttempts)
		}
	}
	return nil
}

func (s *Store) recordFailure(ctx context.Context, keys []string) error {
	w := s.window()
	for _, k := range keys {
		err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "key_name"}, {Name: "window_start"}},
			DoUpdates: clause.Assignments(map[string]any{"failures": gorm.Expr("failures + 1")}),
		}).Create(&failureRow{KeyName: k, WindowStart: w, Failures: 1}).Error
		if err != nil {
			return storage.Wrap("record login failure", err)
		}
	}
	return nil
}

func truncateKey(k string) string {
	if len(k) > 191 {
		return k[:191]
	}
	return k
}

// randomToken is 32 random bytes, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
