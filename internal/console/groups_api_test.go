package console_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/org"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
)

// newGroupsAPI serves the directory with a syncer over a fake WeCom that
// holds two groups.
func newGroupsAPI(t *testing.T, db storagetest.DB) (api, *wecomtest.Server) {
	t.Helper()
	members := func(n int) []wecomtest.Member {
		var ms []wecomtest.Member
		for i := range n {
			ms = append(ms, wecomtest.Member{UserID: "wm" + itoa(int64(i)), Type: wecomtest.MemberExternal})
		}
		return ms
	}
	fake := wecomtest.New(wecomtest.WithGroupChats(
		wecomtest.GroupChat{ChatID: "wrA", Name: "上海一群", Owner: "zhangsan", CreateTime: time.Unix(1718000000, 0), Members: members(3)},
		wecomtest.GroupChat{ChatID: "wrB", Name: "北京一群", Owner: "lisi", CreateTime: time.Unix(1718000000, 0), Members: members(5)},
	))
	t.Cleanup(fake.Close)
	client, err := wecom.NewClient(wecom.Config{CorpID: wecomtest.DefaultCorpID, Secret: wecomtest.DefaultSecret, APIBase: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	syncer, err := group.NewSyncer(group.NewStore(db.DB, nil), client, group.SyncerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return newDirectoryAPI(t, db, syncer), fake
}

func TestGroupsAPI_SyncMapAndTag(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		a, _ := newGroupsAPI(t, db)
		var rep group.SyncReport
		if status, body := a.call("POST", "/api/v1/groups/sync", nil, &rep); status != 200 || rep.Saved != 2 {
			t.Fatalf("sync: %d %s", status, body)
		}
		var sh org.Shop
		a.call("POST", "/api/v1/stores", map[string]any{"code": "SH001", "name": "人民广场店"}, &sh)

		var g group.Group
		status, body := a.call("PUT", "/api/v1/groups/wrA", map[string]any{"store_id": sh.ID, "tags": []string{"车友会", " VIP "}}, &g)
		if status != 200 || g.StoreID != sh.ID || strings.Join(g.Tags, ",") != "VIP,车友会" || g.MemberCount != 3 {
			t.Fatalf("update: %d %s", status, body)
		}
		// Leaving a field out keeps it.
		if status, body := a.call("PUT", "/api/v1/groups/wrA", map[string]any{"tags": []string{}}, &g); status != 200 || g.StoreID != sh.ID || len(g.Tags) != 0 {
			t.Fatalf("clear tags: %d %s", status, body)
		}
		var list struct {
			Items []group.Group
			Total int64
		}
		for _, tt := range []struct {
			query string
			want  string
		}{
			{"", "wrA,wrB"},
			{"?store_id=" + itoa(sh.ID), "wrA"},
			{"?store_id=0", "wrB"},
			{"?q=北京", "wrB"},
			{"?dismissed=true", ""},
		} {
			if status, body := a.call("GET", "/api/v1/groups"+tt.query, nil, &list); status != 200 || groupIDs(list.Items) != tt.want {
				t.Errorf("GET /api/v1/groups%s: %d %s, want %s", tt.query, status, body, tt.want)
			}
		}
		if status, body := a.call("GET", "/api/v1/groups/wrB", nil, &g); status != 200 || g.Name != "北京一群" || g.OwnerUserID != "lisi" {
			t.Fatalf("get: %d %s", status, body)
		}
	})
}

func groupIDs(gs []group.Group) string {
	ids := make([]string, len(gs))
	for i, g := range gs {
		ids[i] = g.ChatID
	}
	return strings.Join(ids, ",")
}

func TestGroupsAPI_Errors(t *testing.T) {
	db := storagetest.SQLite(t)
	a, fake := newGroupsAPI(t, db)
	a.call("POST", "/api/v1/groups/sync", nil, nil)
	var closed org.Shop
	a.call("POST", "/api/v1/stores", map[string]any{"code": "OLD1", "name": "旧店"}, &closed)
	a.call("DELETE", "/api/v1/stores/"+itoa(closed.ID), nil, nil)
	tests := []struct {
		name, method, path string
		body               any
		status             int
		wantIn             string
	}{
		{"unknown group", "GET", "/api/v1/groups/wrNope", nil, http.StatusNotFound, "not_found"},
		{"update an unknown group", "PUT", "/api/v1/groups/wrNope", map[string]any{"tags": []string{"x"}}, http.StatusNotFound, "not_found"},
		{"unknown store", "PUT", "/api/v1/groups/wrA", map[string]any{"store_id": 99}, http.StatusUnprocessableEntity, `"field":"store_id"`},
		{"inactive store", "PUT", "/api/v1/groups/wrA", map[string]any{"store_id": closed.ID}, http.StatusUnprocessableEntity, "已停用"},
		{"tag too long", "PUT", "/api/v1/groups/wrA", map[string]any{"tags": []string{strings.Repeat("长", 40)}}, http.StatusUnprocessableEntity, `"field":"tags[0]"`},
		{"unknown field", "PUT", "/api/v1/groups/wrA", map[string]any{"store": 1}, http.StatusBadRequest, "store"},
		{"bad filter", "GET", "/api/v1/groups?store_id=x", nil, http.StatusBadRequest, "store_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := a.call(tt.method, tt.path, tt.body, nil)
			if status != tt.status || !strings.Contains(body, tt.wantIn) {
				t.Fatalf("%d %s, want %d containing %q", status, body, tt.status, tt.wantIn)
			}
		})
	}
	t.Run("WeCom refuses", func(t *testing.T) {
		fake.FailNext("/cgi-bin/externalcontact/groupchat/list", 48002, 1)
		status, body := a.call("POST", "/api/v1/groups/sync", nil, nil)
		if status != http.StatusBadGateway || !strings.Contains(body, "wecom_error") || !strings.Contains(body, "48002") {
			t.Fatalf("%d %s, want 502 with the errcode", status, body)
		}
	})
	t.Run("WeCom not configured", func(t *testing.T) {
		b := newDirectoryAPI(t, db, nil)
		status, body := b.call("POST", "/api/v1/groups/sync", nil, nil)
		if status != http.StatusServiceUnavailable || !strings.Contains(body, "企业微信未配置") {
			t.Fatalf("%d %s, want 503 企业微信未配置", status, body)
		}
	})
}
