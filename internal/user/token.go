package user

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage"
)

// tokenPrefix starts every API token, so a leaked one is recognisable.
const tokenPrefix = "qb_"

// Token is an API token for an integration. It acts as the user who made
// it, with that user's role and stores.
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // the first characters, to tell tokens apart
	UserID     int64      `json:"user_id"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

type tokenRow struct {
	ID         int64
	Name       string
	TokenHash  string
	Prefix     string
	UserID     int64
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

func (tokenRow) TableName() string { return "api_tokens" }

func (r tokenRow) token() Token {
	return Token{ID: r.ID, Name: r.Name, Prefix: r.Prefix, UserID: r.UserID, CreatedAt: r.CreatedAt.UTC(),
		LastUsedAt: utc(r.LastUsedAt), RevokedAt: utc(r.RevokedAt)}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// CreateToken makes an API token named name acting as userID and returns
// its value, which is shown once and stored only as a hash.
func (s *Store) CreateToken(ctx context.Context, userID int64, name string) (string, Token, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 64 {
		return "", Token{}, fmt.Errorf("create token: %w", fault.Invalid("name", "令牌名称必填,最多 64 个字 (name required, at most 64 characters)"))
	}
	if _, err := s.Get(ctx, userID); err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	value := tokenPrefix + randomToken()
	r := tokenRow{Name: name, TokenHash: hashToken(value), Prefix: value[:10], UserID: userID, CreatedAt: s.clock.Now()}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return "", Token{}, storage.Wrap("create token", err)
	}
	return value, r.token(), nil
}

// Tokens lists the tokens of userID (0: everyone's), newest first.
func (s *Store) Tokens(ctx context.Context, userID int64) ([]Token, error) {
	q := s.db.WithContext(ctx).Order("id DESC")
	if userID != 0 {
		q = q.Where("user_id = ?", userID)
	}
	var rows []tokenRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, storage.Wrap("list tokens", err)
	}
	out := make([]Token, len(rows))
	for i, r := range rows {
		out[i] = r.token()
	}
	return out, nil
}

// RevokeToken ends token id; revoking twice is no error.
func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	res := s.db.WithContext(ctx).Model(&tokenRow{}).Where("id = ? AND revoked_at IS NULL", id).
		Update("revoked_at", s.clock.Now())
	if res.Error != nil {
		return storage.Wrap("revoke token", res.Error)
	}
	if res.RowsAffected == 0 {
		var n int64
		if err := s.db.WithContext(ctx).Model(&tokenRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
			return storage.Wrap("revoke token", err)
		}
		if n == 0 {
			return fmt.Errorf("revoke token %d: %w", id, fault.ErrNotFound)
		}
	}
	return nil
}

// ByToken returns the user an API token acts as. A token that is unknown,
// revoked, or whose user is disabled is fault.ErrUnauthorized.
func (s *Store) ByToken(ctx context.Context, value string) (User, error) {
	if !strings.HasPrefix(value, tokenPrefix) {
		return User{}, fmt.Errorf("api token: %w", fault.ErrUnauthorized)
	}
	var r tokenRow
	err := s.db.WithContext(ctx).Where("token_hash = ?", hashToken(value)).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && r.RevokedAt != nil) {
		return User{}, fmt.Errorf("api token unknown or revoked: %w", fault.ErrUnauthorized)
	}
	if err != nil {
		return User{}, storage.Wrap("api token", err)
	}
	u, err := s.Get(ctx, r.UserID)
	if errors.Is(err, fault.ErrNotFound) || (err == nil && u.Disabled) {
		return User{}, fmt.Errorf("api token of a removed or disabled user: %w", fault.ErrUnauthorized)
	}
	if err != nil {
		return User{}, err
	}
	now := s.clock.Now()
	// Last use is for operators' eyes; minute precision spares a write per call.
	if r.LastUsedAt == nil || now.Sub(*r.LastUsedAt) > time.Minute {
		if err := s.db.WithContext(ctx).Model(&tokenRow{}).Where("id = ?", r.ID).Update("last_used_at", now).Error; err != nil {
			return User{}, storage.Wrap("api token: record use", err)
		}
	}
	return u, nil
}
