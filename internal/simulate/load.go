package simulate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/wecom/callback"
)

// LoadOptions shape a load run.
type LoadOptions struct {
	N           int // callbacks to send, each a distinct event
	Concurrency int // requests in flight at most
	Rate        int // callbacks per second (open loop); 0 sends as fast as the bot answers
	Run         string
}

// LoadResult is what a load run measured.
type LoadResult struct {
	Sent, OK int
	Statuses map[int]int
	Errors   int
	Elapsed  time.Duration
	P50, P99 time.Duration
	Max      time.Duration
}

// Throughput is the callbacks answered per second.
func (r LoadResult) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Sent) / r.Elapsed.Seconds()
}

// Report writes the result for a person.
func (r LoadResult) Report(w io.Writer) {
	fmt.Fprintf(w, "sent %d callbacks in %s: %.0f/s; ok %d; statuses %v; transport errors %d\n",
		r.Sent, r.Elapsed.Round(time.Millisecond), r.Throughput(), r.OK, r.Statuses, r.Errors)
	fmt.Fprintf(w, "latency p50 %s  p99 %s  max %s\n", r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond))
}

// PrepareLoad seals n distinct change_external_chat events before the clock
// starts, and returns them with their inbox dedupe keys.
func PrepareLoad(c *Client, n int, run string) ([]Request, []string, error) {
	reqs := make([]Request, n)
	keys := make([]string, n)
	created := time.Now().Unix()
	for i := range n {
		plain := []byte(ChatEventXML(c.CorpID, "wrLoad"+run+"-"+strconv.Itoa(i), "update", "add_member", created, 1, []string{"wmLoadMember" + strconv.Itoa(i)}))
		ev, err := callback.ParseEvent(plain)
		if err != nil {
			return nil, nil, fmt.Errorf("prepare load event %d: %w", i, err)
		}
		keys[i] = callback.DedupeKey(ev, plain)
		if reqs[i], err = c.AppEvent(plain); err != nil {
			return nil, nil, err
		}
	}
	return reqs, keys, nil
}

// Load sends the prepared requests and measures each one's latency. With a
// rate, request i is due at start + i/rate and its latency counts from when
// it was due (an open loop: a slow bot shows as latency, not as a slower
// client).
func Load(ctx context.Context, c *Client, reqs []Request, opts LoadOptions) LoadResult {
	if opts.Concurrency < 1 {
		opts.Concurrency = 1
	}
	type job struct {
		req Request
		due time.Time
	}
	jobs := make(chan job)
	var (
		mu   sync.Mutex
		res  = LoadResult{Statuses: map[int]int{}}
		lats = make([]time.Duration, 0, len(reqs))
		wg   sync.WaitGroup
	)
	for range opts.Concurrency {
		wg.Go(func() {
			for j := range jobs {
				ans, err := c.Do(ctx, j.req)
				lat := time.Since(j.due)
				mu.Lock()
				res.Sent++
				lats = append(lats, lat)
				if err != nil {
					res.Errors++
				} else {
					res.Statuses[ans.Status]++
					if ans.Status == 200 {
						res.OK++
					}
				}
				mu.Unlock()
			}
		})
	}
	start := time.Now()
	for i, r := range reqs {
		due := time.Now()
		if opts.Rate > 0 {
			due = start.Add(time.Duration(i) * time.Second / time.Duration(opts.Rate))
			if d := time.Until(due); d > 0 {
				time.Sleep(d)
			}
		}
		select {
		case jobs <- job{req: r, due: due}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.P50, res.P99, res.Max = percentiles(lats)
	return res
}

func percentiles(lats []time.Duration) (p50, p99, max time.Duration) {
	if len(lats) == 0 {
		return 0, 0, 0
	}
	slices.Sort(lats)
	at := func(q float64) time.Duration { return lats[min(len(lats)-1, int(q*float64(len(lats))))] }
	return at(0.50), at(0.99), lats[len(lats)-1]
}

// CountRecorded counts the inbox rows holding keys: after a load run it must
// equal the number of distinct callbacks sent (no loss; the unique key rules
// out duplicates).
func CountRecorded(ctx context.Context, db *gorm.DB, keys []string) (int64, error) {
	var total int64
	for chunk := range slices.Chunk(keys, 500) {
		var n int64
		err := db.WithContext(ctx).Table("inbox_events").Where("dedupe_key IN ?", chunk).Count(&n).Error
		if err != nil {
			return 0, fmt.Errorf("count recorded callbacks: %w", err)
		}
		total += n
	}
	return total, nil
}

// ErrLoss is returned by Verify when the inbox does not hold exactly one
// row for every callback sent.
var ErrLoss = errors.New("inbox does not match what was sent")

// Verify checks that the inbox holds exactly one row per distinct callback
// sent and that the bot acknowledged every one of them.
func Verify(ctx context.Context, db *gorm.DB, keys []string, acknowledged int) (int64, error) {
	n, err := CountRecorded(ctx, db, keys)
	if err != nil {
		return 0, err
	}
	if n != int64(len(keys)) || acknowledged != len(keys) {
		return n, fmt.Errorf("%w: %d distinct callbacks sent, %d acknowledged, %d rows in the inbox", ErrLoss, len(keys), acknowledged, n)
	}
	return n, nil
}
