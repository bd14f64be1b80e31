package bot_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/bot"
	"github.com/qunbot/qunbot/internal/bridge"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/metrics"
	"github.com/qunbot/qunbot/internal/simulate"
	"github.com/qunbot/qunbot/internal/storage"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/wecom/callback"
)

const (
	corpID   = "wwTestCorp000001"
	token    = "QDG6eK"
	aesKey   = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	aesKey2  = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	aibotTok = "aibotToken"
)

var bridgeSecret = []byte("bridge-secret-for-tests")

// fixture is a bot server over a real database, and a client that signs
// callbacks the way WeCom and a bridge do.
type fixture struct {
	t       *testing.T
	db      storagetest.DB
	inbox   *swappableInbox
	srv     *httptest.Server
	client  *simulate.Client
	replies atomic.Int32
}

// swappableInbox lets a test take the database away and bring it back.
type swappableInbox struct{ p atomic.Pointer[inbox.Store] }

func (s *swappableInbox) Record(ctx context.Context, e *inbox.Event) (bool, error) {
	return s.p.Load().Record(ctx, e)
}

func newFixture(t *testing.T, db storagetest.DB) *fixture {
	t.Helper()
	app := mustCrypto(t, token, aesKey, corpID)
	aib := mustCrypto(t, aibotTok, aesKey, "")
	f := &fixture{t: t, db: db, inbox: &swappableInbox{}}
	store := inbox.NewStore(db.DB, func() time.Time { return time.Now().UTC() })
	f.inbox.p.Store(store)
	m := metrics.New()
	m.WatchQueues(metrics.QueueSource{InboxStates: metrics.StateCounts(store.Counts), OldestPending: store.OldestPending, Now: time.Now})
	s := bot.New(bot.Options{
		Metrics:      m,
		AppCrypto:    app,
		AIBotCrypto:  aib,
		BridgeSecret: bridgeSecret,
		Inbox:        f.inbox,
		Health:       func(ctx context.Context) error { return storage.Ping(ctx, db.DB) },
		AIBotReply: func(ctx context.Context, m callback.AIBotMessage) ([]byte, bool) {
			f.replies.Add(1)
			return callback.TextReply("收到:" + m.Content()), true
		},
	})
	f.srv = httptest.NewServer(s)
	t.Cleanup(f.srv.Close)
	f.client = &simulate.Client{BaseURL: f.srv.URL, CorpID: corpID, AgentID: 1000002, App: app, AIBot: aib, BridgeSecret: bridgeSecret, HTTP: f.srv.Client()}
	return f
}

func mustCrypto(t *testing.T, tok, key, receiveID string) *callback.Crypto {
	t.Helper()
	c, err := callback.New(tok, key, receiveID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) do(req simulate.Request) simulate.Answer {
	f.t.Helper()
	ans, err := f.client.Do(context.Background(), req)
	if err != nil {
		f.t.Fatal(err)
	}
	return ans
}

func (f *fixture) rows() int64 {
	f.t.Helper()
	var n int64
	if err := f.db.Table("inbox_events").Count(&n).Error; err != nil {
		f.t.Fatal(err)
	}
	return n
}

func (f *fixture) appEvent(plain string) simulate.Request {
	f.t.Helper()
	req, err := f.client.AppEvent([]byte(plain))
	if err != nil {
		f.t.Fatal(err)
	}
	return req
}

func memberJoined(chat string) string {
	return simulate.ChatEventXML(corpID, chat, "update", "add_member", time.Now().Unix(), 2, []string{"wmA", "wmB"})
}

func TestWeComCallback_RecordsOnceAndAnswers200(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newFixture(t, db)
		req := f.appEvent(memberJoined("wrChat1"))
		for i := range 3 { // WeCom's retries of the same delivery
			if ans := f.do(req); ans.Status != http.StatusOK {
				t.Fatalf("delivery %d: status %d %s", i, ans.Status, ans.Body)
			}
		}
		if n := f.rows(); n != 1 {
			t.Fatalf("inbox rows = %d, want 1", n)
		}
		var e inbox.Event
		if err := db.Table("inbox_events").First(&e).Error; err != nil {
			t.Fatal(err)
		}
		if e.Kind != "change_external_chat/update" || e.Source != bot.SourceWeCom || !strings.Contains(e.Payload, "wrChat1") {
			t.Fatalf("stored %+v", e)
		}
	})
}

func TestWeComCallback_UnknownEventIsKept(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newFixture(t, db)
		plain := `<xml><ToUserName><![CDATA[` + corpID + `]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[brand_new_event]]></Event></xml>`
		if ans := f.do(f.appEvent(plain)); ans.Status != http.StatusOK {
			t.Fatalf("status %d %s", ans.Status, ans.Body)
		}
		var kind string
		if err := db.Table("inbox_events").Select("kind").Scan(&kind).Error; err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(kind, "brand_new_event") {
			t.Fatalf("kind = %q", kind)
		}
	})
}

func TestWeComCallback_BadInput(t *testing.T) {
	db := storagetest.SQLite(t)
	f := newFixture(t, db)
	good := f.appEvent(memberJoined("wrChatBad"))
	tests := []struct {
		name   string
		mutate func(r simulate.Request) simulate.Request
		status int
	}{
		{"bad signature", func(r simulate.Request) simulate.Request {
			r.Query = cloneQuery(r.Query)
			r.Query.Set("msg_signature", strings.Repeat("0", 40))
			return r
		}, http.StatusForbidden},
		{"stale timestamp", func(r simulate.Request) simulate.Request {
			old := &simulate.Client{CorpID: corpID, App: f.client.App, Now: func() time.Time { return time.Now().Add(-10 * time.Minute) }}
			req, err := old.AppEvent([]byte(memberJoined("wrStale")))
			if err != nil {
				t.Fatal(err)
			}
			return req
		}, http.StatusForbidden},
		{"body over 1 MiB", func(r simulate.Request) simulate.Request {
			r.Body = []byte("<xml>" + strings.Repeat("a", callback.MaxBodySize) + "</xml>")
			return r
		}, http.StatusRequestEntityTooLarge},
		{"malformed xml", func(r simulate.Request) simulate.Request {
			r.Body = []byte("<xml><Encrypt>")
			return r
		}, http.StatusBadRequest},
		{"empty body", func(r simulate.Request) simulate.Request {
			r.Body = nil
			return r
		}, http.StatusBadRequest},
		{"sealed with another key (bad padding or receive id)", func(r simulate.Request) simulate.Request {
			other := &simulate.Client{CorpID: corpID, App: mustCrypto(t, token, aesKey2, corpID)}
			req, err := other.AppEvent([]byte(memberJoined("wrOtherKey")))
			if err != nil {
				t.Fatal(err)
			}
			return req
		}, http.StatusBadRequest},
		{"sealed for another corp", func(r simulate.Request) simulate.Request {
			other := &simulate.Client{CorpID: "wwOther", App: mustCrypto(t, token, aesKey, "wwOther")}
			req, err := other.AppEvent([]byte(memberJoined("wrOtherCorp")))
			if err != nil {
				t.Fatal(err)
			}
			return req
		}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ans := f.do(tt.mutate(good))
			if ans.Status != tt.status {
				t.Fatalf("status = %d, want %d (%s)", ans.Status, tt.status, ans.Body)
			}
			var body struct{ Error, Message string }
			if err := json.Unmarshal(ans.Body, &body); err != nil || body.Error == "" {
				t.Fatalf("error body %q: %v", ans.Body, err)
			}
		})
	}
	if n := f.rows(); n != 0 {
		t.Fatalf("bad input stored %d rows", n)
	}
}

func TestWeComCallback_VerifyURL(t *testing.T) {
	f := newFixture(t, storagetest.SQLite(t))
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	echo, sig, err := f.client.App.Seal([]byte("echo-1234567"), ts, "n1")
	if err != nil {
		t.Fatal(err)
	}
	verify := func(sig string) (int, string) {
		q := url.Values{"msg_signature": {sig}, "timestamp": {ts}, "nonce": {"n1"}, "echostr": {echo}}
		return get(t, f.srv.URL+"/wecom/callback?"+q.Encode())
	}
	if status, body := verify(sig); status != 200 || body != "echo-1234567" {
		t.Fatalf("verify = %d %q", status, body)
	}
	if status, _ := verify(strings.Repeat("f", 40)); status != http.StatusForbidden {
		t.Fatalf("bad signature verify = %d", status)
	}
}

func TestWeComCallback_DatabaseDownThenBack(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newFixture(t, db)
		req := f.appEvent(memberJoined("wrChatDown"))

		// Take the database away: the store's connections are closed.
		down, err := storage.Connect(storage.Options{Driver: db.Driver, DSN: db.DSN})
		if err != nil {
			t.Fatal(err)
		}
		storage.Close(down)
		f.inbox.p.Store(inbox.NewStore(down, time.Now))
		if ans := f.do(req); ans.Status != http.StatusServiceUnavailable {
			t.Fatalf("with the database down: status %d, want 503 so WeCom retries", ans.Status)
		}
		if n := f.rows(); n != 0 {
			t.Fatalf("rows while down = %d", n)
		}

		// The database returns; WeCom retries the same delivery twice.
		f.inbox.p.Store(inbox.NewStore(db.DB, time.Now))
		for range 2 {
			if ans := f.do(req); ans.Status != http.StatusOK {
				t.Fatalf("after the database returned: status %d %s", ans.Status, ans.Body)
			}
		}
		if n := f.rows(); n != 1 {
			t.Fatalf("rows after recovery = %d, want exactly 1", n)
		}
	})
}

func TestAIBot_RecordsAndRepliesTheSameToDuplicates(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newFixture(t, db)
		plain, _ := json.Marshal(map[string]any{
			"msgid": "aibot-msg-1", "aibotid": "aib1", "chatid": "wrc1", "chattype": "group",
			"from": map[string]string{"userid": "wmA"}, "msgtype": "text", "text": map[string]string{"content": "@小助手 幾點開門?"},
		})
		req, err := f.client.AIBotMessage(plain)
		if err != nil {
			t.Fatal(err)
		}
		var first string
		for i := range 2 {
			ans := f.do(req)
			if ans.Status != http.StatusOK {
				t.Fatalf("status %d %s", ans.Status, ans.Body)
			}
			reply := openAIBotReply(t, f, req, ans.Body)
			if !strings.Contains(reply, "幾點開門") {
				t.Fatalf("reply %q", reply)
			}
			if i == 0 {
				first = reply
			} else if reply != first {
				t.Fatalf("duplicate got %q, first got %q", reply, first)
			}
		}
		if n := f.rows(); n != 1 {
			t.Fatalf("rows = %d, want 1", n)
		}
	})
}

func openAIBotReply(t *testing.T, f *fixture, req simulate.Request, body []byte) string {
	t.Helper()
	var env struct {
		Encrypt, MsgSignature, Timestamp, Nonce string
	}
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("reply %q: %v", body, err)
	}
	plain, err := f.client.AIBot.Open(callback.Query{Signature: env.MsgSignature, Timestamp: env.Timestamp, Nonce: env.Nonce}, env.Encrypt, time.Now())
	if err != nil {
		t.Fatalf("open reply: %v", err)
	}
	return string(plain)
}

func TestBridge_SignedBatch(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newFixture(t, db)
		msg := func(id, text string) bridge.Message {
			return bridge.Message{MsgID: id, ChatID: "wrc1", ChatType: "group", SenderID: "wmA", SenderRole: "member", MsgType: "text", Text: text, SentAt: time.Now().UTC()}
		}
		req, err := f.client.BridgeBatch([]bridge.Message{msg("b1", "請問幾點開門?"), msg("b2", "漏油了 😡")})
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []string{`"accepted":2,"duplicates":0`, `"accepted":0,"duplicates":2`} {
			ans := f.do(req)
			if ans.Status != http.StatusOK || !strings.Contains(string(ans.Body), want) {
				t.Fatalf("delivery %d: %d %s, want %s", i, ans.Status, ans.Body, want)
			}
		}
		if n := f.rows(); n != 2 {
			t.Fatalf("rows = %d, want 2", n)
		}
	})
}

func TestBridge_BadInput(t *testing.T) {
	f := newFixture(t, storagetest.SQLite(t))
	good, err := f.client.BridgeBatch([]bridge.Message{{MsgID: "x1", ChatID: "c", ChatType: "group", SenderID: "s", SenderRole: "member", MsgType: "text", Text: "hi", SentAt: time.Now().UTC()}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		mutate func(r simulate.Request) simulate.Request
		status int
	}{
		{"unsigned", func(r simulate.Request) simulate.Request { r.Header = http.Header{}; return r }, http.StatusUnauthorized},
		{"bad signature", func(r simulate.Request) simulate.Request {
			r.Header = r.Header.Clone()
			r.Header.Set(bridge.HeaderSignature, "sha256="+strings.Repeat("0", 64))
			return r
		}, http.StatusForbidden},
		{"tampered body", func(r simulate.Request) simulate.Request {
			r.Body = []byte(strings.Replace(string(r.Body), "hi", "ho", 1))
			return r
		}, http.StatusForbidden},
		{"signed but not a batch", func(r simulate.Request) simulate.Request {
			signer := &simulate.Client{BridgeSecret: bridgeSecret}
			req, err := signer.BridgeBatch(nil)
			if err != nil {
				t.Fatal(err)
			}
			return req
		}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ans := f.do(tt.mutate(good)); ans.Status != tt.status {
				t.Fatalf("status = %d, want %d (%s)", ans.Status, tt.status, ans.Body)
			}
		})
	}
	if n := f.rows(); n != 0 {
		t.Fatalf("bad input stored %d rows", n)
	}
}

func TestEndpointNotConfigured(t *testing.T) {
	s := httptest.NewServer(bot.New(bot.Options{}))
	defer s.Close()
	for _, path := range []string{"/wecom/callback", "/wecom/aibot", "/bridge/messages"} {
		resp, err := http.Post(s.URL+path, "text/xml", strings.NewReader("<xml/>"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestHealthzAndMetrics(t *testing.T) {
	db := storagetest.SQLite(t)
	f := newFixture(t, db)
	f.do(f.appEvent(memberJoined("wrChatM")))
	checks := []struct{ path, want string }{
		{"/healthz", `"ok"`},
		{"/metrics", `qunbot_callbacks_total{endpoint="wecom",result="accepted"} 1`},
		{"/metrics", `qunbot_inbox_recorded_total{kind="change_external_chat/update",source="wecom"} 1`},
		{"/metrics", `qunbot_inbox_events{state="pending"}`},
	}
	for _, c := range checks {
		status, body := get(t, f.srv.URL+c.path)
		if status != 200 || !strings.Contains(body, c.want) {
			t.Errorf("%s = %d, lacks %q:\n%.500s", c.path, status, c.want, body)
		}
	}
	storage.Close(db.DB)
	if status, _ := get(t, f.srv.URL+"/healthz"); status != http.StatusServiceUnavailable {
		t.Fatalf("healthz with the database closed = %d, want 503", status)
	}
}
