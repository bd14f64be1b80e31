package ticket

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/storage"
)

// notice is one pending notification to one recipient: a row of
// ticket_notices. Recipients are "app:<userid>", "webhook:<key>" and
// "mail:<address>".
type notice struct {
	ID        int64
	TicketID  int64
	Recipient string
	Kind      string
	Title     string
	Text      string
	DedupeKey *string
	State     string
	OutboxID  *int64
	CreatedAt time.Time
	BatchedAt *time.Time
}

func (notice) TableName() string { return "ticket_notices" }

// Kinds of notices.
const (
	noticeNew       = "new"
	noticeEscalated = "escalated"
	noticeRaised    = "raised"
	noticeChainTop  = "chain_top"
	noticeReply     = "reply"
)

// Notice states.
const (
	noticePending = "pending"
	noticeBatched = "batched"
)

// maxRecipient is the recipient column's size; longer addresses cannot be
// stored and are reported as unreachable.
const maxRecipient = 191

// recipients gathers a notification's recipients, without repeats, and
// who could not be reached.
type recipients struct {
	list        []string
	names       []string
	unreachable []string
}

func (r *recipients) add(channel Channel, addr, name string) bool {
	if addr == "" {
		return false
	}
	key := string(channel) + ":" + addr
	if utf8.RuneCountInString(key) > maxRecipient {
		return false
	}
	for _, x := range r.list {
		if x == key {
			return true
		}
	}
	r.list = append(r.list, key)
	r.names = append(r.names, name)
	return true
}

// notifyLevel tells level of route about t, on the tier's channels, and
// records who was told and who could not be. When nobody could be told,
// the fallback is.
func (s *Service) notifyLevel(tx *gorm.DB, t Ticket, r Route, level int, kind string) error {
	pol := s.policy(t.Tier)
	var to recipients
	if level < len(r.Levels) {
		for _, p := range r.Levels[level].People {
			s.addPerson(&to, pol, p)
		}
	}
	if pol.has(ChannelWebhook) {
		to.add(ChannelWebhook, r.WebhookKey, "门店工作群")
	}
	if level == 0 && pol.has(ChannelMail) {
		for _, addr := range r.Email {
			to.add(ChannelMail, addr, addr)
		}
	}
	if len(to.unreachable) > 0 {
		note := strings.Join(to.unreachable, "、") + " 没有企业微信账号或邮箱,无法通知 (no WeCom user id or mail address)"
		if err := s.audit(tx, t.ID, "system", ActionUnreachable, nil, nil, note); err != nil {
			return err
		}
	}
	if len(to.list) == 0 {
		return s.notifyFallback(tx, t, kind, "「"+levelName(r, level)+"」无人可通知 (nobody at this level can be reached)")
	}
	return s.enqueueNotices(tx, t, kind, levelName(r, level), to)
}

// addPerson adds p on the policy's channels; someone without a WeCom user
// id is mailed instead when they have an address.
func (s *Service) addPerson(to *recipients, pol Policy, p Person) {
	reached := false
	if pol.has(ChannelApp) {
		reached = to.add(ChannelApp, p.WeComUserID, p.Name) || reached
	}
	if pol.has(ChannelMail) || (p.WeComUserID == "" && pol.has(ChannelApp)) {
		reached = to.add(ChannelMail, p.Email, p.Name) || reached
	}
	if !reached {
		to.unreachable = append(to.unreachable, p.Name)
	}
}

// notifyFallback tells the HQ/operators fallback about t, on every channel
// they have, and says why in the audit trail.
func (s *Service) notifyFallback(tx *gorm.DB, t Ticket, kind, why string) error {
	var to recipients
	for _, p := range s.opts.Fallback.People {
		to.add(ChannelApp, p.WeComUserID, p.Name)
		to.add(ChannelMail, p.Email, p.Name)
	}
	to.add(ChannelWebhook, s.opts.Fallback.WebhookKey, "总部/运营群")
	if len(to.list) == 0 {
		s.opts.Logger.Error("ticket fallback has nobody to notify", "ticket_id", t.ID)
		return s.audit(tx, t.ID, "system", ActionUnreachable, nil, nil,
			strings.TrimSpace(why+" 未配置总部/运营通知人,无人收到通知 (no fallback configured: nobody was notified)"))
	}
	if why != "" {
		if err := s.audit(tx, t.ID, "system", ActionUnreachable, nil, nil, why); err != nil {
			return err
		}
	}
	return s.enqueueNotices(tx, t, kind, "总部/运营", to)
}

// enqueueNotices stores one pending notice per recipient and records it.
func (s *Service) enqueueNotices(tx *gorm.DB, t Ticket, kind, level string, to recipients) error {
	title, text := s.message(t, kind, level)
	now := s.now()
	rows := make([]notice, len(to.list))
	for i, r := range to.list {
		rows[i] = notice{TicketID: t.ID, Recipient: r, Kind: kind, Title: title, Text: text, State: noticePending, CreatedAt: now}
	}
	if b := batchOf(tx); b != nil {
		b.notices = append(b.notices, rows...)
	} else if err := tx.Create(&rows).Error; err != nil {
		return err
	}
	return s.audit(tx, t.ID, "system", ActionNotified, nil, nil, "通知 "+level+":"+strings.Join(to.names, "、"))
}

// message is the title and text of a notification about t.
func (s *Service) message(t Ticket, kind, level string) (string, string) {
	tier := t.TierName
	var title string
	switch kind {
	case noticeEscalated:
		title = fmt.Sprintf("【%s】工单 %s 超时升级至%s", tier, t.Number(), level)
	case noticeRaised:
		title = fmt.Sprintf("【%s】工单 %s 等级提升", tier, t.Number())
	case noticeChainTop:
		title = fmt.Sprintf("【%s】工单 %s 升级链已到顶,请跟进", tier, t.Number())
	default:
		title = fmt.Sprintf("【%s】新工单 %s", tier, t.Number())
	}
	store := t.StoreName
	if t.StoreID == 0 {
		store = "未分派 (no store mapped)"
	}
	member := strings.TrimSpace(t.MemberName + " " + t.Phone)
	lines := []string{
		"门店:" + store,
		"群:" + t.ChatName,
		"会员:" + member,
		"时间:" + s.clock(t.PostedAt),
		"内容:" + clipRunes(t.Content, 200),
		"接单时限:" + s.clock(t.AckDueAt) + ",完成时限:" + s.clock(t.ResolveDueAt),
		fmt.Sprintf("回复「接单 %s」接单,「完成 %s 处理结果」完成", t.Number(), t.Number()),
	}
	return title, strings.Join(lines, "\n")
}

// clock formats t in the service's time zone.
func (s *Service) clock(t time.Time) string {
	return t.In(s.opts.Location).Format("01-02 15:04")
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return storage.Truncate(s, n)
}

// clipBytes cuts s to at most n bytes on a rune boundary, marking the cut.
func clipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if cut <= 0 {
		return ""
	}
	return s[:cut] + "…"
}

// writeBatch gathers the audit entries and notices of many tickets, so
// that a sweep writes them in a few statements rather than several per
// ticket. It travels in the transaction's context.
type writeBatch struct {
	events  []Event
	notices []notice
}

type batchKey struct{}

func withBatch(ctx context.Context, b *writeBatch) context.Context {
	return context.WithValue(ctx, batchKey{}, b)
}

// batchOf is the batch tx gathers into, or nil when tx writes at once.
func batchOf(tx *gorm.DB) *writeBatch {
	if tx.Statement == nil || tx.Statement.Context == nil {
		return nil
	}
	b, _ := tx.Statement.Context.Value(batchKey{}).(*writeBatch)
	return b
}

// write inserts what b gathered.
func (b *writeBatch) write(tx *gorm.DB) error {
	if len(b.events) > 0 {
		if err := tx.CreateInBatches(b.events, 500).Error; err != nil {
			return err
		}
	}
	if len(b.notices) > 0 {
		return tx.CreateInBatches(b.notices, 500).Error
	}
	return nil
}
