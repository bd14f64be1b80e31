package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/org"
	"github.com/qunbot/qunbot/internal/schedule"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/user"
)

func taskForm(kind, name, cron string) url.Values {
	return url.Values{"name": {name}, "kind": {kind}, "cron": {cron}, "time_zone": {"Asia/Shanghai"}, "op": {"save"}}
}

// onlyTask is the one task saved.
func onlyTask(t *testing.T, e *env) schedule.Task {
	t.Helper()
	tasks, total, err := e.sched.List(context.Background(), schedule.Filter{})
	if err != nil || total != 1 {
		t.Fatalf("tasks: %d %v", total, err)
	}
	return tasks[0]
}

func TestTasks_CreateEditActions(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.addUser(t, "op", user.RoleOperator)
		shop := org.Shop{Code: "SH001", Name: "徐汇店 <i>1</i>", Active: true}
		if err := e.org.CreateShop(context.Background(), &shop); err != nil {
			t.Fatal(err)
		}
		b := e.signIn(t, "op")
		form := b.get("/tasks/new").body
		if !strings.Contains(form, "徐汇店 &lt;i&gt;1&lt;/i&gt;") {
			t.Fatalf("form does not offer the store, escaped: %.3000s", form)
		}
		f := taskForm("broadcast", "周一早安 <script>x</script>", "0 9 * * 1")
		f.Set("text", evil)
		f.Set("store_id", itoa(shop.ID))
		f.Set("tags", "VIP\n新客")
		p := b.submit("/tasks/new", "/tasks/new", f)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/tasks/") {
			t.Fatalf("create: %d %q %.2000s", p.status, p.location, p.body)
		}
		task := onlyTask(t, e)
		if task.Broadcast == nil || task.Broadcast.Text != evil || len(task.Broadcast.Audience.StoreIDs) != 1 ||
			strings.Join(task.Broadcast.Audience.Tags, ",") != "VIP,新客" || task.CreatedBy != "op" {
			t.Fatalf("stored %+v %+v", task, task.Broadcast)
		}
		list := b.get("/tasks").body
		for _, path := range []string{"/tasks", p.location} {
			body := b.get(path).body
			if strings.Contains(body, "<script>x") || strings.Contains(body, "<script>alert") {
				t.Fatalf("%s unescaped", path)
			}
		}
		mustContain(t, "name", texts(t, list, "td", "name"), "周一早安 <script>x</script>")
		if !strings.Contains(list, "2026-11-30 09:00") || !strings.Contains(list, "未运行") {
			t.Fatalf("list lacks next run / last run: %.3000s", list)
		}
		edit := b.get(p.location).body
		if !strings.Contains(edit, `value="`+itoa(shop.ID)+`" checked`) {
			t.Fatalf("store not checked on edit")
		}

		f.Set("version", itoa(task.Version))
		f.Set("text", "早上好")
		if p := b.submit(p.location, p.location, f); p.status != http.StatusSeeOther {
			t.Fatalf("update: %d %.1500s", p.status, p.body)
		}
		if got := onlyTask(t, e); got.Broadcast.Text != "早上好" || got.Version != task.Version+1 {
			t.Fatalf("updated %+v", got.Broadcast)
		}
		if p := b.submit(p.location, p.location, f); p.status != http.StatusConflict || !strings.Contains(p.body, "已被他人修改") {
			t.Fatalf("stale update: %d", p.status)
		}

		id := itoa(task.ID)
		for _, c := range []struct{ action, flash string }{{"pause", "已暂停"}, {"resume", "已恢复"}} {
			p := b.submit(p.location, "/tasks/"+id+"/"+c.action, nil)
			if p.status != http.StatusSeeOther {
				t.Fatalf("%s: %d", c.action, p.status)
			}
			mustContain(t, c.action, texts(t, b.get(p.location).body, "p", "flash-ok"), c.flash)
		}
		p = b.submit("/tasks/"+id, "/tasks/"+id+"/run", nil)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/runs/") {
			t.Fatalf("run now: %d %q", p.status, p.location)
		}
		if body := b.get(p.location).body; !strings.Contains(body, "排队中") || !strings.Contains(body, "手动") {
			t.Fatalf("run detail: %.2000s", body)
		}
		if body := b.get("/tasks/" + id + "/runs").body; !strings.Contains(body, "共 1 次") {
			t.Fatalf("runs: %.2000s", body)
		}
		if body := b.get("/tasks").body; !strings.Contains(body, "排队中") {
			t.Fatalf("list lacks the last run")
		}
		if p := b.submit("/tasks/"+id, "/tasks/"+id+"/explode", nil); p.status != http.StatusNotFound {
			t.Fatalf("unknown action: %d", p.status)
		}
	})
}

func TestTasks_KindsAndErrors(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.addUser(t, "op", user.RoleOperator)
		b := e.signIn(t, "op")
		bad := taskForm("webhook", "", "0 25 * * *")
		bad.Set("url", "ftp://x")
		bad.Set("body", "{not json <b>")
		bad.Set("grace_minutes", "soon")
		p := b.submit("/tasks/new", "/tasks/new", bad)
		errs := texts(t, p.body, "p", "field-error")
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad form: %d %.1000s", p.status, p.body)
		}
		mustContain(t, "grace", errs, "补跑窗口应为整数")
		mustContain(t, "body", errs, "请求体必须是 JSON")
		if !strings.Contains(p.body, "{not json &lt;b&gt;</textarea>") {
			t.Fatalf("typed body not kept escaped")
		}
		bad.Del("grace_minutes")
		bad.Set("body", `{"a":1}`)
		p = b.submit("/tasks/new", "/tasks/new", bad)
		errs = texts(t, p.body, "p", "field-error")
		mustContain(t, "name", errs, "任务名称不能为空")
		mustContain(t, "cron", errs, "第 2 个字段")
		mustContain(t, "url", errs, "http 或 https")

		bad.Set("op", "preview")
		p = b.submit("/tasks/new", "/tasks/new", bad)
		if p.status != http.StatusOK || !strings.Contains(strings.Join(texts(t, p.body, "div", "preview"), ""), "第 2 个字段") {
			t.Fatalf("bad preview: %d %.1500s", p.status, p.body)
		}
		bad.Set("cron", "0 9 * * 1")
		p = b.submit("/tasks/new", "/tasks/new", bad)
		if items := texts(t, p.body, "li", ""); len(items) != 5 || !strings.HasPrefix(items[0], "2026-11-30 09:00") {
			t.Fatalf("preview: %q", items)
		}
		if _, total, _ := e.sched.List(context.Background(), schedule.Filter{}); total != 0 {
			t.Fatalf("preview saved a task")
		}

		cases := []struct {
			kind string
			set  map[string]string
			ok   func(schedule.Task) bool
		}{
			{"reminder", map[string]string{"text": "记得巡店", "to_users": "zhangsan\nlisi"},
				func(t schedule.Task) bool { return t.Reminder != nil && len(t.Reminder.ToUsers) == 2 }},
			{"webhook", map[string]string{"url": "https://example.com/hook", "body": `{"a":1}`, "timeout_seconds": "5"},
				func(t schedule.Task) bool {
					return t.Webhook != nil && t.Webhook.TimeoutSeconds == 5 && string(t.Webhook.Body) == `{"a":1}`
				}},
		}
		for _, c := range cases {
			f := taskForm(c.kind, c.kind+" 任务", "@daily")
			for k, v := range c.set {
				f.Set(k, v)
			}
			p := b.submit("/tasks/new", "/tasks/new", f)
			if p.status != http.StatusSeeOther {
				t.Fatalf("%s: %d %.1500s", c.kind, p.status, p.body)
			}
			id := strings.TrimPrefix(p.location, "/tasks/")
			var n int64
			for _, ch := range id {
				n = n*10 + int64(ch-'0')
			}
			task, err := e.sched.Get(context.Background(), n)
			if err != nil || !c.ok(task) {
				t.Fatalf("%s stored %+v %v", c.kind, task, err)
			}
		}
	})
}

func TestTasks_Refused(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t))
	e.addUser(t, "op", user.RoleOperator)
	e.addUser(t, "staff", user.RoleStaff, 1)
	s := e.signIn(t, "staff")
	for _, path := range []string{"/tasks", "/tasks/new", "/runs/1"} {
		if p := s.get(path); p.status != http.StatusForbidden {
			t.Fatalf("staff GET %s: %d", path, p.status)
		}
	}
	if p := s.submit("/tickets", "/tasks/new", taskForm("reminder", "x", "@daily")); p.status != http.StatusForbidden {
		t.Fatalf("staff POST: %d", p.status)
	}
	b := e.signIn(t, "op")
	if p := b.post("/tasks/new", taskForm("reminder", "x", "@daily")); p.status != http.StatusForbidden {
		t.Fatalf("no CSRF: %d", p.status)
	}
	if !strings.Contains(b.get("/").body, `href="/tasks"`) || strings.Contains(s.get("/tickets").body, `href="/tasks"`) {
		t.Fatalf("nav: operators see 定时任务, staff do not")
	}
}
