package governance

import (
	"context"
	"fmt"
	"image"
	_ "image/gif" // image formats members post
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// maxImageBytes bounds an image fetched for a QR check.
const maxImageBytes = 8 << 20

// QRImages is a QRDecoder that fetches an image the bridge reported and
// looks for a QR code in it (a group ad's usual form: a personal WeChat or
// another group's QR).
type QRImages struct {
	HTTP *http.Client // with a timeout; nil uses one of 10 s
}

// HasQRCode fetches imageURL and reports whether it holds a QR code. An
// image that is gone (4xx) or not an image holds none; a network or server
// failure is an error, so the message is checked again later.
func (q QRImages) HasQRCode(ctx context.Context, imageURL string) (bool, error) {
	img, ok, err := q.fetch(ctx, imageURL)
	if err != nil || !ok {
		return false, err
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return false, nil // an image too small or odd to binarise holds no readable code
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	_, err = qrcode.NewQRCodeReader().Decode(bmp, hints)
	return err == nil, nil
}

func (q QRImages) fetch(ctx context.Context, imageURL string) (image.Image, bool, error) {
	client := q.HTTP
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, imageURL, nil)
	if err != nil {
		return nil, false, nil // not a URL: nothing to check
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, false, fmt.Errorf("fetch image for QR check: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 500:
		return nil, false, fmt.Errorf("fetch image for QR check: HTTP %d", resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return nil, false, nil
	}
	img, _, err := image.Decode(io.LimitReader(resp.Body, maxImageBytes))
	if err != nil {
		return nil, false, nil // not an image we can read
	}
	return img, true, nil
}
