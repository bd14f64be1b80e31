package script_test

import (
	"bytes"
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

// loadedLibrary is an engine over 10,000 imported scripts (30,000
// keywords), the size the issue names.
func loadedLibrary(b *testing.B) *script.Engine {
	b.Helper()
	store := script.NewStore(storagetest.SQLite(b).DB, nil)
	data := file(b, script.FormatCSV, bulkSheet(10000))
	if rep, err := store.Import(context.Background(), "bench", script.FormatCSV, bytes.NewReader(data), nil); err != nil || rep.Created != 10000 {
		b.Fatalf("Import = %+v, %v", rep, err)
	}
	engine := script.NewEngine(store, nil)
	if err := engine.Reload(context.Background()); err != nil {
		b.Fatal(err)
	}
	return engine
}

// BenchmarkEngine_Reload is a full rebuild of the live library from the
// database: read every script, compile the matcher, swap it in. It also
// reports the heap the loaded library holds.
func BenchmarkEngine_Reload(b *testing.B) {
	before := heapAfterGC()
	engine := loadedLibrary(b)
	held := heapAfterGC() - before
	b.ResetTimer()
	for b.Loop() {
		if err := engine.Reload(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(held)/1e6, "heap_MB")
	runtime.KeepAlive(engine)
}

// BenchmarkEngine_Try decides one 100-character question against the
// loaded library, with the explanation the API returns.
func BenchmarkEngine_Try(b *testing.B) {
	engine := loadedLibrary(b)
	text := "你好,我想问一下周末门店几点开门,关键词42的情况怎么样,另外保养预约要提前多久,停车方便吗,谢谢你们的耐心解答哈哈"
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for b.Loop() {
		if _, err := engine.Try(context.Background(), text, "", "", nil, "", at); err != nil {
			b.Fatal(err)
		}
	}
}

func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
