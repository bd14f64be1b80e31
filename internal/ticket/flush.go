package ticket

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/qunbot/qunbot/internal/mail"
	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/storage"
	"github.com/qunbot/qunbot/internal/wecom"
)

// Message size limits: WeCom's text card description (512 bytes) and text
// content (2048 bytes), with room to spare.
const (
	maxCardDesc = 500
	maxTextBody = 2000
	webhookGap  = 4 * time.Second // a group bot takes 20 messages a minute
)

// errSlotTaken says another replica already sent to the recipient in this
// time slot; the notices stay pending for the next one.
var errSlotTaken = errors.New("recipient's send slot already taken")

// FlushNotices turns pending notices into outbox messages: per recipient,
// one message gathering up to NoticeBatch notices, at most one message per
// NoticeGap (the slot is claimed by the outbox's idempotency key, so
// replicas share it), and none while the recipient's previous message is
// still waiting in the outbox — so a burst of tickets, or an outbox that
// was down, never makes more than WeCom's 30 app messages a minute to one
// person, and no notice is lost. It returns the messages enqueued.
func (s *Service) FlushNotices(ctx context.Context) (int, error) {
	var recips []string
	err := s.db.WithContext(ctx).Model(&notice{}).Where("state = ?", noticePending).
		Distinct("recipient").Order("recipient").Limit(1000).Pluck("recipient", &recips).Error
	if err != nil {
		return 0, storage.Wrap("find pending ticket notices", err)
	}
	sent := 0
	for _, r := range recips {
		ok, err := s.flushRecipient(ctx, r)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// RunNotifier flushes notices every interval until ctx is done; failures
// are logged and retried.
func (s *Service) RunNotifier(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.FlushNotices(ctx); err != nil && ctx.Err() == nil {
			s.opts.Logger.Error("flush ticket notices", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Service) flushRecipient(ctx context.Context, r string) (bool, error) {
	busy, err := s.outstanding(ctx, r)
	if err != nil || busy {
		return false, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []notice
		err := tx.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate, Options: clause.LockingOptionsSkipLocked}).
			Where("state = ? AND recipient = ?", noticePending, r).Order("id").Limit(s.opts.NoticeBatch).Find(&rows).Error
		if err != nil || len(rows) == 0 {
			if err == nil {
				err = errSlotTaken
			}
			return err
		}
		return s.batch(tx, r, rows)
	})
	if errors.Is(err, errSlotTaken) {
		return false, nil
	}
	if err != nil {
		return false, storage.Wrap("flush ticket notices to "+redact(r), err)
	}
	return true, nil
}

// batch enqueues rows as one message to r and marks them batched.
func (s *Service) batch(tx *gorm.DB, r string, rows []notice) error {
	now := s.now()
	m, err := s.outboxMessage(r, rows)
	if err != nil {
		return err
	}
	m.IdempotencyKey = "ticket-notice:" + recipientKey(r) + ":" + strconv.FormatInt(now.UnixMilli()/s.gap(r).Milliseconds(), 10)
	m.Priority = 5
	inserted, err := outbox.EnqueueTx(tx, m, now)
	if err != nil {
		return err
	}
	if !inserted {
		return errSlotTaken
	}
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	return tx.Model(&notice{}).Where("id IN ? AND state = ?", ids, noticePending).
		Updates(map[string]any{"state": noticeBatched, "outbox_id": m.ID, "batched_at": now}).Error
}

// gap is the least time between two messages to r.
func (s *Service) gap(r string) time.Duration {
	if strings.HasPrefix(r, string(ChannelWebhook)+":") {
		return max(s.opts.NoticeGap, webhookGap)
	}
	return s.opts.NoticeGap
}

// outstanding reports whether r's last message is still waiting in the
// outbox (pending or sending).
func (s *Service) outstanding(ctx context.Context, r string) (bool, error) {
	var last notice
	err := s.db.WithContext(ctx).Where("recipient = ? AND state = ?", r, noticeBatched).Order("id DESC").Take(&last).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && last.OutboxID == nil) {
		return false, nil
	}
	if err != nil {
		return false, storage.Wrap("find last ticket notice", err)
	}
	var n int64
	err = s.db.WithContext(ctx).Model(&outbox.Message{}).
		Where("id = ? AND state IN ?", *last.OutboxID, []outbox.State{outbox.StatePending, outbox.StateSending}).Count(&n).Error
	if err != nil {
		return false, storage.Wrap("check last ticket notice", err)
	}
	return n > 0, nil
}

// recipientKey is r, or its hash when too long for an idempotency key.
func recipientKey(r string) string {
	if len(r) <= 120 {
		return r
	}
	sum := sha256.Sum256([]byte(r))
	return hex.EncodeToString(sum[:16])
}

// redact hides a webhook's key, which is a secret, in logs and errors.
func redact(r string) string {
	if strings.HasPrefix(r, string(ChannelWebhook)+":") {
		return string(ChannelWebhook) + ":***"
	}
	return r
}

// outboxMessage says rows to r in r's channel.
func (s *Service) outboxMessage(r string, rows []notice) (*outbox.Message, error) {
	channel, addr, _ := strings.Cut(r, ":")
	var (
		api     string
		payload []byte
		err     error
	)
	switch Channel(channel) {
	case ChannelApp:
		api = wecom.APIMessageSend
		payload, err = json.Marshal(s.appMessage(addr, rows))
	case ChannelWebhook:
		api = wecom.APIWebhookSend
		payload, err = wecom.WebhookPayload(addr, wecom.WebhookMsg{Text: &wecom.WebhookText{Content: joinNotices(rows, maxTextBody)}})
	case ChannelMail:
		api = mail.API
		payload, err = json.Marshal(mail.Message{To: []string{addr}, Subject: subject(rows), Body: s.mailBody(rows)})
	default:
		return nil, fmt.Errorf("ticket notice to %q: unknown channel", redact(r))
	}
	if err != nil {
		return nil, fmt.Errorf("build ticket notice to %s: %w", redact(r), err)
	}
	return &outbox.Message{API: api, Payload: string(payload)}, nil
}

// appMessage is a text card linking to the ticket for one notice, and a
// text listing every ticket for several (or when no console URL is set).
func (s *Service) appMessage(userID string, rows []notice) wecom.AppMessage {
	m := wecom.AppMessage{ToUser: []string{userID}}
	if len(rows) == 1 && rows[0].TicketID > 0 && s.opts.ConsoleURL != "" {
		m.TextCard = &wecom.TextCard{Title: clipBytes(rows[0].Title, 120), Description: clipBytes(rows[0].Text, maxCardDesc),
			URL: s.ticketURL(rows[0].TicketID), BtnTxt: "详情"}
		return m
	}
	body := joinNotices(rows, maxTextBody)
	if s.opts.ConsoleURL != "" && len(rows) > 1 {
		body = clipBytes(joinNotices(rows, maxTextBody-120), maxTextBody-120) + "\n" + s.opts.ConsoleURL + "/tickets"
	}
	m.Text = &wecom.Text{Content: body}
	return m
}

func (s *Service) ticketURL(id int64) string {
	return strings.TrimRight(s.opts.ConsoleURL, "/") + "/tickets/" + strconv.FormatInt(id, 10)
}

// joinNotices lists rows within limit bytes: each keeps its title (which
// names the ticket) and as much of its text as fits its share.
func joinNotices(rows []notice, limit int) string {
	if len(rows) == 1 {
		return clipBytes(rows[0].Title+"\n"+rows[0].Text, limit)
	}
	share := limit/len(rows) - 2
	parts := make([]string, len(rows))
	for i, r := range rows {
		parts[i] = clipBytes(r.Title+"\n"+r.Text, share)
		if parts[i] == "" || !strings.HasPrefix(parts[i], r.Title) {
			parts[i] = clipBytes(r.Title, share)
		}
	}
	return clipBytes(strings.Join(parts, "\n\n"), limit)
}

func subject(rows []notice) string {
	if len(rows) == 1 {
		return rows[0].Title
	}
	return fmt.Sprintf("%d 条工单通知 (%d ticket notifications)", len(rows), len(rows))
}

func (s *Service) mailBody(rows []notice) string {
	parts := make([]string, len(rows))
	for i, r := range rows {
		parts[i] = r.Title + "\n" + r.Text
		if r.TicketID > 0 && s.opts.ConsoleURL != "" {
			parts[i] += "\n" + s.ticketURL(r.TicketID)
		}
	}
	return strings.Join(parts, "\n\n")
}
