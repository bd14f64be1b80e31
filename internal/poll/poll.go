// Package poll runs a job on a fixed rhythm: the shape of every "check
// whether something changed" and "sweep what is due" loop in qunbot.
package poll

import (
	"context"
	"log/slog"
	"time"
)

// Every calls job every interval until ctx ends, logging a failure as a
// warning named what; the next round is the retry. It returns ctx's error.
// With now set the first call is made at once, otherwise after interval.
func Every(ctx context.Context, interval time.Duration, now bool, log *slog.Logger, what string, job func(context.Context) error) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	if now {
		run(ctx, log, what, job)
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			run(ctx, log, what, job)
		}
	}
}

func run(ctx context.Context, log *slog.Logger, what string, job func(context.Context) error) {
	if err := job(ctx); err != nil && ctx.Err() == nil {
		log.Warn(what+" failed", "err", err)
	}
}
