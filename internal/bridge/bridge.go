// Package bridge is qunbot's side of the bridge contract (docs/bridge.md): an
// outside process that sees every message in WeCom customer groups (a
// conversation-archive puller, a hook or RPA client) posts them, normalised and
// HMAC-signed, to POST /bridge/messages, and qunbot answers into groups by
// posting signed sends to the bridge's webhook.
//
// The package holds the wire types, the signature recipe, the validation of
// what a bridge posts and the outbox sender for the api "bridge/send". The
// HTTP endpoint itself lives with the bot's other transports.
package bridge

import "time"

// Limits of the inbound contract; docs/bridge.md states the same numbers.
const (
	// MaxBodyBytes is the largest body POST /bridge/messages accepts (1 MiB).
	MaxBodyBytes = 1 << 20
	// MaxBatch is the most messages one POST may carry.
	MaxBatch = 100
	// MaxTextRunes is the longest text of one message, in characters.
	MaxTextRunes = 10000
	// MaxSkew is how far a request's timestamp may be from qunbot's clock.
	MaxSkew = 5 * time.Minute
)

// Link is a shared link card, in a member's message or in a send.
type Link struct {
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url"`
	ImageURL    string `json:"image_url,omitempty"`
}

// MiniProgram is a mini-program card qunbot asks the bridge to send.
type MiniProgram struct {
	AppID    string `json:"app_id"`
	Title    string `json:"title"`
	Page     string `json:"page"`
	ImageURL string `json:"image_url,omitempty"`
}
