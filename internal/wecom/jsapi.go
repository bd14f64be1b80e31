package wecom

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ticketMargin renews a ticket this long before it expires.
const ticketMargin = 5 * time.Minute

// Ticket is a JS-SDK ticket and when it expires.
type Ticket struct {
	Value     string
	ExpiresAt time.Time
}

// ticketCache keeps one ticket; WeCom allows few fetches (per corp 400 an
// hour, per app 100), so the chat toolbar page must not fetch per view.
type ticketCache struct {
	mu     sync.Mutex
	ticket Ticket
}

// get returns the cached ticket or fetches one, serialising fetches.
func (tc *ticketCache) get(fetch func() (Ticket, error)) (Ticket, error) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.ticket.Value != "" && time.Now().Add(ticketMargin).Before(tc.ticket.ExpiresAt) {
		return tc.ticket, nil
	}
	t, err := fetch()
	if err != nil {
		return Ticket{}, err
	}
	tc.ticket = t
	return t, nil
}

// GetJSAPITicket returns the corp's JS-SDK ticket for wx.config (doc 90506),
// cached until shortly before it expires.
func (c *Client) GetJSAPITicket(ctx context.Context) (Ticket, error) {
	t, err := c.jsapi.get(func() (Ticket, error) { return c.fetchTicket(ctx, "get_jsapi_ticket", nil) })
	if err != nil {
		return Ticket{}, fmt.Errorf("get jsapi ticket: %w", err)
	}
	return t, nil
}

// GetAgentJSAPITicket returns the app's ticket for wx.agentConfig, which the
// chat toolbar page needs for getCurExternalChat and sendChatMessage.
func (c *Client) GetAgentJSAPITicket(ctx context.Context) (Ticket, error) {
	query := url.Values{"type": {"agent_config"}}
	t, err := c.agent.get(func() (Ticket, error) { return c.fetchTicket(ctx, "ticket/get", query) })
	if err != nil {
		return Ticket{}, fmt.Errorf("get agent jsapi ticket: %w", err)
	}
	return t, nil
}

func (c *Client) fetchTicket(ctx context.Context, api string, query url.Values) (Ticket, error) {
	raw, err := c.call(ctx, c.app, exchange{method: http.MethodGet, api: api, query: query})
	if err != nil {
		return Ticket{}, err
	}
	var w struct {
		Ticket    string `json:"ticket"`
		ExpiresIn int    `json:"expires_in"`
	}
	if err := json.Unmarshal(raw, &w); err != nil || w.Ticket == "" {
		return Ticket{}, fmt.Errorf("parse %s answer: no ticket in %s", api, raw)
	}
	return Ticket{Value: w.Ticket, ExpiresAt: time.Now().Add(time.Duration(w.ExpiresIn) * time.Second)}, nil
}

// SignJSAPI computes the JS-SDK signature of a page: the SHA-1 of
// "jsapi_ticket=…&noncestr=…&timestamp=…&url=…" (the URL without its #fragment).
func SignJSAPI(ticket, nonceStr string, timestamp int64, pageURL string) string {
	if i := strings.IndexByte(pageURL, '#'); i >= 0 {
		pageURL = pageURL[:i]
	}
	s := "jsapi_ticket=" + ticket + "&noncestr=" + nonceStr + "&timestamp=" + strconv.FormatInt(timestamp, 10) + "&url=" + pageURL
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
