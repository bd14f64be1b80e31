package welcome

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/storage"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/callback"
)

// OutcomeExpired is a welcome not sent because WeCom's 20-second window
// had passed before qunbot got to it.
const OutcomeExpired Outcome = "expired"

// The change types that carry a WelcomeCode.
const (
	changeAddContact     = "add_external_contact"
	changeAddHalfContact = "add_half_external_contact"
)

// ContactKinds are the inbox kinds HandleContact handles.
var ContactKinds = []string{
	"change_external_contact/" + changeAddContact,
	"change_external_contact/" + changeAddHalfContact,
}

// HandleContact is the inbox handler of new contacts: it picks the rule for
// the contact way's state and the staff member, renders it and queues
// send_welcome_msg keyed on the WelcomeCode, recording the decision in the
// same transaction. Without a WelcomeCode WeCom has greeted the contact
// already; that is recorded and nothing is sent.
func (s *Service) HandleContact(ctx context.Context, e inbox.Event) error {
	ev, err := callback.ParseEvent([]byte(e.Payload))
	if err != nil {
		return inbox.Permanent(fmt.Errorf("decode contact event %d: %w", e.ID, err))
	}
	c := ev.Contact
	if c == nil || (ev.ChangeType != changeAddContact && ev.ChangeType != changeAddHalfContact) {
		return nil
	}
	rec := s.contactRecord(e, ev)
	if done, err := s.store.recorded(ctx, rec.EventKey); err != nil || done {
		return err // a redelivery: decided before
	}
	switch {
	case c.WelcomeCode == "":
		return s.decide(ctx, rec, OutcomeNoWelcomeCode, detailNoWelcomeCode)
	case s.opts.Now().Sub(e.ReceivedAt) > welcomeWindow:
		return s.decide(ctx, rec, OutcomeExpired, fmt.Sprintf("處理時已超過企業微信 20 秒窗口 (more than 20 s after the event: %s)", s.opts.Now().Sub(e.ReceivedAt).Round(time.Millisecond)))
	}
	rules, err := s.store.Rules(ctx, ChannelContact)
	if err != nil {
		return fmt.Errorf("welcome contact %s: %w", c.ExternalUserID, err)
	}
	rule, ok := Pick(rules, Who{Channel: ChannelContact, State: c.State, StaffUserID: c.UserID})
	if !ok {
		return s.decide(ctx, rec, OutcomeNoRule, detailNoRule)
	}
	type resolved struct {
		list    []wecom.Attachment
		dropped []string
	}
	atts := make(chan resolved, 1)
	go func() { // images are fetched and uploaded while names are looked up
		list, dropped := s.contactAttachments(ctx, rule.Attachments)
		atts <- resolved{list, dropped}
	}()
	vars := s.contactVars(ctx, c, rule.Text)
	got := <-atts
	msg := wecom.WelcomeMsg{WelcomeCode: c.WelcomeCode, Attachments: got.list}
	if text := strings.TrimSpace(Render(rule.Text, vars)); text != "" {
		msg.Text = &wecom.Text{Content: text}
	}
	if msg.Text == nil && len(msg.Attachments) == 0 {
		rec.RuleID = &rule.ID
		return s.decide(ctx, rec, OutcomeNoContent, detailNoContent+"; "+strings.Join(got.dropped, "; "))
	}
	return s.queueWelcome(ctx, e, rec, rule, msg, got.dropped...)
}

func (s *Service) contactRecord(e inbox.Event, ev callback.Event) Record {
	c := ev.Contact
	rec := Record{Kind: KindContact, Target: c.ExternalUserID, State: c.State, StaffUserID: c.UserID, ReceivedAt: timePtr(e.ReceivedAt)}
	if ev.CreateTime > 0 {
		rec.EventAt = timePtr(unixUTC(ev.CreateTime))
	}
	rec.EventKey = "contact:" + e.DedupeKey
	if c.WelcomeCode != "" {
		rec.EventKey = WelcomeKey(c.WelcomeCode)
	}
	return rec
}

// WelcomeKey is the record key and outbox idempotency key of the welcome of
// one WelcomeCode: WeCom accepts one welcome per code.
func WelcomeKey(welcomeCode string) string { return "welcome:" + welcomeCode }

func unixUTC(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := storage.Timestamp(t)
	return &u
}

// decide records a welcome that queues no send.
func (s *Service) decide(ctx context.Context, rec Record, outcome Outcome, detail string) error {
	rec.Outcome, rec.Detail, rec.DecidedAt = outcome, detail, s.now()
	if _, err := insertRecord(s.store.db.WithContext(ctx), &rec); err != nil {
		return storage.Wrap(fmt.Sprintf("record welcome %s", rec.EventKey), err)
	}
	s.opts.Logger.Info("welcome decided", "event_key", rec.EventKey, "outcome", outcome, "target", rec.Target)
	return nil
}

// queueWelcome records the decision and queues the send together.
// notes (attachments left out) are added to the record's detail.
func (s *Service) queueWelcome(ctx context.Context, e inbox.Event, rec Record, rule Rule, msg wecom.WelcomeMsg, notes ...string) error {
	payload, err := json.Marshal(msg)
	if err != nil {
		return inbox.Permanent(fmt.Errorf("encode welcome %s: %w", rec.EventKey, err))
	}
	id := e.ID
	m := &outbox.Message{IdempotencyKey: rec.EventKey, API: wecom.APISendWelcomeMsg, Payload: string(payload),
		Priority: PriorityWelcome, MaxAttempts: welcomeAttempts, SourceEventID: &id}
	rec.RuleID, rec.Outcome, rec.OutboxKey = &rule.ID, OutcomeQueued, m.IdempotencyKey
	rec.Detail = strings.Join(append([]string{fmt.Sprintf("規則 %s", rule.Name)}, notes...), "; ")
	if err := s.store.queue(ctx, &rec, m, s.now()); err != nil {
		return fmt.Errorf("queue welcome to %s: %w", rec.Target, err)
	}
	s.opts.Wake()
	return nil
}

// recorded reports whether a welcome with key was decided already.
func (s *Store) recorded(ctx context.Context, key string) (bool, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&Record{}).Where("event_key = ?", key).Count(&n).Error; err != nil {
		return false, storage.Wrap(fmt.Sprintf("look up welcome %s", key), err)
	}
	return n > 0, nil
}

// queue inserts rec and, if it is new, m, in one transaction.
func (s *Store) queue(ctx context.Context, rec *Record, m *outbox.Message, now time.Time) error {
	rec.DecidedAt = now
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		inserted, err := insertRecord(tx, rec)
		if err != nil {
			return storage.Wrap(fmt.Sprintf("record welcome %s", rec.EventKey), err)
		}
		if !inserted { // handled before: the send was queued then
			return nil
		}
		_, err = outbox.EnqueueTx(tx, m, now)
		return err
	})
}

// contactVars looks up the names text uses, together and within
// LookupTimeout; a lookup that fails or is slow leaves its fallback. Names
// text does not use are not looked up: every lookup is a WeCom round trip
// inside the 20-second window.
func (s *Service) contactVars(ctx context.Context, c *callback.ContactChange, text string) Vars {
	ctx, cancel := context.WithTimeout(ctx, s.opts.LookupTimeout)
	defer cancel()
	name := make(chan string, 1)
	if uses(text, varName) {
		go func() { name <- s.contactName(ctx, c.ExternalUserID) }()
	} else {
		name <- s.opts.NameFallback
	}
	v := Vars{}
	if s.opts.Directory != nil && c.UserID != "" && uses(text, varStaff, varStore) {
		staff, store, err := s.opts.Directory.StaffName(ctx, c.UserID)
		if err != nil {
			s.opts.Logger.Warn("welcome: staff name lookup failed", "user_id", c.UserID, "err", err)
		}
		v.Staff, v.Store = staff, store
	}
	v.Name = <-name
	return v
}

func (s *Service) contactName(ctx context.Context, externalUserID string) string {
	if s.opts.Contacts == nil || externalUserID == "" {
		return s.opts.NameFallback
	}
	name, err := s.opts.Contacts.ContactName(ctx, externalUserID)
	if err != nil || strings.TrimSpace(name) == "" {
		if err != nil {
			s.opts.Logger.Warn("welcome: contact name lookup failed", "external_user_id", externalUserID, "err", err)
		}
		return s.opts.NameFallback
	}
	return name
}
