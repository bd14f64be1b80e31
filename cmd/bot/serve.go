package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/bot"
	"github.com/qunbot/qunbot/internal/bridge"
	"github.com/qunbot/qunbot/internal/config"
	"github.com/qunbot/qunbot/internal/directory"
	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/livecode"
	"github.com/qunbot/qunbot/internal/mail"
	"github.com/qunbot/qunbot/internal/metrics"
	"github.com/qunbot/qunbot/internal/org"
	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/storage"
	"github.com/qunbot/qunbot/internal/wechat"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/callback"
)

// libraryPoll is how often the bot checks whether the script library changed.
const libraryPoll = time.Second

// workers is how many events the dispatcher, and how many sends the outbox,
// have under way at once: enough that a burst of welcomes (each with a
// WeCom round trip) leaves within seconds.
const workers = 16

// shutdownGrace bounds how long in-flight requests and work may take to
// finish after SIGTERM.
const shutdownGrace = 20 * time.Second

// serve runs the callback server and the workers until ctx is done. ready,
// when not nil, receives the listening address (tests start the bot on :0).
func serve(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	configPath := fs.String("config", "", "config file (default configs/config.yaml when it exists)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(*configPath, getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stdout)
	log.Info("starting qunbot bot", "config", cfg)
	if cfg.Redis.Addr != "" {
		log.Warn("redis.addr is set but not used yet: replicas coordinate through the database (claims with SKIP LOCKED); outbox rate limits are per process")
	}

	db, err := storage.Open(ctx, storage.Options{Driver: cfg.Database.Driver, DSN: cfg.Database.DSN, Logger: log})
	if err != nil {
		return err
	}
	defer storage.Close(db)

	var demo *demoMode
	if cfg.Demo {
		var stopDemo func()
		if demo, stopDemo, err = startDemo(ctx, &cfg, db, stdout, log); err != nil {
			return err
		}
		defer stopDemo()
	}
	app, err := wire(cfg, db, log, demo)
	if err != nil {
		return err
	}
	return app.run(ctx, cfg.HTTP.Addr, log, ready)
}

// app is the running bot: its HTTP server and its background workers.
type app struct {
	handler http.Handler
	workers []func(ctx context.Context) error
}

// wire builds the bot from its configuration. demo is nil outside demo
// mode; in it, the person watching reads a line for each event handled.
func wire(cfg config.Config, db *gorm.DB, log *slog.Logger, demo *demoMode) (*app, error) {
	m := metrics.New()
	inboxStore := inbox.NewStore(db, now)
	outboxStore := outbox.NewStore(db, now)
	dispatcher := inbox.NewDispatcher(inboxStore, inbox.Options{Workers: workers, Logger: log, Observer: handledObserver(m, demo.output())})
	worker := outbox.NewWorker(outboxStore, outbox.WorkerOptions{Workers: workers, Logger: log, Observer: outbox.ObserverFunc(m.ObserveSent)})
	client, err := wecom.Configured(cfg, log)
	if err != nil {
		return nil, err
	}
	if err := registerSenders(cfg, client, worker); err != nil {
		return nil, err
	}
	c := &capabilities{cfg: cfg, db: db, log: log, client: client, dispatcher: dispatcher, outbox: outboxStore, wake: worker.Notify,
		demoGroups: demo.groupObserver(),
		dir:        directory.Directory{Org: org.NewStore(db, now), Groups: group.NewStore(db, now)}}
	replies := c.scripts()
	if err := c.liveCode(); err != nil {
		return nil, err
	}
	if err := c.groups(); err != nil {
		return nil, err
	}
	tickets := c.tickets(replies)
	c.complaints(tickets)
	c.schedule(tickets, c.liveCodes)
	welcomes := c.welcome()
	m.WatchQueues(metrics.QueueSource{
		InboxStates:   metrics.StateCounts(inboxStore.Counts),
		OutboxStates:  metrics.StateCounts(outboxStore.Counts),
		OldestPending: inboxStore.OldestPending,
		Now:           now,
		Logger:        log,
	})
	opts := bot.Options{
		Inbox:      inboxStore,
		Wake:       dispatcher.Notify,
		Health:     func(ctx context.Context) error { return storage.Ping(ctx, db) },
		AIBotReply: replies.AIBotReply,
		WeChatReply: func(ctx context.Context, msg wechat.Message) ([]byte, bool) {
			if r, ok := welcomes.WeChatWelcome(ctx, msg); ok {
				return r, true
			}
			return replies.WeChatReply(ctx, msg)
		},
		QRLanding: livecode.Landing(c.liveCodes),
		Metrics:   m,
		Logger:    log,
		Now:       now,
	}
	if opts.AppCrypto, opts.AIBotCrypto, err = cryptos(cfg); err != nil {
		return nil, err
	}
	if cfg.Bridge.Secret != "" {
		opts.BridgeSecret = []byte(cfg.Bridge.Secret)
	}
	if cfg.WeChat.Token != "" {
		wc, err := wechat.New(wechat.Config{AppID: cfg.WeChat.AppID, Token: cfg.WeChat.Token, EncodingAESKey: cfg.WeChat.EncodingAESKey})
		if err != nil {
			return nil, fmt.Errorf("wechat callback: %w", err)
		}
		opts.WeChat = wc
	}
	work := append([]func(context.Context) error{dispatcher.Run, worker.Run}, c.workers...)
	return &app{handler: bot.New(opts), workers: work}, nil
}

func cryptos(cfg config.Config) (app, aibot *callback.Crypto, err error) {
	if cfg.WeCom.Token != "" {
		if app, err = callback.New(cfg.WeCom.Token, cfg.WeCom.EncodingAESKey, cfg.WeCom.CorpID); err != nil {
			return nil, nil, fmt.Errorf("wecom callback: %w", err)
		}
	}
	if cfg.AIBot.Token != "" {
		if aibot, err = callback.New(cfg.AIBot.Token, cfg.AIBot.EncodingAESKey, ""); err != nil {
			return nil, nil, fmt.Errorf("aibot callback: %w", err)
		}
	}
	return app, aibot, nil
}

// registerSenders gives the outbox a sender for every API it may be asked
// to call. Rates stay under WeCom's documented limits.
func registerSenders(cfg config.Config, client *wecom.Client, w *outbox.Worker) error {
	if client != nil {
		for _, api := range wecom.SendableAPIs() {
			route := outbox.Route{
				Sender: func(ctx context.Context, payload []byte) ([]byte, error) { return client.Send(ctx, api, payload) },
				Limit:  20,
				Burst:  20,
			}
			if api == "externalcontact/send_welcome_msg" {
				// A welcome must leave within 20 s of the event, and a burst
				// of new contacts must not queue behind a low rate; a used
				// WelcomeCode answers 41051, so a resend is safe.
				route.Limit, route.Burst, route.Idempotent = 150, 200, true
			}
			w.Register(api, route)
		}
	}
	// Late AI bot answers go to the response_url WeCom gave with the
	// message, which must be under the configured API base.
	responder := &wecom.AIBotResponder{HTTP: &http.Client{Timeout: 10 * time.Second}, Base: cfg.WeCom.APIBase}
	w.Register(wecom.APIAIBotResponse, outbox.Route{Sender: responder.Send, Limit: 20, Burst: 20, Idempotent: true})
	if cfg.Bridge.SendURL != "" {
		s := &bridge.Sender{URL: cfg.Bridge.SendURL, Secret: []byte(cfg.Bridge.Secret), Client: &http.Client{Timeout: 10 * time.Second}}
		// The bridge dedupes by Idempotency-Key, so a resend is safe.
		w.Register("bridge/send", outbox.Route{Sender: s.Send, Limit: 50, Burst: 50, Idempotent: true})
	}
	if cfg.Mail.Host != "" {
		sender, err := mail.New(mail.Config{Host: cfg.Mail.Host, Port: cfg.Mail.Port, User: cfg.Mail.User, Pass: cfg.Mail.Password, From: cfg.Mail.From}, nil)
		if err != nil {
			return fmt.Errorf("mail: %w", err)
		}
		w.Register(mail.API, outbox.Route{Sender: sender.Send, Limit: 5, Burst: 10})
	}
	return nil
}

// run serves HTTP and runs the workers until ctx is done, then shuts down in
// order: stop taking requests, finish the ones in flight, then let the
// workers finish what they hold.
func (a *app) run(ctx context.Context, addr string, log *slog.Logger, ready chan<- string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s (http.addr): %w", addr, err)
	}
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	workersDone := make(chan struct{}, len(a.workers))
	for _, work := range a.workers {
		go func() {
			if err := work(workCtx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("worker stopped", "err", err)
			}
			workersDone <- struct{}{}
		}()
	}

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("bot listening", "addr", ln.Addr().String())
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-serveErr:
		stopWork()
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests and work")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("http shutdown", "err", err)
	}
	stopWork()
	for range a.workers {
		select {
		case <-workersDone:
		case <-shutdownCtx.Done():
			return errors.New("shutdown: workers did not finish in time")
		}
	}
	log.Info("stopped")
	return nil
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level)) // validated by config
	opts := &slog.HandlerOptions{Level: level}
	if strings.EqualFold(cfg.Log.Format, "text") {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func now() time.Time { return time.Now().UTC() }
