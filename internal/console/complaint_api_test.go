package console_test

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/complaint"
	"github.com/qunbot/qunbot/internal/console"
	"github.com/qunbot/qunbot/internal/governance"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

func newComplaintAPI(t *testing.T, db storagetest.DB) (api, *complaint.Detector, *governance.Service) {
	t.Helper()
	store := complaint.NewStore(db.DB, nil)
	det := complaint.NewDetector(complaint.Options{Store: store})
	gov := governance.NewStore(db.DB, nil)
	s := httptest.NewServer(console.New(console.Options{Complaints: store, ComplaintDetector: det, Governance: gov, APIToken: token}))
	t.Cleanup(s.Close)
	return api{t: t, srv: s}, det, governance.New(governance.Options{Store: gov})
}

func TestComplaintAPI_Rules(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		a, _, _ := newComplaintAPI(t, db)
		var rules complaint.Rules
		if status, body := a.call("GET", "/api/v1/complaint-rules", nil, &rules); status != 200 || rules.Version != 1 {
			t.Fatalf("get rules: %d %s", status, body)
		}
		var d complaint.Decision
		if status, body := a.call("POST", "/api/v1/complaint-rules/try", map[string]any{"text": "座椅窄"}, &d); status != 200 || d.Tier != complaint.TierNone {
			t.Fatalf("try before: %d %s", status, body)
		}
		rules.Tiers[0].Terms = append(rules.Tiers[0].Terms, complaint.Term{Term: "座椅窄", Category: "空间"})
		if status, body := a.call("POST", "/api/v1/complaint-rules/try", map[string]any{"text": "座椅窄!!!", "rules": rules}, &d); status != 200 || d.Tier != complaint.TierMedium || !strings.Contains(d.Explain, "座椅窄") {
			t.Fatalf("try draft: %d %s", status, body)
		}
		var saved complaint.Rules
		if status, body := a.call("PUT", "/api/v1/complaint-rules", rules, &saved); status != 200 || saved.Version != 2 {
			t.Fatalf("put: %d %s", status, body)
		}
		if status, _ := a.call("PUT", "/api/v1/complaint-rules", rules, nil); status != 409 {
			t.Errorf("stale put: %d, want 409", status)
		}
		saved.Tiers[0].SLAMinutes = -5
		if status, body := a.call("PUT", "/api/v1/complaint-rules", saved, nil); status != 422 || !strings.Contains(body, "tiers[0].sla_minutes") {
			t.Errorf("invalid put: %d %s", status, body)
		}
		if status, body := a.call("POST", "/api/v1/complaint-rules/try", map[string]any{"text": "座椅窄"}, &d); status != 200 || d.Tier != complaint.TierLight || d.RulesVersion != 2 {
			t.Errorf("try saved: %d %s", status, body)
		}
		if status, _ := a.call("POST", "/api/v1/complaint-rules/try", map[string]any{"text": " "}, nil); status != 422 {
			t.Errorf("empty try: %d, want 422", status)
		}
		var hist struct{ Total int64 }
		if status, body := a.call("GET", "/api/v1/complaint-rules/history", nil, &hist); status != 200 || hist.Total != 2 {
			t.Errorf("history: %d %s", status, body)
		}
	})
}

func TestComplaintAPI_Complaints(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		a, det, _ := newComplaintAPI(t, db)
		at := time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC)
		c, err := det.Observe(context.Background(), complaint.Message{Key: "k1", ChatID: "wrChat1", MemberID: "wm1", Text: "漏油了,态度差", At: at})
		if err != nil || c == nil {
			t.Fatalf("observe: %v", err)
		}
		var list struct {
			Items []complaint.Complaint
			Total int64
		}
		if status, body := a.call("GET", "/api/v1/complaints?tier=medium&chat_id=wrChat1&from=2026-03-15T00:00:00Z", nil, &list); status != 200 || list.Total != 1 {
			t.Fatalf("list: %d %s", status, body)
		}
		if status, _ := a.call("GET", "/api/v1/complaints?tier=serious", nil, &list); status != 200 || list.Total != 0 {
			t.Errorf("list serious: %d total %d", status, list.Total)
		}
		var got complaint.Complaint
		if status, body := a.call("GET", "/api/v1/complaints/"+strconv.FormatInt(c.ID, 10), nil, &got); status != 200 || got.Decision.Explain == "" {
			t.Errorf("get: %d %s", status, body)
		}
		for path, want := range map[string]int{
			"/api/v1/complaints/999":         404,
			"/api/v1/complaints?from=monday": 400,
			"/api/v1/complaints?tier=huge":   422,
		} {
			if status, _ := a.call("GET", path, nil, nil); status != want {
				t.Errorf("GET %s: %d, want %d", path, status, want)
			}
		}
	})
}

func TestComplaintAPI_Governance(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		a, _, gov := newComplaintAPI(t, db)
		var rules governance.Rules
		if status, body := a.call("GET", "/api/v1/governance/rules", nil, &rules); status != 200 || rules.Version != 1 {
			t.Fatalf("get rules: %d %s", status, body)
		}
		rules.Ads.AllowDomains = []string{"brand.com"}
		if status, body := a.call("PUT", "/api/v1/governance/rules", rules, &rules); status != 200 || rules.Version != 2 {
			t.Fatalf("put rules: %d %s", status, body)
		}
		var e governance.AllowEntry
		if status, body := a.call("POST", "/api/v1/governance/allowlist", map[string]string{"member_id": "vip", "note": "商家"}, &e); status != 201 || e.ID == 0 {
			t.Fatalf("allow: %d %s", status, body)
		}
		if status, _ := a.call("POST", "/api/v1/governance/allowlist", map[string]string{"member_id": "vip"}, nil); status != 409 {
			t.Errorf("allow twice: %d", status)
		}
		var allow struct{ Total int64 }
		if status, _ := a.call("GET", "/api/v1/governance/allowlist?chat_id=wrChat1", nil, &allow); status != 200 || allow.Total != 1 {
			t.Errorf("allow-list: %d, %d entries", status, allow.Total)
		}
		if status, _ := a.call("DELETE", "/api/v1/governance/allowlist/"+strconv.FormatInt(e.ID, 10), nil, nil); status != 204 {
			t.Errorf("disallow: %d", status)
		}
		m := governance.Message{Key: "g1", ChatID: "wrChat1", MemberID: "wm2", Text: "加微信 shop8888", At: time.Now()}
		if err := gov.Observe(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		var recs struct {
			Items []governance.Record
			Total int64
		}
		if status, body := a.call("GET", "/api/v1/governance/records?member_id=wm2", nil, &recs); status != 200 || recs.Total != 1 || recs.Items[0].Step != governance.StepWarning {
			t.Errorf("records: %d %s", status, body)
		}
		if status, _ := a.call("GET", "/api/v1/governance/alerts", nil, nil); status != 200 {
			t.Errorf("alerts: %d", status)
		}
	})
}
