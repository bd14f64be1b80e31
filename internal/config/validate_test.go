package config

import (
	"strings"
	"testing"
)

// valid returns a configuration for a real corp that passes Validate.
func valid() Config {
	return demoOff(withRealCorp(defaults()))
}

func TestValidate(t *testing.T) {
	badKey := "abcdefghijklmnopqrstuvwxyz0123456789ABCDE!G" // 43 characters, not base64
	tests := []struct {
		name   string
		change func(*Config)
		want   []string // nil: valid
	}{
		{name: "valid", change: func(*Config) {}},
		{name: "demo_defaults", change: func(c *Config) { *c = defaults() }},
		{name: "mysql_dsn", change: func(c *Config) { c.Database.Driver, c.Database.DSN = "mysql", "u:p@tcp(db:3306)/qunbot" }},
		{name: "optional_keys_empty", change: func(c *Config) { c.Redis.Addr, c.Bridge.SendURL, c.WeChat.EncodingAESKey = "", "", "" }},
		{name: "wecom_aes_key_short", change: func(c *Config) { c.WeCom.EncodingAESKey = "abc" }, want: []string{"wecom.encoding_aes_key: must be 43 characters, got 3"}},
		{name: "wecom_aes_key_not_base64", change: func(c *Config) { c.WeCom.EncodingAESKey = badKey }, want: []string{"wecom.encoding_aes_key", "base64"}},
		{name: "aibot_aes_key_bad", change: func(c *Config) { c.AIBot.Token, c.AIBot.EncodingAESKey = "t", badKey }, want: []string{"aibot.encoding_aes_key", "base64"}},
		{name: "wechat_aes_key_bad", change: func(c *Config) { c.WeChat.EncodingAESKey = strings.Repeat("a", 44) }, want: []string{"wechat.encoding_aes_key: must be 43 characters, got 44"}},
		{name: "unknown_driver", change: func(c *Config) { c.Database.Driver = "postgres" }, want: []string{"database.driver", `"postgres"`, "sqlite, mysql"}},
		{name: "mysql_dsn_does_not_parse", change: func(c *Config) { c.Database.Driver, c.Database.DSN = "mysql", "u:p@tcp(db:3306" }, want: []string{"database.dsn"}},
		{name: "mysql_dsn_without_database", change: func(c *Config) { c.Database.Driver, c.Database.DSN = "mysql", "u:p@tcp(db:3306)/" }, want: []string{"database.dsn", "names no database"}},
		{name: "mysql_dsn_empty", change: func(c *Config) { c.Database.Driver, c.Database.DSN = "mysql", "" }, want: []string{"database.dsn: required"}},
		{name: "http_addr_without_port", change: func(c *Config) { c.HTTP.Addr = "8080" }, want: []string{"http.addr", "host:port"}},
		{name: "http_addr_empty_port", change: func(c *Config) { c.HTTP.Addr = "localhost:" }, want: []string{"http.addr", "no port"}},
		{name: "mail_without_from", change: func(c *Config) { c.Mail.Host = "smtp.example.com" }, want: []string{"mail.from", "required"}},
		{name: "console_api_token_short", change: func(c *Config) { c.Console.APIToken = "short" }, want: []string{"console.api_token", "at least 24"}},
		{name: "console_addr_bad", change: func(c *Config) { c.Console.Addr = "localhost" }, want: []string{"console.addr", "host:port"}},
		{name: "redis_addr_bad", change: func(c *Config) { c.Redis.Addr = "redis" }, want: []string{"redis.addr", "host:port"}},
		{name: "agent_id_negative", change: func(c *Config) { c.WeCom.AgentID = -1 }, want: []string{"wecom.agent_id", "negative"}},
		{name: "api_base_not_http", change: func(c *Config) { c.WeCom.APIBase = "ftp://qyapi.weixin.qq.com" }, want: []string{"wecom.api_base", "http(s) URL"}},
		{name: "api_base_no_host", change: func(c *Config) { c.WeCom.APIBase = "qyapi.weixin.qq.com" }, want: []string{"wecom.api_base", "http(s) URL"}},
		{name: "api_base_empty", change: func(c *Config) { c.WeCom.APIBase = "" }, want: []string{"wecom.api_base"}},
		{name: "api_base_does_not_parse", change: func(c *Config) { c.WeCom.APIBase = "http://[::1" }, want: []string{"wecom.api_base"}},
		{name: "send_url_bad", change: func(c *Config) { c.Bridge.SendURL = "bridge.example.com/send?key=s3cr3t" }, want: []string{"bridge.send_url", "http(s) URL"}},
		{name: "log_level_unknown", change: func(c *Config) { c.Log.Level = "verbose" }, want: []string{"log.level", `"verbose"`, "debug, info, warn, error"}},
		{name: "log_format_unknown", change: func(c *Config) { c.Log.Format = "xml" }, want: []string{"log.format", `"xml"`}},
		{name: "corp_id_required_outside_demo", change: func(c *Config) { c.WeCom.CorpID = "" }, want: []string{"wecom.corp_id: required"}},
		{name: "token_required_outside_demo", change: func(c *Config) { c.WeCom.Token = "" }, want: []string{"wecom.token: required"}},
		{name: "aes_key_required_outside_demo", change: func(c *Config) { c.WeCom.EncodingAESKey = "" }, want: []string{"wecom.encoding_aes_key: required"}},
		{name: "aibot_token_without_key", change: func(c *Config) { c.AIBot.Token = "t" }, want: []string{"aibot.encoding_aes_key: required"}},
		{name: "aibot_key_without_token", change: func(c *Config) { c.AIBot.EncodingAESKey = DemoAIBotEncodingAESKey }, want: []string{"aibot.token: required"}},
		{
			name: "every_problem_at_once",
			change: func(c *Config) {
				c.HTTP.Addr, c.Log.Level, c.WeCom.CorpID, c.Database.Driver = "x", "loud", "", "pg"
			},
			want: []string{"http.addr", "log.level", "wecom.corp_id", "database.driver"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.change(&c)
			err := c.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate(%v) = nil, want an error", c)
			}
			assertMentions(t, err, tt.want)
		})
	}
}

// TestValidate_neverEchoesSecrets checks that messages about credentials
// and URLs do not repeat the value.
func TestValidate_neverEchoesSecrets(t *testing.T) {
	c := valid()
	c.WeCom.EncodingAESKey = "SECRETabcdefghijklmnopqrstuvwxyz0123456789!"
	c.Bridge.SendURL = "bridge/send?key=SECRETKEY"
	c.Database.Driver, c.Database.DSN = "mysql", "u:SECRETPW@tcp(db:3306"
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate = nil, want errors")
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("error echoes a secret: %v", err)
	}
}

func TestDemoKeysAreValid(t *testing.T) {
	for name, key := range map[string]string{
		"DemoEncodingAESKey":      DemoEncodingAESKey,
		"DemoAIBotEncodingAESKey": DemoAIBotEncodingAESKey,
	} {
		if err := aesKey(key); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
