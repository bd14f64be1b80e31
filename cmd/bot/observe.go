package main

import (
	"fmt"
	"io"
	"time"

	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/metrics"
)

// handledObserver feeds the metrics and, in demo mode, tells the person
// watching what became of each event.
func handledObserver(m *metrics.Metrics, demo io.Writer) inbox.ObserverFunc {
	return func(kind, result string, d time.Duration) {
		m.ObserveHandled(kind, result, d)
		if demo != nil {
			fmt.Fprintf(demo, "[demo] 事件 %s → %s (%s)\n", kind, demoResult(result), d.Round(time.Microsecond))
		}
	}
}

func demoResult(result string) string {
	switch result {
	case "unhandled":
		return "已保存,暫無處理程序 (kept, no handler yet)"
	case "done":
		return "已處理 (handled)"
	default:
		return result
	}
}
