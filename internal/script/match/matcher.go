package match

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"unsafe"
)

// Hit is one rule that matched a message.
type Hit struct {
	RuleID   int64
	Priority int
	Mode     Mode
	// Keyword is what decided: the longest keyword found (leftmost on a
	// tie), the whole text for exact rules, the pattern for regex rules.
	Keyword string
	// Start and End are byte offsets of Keyword's first occurrence (or the
	// regex's leftmost match) in the normalised text.
	Start, End int
}

// Matcher finds the rules a normalised message matches. It is immutable
// and safe for concurrent use; build a new one with Compile when the
// library changes and swap it in (an atomic.Pointer keeps readers
// lock-free).
type Matcher struct {
	ac       *automaton
	patterns []string // pattern id → normalised keyword or regex literal
	entStart []int32  // rules using pattern p are entries[entStart[p]:entStart[p+1]]
	entries  []entry
	rules    []compiledRule
	exact    map[string]exactRules // whole text → exact-mode rules
	regexAll []int32               // regex rules without literal groups
	keywords int
	pool     sync.Pool // *scratch
}

// exactRules are the exact-mode rules with one keyword; key is that
// keyword, kept so a Hit can carry it without allocating.
type exactRules struct {
	key   string
	rules []int32
}

// entry links a pattern to a rule using it; mask is the set of literal
// groups of a regex rule that the pattern belongs to, 0 for keywords.
type entry struct {
	rule int32
	mask uint32
}

// compiledRule is a prepared rule; rules are stored in id order so that a
// rule's index is its rank in the tie-break.
type compiledRule struct {
	preparedRule
	need    int32  // keywords that must occur (all mode), or the full group mask (regex)
	priRank uint64 // 0 for the highest priority in the library
}

// Limits of the packed sort key (see sortKey).
const (
	idBits   = 20
	lenBits  = 24
	maxRules = 1 << idBits
	maxLen   = 1<<lenBits - 1
)

// Stats describes a compiled Matcher.
type Stats struct {
	Rules    int // rules compiled
	Keywords int // keywords after normalisation and per-rule deduplication
	Patterns int // distinct strings in the automaton
	States   int // automaton states
	Alphabet int // distinct runes in the automaton
	Bytes    int // approximate heap held by the Matcher
}

// Compile builds a Matcher from rules. Keywords are normalised, trimmed and
// deduplicated and empty ones dropped; a rule left without keywords, an
// invalid regular expression, an unknown mode or a repeated id is an error
// naming the rule id and the problem.
func Compile(rules []Rule) (*Matcher, error) {
	if len(rules) > maxRules {
		return nil, fmt.Errorf("compile: %d rules, over the limit of %d", len(rules), maxRules)
	}
	m := &Matcher{exact: make(map[string]exactRules)}
	ids := make(map[int64]bool, len(rules))
	for _, r := range rules {
		if ids[r.ID] {
			return nil, fmt.Errorf("compile rule %d: duplicate rule id", r.ID)
		}
		ids[r.ID] = true
		p, err := prepareRule(r)
		if err != nil {
			return nil, fmt.Errorf("compile rule %d: %w", r.ID, err)
		}
		m.rules = append(m.rules, compiledRule{preparedRule: p, need: int32(len(p.keywords))})
		m.keywords += len(p.keywords)
	}
	slices.SortFunc(m.rules, func(a, b compiledRule) int { return cmp.Compare(a.ID, b.ID) })
	rankPriorities(m.rules)
	m.index()
	ac, err := buildAutomaton(m.patterns)
	if err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	m.ac = ac
	m.pool.New = func() any { return m.newScratch() }
	return m, nil
}

// rankPriorities numbers the distinct priorities from the highest (0).
func rankPriorities(rules []compiledRule) {
	ps := make([]int, 0, len(rules))
	for _, r := range rules {
		ps = append(ps, r.Priority)
	}
	slices.Sort(ps)
	ps = slices.Compact(ps)
	for i := range rules {
		k, _ := slices.BinarySearch(ps, rules[i].Priority)
		rules[i].priRank = uint64(len(ps) - 1 - k)
	}
}

// index files every rule under its mode: exact keywords in a map, the
// strings the automaton must find (keywords, regex literals) as patterns
// with entries for the rules that use them.
func (m *Matcher) index() {
	ix := patternIndex{ids: make(map[string]int32)}
	for i := range m.rules {
		r := &m.rules[i]
		switch r.Mode {
		case ModeExact:
			for _, k := range r.keywords {
				e := m.exact[k]
				m.exact[k] = exactRules{key: k, rules: append(e.rules, int32(i))}
			}
		case ModeRegex:
			if r.groups == nil {
				m.regexAll = append(m.regexAll, int32(i))
			}
			r.need = int32(1)<<len(r.groups) - 1
			lits, masks := groupMasks(r.groups)
			for j, lit := range lits {
				ix.add(lit, entry{rule: int32(i), mask: masks[j]})
			}
		default:
			for _, k := range r.keywords {
				ix.add(k, entry{rule: int32(i)})
			}
		}
	}
	m.patterns = ix.patterns
	m.entStart = make([]int32, 1, len(ix.uses)+1)
	for _, u := range ix.uses {
		m.entries = append(m.entries, u...)
		m.entStart = append(m.entStart, int32(len(m.entries)))
	}
}

// groupMasks lists each literal once with the set of groups it belongs to.
func groupMasks(groups [][]string) (lits []string, masks []uint32) {
	for g, group := range groups {
		for _, lit := range group {
			j := slices.Index(lits, lit)
			if j < 0 {
				j = len(lits)
				lits, masks = append(lits, lit), append(masks, 0)
			}
			masks[j] |= 1 << g
		}
	}
	return lits, masks
}

// patternIndex numbers distinct patterns and collects their entries.
type patternIndex struct {
	ids      map[string]int32
	patterns []string
	uses     [][]entry
}

func (ix *patternIndex) add(p string, e entry) {
	id, ok := ix.ids[p]
	if !ok {
		id = int32(len(ix.patterns))
		ix.ids[p] = id
		ix.patterns = append(ix.patterns, p)
		ix.uses = append(ix.uses, nil)
	}
	ix.uses[id] = append(ix.uses[id], e)
}

// Match appends every rule that matches normalized to hits, one Hit per
// rule, sorted by Priority descending, then match length descending, then
// RuleID ascending. It does not allocate when hits has room, apart from
// one small slice per regex rule that matches.
func (m *Matcher) Match(normalized []byte, hits []Hit) []Hit {
	sc := m.pool.Get().(*scratch)
	m.collect(normalized, sc)
	sortKeys(sc.keys)
	for _, k := range sc.keys {
		hits = append(hits, m.hit(int32(k&(maxRules-1)), sc))
	}
	m.pool.Put(sc)
	return hits
}

// Best returns the winning rule for normalized, the first Hit Match would
// return, and false when no rule matches.
func (m *Matcher) Best(normalized []byte) (Hit, bool) {
	sc := m.pool.Get().(*scratch)
	defer m.pool.Put(sc)
	m.collect(normalized, sc)
	if len(sc.keys) == 0 {
		return Hit{}, false
	}
	return m.hit(int32(slices.Min(sc.keys)&(maxRules-1)), sc), true
}

// collect fills sc with every matching rule: its span in sc.state and its
// sort key in sc.keys.
func (m *Matcher) collect(normalized []byte, sc *scratch) {
	sc.reset()
	if e, ok := m.exact[string(normalized)]; ok {
		sc.exactKey = e.key
		for _, i := range e.rules {
			sc.state[i] = ruleState{start: 0, end: int32(len(normalized))}
			sc.keep(i, len(normalized))
		}
	}
	m.ac.scan(normalized, sc)
	for _, i := range sc.touched {
		st := &sc.state[i]
		switch r := &m.rules[i]; {
		case r.Mode == ModeRegex:
			if st.count == r.need {
				m.regex(i, normalized, sc)
			}
		case r.Mode == ModeContains || st.count == r.need:
			st.end = st.start + m.ac.lens[st.pat]
			sc.keep(i, int(st.end-st.start))
		}
	}
	for _, i := range m.regexAll {
		m.regex(i, normalized, sc)
	}
}

// regex runs regex rule i and keeps it when it matches.
func (m *Matcher) regex(i int32, normalized []byte, sc *scratch) {
	if loc := m.rules[i].re.FindIndex(normalized); loc != nil {
		sc.state[i] = ruleState{start: int32(loc[0]), end: int32(loc[1])}
		sc.keep(i, loc[1]-loc[0])
	}
}

// sortKeys sorts hit keys; they are usually few, where insertion sort
// beats the general sort.
func sortKeys(keys []uint64) {
	if len(keys) > 48 {
		slices.Sort(keys)
		return
	}
	for i := 1; i < len(keys); i++ {
		k, j := keys[i], i
		for ; j > 0 && keys[j-1] > k; j-- {
			keys[j] = keys[j-1]
		}
		keys[j] = k
	}
}

// hit builds the Hit of kept rule i.
func (m *Matcher) hit(i int32, sc *scratch) Hit {
	r, st := &m.rules[i], &sc.state[i]
	h := Hit{RuleID: r.ID, Priority: r.Priority, Mode: r.Mode, Start: int(st.start), End: int(st.end)}
	switch r.Mode {
	case ModeExact:
		h.Keyword = sc.exactKey
	case ModeRegex:
		h.Keyword = r.Pattern
	default:
		h.Keyword = m.patterns[st.pat]
	}
	return h
}

// scratch is the per-call working memory of Match, pooled so that Match
// does not allocate. Entries are valid only when their stamp equals epoch,
// so nothing needs clearing between calls.
type scratch struct {
	m        *Matcher
	epoch    uint32
	patSeen  []uint32 // per pattern
	ruleSeen []uint32 // per rule
	state    []ruleState
	touched  []int32  // rules the automaton reached in this call, in order
	keys     []uint64 // sort keys of the matching rules
	exactKey string
}

// ruleState is what one call found for one rule: how many of its patterns
// occurred, the best occurrence (longest, then leftmost) and its span.
type ruleState struct {
	count, pat, start, end int32
}

func (m *Matcher) newScratch() *scratch {
	return &scratch{
		m:        m,
		patSeen:  make([]uint32, len(m.patterns)),
		ruleSeen: make([]uint32, len(m.rules)),
		state:    make([]ruleState, len(m.rules)),
		touched:  make([]int32, 0, len(m.rules)),
		keys:     make([]uint64, 0, 64),
	}
}

func (sc *scratch) reset() {
	sc.touched = sc.touched[:0]
	sc.keys = sc.keys[:0]
	sc.exactKey = ""
	sc.epoch++
	if sc.epoch == 0 { // wrapped: old stamps could look current
		clear(sc.patSeen)
		clear(sc.ruleSeen)
		sc.epoch = 1
	}
}

// keep records that rule i matches with a match of n bytes. The sort key
// packs the tie-break so that a plain integer sort orders hits: priority
// rank, then length descending (lengths past maxLen tie), then rule index,
// which is id order.
func (sc *scratch) keep(i int32, n int) {
	n = min(n, maxLen)
	k := sc.m.rules[i].priRank<<(lenBits+idBits) | uint64(maxLen-n)<<idBits | uint64(i)
	sc.keys = append(sc.keys, k)
}

// found records the first occurrence of each pattern against its rules.
// Later occurrences of a pattern are never better: same length, further right.
func (sc *scratch) found(pat int32, end int) {
	if sc.patSeen[pat] == sc.epoch {
		return
	}
	sc.patSeen[pat] = sc.epoch
	m := sc.m
	n := m.ac.lens[pat]
	start := int32(end) - n
	for _, e := range m.entries[m.entStart[pat]:m.entStart[pat+1]] {
		i := e.rule
		st := &sc.state[i]
		if sc.ruleSeen[i] != sc.epoch {
			sc.ruleSeen[i] = sc.epoch
			*st = ruleState{pat: pat, start: start}
			sc.touched = append(sc.touched, i)
		} else if best := m.ac.lens[st.pat]; n > best || n == best && start < st.start {
			st.pat, st.start = pat, start
		}
		if e.mask == 0 {
			st.count++
		} else {
			st.count |= int32(e.mask)
		}
	}
}

// Stats reports the Matcher's size.
func (m *Matcher) Stats() Stats {
	a := m.ac
	b := len(a.slots)*int(unsafe.Sizeof(slot{})) + 4*(len(a.pat)+len(a.lens)+len(a.alpha.index)+len(a.alpha.codes))
	b += 4*(len(m.entStart)+2*len(m.entries)+len(m.regexAll)) + len(m.rules)*int(unsafe.Sizeof(compiledRule{}))
	for _, p := range m.patterns {
		b += 16 + len(p)
	}
	for _, r := range m.rules {
		for _, k := range r.keywords {
			b += 16 + len(k)
		}
	}
	for _, e := range m.exact {
		b += 64 + len(e.key) + 4*len(e.rules) // map entry, key and slice
	}
	return Stats{
		Rules: len(m.rules), Keywords: m.keywords, Patterns: len(m.patterns),
		States: a.states, Alphabet: int(a.alpha.size), Bytes: b,
	}
}

// String describes the matcher for logs.
func (s Stats) String() string {
	return fmt.Sprintf("rules=%d keywords=%d patterns=%d states=%d alphabet=%d bytes=%d",
		s.Rules, s.Keywords, s.Patterns, s.States, s.Alphabet, s.Bytes)
}
