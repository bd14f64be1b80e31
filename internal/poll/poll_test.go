package poll_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/poll"
)

func TestEvery(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := poll.Every(ctx, time.Millisecond, true, log, "demo job", func(context.Context) error {
		calls++
		if calls == 3 {
			cancel()
		}
		return errors.New("boom")
	})
	if !errors.Is(err, context.Canceled) || calls != 3 {
		t.Fatalf("Every = %v after %d calls; want canceled after 3", err, calls)
	}
	// The failure after cancel is not logged: shutting down is not a failure.
	if n := strings.Count(logs.String(), "demo job failed"); n != 2 {
		t.Fatalf("logged %d failures, want 2:\n%s", n, logs.String())
	}
}
