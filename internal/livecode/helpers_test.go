package livecode_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/livecode"
	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
)

// staff answers a store's staff from a map.
type staff map[int64][]string

func (s staff) StoreStaffUserIDs(_ context.Context, id int64) ([]string, error) { return s[id], nil }

// env is one replica of the bot over a shared database and a fake WeCom.
type env struct {
	t      testing.TB
	db     storagetest.DB
	clock  *storagetest.Clock
	fake   *wecomtest.Server
	client *wecom.Client
	groups *group.Store
	syncer *group.Syncer
	outbox *outbox.Store
	svc    *livecode.Service
	seq    *atomic.Int64
}

func newEnv(t testing.TB, db storagetest.DB) *env {
	t.Helper()
	fake := wecomtest.New(wecomtest.WithUsers("op1", "zhangsan", "lisi"))
	t.Cleanup(fake.Close)
	client, err := wecom.NewClient(wecom.Config{CorpID: wecomtest.DefaultCorpID, Secret: wecomtest.DefaultSecret, AgentID: 1000002, APIBase: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, clock: storagetest.NewClock(time.Date(2026, 6, 10, 2, 0, 0, 0, time.UTC)), fake: fake, client: client, seq: &atomic.Int64{}}
	e.start()
	return e
}

// replica is another bot over the same database and WeCom.
func (e *env) replica() *env {
	r := *e
	r.start()
	return &r
}

func (e *env) start() {
	e.groups = group.NewStore(e.db.DB, e.clock.Now)
	e.outbox = outbox.NewStore(e.db.DB, e.clock.Now)
	svc, err := livecode.New(livecode.Options{DB: e.db.DB, Groups: e.groups, WeCom: e.client, Outbox: e.outbox,
		Staff: staff{7: {"zhangsan"}}, AlertUsers: []string{"op1"}, Now: e.clock.Now, RetryDelay: time.Millisecond})
	if err != nil {
		e.t.Fatal(err)
	}
	e.svc = svc
	e.syncer, err = group.NewSyncer(e.groups, e.client, group.SyncerOptions{OnChange: svc.OnGroupChange})
	if err != nil {
		e.t.Fatal(err)
	}
}

// seed adds groups with n members each to WeCom and syncs them.
func (e *env) seed(n int, chatIDs ...string) {
	e.t.Helper()
	for _, id := range chatIDs {
		e.put(id, "群"+id, n)
	}
	e.sync()
}

func (e *env) put(chatID, name string, n int) {
	g := wecomtest.GroupChat{ChatID: chatID, Name: name, Owner: "zhangsan", CreateTime: time.Unix(1718000000, 0)}
	for i := range n {
		g.Members = append(g.Members, wecomtest.Member{UserID: fmt.Sprintf("wm%s-%d", chatID, i), Type: wecomtest.MemberExternal, JoinScene: 3})
	}
	e.fake.AddGroupChat(g)
}

func (e *env) sync() {
	e.t.Helper()
	if _, err := e.syncer.SyncAll(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// chatEvent is a change_external_chat callback as the inbox holds it.
func (e *env) chatEvent(change, detail, chatID string, n int) {
	e.t.Helper()
	if err := e.handleChat(change, detail, chatID, n); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) handleChat(change, detail, chatID string, n int) error {
	id := e.seq.Add(1)
	xml := fmt.Sprintf("<xml><ToUserName><![CDATA[ww]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>"+
		"<CreateTime>1718003100</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event>"+
		"<ChatId><![CDATA[%s]]></ChatId><ChangeType><![CDATA[%s]]></ChangeType><UpdateDetail><![CDATA[%s]]></UpdateDetail>"+
		"<JoinScene>3</JoinScene><MemChangeCnt>%d</MemChangeCnt></xml>", chatID, change, detail, n)
	return e.syncer.HandleChatEvent(context.Background(), inbox.Event{ID: id, Source: "wecom",
		Kind: "change_external_chat/" + change, DedupeKey: fmt.Sprintf("evt:%d", id), Payload: xml})
}

func (e *env) create(c livecode.Code) livecode.Code {
	e.t.Helper()
	if err := e.svc.Create(context.Background(), "op1", &c); err != nil {
		e.t.Fatalf("create live code: %v", err)
	}
	return c
}

func (e *env) get(id int64) livecode.Code {
	e.t.Helper()
	c, err := e.svc.Get(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// page requests the landing page of code.
func (e *env) page(code string) (int, string) {
	e.t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET /qr/{code}", livecode.Landing(e.svc))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/qr/"+code, nil))
	return rec.Code, rec.Body.String()
}

// joinWay returns the code's join way as the fake holds it.
func (e *env) joinWay(c livecode.Code) wecomtest.JoinWay {
	e.t.Helper()
	jw, ok := e.fake.JoinWay(c.ConfigID)
	if !ok {
		e.t.Fatalf("join way %s not in WeCom", c.ConfigID)
	}
	return jw
}

// alerts returns the kinds of the open alerts.
func (e *env) alerts() []string {
	e.t.Helper()
	open := true
	as, _, err := e.svc.Alerts(context.Background(), livecode.AlertFilter{Open: &open})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, a := range as {
		out = append(out, a.Kind+":"+a.ChatID)
	}
	return out
}

// sent returns the outbox messages queued to one API.
func (e *env) sent(api string) []outbox.Message {
	e.t.Helper()
	ms, err := e.outbox.List(context.Background(), outbox.Filter{API: api, Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	return ms
}

func pool(ids ...string) []livecode.PoolGroup {
	out := make([]livecode.PoolGroup, len(ids))
	for i, id := range ids {
		out[i] = livecode.PoolGroup{ChatID: id}
	}
	return out
}

func has(list []string, want string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, want) {
			return true
		}
	}
	return false
}
