package wecom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ArtisanCloud/PowerLibs/v3/logger/contract"
	"github.com/ArtisanCloud/PowerWeChat/v3/src/work"
)

// oauthPlaceholder satisfies PowerWeChat's NewWork, which refuses to start
// unless OAuth.Callback starts with "http"; qunbot does no OAuth through it.
const oauthPlaceholder = "https://qunbot.invalid/oauth-unused"

// newWork builds one PowerWeChat app for one secret, with qunbot's own
// token cache and logger so the SDK never writes $HOME/.ArtisanCloud (its
// default cache stores tokens in clear) or ./wechat/*.log.
func newWork(cfg Config, secret string, cache *tokenCache, log *slog.Logger) (*work.Work, error) {
	app, err := work.NewWork(&work.UserConfig{
		CorpID:  cfg.CorpID,
		AgentID: cfg.AgentID,
		Secret:  secret,
		OAuth:   work.OAuth{Callback: oauthPlaceholder},
		Log:     work.Log{Driver: sdkLogger{log: log}, Level: "error"},
		Cache:   cache,
		Http:    work.Http{BaseURI: cfg.APIBase + "/", Timeout: cfg.timeout().Seconds(), Transport: cfg.transport()},
	})
	if err != nil {
		return nil, fmt.Errorf("start PowerWeChat: %w", err)
	}
	return app, nil
}

// tokenCache is a per-client in-memory cache for PowerWeChat. The SDK
// stores a token struct and reads it back as map[string]interface{}, so
// values are kept in their JSON form.
type tokenCache struct {
	mu    sync.Mutex
	items map[string]cacheItem
}

type cacheItem struct {
	value   map[string]any
	expires time.Time
}

var errNotCached = errors.New("not cached")

func newTokenCache() *tokenCache { return &tokenCache{items: map[string]cacheItem{}} }

// Get returns the value stored under key as map[string]interface{}.
func (c *tokenCache) Get(key string, defaultValue any) (any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	item, found := c.live(key)
	if !found {
		return defaultValue, fmt.Errorf("cache key %q: %w", key, errNotCached)
	}
	out := make(map[string]any, len(item.value))
	for k, v := range item.value {
		out[k] = v
	}
	return out, nil
}

// Set stores value (converted to its JSON object form) for ttl.
func (c *tokenCache) Set(key string, value any, ttl time.Duration) error {
	raw, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("cache key %q: %w", key, err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("cache key %q: value is not a JSON object: %w", key, err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items[key] = cacheItem{value: m, expires: time.Now().Add(ttl)}
	return nil
}

// Has reports whether key holds a live value.
func (c *tokenCache) Has(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, found := c.live(key)
	return found
}

// AddNX stores value only if key is empty and reports whether it did.
func (c *tokenCache) AddNX(key string, value any, ttl time.Duration) bool {
	if c.Has(key) {
		return false
	}
	return c.Set(key, value, ttl) == nil
}

// Add stores value only if key is empty.
func (c *tokenCache) Add(key string, value any, ttl time.Duration) error {
	if c.Has(key) {
		return fmt.Errorf("cache key %q already set", key)
	}
	return c.Set(key, value, ttl)
}

// Remember returns the cached value, or computes, stores and returns it.
func (c *tokenCache) Remember(key string, ttl time.Duration, compute func() (any, error)) (any, error) {
	if v, err := c.Get(key, nil); err == nil {
		return v, nil
	}
	v, err := compute()
	if err != nil {
		return nil, err
	}
	if err := c.Set(key, v, ttl); err != nil {
		return nil, err
	}
	return c.Get(key, nil)
}

// accessToken returns the access_token stored under key, or "".
func (c *tokenCache) accessToken(key string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	item, found := c.live(key)
	if !found {
		return ""
	}
	tok, _ := item.value["access_token"].(string)
	return tok
}

// live returns the item under key unless it has expired; c.mu is held.
func (c *tokenCache) live(key string) (cacheItem, bool) {
	item, found := c.items[key]
	if !found || !time.Now().Before(item.expires) {
		delete(c.items, key)
		return cacheItem{}, false
	}
	return item, true
}

// sdkLogger sends PowerWeChat's logs to slog at debug level.
type sdkLogger struct{ log *slog.Logger }

var _ contract.LoggerInterface = sdkLogger{}

func (l sdkLogger) emit(msg string)                                      { l.log.Debug("powerwechat", "msg", msg) }
func (l sdkLogger) Debug(msg string, _ ...any)                           { l.emit(msg) }
func (l sdkLogger) Info(msg string, _ ...any)                            { l.emit(msg) }
func (l sdkLogger) Warn(msg string, _ ...any)                            { l.emit(msg) }
func (l sdkLogger) Error(msg string, _ ...any)                           { l.emit(msg) }
func (l sdkLogger) Panic(msg string, _ ...any)                           { l.emit(msg) }
func (l sdkLogger) Fatal(msg string, _ ...any)                           { l.emit(msg) }
func (l sdkLogger) DebugF(format string, args ...any)                    { l.emit(fmt.Sprintf(format, args...)) }
func (l sdkLogger) InfoF(format string, args ...any)                     { l.emit(fmt.Sprintf(format, args...)) }
func (l sdkLogger) WarnF(format string, args ...any)                     { l.emit(fmt.Sprintf(format, args...)) }
func (l sdkLogger) ErrorF(format string, args ...any)                    { l.emit(fmt.Sprintf(format, args...)) }
func (l sdkLogger) PanicF(format string, args ...any)                    { l.emit(fmt.Sprintf(format, args...)) }
func (l sdkLogger) FatalF(format string, args ...any)                    { l.emit(fmt.Sprintf(format, args...)) }
func (l sdkLogger) WithContext(context.Context) contract.LoggerInterface { return l }
