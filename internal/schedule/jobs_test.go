package schedule_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/schedule"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/wecom"
)

// fakeAudience knows some groups; chat ids it does not know are missing.
type fakeAudience struct {
	groups map[string]schedule.GroupTarget
	byTag  map[string][]string
}

func (a fakeAudience) Select(_ context.Context, sel schedule.Selector) ([]schedule.GroupTarget, []string, error) {
	var out []schedule.GroupTarget
	var missing []string
	seen := map[string]bool{}
	ids := append([]string(nil), sel.ChatIDs...)
	for _, tag := range sel.Tags {
		ids = append(ids, a.byTag[tag]...)
	}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		g, ok := a.groups[id]
		if !ok {
			missing = append(missing, id)
			continue
		}
		out = append(out, g)
	}
	return out, missing, nil
}

func audience() fakeAudience {
	return fakeAudience{
		groups: map[string]schedule.GroupTarget{
			"wr-a1": {ChatID: "wr-a1", Name: "朝阳店1群", OwnerUserID: "owner-a"},
			"wr-a2": {ChatID: "wr-a2", Name: "朝阳店2群", OwnerUserID: "owner-a"},
			"wr-b1": {ChatID: "wr-b1", Name: "海淀店1群", OwnerUserID: "owner-b"},
			"wr-x":  {ChatID: "wr-x", Name: "无主群"},
		},
		byTag: map[string][]string{"vip": {"wr-a1", "wr-a2", "wr-b1"}},
	}
}

// fakeResults answers get_groupmsg_send_result from a table of statuses.
type fakeResults struct {
	mu      sync.Mutex
	status  map[string]int // chat id -> status
	queries []wecom.GroupMsgSendQuery
}

func (f *fakeResults) GetGroupMsgSendResult(_ context.Context, q wecom.GroupMsgSendQuery) (wecom.GroupMsgSendPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, q)
	var page wecom.GroupMsgSendPage
	for chat, st := range f.status {
		page.Sends = append(page.Sends, wecom.GroupMsgSend{ChatID: chat, UserID: q.UserID, Status: st, SendTime: time.Unix(1795000000, 0).UTC()})
	}
	return page, nil
}

type env struct {
	clock  *storagetest.Clock
	store  *schedule.Store
	outbox *outbox.Store
	sched  *schedule.Scheduler
}

func newEnv(t *testing.T, db storagetest.DB, jo schedule.JobOptions, results schedule.SendResults) env {
	t.Helper()
	clock := newClock()
	jo.Now = clock.Now
	e := env{clock: clock, store: schedule.NewStore(db.DB, clock.Now), outbox: outbox.NewStore(db.DB, clock.Now)}
	e.sched = schedule.New(schedule.Options{Store: e.store, Jobs: schedule.NewJobs(jo), Outbox: e.outbox, SendResults: results,
		Runner: "test", Now: clock.Now, OutcomeInterval: time.Second})
	return e
}

// runOnce runs task now by hand and returns the run's detail.
func (e env) runOnce(t *testing.T, task schedule.Task) schedule.RunDetail {
	t.Helper()
	q, err := e.store.RunNow(context.Background(), "op", task.ID)
	if err != nil {
		t.Fatal(err)
	}
	tick(e.sched)
	d, err := e.store.GetRun(context.Background(), q.ID)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// sendAll claims every queued outbox message and marks it sent with answer(m).
func (e env) sendAll(t *testing.T, answer func(m outbox.Message) string) []outbox.Message {
	t.Helper()
	msgs, err := e.outbox.Claim(context.Background(), 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if err := e.outbox.MarkSent(context.Background(), m.ID, answer(m)); err != nil {
			t.Fatal(err)
		}
	}
	return msgs
}

func broadcastTask() schedule.Task {
	return schedule.Task{Name: "周二干货", Kind: schedule.KindBroadcast, Cron: "0 9 * * 2", Broadcast: &schedule.BroadcastSpec{
		Audience: schedule.Selector{Tags: []string{"vip"}, ChatIDs: []string{"wr-gone", "wr-x"}},
		Content: schedule.Content{Text: "本周干货:冬季用车小贴士", Attachments: []schedule.Attachment{
			{Type: "link", Title: "冬季用车", URL: "https://example.com/tips"}}},
	}}
}

func TestBroadcast_OnePerOwnerAndOutcomePerGroup(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		results := &fakeResults{status: map[string]int{"wr-a1": wecom.SendDone, "wr-a2": wecom.SendPending, "wr-b1": wecom.SendAlreadyToday}}
		e := newEnv(t, db, schedule.JobOptions{Audience: audience()}, results)
		task := create(t, e.store, broadcastTask())
		d := e.runOnce(t, task)
		if d.Status != schedule.RunSucceeded || len(d.Sent) != 2 {
			t.Fatalf("run %+v", d.Run)
		}
		if len(d.Warnings) != 2 || !strings.Contains(strings.Join(d.Warnings, "\n"), "wr-gone 不存在或已解散") {
			t.Errorf("warnings %q", d.Warnings)
		}
		if d.Counts[schedule.TargetPending] != 3 || d.Counts[schedule.TargetSkipped] != 2 {
			t.Errorf("counts %v", d.Counts)
		}

		msgs := e.sendAll(t, func(m outbox.Message) string {
			var body map[string]any
			if err := json.Unmarshal([]byte(m.Payload), &body); err != nil {
				t.Fatal(err)
			}
			if body["chat_type"] != "group" || body["sender"] == "" || m.API != wecom.APIAddMsgTemplate {
				t.Errorf("payload %s", m.Payload)
			}
			return fmt.Sprintf(`{"errcode":0,"errmsg":"ok","fail_list":[],"msgid":"msg-%s"}`, body["sender"])
		})
		if len(msgs) != 2 || !strings.Contains(msgs[0].Payload+msgs[1].Payload, `"chat_id_list":["wr-a1","wr-a2"]`) {
			t.Fatalf("sends %+v", msgs)
		}
		e.clock.Advance(time.Minute)
		tick(e.sched)
		d, _ = e.store.GetRun(context.Background(), d.ID)
		got := map[string]string{}
		for _, tg := range d.Targets {
			got[tg.ChatID] = tg.StatusLabel
		}
		want := map[string]string{"wr-a1": "已发送", "wr-a2": "待确认", "wr-b1": "失败", "wr-gone": "已跳过", "wr-x": "已跳过"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("outcomes %v, want %v", got, want)
		}
		if len(results.queries) != 2 || results.queries[0].MsgID == "" {
			t.Errorf("queries %+v", results.queries)
		}

		// The owner confirms later; the next check sees it.
		results.mu.Lock()
		results.status["wr-a2"] = wecom.SendDone
		results.mu.Unlock()
		e.clock.Advance(6 * time.Minute)
		tick(e.sched)
		d, _ = e.store.GetRun(context.Background(), d.ID)
		if d.Counts[schedule.TargetSent] != 2 || d.Counts[schedule.TargetFailed] != 1 {
			t.Errorf("after confirmation: %v", d.Counts)
		}
	})
}

func TestBroadcast_FailedSendAndFailList(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t), schedule.JobOptions{Audience: audience()}, &fakeResults{})
	task := create(t, e.store, broadcastTask())
	d := e.runOnce(t, task)
	msgs, _ := e.outbox.Claim(context.Background(), 10, time.Minute)
	for _, m := range msgs {
		if strings.Contains(m.Payload, "owner-a") {
			_ = e.outbox.MarkSent(context.Background(), m.ID, `{"errcode":0,"fail_list":["wr-a2"],"msgid":"m1"}`)
		} else {
			_ = e.outbox.MarkFailed(context.Background(), m.ID, errors.New("errcode 41048: sender not owner"))
		}
	}
	e.clock.Advance(time.Minute)
	tick(e.sched)
	d, _ = e.store.GetRun(context.Background(), d.ID)
	for _, tg := range d.Targets {
		switch tg.ChatID {
		case "wr-a2":
			if tg.Status != schedule.TargetFailed || !strings.Contains(tg.Detail, "fail_list") {
				t.Errorf("fail_list group: %+v", tg)
			}
		case "wr-b1":
			if tg.Status != schedule.TargetFailed || !strings.Contains(tg.Detail, "41048") {
				t.Errorf("failed send: %+v", tg)
			}
		case "wr-a1":
			if tg.Status != schedule.TargetPending || tg.MsgID != "m1" {
				t.Errorf("pending group: %+v", tg)
			}
		}
	}
}

func TestBroadcast_WithoutAudienceFailsPlainly(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t), schedule.JobOptions{}, nil)
	d := e.runOnce(t, create(t, e.store, broadcastTask()))
	if d.Status != schedule.RunFailed || !strings.Contains(d.Error, "未接入客户群数据") {
		t.Fatalf("run %+v", d.Run)
	}
}

func groupMessageTask(chats ...string) schedule.Task {
	return schedule.Task{Name: "早安", Kind: schedule.KindGroupMessage, Cron: "0 8 * * *", GroupMessage: &schedule.GroupMessageSpec{
		Audience: schedule.Selector{ChatIDs: chats},
		Content: schedule.Content{Text: "早上好!", Attachments: []schedule.Attachment{
			{Type: "image", PicURL: "https://example.com/sun.png"}}},
	}}
}

func TestGroupMessage(t *testing.T) {
	t.Run("no channel", func(t *testing.T) {
		e := newEnv(t, storagetest.SQLite(t), schedule.JobOptions{Audience: audience()}, nil)
		d := e.runOnce(t, create(t, e.store, groupMessageTask("wr-a1")))
		if d.Status != schedule.RunFailed || !strings.Contains(d.Error, "没有能在这些群里直接发言的通道") || len(d.Sent) != 0 {
			t.Fatalf("run %+v", d.Run)
		}
	})
	t.Run("through the bridge", func(t *testing.T) {
		e := newEnv(t, storagetest.SQLite(t), schedule.JobOptions{Audience: audience(), BridgeSends: true}, nil)
		d := e.runOnce(t, create(t, e.store, groupMessageTask("wr-a1", "wr-gone")))
		if d.Status != schedule.RunSucceeded || len(d.Sent) != 2 || len(d.Warnings) != 1 {
			t.Fatalf("run %+v", d.Run)
		}
		msgs := e.sendAll(t, func(outbox.Message) string { return "ok" })
		if len(msgs) != 2 || msgs[0].API != "bridge/send" || !strings.Contains(msgs[0].Payload+msgs[1].Payload, `"image_url":"https://example.com/sun.png"`) {
			t.Fatalf("sends %+v", msgs)
		}
		e.clock.Advance(time.Minute)
		tick(e.sched)
		d, _ = e.store.GetRun(context.Background(), d.ID)
		if d.Counts[schedule.TargetSent] != 1 || d.Counts[schedule.TargetSkipped] != 1 {
			t.Errorf("counts %v", d.Counts)
		}
	})
}

func TestReminder_QueuesAnAppMessage(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t), schedule.JobOptions{}, nil)
	task := reminderTask("提醒", "0 9 * * 2")
	task.Reminder.ToUsers = []string{"zhangsan", "lisi"}
	d := e.runOnce(t, create(t, e.store, task))
	msgs := e.sendAll(t, func(outbox.Message) string { return `{"errcode":0}` })
	if d.Status != schedule.RunSucceeded || len(msgs) != 1 || msgs[0].API != "message/send" ||
		!strings.Contains(msgs[0].Payload, `"touser":"zhangsan|lisi"`) || !strings.Contains(msgs[0].Payload, "记得发周二干货") {
		t.Fatalf("run %+v, sends %+v", d.Run, msgs)
	}
	if d.Sent[0].OutboxID != msgs[0].ID {
		t.Errorf("run records outbox id %d, queued %d", d.Sent[0].OutboxID, msgs[0].ID)
	}
}

type hitRate schedule.HitRate

func (h hitRate) AutoReplyHitRate(context.Context, schedule.Period) (schedule.HitRate, error) {
	return schedule.HitRate(h), nil
}

type brokenSLA struct{}

func (brokenSLA) SLACompliance(context.Context, schedule.Period) (schedule.SLAFigures, error) {
	return schedule.SLAFigures{}, errors.New("database down")
}

type unanswered struct{}

func (unanswered) UnansweredQuestions(_ context.Context, _ schedule.Period, limit int) (schedule.UnansweredFigures, error) {
	return schedule.UnansweredFigures{Open: 12, Top: []schedule.UnansweredQuestion{{Text: "几点开门", Asked: 8}, {Text: "能停车吗", Asked: 3}}[:min(2, limit)]}, nil
}

func TestReport(t *testing.T) {
	spec := &schedule.ReportSpec{Period: schedule.PeriodDaily, ToUsers: []string{"boss"}}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	p := schedule.ReportPeriod(schedule.PeriodDaily, shanghai(24, 9, 0), loc)
	text, warnings := schedule.BuildReport(context.Background(), schedule.ReportSources{
		AutoReply: hitRate{Asked: 200, Answered: 170}, SLA: brokenSLA{}, Unanswered: unanswered{},
	}, spec, p)
	for _, want := range []string{
		"【社群运营日报】2026-11-23(周一)",
		"一、工单(按级别):暂无数据(未启用)",
		"二、SLA 达成率:读取失败",
		"三、自动回复命中率:85.0%(命中 170 / 提问 200)",
		"四、待补充问题:12 个待处理,提问最多的:\n1. 几点开门(8 次)\n2. 能停车吗(3 次)",
		"五、活码入群:暂无数据(未启用)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "database down") {
		t.Errorf("warnings %q", warnings)
	}
	weekly := schedule.ReportPeriod(schedule.PeriodWeekly, shanghai(23, 9, 0), loc)
	if !weekly.From.Equal(shanghai(16, 0, 0)) || !weekly.To.Equal(shanghai(23, 0, 0)) {
		t.Errorf("weekly period %v", weekly)
	}
}

func TestReport_RunSendsToStaff(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t), schedule.JobOptions{}, nil)
	task := schedule.Task{Name: "日报", Kind: schedule.KindReport, Cron: "0 9 * * *", Report: &schedule.ReportSpec{
		Period: schedule.PeriodDaily, ToUsers: []string{"boss", "op"}, Markdown: true}}
	d := e.runOnce(t, create(t, e.store, task))
	msgs := e.sendAll(t, func(outbox.Message) string { return "{}" })
	if d.Status != schedule.RunSucceeded || len(msgs) != 1 || !strings.Contains(msgs[0].Payload, `"msgtype":"markdown"`) ||
		!strings.Contains(msgs[0].Payload, "暂无数据(未启用)") {
		t.Fatalf("run %+v sends %+v", d.Run, msgs)
	}
}

func TestWebhook(t *testing.T) {
	hang := make(chan struct{})
	var got struct {
		sync.Mutex
		body   string
		header http.Header
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hang":
			_, _ = io.Copy(io.Discard, r.Body)
			select {
			case <-hang:
			case <-r.Context().Done():
			}
		case "/fail":
			http.Error(w, "boom", http.StatusInternalServerError)
		default:
			body, _ := io.ReadAll(r.Body)
			got.Lock()
			got.body, got.header = string(body), r.Header.Clone()
			got.Unlock()
			_, _ = w.Write([]byte(`{"ok":true}`))
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(hang) }) // runs first: lets a hanging handler go
	tests := []struct {
		name, path string
		body       string
		status     schedule.RunStatus
		want       string
	}{
		{"success", "/ok", `{"event":"weekly"}`, schedule.RunSucceeded, "HTTP 200"},
		{"default body", "/ok", "", schedule.RunSucceeded, "HTTP 200"},
		{"server error", "/fail", "", schedule.RunFailed, "HTTP 500"},
		{"hang is cut at the timeout", "/hang", "", schedule.RunFailed, "内未响应,已中断"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, storagetest.SQLite(t), schedule.JobOptions{}, nil)
			task := schedule.Task{Name: "hook", Kind: schedule.KindWebhook, Cron: "0 9 * * *", Webhook: &schedule.WebhookSpec{
				URL: srv.URL + tt.path, Body: json.RawMessage(tt.body), TimeoutSeconds: 1, Headers: map[string]string{"X-Token": "s3cret"}}}
			d := e.runOnce(t, create(t, e.store, task))
			text := d.Error + d.Summary
			if d.Status != tt.status || !strings.Contains(text, tt.want) {
				t.Fatalf("run %+v", d.Run)
			}
			if tt.path != "/ok" {
				return
			}
			got.Lock()
			defer got.Unlock()
			if got.header.Get("X-Token") != "s3cret" || got.header.Get("Content-Type") != "application/json" || got.header.Get("Idempotency-Key") == "" {
				t.Errorf("headers %v", got.header)
			}
			if tt.body != "" && got.body != tt.body || tt.body == "" && !strings.Contains(got.body, `"task_name":"hook"`) {
				t.Errorf("body %s", got.body)
			}
		})
	}
}
