package console_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/config"
	"github.com/qunbot/qunbot/internal/console"
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
