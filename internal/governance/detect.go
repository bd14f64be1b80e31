package governance

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/qunbot/qunbot/internal/script/match"
)

// The kinds of violation.
const (
	ViolationAd     = "ad"
	ViolationInsult = "insult"
	ViolationFlood  = "flood"
)

// Violation is one breach of the group rules found in a message.
type Violation struct {
	Kind     string `json:"kind"`     // ad, insult or flood
	Evidence string `json:"evidence"` // what was found, for the record
}

// Label is the violation in Chinese, as it reads after 禁止 or 多次.
func (v Violation) Label() string {
	switch v.Kind {
	case ViolationAd:
		return "发布广告"
	case ViolationInsult:
		return "辱骂他人"
	case ViolationFlood:
		return "刷屏"
	}
	return v.Kind
}

var (
	linkRe   = regexp.MustCompile(`(?:https?://|www\.)[^\s]+|[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|top|xyz|vip|cc|shop|club|site|info|me|io|link|cn\.com)(?:/[^\s]*)?`)
	phoneRe  = regexp.MustCompile(`1[3-9](?:[ -]?[0-9]){9}`)
	wechatRe = regexp.MustCompile(`(?:微信号?|weixin|wechat|vx|wx|v信|薇信|威信|加v|加微|\+v)\s*[::]?\s*([a-z][-_a-z0-9]{5,19})`)
)

// checker finds ads and insults in text under one version of the rules. It
// is immutable and safe for concurrent use.
type checker struct {
	rules   Rules
	insults *match.Matcher
	terms   []string // normalised insult terms by rule id
}

func newChecker(r Rules) (*checker, error) {
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("compile group rules: %w", err)
	}
	c := &checker{rules: r}
	var rules []match.Rule
	for _, t := range r.Insults.Terms {
		n := match.NormalizeString(t)
		rules = append(rules, match.Rule{ID: int64(len(c.terms)), Mode: match.ModeContains, Keywords: []string{n}})
		c.terms = append(c.terms, n)
	}
	m, err := match.Compile(rules)
	if err != nil {
		return nil, fmt.Errorf("compile insult lexicon: %w", err)
	}
	c.insults = m
	return c, nil
}

// check returns the ads and insults in text (not flooding, which needs
// the member's recent messages).
func (c *checker) check(text string) []Violation {
	norm := match.NormalizeString(text)
	var out []Violation
	if ad := c.ad(norm); ad != "" {
		out = append(out, Violation{Kind: ViolationAd, Evidence: ad})
	}
	if c.rules.Insults.Enabled {
		if term := c.insult(norm); term != "" {
			out = append(out, Violation{Kind: ViolationInsult, Evidence: "辱骂词「" + term + "」"})
		}
	}
	return out
}

// ad returns evidence of advertising in normalised text, or "".
func (c *checker) ad(norm string) string {
	a := c.rules.Ads
	if !a.Enabled {
		return ""
	}
	if a.WeChatIDs {
		if m := wechatRe.FindStringSubmatch(norm); m != nil {
			return "微信号 " + m[1]
		}
	}
	if a.Phones {
		for _, loc := range phoneRe.FindAllStringIndex(norm, -1) {
			if !digitAt(norm, loc[0]-1) && !digitAt(norm, loc[1]) {
				return "手机号 " + norm[loc[0]:loc[1]]
			}
		}
	}
	if a.Links {
		for _, l := range linkRe.FindAllString(norm, -1) {
			if !c.allowed(l) {
				return "链接 " + l
			}
		}
	}
	return ""
}

func digitAt(s string, i int) bool { return i >= 0 && i < len(s) && s[i] >= '0' && s[i] <= '9' }

// allowed reports whether link's host is one of the allowed domains or
// under one.
func (c *checker) allowed(link string) bool {
	host := link
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	if i := strings.IndexAny(host, "/?#:"); i >= 0 {
		host = host[:i]
	}
	for _, d := range c.rules.Ads.AllowDomains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// insult returns the first insult term in normalised text that is not part
// of a longer Latin word (sb in usb is no insult), or "".
func (c *checker) insult(norm string) string {
	for _, h := range c.insults.Match([]byte(norm), nil) {
		term := c.terms[h.RuleID]
		for start := h.Start; start >= 0; {
			end := start + len(term)
			if !wordInside(norm, term, start, end) {
				return term
			}
			next := strings.Index(norm[end:], term)
			if next < 0 {
				break
			}
			start = end + next
		}
	}
	return ""
}

func wordInside(s, term string, start, end int) bool {
	alnum := func(b byte) bool { return b-'0' < 10 || b-'a' < 26 }
	if alnum(term[0]) && start > 0 && alnum(s[start-1]) {
		return true
	}
	return alnum(term[len(term)-1]) && end < len(s) && alnum(s[end])
}
