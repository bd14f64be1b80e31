// Package complaint detects complaints in group messages and grades them
// into the tiers of the community-operations playbook (抱怨 light, 投诉
// medium, 重级投诉/舆情 serious), then watches how the group reacts: members
// who echo, defend or spread a complaint within minutes of it.
//
// A Classifier is compiled from operator-edited Rules (lexicon terms per
// tier, negation and question cues, intensity settings) and decides one text
// at a time without allocating; a Detector keeps the compiled classifier
// current (polling the rules version like the script engine), records each
// complaint once per message and tells subscribers (tickets) about new and
// raised complaints.
package complaint

import "fmt"

// Tier is how serious a complaint is.
type Tier string

// The tiers, from none to serious.
const (
	TierNone    Tier = "none"
	TierLight   Tier = "light"   // 抱怨: everyday gripes, handled directly
	TierMedium  Tier = "medium"  // 投诉: defects and service, handled while reporting up
	TierSerious Tier = "serious" // 重级投诉/舆情: rights, media, lawyers, safety, reported at once
)

// Tiers lists the complaint tiers from light to serious.
func Tiers() []Tier { return []Tier{TierLight, TierMedium, TierSerious} }

// Rank orders tiers: 0 for none up to 3 for serious, -1 for an unknown tier.
func (t Tier) Rank() int {
	switch t {
	case TierNone:
		return 0
	case TierLight:
		return 1
	case TierMedium:
		return 2
	case TierSerious:
		return 3
	}
	return -1
}

// Valid reports whether t is one of the four tiers.
func (t Tier) Valid() bool { return t.Rank() >= 0 }

// Up returns the next tier up; serious stays serious and none stays none.
func (t Tier) Up() Tier {
	switch t {
	case TierLight:
		return TierMedium
	case TierMedium, TierSerious:
		return TierSerious
	}
	return t
}

// Label is the tier's Chinese name for operators.
func (t Tier) Label() string {
	switch t {
	case TierNone:
		return "无"
	case TierLight:
		return "抱怨"
	case TierMedium:
		return "投诉"
	case TierSerious:
		return "重级投诉/舆情"
	}
	return fmt.Sprintf("未知级别 %q", string(t))
}

// weight is what one matched term of a tier adds to a decision's score.
func (t Tier) weight() int {
	switch t {
	case TierLight:
		return 1
	case TierMedium:
		return 3
	case TierSerious:
		return 10
	}
	return 0
}

// tierOfRank is the inverse of Rank for 0..3.
func tierOfRank(r int) Tier {
	switch {
	case r <= 0:
		return TierNone
	case r == 1:
		return TierLight
	case r == 2:
		return TierMedium
	}
	return TierSerious
}
