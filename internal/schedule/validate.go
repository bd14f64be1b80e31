package schedule

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/qunbot/qunbot/internal/bridge"
	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/wecom"
)

// Limits of a task's fields.
const (
	maxNameRunes      = 128
	maxCronRunes      = 128
	maxRecipients     = 1000 // message/send touser
	maxAppTextBytes   = 2048 // message/send text and markdown
	maxBroadcastBytes = 4000 // add_msg_template text
	maxSelectorItems  = 2000
	maxHeaders        = 20
)

// validate checks t before it is saved, collecting every problem. now is
// when the expression must fire after.
func validate(t *Task, now time.Time) error {
	var p fault.Problems
	t.Name = strings.TrimSpace(t.Name)
	switch n := utf8.RuneCountInString(t.Name); {
	case n == 0:
		p.Add("name", "任务名称不能为空 (name is required)")
	case n > maxNameRunes:
		p.Add("name", "任务名称最多 %d 个字 (name is at most %d characters)", maxNameRunes, maxNameRunes)
	}
	validateTiming(&p, t, now)
	if t.Status == "" {
		t.Status = StatusActive
	}
	if t.Status != StatusActive && t.Status != StatusPaused {
		p.Add("status", "状态只能是 active 或 paused (status is active or paused)")
	}
	validateSpec(&p, t)
	return p.Err()
}

func validateTiming(p *fault.Problems, t *Task, now time.Time) {
	t.Cron = strings.Join(strings.Fields(t.Cron), " ")
	if t.TimeZone == "" {
		t.TimeZone = DefaultTimeZone
	}
	if t.GraceMinutes == nil {
		g := DefaultGraceMinutes
		t.GraceMinutes = &g
	}
	if g := *t.GraceMinutes; g < 0 || g > MaxGraceMinutes {
		p.Add("grace_minutes", "补跑窗口应在 0 到 %d 分钟之间 (grace_minutes is 0 to %d)", MaxGraceMinutes, MaxGraceMinutes)
	}
	if _, err := LoadZone(t.TimeZone); err != nil {
		p.Add("time_zone", "%s", err.Error())
		return
	}
	if utf8.RuneCountInString(t.Cron) > maxCronRunes {
		p.Add("cron", "cron 表达式最多 %d 个字符 (cron is at most %d characters)", maxCronRunes, maxCronRunes)
		return
	}
	if _, err := Preview(t.Cron, t.TimeZone, now, 1); err != nil {
		p.Add("cron", "%s", err.Error())
	}
}

// validateSpec checks that exactly the part Kind names is set, and that
// part.
func validateSpec(p *fault.Problems, t *Task) {
	set := map[Kind]bool{
		KindBroadcast: t.Broadcast != nil, KindGroupMessage: t.GroupMessage != nil,
		KindReminder: t.Reminder != nil, KindReport: t.Report != nil, KindWebhook: t.Webhook != nil,
	}
	if !slices.Contains(Kinds(), t.Kind) {
		p.Add("kind", "任务类型应为 broadcast、group_message、reminder、report 或 webhook (kind %q is unknown)", t.Kind)
		return
	}
	for k, isSet := range set {
		if isSet && k != t.Kind {
			p.Add(string(k), "%s 任务不能带 %s 设置 (a %s task has no %s part)", t.Kind, k, t.Kind, k)
		}
	}
	if !set[t.Kind] {
		p.Add(string(t.Kind), "缺少 %s 设置 (the %s part is required)", t.Kind, t.Kind)
		return
	}
	switch t.Kind {
	case KindBroadcast:
		validateAudience(p, "broadcast.audience", t.Broadcast.Audience)
		validateBroadcastContent(p, t.Broadcast.Content)
	case KindGroupMessage:
		validateAudience(p, "group_message.audience", t.GroupMessage.Audience)
		validateGroupContent(p, t.GroupMessage.Content)
	case KindReminder:
		validateReminder(p, t.Reminder)
	case KindReport:
		validateReport(p, t.Report)
	case KindWebhook:
		validateWebhook(p, t.Webhook)
	}
}

func validateAudience(p *fault.Problems, field string, s Selector) {
	if s.empty() {
		p.Add(field, "请按门店、标签或群列表选择至少一个群 (choose groups by store, tag or chat id)")
	}
	if len(s.StoreIDs)+len(s.Tags)+len(s.ChatIDs) > maxSelectorItems {
		p.Add(field, "选择条件最多 %d 项 (at most %d items)", maxSelectorItems, maxSelectorItems)
	}
	for i, id := range s.ChatIDs {
		if strings.TrimSpace(id) == "" {
			p.Add(fmt.Sprintf("%s.chat_ids[%d]", field, i), "群 ID 不能为空 (chat id is empty)")
		}
	}
}

func validateBroadcastContent(p *fault.Problems, c Content) {
	if len(c.Text) > maxBroadcastBytes {
		p.Add("broadcast.text", "群发文字最多 %d 字节 (text is at most %d bytes)", maxBroadcastBytes, maxBroadcastBytes)
	}
	_, err := msgTemplate(c, "owner", []string{"chat"})
	addContentError(p, "broadcast", err)
}

func validateGroupContent(p *fault.Problems, c Content) {
	_, err := bridgeMessages(c, "check", "chat")
	addContentError(p, "group_message", err)
}

// addContentError files a content error under its field when it names one.
func addContentError(p *fault.Problems, part string, err error) {
	if err == nil {
		return
	}
	var fe *contentError
	if errors.As(err, &fe) {
		p.Add(part+"."+fe.field, "%s", fe.msg)
		return
	}
	p.Add(part, "%s", err.Error())
}

// contentError is a problem with one field of a message's content.
type contentError struct{ field, msg string }

func (e *contentError) Error() string { return e.field + ": " + e.msg }

func validateRecipients(p *fault.Problems, field string, users []string) {
	if len(users) == 0 {
		p.Add(field, "请填写至少一位接收人的企业微信账号 (at least one recipient userid)")
	}
	if len(users) > maxRecipients {
		p.Add(field, "接收人最多 %d 位 (at most %d recipients)", maxRecipients, maxRecipients)
	}
	for i, u := range users {
		if strings.TrimSpace(u) == "" || strings.ContainsAny(u, "| ") {
			p.Add(fmt.Sprintf("%s[%d]", field, i), "企业微信账号 %q 无效 (invalid userid)", u)
		}
	}
}

func validateReminder(p *fault.Problems, r *ReminderSpec) {
	validateRecipients(p, "reminder.to_users", r.ToUsers)
	switch {
	case strings.TrimSpace(r.Text) == "":
		p.Add("reminder.text", "提醒内容不能为空 (text is required)")
	case len(r.Text) > maxAppTextBytes:
		p.Add("reminder.text", "提醒内容最多 %d 字节 (text is at most %d bytes)", maxAppTextBytes, maxAppTextBytes)
	}
}

func validateReport(p *fault.Problems, r *ReportSpec) {
	validateRecipients(p, "report.to_users", r.ToUsers)
	if r.Period != PeriodDaily && r.Period != PeriodWeekly {
		p.Add("report.period", "报表周期应为 daily 或 weekly (period is daily or weekly)")
	}
	for i, s := range r.Sections {
		if !slices.Contains(AllSections(), s) {
			p.Add(fmt.Sprintf("report.sections[%d]", i), "未知的报表栏目 %q,可选 %s (unknown section)", s, strings.Join(AllSections(), "、"))
		}
	}
}

func validateWebhook(p *fault.Problems, w *WebhookSpec) {
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.Add("webhook.url", "请填写 http 或 https 的完整地址 (url must be an absolute http or https URL)")
	}
	if len(w.Body) > 0 && !isJSONValue(w.Body) {
		p.Add("webhook.body", "请求体必须是 JSON (body must be JSON)")
	}
	if w.TimeoutSeconds < 0 || time.Duration(w.TimeoutSeconds)*time.Second > MaxWebhookTimeout {
		p.Add("webhook.timeout_seconds", "超时应在 1 到 %d 秒之间 (timeout_seconds is 1 to %d)", int(MaxWebhookTimeout.Seconds()), int(MaxWebhookTimeout.Seconds()))
	}
	if len(w.Headers) > maxHeaders {
		p.Add("webhook.headers", "请求头最多 %d 个 (at most %d headers)", maxHeaders, maxHeaders)
	}
	for name, value := range w.Headers {
		if !validHeader(name, value) {
			p.Add("webhook.headers", "请求头 %q 无效或不允许设置 (header %q is invalid or reserved)", name, name)
		}
	}
}

// reservedHeaders are set by qunbot or by the HTTP client.
var reservedHeaders = []string{"Host", "Content-Length", "Content-Type", "Transfer-Encoding", "Connection", "Idempotency-Key"}

func validHeader(name, value string) bool {
	canonical := http.CanonicalHeaderKey(name)
	if name == "" || slices.Contains(reservedHeaders, canonical) || strings.HasPrefix(canonical, "X-Qunbot-") {
		return false
	}
	isToken := strings.IndexFunc(name, func(r rune) bool { return r <= ' ' || r > '~' || strings.ContainsRune("()<>@,;:\\\"/[]?={}", r) }) < 0
	return isToken && !strings.ContainsAny(value, "\r\n\x00")
}

// checkAttachmentCount is WeCom's limit of nine attachments.
func checkAttachmentCount(n int) error {
	if n > wecom.MaxAttachments {
		return &contentError{"attachments", fmt.Sprintf("附件最多 %d 个 (at most %d attachments)", wecom.MaxAttachments, wecom.MaxAttachments)}
	}
	return nil
}

// outgoingError files a bridge validation error under the attachment or
// text it came from.
func outgoingError(field string, err error) error {
	var fe *bridge.FieldError
	if errors.As(err, &fe) {
		return &contentError{field, fmt.Sprintf("%s 无效:%s (%s: %s)", fe.Field, fe.Problem, fe.Field, fe.Problem)}
	}
	return &contentError{field, err.Error()}
}
