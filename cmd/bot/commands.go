package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/qunbot/qunbot/internal/config"
	"github.com/qunbot/qunbot/internal/simulate"
	"github.com/qunbot/qunbot/internal/storage"
)

// clientFlags are the flags simulate and load share: where the bot is and
// which configuration holds its credentials.
type clientFlags struct {
	config *string
	url    *string
}

func addClientFlags(fs *flag.FlagSet) clientFlags {
	return clientFlags{
		config: fs.String("config", "", "config file with the bot's credentials (default configs/config.yaml when it exists)"),
		url:    fs.String("url", "http://127.0.0.1:8080", "the running bot's base URL"),
	}
}

// client builds a simulate.Client that signs with the credentials the bot
// itself loads, so the callbacks pass its checks.
func (f clientFlags) client(getenv func(string) string) (*simulate.Client, config.Config, error) {
	cfg, err := config.Load(*f.config, getenv)
	if err != nil {
		return nil, cfg, err
	}
	appCrypto, aibotCrypto, err := cryptos(cfg)
	if err != nil {
		return nil, cfg, err
	}
	return &simulate.Client{
		BaseURL:      *f.url,
		CorpID:       cfg.WeCom.CorpID,
		AgentID:      cfg.WeCom.AgentID,
		App:          appCrypto,
		AIBot:        aibotCrypto,
		BridgeSecret: []byte(cfg.Bridge.Secret),
		HTTP:         &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}},
	}, cfg, nil
}

func simulateCmd(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	cf := addClientFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, _, err := cf.client(getenv)
	if err != nil {
		return err
	}
	defer c.HTTP.CloseIdleConnections()
	fmt.Fprintf(out, "向 %s 發(fā)送演示場景 (playing the demo scenario against %s)\n", c.BaseURL, c.BaseURL)
	return simulate.Run(ctx, c, simulate.Demo(strconv.FormatInt(time.Now().UnixNano(), 10)), out)
}

func loadCmd(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	cf := addClientFlags(fs)
	n := fs.Int("n", 10000, "distinct callbacks to send")
	conc := fs.Int("c", 64, "requests in flight at most")
	rate := fs.Int("rate", 0, "callbacks per second, open loop (0: as fast as the bot answers)")
	dups := fs.Int("dups", 500, "callbacks to redeliver afterwards; the inbox must not grow")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 {
		return fmt.Errorf("-n must be at least 1")
	}
	c, cfg, err := cf.client(getenv)
	if err != nil {
		return err
	}
	// Connections dialled but never used would hold up the bot's graceful
	// shutdown for 5 s.
	defer c.HTTP.CloseIdleConnections()
	reqs, keys, err := simulate.PrepareLoad(c, *n, strconv.FormatInt(time.Now().UnixNano(), 36))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "load: %d signed callbacks to %s, concurrency %d, rate %d/s (0 = closed loop)\n", *n, c.BaseURL, *conc, *rate)
	res := simulate.Load(ctx, c, reqs, simulate.LoadOptions{N: *n, Concurrency: *conc, Rate: *rate})
	res.Report(out)
	redelivered := simulate.Load(ctx, c, reqs[:min(*dups, len(reqs))], simulate.LoadOptions{Concurrency: *conc})
	fmt.Fprintf(out, "redelivered %d callbacks: %d answered 200\n", redelivered.Sent, redelivered.OK)
	return verifyInbox(ctx, cfg, keys, res.OK, out)
}

// verifyInbox reads the bot's database to check that exactly one row exists
// for every callback sent.
func verifyInbox(ctx context.Context, cfg config.Config, keys []string, acknowledged int, out io.Writer) error {
	db, err := storage.Open(ctx, storage.Options{Driver: cfg.Database.Driver, DSN: cfg.Database.DSN})
	if err != nil {
		return fmt.Errorf("open the bot's database to verify: %w", err)
	}
	defer storage.Close(db)
	n, err := simulate.Verify(ctx, db, keys, acknowledged)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "verified: exactly %d inbox rows for %d distinct callbacks (no loss, no duplicates)\n", n, len(keys))
	return nil
}

func migrateCmd(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	configPath := fs.String("config", "", "config file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(*configPath, getenv)
	if err != nil {
		return err
	}
	db, err := storage.Open(ctx, storage.Options{Driver: cfg.Database.Driver, DSN: cfg.Database.DSN, Logger: newLogger(cfg, out)})
	if err != nil {
		return err
	}
	defer storage.Close(db)
	v, err := storage.Version(ctx, db, cfg.Database.Driver)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "database schema at version %d\n", v)
	return nil
}

func configCmd(args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("config", flag.ContinueOnError)
	configPath := fs.String("config", "", "config file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(*configPath, getenv)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%-32s %-36s %s\n", "KEY", "ENVIRONMENT", "DESCRIPTION")
	for _, k := range config.Keys() {
		fmt.Fprintf(out, "%-32s %-36s %s\n", k.Name, k.Env, k.Doc)
	}
	fmt.Fprintf(out, "\nIn force (secrets redacted):\n%s\n", cfg)
	return nil
}
