package welcome_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
	"github.com/qunbot/qunbot/internal/welcome"
)

// pngImage is enough of a PNG for content sniffing.
var pngImage = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDRfake")

// mediaFixture is a welcome service uploading to a fake WeCom, with a web
// server holding the images.
type mediaFixture struct {
	*fixture
	fake      *wecomtest.Server
	imageHits atomic.Int64
	imageURL  string // base URL of the image server
}

func newMediaFixture(t *testing.T, db storagetest.DB, withMedia bool) *mediaFixture {
	t.Helper()
	mf := &mediaFixture{}
	mf.fake = wecomtest.New(wecomtest.WithClock(func() time.Time { return mf.clock.Now() }))
	t.Cleanup(mf.fake.Close)
	images := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mf.imageHits.Add(1)
		switch r.URL.Path {
		case "/cover.png", "/photo.png":
			_, _ = w.Write(pngImage)
		case "/doc.txt":
			_, _ = w.Write([]byte("not an image"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(images.Close)
	mf.imageURL = images.URL
	opts := welcome.Options{ImageHTTP: images.Client()}
	if withMedia {
		client, err := wecom.NewClient(wecom.Config{CorpID: wecomtest.DefaultCorpID, Secret: wecomtest.DefaultSecret, APIBase: mf.fake.URL})
		if err != nil {
			t.Fatal(err)
		}
		opts.Media = client
	}
	mf.fixture = newFixture(t, db, opts)
	return mf
}

func (mf *mediaFixture) miniProgram(picPath string) welcome.Attachment {
	return welcome.Attachment{Type: welcome.AttachMiniProgram, Title: "會員中心", AppID: "wx0123456789abcdef",
		Page: "pages/member/index.html", PicURL: mf.imageURL + picPath}
}

// welcomeFor handles a new contact with code and returns the queued payload.
func (mf *mediaFixture) welcomeFor(t *testing.T, id int64, code string) welcomePayload {
	t.Helper()
	e := contactEvent(id, "add_external_contact", "ZhangWei", "wm"+code, "mp", code, mf.clock.Now().Add(-100*time.Millisecond))
	if err := mf.svc.HandleContact(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	for _, m := range mf.sends(t, wecom.APISendWelcomeMsg) {
		if m.IdempotencyKey == welcome.WelcomeKey(code) {
			var p welcomePayload
			if err := json.Unmarshal([]byte(m.Payload), &p); err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	return welcomePayload{}
}

type welcomePayload struct {
	WelcomeCode string `json:"welcome_code"`
	Text        *struct{ Content string }
	Attachments []struct {
		MsgType     string `json:"msgtype"`
		Image       *wecom.Image
		Link        *wecom.Link
		MiniProgram *wecom.MiniProgram
	}
}

// uploads counts the successful uploads (a token expired by the clock
// moving costs a rejected call first).
func (mf *mediaFixture) uploads() int {
	n := 0
	for _, c := range mf.fake.CallsTo(wecomtest.PathMediaUpload) {
		if c.ErrCode == 0 {
			n++
		}
	}
	return n
}

func (mf *mediaFixture) record(t *testing.T, code string) welcome.Record {
	t.Helper()
	for _, r := range mf.records(t, welcome.KindContact) {
		if r.EventKey == welcome.WelcomeKey(code) {
			return r
		}
	}
	t.Fatalf("no record for %s", code)
	return welcome.Record{}
}

func TestHandleContact_MiniProgramCoverUploadedOnceAndReused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		mf := newMediaFixture(t, db, true)
		mf.rule(t, welcome.Rule{Name: "小程序", Channel: welcome.ChannelContact, Default: true, Text: "歡迎",
			Attachments: []welcome.Attachment{mf.miniProgram("/cover.png"),
				{Type: welcome.AttachImage, PicURL: mf.imageURL + "/photo.png"},
				{Type: welcome.AttachImage, PicURL: "https://wework.qpic.cn/wwpic/1/0"},
				{Type: welcome.AttachImage, PicURL: mf.imageURL + "/cover.png"}}})

		first := mf.welcomeFor(t, 1, "C1")
		if len(first.Attachments) != 4 || first.Text == nil || first.Text.Content != "歡迎" {
			t.Fatalf("payload %+v", first)
		}
		mp, img, hosted := first.Attachments[0].MiniProgram, first.Attachments[1].Image, first.Attachments[2].Image
		if mp == nil || !strings.HasPrefix(mp.PicMediaID, "MEDIA") || mp.AppID != "wx0123456789abcdef" || mp.Page != "pages/member/index.html" || mp.Title != "會員中心" {
			t.Errorf("miniprogram %+v, want the cover's media_id from the fake", mp)
		}
		if img == nil || !strings.HasPrefix(img.MediaID, "MEDIA") || img.PicURL != "" || img.MediaID == mp.PicMediaID {
			t.Errorf("image %+v, want sent by its own media_id", img)
		}
		if cover := first.Attachments[3].Image; cover == nil || cover.MediaID != mp.PicMediaID {
			t.Errorf("image of the cover's URL %+v, want the cover's media_id (one upload per image)", cover)
		}
		if hosted == nil || hosted.PicURL != "https://wework.qpic.cn/wwpic/1/0" || hosted.MediaID != "" {
			t.Errorf("image on WeCom's host %+v, want sent by pic_url", hosted)
		}
		if mf.uploads() != 2 {
			t.Fatalf("%d uploads, want 2", mf.uploads())
		}
		up, err := wecomtest.ParseUpload(mf.fake.CallsTo(wecomtest.PathMediaUpload)[0])
		if err != nil || up.Type != "image" || string(up.Data) != string(pngImage) {
			t.Errorf("upload %+v, %v", up, err)
		}

		mf.clock.Advance(70 * time.Hour) // still more than an hour before expiry
		second := mf.welcomeFor(t, 2, "C2")
		if mf.uploads() != 2 || len(second.Attachments) != 4 || second.Attachments[0].MiniProgram.PicMediaID != mp.PicMediaID {
			t.Errorf("%d uploads, second payload %+v: want the cached media_id reused", mf.uploads(), second)
		}

		mf.clock.Advance(90 * time.Minute) // within the hour before expiry
		third := mf.welcomeFor(t, 3, "C3")
		if mf.uploads() != 4 || third.Attachments[0].MiniProgram.PicMediaID == mp.PicMediaID {
			t.Errorf("%d uploads, third payload %+v: want a new upload near expiry", mf.uploads(), third)
		}
		if hits := mf.imageHits.Load(); hits != 4 {
			t.Errorf("%d image fetches, want 4", hits)
		}
	})
}

func TestHandleContact_DroppedAttachments(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		link := welcome.Attachment{Type: welcome.AttachLink, Title: "門店", URL: "https://e.com/shop"}
		tests := []struct {
			name      string
			withMedia bool
			picPath   string
			failCode  int // errcode the fake answers the upload
			want      string
		}{
			{"wecom refuses the upload", true, "/cover.png", 45009, "45009"},
			{"image missing", true, "/missing.png", 0, "HTTP 404"},
			{"not an image", true, "/doc.txt", 0, "jpg 或 png"},
			{"no uploader", false, "/cover.png", 0, "未配置企業微信素材上傳"},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				mf := newMediaFixture(t, db, tt.withMedia)
				mf.rule(t, welcome.Rule{Name: "r" + tt.name, Channel: welcome.ChannelContact, StateMatch: welcome.MatchExact, State: "mp",
					Priority: i, Text: "歡迎", Attachments: []welcome.Attachment{mf.miniProgram(tt.picPath), link}})
				if tt.failCode != 0 {
					mf.fake.FailNext(wecomtest.PathMediaUpload, tt.failCode, 1)
				}
				code := "D" + string(rune('0'+i))
				p := mf.welcomeFor(t, int64(10+i), code)
				if p.Text == nil || p.Text.Content != "歡迎" || len(p.Attachments) != 1 || p.Attachments[0].Link == nil {
					t.Fatalf("payload %+v, want the text and the link only", p)
				}
				rec := mf.record(t, code)
				if rec.Outcome != welcome.OutcomeQueued || !strings.Contains(rec.Detail, "附件 1 (miniprogram) 已略過") || !strings.Contains(rec.Detail, tt.want) {
					t.Errorf("record %s: %q, want the dropped card explained with %q", rec.Outcome, rec.Detail, tt.want)
				}
			})
		}
	})
}

func TestHandleContact_NothingLeftToSend(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		mf := newMediaFixture(t, db, true)
		mf.rule(t, welcome.Rule{Name: "只有卡片", Channel: welcome.ChannelContact, Default: true,
			Attachments: []welcome.Attachment{mf.miniProgram("/missing.png")}})
		if p := mf.welcomeFor(t, 1, "E1"); p.WelcomeCode != "" {
			t.Fatalf("queued %+v, want nothing", p)
		}
		rec := mf.record(t, "E1")
		if rec.Outcome != welcome.OutcomeNoContent || rec.RuleID == nil || !strings.Contains(rec.Detail, "HTTP 404") {
			t.Errorf("record %+v", rec)
		}
	})
}
