package livecode

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/wecom"
)

// Get returns a live code with its pool and each group's fill.
func (s *Service) Get(ctx context.Context, id int64) (Code, error) {
	r, pool, err := loadCode(ctx, s.db, id)
	if err != nil {
		return Code{}, err
	}
	return s.withPool(ctx, r, pool)
}

// withPool is r as a Code with its pool's fill (dismissed groups have
// left the pool; a group the directory does not know shows as unknown).
func (s *Service) withPool(ctx context.Context, r codeRow, pool []poolRow) (Code, error) {
	ms, err := s.members(ctx, r, pool)
	if err != nil {
		return Code{}, err
	}
	return withMembers(r, ms), nil
}

// withMembers is r as a Code with ms as its pool.
func withMembers(r codeRow, ms []member) Code {
	c := r.code()
	for _, m := range ms {
		c.Pool = append(c.Pool, PoolGroup{ChatID: m.ChatID, Name: m.Name, MemberCount: m.Count, Source: m.Source,
			Current: m.ChatID == r.CurrentChatID, Full: !m.open(r.Threshold), Unknown: !m.Known})
	}
	return c
}

// Filter selects live codes for List.
type Filter struct {
	Query   string // part of the name or the code
	StoreID int64
	Limit   int // default 50, at most 500
	Offset  int
}

// List returns one page of live codes by id, with their pools, and how
// many match in all.
func (s *Service) List(ctx context.Context, f Filter) ([]Code, int64, error) {
	q := s.db.WithContext(ctx).Model(&codeRow{})
	if t := strings.TrimSpace(f.Query); t != "" {
		like := "%" + escapeLike(t) + "%"
		q = q.Where("(name LIKE ? ESCAPE '!' OR code LIKE ? ESCAPE '!')", like, like)
	}
	if f.StoreID > 0 {
		q = q.Where("store_id = ?", f.StoreID)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, wrap("count live codes", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	var rows []codeRow
	if err := q.Order("id").Limit(limit).Offset(max(f.Offset, 0)).Find(&rows).Error; err != nil {
		return nil, 0, wrap("list live codes", err)
	}
	out, err := s.withPools(ctx, rows)
	return out, total, err
}

// withPools is rows as Codes with their pools' fill, read in two queries
// whatever the number of codes: the pools, then their groups.
func (s *Service) withPools(ctx context.Context, rows []codeRow) ([]Code, error) {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var all []poolRow
	if len(ids) > 0 {
		if err := s.db.WithContext(ctx).Where("code_id IN ?", ids).Order("code_id, position, id").Find(&all).Error; err != nil {
			return nil, wrap("list live codes' pools", err)
		}
	}
	found, err := s.directory(ctx, all)
	if err != nil {
		return nil, fmt.Errorf("list live codes' pools: %w", err)
	}
	pools := make(map[int64][]poolRow, len(rows))
	for _, p := range all {
		pools[p.CodeID] = append(pools[p.CodeID], p)
	}
	out := make([]Code, 0, len(rows))
	for _, r := range rows {
		ms, err := s.membersFrom(ctx, r, pools[r.ID], found)
		if err != nil {
			return nil, err
		}
		out = append(out, withMembers(r, ms))
	}
	return out, nil
}

// Switches lists a code's moves, newest first.
func (s *Service) Switches(ctx context.Context, id int64, limit int) ([]Switch, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	var rows []switchRow
	if err := s.db.WithContext(ctx).Where("code_id = ?", id).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap(fmt.Sprintf("list switches of live code %d", id), err)
	}
	out := make([]Switch, len(rows))
	for i, r := range rows {
		out[i] = Switch{FromChatID: r.FromChatID, ToChatID: r.ToChatID, Reason: r.Reason, At: r.At.UTC()}
	}
	return out, nil
}

// Update saves an operator's change to a code (its version must be the
// current one). A changed pool or join way is pushed to WeCom first: when
// WeCom refuses, nothing is saved.
func (s *Service) Update(ctx context.Context, actor string, c *Code) error {
	c.normalize()
	if err := c.validate(); err != nil {
		return err
	}
	r, _, err := loadCode(ctx, s.db, c.ID)
	if err != nil {
		return err
	}
	if c.Version != r.Version {
		return fmt.Errorf("update live code %d: %w: 活码已被他人修改，请刷新后重试 (version %d is stale; current is %d)", c.ID, fault.ErrConflict, c.Version, r.Version)
	}
	ms, err := s.checkPool(ctx, r.ID, c.Pool)
	if err != nil {
		return err
	}
	next := r
	next.Name, next.StoreID, next.Threshold, next.AlertRemaining = c.Name, c.StoreID, c.Threshold, c.AlertRemaining
	next.FallbackText, next.AutoCreate, next.RoomBaseName, next.RoomBaseID = c.FallbackText, c.AutoCreate, c.RoomBaseName, c.RoomBaseID
	next.Enabled = c.Enabled
	if c.State != "" {
		next.State = c.State
	}
	p := planFor(next, ms)
	next.CurrentChatID, next.Status, next.StatusDetail = p.Current, p.Status, p.Detail
	if err := s.pushForEdit(ctx, &next, ms); err != nil {
		return err
	}
	if err := s.save(ctx, actor, r, next, ms); err != nil {
		return err
	}
	s.invalidate(r.Code)
	s.alertsFor(ctx, next, p)
	got, err := s.Get(ctx, r.ID)
	*c = got
	return err
}

// pushForEdit gives WeCom the join way an edited code needs.
func (s *Service) pushForEdit(ctx context.Context, next *codeRow, ms []member) error {
	jw := joinWayOf(*next, windowFrom(next.CurrentChatID, ms, next.Threshold))
	sig := signature(jw)
	if sig == next.PushedConfig && next.ConfigID != "" {
		return nil
	}
	if s.opts.WeCom == nil {
		return wecomErr(errNoWeCom)
	}
	configID, err := s.putJoinWay(ctx, *next, jw)
	if err != nil {
		return fmt.Errorf("update live code %d: %w", next.ID, wecomErr(err))
	}
	var got wecom.JoinWay
	if err := s.retry(ctx, func() (e error) { got, e = s.opts.WeCom.GetJoinWay(ctx, configID); return e }); err == nil && got.QRCode != "" {
		next.QRCode = got.QRCode
	}
	next.ConfigID, next.PushedConfig = configID, sig
	return nil
}

// save writes an edited code and its pool if nobody changed it meanwhile.
func (s *Service) save(ctx context.Context, actor string, old, next codeRow, ms []member) error {
	now := s.now()
	op := fmt.Sprintf("update live code %d", old.ID)
	return wrap(op, s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&codeRow{}).Where("id = ? AND version = ?", old.ID, old.Version).Updates(map[string]any{
			"name": next.Name, "state": next.State, "store_id": next.StoreID, "threshold": next.Threshold,
			"alert_remaining": next.AlertRemaining, "fallback_text": next.FallbackText, "auto_create": next.AutoCreate,
			"room_base_name": next.RoomBaseName, "room_base_id": next.RoomBaseID, "enabled": next.Enabled,
			"config_id": next.ConfigID, "qr_code": next.QRCode, "pushed_config": next.PushedConfig,
			"current_chat_id": next.CurrentChatID, "status": next.Status, "status_detail": next.StatusDetail,
			"rev": gorm.Expr("rev + 1"), "version": gorm.Expr("version + 1"), "updated_by": actor, "updated_at": now})
		if res.Error != nil {
			if errors.Is(res.Error, gorm.ErrDuplicatedKey) {
				return fault.Invalid("state", "渠道标识 %s 已被其他活码使用 (state already used)", next.State)
			}
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("%w: 活码已被他人修改，请刷新后重试 (changed meanwhile)", fault.ErrConflict)
		}
		if err := tx.Where("code_id = ?", old.ID).Delete(&poolRow{}).Error; err != nil {
			return err
		}
		return insertPool(tx, old.ID, ms, now)
	}))
}

// Delete removes a live code and its join way; its statistics and alerts
// stay. A join way WeCom no longer has is not an error.
func (s *Service) Delete(ctx context.Context, id int64) error {
	r, _, err := loadCode(ctx, s.db, id)
	if err != nil {
		return err
	}
	if r.ConfigID != "" && s.opts.WeCom != nil {
		err := s.retry(ctx, func() error { return s.opts.WeCom.DeleteJoinWay(ctx, r.ConfigID) })
		var apiErr *wecom.APIError
		if err != nil && !(errors.As(err, &apiErr) && apiErr.Code == errcodeInvalidConfig) {
			return fmt.Errorf("delete live code %d: %w", id, wecomErr(err))
		}
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("code_id = ?", id).Delete(&poolRow{}).Error; err != nil {
			return err
		}
		return tx.Where("id = ?", id).Delete(&codeRow{}).Error
	})
	if err != nil {
		return wrap(fmt.Sprintf("delete live code %d", id), err)
	}
	s.invalidate(r.Code)
	return nil
}

// Refresh re-reads a code's join way from WeCom (its QR code), and brings
// the code in line with its pool at once.
func (s *Service) Refresh(ctx context.Context, id int64) (Code, error) {
	r, _, err := loadCode(ctx, s.db, id)
	if err != nil {
		return Code{}, err
	}
	if err := s.refreshQR(ctx, r); err != nil {
		return Code{}, err
	}
	if err := s.evaluate(ctx, id, true); err != nil {
		return Code{}, err
	}
	return s.Get(ctx, id)
}

// refreshQR reads the join way's QR code back from WeCom. A join way WeCom
// no longer knows is pushed again (recreated) by the next evaluate.
func (s *Service) refreshQR(ctx context.Context, r codeRow) error {
	if s.opts.WeCom == nil {
		return wecomErr(errNoWeCom)
	}
	var jw wecom.JoinWay
	err := s.retry(ctx, func() (e error) { jw, e = s.opts.WeCom.GetJoinWay(ctx, r.ConfigID); return e })
	var apiErr *wecom.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.Code == errcodeInvalidConfig:
		// Forget what was pushed: the next evaluate recreates the join way.
		err = s.db.WithContext(ctx).Model(&codeRow{}).Where("id = ?", r.ID).Update("pushed_config", "").Error
		return wrap(fmt.Sprintf("refresh live code %d", r.ID), err)
	case err != nil:
		return s.failed(ctx, r, err)
	case jw.QRCode == "":
		return s.failed(ctx, r, errors.New("企业微信未返回二维码 (WeCom returned no QR code)"))
	}
	now := s.now()
	upd := map[string]any{"qr_checked_at": now}
	if jw.QRCode != r.QRCode {
		upd["qr_code"], upd["rev"] = jw.QRCode, gorm.Expr("rev + 1")
	}
	if err := s.db.WithContext(ctx).Model(&codeRow{}).Where("id = ?", r.ID).Updates(upd).Error; err != nil {
		return wrap(fmt.Sprintf("refresh live code %d", r.ID), err)
	}
	s.invalidate(r.Code)
	return nil
}

// claimQRRefresh claims a code's due QR refresh for this replica.
func (s *Service) claimQRRefresh(ctx context.Context, r codeRow) (bool, error) {
	now := s.now()
	res := s.db.WithContext(ctx).Model(&codeRow{}).
		Where("id = ? AND (qr_checked_at IS NULL OR qr_checked_at < ?)", r.ID, now.Add(-s.opts.QRRefresh)).
		Update("qr_checked_at", now)
	return res.RowsAffected == 1, wrap("claim QR refresh", res.Error)
}
