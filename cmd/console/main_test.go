package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs the console on a fresh SQLite file and returns its address
// and what it printed.
func start(t *testing.T, env map[string]string) (string, *syncBuffer) {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "qunbot.db")
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return map[string]string{"QUNBOT_CONSOLE_ADDR": "127.0.0.1:0", "QUNBOT_DATABASE_DSN": dsn}[k]
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	out := &syncBuffer{}
	go func() { done <- run(ctx, nil, getenv, out, ready) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("console stopped with %v", err)
		}
	})
	select {
	case addr := <-ready:
		return addr, out
	case err := <-done:
		done <- nil // for the cleanup
		t.Fatalf("console did not start: %v\n%s", err, out)
	case <-time.After(30 * time.Second):
		t.Fatalf("console did not start in time:\n%s", out)
	}
	return "", nil
}

// A fresh console prints a one-time admin password that signs in.
func TestRun_FirstAdmin(t *testing.T) {
	addr, out := start(t, nil)
	m := regexp.MustCompile(`one-time password shown once: (\S+)\)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no one-time password printed:\n%s", out)
	}
	body, _ := json.Marshal(map[string]string{"username": "admin", "password": m[1]})
	resp, err := http.Post("http://"+addr+"/api/v1/session", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s struct {
		User struct {
			Role               string `json:"role"`
			MustChangePassword bool   `json:"must_change_password"`
		} `json:"user"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&s) != nil || s.User.Role != "admin" || !s.User.MustChangePassword {
		t.Fatalf("sign in: %d %+v", resp.StatusCode, s)
	}
}

func TestRun_AdminPasswordFromEnvironment(t *testing.T) {
	_, out := start(t, map[string]string{"QUNBOT_CONSOLE_ADMIN_PASSWORD": "from the environment"})
	if strings.Contains(out.String(), "一次性密码") || strings.Contains(out.String(), "from the environment") {
		t.Fatalf("printed a password:\n%s", out)
	}
}
