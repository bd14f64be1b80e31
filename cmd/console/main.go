// Command console is the operators' and store staff's web console and its
// JSON API (/api/v1, docs/openapi.yaml).
//
// On a fresh database it creates the admin user and prints a one-time
// password (or uses console.admin_password). The web pages are not built
// yet: they answer 501 saying so; the API is complete for what it covers.
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
	"os"
	"os/signal"
	"syscall"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/audit"
	"github.com/qunbot/qunbot/internal/bridge"
	"github.com/qunbot/qunbot/internal/complaint"
	"github.com/qunbot/qunbot/internal/config"
	"github.com/qunbot/qunbot/internal/console"
	"github.com/qunbot/qunbot/internal/console/web"
	"github.com/qunbot/qunbot/internal/directory"
	"github.com/qunbot/qunbot/internal/governance"
	"github.com/qunbot/qunbot/internal/group"
	"github.com/qunbot/qunbot/internal/inbox"
	"github.com/qunbot/qunbot/internal/livecode"
	"github.com/qunbot/qunbot/internal/org"
	"github.com/qunbot/qunbot/internal/outbox"
	"github.com/qunbot/qunbot/internal/schedule"
	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/storage"
	"github.com/qunbot/qunbot/internal/ticket"
	"github.com/qunbot/qunbot/internal/toolbar"
	"github.com/qunbot/qunbot/internal/user"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/callback"
	"github.com/qunbot/qunbot/internal/welcome"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "console:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("console", flag.ContinueOnError)
	configPath := fs.String("config", "", "config file (default configs/config.yaml when it exists)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(*configPath, getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stdout, nil))
	db, err := storage.Open(ctx, storage.Options{Driver: cfg.Database.Driver, DSN: cfg.Database.DSN, Logger: log})
	if err != nil {
		return err
	}
	defer storage.Close(db)

	users := user.NewStore(db, nil, 0)
	if err := firstAdmin(ctx, users, cfg.Console.AdminPassword, stdout); err != nil {
		return err
	}
	opts, err := options(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	opts.Users = users
	if opts.Pages, err = web.New(web.Options{
		Users: users, Scripts: opts.Scripts, Engine: opts.Engine, Tickets: opts.Tickets, Audit: opts.Audit,
		Schedule: opts.Schedule, LiveCodes: opts.LiveCodes, Groups: opts.Groups, Org: opts.Org,
		Inbox: opts.Inbox, MessageKinds: opts.MessageKinds,
		Settings: opts.Settings, WeComCheck: opts.WeComCheck, WeComTry: opts.WeComTry, Welcome: opts.Welcome,
		Complaints: opts.Complaints, ComplaintDetector: opts.ComplaintDetector, Governance: opts.Governance, Logger: log,
	}); err != nil {
		return err
	}
	handler := console.New(opts)
	ln, err := net.Listen("tcp", cfg.Console.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (console.addr): %w", cfg.Console.Addr, err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 60 * time.Second, WriteTimeout: 60 * time.Second}
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	log.Info("console listening", "addr", ln.Addr().String())
	if ready != nil {
		ready <- ln.Addr().String()
	}
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}

// firstAdmin creates the admin on a database without users and tells the
// person starting the console how to sign in.
func firstAdmin(ctx context.Context, users *user.Store, password string, stdout io.Writer) error {
	once, err := users.EnsureAdmin(ctx, password)
	if err != nil {
		return err
	}
	switch {
	case once == "":
	case password != "":
		fmt.Fprintf(stdout, "已创建管理员 %s,密码为 console.admin_password 的值 (admin created with console.admin_password)\n", user.AdminUsername)
	default:
		fmt.Fprintf(stdout, "已创建管理员 %s,一次性密码:%s(首次登录后须修改)\n(admin created; one-time password shown once: %s)\n", user.AdminUsername, once, once)
	}
	return nil
}

// options builds the capabilities the console serves. WeCom-backed parts
// (group sync, welcome templates, the chat toolbar) say plainly that WeCom
// is not configured when it is not.
func options(ctx context.Context, cfg config.Config, db *gorm.DB, log *slog.Logger) (console.Options, error) {
	client, err := wecom.Configured(cfg, log)
	if err != nil {
		return console.Options{}, err
	}
	scripts := script.NewStore(db, now)
	engine := script.NewEngine(scripts, log)
	if err := engine.Reload(ctx); err != nil {
		log.Warn("script library not loaded yet; try-it reloads on demand", "err", err)
	}
	complaints := complaint.NewStore(db, now)
	dir := directory.Directory{Org: org.NewStore(db, now), Groups: group.NewStore(db, now)}
	welcomeOpts := welcome.Options{Store: welcome.NewStore(db, now), Directory: dir, BridgeSends: cfg.Bridge.SendURL != "", Logger: log, Now: now}
	toolbarOpts := toolbar.Options{
		Store: toolbar.NewStore(db, engine, now), Scripts: scripts, Engine: engine, Chats: dir,
		CorpID: cfg.WeCom.CorpID, AgentID: cfg.WeCom.AgentID, PublicBase: cfg.Console.PublicURL,
		SessionSecret: []byte(cfg.Console.SessionSecret), Logger: log, Now: now,
	}
	liveOpts := livecode.Options{DB: db, Groups: dir.Groups, Outbox: outbox.NewStore(db, now), Staff: dir,
		AlertUsers: config.List(cfg.LiveCode.AlertUserIDs), Logger: log, Now: now}
	opts := console.Options{
		Scripts: scripts, Engine: engine, Org: dir.Org, Groups: dir.Groups,
		Tickets:    ticket.New(ticket.Options{DB: db, Router: dir, Staff: dir, ConsoleURL: cfg.Console.PublicURL, Logger: log, Now: now}),
		Complaints: complaints, ComplaintDetector: complaint.NewDetector(complaint.Options{Store: complaints, Logger: log, Now: now}),
		Governance: governance.NewStore(db, now),
		Schedule:   schedule.NewStore(db, now),
		// The bot records every callback; the overview counts the chat
		// messages among them.
		Inbox:        inbox.NewStore(db, now),
		MessageKinds: append(bridge.ChatKinds(), callback.AIBotChatKinds()...),
		Audit:        audit.NewStore(db, now),
		APIToken:     cfg.Console.APIToken,
		Health:       func(r *http.Request) error { return storage.Ping(r.Context(), db) },
		// New credentials are tried through the deployment's API base (a
		// proxy, a private deployment), whether or not WeCom is configured.
		WeComTry: func(ctx context.Context, c wecom.Credentials) error {
			return wecom.TryCredentials(ctx, cfg.WeCom.APIBase, c)
		},
		Logger: log,
	}
	if client != nil { // a nil *wecom.Client in an interface would not be nil
		if opts.GroupSync, err = group.NewSyncer(dir.Groups, client, group.SyncerOptions{Logger: log}); err != nil {
			return console.Options{}, err
		}
		welcomeOpts.Contacts, welcomeOpts.Templates = client, client
		opts.WeComCheck = client.Check
		liveOpts.WeCom = client
		toolbarOpts.WeCom, toolbarOpts.Groups = client, client
	}
	opts.Welcome = welcome.New(welcomeOpts)
	if opts.LiveCodes, err = livecode.New(liveOpts); err != nil {
		return console.Options{}, err
	}
	opts.Toolbar = toolbar.New(toolbarOpts)
	return opts, nil
}

func now() time.Time { return time.Now().UTC() }
