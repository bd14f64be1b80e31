package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/simulate"
	"github.com/qunbot/qunbot/internal/storage"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
)

// testConfig is the newcomer's configuration: demo mode on SQLite.
const testConfig = "../../configs/config.yaml"

// syncBuffer is a bytes.Buffer safe for the bot's goroutines and the test.
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

// runningBot is a bot started by a test.
type runningBot struct {
	addr string      // host:port it listens on
	dsn  string      // its SQLite file
	logs *syncBuffer // what it wrote
	stop func() error
}

// startBot runs `bot serve` in demo mode on a fresh SQLite file; stop ends
// it and reports how it stopped.
func startBot(t testing.TB, env map[string]string) runningBot {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "qunbot.db")
	var addr string
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return map[string]string{"QUNBOT_HTTP_ADDR": "127.0.0.1:0", "QUNBOT_DATABASE_DSN": dsn}[k]
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	logs := &syncBuffer{}
	go func() { done <- serve(ctx, []string{"-config", testConfig}, getenv, logs, ready) }()
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("bot did not start: %v\n%s", err, logs)
	case <-time.After(30 * time.Second):
		t.Fatalf("bot did not start in 30s\n%s", logs)
	}
	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() { cancel(); stopErr = <-done })
		return stopErr
	}
	t.Cleanup(func() { _ = stop() })
	return runningBot{addr: addr, dsn: dsn, logs: logs, stop: stop}
}

func TestDemo_SimulateAgainstRunningBot(t *testing.T) {
	b := startBot(t, nil)
	var out bytes.Buffer
	getenv := func(string) string { return "" }
	err := run(context.Background(), []string{"simulate", "-config", testConfig, "-url", "http://" + b.addr}, getenv, &out, &out)
	if err != nil {
		t.Fatalf("simulate: %v\n%s\nbot logs:\n%s", err, out.String(), b.logs)
	}
	if strings.Count(out.String(), "← 200") < 10 {
		t.Fatalf("simulate output:\n%s", out.String())
	}
	if !strings.Contains(out.String(), `"duplicates":0`) {
		t.Errorf("bridge answers missing from simulate output:\n%s", out.String())
	}
	// What the capabilities did with the scenario, as the demo prints it.
	effects := map[string]string{
		"/cgi-bin/externalcontact/send_welcome_msg": "the new contact welcomed",
		"新工单 T1":                              "the complaint's ticket sent to the store's staff",
		`"idempotency_key":"complaint-reply:`: "the complaint acknowledged in the group",
		`"idempotency_key":"gov:`:             "the ad warned",
		`"idempotency_key":"script-reply:`:    "a question answered through the bridge",
	}
	deadline := time.Now().Add(15 * time.Second)
	for want, what := range effects {
		for !strings.Contains(b.logs.String(), want) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if !strings.Contains(b.logs.String(), want) {
			t.Errorf("demo did not show %s (%q)", what, want)
		}
	}
	if err := b.stop(); err != nil {
		t.Fatalf("graceful stop: %v\n%s", err, b.logs)
	}
	if !strings.Contains(b.logs.String(), "stopped") {
		t.Errorf("bot did not log a clean stop:\n%s", b.logs)
	}
}

func TestServe_BadConfigNamesTheKey(t *testing.T) {
	getenv := func(k string) string {
		return map[string]string{"QUNBOT_DATABASE_DRIVER": "oracle"}[k]
	}
	err := serve(context.Background(), nil, getenv, &bytes.Buffer{}, nil)
	if err == nil || !strings.Contains(err.Error(), "database.driver") {
		t.Fatalf("err = %v, want one naming database.driver", err)
	}
}

func TestMigrateCommand(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "m.db")
	getenv := func(k string) string { return map[string]string{"QUNBOT_DATABASE_DSN": dsn}[k] }
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, getenv, &out, &out); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "schema at version") {
		t.Fatalf("output: %s", out.String())
	}
	db, err := storage.Open(context.Background(), storage.Options{Driver: "sqlite", DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	storage.Close(db)
}

func TestUnknownCommand(t *testing.T) {
	err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Fatalf("err = %v", err)
	}
}

func TestLoadCommand_CountsEveryCallbackOnce(t *testing.T) {
	b := startBot(t, nil)
	var out bytes.Buffer
	args := []string{"load", "-config", testConfig, "-url", "http://" + b.addr, "-n", "300", "-c", "16", "-dups", "50"}
	// The load tool reads the bot's database to verify: point it at the same file.
	getenv := func(k string) string { return map[string]string{"QUNBOT_DATABASE_DSN": b.dsn}[k] }
	if err := run(context.Background(), args, getenv, &out, &out); err != nil {
		t.Fatalf("load: %v\n%s", err, out.String())
	}
	for _, want := range []string{"p99", "verified: exactly 300 inbox rows", "redelivered 50 callbacks: 50 answered 200"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("load output lacks %q:\n%s", want, out.String())
		}
	}
}

// BenchmarkServe_Callbacks measures signed app callbacks answered per second
// by a running bot over loopback on SQLite, 32 in flight (the load tool,
// `bot load`, measures the same from outside with p50/p99).
func BenchmarkServe_Callbacks(b *testing.B) {
	bot := startBot(b, nil)
	getenv := func(string) string { return "" }
	cf := clientFlags{config: ptr(testConfig), url: ptr("http://" + bot.addr)}
	c, _, err := cf.client(getenv)
	if err != nil {
		b.Fatal(err)
	}
	reqs, _, err := simulate.PrepareLoad(c, b.N, strconv.Itoa(b.N)+"-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	res := simulate.Load(context.Background(), c, reqs, simulate.LoadOptions{Concurrency: 32})
	b.StopTimer()
	if res.OK != b.N {
		b.Fatalf("%d of %d answered 200: %v", res.OK, b.N, res.Statuses)
	}
	b.ReportMetric(res.Throughput(), "callbacks/s")
	b.ReportMetric(float64(res.P99.Microseconds())/1000, "p99_ms")
}

func ptr[T any](v T) *T { return &v }

// TestDemo_MirrorsMembershipIntoTheFakeWeCom: what the demo's callbacks
// announce reaches the embedded WeCom, so the reconcile after them reads
// the count the events made rather than undoing it.
func TestDemo_MirrorsMembershipIntoTheFakeWeCom(t *testing.T) {
	fake := wecomtest.New(demoWeCom()...)
	t.Cleanup(fake.Close)
	var out bytes.Buffer
	d := &demoMode{out: &out, fake: fake}
	observe := group.Observers(nil, d.groupObserver())
	observe(t.Context(), group.Change{ChatID: demoChat, Kind: group.ChangeJoined, Count: 2, Members: []string{"wmNew1", "wmNew2"}, JoinScene: 3})
	observe(t.Context(), group.Change{ChatID: demoChat, Kind: group.ChangeLeft, Count: 1, Members: []string{"wmDemoFan001"}})
	observe(t.Context(), group.Change{ChatID: "wrUnknown", Kind: group.ChangeJoined, Count: 1, Members: []string{"wmX"}})
	g, ok := fake.GroupChat(demoChat)
	if want := demoMembers + 2 + 2 - 1; !ok || len(g.Members) != want {
		t.Fatalf("demo group has %d members, want %d", len(g.Members), want)
	}
	if !strings.Contains(out.String(), "wrUnknown") {
		t.Errorf("a group the fake does not know was not reported: %q", out.String())
	}
	if (*demoMode)(nil).groupObserver() != nil || (*demoMode)(nil).output() != nil {
		t.Error("outside demo mode there is no observer and no output")
	}
}
