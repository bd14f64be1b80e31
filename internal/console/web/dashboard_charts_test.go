package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/user"
)

func TestDashboard_Charts(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		b := e.signInAs(t, "op", user.RoleOperator)
		if body := b.get("/").body; strings.Count(body, "暂无数据") != 4 {
			t.Fatalf("empty charts: %.3000s", body)
		}
		e.openTicket(t, "c1", "chat1", "投诉一")
		ctx := context.Background()
		b.submit("/scripts/new", "/scripts/new", scriptForm("营业时间", "几点开门", "9 点"))
		list, _, err := e.scripts.List(ctx, script.Filter{Limit: 1})
		if err != nil || len(list) != 1 {
			t.Fatalf("scripts %v %v", list, err)
		}
		at := testNow.Add(-time.Hour)
		if _, err := e.scripts.RecordHit(ctx, &script.Hit{ScriptID: list[0].ID, Channel: script.ChannelBridge, ChatID: "chat1", MessageKey: "k1", At: at}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.scripts.NoteUnanswered(ctx, "可以停车吗", "chat1", at); err != nil {
			t.Fatal(err)
		}
		body := b.get("/").body
		if !strings.Contains(body, "<svg") {
			t.Fatalf("no chart: %.3000s", body)
		}
		bars := texts(t, body, "g", "bar")
		mustContain(t, "tier chart", bars, "中度:1")
		today := testNow.In(time.FixedZone("CST", 8*3600)).Format("01-02")
		mustContain(t, "hit chart", bars, today+":50%")
	})
}

// BenchmarkDashboard renders the dashboard with both charts over a week
// of answers.
func BenchmarkDashboard(b *testing.B) {
	e := newEnv(b, storagetest.SQLite(b))
	e.addUser(b, "op", user.RoleOperator)
	ctx := context.Background()
	e.signIn(b, "op").submit("/scripts/new", "/scripts/new", scriptForm("营业时间", "几点开门", "9 点"))
	for i := range 2000 {
		if _, err := e.scripts.RecordHit(ctx, &script.Hit{ScriptID: 1, Channel: script.ChannelBridge, ChatID: "chat1",
			MessageKey: "k" + itoa(int64(i)), At: testNow.Add(-time.Duration(i) * 5 * time.Minute)}); err != nil {
			b.Fatal(err)
		}
	}
	serveBench(b, e, "op", "/", "命中率")
}
