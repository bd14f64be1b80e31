// Package match normalises message text and finds which script-library
// rules a message matches.
//
// Normalize folds text to one matching form (half-width, lower case,
// simplified Chinese, no mentions, emoji or symbols, single spaces) with a
// generated per-character table, so the hot path needs no dictionary.
// Compile builds an immutable Matcher: an Aho-Corasick automaton over the
// runes of every keyword, laid out as a double-array trie with failure
// links, plus an exact-text index and precompiled regular expressions.
package match

import (
	"strings"
	"unicode/utf8"
)

//go:generate go run ./internal/gen -o fold_table.go

// Actions of the fold table for non-ASCII runes (see internal/gen).
const (
	actKeep = iota
	actRemove
	actSpace
	actAt
	actFold
)

// Normalize appends the matching form of s to dst and returns it: full-width
// and other compatibility forms folded (ＡＢＣ１２３，？ → abc123,?), lower
// case, traditional Chinese folded to simplified per character, @mentions
// removed ('@' and the name after it up to whitespace, unless the '@'
// directly follows an ASCII letter or digit as in an e-mail address), emoji
// and other symbols removed, whitespace runs folded to one space and trimmed.
// It makes one pass and does not allocate when dst has room.
func Normalize(dst []byte, s string) []byte {
	n := normalizer{dst: dst, start: len(dst)}
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			i++
			n.ascii(foldASCII[c])
			continue
		}
		r, size := decodeRune(s, i)
		n.rune(s[i:i+size], lookupFold(r))
		i += size
	}
	return n.dst
}

// normalizer is the state of one Normalize pass.
type normalizer struct {
	dst     []byte
	start   int
	space   bool // a whitespace run is pending, written before the next kept rune
	mention bool // inside an @mention, skipping up to the next whitespace
}

// ascii handles one ASCII byte already mapped through foldASCII.
func (n *normalizer) ascii(o byte) {
	switch {
	case o == ' ':
		n.whitespace()
	case n.mention || o == 0:
	case o == '@' && !n.attached():
		n.mention = true
	default:
		n.flushSpace()
		n.dst = append(n.dst, o)
	}
}

// rune handles one non-ASCII rune, its UTF-8 bytes raw and its table action.
func (n *normalizer) rune(raw string, act uint16) {
	switch {
	case act == actSpace:
		n.whitespace()
	case n.mention || act == actRemove:
	case act == actAt:
		if !n.attached() {
			n.mention = true
			return
		}
		n.flushSpace()
		n.dst = append(n.dst, '@')
	case act == actKeep:
		n.flushSpace()
		n.dst = append(n.dst, raw...)
	default:
		n.flushSpace()
		n.dst = append(n.dst, foldString(act)...)
	}
}

func (n *normalizer) whitespace() {
	n.mention = false
	n.space = len(n.dst) > n.start
}

func (n *normalizer) flushSpace() {
	if n.space {
		n.dst = append(n.dst, ' ')
		n.space = false
	}
}

// attached reports whether an '@' here follows an ASCII letter or digit
// directly (an e-mail address rather than a mention). It looks at the
// output, not the input, so that normalising twice decides the same way.
func (n *normalizer) attached() bool {
	if n.space || len(n.dst) == n.start {
		return false
	}
	return isASCIIAlnum(n.dst[len(n.dst)-1])
}

func isASCIIAlnum(c byte) bool {
	return c-'0' < 10 || c-'a' < 26
}

// decodeRune decodes the non-ASCII rune starting at s[i] exactly as
// utf8.DecodeRune does (invalid UTF-8 gives U+FFFD and size 1), written out
// so the hot loops avoid the standard library's slower generic path.
func decodeRune[T string | []byte](s T, i int) (rune, int) {
	c, n := s[i], len(s)-i
	switch {
	case c&0xE0 == 0xC0 && n >= 2 && s[i+1]&0xC0 == 0x80:
		if r := rune(c&0x1F)<<6 | rune(s[i+1]&0x3F); r >= 0x80 {
			return r, 2
		}
	case c&0xF0 == 0xE0 && n >= 3 && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80:
		if r := rune(c&0x0F)<<12 | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F); r >= 0x800 && (r < 0xD800 || r > 0xDFFF) {
			return r, 3
		}
	case c&0xF8 == 0xF0 && n >= 4 && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 && s[i+3]&0xC0 == 0x80:
		if r := rune(c&0x07)<<18 | rune(s[i+1]&0x3F)<<12 | rune(s[i+2]&0x3F)<<6 | rune(s[i+3]&0x3F); r >= 0x10000 && r <= utf8.MaxRune {
			return r, 4
		}
	}
	return utf8.RuneError, 1
}

// lookupFold returns the table action for a non-ASCII rune. Invalid UTF-8
// decodes to U+FFFD, a symbol, and is removed.
func lookupFold(r rune) uint16 {
	if uint32(r) >= foldLimit {
		return actRemove
	}
	b := 2 * (uint32(r) >> foldShift)
	blk := uint32(foldIndex[b]) | uint32(foldIndex[b+1])<<8
	i := 2 * (blk<<foldShift | uint32(r)&(1<<foldShift-1))
	return uint16(foldBlocks[i]) | uint16(foldBlocks[i+1])<<8
}

// foldString returns the output of a fold action (act >= actFold).
func foldString(act uint16) string {
	i := 3 * int(act-actFold)
	off := int(foldSpans[i]) | int(foldSpans[i+1])<<8
	return foldText[off : off+int(foldSpans[i+2])]
}

// NormalizeString returns the matching form of s; see Normalize.
func NormalizeString(s string) string {
	return string(Normalize(make([]byte, 0, len(s)+8), s))
}

// questionWords are phrases that mark a question in normalised (simplified)
// text even without a question mark.
var questionWords = [...]string{
	"怎么", "怎样", "如何", "哪里", "哪儿", "哪个", "哪些", "哪家", "哪天",
	"多少", "多久", "多长", "几点", "几号", "几时", "几天", "吗",
	"能不能", "可不可以", "是不是", "有没有", "会不会", "要不要", "能否", "是否",
	"什么时候", "为什么", "为啥", "干嘛", "啥", "咋", "请问",
}

// LooksLikeQuestion reports whether normalised text reads as a question: it
// has a '?' at the end or before a non-alphanumeric (so a URL query string
// does not count), or contains a question word such as 怎么, 如何, 哪里,
// 多少, 吗, 能不能, 可不可以, 是不是, 有没有, 什么时候, 几点 or 为什么.
func LooksLikeQuestion(normalized string) bool {
	for i := strings.IndexByte(normalized, '?'); i >= 0; {
		if i+1 == len(normalized) || !isASCIIAlnum(normalized[i+1]) {
			return true
		}
		j := strings.IndexByte(normalized[i+1:], '?')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	for _, w := range questionWords {
		if strings.Contains(normalized, w) {
			return true
		}
	}
	return false
}
