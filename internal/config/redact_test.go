package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// renderings returns c as every path an operator may print it through.
func renderings(t *testing.T, c Config) map[string]string {
	t.Helper()
	var js, txt bytes.Buffer
	slog.New(slog.NewJSONHandler(&js, nil)).Info("start", "config", c)
	slog.New(slog.NewTextHandler(&txt, nil)).Info("start", "config", c)
	var decoded map[string]any
	if err := json.Unmarshal(js.Bytes(), &decoded); err != nil {
		t.Fatalf("slog JSON output does not parse: %v\n%s", err, js.String())
	}
	return map[string]string{
		"slog_json": js.String(),
		"slog_text": txt.String(),
		"%v":        fmt.Sprintf("%v", c),
		"%+v":       fmt.Sprintf("%+v", c),
		"%#v":       fmt.Sprintf("%#v", c),
		"%s":        fmt.Sprintf("%s", c),
		"pointer":   fmt.Sprintf("%+v", &c),
	}
}

func TestRedaction(t *testing.T) {
	withSecrets := func(change func(*Config)) func(t *testing.T) Config {
		return func(t *testing.T) Config {
			c := valid()
			c.WeCom.CorpID, c.WeChat.AppID, c.WeCom.AgentID = "ww-visible", "wx-visible", 1000042
			for _, o := range options() {
				if o.Secret && o.Name != "database.dsn" {
					if err := o.set(&c, "SECRET-"+o.Name); err != nil {
						t.Fatal(err)
					}
				}
			}
			change(&c)
			return c
		}
	}
	tests := []struct {
		name    string
		config  func(t *testing.T) Config
		visible []string
	}{
		{
			name:    "every_secret_key",
			config:  withSecrets(func(*Config) {}),
			visible: []string{"ww-visible", "wx-visible", "1000042", "data/qunbot.db", "qyapi.weixin.qq.com", "***"},
		},
		{
			name: "mysql_dsn_password",
			config: withSecrets(func(c *Config) {
				c.Database.Driver, c.Database.DSN = "mysql", "qunbot:SECRET-pw@tcp(db.internal:3306)/qunbot"
			}),
			visible: []string{"qunbot:***@tcp(db.internal:3306)/qunbot"},
		},
		{
			name: "mysql_dsn_that_does_not_parse",
			config: withSecrets(func(c *Config) {
				c.Database.Driver, c.Database.DSN = "mysql", "qunbot:SECRET-pw@tcp(db.internal:3306"
			}),
		},
		{
			name: "urls_with_credentials",
			config: withSecrets(func(c *Config) {
				c.Bridge.SendURL = "https://bot:SECRET-basic@bridge.example.com/send?key=SECRET-query&b=SECRET-2#SECRET-frag"
				c.WeCom.APIBase = "https://proxy:SECRET-proxy@egress.example.com"
			}),
			visible: []string{"bridge.example.com/send", "key=***", "egress.example.com"},
		},
		{
			name: "unset_secrets_show_as_empty",
			config: func(*testing.T) Config {
				c := valid()
				c.WeCom.Token = "SECRET-token"
				return c
			},
			visible: []string{`wecom.secret=""`, `wecom.token="***"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for how, out := range renderings(t, tt.config(t)) {
				if strings.Contains(out, "SECRET") {
					t.Errorf("%s leaks a secret: %s", how, out)
				}
				if how == "%v" {
					for _, v := range tt.visible {
						if !strings.Contains(out, v) {
							t.Errorf("%s hides %q, which is not a secret: %s", how, v, out)
						}
					}
				}
			}
		})
	}
}

// TestLogValue_grouped checks the shape of the slog output: one group per
// section, typed values, demo at the top.
func TestLogValue_grouped(t *testing.T) {
	var buf bytes.Buffer
	c := valid()
	c.WeCom.AgentID = 1000002
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("start", "config", c)
	var got struct {
		Config struct {
			WeCom struct {
				CorpID  string `json:"corp_id"`
				Token   string `json:"token"`
				AgentID int    `json:"agent_id"`
			} `json:"wecom"`
			Database struct{ Driver string } `json:"database"`
			Demo     *bool                   `json:"demo"`
		} `json:"config"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	w := got.Config.WeCom
	if w.CorpID != c.WeCom.CorpID || w.Token != "***" || w.AgentID != 1000002 || got.Config.Database.Driver != "sqlite" || got.Config.Demo == nil || *got.Config.Demo {
		t.Errorf("slog JSON = %s", buf.String())
	}
}
