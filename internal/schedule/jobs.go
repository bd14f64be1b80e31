package schedule

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/wecom"
)

// GroupTarget is a customer group a Selector chose, with its owner (the
// sender of a 群发).
type GroupTarget struct {
	ChatID      string
	Name        string
	OwnerUserID string
}

// Audience resolves a Selector to customer groups. missing lists the chat
// ids asked for by name that are unknown or dismissed; internal/group's
// directory is one.
type Audience interface {
	Select(ctx context.Context, sel Selector) (groups []GroupTarget, missing []string, err error)
}

// APIBridgeSend is the outbox api of a message said through the bridge.
const APIBridgeSend = "bridge/send"

// JobOptions are what the jobs need.
type JobOptions struct {
	// Audience finds the groups of broadcasts and group messages; nil
	// fails those runs with a message saying so.
	Audience Audience
	// BridgeSends says whether a bridge send webhook is configured: the only
	// channel that can say something at once in a customer group.
	BridgeSends bool
	// Reports supplies the figures of reports; a source left nil shows
	// "暂无数据(未启用)".
	Reports ReportSources
	// HTTP makes webhook calls (nil: a client without its own timeout; each
	// call is bounded by its task's timeout).
	HTTP *http.Client
	Now  func() time.Time
}

// NewJobs returns the job of every kind of task.
func NewJobs(o JobOptions) map[Kind]Job {
	if o.HTTP == nil {
		o.HTTP = &http.Client{}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	j := jobs{o}
	return map[Kind]Job{
		KindBroadcast:    j.broadcast,
		KindGroupMessage: j.groupMessage,
		KindReminder:     j.reminder,
		KindReport:       j.report,
		KindWebhook:      j.webhook,
	}
}

type jobs struct{ o JobOptions }

// errNoAudience fails runs aimed at groups when no group directory is wired.
var errNoAudience = errors.New("未接入客户群数据,无法按门店、标签或群列表选群 (no group directory is wired)")

// sendKey is the outbox idempotency key of part of run r's sends.
func sendKey(r Run, part string) string {
	return clip(fmt.Sprintf("schedule:%d:%s", r.ID, part), 191)
}

// audience resolves sel, turning missing groups into skipped outcomes with
// a warning each.
func (j jobs) audience(ctx context.Context, sel Selector) ([]GroupTarget, Result, error) {
	var res Result
	if j.o.Audience == nil {
		return nil, res, errNoAudience
	}
	groups, missing, err := j.o.Audience.Select(ctx, sel)
	if err != nil {
		return nil, res, fmt.Errorf("选群失败 (select groups): %w", err)
	}
	for _, id := range missing {
		res.Warnings = append(res.Warnings, fmt.Sprintf("群 %s 不存在或已解散,已跳过 (group %s not found or dismissed; skipped)", id, id))
		res.Targets = append(res.Targets, Target{ChatID: id, Status: TargetSkipped, Detail: "群不存在或已解散 (group not found or dismissed)"})
	}
	return groups, res, nil
}

// broadcast creates one 群发 per group owner (WeCom needs the sender) with
// that owner's groups, at most 2000 a task; each owner confirms it in the
// WeCom client, and the outcome per group is followed up afterwards.
func (j jobs) broadcast(ctx context.Context, t Task, r Run) (Result, error) {
	groups, res, err := j.audience(ctx, t.Broadcast.Audience)
	if err != nil {
		return res, err
	}
	byOwner := map[string][]GroupTarget{}
	for _, g := range groups {
		if g.OwnerUserID == "" {
			res.Warnings = append(res.Warnings, fmt.Sprintf("群 %s 没有群主信息,已跳过 (group %s has no owner; skipped)", g.ChatID, g.ChatID))
			res.Targets = append(res.Targets, Target{ChatID: g.ChatID, ChatName: g.Name, Status: TargetSkipped, Detail: "没有群主信息 (no owner)"})
			continue
		}
		byOwner[g.OwnerUserID] = append(byOwner[g.OwnerUserID], g)
	}
	if len(byOwner) == 0 {
		return res, errors.New("没有可以群发的群 (no group to send to)")
	}
	owners := sortedKeys(byOwner)
	for _, owner := range owners {
		if err := j.ownerSends(&res, t, r, owner, byOwner[owner]); err != nil {
			return res, err
		}
	}
	res.Summary = fmt.Sprintf("已为 %d 位群主创建群发,共 %d 个群,待群主确认 (群发 created for %d owners, %d groups; each owner confirms)",
		len(owners), len(groups)-skippedCount(res), len(owners), len(groups)-skippedCount(res))
	return res, nil
}

func (j jobs) ownerSends(res *Result, t Task, r Run, owner string, groups []GroupTarget) error {
	for part, chunk := range chunks(groups, wecom.MaxGroupMsgChats) {
		ids := make([]string, len(chunk))
		for i, g := range chunk {
			ids[i] = g.ChatID
			res.Targets = append(res.Targets, Target{ChatID: g.ChatID, ChatName: g.Name, OwnerUserID: owner, Status: TargetPending})
		}
		m, err := msgTemplate(t.Broadcast.Content, owner, ids)
		if err != nil {
			return fmt.Errorf("群发内容无效 (invalid content): %w", err)
		}
		payload, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("encode 群发: %w", err)
		}
		res.Sends = append(res.Sends, Send{To: fmt.Sprintf("%s(%d 个群)", owner, len(ids)), ChatIDs: ids, Message: outbox.Message{
			IdempotencyKey: sendKey(r, fmt.Sprintf("owner:%s:%d", owner, part)), API: wecom.APIAddMsgTemplate, Payload: string(payload),
		}})
	}
	return nil
}

func skippedCount(res Result) int {
	n := 0
	for _, t := range res.Targets {
		if t.Status == TargetSkipped {
			n++
		}
	}
	return n
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// chunks splits s into slices of at most n.
func chunks[T any](s []T, n int) [][]T {
	var out [][]T
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

// errNoChannel is the honest answer when nothing can speak in customer
// groups at once.
var errNoChannel = errors.New("没有能在这些群里直接发言的通道:未配置桥接发送(bridge.send_url);AI 机器人只能回复 @ 它的消息,应用不能主动在客户群发言。请改用「群发」任务 (no channel can speak in these groups: no bridge send URL is configured; the AI bot only answers messages that mention it; use a broadcast task)")

// groupMessage says the content at once in each selected group through the
// bridge.
func (j jobs) groupMessage(ctx context.Context, t Task, r Run) (Result, error) {
	if !j.o.BridgeSends {
		return Result{}, errNoChannel
	}
	groups, res, err := j.audience(ctx, t.GroupMessage.Audience)
	if err != nil {
		return res, err
	}
	if len(groups) == 0 {
		return res, errors.New("没有可以发送的群 (no group to send to)")
	}
	for _, g := range groups {
		msgs, err := bridgeMessages(t.GroupMessage.Content, sendKey(r, "chat:"+g.ChatID), g.ChatID)
		if err != nil {
			return res, fmt.Errorf("群内消息内容无效 (invalid content): %w", err)
		}
		for _, o := range msgs {
			payload, err := json.Marshal(o)
			if err != nil {
				return res, fmt.Errorf("encode bridge message: %w", err)
			}
			res.Sends = append(res.Sends, Send{To: g.ChatID, ChatIDs: []string{g.ChatID}, Message: outbox.Message{
				IdempotencyKey: o.IdempotencyKey, API: APIBridgeSend, Payload: string(payload), Priority: 5,
			}})
		}
		res.Targets = append(res.Targets, Target{ChatID: g.ChatID, ChatName: g.Name, OwnerUserID: g.OwnerUserID, Status: TargetPending})
	}
	res.Summary = fmt.Sprintf("已通过桥接向 %d 个群发送 (queued through the bridge to %d groups)", len(groups), len(groups))
	return res, nil
}

// reminder sends the task's text to staff as an app message.
func (j jobs) reminder(_ context.Context, t Task, r Run) (Result, error) {
	send, err := appMessage(r, "reminder", t.Reminder.ToUsers, t.Reminder.Text, t.Reminder.Markdown)
	if err != nil {
		return Result{}, err
	}
	return Result{Sends: []Send{send}, Summary: fmt.Sprintf("已提醒 %d 位员工 (reminded %d staff)", len(t.Reminder.ToUsers), len(t.Reminder.ToUsers))}, nil
}

// appMessage is a message/send of text (or markdown) to users.
func appMessage(r Run, part string, users []string, text string, markdown bool) (Send, error) {
	msg := wecom.AppMessage{ToUser: users}
	if markdown {
		msg.Markdown = &wecom.Text{Content: text}
	} else {
		msg.Text = &wecom.Text{Content: text}
	}
	payload, err := json.Marshal(msg)
	if err != nil {
		return Send{}, fmt.Errorf("encode app message: %w", err)
	}
	return Send{To: strings.Join(users, "|"), Message: outbox.Message{
		IdempotencyKey: sendKey(r, part), API: wecom.APIMessageSend, Payload: string(payload),
	}}, nil
}
