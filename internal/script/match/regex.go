package match

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"unicode/utf8"
)

// compilePattern compiles a regex-mode pattern to run on normalised text:
// its literal characters are folded the way Normalize folds text (so 營業
// or ＡＰＰ in a pattern still match), and it returns groups of literals
// (see literalGroups) used to skip the regex on messages that cannot match.
func compilePattern(pattern string) (*regexp.Regexp, [][]string, error) {
	if pattern == "" {
		return nil, nil, &FieldError{Field: "pattern", Problem: "正则表达式不能为空 (pattern is empty)"}
	}
	tree, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, nil, &FieldError{Field: "pattern", Problem: fmt.Sprintf("正则表达式无效 (invalid regular expression): %v", err)}
	}
	if err := foldLiterals(tree); err != nil {
		return nil, nil, err
	}
	re, err := regexp.Compile(tree.String())
	if err != nil {
		return nil, nil, &FieldError{Field: "pattern", Problem: fmt.Sprintf("正则表达式无效 (invalid regular expression): %v", err)}
	}
	if re.MatchString("") {
		return nil, nil, &FieldError{Field: "pattern", Problem: "正则表达式会匹配空文本,任何消息都会命中 (pattern matches empty text)"}
	}
	return re, tidyGroups(literalGroups(tree.Simplify())), nil
}

// foldLiterals rewrites literal runes in place to their normalised form. A
// literal that normalisation always removes (an emoji, '+') could never
// match, so it is an error naming it.
func foldLiterals(re *syntax.Regexp) error {
	for _, sub := range re.Sub {
		if err := foldLiterals(sub); err != nil {
			return err
		}
	}
	if re.Op != syntax.OpLiteral {
		return nil
	}
	out := make([]rune, 0, len(re.Rune))
	for _, r := range re.Rune {
		folded, ok := foldRune(r)
		if !ok {
			return &FieldError{Field: "pattern", Problem: fmt.Sprintf("字符 %q 在规范化时会被去掉,永远无法匹配 (character %q is removed by normalisation)", r, r)}
		}
		out = append(out, folded...)
	}
	re.Rune = out
	return nil
}

// foldRune returns what Normalize turns r into when it stands between other
// kept characters, and false when Normalize removes it.
func foldRune(r rune) ([]rune, bool) {
	if r < utf8.RuneSelf {
		switch o := foldASCII[r]; o {
		case 0:
			return nil, false
		default:
			return []rune{rune(o)}, true
		}
	}
	switch act := lookupFold(r); act {
	case actRemove:
		return nil, false
	case actSpace:
		return []rune{' '}, true
	case actAt:
		return []rune{'@'}, true
	case actKeep:
		return []rune{r}, true
	default:
		return []rune(foldString(act)), true
	}
}

// maxLiterals bounds one literal group; a larger alternation is not worth it.
const maxLiterals = 16

// maxGroups bounds the literal groups of one regex; each takes one bit of
// the per-call match state.
const maxGroups = 8

// literalGroups returns groups of literals such that every match of re
// contains at least one literal of every group (case-sensitive); nil when
// nothing is known. The matcher runs the regex only on messages where
// every group has a literal, as it does for all-of keywords.
func literalGroups(re *syntax.Regexp) [][]string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil
		}
		return [][]string{{string(re.Rune)}}
	case syntax.OpCapture, syntax.OpPlus:
		return literalGroups(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return literalGroups(re.Sub[0])
		}
	case syntax.OpConcat:
		var groups [][]string
		for _, sub := range re.Sub {
			groups = append(groups, literalGroups(sub)...)
		}
		return groups
	case syntax.OpAlternate:
		var union []string
		for _, sub := range re.Sub {
			g := bestGroup(literalGroups(sub))
			if g == nil || len(union)+len(g) > maxLiterals {
				return nil
			}
			union = append(union, g...)
		}
		return [][]string{union}
	}
	return nil
}

// tidyGroups sorts and deduplicates literals and groups and keeps the
// maxGroups most selective groups.
func tidyGroups(groups [][]string) [][]string {
	for i, g := range groups {
		slices.Sort(g)
		groups[i] = slices.Compact(g)
	}
	slices.SortFunc(groups, func(a, b []string) int {
		switch {
		case betterGroup(a, b):
			return -1
		case betterGroup(b, a):
			return 1
		}
		return slices.Compare(a, b)
	})
	groups = slices.CompactFunc(groups, slices.Equal)
	return groups[:min(len(groups), maxGroups)]
}

func bestGroup(groups [][]string) []string {
	var best []string
	for _, g := range groups {
		if best == nil || betterGroup(g, best) {
			best = g
		}
	}
	return best
}

// betterGroup prefers the group whose shortest literal is longer (rarer),
// then the smaller group.
func betterGroup(a, b []string) bool {
	ma, mb := shortest(a), shortest(b)
	return ma > mb || ma == mb && len(a) < len(b)
}

func shortest(group []string) int {
	n := len(group[0])
	for _, s := range group[1:] {
		n = min(n, len(s))
	}
	return n
}
