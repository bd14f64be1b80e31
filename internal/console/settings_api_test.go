package console_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/audit"
	"github.com/qunbot/qunbot/internal/config"
	"github.com/qunbot/qunbot/internal/console"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
)

func TestSettingsAPI(t *testing.T) {
	cfg, err := config.Load("", func(k string) string {
		return map[string]string{"QUNBOT_WECOM_SECRET": "top-secret-value", "QUNBOT_CONSOLE_API_TOKEN": token}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		check  func(context.Context) error
		status int
		want   string
	}{
		{"not configured", nil, 503, "未配置"},
		{"refused", func(context.Context) error { return errors.New("errcode 60020: not allow to access from your ip") }, 200, `"ok":false`},
		{"connected", func(context.Context) error { return nil }, 200, `"ok":true`},
	} {
		srv := httptest.NewServer(console.New(console.Options{APIToken: token, Settings: cfg.Settings(), WeComCheck: tt.check}))
		a := api{t: t, srv: srv}
		if status, body := a.call("POST", "/api/v1/settings/wecom/test", nil, nil); status != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s, want %d with %s", tt.name, status, body, tt.status, tt.want)
		}
		status, body := a.call("GET", "/api/v1/settings", nil, nil)
		if status != 200 || !strings.Contains(body, `"name":"wecom.secret"`) || strings.Contains(body, "top-secret-value") || !strings.Contains(body, `"value":"***"`) {
			t.Errorf("settings: %d %s", status, body)
		}
		srv.Close()
	}
}

// TestSettingsAPI_TryCredentials tries credentials that are not in force
// against a fake WeCom; the audit log keeps the try without the keys.
func TestSettingsAPI_TryCredentials(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		fake := wecomtest.New(wecomtest.WithCorp("wwnew", "new-app-secret"))
		t.Cleanup(fake.Close)
		log := audit.NewStore(db.DB, nil)
		srv := httptest.NewServer(console.New(console.Options{APIToken: token, Audit: log,
			WeComTry: func(ctx context.Context, c wecom.Credentials) error { return wecom.TryCredentials(ctx, fake.URL, c) }}))
		t.Cleanup(srv.Close)
		a := api{t: t, srv: srv}
		const aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
		for _, tt := range []struct {
			name   string
			body   map[string]any
			status int
			want   string
		}{
			{"works", map[string]any{"corp_id": "wwnew", "secret": "new-app-secret", "token": "tok", "encoding_aes_key": aesKey}, 200, `"ok":true`},
			{"refused", map[string]any{"corp_id": "wwnew", "secret": "wrong-secret"}, 200, `"ok":false`},
			{"missing secret", map[string]any{"corp_id": "wwnew"}, 422, `"field":"secret"`},
			{"bad key", map[string]any{"corp_id": "wwnew", "secret": "new-app-secret", "token": "tok", "encoding_aes_key": "short"}, 422, `"field":"encoding_aes_key"`},
			{"no body", nil, 422, `"field":"corp_id"`},
		} {
			if status, body := a.call("POST", "/api/v1/settings/wecom/try", tt.body, nil); status != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("%s: %d %s, want %d with %s", tt.name, status, body, tt.status, tt.want)
			}
		}
		entries, _, err := log.List(t.Context(), audit.Filter{Limit: 10})
		if err != nil || len(entries) == 0 {
			t.Fatalf("audit: %v %v", entries, err)
		}
		for _, e := range entries {
			if s := string(e.After); strings.Contains(s, "new-app-secret") || strings.Contains(s, aesKey) || strings.Contains(s, `"tok"`) {
				t.Errorf("audit entry keeps a key: %s", s)
			}
		}
		if s := string(entries[len(entries)-1].After); !strings.Contains(s, `"corp_id":"wwnew"`) {
			t.Errorf("audit entry of the first try: %s", s)
		}
	})
}
