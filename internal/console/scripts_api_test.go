package console_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/console"
	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

const token = "test-token-0123456789abcdef"

type api struct {
	t   *testing.T
	srv *httptest.Server
}

func newAPI(t *testing.T, db storagetest.DB, apiToken string) api {
	t.Helper()
	store := script.NewStore(db.DB, nil)
	s := httptest.NewServer(console.New(console.Options{Scripts: store, Engine: script.NewEngine(store, nil), APIToken: apiToken}))
	t.Cleanup(s.Close)
	return api{t: t, srv: s}
}

// call sends a request with the token and decodes the answer into out (when
// not nil); it returns the status and the raw body.
func (a api) call(method, path string, body any, out any) (int, string) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.srv.URL+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			a.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, string(raw)
}

func openingHours() script.Script {
	return script.Script{Title: "營業(yè)時間", Keywords: []string{"幾點開門"}, MatchMode: "contains", Enabled: true,
		Replies: []script.Reply{{Type: script.ReplyText, Text: "每天 9:00 開門 <script>alert(1)</script>"}}}
}

func TestScriptsAPI_Lifecycle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		a := newAPI(t, db, token)
		var created script.Script
		if status, body := a.call("POST", "/api/v1/scripts", openingHours(), &created); status != http.StatusCreated {
			t.Fatalf("create: %d %s", status, body)
		}
		// Content is data: JSON escapes markup, nothing interprets it.
		if _, body := a.call("GET", "/api/v1/scripts/"+itoa(created.ID), nil, nil); strings.Contains(body, "<script>") {
			t.Fatalf("markup not escaped in %s", body)
		}

		var d script.Decision
		status, body := a.call("POST", "/api/v1/scripts/try", map[string]any{"text": "請問幾點開門?", "channel": "bridge"}, &d)
		if status != 200 || d.Answer == nil || d.Answer.ScriptID != created.ID {
			t.Fatalf("try: %d %s", status, body)
		}

		stale := created
		created.Title = "營業(yè)時間(新)"
		if status, body := a.call("PUT", "/api/v1/scripts/"+itoa(created.ID), created, &created); status != 200 {
			t.Fatalf("update: %d %s", status, body)
		}
		stale.Title = "lost update"
		if status, _ := a.call("PUT", "/api/v1/scripts/"+itoa(stale.ID), stale, nil); status != http.StatusConflict {
			t.Fatalf("stale update: %d, want 409", status)
		}
		var history struct{ Items []script.Change }
		if _, body := a.call("GET", "/api/v1/scripts/"+itoa(created.ID)+"/history", nil, &history); len(history.Items) != 2 {
			t.Fatalf("history: %s", body)
		}
		var list struct {
			Items []script.Script
			Total int64
		}
		if status, body := a.call("GET", "/api/v1/scripts?q=營業(yè)&enabled=true", nil, &list); status != 200 || list.Total != 1 {
			t.Fatalf("list: %d %s", status, body)
		}
		if status, _ := a.call("DELETE", "/api/v1/scripts/"+itoa(created.ID), nil, nil); status != http.StatusNoContent {
			t.Fatalf("delete: %d", status)
		}
		if status, _ := a.call("GET", "/api/v1/scripts/"+itoa(created.ID), nil, nil); status != http.StatusNotFound {
			t.Fatalf("get deleted: %d, want 404", status)
		}
	})
}

func TestScriptsAPI_BadInput(t *testing.T) {
	a := newAPI(t, storagetest.SQLite(t), token)
	bad := openingHours()
	bad.Keywords = nil
	bad.MatchMode = "regex"
	bad.Pattern = "(unclosed"
	tests := []struct {
		name, method, path string
		body               any
		status             int
		wantIn             string
	}{
		{"invalid script names its fields", "POST", "/api/v1/scripts", bad, http.StatusUnprocessableEntity, `"field":"pattern"`},
		{"empty keywords", "POST", "/api/v1/scripts", func() script.Script { s := openingHours(); s.Keywords = []string{" "}; return s }(), http.StatusUnprocessableEntity, `"field":"keywords"`},
		{"unknown field", "POST", "/api/v1/scripts", map[string]any{"titel": "typo"}, http.StatusBadRequest, "titel"},
		{"bad id", "GET", "/api/v1/scripts/abc", nil, http.StatusBadRequest, "abc"},
		{"missing script", "GET", "/api/v1/scripts/999", nil, http.StatusNotFound, "not_found"},
		{"try without text", "POST", "/api/v1/scripts/try", map[string]any{"text": ""}, http.StatusUnprocessableEntity, `"field":"text"`},
		{"try on an unknown channel", "POST", "/api/v1/scripts/try", map[string]any{"text": "hi", "channel": "fax"}, http.StatusBadRequest, "fax"},
		{"bad filter", "GET", "/api/v1/scripts?enabled=maybe", nil, http.StatusBadRequest, "enabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := a.call(tt.method, tt.path, tt.body, nil)
			if status != tt.status || !strings.Contains(body, tt.wantIn) {
				t.Fatalf("%d %s, want %d containing %q", status, body, tt.status, tt.wantIn)
			}
		})
	}
	var list struct{ Total int64 }
	if a.call("GET", "/api/v1/scripts", nil, &list); list.Total != 0 {
		t.Fatalf("bad input saved %d scripts", list.Total)
	}
}

func TestScriptsAPI_Auth(t *testing.T) {
	db := storagetest.SQLite(t)
	for _, tt := range []struct {
		name, configured, presented string
		status                      int
	}{
		{"no token configured", "", token, http.StatusServiceUnavailable},
		{"wrong token", token, "wrong-token-0123456789abcd", http.StatusUnauthorized},
		{"no token presented", token, "", http.StatusUnauthorized},
		{"right token", token, token, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPI(t, db, tt.configured)
			req, _ := http.NewRequest("GET", a.srv.URL+"/api/v1/scripts", nil)
			if tt.presented != "" {
				req.Header.Set("Authorization", "Bearer "+tt.presented)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
}

func TestUnansweredAPI_PromoteInOneStep(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		store := script.NewStore(db.DB, nil)
		if _, err := store.NoteUnanswered(t.Context(), "積分怎么兌換?", "wrc1", db.NowFunc()); err != nil {
			t.Fatal(err)
		}
		a := newAPI(t, db, token)
		var qs struct{ Items []script.Unanswered }
		if status, body := a.call("GET", "/api/v1/unanswered", nil, &qs); status != 200 || len(qs.Items) != 1 {
			t.Fatalf("list: %d %s", status, body)
		}
		sc := script.Script{Enabled: true, Replies: []script.Reply{{Type: script.ReplyText, Text: "積分商城在「我的」頁面兌換"}}}
		var created script.Script
		path := "/api/v1/unanswered/" + itoa(qs.Items[0].ID) + "/promote"
		if status, body := a.call("POST", path, sc, &created); status != http.StatusCreated || created.ID == 0 || len(created.Keywords) == 0 {
			t.Fatalf("promote: %d %s", status, body)
		}
		if a.call("GET", "/api/v1/unanswered", nil, &qs); len(qs.Items) != 0 {
			t.Fatalf("question still open after promotion: %+v", qs.Items)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
