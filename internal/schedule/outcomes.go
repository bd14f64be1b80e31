package schedule

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/storage"
	"github.com/qunbot/qunbot/internal/wecom"
)

// OutboxReader reads a queued message's state and the API's answer;
// *outbox.Store is one.
type OutboxReader interface {
	Get(ctx context.Context, id int64) (outbox.Message, error)
}

// SendResults reads how a 群发 went in each group; *wecom.Client is one.
type SendResults interface {
	GetGroupMsgSendResult(ctx context.Context, q wecom.GroupMsgSendQuery) (wecom.GroupMsgSendPage, error)
}

// How often outcomes are checked, and for how long a 群发 is followed.
const (
	recheckQueued   = 30 * time.Second
	recheckPending  = 5 * time.Minute
	followBroadcast = 7 * 24 * time.Hour
	outcomeBatch    = 500
)

// checkOutcomes follows up the pending outcomes whose check is due: the
// outbox says whether the send went out; for a 群发 WeCom then says, per
// group, whether the owner confirmed it.
func (s *Scheduler) checkOutcomes(ctx context.Context) {
	if s.opts.Outbox == nil {
		return
	}
	rows, err := s.opts.Store.dueTargets(ctx, outcomeBatch)
	if err != nil {
		s.opts.Logger.Warn("schedule: find outcomes to check failed", "err", err)
		return
	}
	byMessage := map[int64][]targetRow{}
	var order []int64
	for _, r := range rows {
		if _, ok := byMessage[*r.OutboxID]; !ok {
			order = append(order, *r.OutboxID)
		}
		byMessage[*r.OutboxID] = append(byMessage[*r.OutboxID], r)
	}
	for _, id := range order {
		if err := s.checkMessage(ctx, id, byMessage[id]); err != nil {
			s.opts.Logger.Warn("schedule: check outcome failed", "outbox_id", id, "err", err)
		}
	}
}

// checkMessage settles the outcomes of the groups one outbox message spoke
// to.
func (s *Scheduler) checkMessage(ctx context.Context, id int64, rows []targetRow) error {
	m, err := s.opts.Outbox.Get(ctx, id)
	if err != nil {
		return err
	}
	now := storage.Timestamp(s.opts.Now())
	switch {
	case m.State == outbox.StateFailed:
		return s.settle(ctx, rows, func(r *targetRow) {
			r.Status, r.Detail, r.NextCheckAt = string(TargetFailed), "发送失败 (send failed): "+m.LastError, nil
		})
	case m.State != outbox.StateSent:
		return s.settle(ctx, rows, func(r *targetRow) { r.NextCheckAt = timePtr(now.Add(recheckQueued)) })
	case m.API == wecom.APIAddMsgTemplate:
		return s.checkBroadcast(ctx, m, rows, now)
	}
	return s.settle(ctx, rows, func(r *targetRow) {
		r.Status, r.SentAt, r.NextCheckAt, r.Detail = string(TargetSent), m.SentAt, nil, ""
	})
}

func (s *Scheduler) settle(ctx context.Context, rows []targetRow, set func(r *targetRow)) error {
	for _, r := range rows {
		set(&r)
		if err := s.opts.Store.saveTarget(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

func timePtr(t time.Time) *time.Time { return &t }

// checkBroadcast reads add_msg_template's answer (msgid, fail_list), then
// asks WeCom how the 群发 went in each group.
func (s *Scheduler) checkBroadcast(ctx context.Context, m outbox.Message, rows []targetRow, now time.Time) error {
	msgid, failed := parseTemplateAnswer(m.Response)
	if msgid == "" {
		return s.settle(ctx, rows, func(r *targetRow) {
			r.Status, r.NextCheckAt = string(TargetUnknown), nil
			r.Detail = "企业微信的应答中没有 msgid,无法查询群发结果 (WeCom's answer has no msgid; the outcome cannot be read)"
		})
	}
	if s.opts.SendResults == nil {
		return s.settle(ctx, rows, func(r *targetRow) {
			r.Msgid, r.NextCheckAt = msgid, nil
			r.Detail = "未接入企业微信客户端,无法查询群主是否已确认 (no WeCom client wired to read the outcome)"
		})
	}
	sends, err := s.groupSends(ctx, msgid, rows[0].OwnerUserid)
	if err != nil {
		_ = s.settle(ctx, rows, func(r *targetRow) { r.Msgid, r.NextCheckAt = msgid, timePtr(now.Add(recheckPending)) })
		return err
	}
	giveUp := now.Sub(m.CreatedAt) > followBroadcast
	return s.settle(ctx, rows, func(r *targetRow) {
		r.Msgid = msgid
		applyGroupSend(r, sends, failed, now, giveUp)
	})
}

// groupSends reads every page of a 群发's results for its owner, by chat.
func (s *Scheduler) groupSends(ctx context.Context, msgid, owner string) (map[string]wecom.GroupMsgSend, error) {
	out := map[string]wecom.GroupMsgSend{}
	q := wecom.GroupMsgSendQuery{MsgID: msgid, UserID: owner, Limit: 1000}
	for range 100 {
		page, err := s.opts.SendResults.GetGroupMsgSendResult(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("read 群发 %s of %s: %w", msgid, owner, err)
		}
		for _, snd := range page.Sends {
			out[snd.ChatID] = snd
		}
		if page.NextCursor == "" {
			break
		}
		q.Cursor = page.NextCursor
	}
	return out, nil
}

// applyGroupSend sets r from WeCom's result for its group.
func applyGroupSend(r *targetRow, sends map[string]wecom.GroupMsgSend, failed map[string]bool, now time.Time, giveUp bool) {
	snd, found := sends[r.ChatID]
	switch {
	case failed[r.ChatID]:
		r.Status, r.NextCheckAt, r.Detail = string(TargetFailed), nil, "企业微信未将此群加入群发 (WeCom left this group out: fail_list)"
	case found && snd.Status == wecom.SendDone:
		r.Status, r.NextCheckAt, r.Detail = string(TargetSent), nil, ""
		if !snd.SendTime.IsZero() {
			r.SentAt = timePtr(snd.SendTime)
		}
	case found && snd.Status == wecom.SendAlreadyToday:
		r.Status, r.NextCheckAt, r.Detail = string(TargetFailed), nil, "该群今天已收到过群发 (the group already received a 群发 today)"
	case found && snd.Status == wecom.SendNotFriend:
		r.Status, r.NextCheckAt, r.Detail = string(TargetFailed), nil, "企业微信拒绝发送 (WeCom refused: status 2)"
	case giveUp:
		r.NextCheckAt, r.Detail = nil, "群主 7 天内未确认,已停止查询 (not confirmed within 7 days; no longer checked)"
	default:
		r.NextCheckAt, r.Detail = timePtr(now.Add(recheckPending)), "等待群主在企业微信中确认发送 (waiting for the owner to confirm)"
	}
}

// msgidPattern finds the msgid in an answer the outbox cut short.
var msgidPattern = regexp.MustCompile(`"msgid"\s*:\s*"([^"]+)"`)

// parseTemplateAnswer reads msgid and fail_list from add_msg_template's
// answer. The outbox keeps 2048 characters of it: when a long fail_list was
// cut, the msgid is still looked for and the list is lost.
func parseTemplateAnswer(resp string) (string, map[string]bool) {
	var w struct {
		MsgID    string   `json:"msgid"`
		FailList []string `json:"fail_list"`
	}
	failed := map[string]bool{}
	if err := json.Unmarshal([]byte(resp), &w); err != nil {
		if m := msgidPattern.FindStringSubmatch(resp); m != nil {
			return m[1], failed
		}
		return "", failed
	}
	for _, c := range w.FailList {
		failed[c] = true
	}
	return w.MsgID, failed
}
