package console_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/console"
	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/org"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

// newDirectoryAPI serves the stores, staff and groups of db; syncer may be
// nil (WeCom not configured).
func newDirectoryAPI(t *testing.T, db storagetest.DB, syncer *group.Syncer) api {
	t.Helper()
	s := httptest.NewServer(console.New(console.Options{
		Org: org.NewStore(db.DB, nil), Groups: group.NewStore(db.DB, nil), GroupSync: syncer, APIToken: token,
	}))
	t.Cleanup(s.Close)
	return api{t: t, srv: s}
}

func TestOrgAPI_StoresAndStaff(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		a := newDirectoryAPI(t, db, nil)
		var sh org.Shop
		if status, body := a.call("POST", "/api/v1/stores", map[string]any{"code": "SH001", "name": "人民广场店", "region": "华东"}, &sh); status != http.StatusCreated || !sh.Active {
			t.Fatalf("create store: %d %s", status, body)
		}
		// PUT changes only what it names.
		if status, body := a.call("PUT", "/api/v1/stores/"+itoa(sh.ID), map[string]any{"email": "sh001@example.com"}, &sh); status != 200 || sh.Name != "人民广场店" || sh.Email != "sh001@example.com" {
			t.Fatalf("update store: %d %s", status, body)
		}
		var people []org.Staff
		for _, p := range []map[string]any{
			{"name": "张三", "wecom_user_id": "zhangsan", "role": "staff", "store_id": sh.ID, "on_duty": true},
			{"name": "李四", "role": "staff", "store_id": sh.ID},
			{"name": "王店长", "wecom_user_id": "wang", "role": "manager", "store_id": sh.ID},
			{"name": "赵区域", "role": "regional", "region": "华东"},
		} {
			var st org.Staff
			if status, body := a.call("POST", "/api/v1/staff", p, &st); status != http.StatusCreated {
				t.Fatalf("create staff %v: %d %s", p["name"], status, body)
			}
			people = append(people, st)
		}
		if people[1].CanNotify || !people[0].CanNotify {
			t.Fatalf("can_notify: %+v", people[:2])
		}
		var list struct {
			Items []org.Staff
			Total int64
		}
		if status, body := a.call("GET", "/api/v1/staff?no_wecom=true&store_id="+itoa(sh.ID), nil, &list); status != 200 || list.Total != 1 || list.Items[0].Name != "李四" {
			t.Fatalf("staff without wecom: %d %s", status, body)
		}
		var chain struct {
			StoreID int64       `json:"store_id"`
			Levels  []org.Level `json:"levels"`
		}
		if status, body := a.call("GET", "/api/v1/stores/"+itoa(sh.ID)+"/chain", nil, &chain); status != 200 || len(chain.Levels) != 4 ||
			chain.Levels[0].Staff[0].Name != "张三" || len(chain.Levels[3].Staff) != 0 || !strings.Contains(body, `"staff":[]`) {
			t.Fatalf("chain: %d %s", status, body)
		}
		if status, body := a.call("PUT", "/api/v1/staff/"+itoa(people[0].ID), map[string]any{"on_duty": false}, nil); status != 200 {
			t.Fatalf("off duty: %d %s", status, body)
		}
		if status, _ := a.call("DELETE", "/api/v1/staff/"+itoa(people[2].ID), nil, nil); status != http.StatusNoContent {
			t.Fatalf("deactivate staff: %d", status)
		}
		if _, body := a.call("GET", "/api/v1/stores/"+itoa(sh.ID)+"/chain", nil, &chain); !chain.Levels[0].Fallback || len(chain.Levels[1].Staff) != 0 {
			t.Fatalf("chain after changes: %s", body)
		}
		if status, _ := a.call("DELETE", "/api/v1/stores/"+itoa(sh.ID), nil, nil); status != http.StatusNoContent {
			t.Fatalf("deactivate store: %d", status)
		}
		if a.call("GET", "/api/v1/stores/"+itoa(sh.ID), nil, &sh); sh.Active {
			t.Fatal("store still active")
		}
	})
}

func TestOrgAPI_BadInput(t *testing.T) {
	db := storagetest.SQLite(t)
	a := newDirectoryAPI(t, db, nil)
	var sh org.Shop
	a.call("POST", "/api/v1/stores", map[string]any{"code": "SH001", "name": "店"}, &sh)
	tests := []struct {
		name, method, path string
		body               any
		status             int
		wantIn             string
	}{
		{"store without code", "POST", "/api/v1/stores", map[string]any{"name": "x"}, http.StatusUnprocessableEntity, `"field":"code"`},
		{"duplicate code", "POST", "/api/v1/stores", map[string]any{"code": "SH001", "name": "x"}, http.StatusUnprocessableEntity, "门店编码已存在"},
		{"unknown field", "POST", "/api/v1/stores", map[string]any{"cod": "x"}, http.StatusBadRequest, "cod"},
		{"staff of an unknown store", "POST", "/api/v1/staff", map[string]any{"name": "x", "role": "staff", "store_id": 99}, http.StatusUnprocessableEntity, `"field":"store_id"`},
		{"unknown role", "POST", "/api/v1/staff", map[string]any{"name": "x", "role": "boss"}, http.StatusUnprocessableEntity, `"field":"role"`},
		{"missing store", "GET", "/api/v1/stores/99", nil, http.StatusNotFound, "not_found"},
		{"chain of a missing store", "GET", "/api/v1/stores/99/chain", nil, http.StatusNotFound, "not_found"},
		{"missing staff", "PUT", "/api/v1/staff/99", map[string]any{"name": "x"}, http.StatusNotFound, "not_found"},
		{"bad id", "GET", "/api/v1/staff/x", nil, http.StatusBadRequest, "bad_request"},
		{"bad filter", "GET", "/api/v1/staff?on_duty=maybe", nil, http.StatusBadRequest, "on_duty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := a.call(tt.method, tt.path, tt.body, nil)
			if status != tt.status || !strings.Contains(body, tt.wantIn) {
				t.Fatalf("%d %s, want %d containing %q", status, body, tt.status, tt.wantIn)
			}
		})
	}
}

func TestOrgAPI_NotConfigured(t *testing.T) {
	s := httptest.NewServer(console.New(console.Options{APIToken: token}))
	t.Cleanup(s.Close)
	a := api{t: t, srv: s}
	for _, path := range []string{"/api/v1/stores", "/api/v1/staff", "/api/v1/groups"} {
		if status, body := a.call("GET", path, nil, nil); status != http.StatusServiceUnavailable {
			t.Errorf("GET %s without a store: %d %s, want 503", path, status, body)
		}
	}
}
