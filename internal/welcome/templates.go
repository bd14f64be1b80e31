package welcome

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage"
	"github.com/qunbot/qunbot/internal/wecom"
)

// TemplateClient manages WeCom's group welcome templates; *wecom.Client is one.
type TemplateClient interface {
	AddGroupWelcomeTemplate(ctx context.Context, t wecom.GroupWelcomeTemplate) (string, error)
	EditGroupWelcomeTemplate(ctx context.Context, t wecom.GroupWelcomeTemplate) error
	GetGroupWelcomeTemplate(ctx context.Context, templateID string) (wecom.GroupWelcomeTemplate, error)
	DeleteGroupWelcomeTemplate(ctx context.Context, templateID string) error
}

// SyncState is how a template compares with what WeCom holds.
type SyncState string

// The sync states of a template.
const (
	SyncUnchecked SyncState = "unchecked"
	SyncInSync    SyncState = "in_sync"
	SyncDrift     SyncState = "drift"   // WeCom holds different content
	SyncMissing   SyncState = "missing" // WeCom does not know the template_id
	SyncError     SyncState = "error"   // WeCom could not be asked
)

// GroupTemplate is a group welcome template (入群歡迎語素材) kept at WeCom:
// text (WeCom replaces %NICKNAME% with the joiner's name) and at most one
// attachment. The group owner applies it to a group in the WeCom client.
type GroupTemplate struct {
	ID         int64       `json:"id"`
	TemplateID string      `json:"template_id"`
	Name       string      `json:"name"`
	Text       string      `json:"text"`
	Attachment *Attachment `json:"attachment"`
	// Notify asks WeCom to tell group owners about the new template
	// (WeCom's default).
	Notify     bool       `json:"notify"`
	SyncState  SyncState  `json:"sync_state"`
	SyncDetail string     `json:"sync_detail"`
	SyncedAt   *time.Time `json:"synced_at"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// Validate checks t and reports every problem at once.
func (t *GroupTemplate) Validate() error {
	var p fault.Problems
	t.Name = strings.TrimSpace(t.Name)
	checkRunes(&p, "name", t.Name, maxNameRunes, true, "名稱")
	if len(t.Text) > maxTextBytes {
		p.Add("text", "文字不能超過 %d 字節 (text is longer than %d bytes)", maxTextBytes, maxTextBytes)
	}
	if placeholder.MatchString(t.Text) {
		p.Add("text", "群歡迎語素材由企業微信發送,只支持 %%NICKNAME%% 變量 (WeCom sends this template: use %%NICKNAME%%, not {{…}})")
	}
	if strings.TrimSpace(t.Text) == "" && t.Attachment == nil {
		p.Add("text", "歡迎語需有文字或附件 (a welcome needs text or an attachment)")
	}
	if t.Attachment != nil {
		t.Attachment.validate(&p, "attachment", false)
	}
	return p.Err()
}

// wecom says t in WeCom's terms.
func (t GroupTemplate) wecom() wecom.GroupWelcomeTemplate {
	w := wecom.GroupWelcomeTemplate{TemplateID: t.TemplateID, SkipNotify: !t.Notify}
	if t.Text != "" {
		w.Text = &wecom.Text{Content: t.Text}
	}
	if a := t.Attachment; a != nil {
		switch a.Type {
		case AttachImage:
			w.Image = &wecom.Image{PicURL: a.PicURL}
		case AttachLink:
			w.Link = &wecom.Link{Title: a.Title, PicURL: a.PicURL, Desc: a.Description, URL: a.URL}
		}
	}
	return w
}

// errNoWeCom is returned when no WeCom client is configured.
var errNoWeCom = fmt.Errorf("%w: 未配置企業微信應用(wecom.corp_id / wecom.secret),無法管理群歡迎語素材 (WeCom is not configured)", fault.ErrConflict)

// wecomError makes a WeCom failure readable by operators: a temporary one
// is unavailable, any other is WeCom refusing the request, shown as is.
func wecomError(op string, err error) error {
	if wecom.IsTemporary(err) {
		return fmt.Errorf("%s: %w: %w", op, fault.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, fault.Fields{{Field: "wecom", Message: "企業微信拒絕了請求 (WeCom refused): " + err.Error()}})
}

// CreateTemplate creates t at WeCom and keeps it with its template_id.
func (s *Service) CreateTemplate(ctx context.Context, t *GroupTemplate) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if s.opts.Templates == nil {
		return errNoWeCom
	}
	t.TemplateID = ""
	id, err := s.opts.Templates.AddGroupWelcomeTemplate(ctx, t.wecom())
	if err != nil {
		return wecomError("create group welcome template", err)
	}
	t.TemplateID, t.SyncState, t.SyncedAt = id, SyncInSync, timePtr(s.now())
	if err := s.store.insertTemplate(ctx, t); err != nil {
		if delErr := s.opts.Templates.DeleteGroupWelcomeTemplate(ctx, id); delErr != nil {
			s.opts.Logger.Error("group welcome template created at WeCom but not saved, and not deleted there", "template_id", id, "err", delErr)
			return fmt.Errorf("%w (WeCom template %s was created but could not be removed: %v)", err, id, delErr)
		}
		return err
	}
	return nil
}

// UpdateTemplate edits template t.ID at WeCom, then here, and checks what
// WeCom holds afterwards (an edit may not remove a part WeCom keeps).
func (s *Service) UpdateTemplate(ctx context.Context, t *GroupTemplate) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if s.opts.Templates == nil {
		return errNoWeCom
	}
	old, err := s.store.Template(ctx, t.ID)
	if err != nil {
		return err
	}
	t.TemplateID, t.CreatedAt = old.TemplateID, old.CreatedAt
	if err := s.opts.Templates.EditGroupWelcomeTemplate(ctx, t.wecom()); err != nil {
		return wecomError(fmt.Sprintf("edit group welcome template %s", t.TemplateID), err)
	}
	s.check(ctx, t)
	return s.store.updateTemplate(ctx, t)
}

// DeleteTemplate deletes template id at WeCom (unless WeCom no longer has
// it) and here.
func (s *Service) DeleteTemplate(ctx context.Context, id int64) error {
	t, err := s.store.Template(ctx, id)
	if err != nil {
		return err
	}
	if t.SyncState != SyncMissing {
		if s.opts.Templates == nil {
			return errNoWeCom
		}
		if err := s.opts.Templates.DeleteGroupWelcomeTemplate(ctx, t.TemplateID); err != nil {
			return wecomError(fmt.Sprintf("delete group welcome template %s", t.TemplateID), err)
		}
	}
	return s.store.deleteTemplate(ctx, id)
}

// SyncTemplates compares every template with what WeCom holds
// (group_welcome_template/get) and records the result on each.
func (s *Service) SyncTemplates(ctx context.Context) ([]GroupTemplate, error) {
	if s.opts.Templates == nil {
		return nil, errNoWeCom
	}
	list, err := s.store.Templates(ctx)
	if err != nil {
		return nil, err
	}
	for i := range list {
		s.check(ctx, &list[i])
		if err := s.store.updateTemplate(ctx, &list[i]); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// check sets t's sync state from what WeCom answers for its template_id.
func (s *Service) check(ctx context.Context, t *GroupTemplate) {
	t.SyncedAt = timePtr(s.now())
	got, err := s.opts.Templates.GetGroupWelcomeTemplate(ctx, t.TemplateID)
	var apiErr *wecom.APIError
	switch {
	case err == nil:
		t.SyncState, t.SyncDetail = SyncInSync, ""
		if diff := templateDiff(t.wecom(), got); len(diff) > 0 {
			t.SyncState = SyncDrift
			t.SyncDetail = "企業微信中的內容不同 (WeCom holds different content): " + strings.Join(diff, ", ")
		}
	case errors.As(err, &apiErr) && !apiErr.Temporary():
		t.SyncState, t.SyncDetail = SyncMissing, "企業微信找不到此素材 (WeCom does not have it): "+err.Error()
	default:
		t.SyncState, t.SyncDetail = SyncError, "無法查詢企業微信 (could not ask WeCom): "+err.Error()
	}
	t.SyncDetail = storage.Truncate(t.SyncDetail, 1024)
}

// templateDiff names the parts of got that differ from want. An image is
// compared by presence only: WeCom answers its own copy's URL.
func templateDiff(want, got wecom.GroupWelcomeTemplate) []string {
	var diff []string
	add := func(part string, differs bool) {
		if differs {
			diff = append(diff, part)
		}
	}
	add("text", textOf(want.Text) != textOf(got.Text))
	add("image", (want.Image == nil) != (got.Image == nil))
	add("link", !sameJSON(want.Link, got.Link))
	add("miniprogram", got.MiniProgram != nil)
	add("file", got.File != nil)
	add("video", got.Video != nil)
	return diff
}

func textOf(t *wecom.Text) string {
	if t == nil {
		return ""
	}
	return t.Content
}

func sameJSON(a, b any) bool {
	ra, _ := json.Marshal(a)
	rb, _ := json.Marshal(b)
	return string(ra) == string(rb)
}

// templateRow is a row of welcome_group_templates.
type templateRow struct {
	ID         int64
	TemplateID string
	Name       string
	Text       string
	Attachment string
	Notify     bool
	SyncState  string
	SyncDetail string
	SyncedAt   *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (templateRow) TableName() string { return "welcome_group_templates" }

func toTemplateRow(t GroupTemplate) templateRow {
	raw := []byte("null")
	if t.Attachment != nil {
		raw, _ = json.Marshal(t.Attachment)
	}
	return templateRow{ID: t.ID, TemplateID: t.TemplateID, Name: t.Name, Text: t.Text, Attachment: string(raw), Notify: t.Notify,
		SyncState: string(t.SyncState), SyncDetail: t.SyncDetail, SyncedAt: t.SyncedAt, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

func (row templateRow) template() (GroupTemplate, error) {
	t := GroupTemplate{ID: row.ID, TemplateID: row.TemplateID, Name: row.Name, Text: row.Text, Notify: row.Notify,
		SyncState: SyncState(row.SyncState), SyncDetail: row.SyncDetail, SyncedAt: utcPtr(row.SyncedAt),
		CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(row.Attachment), &t.Attachment); err != nil {
		return GroupTemplate{}, fmt.Errorf("group welcome template %d: attachment: %w", row.ID, err)
	}
	return t, nil
}

// Templates returns every group welcome template, by id.
func (s *Store) Templates(ctx context.Context) ([]GroupTemplate, error) {
	var rows []templateRow
	if err := s.db.WithContext(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, storage.Wrap("list group welcome templates", err)
	}
	out := make([]GroupTemplate, 0, len(rows))
	for _, row := range rows {
		t, err := row.template()
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Template returns the template with id.
func (s *Store) Template(ctx context.Context, id int64) (GroupTemplate, error) {
	var row templateRow
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return GroupTemplate{}, fmt.Errorf("get group welcome template %d: %w", id, fault.ErrNotFound)
	}
	if err != nil {
		return GroupTemplate{}, storage.Wrap(fmt.Sprintf("get group welcome template %d", id), err)
	}
	return row.template()
}

func (s *Store) insertTemplate(ctx context.Context, t *GroupTemplate) error {
	t.ID, t.CreatedAt, t.UpdatedAt = 0, s.clock.Now(), s.clock.Now()
	row := toTemplateRow(*t)
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return storage.Wrap("save group welcome template", err)
	}
	t.ID = row.ID
	return nil
}

func (s *Store) updateTemplate(ctx context.Context, t *GroupTemplate) error {
	t.UpdatedAt = s.clock.Now()
	row := toTemplateRow(*t)
	if err := s.db.WithContext(ctx).Select("*").Omit("created_at").Updates(&row).Error; err != nil {
		return storage.Wrap(fmt.Sprintf("save group welcome template %d", t.ID), err)
	}
	return nil
}

func (s *Store) deleteTemplate(ctx context.Context, id int64) error {
	if err := s.db.WithContext(ctx).Where("id = ?", id).Delete(&templateRow{}).Error; err != nil {
		return storage.Wrap(fmt.Sprintf("delete group welcome template %d", id), err)
	}
	return nil
}
