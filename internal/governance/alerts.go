package governance

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/storage"
)

// dailyRow counts one group's member messages on one day.
type dailyRow struct {
	ChatID   string `gorm:"primaryKey"`
	Day      string `gorm:"primaryKey"`
	Total    int64
	Negative int64
}

func (dailyRow) TableName() string { return "governance_daily" }

// count adds one message (negative or not) to chat's count for day and
// returns the day's counts with the day before's negatives.
func (s *Store) count(ctx context.Context, chatID, day string, negative bool) (today dailyRow, prevNegative int64, err error) {
	neg := 0
	if negative {
		neg = 1
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		set := map[string]any{"total": gorm.Expr("total + 1"), "negative": gorm.Expr("negative + ?", neg)}
		res := tx.Model(&dailyRow{}).Where("chat_id = ? AND day = ?", chatID, day).Updates(set)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			added, err := storage.InsertOnce(tx, &dailyRow{ChatID: chatID, Day: day, Total: 1, Negative: int64(neg)})
			if err != nil {
				return err
			}
			if !added { // another replica created it meanwhile
				if err := tx.Model(&dailyRow{}).Where("chat_id = ? AND day = ?", chatID, day).Updates(set).Error; err != nil {
					return err
				}
			}
		}
		return tx.Where("chat_id = ? AND day = ?", chatID, day).Take(&today).Error
	})
	if err != nil {
		return dailyRow{}, 0, storage.Wrap("count group message", err)
	}
	var prev dailyRow
	err = s.db.WithContext(ctx).Where("chat_id = ? AND day = ?", chatID, previousDay(day)).Take(&prev).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return dailyRow{}, 0, storage.Wrap("read yesterday's group count", err)
	}
	return today, prev.Negative, nil
}

func previousDay(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return ""
	}
	return t.AddDate(0, 0, -1).Format(time.DateOnly)
}

// Alert is one early warning raised for a group on a day.
type Alert struct {
	ID           int64     `json:"id"`
	ChatID       string    `json:"chat_id"`
	Day          string    `json:"day"`
	Level        int       `json:"level"`
	Reason       string    `json:"reason"`
	Total        int64     `json:"total"`
	Negative     int64     `json:"negative"`
	PrevNegative int64     `json:"prev_negative"`
	CreatedAt    time.Time `json:"created_at"`
}

// TableName tells gorm the table of Alert.
func (Alert) TableName() string { return "governance_alerts" }

// Alerts lists early warnings, newest first; chatID filters to one group.
func (s *Store) Alerts(ctx context.Context, chatID string, limit int, beforeID int64) ([]Alert, error) {
	q := s.db.WithContext(ctx).Order("id DESC").Limit(storage.PageSize(limit))
	if chatID != "" {
		q = q.Where("chat_id = ?", chatID)
	}
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	var out []Alert
	if err := q.Find(&out).Error; err != nil {
		return nil, storage.Wrap("list alerts", err)
	}
	return out, nil
}

// level returns the highest alert level the day's counts cross, with the
// reason in Chinese, or 0.
func (a AlertConfig) level(total, negative, prevNegative int64) (AlertLevel, string) {
	var best AlertLevel
	reason := ""
	if !a.Enabled || negative < int64(a.MinNegative) || total == 0 {
		return best, ""
	}
	for _, l := range a.Levels {
		if l.Level <= best.Level {
			continue
		}
		share := negative*100 > total*int64(l.SharePercent)
		rise := prevNegative > 0 && negative*100 >= prevNegative*int64(100+l.RisePercent)
		switch {
		case share:
			best, reason = l, fmt.Sprintf("负面消息占比 %d%%(%d/%d),超过 %d%%", negative*100/total, negative, total, l.SharePercent)
		case rise:
			best, reason = l, fmt.Sprintf("负面消息 %d 条,较前一日 %d 条增长 %d%%,超过 %d%%", negative, prevNegative, (negative-prevNegative)*100/prevNegative, l.RisePercent)
		}
	}
	return best, reason
}
