package complaint

import (
	"fmt"
	"unicode/utf8"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/script/match"
)

// Rules are everything operators edit about detection: the tiers with
// their lexicons, the cues that suppress a term (negation, question), the
// intensity and reaction settings. A saved set of rules has a version; every
// complaint records the version it was decided with.
type Rules struct {
	Version int64      `json:"version"` // set by the store; 0 for rules not saved yet
	Tiers   []TierRule `json:"tiers"`
	// Negations are cues that, shortly before a term in the same clause,
	// mean the term is denied (不漏油, 没有异味).
	Negations []string `json:"negations"`
	// NegationExceptions start with a negation cue but do not deny what
	// follows (不仅, 不停, 没想到, 无语…).
	NegationExceptions []string `json:"negation_exceptions"`
	// Questions are cues that, before a term in the same clause, make it a
	// question (会不会漏油); a clause ending in one '?' or with 吗 is one too.
	Questions []string `json:"questions"`
	// Rhetorical cues make a question a complaint again (为什么又漏油?).
	Rhetorical []string `json:"rhetorical"`
	// Echo, Defend and Spread are the group's reactions to a complaint:
	// agreeing (同感, 我也是), defending the brand (没问题, 别黑) and spreading
	// it (转发, 发微博).
	Echo   []string `json:"echo"`
	Defend []string `json:"defend"`
	Spread []string `json:"spread"`
	// NegationWindow is how many characters before a term a negation cue
	// may stand.
	NegationWindow int              `json:"negation_window"`
	Intensity      Intensity        `json:"intensity"`
	Reaction       ReactionSettings `json:"reaction"`
}

// TierRule is one tier: its name, deadline and lexicon.
type TierRule struct {
	Tier       Tier   `json:"tier"`
	Name       string `json:"name"`
	SLAMinutes int    `json:"sla_minutes"` // first response (light, medium) or follow-up (serious) deadline
	// ReportAtOnce says that the tier is reported to managers as soon as it
	// is detected (serious), rather than when its deadline passes.
	ReportAtOnce bool   `json:"report_at_once"`
	Handling     string `json:"handling"` // the playbook's instruction, e.g. 直接处理
	Enabled      bool   `json:"enabled"`
	Terms        []Term `json:"terms"`
}

// Term is one lexicon entry.
type Term struct {
	Term     string `json:"term"`
	Category string `json:"category"`
}

// Intensity says which signs of anger raise a complaint one tier.
type Intensity struct {
	// PunctRun is how many !/? in a row count as intense (0 turns it off).
	PunctRun int `json:"punct_run"`
	// CapsLetters is how many capital Latin letters, at least 80% of the
	// letters, count as shouting (0 turns it off).
	CapsLetters int `json:"caps_letters"`
	// RepeatCount complaints by one member in one chat within
	// RepeatMinutes count as intense (0 turns it off).
	RepeatCount   int `json:"repeat_count"`
	RepeatMinutes int `json:"repeat_minutes"`
}

// ReactionSettings say how the group's reaction is measured.
type ReactionSettings struct {
	// WindowMinutes after a complaint, other members' messages are read as
	// reactions to it.
	WindowMinutes int `json:"window_minutes"`
	// RaiseAfter distinct members echoing or spreading within the window
	// raise the complaint one tier, once (0 turns it off).
	RaiseAfter int `json:"raise_after"`
}

// Limits of the rules, so that one document stays a reasonable size.
const (
	maxTermRunes     = 32
	maxCategoryRunes = 32
	maxNameRunes     = 32
	maxTerms         = 20000
	maxCueTerms      = 500
	maxSLAMinutes    = 7 * 24 * 60
)

// DefaultRules are the playbook's defaults, used until operators save their
// own.
func DefaultRules() Rules {
	return Rules{
		Tiers: []TierRule{
			{Tier: TierLight, Name: "抱怨", SLAMinutes: 5, Handling: "直接处理", Enabled: true, Terms: lexicon(
				group("气味", "异味", "味道大", "有味道", "甲醛"),
				group("空间", "后备箱小", "空间小", "座椅硬"),
				group("音响", "音响差", "音质差", "隔音差", "噪音大", "胎噪大"),
				group("油耗", "油耗高", "费油", "耗电快", "续航虚标"),
				group("物流交付", "发货慢", "物流慢", "等太久", "提车慢"),
				group("使用体验", "不好用", "难用", "卡顿", "车机卡", "失望", "后悔"),
			)},
			{Tier: TierMedium, Name: "投诉", SLAMinutes: 20, Handling: "边处理边上报", Enabled: true, Terms: lexicon(
				group("质量缺陷", "异响", "漏油", "漏水", "渗油", "抖动", "熄火", "故障", "坏了", "断轴", "生锈"),
				group("维修售后", "修不好", "反复维修", "返修", "修了几次", "一直没修好"),
				group("服务态度", "态度差", "服务差", "没人管", "没人理", "不理人", "推卸责任", "踢皮球", "投诉"),
			)},
			{Tier: TierSerious, Name: "重级投诉/舆情", SLAMinutes: 30, ReportAtOnce: true, Handling: "立即上报,30分钟内跟进", Enabled: true, Terms: lexicon(
				group("维权", "维权", "消协", "黑猫投诉", "骗子", "欺诈"),
				group("曝光媒体", "曝光", "媒体", "记者"),
				group("法律", "律师", "起诉", "法院", "315", "12315"),
				group("退款退车", "退款", "退车", "退一赔三", "赔偿"),
				group("安全", "安全隐患", "自燃", "刹车失灵", "事故"),
			)},
		},
		Negations:          []string{"不会", "不是", "没有", "并不", "从不", "从没", "毫无", "不", "没", "无", "未", "别", "非"},
		NegationExceptions: negationExceptions(),
		Questions:          []string{"会不会", "是不是", "有没有", "能不能", "会不", "是否", "会否", "请问", "怎么样", "如何", "咋样"},
		Rhetorical:         []string{"为什么", "为啥", "凭什么", "怎么又", "怎么还", "到底", "难道", "又", "还是"},
		Echo:               []string{"同感", "我也是", "我也一样", "一样", "我也遇到", "同样", "附议", "确实", "真的是", "顶"},
		Defend:             []string{"品牌挺好", "挺好的", "没问题", "没毛病", "别黑", "不要黑", "黑子", "我的很好", "正常现象", "理性"},
		Spread:             []string{"转发", "曝光", "发微博", "微博", "抖音", "小红书", "发朋友圈", "朋友圈", "头条", "热搜", "大家都来看"},
		NegationWindow:     4,
		Intensity:          Intensity{PunctRun: 3, CapsLetters: 6, RepeatCount: 3, RepeatMinutes: 10},
		Reaction:           ReactionSettings{WindowMinutes: 10, RaiseAfter: 3},
	}
}

// group is one category of a default lexicon.
func group(category string, words ...string) []Term {
	out := make([]Term, len(words))
	for i, w := range words {
		out[i] = Term{Term: w, Category: category}
	}
	return out
}

func lexicon(groups ...[]Term) []Term {
	var out []Term
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

func negationExceptions() []string {
	return []string{
		"不仅", "不但", "不止", "不光", "不停", "不断", "不少", "不好", "不行", "不了", "不住", "不管",
		"不满", "不知道", "不知", "不到", "不想", "不能", "不敢", "不得不", "不对", "不够",
		"无语", "无奈", "无法", "无数", "无良", "没法", "没用", "没辙", "没完", "没想到", "没人",
		"没办法", "没解决", "没得到", "没修好", "别人", "非常", "非要",
	}
}

// Validate checks r the way the classifier needs it: the three tiers once
// each, deadlines, terms that survive normalisation, no term twice, cue
// lists and settings in range. Problems are reported per field, Chinese
// first.
func (r *Rules) Validate() error {
	var p fault.Problems
	seen := map[Tier]bool{}
	terms := map[string]string{}
	total := 0
	for i, t := range r.Tiers {
		field := fmt.Sprintf("tiers[%d]", i)
		validateTier(&p, field, t, seen)
		for j, term := range t.Terms {
			total++
			validateTerm(&p, fmt.Sprintf("%s.terms[%d]", field, j), term, string(t.Tier), terms)
		}
	}
	for _, tier := range Tiers() {
		if !seen[tier] {
			p.Add("tiers", "缺少级别 %s(%s)(tier %s is missing)", tier.Label(), tier, tier)
		}
	}
	if total > maxTerms {
		p.Add("tiers", "词条共 %d 个,超过上限 %d (too many terms)", total, maxTerms)
	}
	validateCues(&p, r)
	validateSettings(&p, r)
	return p.Err()
}

func validateTier(p *fault.Problems, field string, t TierRule, seen map[Tier]bool) {
	switch {
	case t.Tier == TierNone || !t.Tier.Valid():
		p.Add(field+".tier", "级别必须是 light、medium 或 serious (tier must be light, medium or serious)")
	case seen[t.Tier]:
		p.Add(field+".tier", "级别 %s 重复 (tier %s appears twice)", t.Tier, t.Tier)
	}
	seen[t.Tier] = true
	if n := utf8.RuneCountInString(t.Name); n == 0 || n > maxNameRunes {
		p.Add(field+".name", "级别名称须为 1 到 %d 个字 (name must be 1 to %d characters)", maxNameRunes, maxNameRunes)
	}
	if t.SLAMinutes < 0 || t.SLAMinutes > maxSLAMinutes {
		p.Add(field+".sla_minutes", "时限须在 0 到 %d 分钟之间 (sla_minutes must be 0 to %d)", maxSLAMinutes, maxSLAMinutes)
	}
	if utf8.RuneCountInString(t.Handling) > 64 {
		p.Add(field+".handling", "处理方式不能超过 64 个字 (handling is at most 64 characters)")
	}
}

func validateTerm(p *fault.Problems, field string, t Term, tier string, seen map[string]string) {
	norm := match.NormalizeString(t.Term)
	switch {
	case norm == "":
		p.Add(field+".term", "词条 %q 规范化后为空 (term is empty after normalisation)", t.Term)
		return
	case utf8.RuneCountInString(norm) > maxTermRunes:
		p.Add(field+".term", "词条不能超过 %d 个字 (term is at most %d characters)", maxTermRunes, maxTermRunes)
	case seen[norm] != "":
		p.Add(field+".term", "词条「%s」已在级别 %s 中 (term already listed under %s)", t.Term, seen[norm], seen[norm])
	}
	seen[norm] = tier
	if utf8.RuneCountInString(t.Category) > maxCategoryRunes {
		p.Add(field+".category", "分类不能超过 %d 个字 (category is at most %d characters)", maxCategoryRunes, maxCategoryRunes)
	}
}

func validateCues(p *fault.Problems, r *Rules) {
	lists := []struct {
		field string
		cues  []string
	}{
		{"negations", r.Negations}, {"negation_exceptions", r.NegationExceptions}, {"questions", r.Questions},
		{"rhetorical", r.Rhetorical}, {"echo", r.Echo}, {"defend", r.Defend}, {"spread", r.Spread},
	}
	for _, l := range lists {
		if len(l.cues) > maxCueTerms {
			p.Add(l.field, "最多 %d 个词 (at most %d cues)", maxCueTerms, maxCueTerms)
		}
		for i, c := range l.cues {
			if n := utf8.RuneCountInString(match.NormalizeString(c)); n == 0 || n > maxTermRunes {
				p.Add(fmt.Sprintf("%s[%d]", l.field, i), "提示词 %q 须为 1 到 %d 个字 (cue must be 1 to %d characters after normalisation)", c, maxTermRunes, maxTermRunes)
			}
		}
	}
}

func validateSettings(p *fault.Problems, r *Rules) {
	ranges := []struct {
		field    string
		v, lo, h int
	}{
		{"negation_window", r.NegationWindow, 0, 16},
		{"intensity.punct_run", r.Intensity.PunctRun, 0, 20},
		{"intensity.caps_letters", r.Intensity.CapsLetters, 0, 100},
		{"intensity.repeat_count", r.Intensity.RepeatCount, 0, 50},
		{"intensity.repeat_minutes", r.Intensity.RepeatMinutes, 0, 24 * 60},
		{"reaction.window_minutes", r.Reaction.WindowMinutes, 1, 24 * 60},
		{"reaction.raise_after", r.Reaction.RaiseAfter, 0, 1000},
	}
	for _, s := range ranges {
		if s.v < s.lo || s.v > s.h {
			p.Add(s.field, "须在 %d 到 %d 之间 (must be %d to %d)", s.lo, s.h, s.lo, s.h)
		}
	}
	if r.Intensity.RepeatCount == 1 {
		p.Add("intensity.repeat_count", "须为 0(关闭)或至少 2 (must be 0 to turn off, or at least 2)")
	}
}

// Tier returns the rule of tier t, and false when the rules lack it.
func (r *Rules) Tier(t Tier) (TierRule, bool) {
	for _, tr := range r.Tiers {
		if tr.Tier == t {
			return tr, true
		}
	}
	return TierRule{}, false
}
