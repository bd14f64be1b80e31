package welcome_test

import (
	"context"
	"errors"
	"testing"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/wecom"
	"github.com/qunbot/qunbot/internal/wecom/wecomtest"
	"github.com/qunbot/qunbot/internal/welcome"
)

func templateFixture(t *testing.T, db storagetest.DB) (*fixture, *wecomtest.Server, *wecom.Client) {
	t.Helper()
	fake := wecomtest.New()
	t.Cleanup(fake.Close)
	client, err := wecom.NewClient(wecom.Config{CorpID: wecomtest.DefaultCorpID, Secret: wecomtest.DefaultSecret, APIBase: fake.URL})
	if err != nil {
		t.Fatal(err)
	}
	return newFixture(t, db, welcome.Options{Templates: client}), fake, client
}

func TestGroupTemplates_CreateEditSyncDelete(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		f, fake, client := templateFixture(t, db)
		tpl := welcome.GroupTemplate{Name: "入群歡迎", Text: "歡迎 %NICKNAME% 入群", Notify: true,
			Attachment: &welcome.Attachment{Type: welcome.AttachLink, Title: "群規", URL: "https://e.com/rules"}}
		if err := f.svc.CreateTemplate(ctx, &tpl); err != nil {
			t.Fatal(err)
		}
		got, found := fake.WelcomeTemplate(tpl.TemplateID)
		if !found || string(got["text"]) != `{"content":"歡迎 %NICKNAME% 入群"}` || got["link"] == nil {
			t.Fatalf("WeCom holds %v (found %v)", got, found)
		}
		tpl.Text = "歡迎 %NICKNAME%,請先看群規"
		if err := f.svc.UpdateTemplate(ctx, &tpl); err != nil {
			t.Fatal(err)
		}
		if tpl.SyncState != welcome.SyncInSync {
			t.Errorf("after edit: %s %s", tpl.SyncState, tpl.SyncDetail)
		}
		// Someone edits it in WeCom; another deletes a second one there.
		if err := client.EditGroupWelcomeTemplate(ctx, wecom.GroupWelcomeTemplate{TemplateID: tpl.TemplateID, Text: &wecom.Text{Content: "改過"}}); err != nil {
			t.Fatal(err)
		}
		gone := welcome.GroupTemplate{Name: "舊", Text: "old"}
		if err := f.svc.CreateTemplate(ctx, &gone); err != nil {
			t.Fatal(err)
		}
		if err := client.DeleteGroupWelcomeTemplate(ctx, gone.TemplateID); err != nil {
			t.Fatal(err)
		}
		list, err := f.svc.SyncTemplates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].SyncState != welcome.SyncDrift || list[1].SyncState != welcome.SyncMissing || list[0].SyncedAt == nil {
			t.Fatalf("after sync: %+v", list)
		}
		for _, tp := range list { // a missing template is deleted here only
			if err := f.svc.DeleteTemplate(ctx, tp.ID); err != nil {
				t.Fatal(err)
			}
		}
		if _, found := fake.WelcomeTemplate(tpl.TemplateID); found {
			t.Error("template still at WeCom after delete")
		}
		if left, _ := f.store.Templates(ctx); len(left) != 0 {
			t.Errorf("%d templates left", len(left))
		}
	})
}

func TestGroupTemplates_WeComErrorsShown(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		f, fake, _ := templateFixture(t, db)
		fake.FailNext("/cgi-bin/externalcontact/group_welcome_template/add", 40058, 1)
		err := f.svc.CreateTemplate(ctx, &welcome.GroupTemplate{Name: "x", Text: "hi"})
		var fields fault.Fields
		if !errors.As(err, &fields) || fields[0].Field != "wecom" {
			t.Fatalf("refused create: %v, want a wecom field problem", err)
		}
		fake.FailNext("/cgi-bin/externalcontact/group_welcome_template/add", 45033, 1)
		if err := f.svc.CreateTemplate(ctx, &welcome.GroupTemplate{Name: "x", Text: "hi"}); !errors.Is(err, fault.ErrUnavailable) {
			t.Fatalf("busy create: %v, want unavailable", err)
		}
		if err := f.svc.CreateTemplate(ctx, &welcome.GroupTemplate{Name: "x", Text: "{{客戶名}}"}); !errors.Is(err, fault.ErrInvalid) {
			t.Fatalf("qunbot variable in a WeCom template: %v, want invalid", err)
		}
		if list, _ := f.store.Templates(ctx); len(list) != 0 {
			t.Errorf("%d templates saved after failures", len(list))
		}
	})
}

func TestGroupTemplates_WithoutWeCom(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newFixture(t, db, welcome.Options{})
		err := f.svc.CreateTemplate(context.Background(), &welcome.GroupTemplate{Name: "x", Text: "hi"})
		if !errors.Is(err, fault.ErrConflict) {
			t.Fatalf("create without WeCom: %v", err)
		}
	})
}
