package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/complaint"
	"github.com/qunbot/qunbot/internal/console/web"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/user"
)

// withComplaints adds the complaint store and detector over db to the pages.
func withComplaints(db storagetest.DB, st **complaint.Store, det **complaint.Detector) func(*web.Options) {
	return func(o *web.Options) {
		*st = complaint.NewStore(db.DB, o.Now)
		*det = complaint.NewDetector(complaint.Options{Store: *st, Now: o.Now})
		o.Complaints, o.ComplaintDetector = *st, *det
	}
}

// rulesForm is the rules page's form as stored, with edit applied.
func rulesForm(t *testing.T, r complaint.Rules, edit func(url.Values)) url.Values {
	t.Helper()
	f := url.Values{"version": {itoa(r.Version)}}
	for _, tr := range r.Tiers {
		var lines []string
		for _, term := range tr.Terms {
			lines = append(lines, term.Term+" | "+term.Category)
		}
		f.Set("tier_"+string(tr.Tier)+"_sla", itoa(int64(tr.SLAMinutes)))
		f.Set("tier_"+string(tr.Tier)+"_terms", strings.Join(lines, "\n"))
	}
	edit(f)
	return f
}

func TestComplaintRules_EditTry(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		var st *complaint.Store
		var det *complaint.Detector
		e := newEnv(t, db, withComplaints(db, &st, &det))
		b := e.signInAs(t, "op", user.RoleOperator)
		ctx := context.Background()
		rules, err := st.Rules(ctx)
		if err != nil {
			t.Fatal(err)
		}
		page := b.get("/complaints/rules")
		if page.status != http.StatusOK || !strings.Contains(page.body, "异响 | 质量缺陷") {
			t.Fatalf("rules page: %d %.1000s", page.status, page.body)
		}
		// Try a draft term without saving.
		draft := rulesForm(t, rules, func(f url.Values) {
			f.Set("tier_light_terms", f.Get("tier_light_terms")+"\n<b>太贵</b> | 价格")
			f.Set("try_text", "这车<b>太贵</b>了")
			f.Set("do", "try")
		})
		p := b.submit("/complaints/rules", "/complaints/rules", draft)
		if p.status != http.StatusOK {
			t.Fatalf("try: %d %.1000s", p.status, p.body)
		}
		mustContain(t, "try", texts(t, p.body, "p", "explain"), "判定为抱怨")
		if strings.Contains(p.body, "<b>太贵") {
			t.Fatal("unescaped")
		}
		if now, _ := st.Version(ctx); now != rules.Version {
			t.Fatalf("try saved the rules: version %d", now)
		}
		// Validation errors are shown under their tier.
		bad := rulesForm(t, rules, func(f url.Values) { f.Set("tier_medium_sla", "soon"); f.Set("do", "save") })
		p = b.submit("/complaints/rules", "/complaints/rules", bad)
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("bad sla: %d", p.status)
		}
		mustContain(t, "sla", texts(t, p.body, "p", "field-error"), "时限须为整数分钟")
		dup := rulesForm(t, rules, func(f url.Values) { f.Set("tier_serious_terms", f.Get("tier_serious_terms")+"\n异响") })
		p = b.submit("/complaints/rules", "/complaints/rules", dup)
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("duplicate term: %d", p.status)
		}
		mustContain(t, "dup", texts(t, p.body, "p", "field-error"), "已在级别")
		// Save, then a stale version conflicts.
		good := rulesForm(t, rules, func(f url.Values) {
			f.Set("tier_light_terms", f.Get("tier_light_terms")+"\n太贵 | 价格")
			f.Set("tier_medium_sla", "15")
		})
		if p := b.submit("/complaints/rules", "/complaints/rules", good); p.status != http.StatusSeeOther {
			t.Fatalf("save: %d %.1000s", p.status, p.body)
		}
		saved, _ := st.Rules(ctx)
		if tr, _ := saved.Tier(complaint.TierMedium); tr.SLAMinutes != 15 || saved.Version != rules.Version+1 {
			t.Fatalf("saved %+v", tr)
		}
		if p := b.submit("/complaints/rules", "/complaints/rules", good); p.status != http.StatusConflict ||
			!strings.Contains(p.body, "规则已被他人修改") {
			t.Fatalf("stale save: %d", p.status)
		}
		// A detected complaint is listed.
		if _, err := det.Observe(ctx, complaint.Message{Key: "m1", ChatID: "c1", ChatName: "车友群", MemberID: "u1",
			MemberName: "<i>小张</i>", Text: "这车太贵了", At: testNow}); err != nil {
			t.Fatal(err)
		}
		list := b.get("/complaints?tier=light")
		mustContain(t, "list", texts(t, list.body, "td", "text"), "这车太贵了")
		if strings.Contains(list.body, "<i>小张") {
			t.Fatal("list unescaped")
		}
		if p := b.get("/complaints?tier=huge"); p.status != http.StatusBadRequest {
			t.Fatalf("bad tier: %d", p.status)
		}
	})
}

func TestComplaints_Refused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		var st *complaint.Store
		var det *complaint.Detector
		e := newEnv(t, db, withComplaints(db, &st, &det))
		e.addUser(t, "clerk", user.RoleStaff, 1)
		staff := e.signIn(t, "clerk")
		for _, path := range []string{"/complaints", "/complaints/rules"} {
			if p := staff.get(path); p.status != http.StatusForbidden {
				t.Fatalf("staff %s: %d", path, p.status)
			}
		}
		op := e.signInAs(t, "op", user.RoleOperator)
		rules, _ := st.Rules(context.Background())
		if p := op.post("/complaints/rules", rulesForm(t, rules, func(url.Values) {})); p.status != http.StatusForbidden {
			t.Fatalf("no csrf: %d", p.status)
		}
	})
}
