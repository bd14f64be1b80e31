package welcome_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
	"github.com/qunbot/qunbot/internal/welcome"
)

// burst is how many new contacts arrive at once.
const burst = 200

// burstCase is one configuration of the pipeline under the burst.
type burstCase struct {
	name    string
	limit   rate.Limit // the outbox route's rate; 0 none
	burst   int
	rtt     time.Duration // added to every WeCom exchange
	workers int           // inbox dispatcher and outbox worker each [4]
}

// BenchmarkContactWelcomeBurst measures, for a burst of 200 new contacts,
// the time from each callback being recorded in the inbox to (fake) WeCom
// receiving its send_welcome_msg, through the real inbox dispatcher, welcome
// handler (with its externalcontact/get name lookup), outbox worker and
// WeCom client, on SQLite. It reports p50 and p99 in milliseconds.
// "rate=20" is the outbox route as cmd/bot registers it today (20 sends a
// second), "rate=150" the proposed route for welcomes (burst 200),
// "rate=inf" what the pipeline itself costs; the rtt cases add 100 ms to every WeCom
// exchange, as a real network does, with 4, 16 and 32 workers.
func BenchmarkContactWelcomeBurst(b *testing.B) {
	for _, c := range []burstCase{
		{name: "rate=20", limit: 20, burst: 20},
		{name: "rate=150", limit: 150, burst: 200},
		{name: "rate=inf"},
		{name: "rate=150,rtt=100ms,workers=4", limit: 150, burst: 200, rtt: 100 * time.Millisecond},
		{name: "rate=150,rtt=100ms,workers=16", limit: 150, burst: 200, rtt: 100 * time.Millisecond, workers: 16},
		{name: "rate=150,rtt=100ms,workers=32", limit: 150, burst: 200, rtt: 100 * time.Millisecond, workers: 32},
	} {
		b.Run(c.name, func(b *testing.B) {
			var all []time.Duration
			for i := range b.N {
				all = append(all, runBurst(b, i, c)...)
			}
			slices.Sort(all)
			b.ReportMetric(ms(all[len(all)/2]), "p50_ms")
			b.ReportMetric(ms(all[len(all)*99/100]), "p99_ms")
			b.ReportMetric(ms(all[len(all)-1]), "max_ms")
		})
	}
}

// slowTransport delays every exchange by rtt.
type slowTransport struct{ rtt time.Duration }

func (t slowTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	time.Sleep(t.rtt)
	return http.DefaultTransport.RoundTrip(r)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// runBurst records burst contact events at once and returns each one's
// callback-to-send latency.
func runBurst(b *testing.B, round int, c burstCase) []time.Duration {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	sentAt := map[string]time.Time{}
	done := make(chan struct{})
	members := make([]wecomtest.Member, burst)
	for i := range members {
		members[i] = wecomtest.Member{UserID: fmt.Sprintf("wm%d", i), Type: wecomtest.MemberExternal, Name: fmt.Sprintf("客戶%d", i)}
	}
	fake := wecomtest.New(wecomtest.WithGroupChats(wecomtest.GroupChat{ChatID: "wr1", Owner: "u1", Members: members}), wecomtest.WithOnCall(func(c wecomtest.Call) {
		if c.Path != "/cgi-bin/externalcontact/send_welcome_msg" {
			return
		}
		var body struct {
			WelcomeCode string `json:"welcome_code"`
		}
		_ = json.Unmarshal(c.Body, &body)
		mu.Lock()
		defer mu.Unlock()
		sentAt[body.WelcomeCode] = time.Now()
		if len(sentAt) == burst {
			close(done)
		}
	}))
	defer fake.Close()
	client, err := wecom.NewClient(wecom.Config{CorpID: wecomtest.DefaultCorpID, Secret: wecomtest.DefaultSecret, APIBase: fake.URL,
		HTTPClient: &http.Client{Transport: slowTransport{rtt: c.rtt}}})
	if err != nil {
		b.Fatal(err)
	}
	db := storagetest.SQLite(b).DB
	inboxStore, outboxStore := inbox.NewStore(db, nil), outbox.NewStore(db, nil)
	dispatcher := inbox.NewDispatcher(inboxStore, inbox.Options{Workers: c.workers})
	worker := outbox.NewWorker(outboxStore, outbox.WorkerOptions{Workers: c.workers})
	worker.Register(wecom.APISendWelcomeMsg, outbox.Route{Limit: c.limit, Burst: c.burst, Idempotent: true,
		Sender: func(ctx context.Context, p []byte) ([]byte, error) {
			return client.Send(ctx, wecom.APISendWelcomeMsg, p)
		}})
	store := welcome.NewStore(db, nil)
	if err := store.CreateRule(ctx, &welcome.Rule{Name: "默認", Channel: welcome.ChannelContact, Default: true, Enabled: true,
		Text: "{{客戶名}}您好,我是{{員工名}}", Attachments: []welcome.Attachment{{Type: welcome.AttachLink, Title: "門店", URL: "https://e.com"}}}); err != nil {
		b.Fatal(err)
	}
	svc := welcome.New(welcome.Options{Store: store, Wake: worker.Notify, Directory: directory{"u1": {"張偉", "徐匯店"}}, Contacts: client})
	for _, kind := range welcome.ContactKinds {
		dispatcher.Handle(kind, svc.HandleContact)
	}
	var wg sync.WaitGroup
	wg.Go(func() { _ = dispatcher.Run(ctx) })
	wg.Go(func() { _ = worker.Run(ctx) })
	defer wg.Wait()
	defer cancel()

	recorded := make([]time.Time, burst)
	var callbacks sync.WaitGroup
	for i := range burst {
		callbacks.Go(func() {
			code := fmt.Sprintf("R%dC%d", round, i)
			e := contactEvent(0, "add_external_contact", "u1", fmt.Sprintf("wm%d", i), "", code, time.Now())
			e.ReceivedAt, e.DedupeKey = time.Time{}, "evt:"+code
			recorded[i] = time.Now()
			if _, err := inboxStore.Record(ctx, &e); err != nil {
				b.Error(err)
			}
			dispatcher.Notify()
		})
	}
	callbacks.Wait()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		b.Fatalf("only %d of %d welcomes sent within 60 s", len(sentAt), burst)
	}
	mu.Lock()
	defer mu.Unlock()
	out := make([]time.Duration, 0, burst)
	for i := range burst {
		out = append(out, sentAt[fmt.Sprintf("R%dC%d", round, i)].Sub(recorded[i]))
	}
	return out
}
