package wecom

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/qunbot/qunbot/internal/config"
)

// Configured is the client of the WeCom app cfg names, or nil when no app
// is configured (no corp id or secret): then nothing calls WeCom's API.
func Configured(cfg config.Config, log *slog.Logger) (*Client, error) {
	if !cfg.WeComConfigured() {
		return nil, nil
	}
	client, err := NewClient(Config{
		CorpID: cfg.WeCom.CorpID, AgentID: cfg.WeCom.AgentID, Secret: cfg.WeCom.Secret,
		ContactSecret: cfg.WeCom.ContactSecret, APIBase: cfg.WeCom.APIBase, Logger: log,
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
	})
	if err != nil {
		return nil, fmt.Errorf("wecom client: %w", err)
	}
	return client, nil
}
