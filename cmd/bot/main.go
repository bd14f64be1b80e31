// Command bot is qunbot's WeCom callback server and its workers.
//
//	bot [serve]    run the server (the default)
//	bot simulate   play the demo scenario against a running bot
//	bot load       measure a running bot with N signed callbacks
//	bot migrate    bring the database schema up to date and exit
//	bot config     print the configuration keys and the values in force
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bot:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, nil)
	case "simulate":
		return simulateCmd(ctx, args, getenv, stdout)
	case "load":
		return loadCmd(ctx, args, getenv, stdout)
	case "migrate":
		return migrateCmd(ctx, args, getenv, stdout)
	case "config":
		return configCmd(args, getenv, stdout)
	default:
		return fmt.Errorf("unknown command %q (want serve, simulate, load, migrate or config)", cmd)
	}
}
