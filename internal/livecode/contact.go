package livecode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/storage"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/callback"
)

// ContactEventKinds returns the inbox kinds HandleContact handles.
func ContactEventKinds() []string {
	return []string{"change_external_contact/add_external_contact", "change_external_contact/add_half_external_contact"}
}

func (c *ContactCode) normalize() {
	c.Name, c.State, c.Remark = strings.TrimSpace(c.Name), strings.TrimSpace(c.State), strings.TrimSpace(c.Remark)
	c.UserIDs = cleanList(c.UserIDs)
	c.TagIDs = cleanList(c.TagIDs)
	if c.Type == 0 {
		c.Type = wecom.ContactWaySingle
		if len(c.UserIDs) > 1 {
			c.Type = wecom.ContactWayMulti
		}
	}
}

// cleanList trims, drops empty and repeated entries, keeping the order.
func cleanList(in []string) []string {
	out := []string{}
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func (c *ContactCode) validate() error {
	var p fault.Problems
	switch n := utf8.RuneCountInString(c.Name); {
	case n == 0:
		p.Add("name", "渠道活码名称不能为空 (name is required)")
	case n > 64:
		p.Add("name", "渠道活码名称不能超过 64 个字 (name is longer than 64 characters)")
	}
	if utf8.RuneCountInString(c.State) > MaxStateLen {
		p.Add("state", "渠道标识 state 不能超过 %d 个字 (state is longer than %d characters)", MaxStateLen, MaxStateLen)
	}
	switch {
	case c.Type != wecom.ContactWaySingle && c.Type != wecom.ContactWayMulti:
		p.Add("type", "类型须为 1 (单人) 或 2 (多人) (type must be 1 single or 2 multi)")
	case len(c.UserIDs) == 0:
		p.Add("user_ids", "至少需要一名接待成员 (at least one staff member is required)")
	case c.Type == wecom.ContactWaySingle && len(c.UserIDs) != 1:
		p.Add("user_ids", "单人活码只能有一名成员 (a single code has exactly one staff member)")
	case len(c.UserIDs) > wecom.MaxContactWayUsers:
		p.Add("user_ids", "成员不能超过 %d 人 (at most %d staff members)", wecom.MaxContactWayUsers, wecom.MaxContactWayUsers)
	}
	if len(c.TagIDs) > 100 {
		p.Add("tag_ids", "标签不能超过 100 个 (at most 100 tags)")
	}
	if utf8.RuneCountInString(c.Remark) > 30 {
		p.Add("remark", "备注不能超过 30 个字 (remark is longer than 30 characters)")
	}
	return p.Err()
}

func (c ContactCode) contactWay() wecom.ContactWay {
	return wecom.ContactWay{ConfigID: c.ConfigID, Type: c.Type, Scene: wecom.SceneQRCode, Remark: c.Remark,
		SkipVerify: c.SkipVerify, State: c.State, Users: c.UserIDs}
}

// CreateContact saves a contact code and its contact way in WeCom; when
// WeCom refuses, nothing is saved.
func (s *Service) CreateContact(ctx context.Context, actor string, c *ContactCode) error {
	c.normalize()
	if c.State == "" {
		c.State = "cc_" + newSlug(10)
	}
	if err := c.validate(); err != nil {
		return err
	}
	if s.opts.WeCom == nil {
		return wecomErr(errNoWeCom)
	}
	if taken, err := s.stateTaken(ctx, c.State, 0); err != nil || taken {
		return cmpErr(err, fault.Invalid("state", "渠道标识 %s 已被其他渠道活码使用 (state already used)", c.State))
	}
	var cw wecom.ContactWay
	err := s.retry(ctx, func() (e error) { cw, e = s.opts.WeCom.AddContactWay(ctx, c.contactWay()); return e })
	if err != nil {
		return fmt.Errorf("create contact code: %w", wecomErr(err))
	}
	now := s.now()
	r := contactRow{Name: c.Name, State: c.State, Type: c.Type, UserIDs: toJSON(c.UserIDs), TagIDs: toJSON(c.TagIDs),
		SkipVerify: c.SkipVerify, Remark: c.Remark, StoreID: c.StoreID, ConfigID: cw.ConfigID, QRCode: cw.QRCode,
		Version: 1, CreatedBy: actor, UpdatedBy: actor, CreatedAt: now, UpdatedAt: now}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		if derr := s.opts.WeCom.DeleteContactWay(ctx, cw.ConfigID); derr != nil {
			s.log.Warn("contact way of an unsaved contact code not deleted", "config_id", cw.ConfigID, "err", derr)
		}
		return wrap("create contact code", err)
	}
	*c = r.contact()
	return nil
}

// stateTaken reports whether another contact code has state.
func (s *Service) stateTaken(ctx context.Context, state string, except int64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&contactRow{}).Where("state = ? AND id <> ?", state, except).Count(&n).Error
	return n > 0, wrap("check contact code state", err)
}

// GetContact returns a contact code.
func (s *Service) GetContact(ctx context.Context, id int64) (ContactCode, error) {
	var r contactRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return ContactCode{}, wrap(fmt.Sprintf("get contact code %d", id), err)
	}
	return r.contact(), nil
}

// ListContacts returns one page of contact codes by id and how many there
// are in all.
func (s *Service) ListContacts(ctx context.Context, query string, limit, offset int) ([]ContactCode, int64, error) {
	q := s.db.WithContext(ctx).Model(&contactRow{})
	if t := strings.TrimSpace(query); t != "" {
		like := "%" + escapeLike(t) + "%"
		q = q.Where("(name LIKE ? ESCAPE '!' OR state LIKE ? ESCAPE '!')", like, like)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, wrap("count contact codes", err)
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	var rows []contactRow
	if err := q.Order("id").Limit(limit).Offset(max(offset, 0)).Find(&rows).Error; err != nil {
		return nil, 0, wrap("list contact codes", err)
	}
	out := make([]ContactCode, len(rows))
	for i, r := range rows {
		out[i] = r.contact()
	}
	return out, total, nil
}

// UpdateContact changes a contact code (its version must be the current
// one) in WeCom first, then here. Its type stays.
func (s *Service) UpdateContact(ctx context.Context, actor string, c *ContactCode) error {
	old, err := s.GetContact(ctx, c.ID)
	if err != nil {
		return err
	}
	c.normalize()
	if c.State == "" {
		c.State = old.State
	}
	c.Type, c.ConfigID = old.Type, old.ConfigID
	if err := c.validate(); err != nil {
		return err
	}
	if c.Version != old.Version {
		return fmt.Errorf("update contact code %d: %w: 渠道活码已被他人修改，请刷新后重试 (stale version)", c.ID, fault.ErrConflict)
	}
	if taken, err := s.stateTaken(ctx, c.State, c.ID); err != nil || taken {
		return cmpErr(err, fault.Invalid("state", "渠道标识 %s 已被其他渠道活码使用 (state already used)", c.State))
	}
	if s.opts.WeCom == nil {
		return wecomErr(errNoWeCom)
	}
	if err := s.retry(ctx, func() error { return s.opts.WeCom.UpdateContactWay(ctx, c.contactWay()) }); err != nil {
		return fmt.Errorf("update contact code %d: %w", c.ID, wecomErr(err))
	}
	res := s.db.WithContext(ctx).Model(&contactRow{}).Where("id = ? AND version = ?", c.ID, c.Version).Updates(map[string]any{
		"name": c.Name, "state": c.State, "user_ids": toJSON(c.UserIDs), "tag_ids": toJSON(c.TagIDs),
		"skip_verify": c.SkipVerify, "remark": c.Remark, "store_id": c.StoreID, "version": gorm.Expr("version + 1"),
		"updated_by": actor, "updated_at": s.now()})
	if res.Error != nil {
		return wrap(fmt.Sprintf("update contact code %d", c.ID), res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("update contact code %d: %w: changed meanwhile", c.ID, fault.ErrConflict)
	}
	got, err := s.GetContact(ctx, c.ID)
	*c = got
	return err
}

// DeleteContact deletes a contact code and its contact way; its
// statistics stay.
func (s *Service) DeleteContact(ctx context.Context, id int64) error {
	c, err := s.GetContact(ctx, id)
	if err != nil {
		return err
	}
	if c.ConfigID != "" && s.opts.WeCom != nil {
		err := s.retry(ctx, func() error { return s.opts.WeCom.DeleteContactWay(ctx, c.ConfigID) })
		var apiErr *wecom.APIError
		if err != nil && !(errors.As(err, &apiErr) && apiErr.Code == errcodeInvalidConfig) {
			return fmt.Errorf("delete contact code %d: %w", id, wecomErr(err))
		}
	}
	return wrap(fmt.Sprintf("delete contact code %d", id), s.db.WithContext(ctx).Where("id = ?", id).Delete(&contactRow{}).Error)
}

// HandleContact handles a new contact (add_external_contact): when its
// State is a contact code's, the contact is tagged with the code's tags
// (mark_tag, through the outbox) and counted once, however often the event
// is delivered.
func (s *Service) HandleContact(ctx context.Context, e inbox.Event) error {
	ev, err := callback.ParseEvent([]byte(e.Payload))
	if err != nil {
		return inbox.Permanent(fmt.Errorf("handle contact event %d: %w", e.ID, err))
	}
	cc := ev.Contact
	if cc == nil || cc.State == "" || cc.UserID == "" || cc.ExternalUserID == "" {
		return nil // not through a code
	}
	var rows []contactRow
	if err := s.db.WithContext(ctx).Where("state = ?", cc.State).Limit(1).Find(&rows).Error; err != nil {
		return wrap("find contact code of state "+cc.State, err)
	}
	if len(rows) == 0 {
		return nil // another capability's state (a group live code, a welcome rule)
	}
	code := rows[0].contact()
	if err := s.tag(ctx, e, code, cc); err != nil {
		return err
	}
	return s.countContact(ctx, code, cc)
}

// tag queues mark_tag for a new contact; the outbox dedupes redeliveries.
func (s *Service) tag(ctx context.Context, e inbox.Event, code ContactCode, cc *callback.ContactChange) error {
	if len(code.TagIDs) == 0 || s.opts.Outbox == nil {
		return nil
	}
	payload, err := json.Marshal(wecom.MarkTag{UserID: cc.UserID, ExternalUserID: cc.ExternalUserID, AddTag: code.TagIDs})
	if err != nil {
		return inbox.Permanent(fmt.Errorf("encode mark_tag: %w", err))
	}
	id := e.ID
	_, err = s.opts.Outbox.Enqueue(ctx, &outbox.Message{
		IdempotencyKey: fmt.Sprintf("contact-code-tag:%d:%s:%s", code.ID, cc.UserID, cc.ExternalUserID),
		API:            wecom.APIMarkTag, Payload: string(payload), Priority: 5, SourceEventID: &id,
	})
	if err != nil {
		return fmt.Errorf("queue mark_tag for contact code %d: %w", code.ID, err)
	}
	return nil
}

// countContact records a new contact once and counts it in the day's joins.
func (s *Service) countContact(ctx context.Context, code ContactCode, cc *callback.ContactChange) error {
	now := s.now()
	row := contactJoinRow{CodeID: code.ID, UserID: cc.UserID, ExternalUserID: cc.ExternalUserID, JoinedAt: now}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		created, err := storage.InsertOnce(tx, &row)
		if err != nil || !created {
			return wrap("record contact of code "+code.State, err)
		}
		return addStats(tx, KindContact, code.ID, s.day(now), statsRow{Joins: 1})
	})
}
