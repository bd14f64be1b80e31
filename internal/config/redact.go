package config

import (
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/qunbot/qunbot/internal/storage"
)

// mask replaces a credential. An empty value stays empty so that the output
// still tells an operator which credentials are missing.
const mask = "***"

// LogValue logs c grouped by section with every credential redacted, so
// slog.Any("config", c) is safe.
func (c Config) LogValue() slog.Value {
	var sections []string
	groups := map[string][]slog.Attr{}
	var top []slog.Attr
	for _, o := range options() {
		a := slog.Any(o.leaf(), o.display(c))
		s := o.section()
		if s == "" {
			top = append(top, a)
			continue
		}
		if _, ok := groups[s]; !ok {
			sections = append(sections, s)
		}
		groups[s] = append(groups[s], a)
	}
	attrs := make([]slog.Attr, 0, len(sections)+len(top))
	for _, s := range sections {
		attrs = append(attrs, slog.Attr{Key: s, Value: slog.GroupValue(groups[s]...)})
	}
	return slog.GroupValue(append(attrs, top...)...)
}

// String returns c on one line as key=value pairs with every credential
// redacted, so %v and %+v never leak a secret.
func (c Config) String() string {
	var b strings.Builder
	for i, o := range options() {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(o.Name)
		b.WriteByte('=')
		if v, ok := o.display(c).(string); ok {
			b.WriteString(strconv.Quote(v))
		} else {
			b.WriteString(o.get(c))
		}
	}
	return b.String()
}

// GoString makes %#v redact as well.
func (c Config) GoString() string {
	return "config.Config{" + c.String() + "}"
}

// display returns the option's value as it may be shown: typed when it is
// not sensitive, redacted text otherwise.
func (o option) display(c Config) any {
	switch {
	case o.redact != nil:
		return o.redact(c, o.get(c))
	case o.Secret:
		return maskUnlessEmpty(o.get(c))
	default:
		return o.value(c)
	}
}

// maskUnlessEmpty hides a credential but shows that it is unset.
func maskUnlessEmpty(v string) string {
	if v == "" {
		return ""
	}
	return mask
}

// redactDSN hides the password of a MySQL DSN and keeps the rest (user,
// host, database) visible. A SQLite DSN is a file path with no credential.
// A DSN that does not parse is hidden whole: its password cannot be found.
func redactDSN(c Config, dsn string) string {
	if dsn == "" || c.Database.Driver == storage.DriverSQLite {
		return dsn
	}
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		return mask
	}
	if cfg.Passwd != "" {
		cfg.Passwd = mask
	}
	return cfg.FormatDSN()
}

// redactURL hides a URL's password and its query values, where webhook URLs
// carry their keys. A URL that does not parse is hidden whole.
func redactURL(_ Config, raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return mask
	}
	names := slices.Sorted(maps.Keys(u.Query()))
	for i, k := range names {
		names[i] = url.QueryEscape(k) + "=" + mask
	}
	u.RawQuery = strings.Join(names, "&")
	u.Fragment, u.RawFragment = "", ""
	return u.Redacted()
}

// Setting is one key with the value in force as it may be shown: every
// credential redacted ("***", or "" when unset).
type Setting struct {
	Key
	Value any `json:"value"`
}

// Settings lists every key with its value in force, credentials redacted,
// for the console's settings page.
func (c Config) Settings() []Setting {
	opts := options()
	out := make([]Setting, len(opts))
	for i, o := range opts {
		out[i] = Setting{Key: o.Key, Value: o.display(c)}
	}
	return out
}
