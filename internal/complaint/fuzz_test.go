package complaint

import (
	"testing"
	"unicode/utf8"
)

// FuzzClassify checks that any text decides without panicking and that
// every span lies inside the normalised text on rune boundaries.
func FuzzClassify(f *testing.F) {
	c := mustCompile(f, DefaultRules())
	for _, s := range append(benchMessages, "", "!!!", "不", "会不会", "315", "\xff\xfe漏油", "ＴＨＩＳ　ＩＳ　ＢＡＤ 异响？？？", "+1") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		d := c.Classify(text)
		if !d.Tier.Valid() {
			t.Fatalf("tier %q", d.Tier)
		}
		n := d.Normalized
		check := func(start, end int) {
			if start < 0 || end > len(n) || start > end || !utf8.ValidString(n[start:end]) {
				t.Fatalf("span [%d,%d) outside %q", start, end, n)
			}
		}
		for _, m := range d.Matches {
			check(m.Start, m.End)
		}
		for _, s := range d.Suppressed {
			check(s.Start, s.End)
		}
	})
}
