package livecode

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/storage"
)

// OnGroupChange follows the group directory (wire it into the group
// syncer's OnChange with group.Observers): joins and leaves of a pool's
// groups are counted and may move the code on; a dismissed group leaves
// its pool; a group WeCom created for a full code joins that code's pool.
// It is a hint: ReconcileAll catches whatever it misses.
func (s *Service) OnGroupChange(ctx context.Context, c group.Change) {
	if err := s.onGroupChange(ctx, c); err != nil {
		s.log.Error("live code: group change not applied; the next reconcile retries", "chat_id", c.ChatID, "kind", c.Kind, "err", err)
	}
}

func (s *Service) onGroupChange(ctx context.Context, c group.Change) error {
	codeID, err := codeOfChat(ctx, s.db, c.ChatID)
	if err != nil {
		return err
	}
	if codeID == 0 {
		if c.Kind == group.ChangeJoined || c.Kind == group.ChangeCreated {
			return s.adopt(ctx, c.ChatID)
		}
		return nil
	}
	day := s.day(s.opts.Now())
	switch c.Kind {
	case group.ChangeJoined:
		if c.JoinScene == joinSceneQR {
			if err := s.addStats(ctx, KindGroup, codeID, day, statsRow{Joins: int64(c.Count)}); err != nil {
				return err
			}
		}
	case group.ChangeLeft:
		if err := s.addStats(ctx, KindGroup, codeID, day, statsRow{Leaves: int64(c.Count)}); err != nil {
			return err
		}
	case group.ChangeRenamed:
		return s.touchCurrent(ctx, c.ChatID)
	}
	return s.evaluate(ctx, codeID, c.Kind == group.ChangeDismissed)
}

// joinSceneQR is WeCom's JoinScene of a member who scanned a QR code: the
// joins a live code is credited with.
const joinSceneQR = 3

// touchCurrent makes landing pages showing chatID render again (its name
// changed).
func (s *Service) touchCurrent(ctx context.Context, chatID string) error {
	var rows []codeRow
	if err := s.db.WithContext(ctx).Select("id, code").Where("current_chat_id = ?", chatID).Find(&rows).Error; err != nil {
		return wrap("find live codes of group "+chatID, err)
	}
	for _, r := range rows {
		if err := s.db.WithContext(ctx).Model(&codeRow{}).Where("id = ?", r.ID).Update("rev", gorm.Expr("rev + 1")).Error; err != nil {
			return wrap("touch live code", err)
		}
		s.invalidate(r.Code)
	}
	return nil
}

// adopt puts a group WeCom created for a full code (named after the code's
// room_base_name) into that code's pool.
func (s *Service) adopt(ctx context.Context, chatID string) error {
	var codes []codeRow
	err := s.db.WithContext(ctx).Where("enabled = ? AND auto_create = ? AND status = ?", true, true, StatusAutoCreate).Find(&codes).Error
	if err != nil || len(codes) == 0 {
		return wrap("find live codes creating groups", err)
	}
	g, err := s.opts.Groups.Get(ctx, chatID)
	if err != nil || g.Dismissed || g.Name == "" {
		return nil // not known or not named yet: ReconcileAll looks again
	}
	for _, r := range codes {
		if strings.HasPrefix(g.Name, r.RoomBaseName) {
			return s.addToPool(ctx, r, g)
		}
	}
	return nil
}

// addToPool appends a group WeCom created to a code's pool and moves the
// code onto it.
func (s *Service) addToPool(ctx context.Context, r codeRow, g group.Group) error {
	var last poolRow
	err := s.db.WithContext(ctx).Where("code_id = ?", r.ID).Order("position DESC").Limit(1).Find(&last).Error
	if err != nil {
		return wrap("adopt group "+g.ChatID, err)
	}
	row := poolRow{CodeID: r.ID, ChatID: g.ChatID, Position: last.Position + 1, Source: "auto_create", AddedAt: s.now()}
	created, err := storage.InsertOnce(s.db.WithContext(ctx), &row)
	if err != nil || !created {
		return wrap("adopt group "+g.ChatID, err) // not created: already in a pool
	}
	s.log.Info("live code adopted a group WeCom created", "code_id", r.ID, "chat_id", g.ChatID, "name", g.Name)
	s.raise(ctx, r, AlertGroupAdopted, g.ChatID, fmt.Sprintf("企业微信为活码「%s」自动创建了新群「%s」，已加入群池 (WeCom created a group; added to the pool)", r.Name, g.Name))
	return s.evaluate(ctx, r.ID, false)
}

// adoptByName looks for groups WeCom created for a code creating groups
// whose events were lost.
func (s *Service) adoptByName(ctx context.Context, r codeRow) error {
	dismissed := false
	gs, _, err := s.opts.Groups.List(ctx, group.Filter{Query: r.RoomBaseName, Dismissed: &dismissed, Limit: 500})
	if err != nil {
		return fmt.Errorf("find groups created for live code %d: %w", r.ID, err)
	}
	for _, g := range gs {
		if !strings.HasPrefix(g.Name, r.RoomBaseName) {
			continue
		}
		owner, err := codeOfChat(ctx, s.db, g.ChatID)
		if err != nil {
			return err
		}
		if owner == 0 {
			if err := s.addToPool(ctx, r, g); err != nil {
				return err
			}
		}
	}
	return nil
}

// ReconcileAll brings every enabled code in line with its pool's fill as
// the group directory has reconciled it, adopts groups WeCom created,
// pushes join ways that failed, and reads QR codes back when due. It
// returns the first failure after trying every code.
func (s *Service) ReconcileAll(ctx context.Context) error {
	var rows []codeRow
	if err := s.db.WithContext(ctx).Where("enabled = ?", true).Order("id").Find(&rows).Error; err != nil {
		return wrap("list live codes to reconcile", err)
	}
	var first error
	for _, r := range rows {
		if err := s.reconcile(ctx, r); err != nil {
			s.log.Warn("live code reconcile failed", "code_id", r.ID, "err", err)
			first = cmpErr(first, err)
		}
	}
	return first
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

func (s *Service) reconcile(ctx context.Context, r codeRow) error {
	if r.Status == StatusAutoCreate && r.RoomBaseName != "" {
		if err := s.adoptByName(ctx, r); err != nil {
			return err
		}
	}
	if err := s.evaluate(ctx, r.ID, false); err != nil {
		return err
	}
	due, err := s.claimQRRefresh(ctx, r)
	if err != nil || !due || r.ConfigID == "" || s.opts.WeCom == nil {
		return err
	}
	return s.refreshQR(ctx, r)
}

// Run flushes landing views every flushEvery and reconciles every code
// every reconcileEvery until ctx is done.
func (s *Service) Run(ctx context.Context, flushEvery, reconcileEvery time.Duration) error {
	if flushEvery <= 0 || reconcileEvery <= 0 {
		return errors.New("live code worker: intervals must be positive")
	}
	flush, rec := time.NewTicker(flushEvery), time.NewTicker(reconcileEvery)
	defer flush.Stop()
	defer rec.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := s.FlushStats(context.WithoutCancel(ctx)); err != nil {
				s.log.Error("live code views not saved at shutdown", "err", err)
			}
			return nil
		case <-flush.C:
			if err := s.FlushStats(ctx); err != nil {
				s.log.Warn("live code views not saved; kept for the next flush", "err", err)
			}
		case <-rec.C:
			_ = s.ReconcileAll(ctx) // logged per code
		}
	}
}
