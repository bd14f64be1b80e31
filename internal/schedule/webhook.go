package schedule

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// maxWebhookAnswer is how much of a webhook's answer the run keeps.
const maxWebhookAnswer = 512

// webhook POSTs the task's JSON body to its URL and waits at most the
// task's timeout; a 2xx answer is success. It calls directly, not through
// the outbox: the run record is the outcome.
func (j jobs) webhook(ctx context.Context, t Task, r Run) (Result, error) {
	spec := t.Webhook
	body, err := webhookBody(spec, t, r)
	if err != nil {
		return Result{}, err
	}
	timeout := spec.timeout()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, spec.URL, bytes.NewReader(body))
	if err != nil {
		return Result{}, fmt.Errorf("webhook 地址无效 (invalid url): %w", err)
	}
	setWebhookHeaders(req, spec, t, r)
	start := j.o.Now()
	resp, err := j.o.HTTP.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return Result{}, fmt.Errorf("webhook 在 %s 内未响应,已中断 (timed out after %s)", timeout, timeout)
		}
		return Result{}, fmt.Errorf("webhook 请求失败 (request failed): %w", err)
	}
	defer resp.Body.Close()
	answer, readErr := io.ReadAll(io.LimitReader(resp.Body, maxWebhookAnswer))
	if readErr != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return Result{}, fmt.Errorf("webhook 在 %s 内未传完应答,已中断 (timed out after %s reading the answer)", timeout, timeout)
	}
	took := j.o.Now().Sub(start).Round(time.Millisecond)
	sent := Sent{API: "webhook", To: spec.URL, Detail: clip(fmt.Sprintf("HTTP %d, %s: %s", resp.StatusCode, took, answer), maxDetail)}
	res := Result{Sent: []Sent{sent}}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return res, fmt.Errorf("webhook 返回 HTTP %d (answered HTTP %d): %s", resp.StatusCode, resp.StatusCode, clip(string(answer), 200))
	}
	res.Summary = fmt.Sprintf("webhook 已调用,返回 HTTP %d (called; answered HTTP %d)", resp.StatusCode, resp.StatusCode)
	return res, nil
}

// webhookBody is the task's body, or a description of the run.
func webhookBody(spec *WebhookSpec, t Task, r Run) ([]byte, error) {
	if len(spec.Body) > 0 {
		return spec.Body, nil
	}
	return json.Marshal(map[string]any{"task_id": t.ID, "task_name": t.Name, "run_id": r.ID, "scheduled_at": r.ScheduledAt})
}

func setWebhookHeaders(req *http.Request, spec *WebhookSpec, t Task, r Run) {
	for k, v := range spec.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "qunbot-schedule")
	req.Header.Set("Idempotency-Key", "qunbot-run-"+strconv.FormatInt(r.ID, 10))
	req.Header.Set("X-Qunbot-Task-Id", strconv.FormatInt(t.ID, 10))
	req.Header.Set("X-Qunbot-Scheduled-At", r.ScheduledAt.UTC().Format(time.RFC3339))
}
