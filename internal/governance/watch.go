package governance

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/storage"
)

// floodTracker keeps each member's recent message times per group, in
// memory: flooding is judged per replica, which suffices because a flood
// is many messages in seconds.
type floodTracker struct {
	mu      sync.Mutex
	max     int
	members map[string][]floodHit
}

type floodHit struct {
	key string
	at  time.Time
}

func newFloodTracker(max int) *floodTracker {
	return &floodTracker{max: max, members: make(map[string][]floodHit)}
}

// add records m and reports whether it is the member's f.Messages-th
// message within f.Seconds; the count then starts again, so one burst is
// one offence. A redelivered message is not counted twice.
func (t *floodTracker) add(m Message, f FloodRule) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	id := m.ChatID + "\x00" + m.MemberID
	hits := t.members[id]
	if hits == nil && len(t.members) >= t.max {
		for k := range t.members {
			delete(t.members, k)
			break
		}
	}
	for _, h := range hits {
		if h.key == m.Key {
			return false
		}
	}
	from := m.At.Add(-time.Duration(f.Seconds) * time.Second)
	kept := hits[:0]
	for _, h := range hits {
		if h.at.After(from) {
			kept = append(kept, h)
		}
	}
	kept = append(kept, floodHit{key: m.Key, at: m.At})
	if len(kept) >= f.Messages {
		t.members[id] = kept[:0]
		return true
	}
	t.members[id] = kept
	return false
}

// earlyWarning counts m for its group's day and raises an alert when the
// day's negative messages cross a level (三级预警): recorded once per group,
// day and level, and sent to the operators as an app message.
func (s *Service) earlyWarning(ctx context.Context, r Rules, m Message) error {
	if s.opts.Negative == nil || !r.Alerts.Enabled || m.Text == "" {
		return nil
	}
	loc, err := time.LoadLocation(zoneOr(r.Alerts.TimeZone))
	if err != nil {
		return fmt.Errorf("early warning: %w", err)
	}
	day := m.At.In(loc).Format(time.DateOnly)
	today, prev, err := s.opts.Store.count(ctx, m.ChatID, day, s.opts.Negative(m.Text))
	if err != nil {
		return err
	}
	level, reason := r.Alerts.level(today.Total, today.Negative, prev)
	if level.Level == 0 {
		return nil
	}
	a := Alert{ChatID: m.ChatID, Day: day, Level: level.Level, Reason: reason, Total: today.Total, Negative: today.Negative, PrevNegative: prev}
	return s.raiseAlert(ctx, r.Alerts, level, a, chatOr(m))
}

// raiseAlert records a and queues the operators' message in one
// transaction, once per group, day and level.
func (s *Service) raiseAlert(ctx context.Context, cfg AlertConfig, level AlertLevel, a Alert, chat string) error {
	a.CreatedAt = s.opts.Store.clock.Now()
	a.Reason = storage.Truncate(a.Reason, 255)
	added := false
	err := s.opts.Store.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		var higher int64
		if err := tx.Model(&Alert{}).Where("chat_id = ? AND day = ? AND level >= ?", a.ChatID, a.Day, a.Level).Count(&higher).Error; err != nil || higher > 0 {
			return err
		}
		if added, err = storage.InsertOnce(tx, &a); err != nil || !added || len(cfg.NotifyUsers) == 0 {
			return err
		}
		text := fmt.Sprintf("【%s】群「%s」%s:%s。请及时关注群内舆情。", level.Name, chat, a.Day, a.Reason)
		msg := &outbox.Message{
			IdempotencyKey: fmt.Sprintf("gov-alert:%x:%s:%d", sha256.Sum256([]byte(a.ChatID)), a.Day, a.Level), API: APIMessageSend, Priority: 8,
			Payload: appText(strings.Join(cfg.NotifyUsers, "|"), text),
		}
		_, err = outbox.EnqueueTx(tx, msg, a.CreatedAt)
		return err
	})
	if err != nil {
		return storage.Wrap(fmt.Sprintf("raise alert for %s", a.ChatID), err)
	}
	if added {
		s.opts.Logger.Warn("group early warning", "chat_id", a.ChatID, "day", a.Day, "level", a.Level, "reason", a.Reason)
	}
	return nil
}
