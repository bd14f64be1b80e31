package complaint

import (
	"bytes"
	"slices"
	"unicode/utf8"
)

// isAlnum reports whether c is an ASCII letter or digit of normalised
// (lower-case) text.
func isAlnum(c byte) bool { return c-'0' < 10 || c-'a' < 26 }

// isBoundary reports whether r ends a clause in normalised text.
func isBoundary(r rune) bool {
	switch r {
	case ',', '.', '!', '?', ';', ':', '~', ' ', '。', '、', '…':
		return true
	}
	return false
}

// clauseStart returns where the clause holding pos begins.
func clauseStart(text []byte, pos int) int {
	for pos > 0 {
		r, size := utf8.DecodeLastRune(text[:pos])
		if isBoundary(r) {
			return pos
		}
		pos -= size
	}
	return 0
}

// clauseEnd returns where the clause holding pos ends: the offset of the
// boundary after it, or len(text).
func clauseEnd(text []byte, pos int) int {
	for pos < len(text) {
		r, size := utf8.DecodeRune(text[pos:])
		if isBoundary(r) {
			return pos
		}
		pos += size
	}
	return len(text)
}

// windowStart returns the offset n runes before pos, not before from.
func windowStart(text []byte, from, pos, n int) int {
	for ; n > 0 && pos > from; n-- {
		_, size := utf8.DecodeLastRune(text[from:pos])
		pos -= size
	}
	return pos
}

// cueSet is a list of cues indexed by first rune, so that finding one at a
// position costs one decode and a short scan.
type cueSet struct {
	first  []rune     // distinct first runes
	byRune [][]string // cues per first rune, longest first
}

func newCueSet(cues []string) cueSet {
	var s cueSet
	for _, c := range cueList(cues) {
		r, _ := utf8.DecodeRuneInString(c)
		i := slices.Index(s.first, r)
		if i < 0 {
			i = len(s.first)
			s.first = append(s.first, r)
			s.byRune = append(s.byRune, nil)
		}
		s.byRune[i] = append(s.byRune[i], c)
	}
	return s
}

// prefix returns the cue text starts with (the longest), or "".
func (s *cueSet) prefix(text []byte) string {
	if len(text) == 0 {
		return ""
	}
	r := rune(text[0])
	if r >= utf8.RuneSelf {
		r, _ = utf8.DecodeRune(text)
	}
	for i, f := range s.first {
		if f != r {
			continue
		}
		for _, c := range s.byRune[i] {
			if len(text) >= len(c) && string(text[:len(c)]) == c {
				return c
			}
		}
		return ""
	}
	return ""
}

// find returns the first cue that occurs in text, or "".
func (s *cueSet) find(text []byte) string {
	for pos := 0; pos < len(text); {
		if c := s.prefix(text[pos:]); c != "" {
			return c
		}
		_, size := utf8.DecodeRune(text[pos:])
		pos += size
	}
	return ""
}

// negated returns the negation cue that denies the term at start (不漏油,
// 没有异味), or "" when none does. Cues must stand within the rules'
// window of characters before the term in the same clause; phrases that
// begin like a negation but do not deny (不仅, 不停, 没想到) are skipped.
func (c *Classifier) negated(text []byte, start int) string {
	cs := clauseStart(text, start)
	ws := windowStart(text, cs, start, c.rules.NegationWindow)
	for pos := ws; pos < start; {
		if exc := c.exceptions.prefix(text[pos:]); exc != "" {
			pos += len(exc)
			continue
		}
		if cue := c.negations.prefix(text[pos:start]); cue != "" {
			return cue
		}
		_, size := utf8.DecodeRune(text[pos:])
		pos += size
	}
	return ""
}

// question returns the cue that makes the clause holding a term a question
// (会不会漏油, 漏油吗, 漏油?), or "" when it is not one. A rhetorical cue
// in the clause (为什么又漏油?) makes it a complaint again, and so does a
// run of question marks (漏油???).
func (c *Classifier) question(text []byte, start, end int) string {
	cs, ce := clauseStart(text, start), clauseEnd(text, end)
	if c.rhetorical.find(text[cs:ce]) != "" {
		return ""
	}
	if q := c.questions.find(text[cs:start]); q != "" {
		return q
	}
	if bytes.Contains(text[end:ce], questionMa) {
		return "吗"
	}
	if ce < len(text) && text[ce] == '?' && (ce+1 == len(text) || text[ce+1] != '?') {
		return "?"
	}
	return ""
}

// questionMa is 吗, which ends a question after the term.
var questionMa = []byte("吗")

// punctRun returns the longest run of '!' and '?' in normalised text
// (full-width marks are folded to these).
func punctRun(text []byte) int {
	best, run := 0, 0
	for _, b := range text {
		if b == '!' || b == '?' {
			run++
			best = max(best, run)
			continue
		}
		run = 0
	}
	return best
}

// shouting reports whether raw text shouts: a word of at least four
// capital Latin letters (full-width ones count), at least min capitals in
// all, and capitals making up at least 80% of its Latin letters. Brand
// names such as BMW or LED alone are not shouting.
func shouting(text string, min int) bool {
	upper, lower, run, longest := 0, 0, 0, 0
	for i := 0; i < len(text); i++ {
		b := text[i]
		isUpper := b >= 'A' && b <= 'Z'
		if b == 0xEF && i+2 < len(text) && text[i+1] == 0xBC && text[i+2] >= 0xA1 && text[i+2] <= 0xBA {
			isUpper, i = true, i+2 // Ａ..Ｚ are EF BC A1..BA
		}
		switch {
		case isUpper:
			upper++
			run++
			longest = max(longest, run)
		case b >= 'a' && b <= 'z':
			lower++
			run = 0
		default:
			run = 0
		}
	}
	return longest >= 4 && upper >= min && upper*5 >= (upper+lower)*4
}
