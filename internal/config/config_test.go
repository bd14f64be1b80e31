package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// env returns a getenv backed by vars.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// writeConfig writes a YAML file in a fresh folder and returns its path.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The credentials of a real corp in tests.
const (
	realCorpID    = "ww0123456789abcdef"
	realCorpToken = "filetoken"
	realCorpKey   = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
)

// realCorp is a file for a real corp: demo turns itself off.
const realCorp = `
wecom:
  corp_id: ` + realCorpID + `
  token: ` + realCorpToken + `
  encoding_aes_key: ` + realCorpKey + `
`

// withRealCorp sets the real corp's callback credentials.
func withRealCorp(c Config) Config {
	c.WeCom.CorpID, c.WeCom.Token, c.WeCom.EncodingAESKey = realCorpID, realCorpToken, realCorpKey
	return c
}

// demoOff turns demo mode off and clears what it filled in.
func demoOff(c Config) Config {
	c.Demo = false
	c.WeCom.AgentID, c.WeCom.Secret = 0, ""
	c.AIBot.Token, c.AIBot.EncodingAESKey, c.Bridge.Secret = "", "", ""
	return c
}

// loadCase loads file ("" for none) with the variables vars.
func loadCase(t *testing.T, file string, vars map[string]string) (Config, error) {
	t.Helper()
	path := ""
	if file != "" {
		path = writeConfig(t, file)
	}
	return Load(path, env(vars))
}

// assertMentions fails unless err's message contains every one of want.
func assertMentions(t *testing.T, err error, want []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

// defaults is what Load returns with no file and no environment.
func defaults() Config {
	var c Config
	c.HTTP.Addr = ":8080"
	c.Console.Addr = ":8081"
	c.Database.Driver = "sqlite"
	c.Database.DSN = "data/qunbot.db"
	c.WeCom.APIBase = "https://qyapi.weixin.qq.com"
	c.Log.Level = "info"
	c.Log.Format = "json"
	c.Demo = true
	c.WeCom.CorpID = DemoCorpID
	c.WeCom.Token = DemoToken
	c.WeCom.EncodingAESKey = DemoEncodingAESKey
	c.WeCom.AgentID = DemoAgentID
	c.WeCom.Secret = DemoSecret
	c.Bridge.Secret = DemoBridgeSecret
	c.AIBot.Token = DemoAIBotToken
	c.AIBot.EncodingAESKey = DemoAIBotEncodingAESKey
	return c
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name string
		file string // "" means no file
		env  map[string]string
		want func() Config
	}{
		{name: "defaults", want: defaults},
		{
			name: "file_values",
			file: `
http: {addr: "127.0.0.1:9000"}
database:
  driver: mysql
  dsn: "qunbot:pw@tcp(db:3306)/qunbot"
wecom:
  corp_id: ` + realCorpID + `
  token: ` + realCorpToken + `
  encoding_aes_key: ` + realCorpKey + `
  agent_id: 1000005
  secret: s
  contact_secret: cs
  api_base: http://wecom-proxy:8080
log: {level: debug, format: text}
redis: {addr: "redis:6379"}
`,
			want: func() Config {
				c := demoOff(withRealCorp(defaults()))
				c.HTTP.Addr = "127.0.0.1:9000"
				c.Database.Driver, c.Database.DSN = "mysql", "qunbot:pw@tcp(db:3306)/qunbot"
				c.WeCom.AgentID, c.WeCom.Secret, c.WeCom.ContactSecret = 1000005, "s", "cs"
				c.WeCom.APIBase = "http://wecom-proxy:8080"
				c.Log.Level, c.Log.Format = "debug", "text"
				c.Redis.Addr = "redis:6379"
				return c
			},
		},
		{
			name: "env_beats_file",
			file: realCorp + "http: {addr: ':9000'}\n",
			env: map[string]string{
				"QUNBOT_HTTP_ADDR":              ":9100",
				"QUNBOT_WECOM_TOKEN":            "envtoken",
				"QUNBOT_WECOM_ENCODING_AES_KEY": DemoAIBotEncodingAESKey,
				"QUNBOT_WECOM_API_BASE":         "https://wecom.example.com",
				"QUNBOT_WECOM_AGENT_ID":         "42",
				"QUNBOT_DATABASE_DSN":           "other.db",
				"QUNBOT_BRIDGE_SEND_URL":        "https://bridge.example.com/send",
				"QUNBOT_UNRELATED":              "ignored",
			},
			want: func() Config {
				c := demoOff(withRealCorp(defaults()))
				c.HTTP.Addr = ":9100"
				c.Database.DSN = "other.db"
				c.WeCom.Token, c.WeCom.EncodingAESKey = "envtoken", DemoAIBotEncodingAESKey
				c.WeCom.APIBase = "https://wecom.example.com"
				c.WeCom.AgentID = 42
				c.Bridge.SendURL = "https://bridge.example.com/send"
				return c
			},
		},
		{
			name: "empty_sections_and_values_mean_defaults",
			file: "http:\nwecom:\n  corp_id:\n  token: ~\nlog: {level: null}\n",
			want: defaults,
		},
		{
			name: "numeric_looking_strings_stay_text",
			file: "wecom:\n  token: 0123\n",
			want: func() Config {
				c := defaults()
				c.WeCom.Token = "0123"
				return c
			},
		},
		{
			name: "demo_true_keeps_operator_values",
			file: realCorp + "demo: true\n",
			want: func() Config { return withRealCorp(defaults()) },
		},
		{
			name: "demo_from_env",
			file: realCorp,
			env:  map[string]string{"QUNBOT_DEMO": "true"},
			want: func() Config { return withRealCorp(defaults()) },
		},
		{
			name: "corp_id_from_env_turns_demo_off",
			env: map[string]string{
				"QUNBOT_WECOM_CORP_ID":          "ww1",
				"QUNBOT_WECOM_TOKEN":            "t",
				"QUNBOT_WECOM_ENCODING_AES_KEY": DemoEncodingAESKey,
			},
			want: func() Config {
				c := demoOff(defaults())
				c.WeCom.CorpID, c.WeCom.Token = "ww1", "t"
				return c
			},
		},
		{
			name: "yaml_alias",
			file: "http: {addr: &a ':7000'}\nconsole: {addr: *a}\n",
			want: func() Config {
				c := defaults()
				c.HTTP.Addr, c.Console.Addr = ":7000", ":7000"
				return c
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loadCase(t, tt.file, tt.env)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if diff := cmp.Diff(tt.want(), got); diff != "" {
				t.Errorf("Load (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoad_errors(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  map[string]string
		want []string // every one must appear in the error
	}{
		{name: "unknown_key_in_section", file: "wecom:\n  corpid: ww1\n", want: []string{"config.yaml:2:", "wecom.corpid: unknown key", "corp_id"}},
		{name: "unknown_section", file: "wecomm:\n  corp_id: ww1\n", want: []string{"wecomm: unknown key"}},
		{name: "unknown_top_level_key", file: "addr: ':80'\n", want: []string{"addr: unknown key", "http"}},
		{name: "dotted_key", file: "wecom.corp_id: ww1\n", want: []string{"wecom.corp_id: unknown key"}},
		{name: "nested_too_deep", file: "wecom:\n  wecom:\n    corp_id: ww1\n", want: []string{"wecom.wecom: unknown key"}},
		{name: "all_unknown_keys_at_once", file: "http: {adr: ':1'}\nlog: {lvl: info}\n", want: []string{"http.adr", "log.lvl"}},
		{name: "section_given_a_value", file: "wecom: ww1\n", want: []string{"wecom: must be a section"}},
		{name: "value_given_a_list", file: "http:\n  addr: [':1']\n", want: []string{"http.addr: must be a single value"}},
		{name: "agent_id_in_file_not_a_number", file: "wecom: {agent_id: abc}\n", want: []string{"wecom.agent_id", "not a number"}},
		{name: "demo_in_file_not_a_bool", file: "demo: maybe\n", want: []string{"demo:", "not true or false"}},
		{name: "agent_id_from_env_not_a_number", env: map[string]string{"QUNBOT_WECOM_AGENT_ID": "12x"}, want: []string{"QUNBOT_WECOM_AGENT_ID", "wecom.agent_id", "not a number"}},
		{name: "demo_from_env_not_a_bool", env: map[string]string{"QUNBOT_DEMO": "sure"}, want: []string{"QUNBOT_DEMO", "not true or false"}},
		{name: "explicit_demo_false_without_corp", file: "demo: false\n", want: []string{"wecom.corp_id: required", "wecom.token: required", "wecom.encoding_aes_key: required"}},
		{name: "explicit_demo_false_from_env", env: map[string]string{"QUNBOT_DEMO": "false"}, want: []string{"wecom.corp_id: required"}},
		{name: "real_corp_missing_token", file: "wecom: {corp_id: ww1}\n", want: []string{"wecom.token: required", "wecom.encoding_aes_key: required"}},
		{name: "mysql_without_dsn", env: map[string]string{"QUNBOT_DATABASE_DRIVER": "mysql"}, want: []string{"database.dsn: required"}},
		{name: "validation_after_env", env: map[string]string{"QUNBOT_LOG_LEVEL": "loud"}, want: []string{"log.level", `"loud"`}},
		{name: "file_and_validation_problems_together", file: "http: {adr: ':1'}\nlog: {level: loud}\n", want: []string{"http.adr: unknown key", "log.level"}},
		{name: "not_yaml", file: "http: [\n", want: []string{"config.yaml"}},
		{name: "top_level_not_a_mapping", file: "- a\n- b\n", want: []string{"top level"}},
		{name: "duplicate_key", file: "http: {addr: ':1'}\nhttp: {addr: ':2'}\n", want: []string{"config.yaml:2:", "http: set twice"}},
		{name: "unknown_key_behind_alias", file: "x: &a ':7000'\n", want: []string{"x: unknown key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := loadCase(t, tt.file, tt.env)
			if err == nil {
				t.Fatalf("Load = %v, want an error", got)
			}
			assertMentions(t, err, tt.want)
		})
	}
}

func TestLoad_missingExplicitFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(path, env(nil))
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Load(%q) = %v, want a not-exist error naming the file", path, err)
	}
}

func TestLoad_defaultPath(t *testing.T) {
	t.Run("used_when_present", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "configs"), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, DefaultPath), []byte("http: {addr: ':7070'}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Chdir(dir)
		c, err := Load("", env(nil))
		if err != nil || c.HTTP.Addr != ":7070" {
			t.Fatalf("Load(\"\") = %q, %v; want http.addr from %s", c.HTTP.Addr, err, DefaultPath)
		}
	})
	t.Run("defaults_when_absent", func(t *testing.T) {
		t.Chdir(t.TempDir())
		c, err := Load("", env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(defaults(), c); diff != "" {
			t.Errorf("Load(\"\") (-want +got):\n%s", diff)
		}
	})
}

func TestLoad_nilGetenv(t *testing.T) {
	c, err := Load("", nil)
	if err != nil || !c.Demo {
		t.Fatalf("Load with nil getenv = %v, %v; want demo defaults", c, err)
	}
}

// TestShippedConfig loads configs/config.yaml, what a fresh checkout runs.
func TestShippedConfig(t *testing.T) {
	c, err := Load("../../configs/config.yaml", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Demo || c.Database.Driver != "sqlite" || c.Database.DSN != "data/qunbot.db" || c.WeCom.CorpID != DemoCorpID {
		t.Errorf("configs/config.yaml: demo=%v driver=%q dsn=%q corp_id=%q; want demo on SQLite data/qunbot.db",
			c.Demo, c.Database.Driver, c.Database.DSN, c.WeCom.CorpID)
	}
}

// TestExampleConfig keeps configs/config.example.yaml complete: it loads as
// shipped (everything commented out), documents every key and its variable
// exactly once, and its examples, uncommented, form a valid production file.
func TestExampleConfig(t *testing.T) {
	const path = "../../configs/config.example.yaml"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, env(nil)); err != nil {
		t.Fatalf("as shipped: %v", err)
	}
	commented := regexp.MustCompile(`(?m)^(\s*)# ([a-z_]+: .*)$`)
	text := string(data)
	for _, k := range Keys() {
		if n := strings.Count(text, k.Env+"."); n != 1 {
			t.Errorf("%s: its variable %s is documented %d times, want 1", k.Name, k.Env, n)
		}
	}
	uncommented := commented.ReplaceAllString(text, "$1$2")
	c, err := Load(writeConfig(t, uncommented), env(nil))
	if err != nil {
		t.Fatalf("uncommented: %v", err)
	}
	if got, want := len(commented.FindAllString(text, -1)), len(Keys()); got != want {
		t.Errorf("%d commented keys, want one per key (%d)", got, want)
	}
	if c.Demo || c.Database.Driver != "mysql" {
		t.Errorf("uncommented example: demo=%v driver=%q, want a production setup", c.Demo, c.Database.Driver)
	}
}

func TestList(t *testing.T) {
	if got := List(" zhangsan, ,lisi,"); len(got) != 2 || got[0] != "zhangsan" || got[1] != "lisi" {
		t.Fatalf("List = %q", got)
	}
	if got := List(""); got != nil {
		t.Fatalf("List(\"\") = %q, want nil", got)
	}
}
