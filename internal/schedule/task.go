// Package schedule runs operators' tasks on a fixed rhythm (定时任务): group
// broadcasts (群发), messages into groups where the bot can speak, reminders
// and reports to staff, and webhooks. Tasks live in the database; the bot's
// Scheduler polls a change marker every second, so a task saved in the
// console takes effect within two seconds. Each occurrence is claimed by
// inserting its run (task, scheduled time) once, so several replicas run it
// exactly once; each run is recorded with what it sent and, for groups, the
// outcome in each group.
package schedule

import (
	"encoding/json"
	"time"
)

// Kind is what a task does when it runs.
type Kind string

// The kinds of task.
const (
	// KindBroadcast is a 群发 to customer groups (add_msg_template with
	// chat_type=group); each group owner confirms it in the WeCom client.
	KindBroadcast Kind = "broadcast"
	// KindGroupMessage says something at once in groups where the bot can
	// speak (the bridge).
	KindGroupMessage Kind = "group_message"
	// KindReminder is an app message to staff.
	KindReminder Kind = "reminder"
	// KindReport is a daily or weekly report sent to staff as an app message.
	KindReport Kind = "report"
	// KindWebhook POSTs a JSON body to a URL.
	KindWebhook Kind = "webhook"
)

// Kinds lists every kind of task.
func Kinds() []Kind {
	return []Kind{KindBroadcast, KindGroupMessage, KindReminder, KindReport, KindWebhook}
}

// Status says whether a task runs on its schedule.
type Status string

// Task statuses.
const (
	StatusActive Status = "active"
	StatusPaused Status = "paused"
)

// DefaultGraceMinutes is how late a missed occurrence may still run when a
// task does not say.
const DefaultGraceMinutes = 10

// MaxGraceMinutes bounds a task's grace window (a day).
const MaxGraceMinutes = 1440

// Task is one scheduled task. Exactly one of the kind-specific parts
// (Broadcast, GroupMessage, Reminder, Report, Webhook) is set, the one
// Kind names.
type Task struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Kind     Kind   `json:"kind"`
	Cron     string `json:"cron"`      // five fields or a descriptor, e.g. "0 9 * * 2"
	TimeZone string `json:"time_zone"` // IANA name; "" is Asia/Shanghai
	// GraceMinutes is how late an occurrence missed while the bot was down
	// may still run; nil means DefaultGraceMinutes, 0 never catches up.
	GraceMinutes *int   `json:"grace_minutes"`
	Status       Status `json:"status"` // change it with Pause and Resume

	Broadcast    *BroadcastSpec    `json:"broadcast,omitempty"`
	GroupMessage *GroupMessageSpec `json:"group_message,omitempty"`
	Reminder     *ReminderSpec     `json:"reminder,omitempty"`
	Report       *ReportSpec       `json:"report,omitempty"`
	Webhook      *WebhookSpec      `json:"webhook,omitempty"`

	// Version counts saved changes; an update must carry the version it read.
	Version int64 `json:"version"`
	// ActiveSince is when the task last started running on this schedule
	// (created, resumed, or its expression or zone changed): occurrences
	// before it are not "missed".
	ActiveSince time.Time `json:"active_since"`
	CreatedBy   string    `json:"created_by"`
	UpdatedBy   string    `json:"updated_by"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// NextRuns are the next activations (in the task's zone) when the task
	// is active; filled by Get and List, ignored on save.
	NextRuns []time.Time `json:"next_runs,omitempty"`
}

// grace is the task's grace window.
func (t Task) grace() time.Duration {
	if t.GraceMinutes == nil {
		return DefaultGraceMinutes * time.Minute
	}
	return time.Duration(*t.GraceMinutes) * time.Minute
}

// Selector chooses customer groups: by store, by tag, or a list of chat ids;
// the union of all three.
type Selector struct {
	StoreIDs []int64  `json:"store_ids,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	ChatIDs  []string `json:"chat_ids,omitempty"`
}

func (s Selector) empty() bool {
	return len(s.StoreIDs) == 0 && len(s.Tags) == 0 && len(s.ChatIDs) == 0
}

// Content is what a broadcast or group message says: text plus attachments.
type Content struct {
	Text        string       `json:"text,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Attachment types.
const (
	AttachImage       = "image"
	AttachLink        = "link"
	AttachMiniProgram = "miniprogram"
	AttachVideo       = "video"
	AttachFile        = "file"
)

// Attachment is one attachment of a message. A broadcast takes images,
// videos and files by media_id (an image also by pic_url), links, and
// mini-programs whose picture is a media_id; a group message through the
// bridge takes images by pic_url, links and mini-programs whose picture is a
// pic_url.
type Attachment struct {
	Type        string `json:"type"`
	MediaID     string `json:"media_id,omitempty"`
	PicURL      string `json:"pic_url,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
	AppID       string `json:"app_id,omitempty"`
	Page        string `json:"page,omitempty"`
}

// BroadcastSpec is a 群发 to the selected groups.
type BroadcastSpec struct {
	Audience Selector `json:"audience"`
	Content
}

// GroupMessageSpec is a message said at once in the selected groups.
type GroupMessageSpec struct {
	Audience Selector `json:"audience"`
	Content
}

// ReminderSpec is an app message to staff.
type ReminderSpec struct {
	ToUsers  []string `json:"to_users"` // WeCom userids
	Text     string   `json:"text"`
	Markdown bool     `json:"markdown,omitempty"`
}

// Report periods.
const (
	PeriodDaily  = "daily"
	PeriodWeekly = "weekly"
)

// Report sections, in the order a report shows them.
const (
	SectionTickets    = "tickets"    // tickets by tier
	SectionSLA        = "sla"        // SLA compliance
	SectionAutoReply  = "auto_reply" // auto-reply hit rate
	SectionUnanswered = "unanswered" // unanswered questions
	SectionLiveCodes  = "live_codes" // live-code fill
)

// AllSections lists the report sections in order.
func AllSections() []string {
	return []string{SectionTickets, SectionSLA, SectionAutoReply, SectionUnanswered, SectionLiveCodes}
}

// ReportSpec is a report on the previous day or week, sent to staff.
type ReportSpec struct {
	Period   string   `json:"period"` // daily or weekly
	ToUsers  []string `json:"to_users"`
	Sections []string `json:"sections,omitempty"` // empty: all
	Markdown bool     `json:"markdown,omitempty"`
}

// Webhook timeouts.
const (
	DefaultWebhookTimeout = 10 * time.Second
	MaxWebhookTimeout     = 60 * time.Second
)

// WebhookSpec is a POST of a JSON body to a URL. An empty Body sends a
// description of the run ({"task_id", "task_name", "run_id", "scheduled_at"}).
type WebhookSpec struct {
	URL            string            `json:"url"`
	Body           json.RawMessage   `json:"body,omitempty"`
	Headers        map[string]string `json:"headers,omitempty"`
	TimeoutSeconds int               `json:"timeout_seconds,omitempty"` // 0: 10 s; at most 60
}

func (w WebhookSpec) timeout() time.Duration {
	if w.TimeoutSeconds <= 0 {
		return DefaultWebhookTimeout
	}
	return time.Duration(w.TimeoutSeconds) * time.Second
}

// Filter selects tasks for List. Zero fields select everything.
type Filter struct {
	Kind   Kind
	Status Status
	Query  string // part of the name
	Limit  int    // default 50, at most 500
	Offset int
}
