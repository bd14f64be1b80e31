// Package mail sends plain-text mail over SMTP as an outbox route: the
// outbox keeps the intent durable and retries it; this package only
// speaks SMTP (STARTTLS when the server offers it, PLAIN auth when a user is
// configured).
package mail

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// API is the outbox api of a mail.
const API = "mail/send"

// Message is the outbox payload of API.
type Message struct {
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	Body    string   `json:"body"`
}

// Config is the SMTP server and sender: config keys mail.host, mail.port,
// mail.user, mail.pass, mail.from.
type Config struct {
	Host string
	Port int // [587]
	User string
	Pass string
	From string
	// Timeout bounds one whole send [30s].
	Timeout time.Duration
	// TLS is used for STARTTLS; nil means verify Host.
	TLS *tls.Config
}

// ErrInvalid marks a payload or configuration that no retry can fix.
var ErrInvalid = errors.New("invalid mail")

// Sender sends mail through one SMTP server.
type Sender struct {
	cfg  Config
	now  func() time.Time
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// New returns a Sender for cfg; now is the clock of the Date header (nil:
// time.Now).
func New(cfg Config, now func() time.Time) (*Sender, error) {
	if cfg.Host == "" || cfg.From == "" {
		return nil, fmt.Errorf("mail: host and from are required (mail.host, mail.from): %w", ErrInvalid)
	}
	if _, err := mail.ParseAddress(cfg.From); err != nil {
		return nil, fmt.Errorf("mail.from %q: %w", cfg.From, ErrInvalid)
	}
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if now == nil {
		now = time.Now
	}
	d := &net.Dialer{}
	return &Sender{cfg: cfg, now: now, dial: d.DialContext}, nil
}

// permanent is an error the outbox must not retry.
type permanent struct{ error }

func (permanent) Temporary() bool { return false }
func (p permanent) Unwrap() error { return p.error }

// temporary is an error the outbox retries: net errors say Temporary()
// false for a refused connection, which would otherwise fail the mail.
type temporary struct{ error }

func (temporary) Temporary() bool { return true }
func (t temporary) Unwrap() error { return t.error }

// Send is the outbox Sender of API: payload is a Message as JSON. A bad
// payload and a 5xx answer of the server are permanent; the rest is
// retried.
func (s *Sender) Send(ctx context.Context, payload []byte) ([]byte, error) {
	var m Message
	if err := json.Unmarshal(payload, &m); err != nil {
		return nil, permanent{fmt.Errorf("send mail: payload is not a mail message: %w", ErrInvalid)}
	}
	if err := validate(m); err != nil {
		return nil, permanent{fmt.Errorf("send mail: %w", err)}
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if err := s.send(ctx, m); err != nil {
		var tp *textproto.Error
		if errors.As(err, &tp) && tp.Code >= 500 {
			return nil, permanent{err}
		}
		return nil, temporary{err}
	}
	return []byte(`{"sent":` + strconv.Itoa(len(m.To)) + `}`), nil
}

func validate(m Message) error {
	if len(m.To) == 0 {
		return fmt.Errorf("no recipient: %w", ErrInvalid)
	}
	for _, to := range m.To {
		if _, err := mail.ParseAddress(to); err != nil || strings.ContainsAny(to, "\r\n") {
			return fmt.Errorf("recipient %q is not an address: %w", to, ErrInvalid)
		}
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return fmt.Errorf("subject has a line break: %w", ErrInvalid)
	}
	return nil
}

// smtpErr wraps err with the SMTP step that failed.
func smtpErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("smtp %s: %w", op, err)
}

func (s *Sender) send(ctx context.Context, m Message) error {
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	conn, err := s.dial(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp dial %s: %w", addr, err)
	}
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		conn.Close()
		return smtpErr("greeting", err)
	}
	defer c.Close()
	if err := s.hello(c); err != nil {
		return err
	}
	if err := s.envelope(c, m); err != nil {
		return err
	}
	return smtpErr("quit", c.Quit())
}

// hello starts TLS when offered and authenticates when a user is set.
func (s *Sender) hello(c *smtp.Client) error {
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := s.cfg.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(cfg); err != nil {
			return smtpErr("starttls", err)
		}
	}
	if s.cfg.User == "" {
		return nil
	}
	return smtpErr("auth", c.Auth(smtp.PlainAuth("", s.cfg.User, s.cfg.Pass, s.cfg.Host)))
}

func (s *Sender) envelope(c *smtp.Client, m Message) error {
	from, _ := mail.ParseAddress(s.cfg.From)
	if err := c.Mail(from.Address); err != nil {
		return smtpErr("mail from", err)
	}
	for _, to := range m.To {
		a, _ := mail.ParseAddress(to)
		if err := c.Rcpt(a.Address); err != nil {
			return smtpErr("rcpt to "+a.Address, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return smtpErr("data", err)
	}
	if _, err := w.Write(s.render(m)); err != nil {
		return smtpErr("write", err)
	}
	return smtpErr("end data", w.Close())
}

// render is the message: UTF-8 headers and a base64 plain-text body.
func (s *Sender) render(m Message) []byte {
	var b strings.Builder
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", s.cfg.From)
	header("To", strings.Join(m.To, ", "))
	header("Subject", mime.BEncoding.Encode("UTF-8", m.Subject))
	header("Date", s.now().Format(time.RFC1123Z))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(m.Body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return []byte(b.String())
}
