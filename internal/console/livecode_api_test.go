package console_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/console"
	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/livecode"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
)

// newLiveCodeAPI serves live codes over a fake WeCom with three synced
// groups of 3 members.
func newLiveCodeAPI(t *testing.T, db storagetest.DB) api {
	t.Helper()
	var chats []wecomtest.GroupChat
	for _, id := range []string{"wrA", "wrB", "wrC"} {
		g := wecomtest.GroupChat{ChatID: id, Name: "群" + id, Owner: "zhangsan", CreateTime: time.Unix(1718000000, 0)}
		for i := range 3 {
			g.Members = append(g.Members, wecomtest.Member{UserID: fmt.Sprintf("wm%s%d", id, i), Type: wecomtest.MemberExternal})
		}
		chats = append(chats, g)
	}
	fake := wecomtest.New(wecomtest.WithGroupChats(chats...), wecomtest.WithUsers("lisi"))
	t.Cleanup(fake.Close)
	client, err := wecom.NewClient(wecom.Config{CorpID: wecomtest.DefaultCorpID, Secret: wecomtest.DefaultSecret, APIBase: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	groups := group.NewStore(db.DB, nil)
	syncer, err := group.NewSyncer(groups, client, group.SyncerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := syncer.SyncAll(t.Context()); err != nil {
		t.Fatal(err)
	}
	svc, err := livecode.New(livecode.Options{DB: db.DB, Groups: groups, WeCom: client, RetryDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s := httptest.NewServer(console.New(console.Options{LiveCodes: svc, APIToken: token}))
	t.Cleanup(s.Close)
	return api{t: t, srv: s}
}

func TestLiveCodeAPI_Lifecycle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		a := newLiveCodeAPI(t, db)
		var c livecode.Code
		body := map[string]any{"name": "南山店群活码", "threshold": 150, "pool": []map[string]any{{"chat_id": "wrA"}, {"chat_id": "wrB"}}}
		if status, raw := a.call("POST", "/api/v1/live-codes", body, &c); status != http.StatusCreated || c.CurrentChatID != "wrA" || c.QRCode == "" {
			t.Fatalf("create: %d %s", status, raw)
		}
		id := itoa(c.ID)
		var list struct {
			Items []livecode.Code `json:"items"`
			Total int64           `json:"total"`
		}
		if status, raw := a.call("GET", "/api/v1/live-codes?q=南山", nil, &list); status != 200 || list.Total != 1 || len(list.Items[0].Pool) != 2 {
			t.Fatalf("list: %d %s", status, raw)
		}
		// A field left out keeps its value; the pool sent replaces the pool.
		upd := map[string]any{"version": c.Version, "pool": []map[string]any{{"chat_id": "wrC"}, {"chat_id": "wrA"}}}
		if status, raw := a.call("PUT", "/api/v1/live-codes/"+id, upd, &c); status != 200 || c.Threshold != 150 || c.Pool[0].ChatID != "wrC" || !c.Enabled {
			t.Fatalf("update: %d %s", status, raw)
		}
		if status, _ := a.call("PUT", "/api/v1/live-codes/"+id, map[string]any{"version": 1, "name": "旧"}, nil); status != http.StatusConflict {
			t.Fatalf("stale update: %d", status)
		}
		var st livecode.Stats
		if status, raw := a.call("GET", "/api/v1/live-codes/"+id+"/stats?from=2026-01-01&to=2026-01-31", nil, &st); status != 200 || len(st.Groups) != 2 {
			t.Fatalf("stats: %d %s", status, raw)
		}
		if status, raw := a.call("POST", "/api/v1/live-codes/"+id+"/refresh", nil, &c); status != 200 {
			t.Fatalf("refresh: %d %s", status, raw)
		}
		if status, _ := a.call("GET", "/api/v1/live-codes/"+id+"/switches", nil, nil); status != 200 {
			t.Fatalf("switches: %d", status)
		}
		if status, _ := a.call("DELETE", "/api/v1/live-codes/"+id, nil, nil); status != http.StatusNoContent {
			t.Fatalf("delete: %d", status)
		}
		if status, _ := a.call("GET", "/api/v1/live-codes/"+id, nil, nil); status != http.StatusNotFound {
			t.Fatalf("get deleted: %d", status)
		}
	})
}

func TestLiveCodeAPI_BadInput(t *testing.T) {
	a := newLiveCodeAPI(t, storagetest.SQLite(t))
	tests := []struct {
		name string
		body map[string]any
		want string
	}{
		{"unknown group", map[string]any{"name": "x", "pool": []map[string]any{{"chat_id": "nope"}}}, "pool[0].chat_id"},
		{"threshold over the limit", map[string]any{"name": "x", "threshold": 201, "pool": []map[string]any{{"chat_id": "wrA"}}}, "threshold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, raw := a.call("POST", "/api/v1/live-codes", tt.body, nil)
			if status != http.StatusUnprocessableEntity || !strings.Contains(raw, tt.want) {
				t.Fatalf("%d %s", status, raw)
			}
		})
	}
	if status, _ := a.call("POST", "/api/v1/live-codes", map[string]any{"nmae": "typo"}, nil); status != http.StatusBadRequest {
		t.Fatalf("unknown field: %d", status)
	}
}

func TestContactCodeAPI_Lifecycle(t *testing.T) {
	a := newLiveCodeAPI(t, storagetest.SQLite(t))
	var c livecode.ContactCode
	body := map[string]any{"name": "海报渠道", "user_ids": []string{"lisi"}, "tag_ids": []string{"etA"}}
	if status, raw := a.call("POST", "/api/v1/contact-codes", body, &c); status != http.StatusCreated || c.QRCode == "" || c.Type != 1 {
		t.Fatalf("create: %d %s", status, raw)
	}
	id := itoa(c.ID)
	if status, raw := a.call("PUT", "/api/v1/contact-codes/"+id, map[string]any{"remark": "门口海报"}, &c); status != 200 || c.Remark != "门口海报" || len(c.TagIDs) != 1 {
		t.Fatalf("update: %d %s", status, raw)
	}
	if status, _ := a.call("GET", "/api/v1/contact-codes/"+id+"/stats", nil, nil); status != 200 {
		t.Fatalf("stats: %d", status)
	}
	var alerts struct {
		Total int64 `json:"total"`
	}
	if status, _ := a.call("GET", "/api/v1/live-code-alerts?open=true", nil, &alerts); status != 200 {
		t.Fatalf("alerts: %d", status)
	}
	if status, raw := a.call("POST", "/api/v1/contact-codes", map[string]any{"name": "x", "user_ids": []string{"ghost"}}, nil); status != 422 || !strings.Contains(raw, "企业微信拒绝") {
		t.Fatalf("unknown staff: %d %s", status, raw)
	}
	if status, _ := a.call("DELETE", "/api/v1/contact-codes/"+id, nil, nil); status != http.StatusNoContent {
		t.Fatalf("delete: %d", status)
	}
}
