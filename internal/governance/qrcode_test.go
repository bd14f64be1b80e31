package governance_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/qunbot/qunbot/internal/governance"
)

func pngOf(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestQRImages_HasQRCode(t *testing.T) {
	code, err := qrcode.NewQRCodeWriter().Encode("https://u.wechat.com/add-me", gozxing.BarcodeFormat_QR_CODE, 240, 240, nil)
	if err != nil {
		t.Fatal(err)
	}
	plain := image.NewGray(image.Rect(0, 0, 240, 240))
	for i := range plain.Pix {
		plain.Pix[i] = 0xff
	}
	plain.Set(10, 10, color.Black)
	files := map[string][]byte{"/qr.png": pngOf(t, code), "/photo.png": pngOf(t, plain), "/text": []byte("not an image")}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/broken" {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		b, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	defer srv.Close()

	tests := []struct {
		path    string
		want    bool
		wantErr bool
	}{
		{"/qr.png", true, false},
		{"/photo.png", false, false},
		{"/text", false, false},
		{"/gone.png", false, false},
		{"/broken", false, true},
	}
	q := governance.QRImages{}
	for _, tt := range tests {
		got, err := q.HasQRCode(context.Background(), srv.URL+tt.path)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("HasQRCode(%s) = %v, %v; want %v, error %v", tt.path, got, err, tt.want, tt.wantErr)
		}
	}
}
