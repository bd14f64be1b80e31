package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/bridge"
	"github.com/qunbot/qunbot/internal/config"
	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/httpx"
	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
)

// startDemo sets up demo mode: an embedded fake WeCom (API calls are printed
// instead of reaching Tencent), an embedded bridge receiver (what the bot
// would say in a group is printed), and a few scripts so that the
// simulator's questions get answers. It points cfg at the fakes.
func startDemo(ctx context.Context, cfg *config.Config, db *gorm.DB, out io.Writer, log *slog.Logger) (demo *demoMode, stop func(), err error) {
	fake := wecomtest.New(append(demoWeCom(),
		wecomtest.WithCorp(cfg.WeCom.CorpID, cfg.WeCom.Secret, cfg.WeCom.ContactSecret),
		wecomtest.WithOnCall(func(c wecomtest.Call) {
			if c.Path != "/cgi-bin/gettoken" {
				fmt.Fprintf(out, "[demo] 將發(fā)送到企業(yè)微信 (would send to WeCom): %s %s\n", c.Path, c.Body)
			}
		}),
	)...)
	cfg.WeCom.APIBase = fake.URL
	stop = fake.Close
	if cfg.Bridge.SendURL == "" {
		receiver := demoBridge([]byte(cfg.Bridge.Secret), out)
		cfg.Bridge.SendURL = receiver.URL + "/send"
		stop = func() { receiver.Close(); fake.Close() }
	}
	if err := seedDemoScripts(ctx, script.NewStore(db, now)); err != nil {
		stop()
		return nil, nil, err
	}
	if err := seedDemoDirectory(ctx, *cfg, db, log); err != nil {
		stop()
		return nil, nil, err
	}
	log.Info("demo mode: WeCom and the bridge are embedded fakes; what the bot would send is printed", "fake_wecom", fake.URL, "bridge_send_url", cfg.Bridge.SendURL)
	return &demoMode{out: out, fake: fake}, stop, nil
}

// demoMode is what the bot's wiring needs of demo mode; nil outside it.
type demoMode struct {
	out  io.Writer         // a line per handled event, for the person watching
	fake *wecomtest.Server // the embedded WeCom
}

// output is where handled events are told; nil outside demo mode.
func (d *demoMode) output() io.Writer {
	if d == nil {
		return nil
	}
	return d.out
}

// mirror applies to the embedded WeCom the membership changes the demo's
// callbacks announce, as the real WeCom has before it calls back, so that
// the reconcile that follows reads the count the events made.
func (d *demoMode) mirror(_ context.Context, c group.Change) {
	for _, id := range c.Members {
		var err error
		switch c.Kind {
		case group.ChangeJoined:
			err = d.fake.AddMember(c.ChatID, wecomtest.Member{UserID: id, Type: wecomtest.MemberExternal, JoinTime: now(), JoinScene: c.JoinScene})
		case group.ChangeLeft:
			err = d.fake.RemoveMember(c.ChatID, id)
		}
		if err != nil {
			fmt.Fprintf(d.out, "[demo] 模拟企业微信未能更新群成员 (the embedded WeCom kept its members): %v\n", err)
		}
	}
}

// groupObserver is mirror in demo mode, nil outside it.
func (d *demoMode) groupObserver() group.Observer {
	if d == nil {
		return nil
	}
	return d.mirror
}

// demoBridge is a bridge send webhook that checks qunbot's signature and
// prints what it was asked to say.
func demoBridge(secret []byte, out io.Writer) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := httpx.ReadBody(w, r, 1<<20)
		if err == nil {
			err = bridge.Verify(secret, r.Header, body, time.Now())
		}
		if err != nil {
			httpx.WriteError(w, http.StatusForbidden, "bad_signature", err.Error())
			return
		}
		fmt.Fprintf(out, "[demo] 機器人將在群里說 (the bot would say in the group): %s\n", body)
		httpx.WriteJSON(w, http.StatusOK, map[string]bool{"ok": true})
	}))
}

// demoScripts answer the questions the simulator's members ask.
func demoScripts() []script.Script {
	text := func(t string) []script.Reply { return []script.Reply{{Type: script.ReplyText, Text: t}} }
	return []script.Script{
		{Title: "營業(yè)時間", Keywords: []string{"幾點營業(yè)", "營業(yè)時間", "幾點開門"}, MatchMode: "contains", Replies: text("門店營業(yè)時間:每天 9:00-21:00,節(jié)假日照常營業(yè)。"), Enabled: true, Priority: 10},
		{Title: "保養(yǎng)價格", Keywords: []string{"保養(yǎng)", "多少錢"}, MatchMode: "all", Replies: text("常規(guī)保養(yǎng) 680 元起,會員 9 折。預(yù)約請回復(fù)「預(yù)約保養(yǎng)」,工作人員聯(lián)系您。"), Enabled: true, Priority: 5},
		{Title: "試駕活動報名", Keywords: []string{"試駕"}, MatchMode: "contains", Replies: []script.Reply{{Type: script.ReplyLink, Title: "周末試駕活動報名", Description: "本周六 10:00 旗艦店,名額 30 個", URL: "https://example.com/testdrive"}}, Enabled: true},
	}
}

// seedDemoScripts adds the demo scripts to an empty library, once.
func seedDemoScripts(ctx context.Context, store *script.Store) error {
	_, total, err := store.List(ctx, script.Filter{Limit: 1})
	if err != nil || total > 0 {
		return err
	}
	for _, sc := range demoScripts() {
		if err := store.Create(ctx, "demo", &sc); err != nil {
			return fmt.Errorf("seed demo script %q: %w", sc.Title, err)
		}
	}
	return nil
}
