package wecom_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
)

// pngHeader is enough of a PNG for content sniffing.
var pngHeader = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

func TestUploadImage(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	fake := newFake(t, wecomtest.WithClock(func() time.Time { return at }))
	c := newClient(t, fake)
	ctx := context.Background()
	tests := []struct {
		name     string
		filename string
		data     []byte
		fail     int // errcode injected at the fake
		wantErr  error
		wantCode int
		wantName string
	}{
		{name: "png", filename: "cover.jpeg", data: pngHeader, wantName: "cover.png"},
		{name: "jpg without name", data: []byte("\xff\xd8\xff\xe0\x00\x10JFIF"), wantName: "image.jpg"},
		{name: "empty", filename: "a.png", data: nil, wantErr: wecom.ErrInvalidRequest},
		{name: "too big", filename: "a.png", data: append(append([]byte{}, pngHeader...), make([]byte, wecom.MaxImageBytes)...), wantErr: wecom.ErrInvalidRequest},
		{name: "gif", filename: "a.gif", data: []byte("GIF89a\x01\x00\x01\x00"), wantErr: wecom.ErrInvalidRequest},
		{name: "wecom error", filename: "a.png", data: pngHeader, fail: 40004, wantCode: 40004},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(fake.CallsTo(wecomtest.PathMediaUpload))
			if tt.fail != 0 {
				fake.FailNext(wecomtest.PathMediaUpload, tt.fail, 1)
			}
			id, expires, err := c.UploadImage(ctx, tt.filename, tt.data)
			calls := fake.CallsTo(wecomtest.PathMediaUpload)
			switch {
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) || len(calls) != before {
					t.Fatalf("err = %v after %d calls, want %v before any call", err, len(calls)-before, tt.wantErr)
				}
				return
			case tt.wantCode != 0:
				if apiError(t, err).Code != tt.wantCode || id != "" {
					t.Fatalf("UploadImage = %q, %v; want errcode %d", id, err, tt.wantCode)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if !strings.HasPrefix(id, "MEDIA") || !expires.Equal(at.Add(72*time.Hour)) {
				t.Errorf("UploadImage = %q, %v; want a media_id expiring %v", id, expires, at.Add(72*time.Hour))
			}
			up, err := wecomtest.ParseUpload(calls[len(calls)-1])
			if err != nil {
				t.Fatal(err)
			}
			if up.Type != "image" || up.Filename != tt.wantName || !bytes.Equal(up.Data, tt.data) || !strings.HasPrefix(up.ContentType, "image/") {
				t.Errorf("upload = %s %q %s %d bytes", up.Type, up.Filename, up.ContentType, len(up.Data))
			}
		})
	}
}

func TestUploadImage_RefreshesRejectedToken(t *testing.T) {
	fake := newFake(t)
	c := newClient(t, fake)
	ctx := context.Background()
	if _, _, err := c.UploadImage(ctx, "a.png", pngHeader); err != nil {
		t.Fatal(err)
	}
	fake.ExpireTokens()
	if _, _, err := c.UploadImage(ctx, "a.png", pngHeader); err != nil {
		t.Fatalf("after tokens expired: %v", err)
	}
	calls := fake.CallsTo(wecomtest.PathMediaUpload)
	if len(calls) != 3 || calls[1].ErrCode != 42001 || calls[2].ErrCode != 0 || calls[2].Token == calls[1].Token {
		t.Errorf("calls %+v, want one rejected and one retried with a new token", calls)
	}
}

func TestFakeMediaUpload_RefusesEmptyFile(t *testing.T) {
	fake := newFake(t)
	// The client refuses an empty image itself, so the fake's check is
	// reached with a raw request.
	resp, err := http.Get(fake.URL + "/cgi-bin/gettoken?corpid=" + wecomtest.DefaultCorpID + "&corpsecret=" + wecomtest.DefaultSecret)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, query string
		file        []byte
		want        int
	}{
		{"empty file", "image", nil, 44001},
		{"unknown type", "picture", pngHeader, 40004},
		{"image", "image", pngHeader, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body bytes.Buffer
			w := multipart.NewWriter(&body)
			part, _ := w.CreateFormFile("media", "a.png")
			_, _ = part.Write(tt.file)
			_ = w.Close()
			resp, err := http.Post(fake.URL+wecomtest.PathMediaUpload+"?type="+tt.query+"&access_token="+tok.AccessToken, w.FormDataContentType(), &body)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var ans struct {
				ErrCode int    `json:"errcode"`
				MediaID string `json:"media_id"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
				t.Fatal(err)
			}
			if ans.ErrCode != tt.want || (tt.want == 0) != (ans.MediaID != "") {
				t.Errorf("answer %+v, want errcode %d", ans, tt.want)
			}
		})
	}
}
