package script

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/qunbot/qunbot/internal/script/match"
)

// scriptRow is a row of scripts: Script with its lists as JSON text.
type scriptRow struct {
	ID              int64
	CategoryID      int64
	Title           string
	Keywords        string
	MatchMode       string
	Pattern         string
	Replies         string
	ReplyOrder      string
	Scope           string
	Priority        int
	ActiveHours     string
	TimeZone        string
	CooldownMinutes int
	MemberLimit     int
	Enabled         bool
	Version         int64
	HitCount        int64
	CreatedBy       string
	UpdatedBy       string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	DeletedAt       *time.Time
}

func (scriptRow) TableName() string { return "scripts" }

// toRow encodes s for storage.
func toRow(s *Script) (scriptRow, error) {
	r := scriptRow{
		ID: s.ID, CategoryID: s.CategoryID, Title: s.Title, MatchMode: string(s.MatchMode), Pattern: s.Pattern,
		ReplyOrder: string(s.ReplyOrder), Priority: s.Priority, ActiveHours: s.ActiveHours, TimeZone: s.TimeZone,
		CooldownMinutes: s.CooldownMinutes, MemberLimit: s.MemberLimit, Enabled: s.Enabled, Version: s.Version,
		CreatedBy: s.CreatedBy, UpdatedBy: s.UpdatedBy, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
	}
	var err error
	if r.Keywords, err = jsonText(s.Keywords); err != nil {
		return r, err
	}
	if r.Replies, err = jsonText(s.Replies); err != nil {
		return r, err
	}
	r.Scope, err = jsonText(s.Scope)
	return r, err
}

// script decodes r.
func (r scriptRow) script() (Script, error) {
	s := Script{
		ID: r.ID, CategoryID: r.CategoryID, Title: r.Title, MatchMode: match.Mode(r.MatchMode), Pattern: r.Pattern,
		ReplyOrder: ReplyOrder(r.ReplyOrder), Priority: r.Priority, ActiveHours: r.ActiveHours, TimeZone: r.TimeZone,
		CooldownMinutes: r.CooldownMinutes, MemberLimit: r.MemberLimit, Enabled: r.Enabled, Version: r.Version,
		CreatedBy: r.CreatedBy, UpdatedBy: r.UpdatedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	for _, f := range []struct {
		text string
		into any
	}{{r.Keywords, &s.Keywords}, {r.Replies, &s.Replies}, {r.Scope, &s.Scope}} {
		if err := json.Unmarshal([]byte(f.text), f.into); err != nil {
			return Script{}, fmt.Errorf("decode script %d: %w", r.ID, err)
		}
	}
	return s, nil
}

// jsonText encodes v without HTML escaping, so that keywords read as typed
// in the column and a LIKE search finds them.
func jsonText(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("encode %T: %w", v, err)
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n"))), nil
}

// Action is what a change did to a script.
type Action string

// The actions recorded in a script's history.
const (
	ActionCreate Action = "create"
	ActionUpdate Action = "update"
	ActionDelete Action = "delete"
)

// Change is one entry of a script's history. Before is empty for a create,
// After for a delete; both are the script as JSON.
type Change struct {
	ID       int64     `json:"id"`
	ScriptID int64     `json:"script_id"`
	Version  int64     `json:"version"` // the script's version after the change
	Action   Action    `json:"action"`
	Actor    string    `json:"actor"`
	At       time.Time `json:"at"`
	Before   string    `json:"before" gorm:"column:before_json"`
	After    string    `json:"after" gorm:"column:after_json"`
}

// TableName tells gorm the table of Change.
func (Change) TableName() string { return "script_history" }

type libraryRow struct {
	ID      int64
	Version int64
}

func (libraryRow) TableName() string { return "script_library" }
