package ticket

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
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
	if f.Overdue {
		return s.listOverdue(ctx, f)
	}
	q := s.filtered(ctx, f)
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

// filtered selects the tickets of f but for f.Overdue.
func (s *Service) filtered(ctx context.Context, f Filter) *gorm.DB {
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
	return q
}

// lateness is one way for an open ticket to be late, as a condition.
type lateness struct {
	where string
	args  []any
}

// latenesses are the three ways an open ticket is late at now: not
// acknowledged in time; acknowledged and not resolved in time; not
// acknowledged, within the acknowledge deadline but past the resolve one.
// No ticket is late two ways, so counts add up, and each reads an index on
// (state, deadline) rather than scanning the table as one OR would.
func latenesses(now time.Time) []lateness {
	return []lateness{
		{"state = ? AND ack_due_at <= ?", []any{StateNew, now}},
		{"state IN ? AND resolve_due_at <= ?", []any{[]State{StateAcknowledged, StateInProgress}, now}},
		{"state = ? AND resolve_due_at <= ? AND ack_due_at > ?", []any{StateNew, now, now}},
	}
}

// listOverdue is List for the late tickets: each way of being late is
// counted and paged on its own, and the pages merged newest first.
func (s *Service) listOverdue(ctx context.Context, f Filter) ([]Ticket, int64, error) {
	limit, offset := storage.PageSize(f.Limit), max(f.Offset, 0)
	var total int64
	var ids []int64
	for _, l := range latenesses(s.now()) {
		var n int64
		if err := s.filtered(ctx, f).Where(l.where, l.args...).Count(&n).Error; err != nil {
			return nil, 0, storage.Wrap("count overdue tickets", err)
		}
		total += n
		if n == 0 {
			continue
		}
		var page []int64
		err := s.filtered(ctx, f).Where(l.where, l.args...).Order("id DESC").Limit(offset+limit).Pluck("id", &page).Error
		if err != nil {
			return nil, 0, storage.Wrap("list overdue tickets", err)
		}
		ids = append(ids, page...)
	}
	slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(b, a) })
	ids = ids[min(offset, len(ids)):min(offset+limit, len(ids))]
	var out []Ticket
	if len(ids) > 0 {
		if err := s.db.WithContext(ctx).Where("id IN ?", ids).Order("id DESC").Find(&out).Error; err != nil {
			return nil, 0, storage.Wrap("list overdue tickets", err)
		}
	}
	return out, total, nil
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
