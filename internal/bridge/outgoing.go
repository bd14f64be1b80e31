package bridge

import (
	"encoding/json"
	"fmt"
)

// Outgoing is one message qunbot asks the bridge to send into a chat. It is
// the payload of an outbox row with api "bridge/send" and, re-encoded, the
// body of the POST to bridge.send_url.
type Outgoing struct {
	// IdempotencyKey names the intent: every retry of one send carries the
	// same key, and a bridge sends once per key.
	IdempotencyKey string `json:"idempotency_key"`
	ChatID         string `json:"chat_id"`
	// MsgType is text, image, link or miniprogram.
	MsgType     string       `json:"msg_type"`
	Text        string       `json:"text,omitempty"`
	ImageURL    string       `json:"image_url,omitempty"`
	Link        *Link        `json:"link,omitempty"`
	MiniProgram *MiniProgram `json:"mini_program,omitempty"`
	// Mentions are the ids to @-mention with the message.
	Mentions []string `json:"mentions,omitempty"`
	// ReplyTo is the msg_id of the message being answered, for a quote.
	ReplyTo string `json:"reply_to,omitempty"`
}

// Validate reports the first field of o that breaks the contract, as a
// FieldError. Callers enqueueing a send validate first, so that a bad send
// fails where it is made rather than in the outbox.
func (o Outgoing) Validate() error {
	checks := []check{
		{"idempotency_key", token(o.IdempotencyKey, maxIdempotencyKeyBytes, true)},
		{"chat_id", label(o.ChatID, maxIDRunes, true)},
		{"msg_type", oneOf(o.MsgType, "text", "image", "link", "miniprogram")},
		{"text", text(o.Text, o.MsgType == "text")},
		{"image_url", webURL(o.ImageURL, o.MsgType == "image")},
	}
	checks = append(checks, linkChecks(o.Link, o.MsgType == "link")...)
	checks = append(checks, miniProgramChecks(o.MiniProgram, o.MsgType == "miniprogram")...)
	checks = append(checks, mentionChecks(o.Mentions)...)
	checks = append(checks, check{"reply_to", token(o.ReplyTo, maxMsgIDBytes, false)})
	return firstProblem(checks)
}

// parseOutgoing decodes and validates an outbox payload, and encodes it again
// so the bridge receives exactly the documented fields.
func parseOutgoing(payload []byte) (Outgoing, []byte, error) {
	var o Outgoing
	if err := json.Unmarshal(payload, &o); err != nil {
		return Outgoing{}, nil, fmt.Errorf("decode bridge send payload: %w", decodeError(err, false))
	}
	if err := o.Validate(); err != nil {
		return Outgoing{}, nil, fmt.Errorf("bridge send payload: %w", err)
	}
	body, err := json.Marshal(o)
	if err != nil {
		return Outgoing{}, nil, fmt.Errorf("encode bridge send: %w", err)
	}
	return o, body, nil
}
