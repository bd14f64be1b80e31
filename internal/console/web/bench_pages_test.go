package web_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/qunbot/qunbot/internal/org"
	"github.com/qunbot/qunbot/internal/schedule"
	"github.com/qunbot/qunbot/internal/user"
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
