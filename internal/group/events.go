package group

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/wecom/callback"
)

// ChatEventKinds returns the inbox kinds HandleChatEvent handles.
func ChatEventKinds() []string {
	return []string{"change_external_chat/create", "change_external_chat/update", "change_external_chat/dismiss"}
}

// HandleChatEvent applies a change_external_chat event from the inbox
// (its payload is the decrypted XML): create records the group, add_member
// and del_member adjust the member count once per event, dismiss marks the
// group dismissed, and every event but dismiss asks for a reconcile a few
// seconds later, whose count wins. Handling an event twice changes nothing
// the second time.
func (s *Syncer) HandleChatEvent(ctx context.Context, e inbox.Event) error {
	ev, err := callback.ParseEvent([]byte(e.Payload))
	if err != nil {
		return inbox.Permanent(fmt.Errorf("handle group event %d: %w", e.ID, err))
	}
	if ev.Chat == nil || ev.Chat.ChatID == "" {
		return inbox.Permanent(fmt.Errorf("handle group event %d: kind %s is not a change_external_chat event with a ChatId", e.ID, ev.Kind()))
	}
	key := e.DedupeKey
	if key == "" || len(key) > maxKey {
		key = fallbackKey(ev)
	}
	switch ev.ChangeType {
	case "create":
		err = s.onCreate(ctx, ev.Chat.ChatID, key)
	case "update":
		err = s.onUpdate(ctx, ev, key)
	case "dismiss":
		err = s.dismiss(ctx, ev.Chat.ChatID, eventTime(ev, s.store.clock.Now()))
	default:
		s.log.Warn("group event ignored: unknown change type", "event_id", e.ID, "change_type", ev.ChangeType)
		return nil
	}
	if err != nil {
		return fmt.Errorf("handle group event %d (%s): %w", e.ID, ev.Kind(), err)
	}
	return nil
}

// fallbackKey identifies an event that came without an inbox dedupe key.
func fallbackKey(ev callback.Event) string {
	c := ev.Chat
	raw := fmt.Sprintf("%s|%s|%s|%d|%d|%s|%s|%s", c.ChatID, ev.ChangeType, c.UpdateDetail, ev.CreateTime,
		c.MemChangeCnt, c.LastMemVer, c.CurMemVer, strings.Join(c.MemChangeList, ","))
	sum := sha256.Sum256([]byte(raw))
	return "chat:" + hex.EncodeToString(sum[:])
}

func eventTime(ev callback.Event, now time.Time) time.Time {
	if ev.CreateTime > 0 {
		return time.Unix(ev.CreateTime, 0).UTC()
	}
	return now
}

// onCreate records a new group and asks for its reconcile, which reads its
// name and members.
func (s *Syncer) onCreate(ctx context.Context, chatID, key string) error {
	first, dismissed, err := s.recordChange(ctx, chatID, key)
	if err != nil || !first || dismissed {
		return err
	}
	s.emit(ctx, Change{ChatID: chatID, Kind: ChangeCreated})
	return nil
}

// recordChange makes sure the group has a row, records the event and asks
// for a reconcile.
func (s *Syncer) recordChange(ctx context.Context, chatID, key string) (first, dismissed bool, err error) {
	if _, err := s.store.ensureRow(ctx, chatID); err != nil {
		return false, false, wrap("record group", err)
	}
	first, dismissed, err = s.store.recordChange(ctx, chatID, key, s.store.clock.Now().Add(s.opts.ReconcileDelay))
	return first, dismissed, wrap("record group event", err)
}

// onUpdate handles an update: membership changes count, the others
// (change_name, change_owner, change_notice) only ask for a reconcile,
// which reports a new name.
func (s *Syncer) onUpdate(ctx context.Context, ev callback.Event, key string) error {
	switch ev.Chat.UpdateDetail {
	case "add_member", "del_member":
		return s.onMembers(ctx, ev.Chat, key)
	}
	_, _, err := s.recordChange(ctx, ev.Chat.ChatID, key)
	return err
}

// onMembers applies a join or a leave once, and tells subscribers.
func (s *Syncer) onMembers(ctx context.Context, c *callback.ChatChange, key string) error {
	if _, err := s.store.ensureRow(ctx, c.ChatID); err != nil {
		return wrap("record group", err)
	}
	n := c.MemChangeCnt
	if n <= 0 {
		n = len(c.MemChangeList)
	}
	kind, delta := ChangeJoined, n
	if c.UpdateDetail == "del_member" {
		kind, delta = ChangeLeft, -n
	}
	res, err := s.store.applyMembership(ctx, membership{ChatID: c.ChatID, Key: key, Delta: delta,
		LastVer: c.LastMemVer, CurVer: c.CurMemVer, Due: s.store.clock.Now().Add(s.opts.ReconcileDelay)})
	if err != nil {
		return wrap("apply group membership", err)
	}
	if !res.First || res.Dismissed {
		return nil
	}
	count := res.MemberCount
	if !res.Synced {
		count = s.readCount(ctx, c.ChatID, count)
	}
	s.emit(ctx, Change{ChatID: c.ChatID, Kind: kind, Count: n, MemberCount: count,
		JoinScene: c.JoinScene, Members: c.MemChangeList})
	return nil
}

// readCount reconciles a group qunbot has no count for yet, so that
// subscribers hear a real count; when WeCom fails it keeps fallback and
// the scheduled reconcile tries again.
func (s *Syncer) readCount(ctx context.Context, chatID string, fallback int) int {
	if err := s.Reconcile(ctx, chatID); err != nil {
		s.log.Warn("group count not read; reconcile scheduled", "chat_id", chatID, "err", err)
		return fallback
	}
	g, err := s.store.Get(ctx, chatID)
	if err != nil {
		return fallback
	}
	return g.MemberCount
}
