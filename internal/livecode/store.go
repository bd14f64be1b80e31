package livecode

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage"
)

// codeRow is a row of livecodes.
type codeRow struct {
	ID             int64
	Code           string
	Name           string
	State          string
	StoreID        int64
	Threshold      int
	AlertRemaining int
	FallbackText   string
	AutoCreate     bool
	RoomBaseName   string
	RoomBaseID     int
	Enabled        bool
	ConfigID       string
	QRCode         string `gorm:"column:qr_code"`
	QRCheckedAt    *time.Time
	PushedConfig   string
	CurrentChatID  string
	Status         string
	StatusDetail   string
	Rev            int64
	Version        int64
	CreatedBy      string
	UpdatedBy      string
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
}

func (codeRow) TableName() string { return "livecodes" }

func (r codeRow) code() Code {
	return Code{
		ID: r.ID, Code: r.Code, Name: r.Name, State: r.State, StoreID: r.StoreID, Threshold: r.Threshold,
		AlertRemaining: r.AlertRemaining, FallbackText: r.FallbackText, AutoCreate: r.AutoCreate,
		RoomBaseName: r.RoomBaseName, RoomBaseID: r.RoomBaseID, Enabled: r.Enabled, Pool: []PoolGroup{},
		ConfigID: r.ConfigID, QRCode: r.QRCode, QRCheckedAt: utc(r.QRCheckedAt), CurrentChatID: r.CurrentChatID,
		Status: r.Status, StatusDetail: r.StatusDetail, Version: r.Version, CreatedBy: r.CreatedBy,
		UpdatedBy: r.UpdatedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

// poolRow is a row of livecode_pool.
type poolRow struct {
	ID       int64
	CodeID   int64
	ChatID   string
	Position int
	Source   string
	AddedAt  time.Time
}

func (poolRow) TableName() string { return "livecode_pool" }

// switchRow is a row of livecode_switches.
type switchRow struct {
	ID         int64
	CodeID     int64
	FromChatID string
	ToChatID   string
	Reason     string
	At         time.Time
}

func (switchRow) TableName() string { return "livecode_switches" }

// statsRow is a row of livecode_stats.
type statsRow struct {
	Kind   string
	CodeID int64
	Day    string
	Views  int64
	Joins  int64
	Leaves int64
}

func (statsRow) TableName() string { return "livecode_stats" }

// alertRow is a row of livecode_alerts.
type alertRow struct {
	ID          int64
	CodeKind    string
	CodeID      int64
	Kind        string
	ChatID      string
	Message     string
	Occurrences int
	OpenKey     *string
	FirstAt     time.Time
	LastAt      time.Time
	AckedAt     *time.Time
	AckedBy     string
}

func (alertRow) TableName() string { return "livecode_alerts" }

func (r alertRow) alert() Alert {
	return Alert{ID: r.ID, CodeKind: r.CodeKind, CodeID: r.CodeID, Kind: r.Kind, ChatID: r.ChatID, Message: r.Message,
		Occurrences: r.Occurrences, FirstAt: r.FirstAt.UTC(), LastAt: r.LastAt.UTC(), AckedAt: utc(r.AckedAt), AckedBy: r.AckedBy}
}

// contactRow is a row of contact_codes.
type contactRow struct {
	ID         int64
	Name       string
	State      string
	Type       int
	UserIDs    string
	TagIDs     string
	SkipVerify bool
	Remark     string
	StoreID    int64
	ConfigID   string
	QRCode     string `gorm:"column:qr_code"`
	Version    int64
	CreatedBy  string
	UpdatedBy  string
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt  time.Time `gorm:"autoUpdateTime:false"`
}

func (contactRow) TableName() string { return "contact_codes" }

func (r contactRow) contact() ContactCode {
	c := ContactCode{ID: r.ID, Name: r.Name, State: r.State, Type: r.Type, SkipVerify: r.SkipVerify, Remark: r.Remark,
		StoreID: r.StoreID, ConfigID: r.ConfigID, QRCode: r.QRCode, Version: r.Version, CreatedBy: r.CreatedBy,
		UpdatedBy: r.UpdatedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	c.UserIDs = fromJSON(r.UserIDs)
	c.TagIDs = fromJSON(r.TagIDs)
	return c
}

// contactJoinRow is a row of contact_code_joins.
type contactJoinRow struct {
	ID             int64
	CodeID         int64
	UserID         string
	ExternalUserID string
	JoinedAt       time.Time
}

func (contactJoinRow) TableName() string { return "contact_code_joins" }

func toJSON(list []string) string {
	if list == nil {
		list = []string{}
	}
	b, _ := json.Marshal(list)
	return string(b)
}

func fromJSON(s string) []string {
	out := []string{}
	_ = json.Unmarshal([]byte(s), &out)
	return out
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// wrap adds op to err, keeping the fault vocabulary and marking an
// unreachable database.
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%s: %w", op, fault.ErrNotFound)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%s: %w: %v", op, fault.ErrConflict, err)
	case errors.Is(err, fault.ErrNotFound), errors.Is(err, fault.ErrInvalid), errors.Is(err, fault.ErrConflict),
		errors.Is(err, fault.ErrUnavailable):
		return fmt.Errorf("%s: %w", op, err)
	}
	return storage.Wrap(op, err)
}

// newSlug returns a random lower-case code for a landing page or a state.
func newSlug(n int) string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// loadCode reads a code row and its pool in position order.
func loadCode(ctx context.Context, db *gorm.DB, id int64) (codeRow, []poolRow, error) {
	var r codeRow
	if err := db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return r, nil, wrap(fmt.Sprintf("get live code %d", id), err)
	}
	var pool []poolRow
	if err := db.WithContext(ctx).Where("code_id = ?", id).Order("position, id").Find(&pool).Error; err != nil {
		return r, nil, wrap(fmt.Sprintf("get pool of live code %d", id), err)
	}
	return r, pool, nil
}

// codeOfChat returns the id of the code whose pool holds chatID, or 0.
func codeOfChat(ctx context.Context, db *gorm.DB, chatID string) (int64, error) {
	var rows []poolRow
	err := db.WithContext(ctx).Select("code_id").Where("chat_id = ?", chatID).Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return 0, wrap("find live code of group "+chatID, err)
	}
	return rows[0].CodeID, nil
}

// escapeLike escapes LIKE wildcards with '!'.
func escapeLike(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}
