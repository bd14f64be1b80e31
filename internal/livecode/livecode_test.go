package livecode_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/livecode"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/wecom"
)

func TestCreate_JoinWayAndLanding(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.seed(10, "g1", "g2")
		c := e.create(livecode.Code{Name: "南山店活码", Pool: pool("g1", "g2")})
		if c.Threshold != 200 || c.CurrentChatID != "g1" || c.Status != livecode.StatusOK || c.QRCode == "" || !strings.HasPrefix(c.State, "lc_") {
			t.Fatalf("created %+v", c)
		}
		jw := e.joinWay(c)
		if !slices.Equal(jw.ChatIDs, []string{"g1", "g2"}) || jw.State != c.State || jw.AutoCreateRoom != 0 || jw.Scene != 2 {
			t.Fatalf("join way %+v", jw)
		}
		status, body := e.page(c.Code)
		for _, want := range []string{"群g1", c.QRCode, "长按识别二维码", "如无法扫码入群"} {
			if status != 200 || !strings.Contains(body, want) {
				t.Fatalf("landing %d lacks %q:\n%s", status, want, body)
			}
		}
		if status, body := e.page("nosuchcode"); status != 404 || !strings.Contains(body, "活码不存在") {
			t.Fatalf("unknown code: %d %s", status, body)
		}
	})
}

func TestSwitch_MovesWhenFullAndAlertsWhenLow(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.seed(10, "g1", "g2", "g3")
		c := e.create(livecode.Code{Name: "活码", Threshold: 12, AlertRemaining: 1, StoreID: 7, Pool: pool("g1", "g2", "g3")})
		e.chatEvent("update", "add_member", "g1", 1)
		if got := e.get(c.ID); got.CurrentChatID != "g1" {
			t.Fatalf("moved below the threshold: %+v", got)
		}
		e.chatEvent("update", "add_member", "g1", 1) // 12: full
		got := e.get(c.ID)
		if got.CurrentChatID != "g2" || !slices.Equal(e.joinWay(c).ChatIDs, []string{"g2", "g3"}) {
			t.Fatalf("after g1 filled: current %s, window %v", got.CurrentChatID, e.joinWay(c).ChatIDs)
		}
		if _, body := e.page(c.Code); !strings.Contains(body, "群g2") {
			t.Fatalf("landing still shows the old group:\n%s", body)
		}
		e.chatEvent("update", "add_member", "g2", 2) // g3 is the last group with room
		if got := e.get(c.ID); got.CurrentChatID != "g3" || !has(e.alerts(), livecode.AlertPoolLow) {
			t.Fatalf("current %s, alerts %v", got.CurrentChatID, e.alerts())
		}
		msgs := e.sent(wecom.APIMessageSend)
		if len(msgs) != 1 || !strings.Contains(msgs[0].Payload, `"touser":"op1|zhangsan"`) || !strings.Contains(msgs[0].Payload, "只剩 1 个") {
			t.Fatalf("alert messages %+v", msgs)
		}
		e.chatEvent("update", "add_member", "g3", 2)
		got = e.get(c.ID)
		if got.Status != livecode.StatusFull || got.CurrentChatID != "g3" || !has(e.alerts(), livecode.AlertPoolExhausted) {
			t.Fatalf("exhausted: %+v alerts %v", got, e.alerts())
		}
		status, body := e.page(c.Code)
		if status != 200 || !strings.Contains(body, "当前群已满员") || strings.Contains(body, got.QRCode) || !strings.Contains(body, "如无法扫码入群") {
			t.Fatalf("full landing shows a QR or no notice:\n%s", body)
		}
		sw, err := e.svc.Switches(context.Background(), c.ID, 10)
		if err != nil || len(sw) != 2 || sw[1].FromChatID != "g1" || sw[0].FromChatID != "g2" {
			t.Fatalf("switches %+v %v", sw, err)
		}
		// Members leave g1: the code moves back to it.
		e.chatEvent("update", "del_member", "g1", 5)
		if got := e.get(c.ID); got.CurrentChatID != "g1" || got.Status != livecode.StatusOK {
			t.Fatalf("after leaves: %+v", got)
		}
	})
}

func TestAutoCreate_AdoptsNewGroups(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.seed(5, "g1")
		c := e.create(livecode.Code{Name: "自动建群", Threshold: 5, AutoCreate: true, RoomBaseName: "南山福利群", RoomBaseID: 2, Pool: pool("g1")})
		jw := e.joinWay(c)
		if c.Status != livecode.StatusAutoCreate || jw.AutoCreateRoom != 1 || jw.RoomBaseName != "南山福利群" || jw.RoomBaseID != 2 {
			t.Fatalf("code %+v join way %+v", c, jw)
		}
		if _, body := e.page(c.Code); !strings.Contains(body, c.QRCode) || !strings.Contains(body, "安排新群") {
			t.Fatalf("auto-create landing:\n%s", body)
		}
		// WeCom creates a group: qunbot learns its name on the first join.
		e.put("gNew", "南山福利群2", 1)
		e.chatEvent("create", "", "gNew", 0)
		e.chatEvent("update", "add_member", "gNew", 1)
		got := e.get(c.ID)
		if got.CurrentChatID != "gNew" || got.Status != livecode.StatusOK || len(got.Pool) != 2 || got.Pool[1].Source != "auto_create" {
			t.Fatalf("after WeCom created a group: %+v", got)
		}
		if !has(e.alerts(), livecode.AlertGroupAdopted+":gNew") {
			t.Fatalf("alerts %v", e.alerts())
		}
	})
}

func TestBadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.seed(3, "g1", "g2")
		tests := []struct {
			name  string
			code  livecode.Code
			field string
		}{
			{"unknown group", livecode.Code{Name: "x", Pool: pool("g1", "nope")}, "pool[1].chat_id"},
			{"threshold over WeCom's limit", livecode.Code{Name: "x", Threshold: 500, Pool: pool("g1")}, "threshold"},
			{"no name", livecode.Code{Pool: pool("g1")}, "name"},
			{"empty pool", livecode.Code{Name: "x"}, "pool"},
			{"twice in the pool", livecode.Code{Name: "x", Pool: pool("g1", "g1")}, "pool[1].chat_id"},
			{"auto create without a name", livecode.Code{Name: "x", AutoCreate: true, Pool: pool("g1")}, "room_base_name"},
			{"state too long", livecode.Code{Name: "x", State: strings.Repeat("s", 31), Pool: pool("g1")}, "state"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := e.svc.Create(context.Background(), "op1", &tt.code)
				var fields fault.Fields
				if !errors.As(err, &fields) || fields[0].Field != tt.field {
					t.Fatalf("err %v, want a problem with %s", err, tt.field)
				}
			})
		}
		// A group qunbot knows but WeCom refuses in a join way.
		e.chatEvent("create", "", "ghost", 0)
		err := e.svc.Create(context.Background(), "op1", &livecode.Code{Name: "x", Pool: pool("ghost")})
		if !errors.Is(err, fault.ErrInvalid) || !strings.Contains(err.Error(), "企业微信拒绝") {
			t.Fatalf("refused join way: %v", err)
		}
		if _, total, _ := e.svc.List(context.Background(), livecode.Filter{}); total != 0 {
			t.Fatalf("a refused code was saved: %d", total)
		}
		// A group in another code's pool.
		e.create(livecode.Code{Name: "a", Pool: pool("g1")})
		err = e.svc.Create(context.Background(), "op1", &livecode.Code{Name: "b", Pool: pool("g2", "g1")})
		if !errors.Is(err, fault.ErrInvalid) || !strings.Contains(err.Error(), "pool[1]") {
			t.Fatalf("shared group: %v", err)
		}
	})
}

func TestDismissedGroupLeavesThePool(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.seed(3, "g1", "g2")
		c := e.create(livecode.Code{Name: "活码", AlertRemaining: 0, Pool: pool("g1", "g2")})
		e.chatEvent("dismiss", "", "g1", 0)
		got := e.get(c.ID)
		if got.CurrentChatID != "g2" || len(got.Pool) != 1 || !has(e.alerts(), livecode.AlertGroupDismissed+":g1") {
			t.Fatalf("after dismiss: %+v alerts %v", got, e.alerts())
		}
		if jw := e.joinWay(c); !slices.Equal(jw.ChatIDs, []string{"g2"}) {
			t.Fatalf("window %v", jw.ChatIDs)
		}
	})
}

func TestJoinWayFailures(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.seed(3, "g1", "g2")
		c := e.create(livecode.Code{Name: "活码", Threshold: 4, Pool: pool("g1", "g2")})

		// WeCom refuses the switch's update: the landing page says so.
		e.fake.FailNext("/cgi-bin/externalcontact/groupchat/update_join_way", 48002, 1)
		e.chatEvent("update", "add_member", "g1", 1)
		got := e.get(c.ID)
		if got.Status != livecode.StatusError || !has(e.alerts(), livecode.AlertJoinWayFailed) {
			t.Fatalf("after refused update: %+v alerts %v", got, e.alerts())
		}
		if _, body := e.page(c.Code); !strings.Contains(body, "二维码暂时无法使用") || strings.Contains(body, got.QRCode) {
			t.Fatalf("landing after refused update:\n%s", body)
		}
		// The next reconcile pushes again.
		if err := e.svc.ReconcileAll(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := e.get(c.ID); got.Status != livecode.StatusOK || !slices.Equal(e.joinWay(c).ChatIDs, []string{"g2"}) {
			t.Fatalf("after reconcile: %+v window %v", got, e.joinWay(c).ChatIDs)
		}
		// A passing failure is retried at once.
		e.fake.FailNext("/cgi-bin/externalcontact/groupchat/get_join_way", -1, 1)
		if _, err := e.svc.Refresh(context.Background(), c.ID); err != nil {
			t.Fatalf("refresh after system busy: %v", err)
		}

		// The join way disappears in WeCom: it is recreated behind the same page.
		if err := e.client.DeleteJoinWay(context.Background(), c.ConfigID); err != nil {
			t.Fatal(err)
		}
		got, err := e.svc.Refresh(context.Background(), c.ID)
		if err != nil || got.ConfigID == c.ConfigID || got.Status != livecode.StatusOK {
			t.Fatalf("refresh of a lost join way: %+v %v", got, err)
		}
		if status, body := e.page(c.Code); status != 200 || !strings.Contains(body, got.QRCode) {
			t.Fatalf("landing after recreate: %d\n%s", status, body)
		}
	})
}

func TestUpdateAndDelete(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.seed(3, "g1", "g2", "g3", "g4", "g5", "g6", "g7")
		c := e.create(livecode.Code{Name: "活码", Pool: pool("g1", "g2")})
		c.Pool = pool("g3", "g4", "g5", "g6", "g7", "g1")
		c.Threshold = 150
		if err := e.svc.Update(context.Background(), "op1", &c); err != nil {
			t.Fatal(err)
		}
		if c.Version != 2 || c.CurrentChatID != "g1" || len(c.Pool) != 6 {
			t.Fatalf("updated %+v", c)
		}
		if jw := e.joinWay(c); !slices.Equal(jw.ChatIDs, []string{"g1", "g3", "g4", "g5", "g6"}) {
			t.Fatalf("window %v", jw.ChatIDs)
		}
		stale := c
		stale.Version = 1
		if err := e.svc.Update(context.Background(), "op1", &stale); !errors.Is(err, fault.ErrConflict) {
			t.Fatalf("stale update: %v", err)
		}
		if err := e.svc.Delete(context.Background(), c.ID); err != nil {
			t.Fatal(err)
		}
		if _, ok := e.fake.JoinWay(c.ConfigID); ok {
			t.Fatal("join way not deleted")
		}
		if status, _ := e.page(c.Code); status != 404 {
			t.Fatalf("deleted code's page: %d", status)
		}
		// Its groups are free again.
		e.create(livecode.Code{Name: "新活码", Pool: pool("g1")})
	})
}

func TestStats(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.seed(3, "g1", "g2")
		c := e.create(livecode.Code{Name: "活码", Pool: pool("g1", "g2")})
		for range 3 {
			e.page(c.Code)
		}
		e.chatEvent("update", "add_member", "g1", 2)
		e.chatEvent("update", "del_member", "g2", 1)
		if err := e.svc.FlushStats(context.Background()); err != nil {
			t.Fatal(err)
		}
		e.page(c.Code)
		if err := e.svc.FlushStats(context.Background()); err != nil {
			t.Fatal(err)
		}
		st, err := e.svc.Stats(context.Background(), c.ID, "", "")
		if err != nil {
			t.Fatal(err)
		}
		want := livecode.DayStats{Day: "2026-06-10", Views: 4, Joins: 2, Leaves: 1}
		if len(st.Days) != 1 || st.Days[0] != want {
			t.Fatalf("days %+v, want %+v", st.Days, want)
		}
		if len(st.Groups) != 2 || st.Groups[0].MemberCount != 5 || !st.Groups[0].Current || st.Groups[1].MemberCount != 2 {
			t.Fatalf("groups %+v", st.Groups)
		}
		if _, err := e.svc.Stats(context.Background(), c.ID, "2026-13-01", ""); !errors.Is(err, fault.ErrInvalid) {
			t.Fatalf("bad date: %v", err)
		}
	})
}

// Another replica's landing page follows a switch within CacheTTL.
func TestLanding_FollowsOtherReplicas(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t))
	e.seed(3, "g1", "g2")
	other := e.replica()
	c := e.create(livecode.Code{Name: "活码", Threshold: 4, Pool: pool("g1", "g2")})
	if _, body := other.page(c.Code); !strings.Contains(body, "群g1") {
		t.Fatalf("first page:\n%s", body)
	}
	e.chatEvent("update", "add_member", "g1", 1)
	if _, body := other.page(c.Code); !strings.Contains(body, "群g1") {
		t.Fatal("the page was read again before CacheTTL")
	}
	e.clock.Advance(2 * time.Second)
	if _, body := other.page(c.Code); !strings.Contains(body, "群g2") {
		t.Fatalf("after CacheTTL the page still shows g1:\n%s", body)
	}
}

func TestAlerts_AggregatedAndAcknowledged(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t))
	e.seed(3, "g1", "g2")
	c := e.create(livecode.Code{Name: "活码", Threshold: 4, AlertRemaining: 2, Pool: pool("g1", "g2")})
	e.chatEvent("update", "del_member", "g1", 1)
	e.chatEvent("update", "add_member", "g1", 1)
	open := true
	as, total, err := e.svc.Alerts(context.Background(), livecode.AlertFilter{CodeID: c.ID, Open: &open})
	if err != nil || total != 1 || as[0].Kind != livecode.AlertPoolLow {
		t.Fatalf("alerts %+v %v", as, err)
	}
	if n := len(e.sent(wecom.APIMessageSend)); n != 1 {
		t.Fatalf("%d notifications for one open alert", n)
	}
	a, err := e.svc.AckAlert(context.Background(), "op1", as[0].ID)
	if err != nil || a.AckedAt == nil || a.AckedBy != "op1" {
		t.Fatalf("ack %+v %v", a, err)
	}
	e.chatEvent("update", "add_member", "g1", 2) // full: the code moves to g2, the last group with room
	if _, total, _ := e.svc.Alerts(context.Background(), livecode.AlertFilter{CodeID: c.ID, Open: &open}); total != 1 {
		t.Fatalf("the trouble again did not open a new alert: %d", total)
	}
}
