package config

import (
	"reflect"
	"strings"
	"testing"
)

// leafField is one settable field of Config found by reflection.
type leafField struct {
	path string // "WeCom.EncodingAESKey"
	addr uintptr
}

// leafFields lists every non-struct field of *c, depth first.
func leafFields(v reflect.Value, prefix string) []leafField {
	var out []leafField
	for i := range v.NumField() {
		f, sf := v.Field(i), v.Type().Field(i)
		if f.Kind() == reflect.Struct {
			out = append(out, leafFields(f, prefix+sf.Name+".")...)
			continue
		}
		out = append(out, leafField{path: prefix + sf.Name, addr: f.Addr().Pointer()})
	}
	return out
}

// squash turns "WeCom.EncodingAESKey" and "wecom.encoding_aes_key" into the
// same "wecom.encodingaeskey", so a key pointing at the wrong field fails.
func squash(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "_", ""))
}

// TestKeys_coverConfig fails when a Config field has no option (or an
// option points at a field whose name does not match its key).
func TestKeys_coverConfig(t *testing.T) {
	var c Config
	byAddr := map[uintptr]option{}
	for _, o := range options() {
		addr := reflect.ValueOf(o.field(&c)).Pointer()
		if prev, dup := byAddr[addr]; dup {
			t.Errorf("%s and %s set the same field", prev.Name, o.Name)
		}
		byAddr[addr] = o
	}
	fields := leafFields(reflect.ValueOf(&c).Elem(), "")
	for _, f := range fields {
		o, ok := byAddr[f.addr]
		if !ok {
			t.Errorf("Config.%s has no entry in the option table", f.path)
			continue
		}
		if squash(f.path) != squash(o.Name) {
			t.Errorf("option %s sets Config.%s", o.Name, f.path)
		}
	}
	if len(byAddr) != len(fields) {
		t.Errorf("%d options for %d fields", len(byAddr), len(fields))
	}
}

func TestKeys(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Keys() {
		if seen[k.Name] {
			t.Errorf("%s listed twice", k.Name)
		}
		seen[k.Name] = true
		if want := "QUNBOT_" + strings.ToUpper(strings.ReplaceAll(k.Name, ".", "_")); k.Env != want {
			t.Errorf("%s: Env = %q, want %q", k.Name, k.Env, want)
		}
		if k.Doc == "" || strings.Contains(k.Doc, "\n") {
			t.Errorf("%s: Doc must be one line, got %q", k.Name, k.Doc)
		}
	}
	for _, name := range []string{"wecom.api_base", "wecom.encoding_aes_key", "database.dsn", "demo"} {
		if !seen[name] {
			t.Errorf("Keys() lacks %s", name)
		}
	}
}

// TestKeys_secrets pins which keys are credentials, so a new secret is a
// deliberate choice.
func TestKeys_secrets(t *testing.T) {
	want := []string{"console.api_token", "console.admin_password", "console.session_secret", "database.dsn", "wecom.token", "wecom.encoding_aes_key", "wecom.secret", "wecom.contact_secret",
		"aibot.token", "aibot.encoding_aes_key", "wechat.app_secret", "wechat.token", "wechat.encoding_aes_key", "bridge.secret", "mail.password", "tickets.fallback_webhook_key"}
	var got []string
	for _, k := range Keys() {
		if k.Secret {
			got = append(got, k.Name)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("secret keys = %v, want %v", got, want)
	}
}

// TestKeys_defaultsLoad checks that every default parses into its field,
// the assumption applyDefaults relies on.
func TestKeys_defaultsLoad(t *testing.T) {
	for _, o := range options() {
		if o.Default == "" {
			continue
		}
		var c Config
		if err := o.set(&c, o.Default); err != nil {
			t.Errorf("%s: default %q: %v", o.Name, o.Default, err)
		}
		if o.check != nil {
			if err := o.check(o.Default); err != nil {
				t.Errorf("%s: default %q fails its own check: %v", o.Name, o.Default, err)
			}
		}
	}
}
