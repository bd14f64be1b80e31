package ticket

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage"
)

// Get returns ticket id with its audit trail and comments. scope is the
// stores the caller may see (nil: all); a ticket outside it is not found.
func (s *Service) Get(ctx context.Context, id int64, scope []int64) (Detail, error) {
	var d Detail
	db := s.db.WithContext(ctx)
	err := inScope(db.Where("id = ?", id), scope).Take(&d.Ticket).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Detail{}, fmt.Errorf("get ticket %d: %w: 工单 %s 不存在 (no such ticket)", id, fault.ErrNotFound, Number(id))
	}
	if err != nil {
		return Detail{}, storage.Wrap(fmt.Sprintf("get ticket %d", id), err)
	}
	if err := db.Where("ticket_id = ?", id).Order("id").Find(&d.Events).Error; err != nil {
		return Detail{}, storage.Wrap(fmt.Sprintf("get events of ticket %d", id), err)
	}
	if err := db.Where("ticket_id = ?", id).Order("id").Find(&d.Comments).Error; err != nil {
		return Detail{}, storage.Wrap(fmt.Sprintf("get comments of ticket %d", id), err)
	}
	return d, nil
}

// inScope limits q to the stores of scope (nil: all).
func inScope(q *gorm.DB, scope []int64) *gorm.DB {
	if scope == nil {
		return q
	}
	if len(scope) == 0 {
		return q.Where("1 = 0")
	}
	return q.Where("store_id IN ?", scope)
}

// List returns the tickets f selects, newest first, and how many there are
// in all.
func (s *Service) List(ctx context.Context, f Filter) ([]Ticket, int64, error) {
	q := inScope(s.db.WithContext(ctx).Model(&Ticket{}), f.Scope)
	if f.Tier != "" {
		q = q.Where("tier = ?", f.Tier)
	}
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if f.StoreID != 0 {
		q = q.Where("store_id = ?", f.StoreID)
	}
	if f.Overdue {
		now := s.now()
		q = q.Where("((state = ? AND ack_due_at <= ?) OR (state IN ? AND resolve_due_at <= ?))",
			StateNew, now, openStates, now)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, storage.Wrap("count tickets", err)
	}
	var out []Ticket
	err := q.Order("id DESC").Limit(storage.PageSize(f.Limit)).Offset(max(f.Offset, 0)).Find(&out).Error
	if err != nil {
		return nil, 0, storage.Wrap("list tickets", err)
	}
	return out, total, nil
}

// CountOverdue counts the open tickets past a deadline within scope (nil:
// all stores): the tickets List{Overdue: true} selects. It counts the two
// deadlines apart so that each count reads its own index, rather than one
// scan of the table for the OR.
func (s *Service) CountOverdue(ctx context.Context, scope []int64) (int64, error) {
	now := s.now()
	var late, lateResolve int64
	err := inScope(s.db.WithContext(ctx).Model(&Ticket{}), scope).
		Where("state = ? AND ack_due_at <= ?", StateNew, now).Count(&late).Error
	if err != nil {
		return 0, storage.Wrap("count overdue tickets", err)
	}
	// Past the resolve deadline and not counted above.
	err = inScope(s.db.WithContext(ctx).Model(&Ticket{}), scope).
		Where("state IN ? AND resolve_due_at <= ?", openStates, now).
		Where("NOT (state = ? AND ack_due_at <= ?)", StateNew, now).Count(&lateResolve).Error
	if err != nil {
		return 0, storage.Wrap("count overdue tickets", err)
	}
	return late + lateResolve, nil
}

// Stats is SLA compliance per tier of the tickets posted in [from, to),
// within scope (nil: all stores), for reports and dashboards.
func (s *Service) Stats(ctx context.Context, from, to time.Time, scope []int64) ([]TierStats, error) {
	var rows []TierStats
	q := inScope(s.db.WithContext(ctx).Model(&Ticket{}), scope).
		Where("posted_at >= ? AND posted_at < ?", storage.Timestamp(from), storage.Timestamp(to)).
		Select(`tier, COUNT(*) AS opened,
			SUM(CASE WHEN acked_at IS NOT NULL THEN 1 ELSE 0 END) AS acked,
			SUM(CASE WHEN ack_met = ? THEN 1 ELSE 0 END) AS ack_met,
			SUM(CASE WHEN ack_met = ? THEN 1 ELSE 0 END) AS ack_missed,
			SUM(CASE WHEN resolved_at IS NOT NULL THEN 1 ELSE 0 END) AS resolved,
			SUM(CASE WHEN resolve_met = ? THEN 1 ELSE 0 END) AS resolve_met,
			SUM(CASE WHEN resolve_met = ? THEN 1 ELSE 0 END) AS resolve_miss,
			SUM(escalations) AS escalations,
			SUM(CASE WHEN state IN ? THEN 1 ELSE 0 END) AS open`, true, false, true, false, openStates).
		Group("tier").Order("tier")
	if err := q.Scan(&rows).Error; err != nil {
		return nil, storage.Wrap("ticket stats", err)
	}
	return rows, nil
}
