package livecode

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/storage"
	"github.com/qunbot/qunbot/internal/wecom"
)

// raise opens an alert for a live code, or counts a repeat on the open one;
// a new alert is sent to the operators and the store's staff. Failures are
// logged: an alert must not stop the switch.
func (s *Service) raise(ctx context.Context, r codeRow, kind, chatID, message string) {
	s.raiseFor(ctx, KindGroup, r.ID, r.StoreID, kind, chatID, message)
}

func (s *Service) raiseFor(ctx context.Context, codeKind string, codeID, storeID int64, kind, chatID, message string) {
	id, opened, err := s.openAlert(ctx, codeKind, codeID, kind, chatID, message)
	if err != nil {
		s.log.Error("live code alert not recorded", "code_id", codeID, "kind", kind, "err", err)
		return
	}
	if !opened {
		return
	}
	s.log.Warn("live code alert", "code_id", codeID, "kind", kind, "chat_id", chatID, "message", message)
	if err := s.notify(ctx, id, storeID, message); err != nil {
		s.log.Error("live code alert not queued for staff", "alert_id", id, "err", err)
	}
}

// openAlert inserts an open alert, or bumps the open one with the same key.
func (s *Service) openAlert(ctx context.Context, codeKind string, codeID int64, kind, chatID, message string) (int64, bool, error) {
	key := fmt.Sprintf("%s|%d|%s|%s", codeKind, codeID, kind, chatID)
	now := s.now()
	row := alertRow{CodeKind: codeKind, CodeID: codeID, Kind: kind, ChatID: chatID, Message: truncate(message, 1000),
		Occurrences: 1, OpenKey: &key, FirstAt: now, LastAt: now}
	created, err := storage.InsertOnce(s.db.WithContext(ctx), &row)
	if err != nil {
		return 0, false, wrap("open live code alert", err)
	}
	if created {
		return row.ID, true, nil
	}
	err = s.db.WithContext(ctx).Model(&alertRow{}).Where("open_key = ?", key).Updates(map[string]any{
		"occurrences": gorm.Expr("occurrences + 1"), "last_at": now, "message": row.Message}).Error
	return 0, false, wrap("count live code alert", err)
}

func truncate(s string, n int) string {
	if rs := []rune(s); len(rs) > n {
		return string(rs[:n])
	}
	return s
}

// notify queues one app message for the alert's readers.
func (s *Service) notify(ctx context.Context, alertID, storeID int64, message string) error {
	users := slices.Clone(s.opts.AlertUsers)
	if storeID > 0 && s.opts.Staff != nil {
		staff, err := s.opts.Staff.StoreStaffUserIDs(ctx, storeID)
		if err != nil {
			s.log.Warn("store staff not read for a live code alert", "store_id", storeID, "err", err)
		}
		users = append(users, staff...)
	}
	slices.Sort(users)
	users = slices.Compact(slices.DeleteFunc(users, func(u string) bool { return u == "" }))
	if len(users) == 0 || s.opts.Outbox == nil {
		return nil
	}
	body := map[string]any{"touser": strings.Join(users, "|"), "msgtype": "text",
		"text": map[string]string{"content": "【活码提醒】" + message}}
	payload, err := json.Marshal(body)
	if err != nil {
		return err
	}
	_, err = s.opts.Outbox.Enqueue(ctx, &outbox.Message{IdempotencyKey: fmt.Sprintf("livecode-alert:%d", alertID),
		API: wecom.APIMessageSend, Payload: string(payload), Priority: 5})
	return err
}

// Alerts lists alerts, newest first, and how many match in all.
func (s *Service) Alerts(ctx context.Context, f AlertFilter) ([]Alert, int64, error) {
	q := s.db.WithContext(ctx).Model(&alertRow{})
	if f.CodeID > 0 {
		q = q.Where("code_id = ?", f.CodeID)
	}
	if f.Open != nil && *f.Open {
		q = q.Where("acked_at IS NULL")
	} else if f.Open != nil {
		q = q.Where("acked_at IS NOT NULL")
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, wrap("count live code alerts", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	var rows []alertRow
	if err := q.Order("id DESC").Limit(limit).Offset(max(f.Offset, 0)).Find(&rows).Error; err != nil {
		return nil, 0, wrap("list live code alerts", err)
	}
	out := make([]Alert, len(rows))
	for i, r := range rows {
		out[i] = r.alert()
	}
	return out, total, nil
}

// AckAlert acknowledges an alert; the same trouble later opens a new one.
func (s *Service) AckAlert(ctx context.Context, actor string, id int64) (Alert, error) {
	op := fmt.Sprintf("acknowledge live code alert %d", id)
	now := s.now()
	res := s.db.WithContext(ctx).Model(&alertRow{}).Where("id = ? AND acked_at IS NULL", id).
		Updates(map[string]any{"acked_at": now, "acked_by": actor, "open_key": nil})
	if res.Error != nil {
		return Alert{}, wrap(op, res.Error)
	}
	var r alertRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return Alert{}, wrap(op, err)
	}
	return r.alert(), nil // acknowledging twice changes nothing
}
