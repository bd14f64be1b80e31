// Package config loads qunbot's configuration: built-in defaults, then a YAML
// file, then QUNBOT_* environment variables, then validation of the whole.
//
// Every option lives in one table (see Keys) that drives parsing, the
// environment names, validation, redaction and the documentation, so adding
// an option is one entry.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// DefaultPath is the file Load reads when it is given no path and the file
// exists.
const DefaultPath = "configs/config.yaml"

// Config is the validated configuration of cmd/bot and cmd/console. Print it
// with %v or log it with slog: both redact every credential.
type Config struct {
	HTTP     struct{ Addr string }
	Console  struct{ Addr, PublicURL, APIToken, AdminPassword, SessionSecret string }
	Database struct{ Driver, DSN string }
	WeCom    struct {
		CorpID, Token, EncodingAESKey  string
		AgentID                        int
		Secret, ContactSecret, APIBase string
	}
	AIBot  struct{ Token, EncodingAESKey string }
	WeChat struct{ AppID, AppSecret, Token, EncodingAESKey string }
	Bridge struct{ Secret, SendURL string }
	Redis  struct{ Addr string }
	Mail   struct {
		Host           string
		Port           int
		User, Password string
		From           string
	}
	Tickets  struct{ FallbackUserIDs, FallbackWebhookKey string }
	LiveCode struct{ AlertUserIDs string }
	Log      struct{ Level, Format string }
	// Demo runs the bot against an embedded fake WeCom with the Demo*
	// credentials, so a newcomer without a WeCom account can try it.
	Demo bool
}

// Load reads the configuration: defaults, then the YAML file at path (""
// means DefaultPath if it exists, else defaults only), then the environment
// through getenv (QUNBOT_ + the key upper-cased, "." as "_"). It reports every
// problem at once: unknown keys, values that do not parse, failed validation.
func Load(path string, getenv func(string) string) (Config, error) {
	path, err := resolvePath(path)
	if err != nil {
		return Config{}, err
	}
	var c Config
	set := map[string]bool{}
	var errs []error
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("read config file: %w", err)
		}
		fileErrs, err := c.applyYAML(data, path, set)
		if err != nil {
			return Config{}, err
		}
		errs = append(errs, fileErrs...)
	}
	errs = append(errs, c.applyEnv(getenv, set)...)
	c.applyDefaults()
	c.applyDemo(set["demo"])
	errs = append(errs, c.Validate())
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("load config: %w", err)
	}
	return c, nil
}

// resolvePath picks the file to read: "" when there is none. An explicit
// path that does not exist is an error (a typo there must not silently
// start the bot on defaults); the default path is only used if present.
func resolvePath(path string) (string, error) {
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return "", fmt.Errorf("config file %q: %w", path, err)
		}
		return path, nil
	}
	_, err := os.Stat(DefaultPath)
	switch {
	case err == nil:
		return DefaultPath, nil
	case errors.Is(err, fs.ErrNotExist):
		return "", nil
	default:
		return "", fmt.Errorf("config file %q: %w", DefaultPath, err)
	}
}

// applyEnv overrides c with every non-empty QUNBOT_* variable of the table.
// The names come from the table because a generic split of
// QUNBOT_WECOM_API_BASE could not tell a section from an underscore.
func (c *Config) applyEnv(getenv func(string) string, set map[string]bool) []error {
	if getenv == nil {
		return nil
	}
	var errs []error
	for _, o := range options() {
		raw := getenv(o.Env)
		if raw == "" {
			continue
		}
		if err := o.set(c, raw); err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", o.Env, o.Name, err))
			continue
		}
		set[o.Name] = true
	}
	return errs
}

// applyDefaults fills every option still unset with its default. It runs
// after the file and the environment because the DSN default depends on the
// driver they chose.
func (c *Config) applyDefaults() {
	for _, o := range options() {
		if o.Default == "" || !o.isZero(*c) || (o.when != nil && !o.when(*c)) {
			continue
		}
		// Defaults are constants of the table; a test loads each one.
		_ = o.set(c, o.Default)
	}
}

// WeComConfigured reports whether a WeCom app is configured (a corp id and
// the app's secret): without one, nothing calls WeCom's API.
func (c Config) WeComConfigured() bool { return c.WeCom.CorpID != "" && c.WeCom.Secret != "" }

// List reads a comma-separated setting (user ids, say), dropping blanks.
func List(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
