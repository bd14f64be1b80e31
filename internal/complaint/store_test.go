package complaint

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

var t0 = time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC)

func TestStore_Rules(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		s := NewStore(db.DB, func() time.Time { return t0 })
		if v, err := s.Version(ctx); err != nil || v != 0 {
			t.Fatalf("Version before any rules = %d, %v; want 0", v, err)
		}
		r, err := s.Rules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r.Version != 1 || len(r.Tiers) != 3 {
			t.Fatalf("seeded rules: version %d, %d tiers; want version 1, 3 tiers", r.Version, len(r.Tiers))
		}
		again, err := s.Rules(ctx)
		if err != nil || again.Version != 1 {
			t.Fatalf("second read: version %d, %v", again.Version, err)
		}

		r.Tiers[0].Terms = append(r.Tiers[0].Terms, Term{Term: "座椅窄", Category: "空间"})
		saved, err := s.SaveRules(ctx, r, "ops")
		if err != nil || saved.Version != 2 {
			t.Fatalf("SaveRules = version %d, %v; want 2", saved.Version, err)
		}
		if _, err := s.SaveRules(ctx, r, "ops"); !errors.Is(err, fault.ErrConflict) {
			t.Errorf("saving over a stale version: %v, want ErrConflict", err)
		}
		bad := saved
		bad.Tiers[1].SLAMinutes = -1
		var fields fault.Fields
		if _, err := s.SaveRules(ctx, bad, "ops"); !errors.As(err, &fields) || fields[0].Field != "tiers[1].sla_minutes" {
			t.Errorf("invalid rules: %v, want a field error on tiers[1].sla_minutes", err)
		}
		current, err := s.Rules(ctx)
		if err != nil || current.Version != 2 || !containsTerm(current.Tiers[0].Terms, "座椅窄") {
			t.Errorf("current rules: version %d, %v", current.Version, err)
		}
		old, err := s.RulesVersion(ctx, 1)
		if err != nil || containsTerm(old.Tiers[0].Terms, "座椅窄") {
			t.Errorf("version 1 changed: %v", err)
		}
		if _, err := s.RulesVersion(ctx, 9); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("missing version: %v", err)
		}
		hist, err := s.RulesHistory(ctx, 0)
		if err != nil || len(hist) != 2 || hist[0].Version != 2 || hist[0].Actor != "ops" {
			t.Errorf("history = %+v, %v", hist, err)
		}
	})
}

func containsTerm(ts []Term, w string) bool {
	for _, t := range ts {
		if t.Term == w {
			return true
		}
	}
	return false
}

func TestRules_Validate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(r *Rules)
		field string
	}{
		{"missing tier", func(r *Rules) { r.Tiers = r.Tiers[:2] }, "tiers"},
		{"unknown tier", func(r *Rules) { r.Tiers[0].Tier = "huge" }, "tiers[0].tier"},
		{"empty term", func(r *Rules) { r.Tiers[0].Terms[0].Term = "😡 " }, "tiers[0].terms[0].term"},
		{"term in two tiers", func(r *Rules) { r.Tiers[2].Terms[0].Term = "漏油" }, "tiers[2].terms[0].term"},
		{"folded duplicate", func(r *Rules) { r.Tiers[0].Terms[1].Term = "異味" }, "tiers[0].terms[1].term"},
		{"no name", func(r *Rules) { r.Tiers[1].Name = "" }, "tiers[1].name"},
		{"bad cue", func(r *Rules) { r.Negations = append(r.Negations, " ") }, "negations[13]"},
		{"window", func(r *Rules) { r.Reaction.WindowMinutes = 0 }, "reaction.window_minutes"},
		{"repeat of one", func(r *Rules) { r.Intensity.RepeatCount = 1 }, "intensity.repeat_count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := DefaultRules()
			tt.edit(&r)
			var fields fault.Fields
			if err := r.Validate(); !errors.As(err, &fields) || fields[0].Field != tt.field {
				t.Errorf("Validate = %v, want a problem with %s", err, tt.field)
			}
		})
	}
	r := DefaultRules()
	if err := r.Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
}
