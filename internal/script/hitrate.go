package script

import (
	"context"
	"fmt"
	"time"
	_ "time/tzdata" // days are counted in Asia/Shanghai, also in slim images

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/qunbot/qunbot/internal/storage"
)

// dayRow counts the questions nothing answered on one day.
type dayRow struct {
	Day   string `gorm:"primaryKey"`
	Asked int64
}

func (dayRow) TableName() string { return "script_unanswered_days" }

// reportZone is the zone days are counted in.
var reportZone = mustZone(DefaultTimeZone)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone("CST", 8*3600) // tzdata is embedded; this cannot happen
	}
	return loc
}

func dayOf(t time.Time) string { return t.In(reportZone).Format(time.DateOnly) }

// countUnansweredDay adds a question to its day's count.
func countUnansweredDay(tx *gorm.DB, at time.Time) error {
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "day"}},
		DoUpdates: clause.Assignments(map[string]any{"asked": gorm.Expr("asked + 1")}),
	}).Create(&dayRow{Day: dayOf(at), Asked: 1}).Error
}

// HitRate counts the questions of the days from from up to (not including)
// to's day, in Asia/Shanghai: answered by a script, and asked in all
// (answered plus those nothing answered).
func (s *Store) HitRate(ctx context.Context, from, to time.Time) (answered, asked int64, err error) {
	q := s.db.WithContext(ctx)
	if err := q.Model(&hitRow{}).Where("at >= ? AND at < ?", storage.Timestamp(from), storage.Timestamp(to)).Count(&answered).Error; err != nil {
		return 0, 0, storage.Wrap("count answers", err)
	}
	var unanswered struct{ N int64 }
	err = q.Model(&dayRow{}).Select("COALESCE(SUM(asked), 0) AS n").
		Where("day >= ? AND day < ?", dayOf(from), dayOf(to)).Scan(&unanswered).Error
	if err != nil {
		return 0, 0, storage.Wrap(fmt.Sprintf("count unanswered %s..%s", dayOf(from), dayOf(to)), err)
	}
	return answered, answered + unanswered.N, nil
}
