package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/bridge"
	"github.com/qunbot/qunbot/internal/console/web"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/livecode"
	"github.com/qunbot/qunbot/internal/org"
	"github.com/qunbot/qunbot/internal/schedule"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/user"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
)

const (
	benchTasks     = 1_000
	benchTaskRuns  = 1
	benchShops     = 500
	benchStaffEach = 10
)

// BenchmarkTaskList renders the scheduled tasks over 1,000 tasks with a
// manual run each: the first page (each row reads its last run), a late
// page, and one task's run history.
func BenchmarkTaskList(b *testing.B) {
	for _, driver := range []string{"sqlite", "mysql"} {
		b.Run(driver, func(b *testing.B) {
			e := newEnv(b, benchDB(b, driver))
			e.addUser(b, "op", user.RoleOperator)
			ctx := context.Background()
			var last int64
			for i := range benchTasks {
				t := schedule.Task{Name: fmt.Sprintf("任务%d", i), Kind: schedule.KindReminder, Cron: "0 9 * * *",
					Reminder: &schedule.ReminderSpec{ToUsers: []string{"zhangsan"}, Text: "巡店"}}
				if err := e.sched.Create(ctx, "bench", &t); err != nil {
					b.Fatal(err)
				}
				for range benchTaskRuns {
					if _, err := e.sched.RunNow(ctx, "bench", t.ID); err != nil {
						b.Fatal(err)
					}
				}
				last = t.ID
			}
			for _, c := range []struct{ name, path, want string }{
				{"first_page", "/tasks", "共 1000 个"},
				{"page_40", "/tasks?page=40", "第 40 / 50 页"},
				{"runs", fmt.Sprintf("/tasks/%d/runs", last), "共 1 次"},
			} {
				b.Run(c.name, func(b *testing.B) { serveBench(b, e, "op", c.path, c.want) })
			}
		})
	}
}

// BenchmarkStaffList renders the staff list over 500 stores of 10 people:
// the first page (store names read once, not per row) and one store's.
func BenchmarkStaffList(b *testing.B) {
	for _, driver := range []string{"sqlite", "mysql"} {
		b.Run(driver, func(b *testing.B) {
			e := newEnv(b, benchDB(b, driver))
			e.addUser(b, "op", user.RoleOperator)
			ctx := context.Background()
			for i := range benchShops {
				sh := org.Shop{Code: fmt.Sprintf("S%04d", i), Name: fmt.Sprintf("%d号店", i), Active: true}
				if err := e.org.CreateShop(ctx, &sh); err != nil {
					b.Fatal(err)
				}
				for j := range benchStaffEach {
					st := org.Staff{Name: fmt.Sprintf("员工%d-%d", i, j), Role: org.RoleStaff, StoreID: sh.ID, Active: true,
						WeComUserID: fmt.Sprintf("u%d_%d", i, j)}
					if err := e.org.CreateStaff(ctx, &st); err != nil {
						b.Fatal(err)
					}
				}
			}
			for _, c := range []struct{ name, path, want string }{
				{"first_page", "/staff", "共 5000 人"},
				{"one_store", "/staff?store=250", "共 10 人"},
				{"stores", "/stores?page=5", "第 5 / 10 页"},
			} {
				b.Run(c.name, func(b *testing.B) { serveBench(b, e, "op", c.path, c.want) })
			}
		})
	}
}

const (
	benchGroups   = 1_000
	benchMessages = 100_000 // in the week the chart covers
	benchCodes    = 8
)

// BenchmarkDashboardFull renders the dashboard with every figure over the
// sizes the console is held to: 10,000 scripts, 1,000 groups (8 live codes
// over them), 100,000 tickets, and 100,000 chat messages in the week
// charted, among as many older callbacks; and, over the same database, the
// pages that list the groups and the live codes.
func BenchmarkDashboardFull(b *testing.B) {
	for _, driver := range []string{"sqlite", "mysql"} {
		b.Run(driver, func(b *testing.B) {
			db := benchDB(b, driver)
			chats := make([]wecomtest.GroupChat, benchGroups)
			for i := range chats {
				chats[i] = groupChat(fmt.Sprintf("wr%04d", i), fmt.Sprintf("车友%d群", i), 50+i%150)
			}
			withCodes, _, codes := withDirectory(b, db, chats)
			box := inbox.NewStore(db.DB, nil)
			e := newEnv(b, db, withCodes, func(o *web.Options) { o.Inbox, o.MessageKinds = box, bridge.ChatKinds() })
			e.addUser(b, "op", user.RoleOperator)
			seedScripts(b, e)
			seedTickets(b, e, db)
			seedMessages(b, db)
			for i := range benchCodes {
				c := livecode.Code{Name: fmt.Sprintf("活码%d", i), Threshold: 200,
					Pool: []livecode.PoolGroup{{ChatID: chats[i*3].ChatID}, {ChatID: chats[i*3+1].ChatID}}}
				if err := codes.Create(context.Background(), "bench", &c); err != nil {
					b.Fatal(err)
				}
			}
			for _, c := range []struct{ name, path, want string }{
				{"dashboard", "/", "1000</span><span class=\"label\">客户群"},
				{"groups", "/groups", "共 1000 个"},
				{"groups_search", "/groups?q=%E8%BD%A6%E5%8F%8B999", "车友999群"},
				{"live_codes", "/live-codes", "活码7"},
			} {
				b.Run(c.name, func(b *testing.B) { serveBench(b, e, "op", c.path, c.want) })
			}
		})
	}
}

// seedMessages records benchMessages chat messages spread over the last
// week before testNow, and as many older events of other kinds.
func seedMessages(b *testing.B, db storagetest.DB) {
	b.Helper()
	week := 7 * 24 * time.Hour
	rows := make([]inbox.Event, 0, 1000)
	for i := range 2 * benchMessages {
		e := inbox.Event{Source: "bridge", Kind: "bridge/text", DedupeKey: fmt.Sprintf("bridge:m%d", i), Payload: "{}",
			State: inbox.StateDone, ReceivedAt: testNow.Add(-week / benchMessages * time.Duration(i%benchMessages))}
		if i >= benchMessages {
			e.Source, e.Kind, e.Payload = "wecom", "change_external_chat/update", "<xml/>"
			e.ReceivedAt = e.ReceivedAt.Add(-week)
		}
		e.NextAttemptAt = e.ReceivedAt
		if rows = append(rows, e); len(rows) == cap(rows) {
			if err := db.CreateInBatches(rows, 250).Error; err != nil {
				b.Fatal(err)
			}
			rows = rows[:0]
		}
	}
}
