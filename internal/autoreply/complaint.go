package autoreply

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/qunbot/qunbot/internal/bridge"
	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/script"
)

// ComplaintKeyword is the keyword of the script that answers complaints of
// a tier in the group: "投诉回复:light", "投诉回复:medium",
// "投诉回复:serious" (exact match). Without such a script the group hears
// the default acknowledgement.
const ComplaintKeyword = "投诉回复:"

// Complaint asks for a complaint to be acknowledged in its group.
type Complaint struct {
	ChatID     string
	MessageKey string // the complaint's inbox key, "bridge:<msg_id>" when bridged
	Tier       string
	AckMinutes int
	Key        string // dedupes the acknowledgement (one per ticket)
}

// ReplyComplaint acknowledges a complaint in its group where the bot can
// speak (the bridge send webhook), with the tier's script or the default
// text; it reports false when nothing can speak there.
func (s *Service) ReplyComplaint(ctx context.Context, c Complaint) (bool, error) {
	if !s.opts.BridgeSends || !strings.HasPrefix(c.MessageKey, "bridge:") {
		return false, nil
	}
	out := bridge.Outgoing{MsgType: "text", Text: defaultAcknowledgement(c.AckMinutes)}
	d, err := s.opts.Engine.Try(ctx, ComplaintKeyword+c.Tier, c.ChatID, script.ChannelBridge, nil, "", s.opts.Now())
	if err != nil {
		return false, fmt.Errorf("complaint reply script: %w", err)
	}
	if d.Answer != nil {
		out = bridgeOutgoing(d.Answer.Reply)
	}
	out.IdempotencyKey = "complaint-reply:" + c.Key
	out.ChatID, out.ReplyTo = c.ChatID, strings.TrimPrefix(c.MessageKey, "bridge:")
	payload, err := json.Marshal(out)
	if err != nil {
		return false, fmt.Errorf("encode complaint reply: %w", err)
	}
	if _, err := s.opts.Outbox.Enqueue(ctx, &outbox.Message{IdempotencyKey: out.IdempotencyKey, API: APIBridgeSend, Payload: string(payload), Priority: 10}); err != nil {
		return false, fmt.Errorf("queue complaint reply: %w", err)
	}
	return true, nil
}

// defaultAcknowledgement tells the member when someone will be in touch.
func defaultAcknowledgement(minutes int) string {
	if minutes <= 0 {
		return "已收到您的反馈,我们非常重视,工作人员马上联系您。"
	}
	return fmt.Sprintf("已收到您的反馈,工作人员将在 %d 分钟内私聊您。", minutes)
}
