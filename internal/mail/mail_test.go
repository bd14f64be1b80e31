package mail_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/mail"
)

// fakeSMTP is a tiny SMTP server: it records each session's commands and
// message, and answers RCPT for reject@ with a permanent 550.
type fakeSMTP struct {
	ln   net.Listener
	mu   sync.Mutex
	cmds []string
	data []string
}

func newFakeSMTP(t *testing.T) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go f.serve()
	return f
}

func (f *fakeSMTP) port() int { return f.ln.Addr().(*net.TCPAddr).Port }

func (f *fakeSMTP) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		go f.session(c)
	}
}

func (f *fakeSMTP) session(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(s string) { c.Write([]byte(s + "\r\n")) }
	say("220 fake ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.TrimRight(line, "\r\n")
		f.mu.Lock()
		f.cmds = append(f.cmds, cmd)
		f.mu.Unlock()
		switch up := strings.ToUpper(cmd); {
		case strings.HasPrefix(up, "EHLO"):
			say("250-fake\r\n250 AUTH PLAIN")
		case strings.HasPrefix(up, "AUTH PLAIN"):
			say("235 ok")
		case strings.HasPrefix(up, "RCPT") && strings.Contains(cmd, "reject@"):
			say("550 no such user")
		case strings.HasPrefix(up, "DATA"):
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil || l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			f.mu.Lock()
			f.data = append(f.data, b.String())
			f.mu.Unlock()
			say("250 queued")
		case strings.HasPrefix(up, "QUIT"):
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func TestSender_Send(t *testing.T) {
	f := newFakeSMTP(t)
	s, err := mail.New(mail.Config{Host: "127.0.0.1", Port: f.port(), User: "bot", Pass: "secret", From: "qunbot <bot@example.com>",
		Timeout: 5 * time.Second}, func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) })
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Send(context.Background(), []byte(`{"to":["staff@example.com"],"subject":"【严重】新工单 T1","body":"内容:保养等了三个小时"}`))
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	cmds := strings.Join(f.cmds, "\n")
	for _, want := range []string{"AUTH PLAIN", "MAIL FROM:<bot@example.com>", "RCPT TO:<staff@example.com>", "QUIT"} {
		if !strings.Contains(cmds, want) {
			t.Fatalf("%q missing from %s", want, cmds)
		}
	}
	if len(f.data) != 1 {
		t.Fatalf("%d messages", len(f.data))
	}
	msg := f.data[0]
	if !strings.Contains(msg, "Subject: =?UTF-8?b?") || !strings.Contains(msg, "To: staff@example.com") {
		t.Fatalf("headers: %s", msg)
	}
	body := strings.ReplaceAll(msg[strings.Index(msg, "\r\n\r\n")+4:], "\r\n", "")
	decoded, err := base64.StdEncoding.DecodeString(body)
	if err != nil || string(decoded) != "内容:保养等了三个小时" {
		t.Fatalf("body %q %v", decoded, err)
	}
}

func TestSender_BadInput(t *testing.T) {
	f := newFakeSMTP(t)
	s, err := mail.New(mail.Config{Host: "127.0.0.1", Port: f.port(), From: "bot@example.com"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, payload string
		temporary     bool
	}{
		{"not json", `nope`, false},
		{"no recipient", `{"to":[],"subject":"x","body":"y"}`, false},
		{"bad address", `{"to":["not an address"],"subject":"x","body":"y"}`, false},
		{"header injection", `{"to":["a@example.com"],"subject":"x\r\nBcc: evil@example.com","body":"y"}`, false},
		{"rejected by server", `{"to":["reject@example.com"],"subject":"x","body":"y"}`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Send(context.Background(), []byte(c.payload))
			var tmp interface{ Temporary() bool }
			if err == nil || !errors.As(err, &tmp) || tmp.Temporary() != c.temporary {
				t.Fatalf("err %v", err)
			}
		})
	}
	t.Run("server down is retried", func(t *testing.T) {
		down, _ := mail.New(mail.Config{Host: "127.0.0.1", Port: closedPort(t), From: "bot@example.com"}, nil)
		_, err := down.Send(context.Background(), []byte(`{"to":["a@example.com"],"subject":"x","body":"y"}`))
		var tmp interface{ Temporary() bool }
		if err == nil || (errors.As(err, &tmp) && !tmp.Temporary()) {
			t.Fatalf("err %v", err)
		}
	})
	if _, err := mail.New(mail.Config{Host: "smtp.example.com"}, nil); !errors.Is(err, mail.ErrInvalid) {
		t.Fatalf("config without from: %v", err)
	}
}

func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return p
}
