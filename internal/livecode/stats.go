package livecode

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/qunbot/qunbot/internal/fault"
)

// viewCounter counts landing views in memory so the landing page writes
// nothing; FlushStats moves the counts into livecode_stats.
type viewCounter struct {
	mu     sync.RWMutex
	counts map[int64]*viewCount
}

type viewCount struct{ n atomic.Int64 }

// add counts one view of a code.
func (v *viewCounter) add(codeID int64) {
	v.mu.RLock()
	c := v.counts[codeID]
	v.mu.RUnlock()
	if c == nil {
		v.mu.Lock()
		if c = v.counts[codeID]; c == nil {
			c = &viewCount{}
			v.counts[codeID] = c
		}
		v.mu.Unlock()
	}
	c.n.Add(1)
}

// take returns the counts so far and starts again from zero.
func (v *viewCounter) take() map[int64]int64 {
	v.mu.RLock()
	defer v.mu.RUnlock()
	out := map[int64]int64{}
	for id, c := range v.counts {
		if n := c.n.Swap(0); n > 0 {
			out[id] = n
		}
	}
	return out
}

// FlushStats saves the landing views counted in memory since the last
// flush into today's statistics. Counts it could not save are kept for the
// next flush.
func (s *Service) FlushStats(ctx context.Context) error {
	day := s.day(s.opts.Now())
	for id, n := range s.views.take() {
		if err := s.addStats(ctx, KindGroup, id, day, statsRow{Views: n}); err != nil {
			for range n {
				s.views.add(id)
			}
			return err
		}
	}
	return nil
}

// addStats adds to a code's counters of one day.
func (s *Service) addStats(ctx context.Context, kind string, codeID int64, day string, d statsRow) error {
	return addStats(s.db.WithContext(ctx), kind, codeID, day, d)
}

// addStats is Service.addStats on tx.
func addStats(tx *gorm.DB, kind string, codeID int64, day string, d statsRow) error {
	row := statsRow{Kind: kind, CodeID: codeID, Day: day, Views: d.Views, Joins: d.Joins, Leaves: d.Leaves}
	err := tx.Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "kind"}, {Name: "code_id"}, {Name: "day"}},
		DoUpdates: clause.Assignments(map[string]any{
			"views":  gorm.Expr("livecode_stats.views + ?", d.Views),
			"joins":  gorm.Expr("livecode_stats.joins + ?", d.Joins),
			"leaves": gorm.Expr("livecode_stats.leaves + ?", d.Leaves),
		}),
	}).Create(&row).Error
	return wrap(fmt.Sprintf("count %s code %d on %s", kind, codeID, day), err)
}

// statsRange reads a code's days between from and to (YYYY-MM-DD, both
// included; empty from is 30 days before to, empty to is today).
func (s *Service) statsRange(ctx context.Context, kind string, codeID int64, from, to string) (Stats, error) {
	st := Stats{CodeID: codeID, Days: []DayStats{}, Groups: []PoolGroup{}}
	var err error
	if st.From, st.To, err = s.dayRange(from, to); err != nil {
		return st, err
	}
	var rows []statsRow
	err = s.db.WithContext(ctx).Where("kind = ? AND code_id = ? AND day >= ? AND day <= ?", kind, codeID, st.From, st.To).
		Order("day").Find(&rows).Error
	if err != nil {
		return st, wrap(fmt.Sprintf("read stats of %s code %d", kind, codeID), err)
	}
	for _, r := range rows {
		d := DayStats{Day: r.Day, Views: r.Views, Joins: r.Joins, Leaves: r.Leaves}
		st.Days = append(st.Days, d)
		st.Total.Views, st.Total.Joins, st.Total.Leaves = st.Total.Views+d.Views, st.Total.Joins+d.Joins, st.Total.Leaves+d.Leaves
	}
	st.Total.Day = st.From + ".." + st.To
	return st, nil
}

// dayRange checks and completes a range of days.
func (s *Service) dayRange(from, to string) (string, string, error) {
	if to == "" {
		to = s.day(s.opts.Now())
	}
	end, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return "", "", fault.Invalid("to", "日期格式应为 YYYY-MM-DD (date must be YYYY-MM-DD): %q", to)
	}
	if from == "" {
		from = end.AddDate(0, 0, -30).Format(time.DateOnly)
	}
	start, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return "", "", fault.Invalid("from", "日期格式应为 YYYY-MM-DD (date must be YYYY-MM-DD): %q", from)
	}
	if start.After(end) || end.Sub(start) > 366*24*time.Hour {
		return "", "", fault.Invalid("from", "日期范围须在一年以内且 from 不晚于 to (range must be within a year, from before to)")
	}
	return from, to, nil
}

// Stats returns a live code's counters per day and the current fill of
// each group of its pool.
func (s *Service) Stats(ctx context.Context, id int64, from, to string) (Stats, error) {
	c, err := s.Get(ctx, id)
	if err != nil {
		return Stats{}, err
	}
	st, err := s.statsRange(ctx, KindGroup, id, from, to)
	if err != nil {
		return st, err
	}
	st.Groups = c.Pool
	return st, nil
}

// ContactStats returns a contact code's counters per day.
func (s *Service) ContactStats(ctx context.Context, id int64, from, to string) (Stats, error) {
	if _, err := s.GetContact(ctx, id); err != nil {
		return Stats{}, err
	}
	return s.statsRange(ctx, KindContact, id, from, to)
}
