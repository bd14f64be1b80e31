package livecode_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/livecode"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

// BenchmarkLanding serves GET /qr/{code} for 20 codes from parallel
// clients through a mux, with the real clock; req/s is the figure to read.
// "cached" trusts the page for the default second; "query" checks the
// code's revision with one indexed query on every request.
func BenchmarkLanding(b *testing.B) {
	e := newEnv(b, storagetest.SQLite(b))
	codes := make([]string, 20)
	for i := range codes {
		id := fmt.Sprintf("g%02d", i)
		e.seed(10, id)
		codes[i] = e.create(livecode.Code{Name: "活码" + id, Pool: pool(id)}).Code
	}
	for _, bc := range []struct {
		name string
		ttl  time.Duration
	}{{"cached", time.Second}, {"query", time.Nanosecond}} {
		b.Run(bc.name, func(b *testing.B) {
			svc, err := livecode.New(livecode.Options{DB: e.db.DB, Groups: e.groups, WeCom: e.client, CacheTTL: bc.ttl})
			if err != nil {
				b.Fatal(err)
			}
			mux := http.NewServeMux()
			mux.Handle("GET /qr/{code}", livecode.Landing(svc))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					i++
					rec := httptest.NewRecorder()
					mux.ServeHTTP(rec, httptest.NewRequest("GET", "/qr/"+codes[i%len(codes)], nil))
					if rec.Code != http.StatusOK {
						b.Errorf("status %d", rec.Code)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
