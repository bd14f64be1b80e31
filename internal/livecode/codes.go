package livecode

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/wecom"
)

// defaultFallback is the landing page's text when a code has none.
const defaultFallback = "如无法扫码入群，请联系门店工作人员邀请您入群。"

// normalize trims a code and fills its defaults.
func (c *Code) normalize() {
	c.Name, c.State = strings.TrimSpace(c.Name), strings.TrimSpace(c.State)
	c.FallbackText, c.RoomBaseName = strings.TrimSpace(c.FallbackText), strings.TrimSpace(c.RoomBaseName)
	if c.Threshold == 0 {
		c.Threshold = DefaultThreshold
	}
	if c.FallbackText == "" {
		c.FallbackText = defaultFallback
	}
	if c.AutoCreate && c.RoomBaseID == 0 {
		c.RoomBaseID = 1
	}
	for i := range c.Pool {
		c.Pool[i].ChatID = strings.TrimSpace(c.Pool[i].ChatID)
	}
}

// validate checks what an operator may set.
func (c *Code) validate() error {
	var p fault.Problems
	switch n := utf8.RuneCountInString(c.Name); {
	case n == 0:
		p.Add("name", "活码名称不能为空 (name is required)")
	case n > 64:
		p.Add("name", "活码名称不能超过 64 个字 (name is longer than 64 characters)")
	}
	if utf8.RuneCountInString(c.State) > MaxStateLen {
		p.Add("state", "渠道标识 state 不能超过 %d 个字 (state is longer than %d characters)", MaxStateLen, MaxStateLen)
	}
	if c.Threshold < 1 || c.Threshold > MaxThreshold {
		p.Add("threshold", "切换阈值须在 1-%d 人之间：企业微信扫码入群到 %d 人即停止 (threshold must be 1-%d: WeCom stops QR joins at %d members)",
			MaxThreshold, MaxThreshold, MaxThreshold, MaxThreshold)
	}
	if c.AlertRemaining < 0 || c.AlertRemaining > 50 {
		p.Add("alert_remaining", "预警剩余群数须在 0-50 之间 (alert_remaining must be 0-50)")
	}
	if utf8.RuneCountInString(c.FallbackText) > 200 {
		p.Add("fallback_text", "兜底文字不能超过 200 个字 (fallback_text is longer than 200 characters)")
	}
	if c.AutoCreate && (c.RoomBaseName == "" || utf8.RuneCountInString(c.RoomBaseName) > 40) {
		p.Add("room_base_name", "开启自动建群时须填写 1-40 个字的新群名称前缀 (room_base_name of 1-40 characters is required with auto_create)")
	}
	if c.RoomBaseID < 0 {
		p.Add("room_base_id", "新群起始序号不能为负 (room_base_id must not be negative)")
	}
	c.validatePool(&p)
	return p.Err()
}

func (c *Code) validatePool(p *fault.Problems) {
	if len(c.Pool) == 0 {
		p.Add("pool", "群池至少需要一个群 (the pool needs at least one group)")
	}
	if len(c.Pool) > maxPool {
		p.Add("pool", "群池不能超过 %d 个群 (the pool holds at most %d groups)", maxPool, maxPool)
	}
	seen := map[string]bool{}
	for i, g := range c.Pool {
		field := fmt.Sprintf("pool[%d].chat_id", i)
		switch {
		case g.ChatID == "":
			p.Add(field, "群 ID 不能为空 (chat_id is required)")
		case seen[g.ChatID]:
			p.Add(field, "群 %s 在群池中重复 (group listed twice)", g.ChatID)
		}
		seen[g.ChatID] = true
	}
}

// checkPool makes sure every group of the pool is known, alive and in no
// other code's pool, and returns the pool's members.
func (s *Service) checkPool(ctx context.Context, codeID int64, pool []PoolGroup) ([]member, error) {
	var p fault.Problems
	ms := make([]member, len(pool))
	for i, pg := range pool {
		field := fmt.Sprintf("pool[%d].chat_id", i)
		g, err := s.opts.Groups.Get(ctx, pg.ChatID)
		switch {
		case errors.Is(err, fault.ErrNotFound):
			p.Add(field, "qunbot 不认识群 %s：请先同步客户群，或检查群 ID (unknown group; sync groups first)", pg.ChatID)
			continue
		case err != nil:
			return nil, fmt.Errorf("check pool: %w", err)
		case g.Dismissed:
			p.Add(field, "群「%s」已解散 (group dismissed)", g.Name)
			continue
		}
		owner, err := codeOfChat(ctx, s.db, pg.ChatID)
		if err != nil {
			return nil, err
		}
		if owner != 0 && owner != codeID {
			p.Add(field, "群「%s」已在活码 %d 的群池中 (group belongs to live code %d)", g.Name, owner, owner)
		}
		source := pg.Source
		if source == "" {
			source = "operator"
		}
		ms[i] = member{ChatID: g.ChatID, Name: g.Name, Count: g.MemberCount, Known: true, Source: source}
	}
	return ms, p.Err()
}

// Create saves a new live code and its join way in WeCom. When WeCom
// refuses, nothing is saved and the error says why.
func (s *Service) Create(ctx context.Context, actor string, c *Code) error {
	c.normalize()
	if err := c.validate(); err != nil {
		return err
	}
	ms, err := s.checkPool(ctx, 0, c.Pool)
	if err != nil {
		return err
	}
	if s.opts.WeCom == nil {
		return wecomErr(errNoWeCom)
	}
	now := s.now()
	r := codeRow{Code: newSlug(10), Name: c.Name, State: c.State, StoreID: c.StoreID, Threshold: c.Threshold,
		AlertRemaining: c.AlertRemaining, FallbackText: c.FallbackText, AutoCreate: c.AutoCreate,
		RoomBaseName: c.RoomBaseName, RoomBaseID: c.RoomBaseID, Enabled: true, Rev: 1, Version: 1,
		CreatedBy: actor, UpdatedBy: actor, CreatedAt: now, UpdatedAt: now}
	if r.State == "" {
		r.State = "lc_" + r.Code
	}
	p := planFor(r, ms)
	r.CurrentChatID, r.Status, r.StatusDetail = p.Current, p.Status, p.Detail
	if err := s.createJoinWay(ctx, &r, ms); err != nil {
		return err
	}
	if err := s.insert(ctx, &r, ms); err != nil {
		if derr := s.opts.WeCom.DeleteJoinWay(ctx, r.ConfigID); derr != nil {
			s.log.Warn("join way of an unsaved live code not deleted", "config_id", r.ConfigID, "err", derr)
		}
		return err
	}
	s.alertsFor(ctx, r, p)
	got, err := s.Get(ctx, r.ID)
	*c = got
	return err
}

// createJoinWay creates the code's join way and reads its QR code.
func (s *Service) createJoinWay(ctx context.Context, r *codeRow, ms []member) error {
	jw := joinWayOf(*r, windowFrom(r.CurrentChatID, ms, r.Threshold))
	var err error
	if err = s.retry(ctx, func() (e error) { r.ConfigID, e = s.opts.WeCom.AddJoinWay(ctx, jw); return e }); err != nil {
		return fmt.Errorf("create live code: %w", wecomErr(err))
	}
	var got wecom.JoinWay
	if err = s.retry(ctx, func() (e error) { got, e = s.opts.WeCom.GetJoinWay(ctx, r.ConfigID); return e }); err != nil || got.QRCode == "" {
		_ = s.opts.WeCom.DeleteJoinWay(ctx, r.ConfigID)
		if err == nil {
			err = errors.New("企业微信未返回二维码 (WeCom returned no QR code)")
		}
		return fmt.Errorf("create live code: %w", wecomErr(err))
	}
	r.QRCode, r.PushedConfig = got.QRCode, signature(jw)
	at := s.now()
	r.QRCheckedAt = &at
	return nil
}

// insert saves a new code row and its pool.
func (s *Service) insert(ctx context.Context, r *codeRow, ms []member) error {
	return wrap("create live code", s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(r).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return fault.Invalid("state", "渠道标识 %s 已被其他活码使用 (state already used)", r.State)
			}
			return err
		}
		return insertPool(tx, r.ID, ms, r.CreatedAt)
	}))
}

func insertPool(tx *gorm.DB, codeID int64, ms []member, at time.Time) error {
	if len(ms) == 0 {
		return nil
	}
	rows := make([]poolRow, len(ms))
	for i, m := range ms {
		rows[i] = poolRow{CodeID: codeID, ChatID: m.ChatID, Position: i, Source: m.Source, AddedAt: at}
	}
	err := tx.Create(&rows).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return fault.Invalid("pool", "群池中有群已属于其他活码 (a group already belongs to another live code)")
	}
	return err
}
