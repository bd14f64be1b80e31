// Package simulate drives a running bot the way WeCom, the AI bot and a
// bridge would: it builds realistic callbacks, signs and encrypts them with
// the bot's own credentials and posts them over HTTP. The demo scenario and
// the load tool both use it, so what they exercise is the real wire path.
package simulate

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/qunbot/qunbot/internal/bridge"
	"github.com/qunbot/qunbot/internal/wecom/callback"
)

// Client posts signed callbacks to a bot at BaseURL.
type Client struct {
	BaseURL      string
	CorpID       string
	AgentID      int
	App          *callback.Crypto // nil: app callbacks are not sent
	AIBot        *callback.Crypto // nil: AI bot callbacks are not sent
	BridgeSecret []byte           // empty: bridge messages are not sent
	HTTP         *http.Client
	Now          func() time.Time
}

// Answer is what the bot said to one callback.
type Answer struct {
	Status int
	Body   []byte
}

// Request is a callback ready to send: sealing happens before a load run
// starts so that the client's own crypto does not limit what it measures.
type Request struct {
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
}

// AppEvent seals plaintext as WeCom seals an app callback.
func (c *Client) AppEvent(plaintext []byte) (Request, error) {
	if c.App == nil {
		return Request{}, fmt.Errorf("app callback: no wecom credentials configured")
	}
	ts, nonce := c.timestamp(), nonce()
	encrypted, sig, err := c.App.Seal(plaintext, ts, nonce)
	if err != nil {
		return Request{}, fmt.Errorf("seal app callback: %w", err)
	}
	body := fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt><AgentID><![CDATA[%d]]></AgentID></xml>", c.CorpID, encrypted, c.AgentID)
	return Request{Path: "/wecom/callback", Query: signedQuery(sig, ts, nonce), Body: []byte(body)}, nil
}

// AIBotMessage seals plaintext JSON as WeCom seals an AI bot callback.
func (c *Client) AIBotMessage(plaintext []byte) (Request, error) {
	if c.AIBot == nil {
		return Request{}, fmt.Errorf("aibot callback: no aibot credentials configured")
	}
	ts, nonce := c.timestamp(), nonce()
	encrypted, sig, err := c.AIBot.Seal(plaintext, ts, nonce)
	if err != nil {
		return Request{}, fmt.Errorf("seal aibot callback: %w", err)
	}
	body, err := json.Marshal(map[string]string{"encrypt": encrypted})
	if err != nil {
		return Request{}, fmt.Errorf("encode aibot callback: %w", err)
	}
	return Request{Path: "/wecom/aibot", Query: signedQuery(sig, ts, nonce), Body: body}, nil
}

// BridgeBatch signs a batch of normalised messages as a bridge does.
func (c *Client) BridgeBatch(msgs []bridge.Message) (Request, error) {
	if len(c.BridgeSecret) == 0 {
		return Request{}, fmt.Errorf("bridge messages: no bridge.secret configured")
	}
	body, err := json.Marshal(map[string]any{"messages": msgs})
	if err != nil {
		return Request{}, fmt.Errorf("encode bridge batch: %w", err)
	}
	ts := c.timestamp()
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(bridge.HeaderTimestamp, ts)
	h.Set(bridge.HeaderSignature, bridge.Sign(c.BridgeSecret, ts, body))
	return Request{Path: "/bridge/messages", Header: h, Body: body}, nil
}

// Do posts req and reads the answer.
func (c *Client) Do(ctx context.Context, req Request) (Answer, error) {
	u := c.BaseURL + req.Path
	if len(req.Query) > 0 {
		u += "?" + req.Query.Encode()
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(req.Body))
	if err != nil {
		return Answer{}, fmt.Errorf("post %s: %w", req.Path, err)
	}
	for k, v := range req.Header {
		r.Header[k] = v
	}
	if r.Header.Get("Content-Type") == "" {
		r.Header.Set("Content-Type", "text/xml")
	}
	resp, err := c.HTTP.Do(r)
	if err != nil {
		return Answer{}, fmt.Errorf("post %s: %w", req.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Answer{}, fmt.Errorf("read answer of %s: %w", req.Path, err)
	}
	return Answer{Status: resp.StatusCode, Body: body}, nil
}

func (c *Client) timestamp() string {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	return strconv.FormatInt(now().Unix(), 10)
}

func signedQuery(sig, ts, nonce string) url.Values {
	return url.Values{"msg_signature": {sig}, "timestamp": {ts}, "nonce": {nonce}}
}

func nonce() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// Readable is the bot's answer as a person can read it: an AI bot's passive
// reply is decrypted.
func (c *Client) Readable(req Request, ans Answer) string {
	body := strings.TrimSpace(string(ans.Body))
	if req.Path != "/wecom/aibot" || c.AIBot == nil || ans.Status != http.StatusOK || body == "" {
		return body
	}
	var env struct {
		Encrypt      string `json:"encrypt"`
		MsgSignature string `json:"msgsignature"`
		Timestamp    string `json:"timestamp"`
		Nonce        string `json:"nonce"`
	}
	if err := json.Unmarshal(ans.Body, &env); err != nil {
		return body
	}
	plain, err := c.AIBot.Open(callback.Query{Signature: env.MsgSignature, Timestamp: env.Timestamp, Nonce: env.Nonce}, env.Encrypt, time.Now())
	if err != nil {
		return body + " (reply does not open: " + err.Error() + ")"
	}
	return "機器人被動回復(fù) (passive reply): " + string(plain)
}
