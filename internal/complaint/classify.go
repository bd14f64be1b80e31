package complaint

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/qunbot/qunbot/internal/script/match"
)

// Decision is what the classifier decided about one text, with the evidence
// for each step so that operators can see why.
type Decision struct {
	Tier         Tier          `json:"tier"`      // after raises
	BaseTier     Tier          `json:"base_tier"` // from the terms alone
	Score        int           `json:"score"`
	Matches      []Match       `json:"matches"`
	Suppressed   []Suppression `json:"suppressed"`
	Raised       []Raise       `json:"raised"`
	Signals      []Signal      `json:"signals"` // echo, defend and spread cues, for reactions
	Explain      string        `json:"explain"`
	Normalized   string        `json:"normalized"`
	RulesVersion int64         `json:"rules_version"`

	buf  []byte      // normalised text, reused
	hits []match.Hit // matcher output, reused
}

// Match is one lexicon term that counted.
type Match struct {
	Term     string `json:"term"`
	Tier     Tier   `json:"tier"`
	Category string `json:"category"`
	Start    int    `json:"start"` // byte offsets in Normalized
	End      int    `json:"end"`
}

// The reasons a term did not count.
const (
	ReasonNegated  = "negated"
	ReasonQuestion = "question"
)

// Suppression is a term found but not counted, and why.
type Suppression struct {
	Term   string `json:"term"`
	Tier   Tier   `json:"tier"`
	Reason string `json:"reason"` // negated or question
	Cue    string `json:"cue"`    // the word (or "?") that decided
	Start  int    `json:"start"`
	End    int    `json:"end"`
}

// The reasons a complaint was raised a tier.
const (
	RaisePunctuation = "punctuation" // !!! or ???
	RaiseCaps        = "caps"        // shouting in capitals
	RaiseRepeated    = "repeated"    // the member complained repeatedly
	RaiseReaction    = "reaction"    // members echoed or spread it
)

// Raise is one reason the tier went up.
type Raise struct {
	Reason string `json:"reason"`
	Detail string `json:"detail"`
}

// The reaction kinds.
const (
	KindEcho   = "echo"
	KindDefend = "defend"
	KindSpread = "spread"
)

// Signal is a reaction cue found in the text.
type Signal struct {
	Kind  string `json:"kind"`
	Term  string `json:"term"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// Counted reports whether the decision found a complaint.
func (d *Decision) Counted() bool { return d.Tier != TierNone && d.Tier != "" }

// kind says what a lexicon entry of the matcher is.
type kind uint8

const (
	kindTerm kind = iota
	kindEcho
	kindDefend
	kindSpread
)

func (k kind) name() string {
	switch k {
	case kindEcho:
		return KindEcho
	case kindDefend:
		return KindDefend
	case kindSpread:
		return KindSpread
	}
	return "term"
}

// entry is one string the matcher looks for.
type entry struct {
	kind     kind
	tier     Tier
	term     string // as the operator wrote it
	norm     string // normalised, what occurs in the text
	normB    []byte // norm as bytes, for searching later occurrences
	category string
	alnumL   bool // starts with an ASCII letter or digit: must not continue a word
	alnumR   bool
}

// Classifier decides texts against one version of the rules. It is
// immutable and safe for concurrent use.
type Classifier struct {
	rules      Rules
	m          *match.Matcher
	entries    []entry
	negations  cueSet
	exceptions cueSet
	questions  cueSet
	rhetorical cueSet
}

// Compile validates rules and builds a Classifier from them. Terms of
// disabled tiers are left out.
func Compile(rules Rules) (*Classifier, error) {
	if err := rules.Validate(); err != nil {
		return nil, fmt.Errorf("compile complaint rules: %w", err)
	}
	c := &Classifier{
		rules:      rules,
		negations:  newCueSet(rules.Negations),
		exceptions: newCueSet(rules.NegationExceptions),
		questions:  newCueSet(rules.Questions),
		rhetorical: newCueSet(rules.Rhetorical),
	}
	for _, t := range rules.Tiers {
		if !t.Enabled {
			continue
		}
		for _, term := range t.Terms {
			c.add(entry{kind: kindTerm, tier: t.Tier, term: term.Term, category: term.Category})
		}
	}
	for k, cues := range map[kind][]string{kindEcho: rules.Echo, kindDefend: rules.Defend, kindSpread: rules.Spread} {
		for _, cue := range cues {
			c.add(entry{kind: k, term: cue})
		}
	}
	slices.SortStableFunc(c.entries, func(a, b entry) int { return cmp.Compare(a.kind, b.kind) })
	mrules := make([]match.Rule, len(c.entries))
	for i, e := range c.entries {
		mrules[i] = match.Rule{ID: int64(i), Mode: match.ModeContains, Keywords: []string{e.norm}}
	}
	m, err := match.Compile(mrules)
	if err != nil {
		return nil, fmt.Errorf("compile complaint rules: %w", err)
	}
	c.m = m
	return c, nil
}

func (c *Classifier) add(e entry) {
	e.norm = match.NormalizeString(e.term)
	if e.norm == "" {
		return
	}
	e.normB = []byte(e.norm)
	e.alnumL = isAlnum(e.norm[0])
	e.alnumR = isAlnum(e.norm[len(e.norm)-1])
	c.entries = append(c.entries, e)
}

// cueList normalises cues, drops empties and duplicates, longest first so
// that 不会 is found before 不.
func cueList(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if n := match.NormalizeString(s); n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.SortStableFunc(out, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	return out
}

// Rules returns the rules the classifier was compiled from.
func (c *Classifier) Rules() Rules { return c.rules }

// Classify decides text and explains the decision in Chinese. It
// allocates; hot paths use Evaluate.
func (c *Classifier) Classify(text string) Decision {
	var d Decision
	c.Evaluate(&d, text)
	d.Finish()
	return d
}

// Evaluate decides text into d, reusing d's slices: with a Decision reused
// across calls it does not allocate. It leaves Explain and Normalized empty
// (see Finish).
func (c *Classifier) Evaluate(d *Decision, text string) {
	d.reset(c.rules.Version)
	d.buf = match.Normalize(d.buf[:0], text)
	d.hits = c.m.Match(d.buf, d.hits[:0])
	for i := range d.hits {
		c.judge(d, &c.entries[d.hits[i].RuleID], d.hits[i].Start)
	}
	c.echoPlusOne(d, text)
	d.Matches = dropInside(d.Matches)
	d.Signals = dropInside(d.Signals)
	sortBySpan(d.Matches)
	sortBySpan(d.Signals)
	for _, m := range d.Matches {
		d.Score += m.Tier.weight()
		if m.Tier.Rank() > d.BaseTier.Rank() {
			d.BaseTier = m.Tier
		}
	}
	d.Tier = d.BaseTier
	if d.BaseTier != TierNone {
		c.intensity(d, text)
	}
}

func (d *Decision) reset(version int64) {
	d.Tier, d.BaseTier, d.Score = TierNone, TierNone, 0
	d.Matches, d.Suppressed = d.Matches[:0], d.Suppressed[:0]
	d.Raised, d.Signals = d.Raised[:0], d.Signals[:0]
	d.Explain, d.Normalized = "", ""
	d.RulesVersion = version
}

// judge looks at every occurrence of e from start on and records the first
// that counts, or the first suppression when none does.
func (c *Classifier) judge(d *Decision, e *entry, start int) {
	text := d.buf
	var sup Suppression
	for start >= 0 {
		end := start + len(e.norm)
		if c.wordEdge(text, e, start, end) {
			reason, cue := c.suppressed(text, e, start, end)
			if reason == "" {
				d.record(e, start, end)
				return
			}
			if sup.Reason == "" {
				sup = Suppression{Term: e.term, Tier: e.tier, Reason: reason, Cue: cue, Start: start, End: end}
			}
		}
		next := bytes.Index(text[end:], e.normB)
		if next < 0 {
			break
		}
		start = end + next
	}
	if sup.Reason != "" && e.kind == kindTerm {
		d.Suppressed = append(d.Suppressed, sup)
	}
}

// wordEdge reports whether an occurrence is not part of a longer Latin word
// or number (315 inside a phone number does not count).
func (c *Classifier) wordEdge(text []byte, e *entry, start, end int) bool {
	if e.alnumL && start > 0 && isAlnum(text[start-1]) {
		return false
	}
	return !e.alnumR || end == len(text) || !isAlnum(text[end])
}

// suppressed says why an occurrence does not count: a question (terms
// only) or a negation (terms, echo and spread cues).
func (c *Classifier) suppressed(text []byte, e *entry, start, end int) (reason, cue string) {
	if e.kind == kindDefend {
		return "", ""
	}
	if e.kind == kindTerm {
		if q := c.question(text, start, end); q != "" {
			return ReasonQuestion, q
		}
	}
	if n := c.negated(text, start); n != "" {
		return ReasonNegated, n
	}
	return "", ""
}

func (d *Decision) record(e *entry, start, end int) {
	if e.kind == kindTerm {
		d.Matches = append(d.Matches, Match{Term: e.term, Tier: e.tier, Category: e.category, Start: start, End: end})
		return
	}
	d.Signals = append(d.Signals, Signal{Kind: e.kind.name(), Term: e.term, Start: start, End: end})
}

// echoPlusOne finds "+1", which normalisation reduces to "1", in the raw
// text: a message that starts with +1 agrees.
func (c *Classifier) echoPlusOne(d *Decision, text string) {
	t := trimLeftSpace(text)
	for _, p := range plusOnes {
		if strings.HasPrefix(t, p) {
			d.Signals = append(d.Signals, Signal{Kind: KindEcho, Term: "+1"})
			return
		}
	}
}

// plusOnes are the spellings of +1, half- and full-width.
var plusOnes = [...]string{"+1", "\uff0b1", "+\uff11", "\uff0b\uff11"}

func trimLeftSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r') {
		s = s[1:]
	}
	return s
}

func (m Match) span() (int, int)  { return m.Start, m.End }
func (s Signal) span() (int, int) { return s.Start, s.End }

// dropInside removes, in place, items whose span lies inside a longer
// item's span (味道 inside 味道大, 微博 inside 发微博).
func dropInside[T interface{ span() (int, int) }](xs []T) []T {
	out := xs[:0]
	for i, x := range xs {
		s, e := x.span()
		inside := false
		for j, o := range xs {
			os, oe := o.span()
			if i != j && os <= s && e <= oe && oe-os > e-s {
				inside = true
				break
			}
		}
		if !inside {
			out = append(out, x)
		}
	}
	return out
}

// sortBySpan orders items by position; there are few, so insertion sort.
func sortBySpan[T interface{ span() (int, int) }](xs []T) {
	for i := 1; i < len(xs); i++ {
		x, j := xs[i], i
		xs0, _ := x.span()
		for ; j > 0; j-- {
			if s, _ := xs[j-1].span(); s <= xs0 {
				break
			}
			xs[j] = xs[j-1]
		}
		xs[j] = x
	}
}

// intensity raises a complaint one tier for repeated !/? or capitals.
func (c *Classifier) intensity(d *Decision, text string) {
	in := c.rules.Intensity
	if in.PunctRun > 0 {
		if run := punctRun(d.buf); run >= in.PunctRun {
			d.Raised = append(d.Raised, Raise{Reason: RaisePunctuation, Detail: "连续标点(!!!/???)"})
		}
	}
	if in.CapsLetters > 0 && shouting(text, in.CapsLetters) {
		d.Raised = append(d.Raised, Raise{Reason: RaiseCaps, Detail: "全大写字母"})
	}
	if len(d.Raised) > 0 {
		d.Tier = d.BaseTier.Up()
		d.Score += len(d.Raised)
	}
}

// RaiseBy records that the tier went up one step for reason, as the
// detector does for repeated complaints and the group's reaction. A
// decision raised by intensity already is not raised again for intensity.
func (d *Decision) RaiseBy(reason, detail string) {
	d.Raised = append(d.Raised, Raise{Reason: reason, Detail: detail})
	d.Score++
	d.Tier = d.Tier.Up()
}

// Finish fills Normalized and Explain; Classify calls it.
func (d *Decision) Finish() {
	d.Normalized = string(d.buf)
	d.Explain = d.explain()
	// Empty lists read [] rather than null in JSON.
	d.Matches = orEmpty(d.Matches)
	d.Suppressed = orEmpty(d.Suppressed)
	d.Raised = orEmpty(d.Raised)
	d.Signals = orEmpty(d.Signals)
}

func orEmpty[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
