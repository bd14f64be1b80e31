package match

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustCompile(t *testing.T, rules []Rule) *Matcher {
	t.Helper()
	m, err := Compile(rules)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return m
}

func matchText(m *Matcher, text string) []Hit {
	return m.Match([]byte(NormalizeString(text)), nil)
}

func TestMatch_modes(t *testing.T) {
	rules := []Rule{
		{ID: 1, Mode: ModeExact, Keywords: []string{"你好", "在嗎"}},
		{ID: 2, Mode: ModeContains, Keywords: []string{"營業時間", "幾點開門"}},
		{ID: 3, Mode: ModeAll, Keywords: []string{"保養", "價格"}},
		{ID: 4, Mode: ModeRegex, Pattern: `訂單號?\d{6,}`},
		{ID: 5, Mode: ModeRegex, Pattern: `^\d{11}$`},
	}
	m := mustCompile(t, rules)
	tests := []struct {
		name, text string
		want       []Hit
	}{
		{"exact_hit", "在嗎？", nil},
		{"exact_whole", "@小王\u2005在嗎", []Hit{{RuleID: 1, Mode: ModeExact, Keyword: "在吗", Start: 0, End: 6}}},
		{"exact_not_part", "你好呀", nil},
		{"contains", "請問門市營業時間", []Hit{{RuleID: 2, Mode: ModeContains, Keyword: "营业时间", Start: 12, End: 24}}},
		{"contains_second_keyword", "明天几点开门", []Hit{{RuleID: 2, Mode: ModeContains, Keyword: "几点开门", Start: 6, End: 18}}},
		{"all_every_keyword", "价格表和保养", []Hit{{RuleID: 3, Mode: ModeAll, Keyword: "价格", Start: 0, End: 6}}},
		{"all_missing_one", "保养一次", nil},
		{"regex_folded_literal", "我的订单号 1234567", nil},
		{"regex", "我的订单号1234567", []Hit{{RuleID: 4, Mode: ModeRegex, Keyword: `訂單號?\d{6,}`, Start: 6, End: 22}}},
		{"regex_full_width_digits", "１３８００１３８０００", []Hit{{RuleID: 5, Mode: ModeRegex, Keyword: `^\d{11}$`, Start: 0, End: 11}}},
		{"nothing", "謝謝", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, matchText(m, tt.text)); diff != "" {
				t.Errorf("Match(%q) (-want +got):\n%s", NormalizeString(tt.text), diff)
			}
		})
	}
}

func TestMatch_overlapping(t *testing.T) {
	m := mustCompile(t, []Rule{
		{ID: 1, Mode: ModeContains, Keywords: []string{"保养"}},
		{ID: 2, Mode: ModeContains, Keywords: []string{"保养费"}},
		{ID: 3, Mode: ModeContains, Keywords: []string{"养费"}},
		{ID: 4, Mode: ModeContains, Keywords: []string{"保养", "保养费用"}},
		{ID: 5, Mode: ModeAll, Keywords: []string{"保养费", "费用"}},
		{ID: 6, Mode: ModeContains, Keywords: []string{"aa"}},
	})
	want := []Hit{
		{RuleID: 4, Mode: ModeContains, Keyword: "保养费用", Start: 0, End: 12},
		{RuleID: 2, Mode: ModeContains, Keyword: "保养费", Start: 0, End: 9},
		{RuleID: 5, Mode: ModeAll, Keyword: "保养费", Start: 0, End: 9},
		{RuleID: 1, Mode: ModeContains, Keyword: "保养", Start: 0, End: 6},
		{RuleID: 3, Mode: ModeContains, Keyword: "养费", Start: 3, End: 9},
		{RuleID: 6, Mode: ModeContains, Keyword: "aa", Start: 12, End: 14},
	}
	if diff := cmp.Diff(want, matchText(m, "保养费用aaa")); diff != "" {
		t.Errorf("Match (-want +got):\n%s", diff)
	}
}

func TestMatch_ties(t *testing.T) {
	tests := []struct {
		name  string
		rules []Rule
		want  []int64
	}{
		{"priority_first", []Rule{
			{ID: 1, Mode: ModeContains, Keywords: []string{"保养价格"}, Priority: 1},
			{ID: 2, Mode: ModeContains, Keywords: []string{"保养"}, Priority: 5},
		}, []int64{2, 1}},
		{"then_longest", []Rule{
			{ID: 1, Mode: ModeContains, Keywords: []string{"保养"}, Priority: 3},
			{ID: 2, Mode: ModeContains, Keywords: []string{"保养价格"}, Priority: 3},
		}, []int64{2, 1}},
		{"then_lowest_id", []Rule{
			{ID: 9, Mode: ModeContains, Keywords: []string{"价格"}, Priority: 3},
			{ID: 4, Mode: ModeAll, Keywords: []string{"保养", "价格"}, Priority: 3},
			{ID: 7, Mode: ModeContains, Keywords: []string{"保养"}, Priority: 3},
		}, []int64{4, 7, 9}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustCompile(t, tt.rules)
			var got []int64
			for _, h := range matchText(m, "请问保养价格多少") {
				got = append(got, h.RuleID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("rule order (-want +got):\n%s", diff)
			}
			best, ok := m.Best([]byte(NormalizeString("请问保养价格多少")))
			if !ok || best.RuleID != tt.want[0] {
				t.Errorf("Best = %+v, %v; want rule %d", best, ok, tt.want[0])
			}
		})
	}
}

func TestMatch_reusesSlice(t *testing.T) {
	m := mustCompile(t, []Rule{
		{ID: 1, Mode: ModeContains, Keywords: []string{"保养"}},
		{ID: 2, Mode: ModeAll, Keywords: []string{"保养", "价格"}},
		{ID: 3, Mode: ModeExact, Keywords: []string{"保养价格"}},
	})
	text := []byte("保养价格")
	hits := make([]Hit, 0, 8)
	allocs := testing.AllocsPerRun(100, func() { hits = m.Match(text, hits[:0]) })
	if (allocs != 0 && !raceEnabled) || len(hits) != 3 {
		t.Errorf("Match: %v allocations, %d hits; want 0 and 3", allocs, len(hits))
	}
	prefix := m.Match(text, []Hit{{RuleID: 99}})
	if len(prefix) != 4 || prefix[0].RuleID != 99 {
		t.Errorf("Match did not append after existing hits: %+v", prefix)
	}
}

func TestMatch_concurrent(t *testing.T) {
	c := newCorpus(7, 500, 5, 200)
	m := mustCompile(t, c.rules)
	want := make([][]Hit, len(c.messages))
	for i, msg := range c.messages {
		want[i] = matchText(m, msg)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i, msg := range c.messages {
				if got := matchText(m, msg); !slices.Equal(got, want[i]) {
					t.Errorf("concurrent Match(%q) differs", msg)
				}
			}
		})
	}
	wg.Wait()
}

func TestCompile_errors(t *testing.T) {
	tests := []struct {
		name  string
		rules []Rule
		field string // "" when the error is not a FieldError
		want  string
	}{
		{"no_keywords", []Rule{{ID: 7, Mode: ModeContains}}, "keywords", "compile rule 7: keywords:"},
		{"only_empty_keywords", []Rule{{ID: 7, Mode: ModeAll, Keywords: []string{" ", "😀", "@小王"}}}, "keywords", "compile rule 7: keywords:"},
		{"unknown_mode", []Rule{{ID: 8, Mode: "fuzzy", Keywords: []string{"a"}}}, "mode", "compile rule 8: mode:"},
		{"empty_pattern", []Rule{{ID: 9, Mode: ModeRegex}}, "pattern", "compile rule 9: pattern:"},
		{"invalid_regex", []Rule{{ID: 9, Mode: ModeRegex, Pattern: `(保养`}}, "pattern", "missing closing )"},
		{"regex_matches_empty", []Rule{{ID: 9, Mode: ModeRegex, Pattern: `保养|x*`}}, "pattern", "matches empty text"},
		{"regex_removed_literal", []Rule{{ID: 9, Mode: ModeRegex, Pattern: `保养👍`}}, "pattern", "removed by normalisation"},
		{"duplicate_id", []Rule{
			{ID: 3, Mode: ModeContains, Keywords: []string{"a"}},
			{ID: 3, Mode: ModeContains, Keywords: []string{"b"}},
		}, "", "compile rule 3: duplicate rule id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Compile(tt.rules)
			if err == nil || m != nil {
				t.Fatalf("Compile = %v, %v; want an error", m, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			var fe *FieldError
			if got := errors.As(err, &fe); got != (tt.field != "") || got && fe.Field != tt.field {
				t.Errorf("error %q: FieldError %+v, want field %q", err, fe, tt.field)
			}
			if tt.field != "" {
				if verr := ValidateRule(tt.rules[0]); verr == nil || !strings.HasPrefix(verr.Error(), tt.field+": ") {
					t.Errorf("ValidateRule = %v, want an error starting %q", verr, tt.field+": ")
				}
			}
		})
	}
}

func TestValidateRule_valid(t *testing.T) {
	for _, r := range []Rule{
		{Mode: ModeExact, Keywords: []string{"你好"}},
		{Mode: ModeContains, Keywords: []string{"", "保养", "保養"}},
		{Mode: ModeAll, Keywords: []string{"保养", "价格"}},
		{Mode: ModeRegex, Pattern: `(?i)APP.{0,3}登录`},
	} {
		if err := ValidateRule(r); err != nil {
			t.Errorf("ValidateRule(%+v) = %v, want nil", r, err)
		}
	}
}

func TestCompile_keywordsNormalised(t *testing.T) {
	m := mustCompile(t, []Rule{{ID: 1, Mode: ModeContains, Keywords: []string{"保養", "保养", " ＡＰＰ ", "", "app"}}})
	if s := m.Stats(); s.Keywords != 2 || s.Patterns != 2 || s.Rules != 1 {
		t.Errorf("Stats = %+v, want 2 keywords, 2 patterns, 1 rule", s)
	}
}

func TestExplain(t *testing.T) {
	m := mustCompile(t, []Rule{
		{ID: 1, Mode: ModeContains, Keywords: []string{"保养"}, Priority: 2},
		{ID: 2, Mode: ModeContains, Keywords: []string{"保养价格"}, Priority: 2},
		{ID: 3, Mode: ModeAll, Keywords: []string{"保养", "预约"}, Priority: 9},
		{ID: 4, Mode: ModeRegex, Pattern: `价格.{0,3}多少`},
	})
	e := m.Explain([]byte(NormalizeString("保養價格多少？保养")))
	want := Explanation{
		Text: "保养价格多少?保养",
		Matched: []RuleMatch{
			{Hit: Hit{RuleID: 2, Priority: 2, Mode: ModeContains, Keyword: "保养价格", End: 12},
				Found: []KeywordHit{{Keyword: "保养价格", End: 12}}},
			{Hit: Hit{RuleID: 1, Priority: 2, Mode: ModeContains, Keyword: "保养", End: 6},
				Found: []KeywordHit{{Keyword: "保养", End: 6}, {Keyword: "保养", Start: 19, End: 25}}},
			{Hit: Hit{RuleID: 4, Mode: ModeRegex, Keyword: `价格.{0,3}多少`, Start: 6, End: 18},
				Found: []KeywordHit{{Keyword: `价格.{0,3}多少`, Start: 6, End: 18}}},
		},
		Partial: []RuleMatch{{
			Hit:     Hit{RuleID: 3, Priority: 9, Mode: ModeAll},
			Found:   []KeywordHit{{Keyword: "保养", End: 6}, {Keyword: "保养", Start: 19, End: 25}},
			Missing: []string{"预约"},
		}},
		Winner:   &Hit{RuleID: 2, Priority: 2, Mode: ModeContains, Keyword: "保养价格", End: 12},
		Decision: DecisionLength,
		Reason:   "优先级相同(2),规则 #2 匹配最长(「保养价格」4 字,其次规则 #1 为 2 字)",
	}
	if diff := cmp.Diff(want, e); diff != "" {
		t.Errorf("Explain (-want +got):\n%s", diff)
	}
}

func TestExplain_decisions(t *testing.T) {
	m := mustCompile(t, []Rule{
		{ID: 1, Mode: ModeContains, Keywords: []string{"积分"}, Priority: 1},
		{ID: 2, Mode: ModeContains, Keywords: []string{"兑换"}, Priority: 1},
		{ID: 3, Mode: ModeExact, Keywords: []string{"积分兑换"}, Priority: 5},
		{ID: 4, Mode: ModeContains, Keywords: []string{"试驾"}},
	})
	tests := []struct {
		text   string
		want   Decision
		winner int64
	}{
		{"积分兑换", DecisionPriority, 3},
		{"积分和兑换", DecisionID, 1},
		{"预约试驾", DecisionOnly, 4},
		{"谢谢", DecisionNone, 0},
	}
	for _, tt := range tests {
		e := m.Explain([]byte(NormalizeString(tt.text)))
		var winner int64
		if e.Winner != nil {
			winner = e.Winner.RuleID
		}
		if e.Decision != tt.want || winner != tt.winner || e.Reason == "" {
			t.Errorf("Explain(%q): decision %q winner %d reason %q; want %q and %d", tt.text, e.Decision, winner, e.Reason, tt.want, tt.winner)
		}
	}
}

// naiveMatch is the reference: every rule checked with strings.Index and
// regexp, hits sorted by the documented order.
func naiveMatch(rules []Rule, text string) []Hit {
	var hits []Hit
	for _, r := range rules {
		h := Hit{RuleID: r.ID, Priority: r.Priority, Mode: r.Mode, Start: -1}
		var kws []string
		for _, k := range r.Keywords {
			if k = NormalizeString(k); k != "" && !slices.Contains(kws, k) {
				kws = append(kws, k)
			}
		}
		switch r.Mode {
		case ModeExact:
			if slices.Contains(kws, text) {
				h.Keyword, h.Start, h.End = text, 0, len(text)
			}
		case ModeContains, ModeAll:
			missing := false
			for _, k := range kws {
				i := strings.Index(text, k)
				missing = missing || i < 0
				if i >= 0 && (h.Start < 0 || len(k) > len(h.Keyword) || len(k) == len(h.Keyword) && i < h.Start) {
					h.Keyword, h.Start, h.End = k, i, i+len(k)
				}
			}
			if r.Mode == ModeAll && missing {
				h.Start = -1
			}
		case ModeRegex:
			if loc := regexp.MustCompile(r.Pattern).FindStringIndex(text); loc != nil {
				h.Keyword, h.Start, h.End = r.Pattern, loc[0], loc[1]
			}
		}
		if h.Start >= 0 {
			hits = append(hits, h)
		}
	}
	slices.SortFunc(hits, func(a, b Hit) int {
		switch {
		case a.Priority != b.Priority:
			return b.Priority - a.Priority
		case a.End-a.Start != b.End-b.Start:
			return (b.End - b.Start) - (a.End - a.Start)
		}
		return int(a.RuleID - b.RuleID)
	})
	return hits
}

func TestMatch_agreesWithNaive(t *testing.T) {
	c := newCorpus(42, 1500, 15, 3000)
	m := mustCompile(t, c.rules)
	var buf []byte
	var hits []Hit
	total := 0
	for _, msg := range c.messages {
		buf = Normalize(buf[:0], msg)
		hits = m.Match(buf, hits[:0])
		want := naiveMatch(c.rules, string(buf))
		total += len(want)
		if diff := cmp.Diff(want, hits, cmp.Comparer(func(a, b []Hit) bool { return len(a) == 0 && len(b) == 0 || slices.Equal(a, b) })); diff != "" {
			t.Fatalf("Match(%q) disagrees with the naive matcher (-naive +got):\n%s", buf, diff)
		}
	}
	if total < len(c.messages) {
		t.Errorf("only %d hits over %d messages: the corpus does not exercise matching", total, len(c.messages))
	}
	t.Logf("%d messages, %d hits, all agree", len(c.messages), total)
}
