package script

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/qunbot/qunbot/internal/script/match"
)

// The columns of a library sheet, by the Chinese names an export writes and
// row errors report. Each also has an English alias (see columns).
const (
	colID       = "ID"
	colVersion  = "版本"
	colCategory = "分类"
	colTitle    = "标题"
	colKeywords = "关键词"
	colMode     = "匹配方式"
	colPattern  = "正则"
	colReply    = "回复" // also 回复1, 回复2, …
	colOther    = "其他回复(JSON)"
	colOrder    = "回复顺序"
	colPriority = "优先级"
	colHours    = "生效时段"
	colTimeZone = "时区"
	colCooldown = "冷却分钟"
	colLimit    = "每人每小时上限"
	colChannels = "适用渠道"
	colTags     = "适用标签"
	colChats    = "适用群"
	colStores   = "适用门店"
	colEnabled  = "启用"
)

// maxReplyColumn is the highest N of a 回复N column.
const maxReplyColumn = 99

// column is one column of the sheet other than the text replies: how a cell
// is read into a row and how a script is written into a cell.
type column struct {
	name    string
	aliases []string
	field   string // the Validate field it answers for, "" for none
	parse   func(in *rowInput, v string) error
	export  func(x *exportRow) any
}

// columns lists the columns in the order an export writes them; the text
// reply columns go just before 其他回复(JSON).
func columns() []column {
	return []column{
		{name: colID, aliases: []string{"id"}, parse: counter(func(in *rowInput, n int64) { in.id = n }, "ID 应为正整数;新建话术请留空 (want a positive whole number, or empty to create)"), export: func(x *exportRow) any { return x.sc.ID }},
		{name: colVersion, aliases: []string{"version"}, parse: counter(func(in *rowInput, n int64) { in.version = n }, "版本应为正整数,或留空 (want a positive whole number, or empty)"), export: func(x *exportRow) any { return x.sc.Version }},
		{name: colCategory, aliases: []string{"category"}, field: "category_id", parse: parseCategory, export: func(x *exportRow) any { return x.category }},
		{name: colTitle, aliases: []string{"title"}, field: "title", parse: text(func(s *Script, v string) { s.Title = v }), export: func(x *exportRow) any { return x.sc.Title }},
		{name: colKeywords, aliases: []string{"keywords"}, field: "keywords", parse: list(func(s *Script, v []string) { s.Keywords = v }), export: func(x *exportRow) any { return joinList(x.sc.Keywords) }},
		{name: colMode, aliases: []string{"match_mode", "mode"}, field: "match_mode", parse: parseMode, export: func(x *exportRow) any { return modeNames[x.sc.MatchMode] }},
		{name: colPattern, aliases: []string{"pattern", "regex"}, field: "pattern", parse: parsePattern, export: func(x *exportRow) any { return x.sc.Pattern }},
		{name: colOther, aliases: []string{"其他回复", "other_replies", "replies_json"}, parse: parseOther, export: exportOther},
		{name: colOrder, aliases: []string{"reply_order"}, field: "reply_order", parse: parseOrder, export: func(x *exportRow) any { return orderNames[x.sc.ReplyOrder] }},
		{name: colPriority, aliases: []string{"priority"}, parse: number(func(s *Script, n int) { s.Priority = n }), export: func(x *exportRow) any { return x.sc.Priority }},
		{name: colHours, aliases: []string{"active_hours"}, field: "active_hours", parse: text(func(s *Script, v string) { s.ActiveHours = v }), export: func(x *exportRow) any { return x.sc.ActiveHours }},
		{name: colTimeZone, aliases: []string{"time_zone"}, field: "time_zone", parse: text(func(s *Script, v string) { s.TimeZone = v }), export: exportTimeZone},
		{name: colCooldown, aliases: []string{"cooldown_minutes", "冷却分钟数"}, field: "cooldown_minutes", parse: number(func(s *Script, n int) { s.CooldownMinutes = n }), export: func(x *exportRow) any { return x.sc.CooldownMinutes }},
		{name: colLimit, aliases: []string{"member_limit"}, field: "member_limit", parse: number(func(s *Script, n int) { s.MemberLimit = n }), export: func(x *exportRow) any { return x.sc.MemberLimit }},
		{name: colChannels, aliases: []string{"channels"}, field: "scope.channels", parse: parseChannels, export: exportChannels},
		{name: colTags, aliases: []string{"tags"}, field: "scope.tags", parse: list(func(s *Script, v []string) { s.Scope.Tags = v }), export: func(x *exportRow) any { return joinList(x.sc.Scope.Tags) }},
		{name: colChats, aliases: []string{"chat_ids", "groups"}, field: "scope.chat_ids", parse: list(func(s *Script, v []string) { s.Scope.ChatIDs = v }), export: func(x *exportRow) any { return joinList(x.sc.Scope.ChatIDs) }},
		{name: colStores, aliases: []string{"stores"}, field: "scope.stores", parse: list(func(s *Script, v []string) { s.Scope.Stores = v }), export: func(x *exportRow) any { return joinList(x.sc.Scope.Stores) }},
		{name: colEnabled, aliases: []string{"enabled"}, parse: parseEnabled, export: func(x *exportRow) any { return boolNames[x.sc.Enabled] }},
	}
}

// required are the columns a sheet must have.
var required = []string{colTitle, colKeywords, colReply}

// Names of values as an export writes them; an import also takes the
// English codes.
var (
	modeNames = map[match.Mode]string{
		match.ModeExact: "精确", match.ModeContains: "包含", match.ModeAll: "全部", match.ModeRegex: "正则",
	}
	orderNames   = map[ReplyOrder]string{OrderRotate: "轮流", OrderRandom: "随机"}
	boolNames    = map[bool]string{true: "是", false: "否"}
	channelNames = map[string]Channel{
		"智能机器人": ChannelAIBot, "机器人": ChannelAIBot, "桥接": ChannelBridge, "公众号": ChannelWeChat, "微信公众号": ChannelWeChat, "聊天工具栏": ChannelToolbar,
	}
)

// fold is s as header names and value names are compared: trimmed, without
// spaces, full-width and traditional forms folded, lower case. Operators in
// Taiwan and Hong Kong thus may write 標題 or 啟用.
func fold(s string) string {
	return strings.ReplaceAll(string(match.Normalize(nil, s)), " ", "")
}

// text sets a trimmed string.
func text(set func(*Script, string)) func(*rowInput, string) error {
	return func(in *rowInput, v string) error {
		v = strings.TrimSpace(v)
		in.edit(func(s *Script) { set(s, v) })
		return nil
	}
}

// list sets a list cell: one item a line when the cell has line breaks,
// else items separated by | 、 , or ,.
func list(set func(*Script, []string)) func(*rowInput, string) error {
	return func(in *rowInput, v string) error {
		items := splitList(v)
		in.edit(func(s *Script) { set(s, items) })
		return nil
	}
}

// listSeparators are the separators of a list cell without line breaks.
const listSeparators = "|、,,"

func splitList(v string) []string {
	var items []string
	if strings.Contains(v, "\n") {
		items = strings.Split(v, "\n")
	} else {
		items = strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(listSeparators, r) })
	}
	return cleanList(items)
}

// joinList writes items so that splitList reads them back: separated by |
// unless an item holds a separator, then each ended by a line break.
func joinList(items []string) string {
	for _, it := range items {
		if strings.ContainsAny(it, listSeparators) {
			return strings.Join(items, "\n") + "\n"
		}
	}
	return strings.Join(items, "|")
}

// number sets a whole number; empty is 0.
func number(set func(*Script, int)) func(*rowInput, string) error {
	return func(in *rowInput, v string) error {
		n, err := parseNumber(v)
		if err != nil {
			return err
		}
		in.edit(func(s *Script) { set(s, int(n)) })
		return nil
	}
}

// parseNumber reads a whole number as typed or as Excel stores it ("10",
// "10.0", "1E+3"); empty is 0.
func parseNumber(v string) (int64, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(v, 10, 32); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		return 0, fmt.Errorf("应为整数,而不是 %q (want a whole number)", v)
	}
	return int64(f), nil
}

// counter reads a non-negative whole number into the row itself (ID, 版本).
func counter(set func(*rowInput, int64), problem string) func(*rowInput, string) error {
	return func(in *rowInput, v string) error {
		n, err := parseNumber(v)
		if err != nil || n < 0 {
			return errors.New(problem)
		}
		set(in, n)
		return nil
	}
}

func parseCategory(in *rowInput, v string) error {
	c := Category{Name: strings.TrimSpace(v)}
	if c.Name != "" {
		var ve ValidationErrors
		if errors.As(validateCategory(&c), &ve) {
			return errors.New(ve[0].Message)
		}
	}
	in.category = &c.Name
	return nil
}

func parseMode(in *rowInput, v string) error {
	m, ok := lookupName(v, modeNames)
	switch {
	case strings.TrimSpace(v) == "":
		m = match.ModeContains
	case !ok:
		return fmt.Errorf("应为 精确、包含、全部 或 正则,而不是 %q (want exact, contains, all or regex)", v)
	}
	in.edit(func(s *Script) { s.MatchMode = m })
	return nil
}

func parseOrder(in *rowInput, v string) error {
	o, ok := lookupName(v, orderNames)
	switch {
	case strings.TrimSpace(v) == "":
		o = OrderRotate
	case !ok:
		return fmt.Errorf("应为 轮流 或 随机,而不是 %q (want rotate or random)", v)
	}
	in.edit(func(s *Script) { s.ReplyOrder = o })
	return nil
}

// lookupName finds the value whose Chinese name or English code is v.
func lookupName[V ~string](v string, names map[V]string) (V, bool) {
	v = fold(v)
	for code, name := range names {
		if v == fold(name) || v == string(code) {
			return code, true
		}
	}
	return "", false
}

// parsePattern keeps the pattern as typed: spaces may be part of it.
func parsePattern(in *rowInput, v string) error {
	if strings.TrimSpace(v) == "" {
		v = ""
	}
	in.edit(func(s *Script) { s.Pattern = v })
	return nil
}

func parseEnabled(in *rowInput, v string) error {
	var on bool
	switch fold(v) {
	case "", "是", "true", "1", "yes", "y", "启用", "开":
		on = true
	case "否", "false", "0", "no", "n", "停用", "关":
	default:
		return fmt.Errorf("应为 是 或 否,而不是 %q (want yes or no)", v)
	}
	in.edit(func(s *Script) { s.Enabled = on })
	return nil
}

// parseChannels reads channel codes or their Chinese names; unknown ones are
// left for Validate to name.
func parseChannels(in *rowInput, v string) error {
	var chs []Channel
	for _, it := range splitList(v) {
		c, ok := channelNames[fold(it)]
		if !ok {
			c = Channel(fold(it))
		}
		chs = append(chs, c)
	}
	in.edit(func(s *Script) { s.Scope.Channels = chs })
	return nil
}

func exportChannels(x *exportRow) any {
	items := make([]string, len(x.sc.Scope.Channels))
	for i, c := range x.sc.Scope.Channels {
		items[i] = string(c)
	}
	return joinList(items)
}

// exportTimeZone leaves the default zone out, as most operators never set
// one.
func exportTimeZone(x *exportRow) any {
	if x.sc.TimeZone == DefaultTimeZone {
		return ""
	}
	return x.sc.TimeZone
}

// parseOther reads the replies that are not plain text cells: a JSON array
// of replies (or one reply object), as an export writes them.
func parseOther(in *rowInput, v string) error {
	in.othersGiven = true
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	if strings.HasPrefix(v, "{") {
		v = "[" + v + "]"
	}
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in.others); err != nil {
		in.others = nil
		return fmt.Errorf(`应为 JSON 数组,如 [{"type":"image","media_url":"https://…"}] (want a JSON array of replies: %v)`, err)
	}
	return nil
}

func exportOther(x *exportRow) any { return x.othersJSON }
