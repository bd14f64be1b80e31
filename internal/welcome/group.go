package welcome

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/qunbot/qunbot/internal/bridge"
	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/storage"
	"github.com/qunbot/qunbot/internal/wecom/callback"
)

// APIBridgeSend is the outbox api of a message said through the bridge.
const APIBridgeSend = "bridge/send"

// PriorityGroupWelcome is the outbox priority of group welcomes: after
// contact welcomes, which have a deadline, and before ordinary sends.
const PriorityGroupWelcome = 50

// joinRow is a row of welcome_group_joins.
type joinRow struct {
	ID       int64
	ChatID   string
	MemberID string
	JoinedAt time.Time
	BatchID  *int64
}

func (joinRow) TableName() string { return "welcome_group_joins" }

// OnJoin notes that members joined chat at. Their welcome is said once the
// chat's window (GroupWindow from its first unwelcomed join) closes, in one
// message naming everyone who joined within it; FlushDue says it. Calling
// OnJoin again for the same join changes nothing.
func (s *Service) OnJoin(ctx context.Context, chatID string, members []string, at time.Time) error {
	chatID = strings.TrimSpace(chatID)
	rows := make([]joinRow, 0, len(members))
	seen := map[string]bool{}
	for _, m := range members {
		if m = strings.TrimSpace(m); m != "" && !seen[m] {
			seen[m] = true
			rows = append(rows, joinRow{ChatID: chatID, MemberID: m, JoinedAt: storage.Timestamp(at)})
		}
	}
	if chatID == "" || len(rows) == 0 {
		return nil
	}
	err := s.store.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error
	if err != nil {
		return storage.Wrap(fmt.Sprintf("note %d joins of chat %s", len(rows), chatID), err)
	}
	return nil
}

// ChatUpdateKind is the inbox kind HandleChatUpdate handles.
const ChatUpdateKind = "change_external_chat/update"

// HandleChatUpdate is an inbox handler that feeds OnJoin from WeCom's
// add_member events, for deployments where nothing else observes group
// membership. It uses MemChangeList, which older payloads lack: those joins
// are not welcomed by it. Staff members who join are not welcomed.
func (s *Service) HandleChatUpdate(ctx context.Context, e inbox.Event) error {
	ev, err := callback.ParseEvent([]byte(e.Payload))
	if err != nil {
		return inbox.Permanent(fmt.Errorf("decode chat event %d: %w", e.ID, err))
	}
	c := ev.Chat
	if c == nil || c.UpdateDetail != "add_member" || len(c.MemChangeList) == 0 {
		return nil
	}
	at := e.ReceivedAt
	if ev.CreateTime > 0 {
		at = unixUTC(ev.CreateTime)
	}
	return s.OnJoin(ctx, c.ChatID, externalOnly(c.MemChangeList), at)
}

// externalOnly keeps the external userids (wm…, wo…): staff joining a
// customer group are not welcomed.
func externalOnly(ids []string) []string {
	var out []string
	for _, id := range ids {
		if strings.HasPrefix(id, "wm") || strings.HasPrefix(id, "wo") {
			out = append(out, id)
		}
	}
	return out
}

// FlushDue says the welcome of every chat whose window has closed and
// returns how many it said (or recorded as unsayable). Replicas may run it
// together: a batch goes to whoever claims its joins first.
func (s *Service) FlushDue(ctx context.Context) (int, error) {
	cutoff := s.now().Add(-s.opts.GroupWindow)
	var chats []string
	err := s.store.db.WithContext(ctx).Model(&joinRow{}).Where("batch_id IS NULL").Group("chat_id").
		Having("MIN(joined_at) <= ?", cutoff).Limit(100).Pluck("chat_id", &chats).Error
	if err != nil {
		return 0, storage.Wrap("find due group welcomes", err)
	}
	n := 0
	for _, chatID := range chats {
		done, err := s.flushChat(ctx, chatID)
		if err != nil {
			return n, err
		}
		if done {
			n++
		}
	}
	return n, nil
}

// RunFlusher calls FlushDue every interval until ctx is done.
func (s *Service) RunFlusher(ctx context.Context, interval time.Duration) error {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if _, err := s.FlushDue(ctx); err != nil && ctx.Err() == nil {
			s.opts.Logger.Error("group welcome flush failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// errTaken rolls back a flush whose joins another flusher claimed.
var errTaken = errors.New("group welcome batch taken by another flusher")

// flushChat claims chat's joins of the window starting at its first
// unwelcomed join, records
// the welcome and queues it, all in one transaction. Names are looked up
// before, so that no transaction waits on WeCom.
func (s *Service) flushChat(ctx context.Context, chatID string) (bool, error) {
	db := s.store.db.WithContext(ctx)
	var head joinRow
	err := db.Where("chat_id = ? AND batch_id IS NULL", chatID).Order("joined_at, id").Take(&head).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil // flushed by another replica meanwhile
	}
	if err != nil {
		return false, storage.Wrap(fmt.Sprintf("read joins of %s", chatID), err)
	}
	first := head.JoinedAt.UTC()
	var joins []joinRow
	err = db.Where("chat_id = ? AND batch_id IS NULL AND joined_at <= ?", chatID, first.Add(s.opts.GroupWindow)).
		Order("joined_at, id").Find(&joins).Error
	if err != nil {
		return false, storage.Wrap(fmt.Sprintf("read joins of %s", chatID), err)
	}
	if len(joins) == 0 {
		return false, nil
	}
	ids, members := make([]int64, len(joins)), make([]string, 0, len(joins))
	for i, j := range joins {
		ids[i] = j.ID
		if !slices.Contains(members, j.MemberID) { // joined, left and joined again
			members = append(members, j.MemberID)
		}
	}
	names := s.memberNames(ctx, members)
	err = s.store.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		rec := Record{EventKey: fmt.Sprintf("group:%s:%d", chatID, first.UnixMicro()), Kind: KindGroup, Target: chatID,
			EventAt: timePtr(first), DecidedAt: s.now(), Outcome: OutcomeQueued}
		if inserted, err := insertRecord(tx, &rec); err != nil || !inserted {
			return errors.Join(err, errTaken)
		}
		res := tx.Model(&joinRow{}).Where("id IN ? AND batch_id IS NULL", ids).Update("batch_id", rec.ID)
		if res.Error != nil || res.RowsAffected != int64(len(ids)) {
			return errors.Join(res.Error, errTaken)
		}
		return s.sayGroupWelcome(tx, &rec, members, names)
	})
	switch {
	case errors.Is(err, errTaken):
		return false, nil
	case err != nil:
		return false, storage.Wrap(fmt.Sprintf("flush group welcome of %s", chatID), err)
	}
	s.opts.Wake()
	return true, nil
}

// sayGroupWelcome decides the batch's welcome and updates its record.
func (s *Service) sayGroupWelcome(tx *gorm.DB, rec *Record, members []string, names string) error {
	text, found, err := groupText(tx, rec.Target)
	switch {
	case err != nil:
		return err
	case !found:
		rec.Outcome, rec.Detail = OutcomeNoText, detailNoText
	case !s.opts.BridgeSends:
		rec.Outcome, rec.Detail = OutcomeNoChannel, detailNoChannel
	default:
		if err := s.queueGroupWelcome(tx, rec, text, members, names); err != nil {
			return err
		}
	}
	if rec.Detail == "" {
		rec.Detail = fmt.Sprintf("%d 位新成員 (%d new members)", len(members), len(members))
	} else {
		rec.Detail = fmt.Sprintf("%s; %d 位新成員", rec.Detail, len(members))
	}
	return tx.Model(&Record{}).Where("id = ?", rec.ID).Updates(map[string]any{
		"outcome": rec.Outcome, "detail": storage.Truncate(rec.Detail, 1024), "outbox_key": rec.OutboxKey,
	}).Error
}

func (s *Service) queueGroupWelcome(tx *gorm.DB, rec *Record, text GroupText, members []string, names string) error {
	out := bridge.Outgoing{
		IdempotencyKey: fmt.Sprintf("group-welcome:%d", rec.ID), ChatID: rec.Target, MsgType: "text",
		Text: Render(text.Text, Vars{Members: names}), Mentions: members,
	}
	if err := out.Validate(); err != nil {
		return fmt.Errorf("group welcome of %s: %w", rec.Target, err)
	}
	payload, err := json.Marshal(out)
	if err != nil {
		return err
	}
	rec.OutboxKey = out.IdempotencyKey
	_, err = outbox.EnqueueTx(tx, &outbox.Message{IdempotencyKey: out.IdempotencyKey, API: APIBridgeSend,
		Payload: string(payload), Priority: PriorityGroupWelcome}, s.now())
	return err
}

// memberNames names the new members for {{新成員}}: the names Contacts
// knows, joined with 、, or 新朋友們 when it knows none (the members are
// @-mentioned by id either way).
func (s *Service) memberNames(ctx context.Context, members []string) string {
	var names []string
	if s.opts.Contacts != nil {
		ctx, cancel := context.WithTimeout(ctx, s.opts.LookupTimeout)
		defer cancel()
		for _, m := range members {
			if name, err := s.opts.Contacts.ContactName(ctx, m); err == nil && strings.TrimSpace(name) != "" {
				names = append(names, name)
			}
		}
	}
	if len(names) == 0 {
		return "新朋友們"
	}
	return strings.Join(names, "、")
}

// GroupText is the welcome the bot says in a group when members join: the
// group's rules and benefits. ChatID "" is the default for every group
// without its own.
type GroupText struct {
	ID        int64     `json:"id"`
	ChatID    string    `json:"chat_id"`
	Text      string    `json:"text"`
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// TableName tells gorm the table of GroupText.
func (GroupText) TableName() string { return "welcome_group_texts" }

// Validate checks t and reports every problem at once.
func (t *GroupText) Validate() error {
	var p fault.Problems
	t.ChatID = strings.TrimSpace(t.ChatID)
	checkRunes(&p, "chat_id", t.ChatID, 128, false, "群 chat_id")
	checkRunes(&p, "text", t.Text, 4000, true, "歡迎語")
	checkWelcomeText(&p, "text", t.Text, []variable{varMembers})
	return p.Err()
}

// groupText returns the enabled welcome of chat, else the enabled default.
func groupText(tx *gorm.DB, chatID string) (GroupText, bool, error) {
	var list []GroupText
	if err := tx.Where("chat_id IN ? AND enabled = ?", []string{chatID, ""}, true).Find(&list).Error; err != nil {
		return GroupText{}, false, err
	}
	slices.SortFunc(list, func(a, b GroupText) int { return strings.Compare(b.ChatID, a.ChatID) }) // the chat's own first
	if len(list) == 0 {
		return GroupText{}, false, nil
	}
	return list[0], true, nil
}

// GroupTexts returns every group welcome text, the default first.
func (s *Store) GroupTexts(ctx context.Context) ([]GroupText, error) {
	var list []GroupText
	if err := s.db.WithContext(ctx).Order("chat_id, id").Find(&list).Error; err != nil {
		return nil, storage.Wrap("list group welcome texts", err)
	}
	return list, nil
}

// SaveGroupText creates t (ID 0) or replaces text t.ID; one text per chat.
func (s *Store) SaveGroupText(ctx context.Context, t *GroupText) error {
	if err := t.Validate(); err != nil {
		return err
	}
	t.UpdatedAt = s.clock.Now()
	db := s.db.WithContext(ctx)
	var err error
	if t.ID == 0 {
		t.CreatedAt = t.UpdatedAt
		err = db.Create(t).Error
	} else {
		var res *gorm.DB
		res = db.Model(&GroupText{}).Where("id = ?", t.ID).Updates(map[string]any{
			"chat_id": t.ChatID, "text": t.Text, "enabled": t.Enabled, "updated_at": t.UpdatedAt})
		if err = res.Error; err == nil && res.RowsAffected == 0 {
			return fmt.Errorf("update group welcome text %d: %w", t.ID, fault.ErrNotFound)
		}
	}
	if storage.IsDuplicate(err) {
		return fmt.Errorf("save group welcome text: %w: 群 %q 已有入群歡迎語 (chat already has a welcome text)", fault.ErrConflict, t.ChatID)
	}
	if err != nil {
		return storage.Wrap("save group welcome text", err)
	}
	return nil
}

// DeleteGroupText deletes text id.
func (s *Store) DeleteGroupText(ctx context.Context, id int64) error {
	res := s.db.WithContext(ctx).Where("id = ?", id).Delete(&GroupText{})
	if res.Error != nil {
		return storage.Wrap(fmt.Sprintf("delete group welcome text %d", id), res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("delete group welcome text %d: %w", id, fault.ErrNotFound)
	}
	return nil
}
