package script_test

import (
	"context"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

func TestStore_HitRate(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		sc := script.Script{Title: "营业时间", Keywords: []string{"几点开门"}, MatchMode: "contains", Enabled: true,
			Replies: []script.Reply{{Type: script.ReplyText, Text: "9 点"}}}
		if err := e.store.Create(ctx, "test", &sc); err != nil {
			t.Fatal(err)
		}
		// 2026-11-23 in Shanghai: 16:00 UTC on the 22nd is already the 23rd there.
		day := time.Date(2026, 11, 22, 16, 0, 0, 0, time.UTC)
		for i, text := range []string{"积分怎么兑换?", "积分怎么兑换?", "停车场在哪里?"} {
			if _, err := e.store.NoteUnanswered(ctx, text, "wr1", day.Add(time.Duration(i)*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.store.NoteUnanswered(ctx, "明天几点开门?", "wr1", day.Add(-time.Hour)); err != nil { // the 22nd
			t.Fatal(err)
		}
		if _, err := e.store.RecordHit(ctx, &script.Hit{ScriptID: sc.ID, Channel: script.ChannelBridge, ChatID: "wr1", MessageKey: "m1", At: day.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		answered, asked, err := e.store.HitRate(ctx, day, day.Add(24*time.Hour))
		if err != nil || answered != 1 || asked != 4 {
			t.Fatalf("HitRate = %d answered of %d asked, %v; want 1 of 4", answered, asked, err)
		}
	})
}
