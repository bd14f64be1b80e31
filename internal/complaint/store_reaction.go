package complaint

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/storage"
)

// counterColumns maps a reaction kind to its counter on complaints.
var counterColumns = map[string]string{KindEcho: "echo_count", KindDefend: "defend_count", KindSpread: "spread_count"}

// addReaction records r once per complaint and message, and counts it on
// the complaint. It reports whether r is new.
func (s *Store) addReaction(ctx context.Context, r *GroupReaction) (bool, error) {
	col, ok := counterColumns[r.Kind]
	if !ok {
		return false, fmt.Errorf("record reaction: unknown kind %q", r.Kind)
	}
	r.MemberName = storage.Truncate(r.MemberName, maxName)
	r.Terms = storage.Truncate(r.Terms, maxShort)
	r.PostedAt, r.CreatedAt = storage.Timestamp(r.PostedAt), s.clock.Now()
	added := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if added, err = storage.InsertOnce(tx, r); err != nil || !added {
			return err
		}
		return tx.Model(&complaintRow{}).Where("id = ?", r.ComplaintID).UpdateColumn(col, gorm.Expr(col+" + 1")).Error
	})
	if err != nil {
		return false, storage.Wrap(fmt.Sprintf("record reaction to complaint %d", r.ComplaintID), err)
	}
	return added, nil
}

// Reactions lists the reactions to complaint id in the order they were
// posted.
func (s *Store) Reactions(ctx context.Context, id int64) ([]GroupReaction, error) {
	var out []GroupReaction
	err := s.db.WithContext(ctx).Where("complaint_id = ?", id).Order("posted_at, id").Limit(500).Find(&out).Error
	if err != nil {
		return nil, storage.Wrap(fmt.Sprintf("list reactions to complaint %d", id), err)
	}
	return out, nil
}

// agreeing counts the distinct members who echoed or spread complaint id
// in [from, to].
func (s *Store) agreeing(ctx context.Context, id int64, from, to time.Time) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&GroupReaction{}).
		Where("complaint_id = ? AND kind IN ? AND posted_at >= ? AND posted_at <= ?", id, []string{KindEcho, KindSpread}, storage.Timestamp(from), storage.Timestamp(to)).
		Distinct("member_id").Count(&n).Error
	if err != nil {
		return 0, storage.Wrap(fmt.Sprintf("count members agreeing with complaint %d", id), err)
	}
	return n, nil
}

// raise moves complaint c up to c.Tier with c.Decision, once: it reports
// false when the complaint was raised before (by another replica, or an
// earlier delivery).
func (s *Store) raise(ctx context.Context, c *Complaint) (bool, error) {
	dec, err := json.Marshal(c.Decision)
	if err != nil {
		return false, fmt.Errorf("encode decision: %w", err)
	}
	now := s.clock.Now()
	res := s.db.WithContext(ctx).Model(&complaintRow{}).Where("id = ? AND raised_at IS NULL", c.ID).
		Updates(map[string]any{"tier": string(c.Tier), "decision": string(dec), "score": c.Decision.Score, "sla_minutes": c.SLAMinutes, "raised_at": now})
	if res.Error != nil {
		return false, storage.Wrap(fmt.Sprintf("raise complaint %d", c.ID), res.Error)
	}
	if res.RowsAffected == 1 {
		c.RaisedAt = &now
	}
	return res.RowsAffected == 1, nil
}
