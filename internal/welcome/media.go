package welcome

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm/clause"

	"github.com/qunbot/qunbot/internal/storage"
	"github.com/qunbot/qunbot/internal/wecom"
)

// MediaUploader uploads an image as WeCom temporary media and says when
// its media_id expires; *wecom.Client is one.
type MediaUploader interface {
	UploadImage(ctx context.Context, filename string, data []byte) (mediaID string, expires time.Time, err error)
}

// DefaultMediaTimeout bounds fetching and uploading a welcome's images.
const DefaultMediaTimeout = 5 * time.Second

// mediaReuseMargin is how long before its expiry a cached media_id stops
// being used: a welcome may sit in the outbox for a while.
const mediaReuseMargin = time.Hour

// errNoMedia is why an attachment needing an upload is dropped when no
// uploader is configured.
var errNoMedia = errors.New("未配置企業微信素材上傳 (media upload is not configured)")

// mediaRow is a row of welcome_media: the media_id of one image URL.
type mediaRow struct {
	ID        int64
	URLHash   string
	MediaID   string
	ExpiresAt time.Time
	CreatedAt time.Time
}

func (mediaRow) TableName() string { return "welcome_media" }

// urlHash keys the media cache on an image URL.
func urlHash(u string) string {
	sum := sha256.Sum256([]byte(u))
	return hex.EncodeToString(sum[:])
}

// cachedMedia returns the media_id of the image at u if it is valid at
// least until validUntil.
func (s *Store) cachedMedia(ctx context.Context, u string, validUntil time.Time) (string, bool, error) {
	var rows []mediaRow
	err := s.db.WithContext(ctx).Where("url_hash = ? AND expires_at > ?", urlHash(u), storage.Timestamp(validUntil)).Limit(1).Find(&rows).Error
	if err != nil {
		return "", false, storage.Wrap("look up welcome media", err)
	}
	if len(rows) == 0 {
		return "", false, nil
	}
	return rows[0].MediaID, true, nil
}

// saveMedia remembers the media_id of the image at u, replacing an older one.
func (s *Store) saveMedia(ctx context.Context, u, mediaID string, expires time.Time) error {
	row := mediaRow{URLHash: urlHash(u), MediaID: mediaID, ExpiresAt: storage.Timestamp(expires), CreatedAt: s.clock.Now()}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "url_hash"}},
		DoUpdates: clause.AssignmentColumns([]string{"media_id", "expires_at", "created_at"}),
	}).Create(&row).Error
	if err != nil {
		return storage.Wrap("save welcome media", err)
	}
	return nil
}

// needsUpload reports whether a contact welcome's attachment is sent by an
// uploaded media_id: a mini-program card's cover always; an image unless
// its pic_url is already on WeCom's image host (send_welcome_msg takes only
// such links as pic_url).
func needsUpload(a Attachment) bool {
	switch a.Type {
	case AttachMiniProgram:
		return true
	case AttachImage:
		return a.MediaID == "" && !wecomHosted(a.PicURL)
	}
	return false
}

// wecomHosted reports whether u is on WeCom's image host (media/uploadimg).
func wecomHosted(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Hostname() == "qpic.cn" || strings.HasSuffix(p.Hostname(), ".qpic.cn"))
}

// contactAttachments says a rule's attachments in WeCom's terms, fetching
// and uploading the images that need a media_id (together, within
// MediaTimeout). An attachment whose image cannot be had is left out and
// explained in dropped; the welcome goes without it.
func (s *Service) contactAttachments(ctx context.Context, list []Attachment) (out []wecom.Attachment, dropped []string) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.MediaTimeout)
	defer cancel()
	type media struct {
		id  string
		err error
	}
	byURL := map[string]*media{} // one fetch and upload per image
	var wg sync.WaitGroup
	for _, a := range list {
		if needsUpload(a) && byURL[a.PicURL] == nil {
			m := &media{}
			byURL[a.PicURL] = m
			wg.Go(func() { m.id, m.err = s.mediaID(ctx, a.PicURL) })
		}
	}
	wg.Wait()
	for i, a := range list {
		m := &media{}
		if needsUpload(a) {
			m = byURL[a.PicURL]
		}
		if m.err != nil {
			s.opts.Logger.Warn("welcome: attachment dropped", "attachment", i, "type", a.Type, "pic_url", a.PicURL, "err", m.err)
			dropped = append(dropped, fmt.Sprintf("附件 %d (%s) 已略過 (attachment dropped): %v", i+1, a.Type, m.err))
			continue
		}
		if w, ok := wecomAttachment(a, m.id); ok {
			out = append(out, w)
		}
	}
	return out, dropped
}

// wecomAttachment says one attachment in WeCom's terms; mediaID is its
// uploaded image, if it needed one.
func wecomAttachment(a Attachment, mediaID string) (wecom.Attachment, bool) {
	switch a.Type {
	case AttachImage:
		if mediaID != "" {
			return wecom.Attachment{Image: &wecom.Image{MediaID: mediaID}}, true
		}
		return wecom.Attachment{Image: &wecom.Image{PicURL: a.PicURL}}, true
	case AttachLink:
		return wecom.Attachment{Link: &wecom.Link{Title: a.Title, PicURL: a.PicURL, Desc: a.Description, URL: a.URL}}, true
	case AttachMiniProgram:
		return wecom.Attachment{MiniProgram: &wecom.MiniProgram{Title: a.Title, PicMediaID: mediaID, AppID: a.AppID, Page: a.Page}}, true
	}
	return wecom.Attachment{}, false
}

// mediaID returns a media_id for the image at u: the cached one while it
// is valid for another hour, else the image fetched, uploaded and cached.
func (s *Service) mediaID(ctx context.Context, u string) (string, error) {
	now := s.now()
	if id, found, err := s.store.cachedMedia(ctx, u, now.Add(mediaReuseMargin)); err != nil {
		s.opts.Logger.Warn("welcome: media cache lookup failed", "err", err)
	} else if found {
		return id, nil
	}
	if s.opts.Media == nil {
		return "", errNoMedia
	}
	data, err := s.fetchImage(ctx, u)
	if err != nil {
		return "", err
	}
	id, expires, err := s.opts.Media.UploadImage(ctx, path.Base(urlPath(u)), data)
	if err != nil {
		return "", fmt.Errorf("上傳圖片失敗 (upload failed): %w", err)
	}
	if err := s.store.saveMedia(ctx, u, id, expires); err != nil {
		s.opts.Logger.Warn("welcome: media cache save failed", "err", err)
	}
	return id, nil
}

// fetchImage downloads the image at u, refusing anything over WeCom's limit.
func (s *Service) fetchImage(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("圖片鏈接無效 (bad image URL): %w", err)
	}
	resp, err := s.opts.ImageHTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("下載圖片失敗 (fetch image): %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("下載圖片失敗 (fetch image): HTTP %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, wecom.MaxImageBytes+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("下載圖片失敗 (fetch image): %w", err)
	case len(data) > wecom.MaxImageBytes:
		return nil, fmt.Errorf("圖片超過 10 MB (image is larger than 10 MB)")
	}
	return data, nil
}

func urlPath(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Path
}
