package ticket

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage"
)

// NewTicket is a detected complaint, as the complaint rules report it.
type NewTicket struct {
	ComplaintKey   string // one ticket per complaint: a second Open with it is a no-op
	ChatID         string
	ChatName       string
	MemberID       string
	MemberName     string
	Phone          string // when known from the contact
	PostedAt       time.Time
	Content        string
	Context        string // the surrounding messages, JSON
	Tier           string // light, medium, serious, or a tier the rules define
	TierName       string // as operators read it, e.g. 轻度
	AckMinutes     int    // the tier's acknowledge SLA
	ResolveMinutes int    // 0: the tier policy's default
	Reaction       string // 车友倾向, when already known
}

// Column sizes (MySQL counts characters).
const (
	maxKey      = 191
	maxShort    = 128
	maxTier     = 16
	maxTierName = 32
	maxReaction = 32
	maxPhone    = 32
	maxText     = 16000
	maxContext  = 4 << 20
	maxNote     = 4000
)

func (n NewTicket) validate() error {
	var p fault.Problems
	checkLen := func(field, v string, max int) {
		if utf8.RuneCountInString(v) > max {
			p.Add(field, "最多 %d 个字 (at most %d characters)", max, max)
		}
	}
	if strings.TrimSpace(n.ComplaintKey) == "" {
		p.Add("complaint_key", "投诉标识不能为空 (complaint key is required)")
	}
	if strings.TrimSpace(n.Content) == "" {
		p.Add("content", "投诉内容不能为空 (content is required)")
	}
	if strings.TrimSpace(n.Tier) == "" {
		p.Add("tier", "等级不能为空 (tier is required)")
	}
	if n.AckMinutes <= 0 {
		p.Add("ack_minutes", "接单时限必须大于 0 (ack minutes must be positive)")
	}
	if n.ResolveMinutes < 0 {
		p.Add("resolve_minutes", "完成时限不能为负 (resolve minutes must not be negative)")
	}
	checkLen("complaint_key", n.ComplaintKey, maxKey)
	checkLen("chat_id", n.ChatID, maxShort)
	checkLen("chat_name", n.ChatName, maxShort)
	checkLen("member_id", n.MemberID, maxShort)
	checkLen("member_name", n.MemberName, maxShort)
	checkLen("phone", n.Phone, maxPhone)
	checkLen("content", n.Content, maxText)
	checkLen("tier", n.Tier, maxTier)
	checkLen("tier_name", n.TierName, maxTierName)
	checkLen("reaction", n.Reaction, maxReaction)
	if len(n.Context) > maxContext {
		p.Add("context", "上下文过长 (context is longer than %d bytes)", maxContext)
	}
	return p.Err()
}

// Open records a complaint as a ticket, routes it to the group's store and
// notifies the staff on duty per the tier's channels, in one transaction;
// then it asks the GroupReplier to answer in the group. It reports whether
// the ticket is new: a second Open of one complaint returns the first
// ticket and changes nothing. A group no store is mapped to still gets a
// ticket, unassigned, and the fallback (HQ/operators) is notified. A
// Router that fails otherwise fails Open, so the caller retries.
func (s *Service) Open(ctx context.Context, n NewTicket) (Ticket, bool, error) {
	if err := n.validate(); err != nil {
		return Ticket{}, false, fmt.Errorf("open ticket: %w", err)
	}
	if t, err := s.byComplaint(ctx, n.ComplaintKey); err == nil {
		return s.retryGroupReply(ctx, t), false, nil
	} else if !errors.Is(err, fault.ErrNotFound) {
		return Ticket{}, false, err
	}
	route, routed, err := s.route(ctx, n.ChatID)
	if err != nil {
		return Ticket{}, false, fmt.Errorf("open ticket for complaint %q: %w", n.ComplaintKey, err)
	}
	t := s.newTicket(n, route, routed)
	created, err := s.insert(ctx, &t, route, routed)
	if err != nil || !created {
		return t, false, err
	}
	return s.replyInGroup(ctx, t), true, nil
}

// route asks the Router; a chat no store is mapped to is not an error.
func (s *Service) route(ctx context.Context, chatID string) (Route, bool, error) {
	if chatID == "" {
		return Route{}, false, nil
	}
	r, err := s.opts.Router.Route(ctx, chatID)
	if errors.Is(err, fault.ErrNotFound) {
		return Route{}, false, nil
	}
	if err != nil {
		return Route{}, false, fmt.Errorf("route chat %s: %w", chatID, err)
	}
	return r, true, nil
}

func (s *Service) newTicket(n NewTicket, r Route, routed bool) Ticket {
	now := s.now()
	posted := now
	if !n.PostedAt.IsZero() {
		posted = storage.Timestamp(n.PostedAt)
	}
	if n.ResolveMinutes == 0 {
		n.ResolveMinutes = s.policy(n.Tier).ResolveMinutes
	}
	t := Ticket{
		ComplaintKey: n.ComplaintKey, ChatID: n.ChatID, ChatName: n.ChatName, MemberID: n.MemberID,
		MemberName: n.MemberName, Phone: n.Phone, PostedAt: posted, Content: n.Content, Context: n.Context,
		Tier: n.Tier, TierName: n.TierName, AckMinutes: n.AckMinutes, ResolveMinutes: n.ResolveMinutes,
		Reaction: n.Reaction, State: StateNew, CreatedAt: now, UpdatedAt: now,
		AckDueAt:     posted.Add(minutes(n.AckMinutes)),
		ResolveDueAt: posted.Add(minutes(n.ResolveMinutes)),
	}
	if t.TierName == "" {
		t.TierName = t.Tier
	}
	next := t.AckDueAt
	t.NextCheckAt = &next
	if routed {
		t.StoreID, t.StoreName = r.StoreID, r.StoreName
		t.LevelName = levelName(r, 0)
	}
	return t
}

func minutes(n int) time.Duration { return time.Duration(n) * time.Minute }

func levelName(r Route, level int) string {
	if level < len(r.Levels) && r.Levels[level].Name != "" {
		return r.Levels[level].Name
	}
	if level == 0 {
		return "值班店员"
	}
	return fmt.Sprintf("第 %d 级", level)
}

// insert saves a new ticket with its first audit entries and notices.
func (s *Service) insert(ctx context.Context, t *Ticket, r Route, routed bool) (bool, error) {
	created := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ok, err := storage.InsertOnce(tx, t)
		if err != nil || !ok {
			return err
		}
		created = true
		if err := s.audit(tx, t.ID, "system", ActionOpened, nil, nil, t.TierName+" "+t.Content); err != nil {
			return err
		}
		if !routed {
			note := "未找到群对应的门店,工单未分派,已通知总部/运营 (no store is mapped to this group: unassigned, HQ notified)"
			if err := s.audit(tx, t.ID, "system", ActionUnassigned, nil, nil, note); err != nil {
				return err
			}
			return s.notifyFallback(tx, *t, noticeNew, "")
		}
		return s.notifyLevel(tx, *t, r, 0, noticeNew)
	})
	if err != nil {
		return false, storage.Wrap(fmt.Sprintf("open ticket for complaint %q", t.ComplaintKey), err)
	}
	if !created {
		existing, err := s.byComplaint(ctx, t.ComplaintKey)
		*t = existing
		return false, err
	}
	return true, nil
}

// replyInGroup asks the GroupReplier to answer the complaint in its group,
// and records what happened; a failure here does not fail Open (the ticket
// is what must not be lost).
func (s *Service) replyInGroup(ctx context.Context, t Ticket) Ticket {
	result, note := "none", "群内没有可发言的渠道,未回复 (nothing can speak in this group)"
	if s.opts.Replier == nil {
		note = "未配置群内回复 (no group replier configured)"
	} else {
		spoke, err := s.opts.Replier.ReplyComplaint(ctx, GroupReply{TicketID: t.ID, ChatID: t.ChatID, MemberID: t.MemberID,
			MemberName: t.MemberName, Tier: t.Tier, MessageKey: t.ComplaintKey, AckMinutes: int(t.AckDueAt.Sub(t.PostedAt).Minutes())})
		switch {
		case err != nil:
			result, note = "failed", "群内回复失败 (group reply failed): "+errText(err)
			s.opts.Logger.Warn("ticket group reply failed", "ticket_id", t.ID, "chat_id", t.ChatID, "err", err)
		case spoke:
			result, note = "sent", "已在群内回复 (answered in the group)"
		}
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Ticket{}).Where("id = ? AND group_reply = ''", t.ID).Update("group_reply", result)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return s.audit(tx, t.ID, "system", ActionGroupReply, nil, nil, note)
	})
	if err != nil {
		s.opts.Logger.Error("record ticket group reply", "ticket_id", t.ID, "err", err)
		return t
	}
	t.GroupReply = result
	return t
}

// retryGroupReply answers in the group for a ticket whose first Open
// stopped before it did.
func (s *Service) retryGroupReply(ctx context.Context, t Ticket) Ticket {
	if t.GroupReply != "" {
		return t
	}
	return s.replyInGroup(ctx, t)
}

func (s *Service) byComplaint(ctx context.Context, key string) (Ticket, error) {
	var t Ticket
	err := s.db.WithContext(ctx).Where("complaint_key = ?", key).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Ticket{}, fmt.Errorf("ticket for complaint %q: %w", key, fault.ErrNotFound)
	}
	if err != nil {
		return Ticket{}, storage.Wrap(fmt.Sprintf("get ticket for complaint %q", key), err)
	}
	return t, nil
}
