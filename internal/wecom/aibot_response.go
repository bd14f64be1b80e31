package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// APIAIBotResponse is the outbox api of an AI bot's late answer through the
// response_url of the message it answers (doc 101138).
const APIAIBotResponse = "aibot/response"

// AIBotResponse is the outbox payload of a late AI bot answer.
type AIBotResponse struct {
	URL     string `json:"url"`     // the message's response_url
	Content string `json:"content"` // markdown
}

// AIBotResponder posts late AI bot answers. A response_url needs no access
// token and can be used once, within an hour: a resend after a crash cannot
// post twice, WeCom refuses it.
type AIBotResponder struct {
	HTTP *http.Client
	// Base, when set, must prefix every response_url (the configured
	// wecom.api_base): the URL comes from a callback, and qunbot must not
	// be made to post anywhere else.
	Base string
}

// Send posts payload (an AIBotResponse as JSON) to its response_url.
func (r *AIBotResponder) Send(ctx context.Context, payload []byte) ([]byte, error) {
	var p AIBotResponse
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, fmt.Errorf("%w: aibot response: %v", ErrInvalidRequest, err)
	}
	target, err := r.target(p.URL)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": p.Content}})
	if err != nil {
		return nil, fmt.Errorf("%w: aibot response: %v", ErrInvalidRequest, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: aibot response: %v", ErrInvalidRequest, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.HTTP.Do(req)
	if err != nil {
		return nil, &NetworkError{API: APIAIBotResponse, Err: err}
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, &NetworkError{API: APIAIBotResponse, StatusCode: resp.StatusCode, Err: err}
	}
	var status struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(answer, &status); err != nil {
		return nil, &NetworkError{API: APIAIBotResponse, StatusCode: resp.StatusCode, Err: err}
	}
	if status.ErrCode != 0 {
		return nil, &APIError{API: APIAIBotResponse, Code: status.ErrCode, Message: status.ErrMsg}
	}
	return answer, nil
}

// officialHost is where WeCom's own response_urls point.
const officialHost = "qyapi.weixin.qq.com"

// target is where to post: the response_url itself when it is under Base,
// or WeCom's official URL re-rooted at Base (a private deployment or an
// egress proxy); anything else is refused.
func (r *AIBotResponder) target(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("%w: aibot response: response_url %q is not a URL", ErrInvalidRequest, raw)
	}
	base := strings.TrimSuffix(r.Base, "/")
	switch {
	case base == "" || strings.HasPrefix(raw, base+"/"):
		return raw, nil
	case u.Host == officialHost:
		return base + u.RequestURI(), nil
	default:
		return "", fmt.Errorf("%w: aibot response: response_url host %s is neither WeCom's nor wecom.api_base", ErrInvalidRequest, u.Host)
	}
}
