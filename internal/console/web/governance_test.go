package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/console/web"
	"github.com/qunbot/qunbot/internal/governance"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/user"
)

func TestGovernance_List(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db, func(o *web.Options) { o.Governance = governance.NewStore(db.DB, o.Now) })
		recs := []governance.Record{
			{StepKey: "k1", ChatID: "c1", MemberID: "u1", MemberName: "<b>小王</b>", Violation: governance.ViolationAd,
				Evidence: "加我微信 <script>x</script>", MessageKey: "m1", Step: governance.StepWarning, Outcome: governance.OutcomeQueued, CreatedAt: testNow},
			{StepKey: "k2", ChatID: "c2", MemberID: "u2", MemberName: "老李", Violation: governance.ViolationFlood,
				MessageKey: "m2", Step: governance.StepFinalWarning, Outcome: governance.OutcomeNotPosted, CreatedAt: testNow},
		}
		if err := db.DB.Create(&recs).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.DB.Create(&governance.Alert{ChatID: "c1", Day: "2026-11-23", Level: 2, Reason: "负面消息激增", Total: 40, Negative: 12, CreatedAt: testNow}).Error; err != nil {
			t.Fatal(err)
		}
		b := e.signInAs(t, "op", user.RoleOperator)
		p := b.get("/governance")
		if p.status != http.StatusOK {
			t.Fatalf("page: %d %.1000s", p.status, p.body)
		}
		mustContain(t, "member", texts(t, p.body, "td", "member"), "<b>小王</b>")
		mustContain(t, "alert", texts(t, p.body, "td", "reason"), "负面消息激增")
		mustContain(t, "step", texts(t, p.body, "td", ""), "最后警告")
		if strings.Contains(p.body, "<script>x") || strings.Contains(p.body, "<b>小王") {
			t.Fatal("unescaped")
		}
		p = b.get("/governance?chat=c2")
		if got := texts(t, p.body, "td", "member"); len(got) != 1 || got[0] != "老李" {
			t.Fatalf("filtered: %q", got)
		}
		e.addUser(t, "clerk", user.RoleStaff, 1)
		if p := e.signIn(t, "clerk").get("/governance"); p.status != http.StatusForbidden {
			t.Fatalf("staff: %d", p.status)
		}
	})
}
