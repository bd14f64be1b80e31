package complaint

import (
	"fmt"
	"strings"
)

// explain says in Chinese which rule decided and which words: the tier and
// its terms, the terms that did not count and why, and each raise.
func (d *Decision) explain() string {
	var b strings.Builder
	if len(d.Matches) == 0 {
		b.WriteString("未判定为抱怨或投诉:没有命中有效词条")
	} else {
		fmt.Fprintf(&b, "判定为%s:命中", d.Tier.Label())
		for i, m := range d.Matches {
			if i > 0 {
				b.WriteString("、")
			}
			fmt.Fprintf(&b, "「%s」(%s", m.Term, m.Tier.Label())
			if m.Category != "" {
				fmt.Fprintf(&b, "/%s", m.Category)
			}
			b.WriteString(")")
		}
	}
	for i, s := range d.Suppressed {
		if i == 0 {
			b.WriteString(";不计入:")
		} else {
			b.WriteString("、")
		}
		fmt.Fprintf(&b, "「%s」(%s「%s」)", s.Term, reasonLabel(s.Reason), s.Cue)
	}
	if len(d.Raised) > 0 {
		fmt.Fprintf(&b, ";由%s升级", d.BaseTier.Label())
		for _, r := range d.Raised {
			fmt.Fprintf(&b, ",%s", r.Detail)
		}
	}
	for i, s := range d.Signals {
		if i == 0 {
			b.WriteString(";群内反应词:")
		} else {
			b.WriteString("、")
		}
		fmt.Fprintf(&b, "「%s」(%s)", s.Term, kindLabel(s.Kind))
	}
	return b.String()
}

func reasonLabel(r string) string {
	switch r {
	case ReasonNegated:
		return "否定"
	case ReasonQuestion:
		return "疑问"
	}
	return r
}

func kindLabel(k string) string {
	switch k {
	case KindEcho:
		return "附和"
	case KindDefend:
		return "维护"
	case KindSpread:
		return "扩散"
	}
	return k
}
