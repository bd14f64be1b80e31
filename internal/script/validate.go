package script

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/script/match"
)

// ValidationError says what is wrong with one field.
type ValidationError = fault.Field

// ValidationErrors is every problem found in one input; errors.Is matches
// ErrInvalid.
type ValidationErrors = fault.Fields

// problems collects ValidationErrors.
type problems = fault.Problems

// Validate checks s as it would be saved and returns a ValidationErrors
// naming every bad field, or nil. It cleans s first (trims spaces, drops
// empty and repeated keywords and scope entries, fills defaults), so that
// what is checked is what is stored.
func Validate(s *Script) error {
	clean(s)
	var p problems
	validateText(&p, s)
	validateRule(&p, s)
	validateReplies(&p, s.Replies)
	validateScope(&p, s.Scope)
	validateLimits(&p, s)
	return p.Err()
}

func clean(s *Script) {
	s.Title = strings.TrimSpace(s.Title)
	s.Keywords = cleanList(s.Keywords)
	s.Scope.Tags = cleanList(s.Scope.Tags)
	s.Scope.ChatIDs = cleanList(s.Scope.ChatIDs)
	s.Scope.Stores = cleanList(s.Scope.Stores)
	s.ActiveHours = strings.TrimSpace(s.ActiveHours)
	s.TimeZone = strings.TrimSpace(s.TimeZone)
	if s.MatchMode == "" {
		s.MatchMode = match.ModeContains
	}
	if s.ReplyOrder == "" {
		s.ReplyOrder = OrderRotate
	}
	if s.TimeZone == "" {
		s.TimeZone = DefaultTimeZone
	}
}

// cleanList trims items and drops empty and repeated ones, keeping order.
func cleanList(items []string) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		it = strings.TrimSpace(it)
		if it != "" && !slices.Contains(out, it) {
			out = append(out, it)
		}
	}
	return out
}

func validateText(p *problems, s *Script) {
	switch n := utf8.RuneCountInString(s.Title); {
	case n == 0:
		p.Add("title", "标题不能为空 (title is required)")
	case n > maxTitle:
		p.Add("title", "标题最多 %d 个字 (at most %d characters)", maxTitle, maxTitle)
	}
	if s.CategoryID < 0 {
		p.Add("category_id", "分类无效 (must not be negative)")
	}
}

// validateRule checks the keywords and pattern as the matcher will compile
// them.
func validateRule(p *problems, s *Script) {
	regex := s.MatchMode == match.ModeRegex
	switch s.MatchMode {
	case match.ModeExact, match.ModeContains, match.ModeAll, match.ModeRegex:
	default:
		p.Add("match_mode", "匹配方式无效:%q (want exact, contains, all or regex)", s.MatchMode)
		return
	}
	n := len(*p)
	switch {
	case len(s.Keywords) == 0 && !regex:
		p.Add("keywords", "关键词不能为空 (at least one keyword)")
	case len(s.Keywords) > 0 && regex:
		p.Add("keywords", "正则匹配方式不使用关键词 (keywords are not used with match mode regex)")
	case len(s.Keywords) > maxKeywords:
		p.Add("keywords", "关键词最多 %d 个 (at most %d keywords)", maxKeywords, maxKeywords)
	}
	for i, k := range s.Keywords {
		if utf8.RuneCountInString(k) > maxKeyword {
			p.Add(fmt.Sprintf("keywords[%d]", i), "关键词最多 %d 个字 (at most %d characters)", maxKeyword, maxKeyword)
		}
	}
	switch {
	case regex && s.Pattern == "":
		p.Add("pattern", "正则表达式不能为空 (required for match mode regex)")
	case !regex && s.Pattern != "":
		p.Add("pattern", "只有正则匹配方式才使用正则表达式 (only used with match mode regex)")
	case len(s.Pattern) > maxPattern:
		p.Add("pattern", "正则表达式最长 %d 字节 (at most %d bytes)", maxPattern, maxPattern)
	}
	if len(*p) > n {
		return // the matcher's verdict would repeat what is already said
	}
	matcherVerdict(p, match.ValidateRule(ruleOf(s)))
}

// matcherVerdict adds the matcher's objection to a rule, if any, under the
// script's name for the field.
func matcherVerdict(p *problems, err error) {
	if err == nil {
		return
	}
	var fe *match.FieldError
	if !errors.As(err, &fe) {
		p.Add("pattern", "无法使用 (cannot be matched): %v", err)
		return
	}
	field := fe.Field
	if field == "mode" {
		field = "match_mode"
	}
	p.Add(field, "%s", fe.Problem)
}

func validateReplies(p *problems, replies []Reply) {
	switch {
	case len(replies) == 0:
		p.Add("replies", "至少需要一条回复 (at least one reply)")
	case len(replies) > maxReplies:
		p.Add("replies", "回复最多 %d 条 (at most %d replies)", maxReplies, maxReplies)
	}
	for i, r := range replies {
		validateReply(p, fmt.Sprintf("replies[%d]", i), r)
	}
}

func validateReply(p *problems, at string, r Reply) {
	switch r.Type {
	case ReplyText:
		requireBytes(p, at+".text", "回复内容", r.Text, maxTextBytes)
	case ReplyImage:
		requireURL(p, at+".media_url", r.MediaURL, true)
	case ReplyLink:
		requireBytes(p, at+".title", "链接标题", r.Title, maxLinkTitle)
		if len(r.Description) > maxLinkDesc {
			p.Add(at+".description", "链接描述最长 %d 字节 (at most %d bytes UTF-8)", maxLinkDesc, maxLinkDesc)
		}
		requireURL(p, at+".url", r.URL, true)
		requireURL(p, at+".pic_url", r.PicURL, false)
	case ReplyMiniProgram:
		requireBytes(p, at+".appid", "小程序 AppID", r.AppID, 64)
		requireBytes(p, at+".title", "小程序标题", r.Title, maxMiniTitle)
		requireBytes(p, at+".page", "小程序页面", r.Page, 1024)
		requireURL(p, at+".pic_url", r.PicURL, true)
	default:
		p.Add(at+".type", "回复类型无效:%q (want text, image, link or miniprogram)", r.Type)
	}
}

func requireBytes(p *problems, field, name, v string, max int) {
	switch {
	case strings.TrimSpace(v) == "":
		p.Add(field, "%s不能为空 (required)", name)
	case len(v) > max:
		p.Add(field, "%s最长 %d 字节,现为 %d (at most %d bytes UTF-8, got %d)", name, max, len(v), max, len(v))
	}
}

func requireURL(p *problems, field, v string, required bool) {
	if v == "" {
		if required {
			p.Add(field, "链接不能为空 (URL required)")
		}
		return
	}
	u, err := url.Parse(v)
	switch {
	case len(v) > maxURL:
		p.Add(field, "链接最长 %d 字节 (at most %d bytes)", maxURL, maxURL)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		p.Add(field, "链接须以 http:// 或 https:// 开头 (must be an http(s) URL)")
	}
}

func validateScope(p *problems, sc Scope) {
	for _, l := range []struct {
		field string
		items []string
	}{{"scope.tags", sc.Tags}, {"scope.chat_ids", sc.ChatIDs}, {"scope.stores", sc.Stores}} {
		if len(l.items) > maxScopeItems {
			p.Add(l.field, "最多 %d 项 (at most %d items)", maxScopeItems, maxScopeItems)
		}
		for i, it := range l.items {
			if utf8.RuneCountInString(it) > maxScopeItem {
				p.Add(fmt.Sprintf("%s[%d]", l.field, i), "最多 %d 个字 (at most %d characters)", maxScopeItem, maxScopeItem)
			}
		}
	}
	for i, c := range sc.Channels {
		if !slices.Contains(Channels(), c) {
			p.Add(fmt.Sprintf("scope.channels[%d]", i), "渠道无效:%q (want aibot, bridge, wechat or toolbar)", c)
		}
	}
}

func validateLimits(p *problems, s *Script) {
	if s.ReplyOrder != OrderRotate && s.ReplyOrder != OrderRandom {
		p.Add("reply_order", "回复顺序无效:%q (want rotate or random)", s.ReplyOrder)
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil {
		p.Add("time_zone", "时区无效:%q (unknown IANA time zone)", s.TimeZone)
	}
	if _, err := parseHours(s.ActiveHours); err != nil {
		p.Add("active_hours", "生效时段格式应为 09:00-21:00 (%v)", err)
	}
	if s.CooldownMinutes < 0 || s.CooldownMinutes > maxCooldown {
		p.Add("cooldown_minutes", "冷却分钟数须在 0 到 %d 之间 (must be 0..%d)", maxCooldown, maxCooldown)
	}
	if s.MemberLimit < 0 || s.MemberLimit > maxMemberLimit {
		p.Add("member_limit", "每人每小时次数须在 0 到 %d 之间 (must be 0..%d)", maxMemberLimit, maxMemberLimit)
	}
}

// hours is a daily window in minutes since midnight; end < start spans
// midnight. The zero value (always) has always set.
type hours struct {
	always     bool
	start, end int
}

// parseHours reads "HH:MM-HH:MM"; empty means always. An end of 24:00 is
// midnight at the end of the day.
func parseHours(s string) (hours, error) {
	if s == "" {
		return hours{always: true}, nil
	}
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return hours{}, errors.New("want HH:MM-HH:MM")
	}
	start, err := parseClock(strings.TrimSpace(a), false)
	if err != nil {
		return hours{}, err
	}
	end, err := parseClock(strings.TrimSpace(b), true)
	if err != nil {
		return hours{}, err
	}
	switch {
	case start == 0 && end == 24*60:
		return hours{always: true}, nil
	case start == end:
		return hours{}, errors.New("start equals end; leave empty for all day")
	}
	return hours{start: start, end: end}, nil
}

func parseClock(s string, end bool) (int, error) {
	if end && s == "24:00" {
		return 24 * 60, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, fmt.Errorf("%q is not a time of day HH:MM", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// contains reports whether the minute of day m falls in h.
func (h hours) contains(m int) bool {
	switch {
	case h.always:
		return true
	case h.start < h.end:
		return m >= h.start && m < h.end
	}
	return m >= h.start || m < h.end
}

// ruleOf is s as the matcher sees it.
func ruleOf(s *Script) match.Rule {
	return match.Rule{ID: s.ID, Mode: s.MatchMode, Keywords: s.Keywords, Pattern: s.Pattern, Priority: s.Priority}
}

func validateActor(actor string) error {
	if utf8.RuneCountInString(actor) > maxActor {
		return ValidationErrors{{Field: "actor", Message: fmt.Sprintf("操作人最多 %d 个字 (at most %d characters)", maxActor, maxActor)}}
	}
	return nil
}
