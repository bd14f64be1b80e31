package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// WeCom's limits on temporary media (media/upload, doc 90253).
const (
	// MaxImageBytes is the largest image media/upload accepts.
	MaxImageBytes = 10 << 20
	// MediaTTL is how long a temporary media_id is valid.
	MediaTTL = 72 * time.Hour
)

// apiMediaUpload uploads temporary media.
const apiMediaUpload = "media/upload"

// UploadImage uploads a jpg or png image (at most 10 MB) as temporary media
// and returns its media_id, valid three days, and when it expires. The
// image is checked before sending: an empty, too large or non-jpg/png image
// is refused with ErrInvalidRequest. The app secret's token is used: a
// media_id is shared by the apps of one corp.
func (c *Client) UploadImage(ctx context.Context, filename string, data []byte) (string, time.Time, error) {
	ctype, name, err := checkImage(filename, data)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("upload image %q: %w", filename, err)
	}
	body, formType, err := multipartMedia(name, ctype, data)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("upload image %q: %w", filename, err)
	}
	raw, err := c.callUpload(ctx, c.app, url.Values{"type": {"image"}}, formType, body)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("upload image %q: %w", filename, err)
	}
	var ans struct {
		MediaID   string          `json:"media_id"`
		CreatedAt json.RawMessage `json:"created_at"` // a string of seconds at WeCom
	}
	if err := json.Unmarshal(raw, &ans); err != nil || ans.MediaID == "" {
		return "", time.Time{}, fmt.Errorf("upload image %q: answer has no media_id: %s", filename, clipAnswer(raw, 200))
	}
	return ans.MediaID, createdAt(ans.CreatedAt).Add(MediaTTL), nil
}

// checkImage sniffs data and returns its content type and a file name whose
// extension matches it.
func checkImage(filename string, data []byte) (ctype, name string, err error) {
	switch {
	case len(data) == 0:
		return "", "", fmt.Errorf("圖片為空 (the image is empty): %w", ErrInvalidRequest)
	case len(data) > MaxImageBytes:
		return "", "", fmt.Errorf("圖片 %d 字節,超過企業微信上限 10 MB (image is %d bytes, WeCom allows 10 MB): %w", len(data), len(data), ErrInvalidRequest)
	}
	ctype = http.DetectContentType(data)
	ext := map[string]string{"image/jpeg": ".jpg", "image/png": ".png"}[ctype]
	if ext == "" {
		return "", "", fmt.Errorf("圖片須為 jpg 或 png,實為 %s (image must be jpg or png, is %s): %w", ctype, ctype, ErrInvalidRequest)
	}
	base := strings.TrimSuffix(path.Base(strings.ReplaceAll(filename, `\`, "/")), path.Ext(filename))
	if base == "" || base == "." || base == "/" {
		base = "image"
	}
	return ctype, base + ext, nil
}

// multipartMedia builds the form media/upload reads: one part named media.
func multipartMedia(name, ctype string, data []byte) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="media"; filename=%q; filelength=%d`, name, len(data)))
	h.Set("Content-Type", ctype)
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, "", err
	}
	if _, err := part.Write(data); err != nil {
		return nil, "", err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// callUpload posts a multipart body with the token of ts, refreshing a
// rejected token once like call. PowerWeChat's request path sends JSON
// bodies only, so this uses net/http with the client's transport and timeout.
func (c *Client) callUpload(ctx context.Context, ts *tokenSource, query url.Values, formType string, body []byte) ([]byte, error) {
	if err := ts.ensure(ctx); err != nil {
		return nil, err
	}
	used := ts.current()
	raw, err := c.postForm(ctx, used, query, formType, body)
	if err != nil {
		return nil, err
	}
	code, msg := parseErrcode(raw)
	if tokenRejected(code) {
		c.log.Info("wecom access token rejected, refreshing", "api", apiMediaUpload, "errcode", code)
		if err := ts.refresh(ctx, used); err != nil {
			return nil, err
		}
		if raw, err = c.postForm(ctx, ts.current(), query, formType, body); err != nil {
			return nil, err
		}
		code, msg = parseErrcode(raw)
	}
	return c.result(apiMediaUpload, raw, code, msg)
}

// postForm sends one multipart request to media/upload.
func (c *Client) postForm(ctx context.Context, token string, query url.Values, formType string, body []byte) ([]byte, error) {
	q := url.Values{"access_token": {token}}
	for k, v := range query {
		q[k] = v
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.APIBase+"/cgi-bin/"+apiMediaUpload+"?"+q.Encode(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("wecom %s: %w", apiMediaUpload, err)
	}
	req.Header.Set("Content-Type", formType)
	resp, err := (&http.Client{Transport: c.cfg.transport()}).Do(req)
	if err != nil {
		return nil, &NetworkError{API: apiMediaUpload, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &NetworkError{API: apiMediaUpload, StatusCode: resp.StatusCode}
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, &NetworkError{API: apiMediaUpload, Err: err}
	}
	return raw, nil
}

// createdAt reads WeCom's created_at (seconds, as a string or a number);
// when it is missing the upload is taken to be now.
func createdAt(raw json.RawMessage) time.Time {
	s := strings.Trim(string(raw), `"`)
	if sec, err := strconv.ParseInt(s, 10, 64); err == nil && sec > 0 {
		return time.Unix(sec, 0).UTC()
	}
	return time.Now().UTC()
}

func clipAnswer(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
