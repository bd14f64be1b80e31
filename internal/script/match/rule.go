package match

import (
	"fmt"
	"regexp"
	"slices"
)

// Mode says how a rule's keywords decide a match.
type Mode string

// The match modes.
const (
	// ModeExact matches when the whole normalised message equals a keyword.
	ModeExact Mode = "exact"
	// ModeContains matches when any keyword occurs in the message.
	ModeContains Mode = "contains"
	// ModeAll matches when every keyword of the rule occurs in the message.
	ModeAll Mode = "all"
	// ModeRegex matches when Pattern (Go RE2 syntax) matches the normalised
	// message.
	ModeRegex Mode = "regex"
)

// Rule is one script's matching condition. Keywords are used by the exact,
// contains and all modes, Pattern only by the regex mode.
type Rule struct {
	ID       int64
	Mode     Mode
	Keywords []string
	Pattern  string
	Priority int
}

// FieldError is a rule validation failure naming the field at fault
// ("mode", "keywords" or "pattern"); its message is Chinese first because
// operators read it.
type FieldError struct {
	Field   string
	Problem string
}

// Error returns "field: problem".
func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// ValidateRule checks one rule the way Compile does: a known mode, at least
// one keyword that survives normalisation, and for the regex mode a pattern
// that compiles, cannot match empty text and has no literal that
// normalisation removes.
func ValidateRule(r Rule) error {
	_, err := prepareRule(r)
	return err
}

// preparedRule is a rule with its keywords normalised, trimmed and
// deduplicated, or its pattern compiled.
type preparedRule struct {
	Rule
	keywords []string
	re       *regexp.Regexp
	groups   [][]string // every regex match has a literal of each group; nil if unknown
}

func prepareRule(r Rule) (preparedRule, error) {
	p := preparedRule{Rule: r}
	switch r.Mode {
	case ModeExact, ModeContains, ModeAll:
		p.keywords = normalizeKeywords(r.Keywords)
		if len(p.keywords) == 0 {
			return p, &FieldError{Field: "keywords", Problem: "至少需要一个有效关键词 (no keyword is left after normalisation)"}
		}
	case ModeRegex:
		re, lit, err := compilePattern(r.Pattern)
		if err != nil {
			return p, err
		}
		p.re, p.groups = re, lit
	default:
		return p, &FieldError{Field: "mode", Problem: fmt.Sprintf("未知的匹配方式 %q (unknown mode; use exact, contains, all or regex)", r.Mode)}
	}
	return p, nil
}

// normalizeKeywords normalises keywords and drops empties and duplicates,
// keeping first-seen order.
func normalizeKeywords(in []string) []string {
	out := make([]string, 0, len(in))
	var buf []byte
	for _, k := range in {
		buf = Normalize(buf[:0], k)
		if len(buf) > 0 && !slices.Contains(out, string(buf)) {
			out = append(out, string(buf))
		}
	}
	return out
}
