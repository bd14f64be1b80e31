package script_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/script/match"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

func TestStore_CreateRejectsBadInput(t *testing.T) {
	long := strings.Repeat("好", 683) // 2049 bytes
	tests := []struct {
		name  string
		edit  func(*script.Script)
		field string
	}{
		{"empty_keywords", func(s *script.Script) { s.Keywords = []string{" ", ""} }, "keywords"},
		{"keywords_normalise_away", func(s *script.Script) { s.Keywords = []string{"😀"} }, "keywords"},
		{"bad_regex", func(s *script.Script) { s.MatchMode, s.Keywords, s.Pattern = match.ModeRegex, nil, "退(货" }, "pattern"},
		{"regex_without_pattern", func(s *script.Script) { s.MatchMode, s.Keywords = match.ModeRegex, nil }, "pattern"},
		{"pattern_outside_regex", func(s *script.Script) { s.Pattern = "退.*货" }, "pattern"},
		{"unknown_mode", func(s *script.Script) { s.MatchMode = "fuzzy" }, "match_mode"},
		{"no_reply", func(s *script.Script) { s.Replies = nil }, "replies"},
		{"text_over_2048_bytes", func(s *script.Script) { s.Replies[0].Text = long }, "replies[0].text"},
		{"empty_text", func(s *script.Script) { s.Replies[0].Text = "  " }, "replies[0].text"},
		{"unknown_reply_type", func(s *script.Script) { s.Replies[0].Type = "video" }, "replies[0].type"},
		{"link_title_over_128_bytes", func(s *script.Script) {
			s.Replies = append(s.Replies, script.Reply{Type: script.ReplyLink, Title: strings.Repeat("标", 43), URL: "https://x.cn"})
		}, "replies[1].title"},
		{"link_description_over_512_bytes", func(s *script.Script) {
			s.Replies = append(s.Replies, script.Reply{Type: script.ReplyLink, Title: "t", Description: strings.Repeat("描", 171), URL: "https://x.cn"})
		}, "replies[1].description"},
		{"link_url_not_http", func(s *script.Script) {
			s.Replies = append(s.Replies, script.Reply{Type: script.ReplyLink, Title: "t", URL: "javascript:alert(1)"})
		}, "replies[1].url"},
		{"image_without_url", func(s *script.Script) { s.Replies = []script.Reply{{Type: script.ReplyImage}} }, "replies[0].media_url"},
		{"miniprogram_without_appid", func(s *script.Script) {
			s.Replies = []script.Reply{{Type: script.ReplyMiniProgram, Title: "t", Page: "pages/index", PicURL: "https://x.cn/a.png"}}
		}, "replies[0].appid"},
		{"bad_active_hours", func(s *script.Script) { s.ActiveHours = "9点到21点" }, "active_hours"},
		{"hours_out_of_range", func(s *script.Script) { s.ActiveHours = "09:00-25:00" }, "active_hours"},
		{"bad_time_zone", func(s *script.Script) { s.TimeZone = "Mars/Olympus" }, "time_zone"},
		{"unknown_channel", func(s *script.Script) { s.Scope.Channels = []script.Channel{"sms"} }, "scope.channels[0]"},
		{"unknown_order", func(s *script.Script) { s.ReplyOrder = "shuffle" }, "reply_order"},
		{"negative_cooldown", func(s *script.Script) { s.CooldownMinutes = -1 }, "cooldown_minutes"},
		{"negative_member_limit", func(s *script.Script) { s.MemberLimit = -3 }, "member_limit"},
		{"no_title", func(s *script.Script) { s.Title = "" }, "title"},
		{"missing_category", func(s *script.Script) { s.CategoryID = 99 }, "category_id"},
	}
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		before := e.version(t)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				sc := validScript()
				tt.edit(&sc)
				err := e.store.Create(context.Background(), "alice", &sc)
				var verrs script.ValidationErrors
				if !errors.As(err, &verrs) || !errors.Is(err, script.ErrInvalid) {
					t.Fatalf("Create: got %v, want ValidationErrors matching ErrInvalid", err)
				}
				if !hasField(verrs, tt.field) {
					t.Errorf("errors %v do not name field %q", verrs, tt.field)
				}
				var first script.ValidationError
				if !errors.As(err, &first) || first.Message == "" {
					t.Errorf("errors.As(ValidationError) = %+v", first)
				}
			})
		}
		if n := e.count(t, "scripts") + e.count(t, "script_history"); n != 0 {
			t.Errorf("%d rows stored by rejected creates", n)
		}
		if v := e.version(t); v != before {
			t.Errorf("library version moved from %d to %d without a change", before, v)
		}
	})
}

func hasField(errs script.ValidationErrors, field string) bool {
	for _, e := range errs {
		if e.Field == field {
			return true
		}
	}
	return false
}

func TestValidate_AcceptsEveryReplyType(t *testing.T) {
	sc := validScript()
	sc.ActiveHours, sc.Scope.Channels = "22:00-06:00", script.Channels()
	sc.Replies = append(sc.Replies,
		script.Reply{Type: script.ReplyImage, MediaURL: "https://cdn.example.cn/a.png"},
		script.Reply{Type: script.ReplyLink, Title: "退货指南", Description: "三步完成", URL: "https://example.cn/r", PicURL: "http://example.cn/p.png"},
		script.Reply{Type: script.ReplyMiniProgram, AppID: "wx123", Title: "售后", Page: "pages/after/index", PicURL: "https://example.cn/m.png"},
	)
	if err := script.Validate(&sc); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if sc.TimeZone != script.DefaultTimeZone || sc.ReplyOrder != script.OrderRotate {
		t.Errorf("defaults not filled: time zone %q, order %q", sc.TimeZone, sc.ReplyOrder)
	}
}

func TestStore_ScriptLifecycle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		v0 := e.version(t)
		sc := e.create(t, func(s *script.Script) { s.Keywords = []string{" 退货 ", "退货", "退款"} })
		if sc.ID == 0 || sc.Version != 1 || sc.CreatedBy != "alice" || !sc.CreatedAt.Equal(e.clock.Now()) {
			t.Fatalf("created script = %+v", sc)
		}
		got, err := e.store.Get(ctx, sc.ID)
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		if strings.Join(got.Keywords, ",") != "退货,退款" || got.Replies[0] != sc.Replies[0] || got.TimeZone != script.DefaultTimeZone {
			t.Errorf("Get = %+v, want cleaned copy of %+v", got, sc)
		}

		stale := got
		got.Title, got.Priority = "退货与退款", 5
		if err := e.store.Update(ctx, "bob", &got); err != nil {
			t.Fatalf("Update: %v", err)
		}
		if got.Version != 2 || got.UpdatedBy != "bob" || got.CreatedBy != "alice" {
			t.Errorf("updated script = %+v", got)
		}
		stale.Title = "lost update"
		if err := e.store.Update(ctx, "carol", &stale); !errors.Is(err, script.ErrConflict) {
			t.Fatalf("Update with stale version: got %v, want ErrConflict", err)
		}
		if cur, _ := e.store.Get(ctx, sc.ID); cur.Title != "退货与退款" {
			t.Errorf("stale update changed the title to %q", cur.Title)
		}

		if err := e.store.Delete(ctx, "dave", sc.ID); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, err := e.store.Get(ctx, sc.ID); !errors.Is(err, script.ErrNotFound) {
			t.Errorf("Get after delete: got %v, want ErrNotFound", err)
		}
		if err := e.store.Delete(ctx, "dave", sc.ID); !errors.Is(err, script.ErrNotFound) {
			t.Errorf("second Delete: got %v, want ErrNotFound", err)
		}
		if v := e.version(t); v != v0+3 {
			t.Errorf("version = %d after create, update, delete from %d; want +3", v, v0)
		}
		checkHistory(t, e, sc.ID)
	})
}

func checkHistory(t *testing.T, e *env, id int64) {
	t.Helper()
	hist, err := e.store.History(context.Background(), id)
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	want := []struct {
		action        script.Action
		actor         string
		version       int64
		before, after string // titles; "" for none
	}{
		{script.ActionCreate, "alice", 1, "", "退货流程"},
		{script.ActionUpdate, "bob", 2, "退货流程", "退货与退款"},
		{script.ActionDelete, "dave", 3, "退货与退款", ""},
	}
	if len(hist) != len(want) {
		t.Fatalf("History has %d entries, want %d: %+v", len(hist), len(want), hist)
	}
	for i, w := range want {
		h := hist[i]
		if h.Action != w.action || h.Actor != w.actor || h.Version != w.version || h.At.IsZero() {
			t.Errorf("history[%d] = %+v, want %+v", i, h, w)
		}
		if title(t, h.Before) != w.before || title(t, h.After) != w.after {
			t.Errorf("history[%d] titles before %q after %q, want %q and %q", i, title(t, h.Before), title(t, h.After), w.before, w.after)
		}
	}
}

// title is the title of a script snapshot, "" for none.
func title(t *testing.T, snapshot string) string {
	t.Helper()
	if snapshot == "" {
		return ""
	}
	var s script.Script
	if err := json.Unmarshal([]byte(snapshot), &s); err != nil {
		t.Fatalf("snapshot %q: %v", snapshot, err)
	}
	return s.Title
}

func TestStore_List(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		cat := script.Category{Name: "售后"}
		if err := e.store.CreateCategory(ctx, &cat); err != nil {
			t.Fatalf("CreateCategory: %v", err)
		}
		e.create(t, func(s *script.Script) { s.CategoryID = cat.ID })
		e.create(t, func(s *script.Script) { s.Title, s.Keywords = "营业时间", []string{"几点开门", "100%_off"} })
		e.create(t, func(s *script.Script) { s.Title, s.Keywords, s.Enabled = "停车", []string{"停车"}, false })
		off := false
		tests := []struct {
			name   string
			filter script.Filter
			titles string
			total  int64
		}{
			{"all_newest_first", script.Filter{}, "停车,营业时间,退货流程", 3},
			{"title", script.Filter{Query: "营业"}, "营业时间", 1},
			{"keyword", script.Filter{Query: "开门"}, "营业时间", 1},
			{"like_wildcards_are_literal", script.Filter{Query: "0%_"}, "营业时间", 1},
			{"percent_alone_finds_only_itself", script.Filter{Query: "%"}, "营业时间", 1},
			{"category", script.Filter{CategoryID: cat.ID}, "退货流程", 1},
			{"disabled", script.Filter{Enabled: &off}, "停车", 1},
			{"page", script.Filter{Limit: 1, Offset: 1}, "营业时间", 3},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, total, err := e.store.List(ctx, tt.filter)
				if err != nil {
					t.Fatalf("List: %v", err)
				}
				var titles []string
				for _, s := range got {
					titles = append(titles, s.Title)
				}
				if strings.Join(titles, ",") != tt.titles || total != tt.total {
					t.Errorf("List = %v (total %d), want %s (total %d)", titles, total, tt.titles, tt.total)
				}
			})
		}
	})
}

func TestStore_Categories(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		a, b := script.Category{Name: "售后", Sort: 2}, script.Category{Name: "门店", Sort: 1}
		for _, c := range []*script.Category{&a, &b} {
			if err := e.store.CreateCategory(ctx, c); err != nil {
				t.Fatalf("CreateCategory: %v", err)
			}
		}
		dup := script.Category{Name: "售后"}
		var verrs script.ValidationErrors
		if err := e.store.CreateCategory(ctx, &dup); !errors.As(err, &verrs) || !hasField(verrs, "name") {
			t.Errorf("duplicate name: got %v, want a ValidationErrors on name", err)
		}
		b.Name = "门店咨询"
		if err := e.store.UpdateCategory(ctx, &b); err != nil {
			t.Fatalf("UpdateCategory: %v", err)
		}
		cs, err := e.store.Categories(ctx)
		if err != nil || len(cs) != 2 || cs[0].Name != "门店咨询" || cs[1].Name != "售后" {
			t.Fatalf("Categories = %+v, %v; want 门店咨询 then 售后", cs, err)
		}
		e.create(t, func(s *script.Script) { s.CategoryID = a.ID })
		if err := e.store.DeleteCategory(ctx, a.ID); !errors.Is(err, script.ErrConflict) {
			t.Errorf("deleting a category with scripts: got %v, want ErrConflict", err)
		}
		if err := e.store.DeleteCategory(ctx, b.ID); err != nil {
			t.Errorf("DeleteCategory: %v", err)
		}
		if err := e.store.DeleteCategory(ctx, b.ID); !errors.Is(err, script.ErrNotFound) {
			t.Errorf("second DeleteCategory: got %v, want ErrNotFound", err)
		}
	})
}
