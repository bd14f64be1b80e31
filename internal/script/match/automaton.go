package match

import (
	"cmp"
	"errors"
	"slices"
	"unicode/utf8"
)

// alphaShift sets the block size of the alphabet's two-level table.
const alphaShift = 7

// alphabet maps each rune that occurs in a pattern to a small code (1..n);
// every other rune has code 0 and sends the automaton back to its root.
// Blocks of runes without any pattern rune share block 0 of codes.
type alphabet struct {
	index []int32 // per block of runes below foldLimit: offset of its block in codes
	codes []int32
	size  int32
}

func newAlphabet(patterns []string) alphabet {
	a := alphabet{index: make([]int32, foldLimit>>alphaShift), codes: make([]int32, 1<<alphaShift)}
	for _, p := range patterns {
		for _, r := range p {
			if uint32(r) >= foldLimit || a.code(r) != 0 {
				continue
			}
			blk := r >> alphaShift
			if a.index[blk] == 0 {
				a.index[blk] = int32(len(a.codes))
				a.codes = append(a.codes, make([]int32, 1<<alphaShift)...)
			}
			a.size++
			a.codes[a.index[blk]+r&(1<<alphaShift-1)] = a.size
		}
	}
	return a
}

// code returns r's code, 0 when no pattern contains r.
func (a *alphabet) code(r rune) int32 {
	if uint32(r) >= foldLimit {
		return 0
	}
	return a.codes[a.index[r>>alphaShift]+r&(1<<alphaShift-1)]
}

// slot is one cell of the double-array trie. The state in slot s moves on
// code c to slot t = base+c when slots[t].check == s; otherwise it follows
// fail. out is the nearest slot on s's failure chain (s included) where a
// pattern ends, -1 if none; the next one is slots[slots[out].fail].out, so
// output lists are shared through links rather than copied.
type slot struct {
	base, check, fail, out int32
}

// automaton is an Aho-Corasick automaton over rune codes laid out as a
// double-array trie.
type automaton struct {
	alpha  alphabet
	slots  []slot
	pat    []int32 // per slot: the pattern ending there, -1 if none
	lens   []int32 // per pattern: length in bytes
	states int
}

// sink receives every pattern occurrence, in order of its end offset.
type sink interface {
	found(pat int32, end int)
}

// scan runs text through the automaton, reporting every occurrence,
// overlapping ones included.
func (a *automaton) scan(text []byte, k sink) {
	slots := a.slots
	s := int32(0)
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = decodeRune(text, i)
		}
		i += size
		c := a.alpha.code(r)
		if c == 0 {
			s = 0
			continue
		}
		s = a.next(s, c)
		for o := slots[s].out; o >= 0; o = slots[slots[o].fail].out {
			k.found(a.pat[o], i)
		}
	}
}

// trie is the pointer-free trie built before the double-array layout.
type trie struct {
	next  map[uint64]int32 // parent<<32 | code → child
	pat   []int32          // per node
	edges []edge
}

type edge struct {
	parent, code, child int32
}

var errTooLarge = errors.New("build automaton: over 2^30 states")

func buildAutomaton(patterns []string) (*automaton, error) {
	a := &automaton{alpha: newAlphabet(patterns), lens: make([]int32, len(patterns))}
	t := trie{next: make(map[uint64]int32), pat: []int32{-1}}
	for id, p := range patterns {
		a.lens[id] = int32(len(p))
		t.insert(&a.alpha, p, int32(id))
	}
	if len(t.pat) >= 1<<30 {
		return nil, errTooLarge
	}
	a.states = len(t.pat)
	a.layout(&t)
	return a, nil
}

func (t *trie) insert(alpha *alphabet, p string, id int32) {
	n := int32(0)
	for _, r := range p {
		c := alpha.code(r)
		key := uint64(n)<<32 | uint64(c)
		child, ok := t.next[key]
		if !ok {
			child = int32(len(t.pat))
			t.next[key] = child
			t.pat = append(t.pat, -1)
			t.edges = append(t.edges, edge{n, c, child})
		}
		n = child
	}
	t.pat[n] = id
}

// layout places the trie into the double array breadth first, then sets
// failure and output links.
func (a *automaton) layout(t *trie) {
	slices.SortFunc(t.edges, func(x, y edge) int {
		return cmp.Or(cmp.Compare(x.parent, y.parent), cmp.Compare(x.code, y.code))
	})
	first := make([]int32, len(t.pat)+1) // CSR: edges of node n are edges[first[n]:first[n+1]]
	for _, e := range t.edges {
		first[e.parent+1]++
	}
	for n := 1; n < len(first); n++ {
		first[n] += first[n-1]
	}
	slotOf, order := a.place(t, first)
	a.link(t, first, slotOf, order)
}

// placer finds free slots for a node's children. skip links each used
// slot towards the next free one, compressed as it is followed, so that
// searches jump over the dense, already filled start of the array.
type placer struct {
	used []bool
	skip []int32
}

func (p *placer) fits(base int32, children []edge) bool {
	for _, e := range children {
		if t := base + e.code; int(t) < len(p.used) && p.used[t] {
			return false
		}
	}
	return true
}

// free returns the first free slot at or after i.
func (p *placer) free(i int32) int32 {
	root := i
	for int(root) < len(p.used) && p.used[root] {
		root = p.skip[root]
	}
	for int(i) < len(p.used) && p.used[i] && i != root {
		next := p.skip[i]
		p.skip[i] = root
		i = next
	}
	return root
}

// findBase returns the smallest base, trying each free slot for the first
// child, at which every child lands on a free slot (and base >= 1).
func (p *placer) findBase(children []edge) int32 {
	c0 := children[0].code
	for pos := p.free(c0 + 1); ; pos = p.free(pos + 1) {
		if base := pos - c0; p.fits(base, children) {
			return base
		}
	}
}

func (p *placer) take(t int32) {
	for int(t) >= len(p.used) {
		p.used = append(p.used, false)
		p.skip = append(p.skip, int32(len(p.skip)))
	}
	p.used[t] = true
	p.skip[t] = t + 1
}

// place assigns slots breadth first; it returns each node's slot and the
// nodes in breadth-first order.
func (a *automaton) place(t *trie, first []int32) (slotOf, order []int32) {
	slotOf = make([]int32, len(t.pat))
	p := placer{used: make([]bool, 0, len(t.pat)*2), skip: make([]int32, 0, len(t.pat)*2)}
	p.take(0)
	bases := make([]int32, len(t.pat))
	order = make([]int32, 1, len(t.pat))
	for i := 0; i < len(order); i++ {
		n := order[i]
		children := t.edges[first[n]:first[n+1]]
		if len(children) == 0 {
			continue
		}
		base := p.findBase(children)
		bases[n] = base
		for _, e := range children {
			p.take(base + e.code)
			slotOf[e.child] = base + e.code
			order = append(order, e.child)
		}
	}
	// Room past the last used slot so that base+code never needs a bounds
	// check failure to be correct, only to be fast.
	size := len(p.used) + int(a.alpha.size) + 1
	a.slots = make([]slot, size)
	a.pat = make([]int32, size)
	for i := range a.slots {
		a.slots[i] = slot{check: -1, out: -1}
		a.pat[i] = -1
	}
	for _, n := range order {
		s := slotOf[n]
		a.slots[s].base = bases[n]
		a.pat[s] = t.pat[n]
		for _, e := range t.edges[first[n]:first[n+1]] {
			a.slots[slotOf[e.child]].check = s
		}
	}
	return slotOf, order
}

// link sets failure and output links breadth first, so that a child's
// failure target, being shallower, is already linked.
func (a *automaton) link(t *trie, first, slotOf, order []int32) {
	for _, n := range order {
		s := slotOf[n]
		for _, e := range t.edges[first[n]:first[n+1]] {
			child := slotOf[e.child]
			f := int32(0)
			if s != 0 {
				f = a.next(a.slots[s].fail, e.code)
			}
			a.slots[child].fail = f
			a.slots[child].out = a.slots[f].out
			if a.pat[child] >= 0 {
				a.slots[child].out = child
			}
		}
	}
}

// next is the automaton's transition from slot s on code c, following
// failure links; the root stays at the root.
func (a *automaton) next(s, c int32) int32 {
	for {
		t := a.slots[s].base + c
		if uint32(t) < uint32(len(a.slots)) && a.slots[t].check == s {
			return t
		}
		if s == 0 {
			return 0
		}
		s = a.slots[s].fail
	}
}
