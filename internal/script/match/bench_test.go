package match

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// The benchmark library: 10,000 rules with about 30,000 keywords, and
// 1,000 messages of about 100 characters.
const (
	benchRules    = 10000
	benchRegex    = 20
	benchMessages = 1000
)

func benchCorpus() *corpus {
	return newCorpus(2024, benchRules, benchRegex, benchMessages)
}

func benchMatcher(b *testing.B) (*corpus, *Matcher) {
	b.Helper()
	c := benchCorpus()
	m, err := Compile(c.rules)
	if err != nil {
		b.Fatalf("Compile: %v", err)
	}
	return c, m
}

// BenchmarkNormalizeAndMatch is the hot path: one message normalised and
// matched per op. Target: at most 5 µs/op and 0 allocs/op with -cpu 1.
func BenchmarkNormalizeAndMatch(b *testing.B) {
	c, m := benchMatcher(b)
	if b.N == 1 {
		b.Logf("library: %v", m.Stats())
	}
	buf := make([]byte, 0, 1024)
	hits := make([]Hit, 0, 1024)
	total := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = Normalize(buf[:0], c.messages[i%len(c.messages)])
		hits = m.Match(buf, hits[:0])
		total += len(hits)
	}
	b.ReportMetric(float64(total)/float64(b.N), "hits/op")
}

// BenchmarkNormalize measures normalisation alone.
func BenchmarkNormalize(b *testing.B) {
	c := benchCorpus()
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = Normalize(buf[:0], c.messages[i%len(c.messages)])
	}
}

// BenchmarkMatch measures matching of already normalised messages.
func BenchmarkMatch(b *testing.B) {
	c, m := benchMatcher(b)
	texts := make([][]byte, len(c.messages))
	for i, msg := range c.messages {
		texts[i] = Normalize(nil, msg)
	}
	hits := make([]Hit, 0, 1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		hits = m.Match(texts[i%len(texts)], hits[:0])
	}
}

// BenchmarkBest measures picking the winner only.
func BenchmarkBest(b *testing.B) {
	c, m := benchMatcher(b)
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = Normalize(buf[:0], c.messages[i%len(c.messages)])
		m.Best(buf)
	}
}

// BenchmarkContainsLoop is the naive baseline: the same normalisation, then
// strings.Contains for every keyword of the library.
func BenchmarkContainsLoop(b *testing.B) {
	c := benchCorpus()
	keywords := c.keywordsOf()
	buf := make([]byte, 0, 1024)
	found := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = Normalize(buf[:0], c.messages[i%len(c.messages)])
		text := string(buf)
		for _, k := range keywords {
			if strings.Contains(text, k) {
				found++
			}
		}
	}
	b.ReportMetric(float64(found)/float64(b.N), "keywords/op")
}

// BenchmarkSpeedupOverContainsLoop times the matcher and the
// strings.Contains loop on the same messages in each iteration and reports
// how many times faster the matcher is; it fails under 100×.
func BenchmarkSpeedupOverContainsLoop(b *testing.B) {
	c, m := benchMatcher(b)
	keywords := c.keywordsOf()
	msgs := c.messages[:100]
	buf := make([]byte, 0, 1024)
	hits := make([]Hit, 0, 1024)
	var fast, slow time.Duration
	const rounds = 100 // the matcher is timed over more runs to get past clock resolution
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		for range rounds {
			for _, msg := range msgs {
				buf = Normalize(buf[:0], msg)
				hits = m.Match(buf, hits[:0])
			}
		}
		fast += time.Since(start)
		start = time.Now()
		for _, msg := range msgs {
			buf = Normalize(buf[:0], msg)
			text := string(buf)
			for _, k := range keywords {
				if strings.Contains(text, k) {
					hits = append(hits, Hit{})
				}
			}
		}
		slow += time.Since(start)
	}
	ratio := float64(slow) * rounds / float64(fast)
	b.ReportMetric(ratio, "x_faster")
	b.ReportMetric(float64(fast.Nanoseconds())/float64(b.N*rounds*len(msgs)), "matcher_ns/msg")
	b.ReportMetric(float64(slow.Nanoseconds())/float64(b.N*len(msgs)), "contains_ns/msg")
	if ratio < 100 {
		b.Errorf("matcher only %.0f× faster than the strings.Contains loop, want ≥100×", ratio)
	}
}

// BenchmarkCompile rebuilds the matcher for the whole library. Target:
// under 1 s/op.
func BenchmarkCompile(b *testing.B) {
	c := benchCorpus()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Compile(c.rules); err != nil {
			b.Fatalf("Compile: %v", err)
		}
	}
}

// TestMatcherHeap measures the heap a compiled 10,000-rule, 30,000-keyword
// matcher holds (with its match scratch) and fails over 50 MB.
func TestMatcherHeap(t *testing.T) {
	c := newCorpus(2024, benchRules, benchRegex, 10)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m, err := Compile(c.rules)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	m.Match(Normalize(nil, c.messages[0]), nil)
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	s := m.Stats()
	t.Logf("matcher heap %.1f MB (Stats estimate %.1f MB): %v", float64(heap)/1e6, float64(s.Bytes)/1e6, s)
	if s.Keywords < 25000 {
		t.Errorf("library has %d keywords, want about 30,000", s.Keywords)
	}
	if heap > 50e6 {
		t.Errorf("matcher holds %.1f MB of heap, want ≤ 50 MB", float64(heap)/1e6)
	}
	runtime.KeepAlive(m)
	runtime.KeepAlive(c)
}
