package console_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/console"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
	"github.com/qunbot/qunbot/internal/welcome"
)

func newWelcomeAPI(t *testing.T, db storagetest.DB) api {
	t.Helper()
	fake := wecomtest.New()
	t.Cleanup(fake.Close)
	client, err := wecom.NewClient(wecom.Config{CorpID: wecomtest.DefaultCorpID, Secret: wecomtest.DefaultSecret, APIBase: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	svc := welcome.New(welcome.Options{Store: welcome.NewStore(db.DB, nil), Templates: client})
	s := httptest.NewServer(console.New(console.Options{Welcome: svc, APIToken: token}))
	t.Cleanup(s.Close)
	return api{t: t, srv: s}
}

func TestWelcomeAPI_RulesAndPreview(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		a := newWelcomeAPI(t, db)
		rule := welcome.Rule{Name: "徐匯海報", Channel: welcome.ChannelContact, StateMatch: welcome.MatchPrefix, State: "lc_sh",
			Text: "{{客戶名}}您好", Enabled: true}
		var created welcome.Rule
		if status, body := a.call("POST", "/api/v1/welcome-rules", rule, &created); status != http.StatusCreated {
			t.Fatalf("create: %d %s", status, body)
		}
		bad := rule
		bad.Text = "{{暱稱}}"
		if status, body := a.call("POST", "/api/v1/welcome-rules", bad, nil); status != http.StatusUnprocessableEntity || !strings.Contains(body, "不支持的變量") {
			t.Fatalf("unknown variable: %d %s", status, body)
		}
		var p welcome.Preview
		req := welcome.PreviewRequest{State: "lc_sh_1", Name: "李雷"}
		if status, body := a.call("POST", "/api/v1/welcome-rules/preview", req, &p); status != http.StatusOK || p.Text != "李雷您好" {
			t.Fatalf("preview: %d %s", status, body)
		}
		if status, _ := a.call("POST", "/api/v1/welcome-rules/preview", welcome.PreviewRequest{State: "x"}, nil); status != http.StatusNotFound {
			t.Fatalf("preview without a rule: %d", status)
		}
		created.Priority = 5
		if status, body := a.call("PUT", "/api/v1/welcome-rules/"+itoa(created.ID), created, &created); status != http.StatusOK || created.Priority != 5 {
			t.Fatalf("update: %d %s", status, body)
		}
		var list struct{ Items []welcome.Rule }
		if status, _ := a.call("GET", "/api/v1/welcome-rules?channel=contact", nil, &list); status != http.StatusOK || len(list.Items) != 1 {
			t.Fatalf("list: %d %+v", status, list)
		}
		if status, _ := a.call("DELETE", "/api/v1/welcome-rules/"+itoa(created.ID), nil, nil); status != http.StatusNoContent {
			t.Fatalf("delete: %d", status)
		}
		if status, _ := a.call("GET", "/api/v1/welcome-rules/"+itoa(created.ID), nil, nil); status != http.StatusNotFound {
			t.Fatalf("get deleted: %d", status)
		}
	})
}

func TestWelcomeAPI_GroupWelcomesTemplatesRecords(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		a := newWelcomeAPI(t, db)
		var text welcome.GroupText
		if status, body := a.call("POST", "/api/v1/group-welcomes", welcome.GroupText{Text: "歡迎 {{新成員}}", Enabled: true}, &text); status != http.StatusCreated {
			t.Fatalf("create group welcome: %d %s", status, body)
		}
		if status, _ := a.call("POST", "/api/v1/group-welcomes", welcome.GroupText{Text: "again", Enabled: true}, nil); status != http.StatusConflict {
			t.Fatalf("second default: %d", status)
		}
		var tpl welcome.GroupTemplate
		if status, body := a.call("POST", "/api/v1/group-welcome-templates", welcome.GroupTemplate{Name: "入群", Text: "歡迎 %NICKNAME%"}, &tpl); status != http.StatusCreated || tpl.TemplateID == "" {
			t.Fatalf("create template: %d %s", status, body)
		}
		var synced struct{ Items []welcome.GroupTemplate }
		if status, body := a.call("POST", "/api/v1/group-welcome-templates/sync", nil, &synced); status != http.StatusOK || synced.Items[0].SyncState != welcome.SyncInSync {
			t.Fatalf("sync: %d %s", status, body)
		}
		if status, _ := a.call("DELETE", "/api/v1/group-welcome-templates/"+itoa(tpl.ID), nil, nil); status != http.StatusNoContent {
			t.Fatalf("delete template: %d", status)
		}
		var recs struct {
			Items []welcome.Record
			Total int64
		}
		if status, body := a.call("GET", "/api/v1/welcome-records?kind=contact&limit=10", nil, &recs); status != http.StatusOK || recs.Total != 0 {
			t.Fatalf("records: %d %s", status, body)
		}
		if status, _ := a.call("GET", "/api/v1/welcome-records?limit=x", nil, nil); status != http.StatusBadRequest {
			t.Fatalf("bad limit: %d", status)
		}
	})
}
