package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/qunbot/qunbot/internal/storage"
)

// envPrefix starts the name of every environment variable qunbot reads.
const envPrefix = "QUNBOT_"

// Key describes one configuration option: its name in the YAML file, the
// environment variable that overrides it, its default and whether it holds a
// credential. The README and `bot config` print this table.
type Key struct {
	Name    string `json:"name"`    // dotted path in the YAML file, e.g. "wecom.api_base"
	Env     string `json:"env"`     // overriding environment variable, e.g. "QUNBOT_WECOM_API_BASE"
	Default string `json:"default"` // value used when neither the file nor the environment sets it
	Secret  bool   `json:"secret"`  // a credential (for the DSN: its password), never printed
	Doc     string `json:"doc"`     // one line for operators
}

// option is a Key plus what the loader and the validator need: where the
// value lives in Config, how to check it and how to show it.
type option struct {
	Key
	field  func(*Config) any               // *string, *int or *bool inside Config
	when   func(Config) bool               // nil: Default always applies to an unset value
	check  func(string) error              // nil: any value is fine
	redact func(c Config, v string) string // nil: printed as is (unless Secret)
}

// options is the table of every key qunbot understands, in the order the
// example file documents them. It is built on each call so that nothing in
// the package is shared mutable state.
func options() []option {
	return withEnv([]option{
		{Key: Key{Name: "http.addr", Default: ":8080", Doc: "Address cmd/bot listens on for WeCom callbacks, the bridge, /healthz and /metrics."},
			field: func(c *Config) any { return &c.HTTP.Addr }, check: hostPort},
		{Key: Key{Name: "console.addr", Default: ":8081", Doc: "Address cmd/console listens on for the web console and /api/v1."},
			field: func(c *Config) any { return &c.Console.Addr }, check: hostPort},
		{Key: Key{Name: "console.api_token", Secret: true, Doc: "Bearer token for integrations calling /api/v1 (at least 24 characters); empty turns token access off."},
			field: func(c *Config) any { return &c.Console.APIToken }, check: optional(minLength(24))},
		{Key: Key{Name: "console.public_url", Doc: "The console's address as staff's browsers reach it (https://console.example.com): links in ticket notifications, the chat toolbar's JS-SDK signatures and OAuth."},
			field: func(c *Config) any { return &c.Console.PublicURL }, check: optional(httpURL)},
		{Key: Key{Name: "console.admin_password", Secret: true, Doc: "Password of the first admin, used only when the database has no users yet; empty prints a one-time password instead."},
			field: func(c *Config) any { return &c.Console.AdminPassword }, check: optional(minLength(10))},
		{Key: Key{Name: "console.session_secret", Secret: true, Doc: "Key signing the chat toolbar's WeCom sign-in cookie (at least 32 characters); the same on every console replica."},
			field: func(c *Config) any { return &c.Console.SessionSecret }, check: optional(minLength(32))},
		{Key: Key{Name: "database.driver", Default: storage.DriverSQLite, Doc: "Database engine: sqlite (embedded, the default) or mysql (production, several replicas)."},
			field: func(c *Config) any { return &c.Database.Driver }, check: oneOf(storage.DriverSQLite, storage.DriverMySQL)},
		{Key: Key{Name: "database.dsn", Default: storage.DefaultSQLitePath, Secret: true, Doc: "SQLite file path (default data/qunbot.db), or MySQL DSN user:pass@tcp(host:3306)/qunbot (required for mysql)."},
			field: func(c *Config) any { return &c.Database.DSN }, when: isSQLite, redact: redactDSN},
		{Key: Key{Name: "wecom.corp_id", Doc: "WeCom corp ID (我的企業(yè) → 企業(yè)ID); leave empty to run in demo mode."},
			field: func(c *Config) any { return &c.WeCom.CorpID }},
		{Key: Key{Name: "wecom.token", Secret: true, Doc: "Token of the self-built app's callback (接收消息 → Token)."},
			field: func(c *Config) any { return &c.WeCom.Token }},
		{Key: Key{Name: "wecom.encoding_aes_key", Secret: true, Doc: "EncodingAESKey of the app's callback: 43 characters."},
			field: func(c *Config) any { return &c.WeCom.EncodingAESKey }, check: optional(aesKey)},
		{Key: Key{Name: "wecom.agent_id", Doc: "AgentId of the self-built app that sends app messages to staff."},
			field: func(c *Config) any { return &c.WeCom.AgentID }, check: nonNegative},
		{Key: Key{Name: "wecom.secret", Secret: true, Doc: "Secret of the self-built app (its access token)."},
			field: func(c *Config) any { return &c.WeCom.Secret }},
		{Key: Key{Name: "wecom.contact_secret", Secret: true, Doc: "Secret of 客戶聯(lián)系 (customer contact) for the externalcontact and groupchat APIs."},
			field: func(c *Config) any { return &c.WeCom.ContactSecret }},
		{Key: Key{Name: "wecom.api_base", Default: "https://qyapi.weixin.qq.com", Doc: "Base URL of the WeCom API; change it for private deployments or an egress proxy."},
			field: func(c *Config) any { return &c.WeCom.APIBase }, check: httpURL, redact: redactURL},
		{Key: Key{Name: "aibot.token", Secret: true, Doc: "Token of the 智能機器人 (AI bot) in API mode; empty turns the AI bot channel off."},
			field: func(c *Config) any { return &c.AIBot.Token }},
		{Key: Key{Name: "aibot.encoding_aes_key", Secret: true, Doc: "EncodingAESKey of the AI bot: 43 characters."},
			field: func(c *Config) any { return &c.AIBot.EncodingAESKey }, check: optional(aesKey)},
		{Key: Key{Name: "wechat.app_id", Doc: "AppID of the WeChat Official Account; empty turns that channel off."},
			field: func(c *Config) any { return &c.WeChat.AppID }},
		{Key: Key{Name: "wechat.app_secret", Secret: true, Doc: "AppSecret of the Official Account."},
			field: func(c *Config) any { return &c.WeChat.AppSecret }},
		{Key: Key{Name: "wechat.token", Secret: true, Doc: "Token of the Official Account's server configuration (服務(wù)器配置)."},
			field: func(c *Config) any { return &c.WeChat.Token }},
		{Key: Key{Name: "wechat.encoding_aes_key", Secret: true, Doc: "EncodingAESKey of the Official Account (safe mode): 43 characters; empty for plaintext mode."},
			field: func(c *Config) any { return &c.WeChat.EncodingAESKey }, check: optional(aesKey)},
		{Key: Key{Name: "bridge.secret", Secret: true, Doc: "Shared HMAC secret that signs bridge requests in both directions."},
			field: func(c *Config) any { return &c.Bridge.Secret }},
		{Key: Key{Name: "bridge.send_url", Doc: "URL of the bridge's send webhook; empty means nothing is sent through a bridge."},
			field: func(c *Config) any { return &c.Bridge.SendURL }, check: optional(httpURL), redact: redactURL},
		{Key: Key{Name: "redis.addr", Doc: "Redis host:port for shared locks and rate limits across replicas; empty uses the database."},
			field: func(c *Config) any { return &c.Redis.Addr }, check: optional(hostPort)},
		{Key: Key{Name: "mail.host", Doc: "SMTP server for ticket mail (STARTTLS when offered); empty sends no mail."},
			field: func(c *Config) any { return &c.Mail.Host }},
		{Key: Key{Name: "mail.port", Doc: "SMTP port; 0 means 587 (submission with STARTTLS)."},
			field: func(c *Config) any { return &c.Mail.Port }, check: nonNegative},
		{Key: Key{Name: "mail.user", Doc: "SMTP user; empty sends without authentication."},
			field: func(c *Config) any { return &c.Mail.User }},
		{Key: Key{Name: "mail.password", Secret: true, Doc: "SMTP password."},
			field: func(c *Config) any { return &c.Mail.Password }},
		{Key: Key{Name: "mail.from", Doc: "Sender address of ticket mail, e.g. qunbot@example.com (required with mail.host)."},
			field: func(c *Config) any { return &c.Mail.From }},
		{Key: Key{Name: "tickets.fallback_userids", Doc: "WeCom user ids (comma-separated) told of tickets no store chain can take: unmapped groups, a chain with no next level."},
			field: func(c *Config) any { return &c.Tickets.FallbackUserIDs }},
		{Key: Key{Name: "tickets.fallback_webhook_key", Secret: true, Doc: "Key of the 消息推送 webhook of the operators' staff group, told of the same tickets."},
			field: func(c *Config) any { return &c.Tickets.FallbackWebhookKey }},
		{Key: Key{Name: "livecode.alert_userids", Doc: "WeCom user ids (comma-separated) of the operators told when a live code's pool runs low or out, or a group leaves it."},
			field: func(c *Config) any { return &c.LiveCode.AlertUserIDs }},
		{Key: Key{Name: "log.level", Default: "info", Doc: "Lowest log level written: debug, info, warn or error."},
			field: func(c *Config) any { return &c.Log.Level }, check: oneOf("debug", "info", "warn", "error")},
		{Key: Key{Name: "log.format", Default: "json", Doc: "Log format: json or text."},
			field: func(c *Config) any { return &c.Log.Format }, check: oneOf("json", "text")},
		{Key: Key{Name: "demo", Doc: "Run against an embedded fake WeCom with demo credentials; when unset, on exactly when wecom.corp_id is empty."},
			field: func(c *Config) any { return &c.Demo }},
	})
}

// withEnv fills each option's environment variable from its name, so the
// two never drift apart.
func withEnv(opts []option) []option {
	for i := range opts {
		opts[i].Env = envName(opts[i].Name)
	}
	return opts
}

// envName maps "wecom.api_base" to "QUNBOT_WECOM_API_BASE".
func envName(name string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(name, ".", "_"))
}

// Keys returns the table of every configuration option, in documentation
// order.
func Keys() []Key {
	opts := options()
	keys := make([]Key, len(opts))
	for i, o := range opts {
		keys[i] = o.Key
	}
	return keys
}

// set parses raw into the option's field of c.
func (o option) set(c *Config, raw string) error {
	switch p := o.field(c).(type) {
	case *string:
		*p = raw
	case *int:
		n, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil {
			return fmt.Errorf("%q is not a number", raw)
		}
		*p = n
	case *bool:
		b, err := strconv.ParseBool(strings.TrimSpace(raw))
		if err != nil {
			return fmt.Errorf("%q is not true or false", raw)
		}
		*p = b
	default:
		return fmt.Errorf("unsupported field type %T", p)
	}
	return nil
}

// value returns the option's field of c with its Go type.
func (o option) value(c Config) any {
	switch p := o.field(&c).(type) {
	case *string:
		return *p
	case *int:
		return *p
	case *bool:
		return *p
	default:
		return fmt.Sprintf("unsupported field type %T", p)
	}
}

// get returns the option's field of c as text, the form validators read.
func (o option) get(c Config) string {
	return fmt.Sprint(o.value(c))
}

// isZero reports whether the option's field of c holds its zero value.
func (o option) isZero(c Config) bool {
	switch v := o.value(c).(type) {
	case string:
		return v == ""
	case int:
		return v == 0
	case bool:
		return !v
	default:
		return false
	}
}

// section returns "wecom" for "wecom.api_base" and "" for a top-level key.
func (o option) section() string {
	section, _, found := strings.Cut(o.Name, ".")
	if !found {
		return ""
	}
	return section
}

// leaf returns "api_base" for "wecom.api_base".
func (o option) leaf() string {
	return o.Name[strings.LastIndex(o.Name, ".")+1:]
}

// isSQLite reports whether the DSN default applies: only SQLite has one.
func isSQLite(c Config) bool {
	return c.Database.Driver == storage.DriverSQLite
}
