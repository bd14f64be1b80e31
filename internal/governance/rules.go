// Package governance enforces a group's rules (群规): it detects ads,
// insults and flooding from members, answers each offence with the next
// step of a ladder (warning → final warning → removal request to the group
// owner → announcement), records every step per member, and raises an early
// warning (三级预警) when a group's share or volume of negative messages in a
// day crosses an operator-set threshold.
package governance

import (
	"fmt"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/script/match"
)

// Rules are what operators edit about group rules. A saved set has a
// version; the highest is in force.
type Rules struct {
	Version int64       `json:"version"`
	Enabled bool        `json:"enabled"`
	Ads     AdRule      `json:"ads"`
	Insults InsultRule  `json:"insults"`
	Flood   FloodRule   `json:"flood"`
	Ladder  Ladder      `json:"ladder"`
	Alerts  AlertConfig `json:"alerts"`
}

// AdRule says which kinds of advertising count (防广告).
type AdRule struct {
	Enabled   bool `json:"enabled"`
	Links     bool `json:"links"`
	Phones    bool `json:"phones"`
	WeChatIDs bool `json:"wechat_ids"`
	// QRImages checks image messages for QR codes; it needs a QR decoder
	// wired into the service, without one images are not checked.
	QRImages bool `json:"qr_images"`
	// AllowDomains are link hosts that are never ads (the brand's own).
	AllowDomains []string `json:"allow_domains"`
}

// InsultRule is the lexicon of insults (辱骂).
type InsultRule struct {
	Enabled bool     `json:"enabled"`
	Terms   []string `json:"terms"`
}

// FloodRule: Messages from one member within Seconds is flooding (防刷屏).
type FloodRule struct {
	Enabled  bool `json:"enabled"`
	Messages int  `json:"messages"`
	Seconds  int  `json:"seconds"`
}

// Ladder holds the texts of each step and how long offences count.
type Ladder struct {
	// WindowDays: offences older than this are forgotten (0: never).
	WindowDays int `json:"window_days"`
	// Texts may use {name} (the member), {violation} (what they did) and
	// {chat} (the group's name).
	WarningText      string `json:"warning_text"`
	FinalWarningText string `json:"final_warning_text"`
	RemovalText      string `json:"removal_text"` // to the group owner
	AnnouncementText string `json:"announcement_text"`
	// ResultText is announced when a member with a removal request leaves
	// the group removed (empty: the default text).
	ResultText string `json:"result_text"`
}

// defaultResultText announces a removal that happened.
const defaultResultText = "成员 {name} 因多次{violation},已被移出本群。"

// AlertConfig is the early warning: levels with thresholds, and who is told.
type AlertConfig struct {
	Enabled bool `json:"enabled"`
	// NotifyUsers are the WeCom user ids of operators who get the alert as
	// an app message.
	NotifyUsers []string `json:"notify_users"`
	// MinNegative negative messages in a day are needed before any level
	// fires, so that one gripe in a quiet group is no alarm.
	MinNegative int          `json:"min_negative"`
	TimeZone    string       `json:"time_zone"` // days are counted in this zone
	Levels      []AlertLevel `json:"levels"`
}

// AlertLevel fires when the day's negative share exceeds SharePercent, or
// negative messages rose RisePercent over the day before.
type AlertLevel struct {
	Level        int    `json:"level"` // 1, 2, 3: higher is worse
	Name         string `json:"name"`
	SharePercent int    `json:"share_percent"`
	RisePercent  int    `json:"rise_percent"`
}

// DefaultRules are the defaults until operators save their own.
func DefaultRules() Rules {
	return Rules{
		Enabled: true,
		Ads:     AdRule{Enabled: true, Links: true, Phones: true, WeChatIDs: true, QRImages: true},
		Insults: InsultRule{Enabled: true, Terms: []string{
			"傻逼", "煞笔", "傻b", "sb", "脑残", "白痴", "智障", "弱智", "废物", "垃圾人", "狗东西", "王八蛋",
			"他妈的", "tmd", "nmsl", "cnm", "操你", "滚蛋", "滚出去", "去死", "贱人", "畜生",
		}},
		Flood: FloodRule{Enabled: true, Messages: 8, Seconds: 30},
		Ladder: Ladder{
			WindowDays:       30,
			WarningText:      "@{name} 温馨提醒:本群禁止{violation},请遵守群规,谢谢配合。",
			FinalWarningText: "@{name} 最后一次提醒:请勿{violation},再次违反将被移出本群。",
			RemovalText:      "群「{chat}」成员 {name} 多次{violation},已两次提醒无效,请将其移出群聊(企业微信没有移出客户群成员的接口,请在客户端操作)。",
			AnnouncementText: "成员 {name} 多次{violation},已提请群主移出本群。请大家共同维护良好的交流环境。",
			ResultText:       defaultResultText,
		},
		Alerts: AlertConfig{Enabled: true, MinNegative: 5, TimeZone: "Asia/Shanghai", Levels: []AlertLevel{
			{Level: 1, Name: "三级预警(关注)", SharePercent: 15, RisePercent: 300},
			{Level: 2, Name: "二级预警(警惕)", SharePercent: 25, RisePercent: 500},
			{Level: 3, Name: "一级预警(紧急)", SharePercent: 40, RisePercent: 1000},
		}},
	}
}

var hostPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)

// Validate checks r; problems are reported per field, Chinese first.
func (r *Rules) Validate() error {
	var p fault.Problems
	for i, d := range r.Ads.AllowDomains {
		if !hostPattern.MatchString(d) {
			p.Add(fmt.Sprintf("ads.allow_domains[%d]", i), "域名 %q 无效 (not a host name such as brand.com)", d)
		}
	}
	if len(r.Insults.Terms) > 2000 {
		p.Add("insults.terms", "最多 2000 个词 (at most 2000 terms)")
	}
	for i, t := range r.Insults.Terms {
		if n := utf8.RuneCountInString(match.NormalizeString(t)); n == 0 || n > 32 {
			p.Add(fmt.Sprintf("insults.terms[%d]", i), "词条 %q 须为 1 到 32 个字 (term must be 1 to 32 characters after normalisation)", t)
		}
	}
	if r.Flood.Messages < 2 || r.Flood.Messages > 200 {
		p.Add("flood.messages", "须在 2 到 200 之间 (must be 2 to 200)")
	}
	if r.Flood.Seconds < 1 || r.Flood.Seconds > 3600 {
		p.Add("flood.seconds", "须在 1 到 3600 秒之间 (must be 1 to 3600)")
	}
	validateLadder(&p, r.Ladder)
	validateAlerts(&p, r.Alerts)
	return p.Err()
}

func validateLadder(p *fault.Problems, l Ladder) {
	if l.WindowDays < 0 || l.WindowDays > 3650 {
		p.Add("ladder.window_days", "须在 0 到 3650 天之间 (must be 0 to 3650)")
	}
	for field, text := range map[string]string{
		"ladder.warning_text": l.WarningText, "ladder.final_warning_text": l.FinalWarningText,
		"ladder.removal_text": l.RemovalText, "ladder.announcement_text": l.AnnouncementText,
	} {
		if n := utf8.RuneCountInString(text); n == 0 || n > 500 {
			p.Add(field, "文案须为 1 到 500 个字 (text must be 1 to 500 characters)")
		}
	}
	if utf8.RuneCountInString(l.ResultText) > 500 {
		p.Add("ladder.result_text", "文案不能超过 500 个字 (text is at most 500 characters)")
	}
}

func validateAlerts(p *fault.Problems, a AlertConfig) {
	if _, err := time.LoadLocation(zoneOr(a.TimeZone)); err != nil {
		p.Add("alerts.time_zone", "未知时区 %q (unknown time zone)", a.TimeZone)
	}
	if a.MinNegative < 1 || a.MinNegative > 100000 {
		p.Add("alerts.min_negative", "须在 1 到 100000 之间 (must be 1 to 100000)")
	}
	if a.Enabled && len(a.Levels) == 0 {
		p.Add("alerts.levels", "至少需要一个预警级别 (at least one level)")
	}
	seen := map[int]bool{}
	for i, l := range a.Levels {
		f := fmt.Sprintf("alerts.levels[%d]", i)
		if l.Level < 1 || l.Level > 9 || seen[l.Level] {
			p.Add(f+".level", "级别须为 1 到 9 且不重复 (level must be 1 to 9, once each)")
		}
		seen[l.Level] = true
		if l.SharePercent < 1 || l.SharePercent > 100 {
			p.Add(f+".share_percent", "占比须在 1 到 100 之间 (must be 1 to 100)")
		}
		if l.RisePercent < 1 || l.RisePercent > 100000 {
			p.Add(f+".rise_percent", "增幅须在 1 到 100000 之间 (must be 1 to 100000)")
		}
		if n := utf8.RuneCountInString(l.Name); n == 0 || n > 32 {
			p.Add(f+".name", "名称须为 1 到 32 个字 (name must be 1 to 32 characters)")
		}
	}
	for i, u := range a.NotifyUsers {
		if u == "" || len(u) > 64 {
			p.Add(fmt.Sprintf("alerts.notify_users[%d]", i), "成员账号须为 1 到 64 个字符 (user id must be 1 to 64 characters)")
		}
	}
}

// DefaultTimeZone is the zone days are counted in unless the rules say.
const DefaultTimeZone = "Asia/Shanghai"

func zoneOr(tz string) string {
	if tz == "" {
		return DefaultTimeZone
	}
	return tz
}
