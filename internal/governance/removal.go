package governance

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/storage"
	"github.com/qunbot/qunbot/internal/wecom/callback"
)

// HandleChatUpdate is the inbox handler of "change_external_chat/update":
// when a member with a pending removal request leaves the group removed
// (del_member, QuitScene 1), the removal is recorded and the result
// announced in the group (through the bridge where there is one).
func (s *Service) HandleChatUpdate(ctx context.Context, e inbox.Event) error {
	ev, err := callback.ParseEvent([]byte(e.Payload))
	if err != nil {
		return inbox.Permanent(fmt.Errorf("decode chat update: %w", err))
	}
	ch := ev.Chat
	if ch == nil || ch.UpdateDetail != "del_member" || ch.QuitScene != 1 {
		return nil
	}
	for _, member := range ch.MemChangeList {
		if err := s.MemberRemoved(ctx, e.DedupeKey+":"+member, ch.ChatID, member); err != nil {
			return err
		}
	}
	return nil
}

// MemberRemoved records that member was removed from chat (key names the
// event, for idempotency) and announces it, if a removal request was
// pending; otherwise it does nothing.
func (s *Service) MemberRemoved(ctx context.Context, key, chatID, memberID string) error {
	req, pending, err := s.opts.Store.pendingRemoval(ctx, chatID, memberID)
	if err != nil || !pending {
		return err
	}
	chk, err := s.checker(ctx)
	if err != nil {
		return err
	}
	text := chk.rules.Ladder.ResultText
	if text == "" {
		text = defaultResultText
	}
	name := req.MemberName
	if name == "" {
		name = memberID
	}
	text = strings.NewReplacer("{name}", name, "{violation}", Violation{Kind: req.Violation}.Label(), "{chat}", chatID).Replace(text)
	base := Record{ChatID: chatID, MemberID: memberID, MemberName: req.MemberName, Violation: req.Violation, Evidence: req.Evidence, MessageKey: key}
	removed := base
	removed.Step, removed.Outcome, removed.Detail = StepRemoved, OutcomeObserved, "成员已被移出群聊 (removed from the group)"
	steps := []step{{record: removed}, s.groupStep(base, StepResult, Message{Key: key, ChatID: chatID, MemberID: memberID}, text)}
	return s.write(ctx, key, steps)
}

// write stores steps and queues their sends in one transaction.
func (s *Service) write(ctx context.Context, key string, steps []step) error {
	now := s.opts.Store.clock.Now()
	err := s.opts.Store.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, st := range steps {
			st.record.fit(now)
			if _, err := storage.InsertOnce(tx, &st.record); err != nil {
				return err
			}
			if st.send != nil {
				if _, err := outbox.EnqueueTx(tx, st.send, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return storage.Wrap(fmt.Sprintf("record group rule steps for %s", key), err)
	}
	return nil
}
