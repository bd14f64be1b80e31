package livecode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/wecom"
)

// errcodeInvalidConfig is WeCom's answer for a join way that no longer
// exists (deleted, or expired on WeCom's side).
const errcodeInvalidConfig = 40058

// members reads the fill of a pool. Dismissed groups leave the pool with an
// alert; groups the directory does not know stay, without room, with an
// alert.
func (s *Service) members(ctx context.Context, r codeRow, pool []poolRow) ([]member, error) {
	found, err := s.directory(ctx, pool)
	if err != nil {
		return nil, fmt.Errorf("read pool of live code %d: %w", r.ID, err)
	}
	return s.membersFrom(ctx, r, pool, found)
}

// directory reads the groups of pool rows from the group directory in one
// query, by chat id; dismissed and unknown groups are not in it.
func (s *Service) directory(ctx context.Context, pool []poolRow) (map[string]group.Group, error) {
	found := map[string]group.Group{}
	if len(pool) == 0 {
		return found, nil
	}
	ids := make([]string, len(pool))
	for i, p := range pool {
		ids[i] = p.ChatID
	}
	gs, _, err := s.opts.Groups.Select(ctx, group.Selector{ChatIDs: ids})
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		found[g.ChatID] = g
	}
	return found, nil
}

// membersFrom is pool as members, given the directory's groups; a group
// missing from found is looked up on its own (dismissed or unknown).
func (s *Service) membersFrom(ctx context.Context, r codeRow, pool []poolRow, found map[string]group.Group) ([]member, error) {
	ms := make([]member, 0, len(pool))
	for _, p := range pool {
		m, keep, err := s.member(ctx, r, p, found)
		if err != nil {
			return nil, err
		}
		if keep {
			ms = append(ms, m)
		}
	}
	return ms, nil
}

// member is one pool row as a member; keep is false for a dismissed group,
// which has left the pool.
func (s *Service) member(ctx context.Context, r codeRow, p poolRow, found map[string]group.Group) (member, bool, error) {
	m := member{ChatID: p.ChatID, Source: p.Source}
	if g, ok := found[p.ChatID]; ok {
		m.Name, m.Count, m.Known = g.Name, g.MemberCount, true
		return m, true, nil
	}
	g, err := s.opts.Groups.Get(ctx, p.ChatID)
	switch {
	case errors.Is(err, fault.ErrNotFound):
		s.raise(ctx, r, AlertGroupUnknown, p.ChatID, fmt.Sprintf("活码「%s」的群 %s 不在群目录中，已跳过；请同步客户群或从群池移除 (group unknown to qunbot; skipped)", r.Name, p.ChatID))
		return m, true, nil
	case err != nil:
		return m, false, fmt.Errorf("read group %s of live code %d: %w", p.ChatID, r.ID, err)
	case g.Dismissed:
		return m, false, s.dropDismissed(ctx, r, p.ChatID, g.Name)
	}
	m.Name, m.Count, m.Known = g.Name, g.MemberCount, true
	return m, true, nil
}

// dropDismissed takes a dismissed group out of a pool and alerts once.
func (s *Service) dropDismissed(ctx context.Context, r codeRow, chatID, name string) error {
	res := s.db.WithContext(ctx).Where("code_id = ? AND chat_id = ?", r.ID, chatID).Delete(&poolRow{})
	if res.Error != nil {
		return wrap("drop dismissed group "+chatID, res.Error)
	}
	if res.RowsAffected > 0 {
		s.log.Warn("live code group dismissed; left the pool", "code_id", r.ID, "chat_id", chatID)
		s.raise(ctx, r, AlertGroupDismissed, chatID, fmt.Sprintf("活码「%s」的群「%s」(%s) 已在企业微信解散，已移出群池 (group dismissed; removed from the pool)", r.Name, name, chatID))
	}
	return nil
}

// evaluate brings a code in line with its pool's fill: it moves to the
// next group when the current one is full (at most once per group across
// replicas), raises the alerts that apply when something changed (or
// always, with force), and pushes the join way's window to WeCom.
func (s *Service) evaluate(ctx context.Context, id int64, force bool) error {
	for attempt := 0; attempt < 4; attempt++ {
		r, pool, err := loadCode(ctx, s.db, id)
		if err != nil {
			return err
		}
		if !r.Enabled {
			return nil
		}
		ms, err := s.members(ctx, r, pool)
		if err != nil {
			return err
		}
		p := planFor(r, ms)
		changed, won, err := s.apply(ctx, r, p)
		if err != nil {
			return err
		}
		if !won {
			continue // another replica changed the code first: look again
		}
		if changed || force {
			s.alertsFor(ctx, r, p)
		}
		return s.syncJoinWay(ctx, id)
	}
	return nil
}

// apply saves a plan: a conditional UPDATE on the current group and the
// status read, so that of several replicas planning the same move only one
// makes it. won is false when the row had changed under the plan.
func (s *Service) apply(ctx context.Context, r codeRow, p plan) (changed, won bool, err error) {
	status := p.Status
	if r.Status == StatusError && p.Current == r.CurrentChatID && p.Status != StatusError {
		status = StatusError // the join way still fails; syncJoinWay clears it
	}
	detail := p.Detail
	if status == StatusError && r.Status == StatusError && p.Status != StatusError {
		detail = r.StatusDetail
	}
	if p.Current == r.CurrentChatID && status == r.Status && detail == r.StatusDetail {
		return false, true, nil
	}
	res := s.db.WithContext(ctx).Model(&codeRow{}).
		Where("id = ? AND current_chat_id = ? AND status = ?", r.ID, r.CurrentChatID, r.Status).
		Updates(map[string]any{"current_chat_id": p.Current, "status": status, "status_detail": detail,
			"rev": gorm.Expr("rev + 1"), "updated_at": s.now()})
	if res.Error != nil {
		return false, false, wrap(fmt.Sprintf("move live code %d", r.ID), res.Error)
	}
	if res.RowsAffected == 0 {
		return false, false, nil
	}
	s.invalidate(r.Code)
	if p.Current != r.CurrentChatID && r.CurrentChatID != "" {
		s.log.Info("live code moved", "code_id", r.ID, "from", r.CurrentChatID, "to", p.Current)
		sw := switchRow{CodeID: r.ID, FromChatID: r.CurrentChatID, ToChatID: p.Current, Reason: "full", At: s.now()}
		if err := s.db.WithContext(ctx).Create(&sw).Error; err != nil {
			s.log.Error("live code switch not recorded", "code_id", r.ID, "err", err)
		}
	}
	return true, true, nil
}

// alertsFor raises the alerts a plan calls for.
func (s *Service) alertsFor(ctx context.Context, r codeRow, p plan) {
	switch {
	case p.Status == StatusFull:
		s.raise(ctx, r, AlertPoolExhausted, "", fmt.Sprintf("活码「%s」群池已全部满员（阈值 %d 人）且未开启自动建群，落地页正在显示兜底文字，请尽快补充新群 (pool exhausted)", r.Name, r.Threshold))
	case p.Status == StatusAutoCreate:
		s.raise(ctx, r, AlertPoolExhausted, "", fmt.Sprintf("活码「%s」群池已全部满员，企业微信将自动创建新群「%s」(pool exhausted; WeCom creates groups)", r.Name, r.RoomBaseName))
	case p.Status == StatusOK && p.Open <= r.AlertRemaining:
		s.raise(ctx, r, AlertPoolLow, "", fmt.Sprintf("活码「%s」只剩 %d 个未满的群（阈值 %d 人），请及时补充 (pool running low)", r.Name, p.Open, r.Threshold))
	}
}

// joinWayOf is the join way a code should have with window.
func joinWayOf(r codeRow, window []string) wecom.JoinWay {
	jw := wecom.JoinWay{ConfigID: r.ConfigID, Scene: wecom.SceneQRCode, Remark: remarkOf(r.Name), ChatIDs: window,
		State: r.State, AutoCreateRoom: r.AutoCreate}
	if r.AutoCreate {
		jw.RoomBaseName, jw.RoomBaseID = r.RoomBaseName, r.RoomBaseID
	}
	return jw
}

// remarkOf fits a name into a join way's remark (30 characters).
func remarkOf(name string) string {
	rs := []rune(name)
	if len(rs) > 30 {
		rs = rs[:30]
	}
	return string(rs)
}

// signature identifies a join way's configuration, to know whether WeCom
// has what the code needs.
func signature(jw wecom.JoinWay) string {
	jw.ConfigID, jw.QRCode = "", ""
	b, _ := json.Marshal(struct {
		wecom.JoinWay
		Auto bool
	}{jw, jw.AutoCreateRoom})
	return string(b)
}

// syncJoinWay pushes the window of the code's current group to WeCom when
// WeCom does not have it yet, and reads the QR code back. A push another
// replica overtook is pushed again with what the code needs now.
func (s *Service) syncJoinWay(ctx context.Context, id int64) error {
	for attempt := 0; attempt < 3; attempt++ {
		r, pool, err := loadCode(ctx, s.db, id)
		if err != nil || !r.Enabled {
			return err
		}
		ms, err := s.members(ctx, r, pool)
		if err != nil {
			return err
		}
		window := windowFrom(r.CurrentChatID, ms, r.Threshold)
		if len(window) == 0 {
			return nil // planFor reported the empty pool
		}
		jw := joinWayOf(r, window)
		sig := signature(jw)
		if sig == r.PushedConfig && r.Status != StatusError {
			return nil
		}
		if err := s.push(ctx, r, jw, sig); err != nil {
			return err
		}
	}
	return nil
}

// push sends a join way to WeCom and records it, or records the failure.
func (s *Service) push(ctx context.Context, r codeRow, jw wecom.JoinWay, sig string) error {
	if s.opts.WeCom == nil {
		return s.failed(ctx, r, errNoWeCom)
	}
	configID, err := s.putJoinWay(ctx, r, jw)
	if err != nil {
		return s.failed(ctx, r, err)
	}
	qr := r.QRCode
	var got wecom.JoinWay
	if err := s.retry(ctx, func() (e error) { got, e = s.opts.WeCom.GetJoinWay(ctx, configID); return e }); err != nil {
		s.log.Warn("live code QR not read back; kept the last one", "code_id", r.ID, "err", err)
	} else if got.QRCode != "" {
		qr = got.QRCode
	}
	if qr == "" {
		return s.failed(ctx, r, errors.New("企业微信未返回二维码 (WeCom returned no QR code)"))
	}
	status, detail := r.Status, r.StatusDetail
	if status == StatusError {
		status, detail = StatusOK, "" // evaluate below restores the planned status
	}
	now := s.now()
	err = s.db.WithContext(ctx).Model(&codeRow{}).Where("id = ?", r.ID).Updates(map[string]any{
		"config_id": configID, "qr_code": qr, "qr_checked_at": now, "pushed_config": sig, "status": status,
		"status_detail": detail, "rev": gorm.Expr("rev + 1"), "updated_at": now}).Error
	if err != nil {
		return wrap(fmt.Sprintf("save join way of live code %d", r.ID), err)
	}
	s.invalidate(r.Code)
	if status != r.Status {
		return s.evaluate(ctx, r.ID, false) // restore the planned status
	}
	return nil
}

// putJoinWay updates the code's join way, or creates one when it has none
// or WeCom no longer knows it; it returns the config id.
func (s *Service) putJoinWay(ctx context.Context, r codeRow, jw wecom.JoinWay) (string, error) {
	if r.ConfigID != "" {
		err := s.retry(ctx, func() error { return s.opts.WeCom.UpdateJoinWay(ctx, jw) })
		var apiErr *wecom.APIError
		if err == nil || !errors.As(err, &apiErr) || apiErr.Code != errcodeInvalidConfig || !strings.Contains(apiErr.Message, "config_id") {
			return r.ConfigID, err
		}
		s.raise(ctx, r, AlertJoinWayFailed, "", fmt.Sprintf("活码「%s」在企业微信的入群配置已失效，已重新创建；落地页地址不变 (join way gone; recreated behind the same landing page)", r.Name))
	}
	var configID string
	err := s.retry(ctx, func() (e error) { configID, e = s.opts.WeCom.AddJoinWay(ctx, jw); return e })
	return configID, err
}

// failed records a join way WeCom refused: the landing page shows the
// fallback text and operators are alerted.
func (s *Service) failed(ctx context.Context, r codeRow, cause error) error {
	detail := "企业微信拒绝了入群配置，落地页显示兜底文字：" + cause.Error()
	if len([]rune(detail)) > 500 {
		detail = string([]rune(detail)[:500])
	}
	err := s.db.WithContext(ctx).Model(&codeRow{}).Where("id = ?", r.ID).Updates(map[string]any{
		"status": StatusError, "status_detail": detail, "rev": gorm.Expr("rev + 1"), "updated_at": s.now()}).Error
	if err != nil {
		return wrap(fmt.Sprintf("record join way failure of live code %d", r.ID), err)
	}
	s.invalidate(r.Code)
	s.raise(ctx, r, AlertJoinWayFailed, "", fmt.Sprintf("活码「%s」更新企业微信入群配置失败：%v (join way update failed)", r.Name, cause))
	return fmt.Errorf("push join way of live code %d: %w", r.ID, wecomErr(cause))
}

// wecomErr maps a WeCom failure onto the fault vocabulary.
func wecomErr(err error) error {
	var apiErr *wecom.APIError
	switch {
	case errors.Is(err, errNoWeCom), wecom.IsTemporary(err):
		return fmt.Errorf("%w: %w", fault.ErrUnavailable, err)
	case errors.As(err, &apiErr), errors.Is(err, wecom.ErrInvalidRequest):
		return fault.Invalid("wecom", "企业微信拒绝了该配置 (WeCom refused it): %v", err)
	}
	return fmt.Errorf("%w: %w", fault.ErrUnavailable, err)
}
