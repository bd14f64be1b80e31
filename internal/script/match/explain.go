package match

import (
	"fmt"
	"slices"
	"unicode/utf8"
)

// Decision names how Explain's winner was chosen.
type Decision string

// The decisions, in the order ties are broken.
const (
	DecisionNone     Decision = "none"     // no rule matched
	DecisionOnly     Decision = "only"     // exactly one rule matched
	DecisionPriority Decision = "priority" // the winner has the highest priority
	DecisionLength   Decision = "length"   // equal priority, the winner's match is longest
	DecisionID       Decision = "id"       // equal priority and length, the winner has the lowest id
)

// Explanation says, for the "try it" box, what a message matches and why.
type Explanation struct {
	Text    string      // the normalised text the rules ran on
	Matched []RuleMatch // every rule that matched, best first (Match's order)
	Partial []RuleMatch // all-of rules that found some but not all keywords
	Winner  *Hit        // Matched[0].Hit, nil when nothing matched
	// Decision and Reason say why the winner beat the runner-up; Reason is
	// for operators (Chinese).
	Decision Decision
	Reason   string
}

// RuleMatch explains one rule's result.
type RuleMatch struct {
	Hit     Hit          // what Match reports (RuleID, Priority and Mode only for a partial match)
	Found   []KeywordHit // every occurrence of the rule's keywords, or its regex match
	Missing []string     // all-of keywords that do not occur
}

// KeywordHit is one occurrence of a keyword (or regex match) in the
// normalised text, as byte offsets.
type KeywordHit struct {
	Keyword    string
	Start, End int
}

// Explain reports every matching rule with the keywords that hit and
// where, the all-of rules that matched only partly, and the winner with
// the reason it won.
func (m *Matcher) Explain(normalized []byte) Explanation {
	e := Explanation{Text: string(normalized)}
	found := m.occurrences(normalized)
	matched := map[int64]bool{}
	for _, h := range m.Match(normalized, nil) {
		matched[h.RuleID] = true
		e.Matched = append(e.Matched, RuleMatch{Hit: h, Found: hitFound(h, found[h.RuleID])})
	}
	for i := range m.rules {
		r := &m.rules[i]
		if r.Mode == ModeAll && !matched[r.ID] && len(found[r.ID]) > 0 {
			e.Partial = append(e.Partial, RuleMatch{
				Hit:     Hit{RuleID: r.ID, Priority: r.Priority, Mode: r.Mode},
				Found:   found[r.ID],
				Missing: missing(r.keywords, found[r.ID]),
			})
		}
	}
	e.decide(normalized)
	return e
}

// hitFound is the evidence for a hit: keyword occurrences, or the matched
// span for exact and regex rules.
func hitFound(h Hit, occ []KeywordHit) []KeywordHit {
	if h.Mode == ModeExact || h.Mode == ModeRegex {
		return []KeywordHit{{Keyword: h.Keyword, Start: h.Start, End: h.End}}
	}
	return occ
}

// recorder is a sink keeping every occurrence.
type recorder struct {
	m   *Matcher
	occ map[int64][]KeywordHit // rule id → keyword occurrences
}

func (r *recorder) found(pat int32, end int) {
	k := r.m.patterns[pat]
	for _, e := range r.m.entries[r.m.entStart[pat]:r.m.entStart[pat+1]] {
		if rule := &r.m.rules[e.rule]; rule.Mode != ModeRegex {
			r.occ[rule.ID] = append(r.occ[rule.ID], KeywordHit{Keyword: k, Start: end - len(k), End: end})
		}
	}
}

// occurrences returns every keyword occurrence per rule id.
func (m *Matcher) occurrences(normalized []byte) map[int64][]KeywordHit {
	r := &recorder{m: m, occ: map[int64][]KeywordHit{}}
	m.ac.scan(normalized, r)
	return r.occ
}

func missing(keywords []string, found []KeywordHit) []string {
	var out []string
	for _, k := range keywords {
		if !slices.ContainsFunc(found, func(f KeywordHit) bool { return f.Keyword == k }) {
			out = append(out, k)
		}
	}
	return out
}

// decide fills Winner, Decision and Reason from the sorted Matched list.
func (e *Explanation) decide(text []byte) {
	chars := func(h Hit) int { return utf8.RuneCount(text[h.Start:h.End]) }
	switch {
	case len(e.Matched) == 0:
		e.Decision, e.Reason = DecisionNone, "没有规则命中"
		if len(e.Partial) > 0 {
			e.Reason += fmt.Sprintf(";%d 条「全部包含」规则只找到部分关键词", len(e.Partial))
		}
		return
	case len(e.Matched) == 1:
		w := e.Matched[0].Hit
		e.Decision, e.Reason = DecisionOnly, fmt.Sprintf("只有规则 #%d 命中(%s「%s」)", w.RuleID, modeName(w.Mode), w.Keyword)
	default:
		w, r := e.Matched[0].Hit, e.Matched[1].Hit
		switch {
		case w.Priority != r.Priority:
			e.Decision = DecisionPriority
			e.Reason = fmt.Sprintf("规则 #%d 优先级最高(%d,其次规则 #%d 为 %d)", w.RuleID, w.Priority, r.RuleID, r.Priority)
		case w.End-w.Start != r.End-r.Start:
			e.Decision = DecisionLength
			e.Reason = fmt.Sprintf("优先级相同(%d),规则 #%d 匹配最长(「%s」%d 字,其次规则 #%d 为 %d 字)",
				w.Priority, w.RuleID, text[w.Start:w.End], chars(w), r.RuleID, chars(r))
		default:
			e.Decision = DecisionID
			e.Reason = fmt.Sprintf("优先级(%d)和匹配长度(%d 字)相同,取编号最小的规则 #%d", w.Priority, chars(w), w.RuleID)
		}
	}
	w := e.Matched[0].Hit
	e.Winner = &w
}

func modeName(m Mode) string {
	switch m {
	case ModeExact:
		return "完全匹配"
	case ModeContains:
		return "包含"
	case ModeAll:
		return "全部包含"
	case ModeRegex:
		return "正则"
	}
	return string(m)
}
