package wecom

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// The APIs sent through the durable outbox, named by their path under cgi-bin/.
const (
	APISendWelcomeMsg = "externalcontact/send_welcome_msg"
	APIAddMsgTemplate = "externalcontact/add_msg_template"
	APIMessageSend    = "message/send"
	APIWebhookSend    = "webhook/send"
)

// sendable maps each outbox API to how it is sent.
var sendable = map[string]func(c *Client, ctx context.Context, api string, payload []byte) ([]byte, error){
	APISendWelcomeMsg: (*Client).sendContact,
	APIAddMsgTemplate: (*Client).sendContact,
	APIMarkTag:        (*Client).sendContact,
	APIMessageSend:    (*Client).sendAppMessage,
	APIWebhookSend:    (*Client).sendWebhook,
}

// SendableAPIs lists the APIs Send accepts, sorted.
func SendableAPIs() []string {
	out := make([]string, 0, len(sendable))
	for api := range sendable {
		out = append(out, api)
	}
	sort.Strings(out)
	return out
}

// Send is the outbox's door: it calls api (a path under cgi-bin/, one of
// SendableAPIs) with payload, the API's JSON request body, and returns
// WeCom's answer. For message/send a missing agentid is filled from the
// config; for webhook/send the payload is {"key": KEY, "msg": {...}}.
// Errors are *APIError or *NetworkError (see IsTemporary); an unknown api
// or a payload that is not JSON is permanent.
func (c *Client) Send(ctx context.Context, api string, payload []byte) ([]byte, error) {
	send, found := sendable[api]
	if !found {
		return nil, fmt.Errorf("send %q: %w (sendable: %s)", api, ErrUnsupportedAPI, strings.Join(SendableAPIs(), ", "))
	}
	if !json.Valid(payload) {
		return nil, fmt.Errorf("send %s: payload is not JSON: %w", api, ErrInvalidRequest)
	}
	return send(c, ctx, api, payload)
}

func (c *Client) sendContact(ctx context.Context, api string, payload []byte) ([]byte, error) {
	return c.post(ctx, c.contact, api, payload)
}

func (c *Client) sendAppMessage(ctx context.Context, api string, payload []byte) ([]byte, error) {
	payload, err := withAgentID(payload, c.cfg.AgentID)
	if err != nil {
		return nil, fmt.Errorf("send %s: %w", api, err)
	}
	return c.post(ctx, c.app, api, payload)
}

// withAgentID sets agentid in a message/send body when it is missing or 0.
func withAgentID(payload []byte, agentID int) ([]byte, error) {
	var body map[string]json.RawMessage
	if err := json.Unmarshal(payload, &body); err != nil || body == nil {
		return nil, fmt.Errorf("payload is not a JSON object: %w", ErrInvalidRequest)
	}
	var current int
	if raw, found := body["agentid"]; found && json.Unmarshal(raw, &current) == nil && current != 0 {
		return payload, nil
	}
	if agentID == 0 {
		return nil, fmt.Errorf("message/send needs an agentid and wecom.agent_id is not set: %w", ErrInvalidRequest)
	}
	body["agentid"], _ = json.Marshal(agentID)
	return json.Marshal(body)
}

// webhookEnvelope is the outbox payload of webhook/send.
type webhookEnvelope struct {
	Key string          `json:"key"`
	Msg json.RawMessage `json:"msg"`
}

func (c *Client) sendWebhook(ctx context.Context, api string, payload []byte) ([]byte, error) {
	var env webhookEnvelope
	if err := json.Unmarshal(payload, &env); err != nil || env.Key == "" || len(env.Msg) == 0 {
		return nil, fmt.Errorf("send %s: payload must be {\"key\":...,\"msg\":{...}}: %w", api, ErrInvalidRequest)
	}
	return c.callWebhook(ctx, exchange{method: http.MethodPost, api: api, query: url.Values{"key": {env.Key}}, body: env.Msg})
}
