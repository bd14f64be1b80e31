package ticket_test

import (
	"context"
	"testing"

	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/ticket"
)

func TestTicket_StaffCommands(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db.DB)
		ctx := context.Background()
		t1 := e.open(t, complaint("c1", "chat1", ticket.TierLight, 5)) // T1, store 1
		t2 := e.open(t, complaint("c2", "chat2", ticket.TierLight, 5)) // T2, store 2
		cases := []struct {
			name, user, text string
			result           string
			answer           string
			ticketID         int64
			state            ticket.State
		}{
			{"ack", "staff1", "接单 T1", "ok", "已接单 T1", t1.ID, ticket.StateAcknowledged},
			{"traditional and lower case", "staff1", "處理 t1", "ok", "已开始处理 T1", t1.ID, ticket.StateInProgress},
			{"resolve with note", "staff1", "完成 T1 已电话回访", "ok", "已完成 T1", t1.ID, ticket.StateResolved},
			{"comment", "staff1", "评论 T1 车主满意", "ok", "已评论 T1", t1.ID, ticket.StateResolved},
			{"another store's ticket", "staff1", "接单 T2", "forbidden", "不属于您的门店", t2.ID, ticket.StateNew},
			{"regional of that store", "regional", "接单 T2", "ok", "已接单 T2", t2.ID, ticket.StateAcknowledged},
			{"unknown ticket", "staff1", "接单 T999", "not_found", "工单 T999 不存在", 0, ""},
			{"state does not allow", "staff2", "接单 T2", "refused", "不能接单", t2.ID, ticket.StateAcknowledged},
			{"unknown staff", "stranger", "接单 T1", "unknown_staff", "不在门店员工名单", t1.ID, ticket.StateResolved},
			{"no number", "staff1", "接单", "invalid", "请写明工单号", 0, ""},
			{"hq acts anywhere", "hq", "关闭 T2", "ok", "已关闭 T2", t2.ID, ticket.StateClosed},
		}
		for i, c := range cases {
			msgID := "m" + string(rune('a'+i))
			if err := e.svc.HandleStaffText(ctx, staffText(msgID, c.user, c.text)); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			// A redelivery does nothing more.
			if err := e.svc.HandleStaffText(ctx, staffText(msgID, c.user, c.text)); err != nil {
				t.Fatalf("%s again: %v", c.name, err)
			}
			var rec struct{ Result, Answer string }
			e.db.Table("ticket_commands").Where("msg_id = ?", msgID).Select("result, answer").Scan(&rec)
			if rec.Result != c.result || !contains(rec.Answer, c.answer) {
				t.Fatalf("%s: recorded %q %q, want %q %q", c.name, rec.Result, rec.Answer, c.result, c.answer)
			}
			var replies int64
			e.db.Table("ticket_notices").Where("dedupe_key = ? AND recipient = ?", "reply:"+msgID, "app:"+c.user).Count(&replies)
			if replies != 1 {
				t.Fatalf("%s: %d answers queued", c.name, replies)
			}
			if c.ticketID != 0 {
				if got := e.get(t, c.ticketID).State; got != c.state {
					t.Fatalf("%s: state %s, want %s", c.name, got, c.state)
				}
			}
		}
		d := e.get(t, t1.ID)
		if d.ActionTaken != "已电话回访" || len(d.Comments) != 1 {
			t.Fatalf("action %q comments %d", d.ActionTaken, len(d.Comments))
		}
		if count(actions(e.get(t, t2.ID)), ticket.ActionRefused) != 1 {
			t.Fatalf("refusal not in the audit trail: %v", actions(e.get(t, t2.ID)))
		}
		// Other text is left alone.
		if err := e.svc.HandleStaffText(ctx, staffText("mz", "staff1", "你好")); err != nil {
			t.Fatal(err)
		}
		var n int64
		e.db.Table("ticket_commands").Where("msg_id = ?", "mz").Count(&n)
		if n != 0 {
			t.Fatal("a non-command was recorded")
		}
	})
}
