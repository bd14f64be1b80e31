package toolbar

import (
	"context"
	"fmt"
	"testing"

	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

// BenchmarkStore_Note measures the bridge's observe-only path: chatter is
// dropped after matching, a question is inserted and its chat pruned.
func BenchmarkStore_Note(b *testing.B) {
	for _, bc := range []struct{ name, text string }{{"chatter", "哈哈 好的 收到"}, {"question", "请问几点开门?"}} {
		b.Run(bc.name, func(b *testing.B) {
			e := newStoreEnv(b, storagetest.SQLite(b))
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				q := Question{ChatID: fmt.Sprintf("wrChat%d", i%20), MessageKey: fmt.Sprintf("m%d", i), Text: bc.text}
				if err := e.store.Note(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
