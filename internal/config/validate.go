package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/qunbot/qunbot/internal/storage"
)

// aesKeyLen is the length WeCom and WeChat give every EncodingAESKey: 32
// bytes in base64 without its trailing "=".
const aesKeyLen = 43

// Validate reports every problem of c at once, each naming its key, so an
// operator fixes the whole file in one go.
func (c Config) Validate() error {
	var errs []error
	for _, o := range options() {
		if o.check == nil {
			continue
		}
		if err := o.check(o.get(c)); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", o.Name, err))
		}
	}
	errs = append(errs, c.checkDSN())
	errs = append(errs, c.checkRequired()...)
	errs = append(errs, c.checkAIBot())
	if c.Mail.Host != "" && !strings.Contains(c.Mail.From, "@") {
		errs = append(errs, errors.New("mail.from: is required with mail.host (e.g. qunbot@example.com)"))
	}
	return errors.Join(errs...)
}

// checkDSN parses a MySQL DSN the way storage will. A SQLite path is only
// checked when it is opened, because that creates its folder.
func (c Config) checkDSN() error {
	if c.Database.Driver != storage.DriverMySQL {
		return nil
	}
	_, err := storage.MySQLDSN(c.Database.DSN) // its errors already name database.dsn
	return err
}

// checkRequired asks for the app callback credentials a real corp needs;
// demo mode brings its own.
func (c Config) checkRequired() []error {
	if c.Demo {
		return nil
	}
	var errs []error
	for _, req := range []struct{ name, value string }{
		{"wecom.corp_id", c.WeCom.CorpID},
		{"wecom.token", c.WeCom.Token},
		{"wecom.encoding_aes_key", c.WeCom.EncodingAESKey},
	} {
		if req.value == "" {
			errs = append(errs, fmt.Errorf("%s: required when demo is false (set demo: true to try qunbot without a WeCom account)", req.name))
		}
	}
	return errs
}

// checkAIBot rejects a half-configured AI bot: its callbacks are always
// encrypted, so a token without a key (or the reverse) can never work.
func (c Config) checkAIBot() error {
	if (c.AIBot.Token == "") == (c.AIBot.EncodingAESKey == "") {
		return nil
	}
	if c.AIBot.Token == "" {
		return errors.New("aibot.token: required when aibot.encoding_aes_key is set")
	}
	return errors.New("aibot.encoding_aes_key: required when aibot.token is set")
}

// optional lets an empty value through check: the feature is simply off.
func optional(check func(string) error) func(string) error {
	return func(v string) error {
		if v == "" {
			return nil
		}
		return check(v)
	}
}

// minLength accepts values of at least n characters (a token too short to
// resist guessing is refused). It never echoes the value: it may be secret.
func minLength(n int) func(string) error {
	return func(v string) error {
		if len([]rune(v)) < n {
			return fmt.Errorf("must be at least %d characters, got %d", n, len([]rune(v)))
		}
		return nil
	}
}

// oneOf accepts exactly the listed values.
func oneOf(allowed ...string) func(string) error {
	return func(v string) error {
		for _, a := range allowed {
			if v == a {
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %s", v, strings.Join(allowed, ", "))
	}
}

// hostPort accepts what net.Listen and redis accept: host:port, or :port for
// every interface.
func hostPort(v string) error {
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return fmt.Errorf("%q is not host:port (e.g. :8080 or 127.0.0.1:8080)", v)
	}
	if port == "" {
		return fmt.Errorf("%q has no port", v)
	}
	return nil
}

// aesKey accepts an EncodingAESKey as the WeCom and WeChat consoles generate
// it. The key itself is never echoed: it is a credential.
func aesKey(v string) error {
	if len(v) != aesKeyLen {
		return fmt.Errorf("must be %d characters, got %d", aesKeyLen, len(v))
	}
	key, err := base64.StdEncoding.DecodeString(v + "=")
	if err != nil || len(key) != 32 {
		return errors.New("is not the base64 of a 32-byte key (copy it again from the console)")
	}
	return nil
}

// nonNegative accepts an ID that is unset (0) or positive.
func nonNegative(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil {
		return fmt.Errorf("%q is not a number", v)
	}
	if n < 0 {
		return fmt.Errorf("%d is negative", n)
	}
	return nil
}

// httpURL accepts an absolute http or https URL. The value is not echoed
// because a webhook URL may carry a key.
func httpURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("is not an http(s) URL (e.g. https://example.com)")
	}
	return nil
}
