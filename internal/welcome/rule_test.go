package welcome

import (
	"errors"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/fault"
)

func TestPick(t *testing.T) {
	rules := []Rule{
		{ID: 1, Name: "默認", Channel: ChannelContact, Default: true, Enabled: true},
		{ID: 2, Name: "上海前綴", Channel: ChannelContact, StateMatch: MatchPrefix, State: "lc_sh", Enabled: true},
		{ID: 3, Name: "徐匯精確", Channel: ChannelContact, StateMatch: MatchExact, State: "lc_sh_xuhui_01", Enabled: true},
		{ID: 4, Name: "張偉", Channel: ChannelContact, StaffUserID: "ZhangWei", Enabled: true},
		{ID: 5, Name: "高優先", Channel: ChannelContact, StateMatch: MatchPrefix, State: "vip", Priority: 10, Enabled: true},
		{ID: 6, Name: "停用", Channel: ChannelContact, StateMatch: MatchPrefix, State: "vip", Priority: 99, Enabled: false},
		{ID: 7, Name: "公眾號默認", Channel: ChannelWeChat, Default: true, Enabled: true},
		{ID: 8, Name: "長前綴", Channel: ChannelContact, StateMatch: MatchPrefix, State: "lc_sh_min", Enabled: true},
	}
	tests := []struct {
		name string
		who  Who
		want int64
	}{
		{"exact beats prefix", Who{Channel: ChannelContact, State: "lc_sh_xuhui_01"}, 3},
		{"prefix", Who{Channel: ChannelContact, State: "lc_sh_pudong"}, 2},
		{"longer prefix first", Who{Channel: ChannelContact, State: "lc_sh_minhang"}, 8},
		{"staff beats state", Who{Channel: ChannelContact, State: "lc_sh_xuhui_01", StaffUserID: "ZhangWei"}, 4},
		{"priority first, disabled skipped", Who{Channel: ChannelContact, State: "vip1", StaffUserID: "ZhangWei"}, 5},
		{"default", Who{Channel: ChannelContact, State: "poster"}, 1},
		{"channel separate", Who{Channel: ChannelWeChat, State: "lc_sh"}, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Pick(rules, tt.who)
			if !ok || got.ID != tt.want {
				t.Fatalf("Pick = rule %d (%v), want %d", got.ID, ok, tt.want)
			}
		})
	}
	if _, ok := Pick(rules[1:6], Who{Channel: ChannelContact, State: "none"}); ok {
		t.Fatal("Pick without a default found a rule")
	}
}

func TestRender(t *testing.T) {
	vars := Vars{Name: "李雷", Staff: "張偉", Store: "望京店", Members: "甲、乙"}
	tests := []struct{ in, want string }{
		{"{{客戶名}}您好,我是{{員工名}}", "李雷您好,我是張偉"},
		{"{{ name }} / {{staff}} / {{store}} / {{门店}}", "李雷 / 張偉 / 望京店 / 望京店"},
		{"歡迎 {{新成員}}", "歡迎 甲、乙"},
		{"{{unknown}} stays", "{{unknown}} stays"},
		{"no variables", "no variables"},
	}
	for _, tt := range tests {
		if got := Render(tt.in, vars); got != tt.want {
			t.Errorf("Render(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRule_Validate(t *testing.T) {
	ok := func() Rule {
		return Rule{Name: "徐匯", Channel: ChannelContact, StateMatch: MatchExact, State: "lc1", Text: "{{客戶名}}您好", Enabled: true}
	}
	tests := []struct {
		name   string
		change func(r *Rule)
		field  string // "" means valid
	}{
		{"valid", func(r *Rule) {}, ""},
		{"valid default", func(r *Rule) { r.StateMatch, r.State, r.Default = "", "", true }, ""},
		{"valid image and link", func(r *Rule) {
			r.Attachments = []Attachment{{Type: AttachImage, PicURL: "https://e.com/a.png"}, {Type: AttachLink, Title: "t", URL: "https://e.com"}}
		}, ""},
		{"name required", func(r *Rule) { r.Name = " " }, "name"},
		{"bad channel", func(r *Rule) { r.Channel = "sms" }, "channel"},
		{"unknown variable", func(r *Rule) { r.Text = "{{昵稱}}" }, "text"},
		{"members not in contact welcome", func(r *Rule) { r.Text = "{{新成員}}" }, "text"},
		{"no condition", func(r *Rule) { r.StateMatch, r.State = "", "" }, "state_match"},
		{"default with condition", func(r *Rule) { r.Default = true }, "is_default"},
		{"state without match", func(r *Rule) { r.StateMatch = "" }, "state"},
		{"empty", func(r *Rule) { r.Text = "" }, "text"},
		{"image by media id", func(r *Rule) { r.Attachments = []Attachment{{Type: AttachImage, MediaID: "m1"}} }, "attachments[0].media_id"},
		{"valid miniprogram", func(r *Rule) { r.Attachments = []Attachment{miniProgram()} }, ""},
		{"miniprogram without title", func(r *Rule) { a := miniProgram(); a.Title = " "; r.Attachments = []Attachment{a} }, "attachments[0].title"},
		{"miniprogram bad appid", func(r *Rule) { a := miniProgram(); a.AppID = "wx1"; r.Attachments = []Attachment{a} }, "attachments[0].appid"},
		{"miniprogram without page", func(r *Rule) { a := miniProgram(); a.Page = ""; r.Attachments = []Attachment{a} }, "attachments[0].page"},
		{"miniprogram without cover", func(r *Rule) { a := miniProgram(); a.PicURL = ""; r.Attachments = []Attachment{a} }, "attachments[0].pic_url"},
		{"miniprogram title too long", func(r *Rule) {
			a := miniProgram()
			a.Title = strings.Repeat("長", 22)
			r.Attachments = []Attachment{a}
		}, "attachments[0].title"},
		{"link without url", func(r *Rule) { r.Attachments = []Attachment{{Type: AttachLink, Title: "t"}} }, "attachments[0].url"},
		{"too many", func(r *Rule) {
			for range 10 {
				r.Attachments = append(r.Attachments, Attachment{Type: AttachLink, Title: "t", URL: "https://e.com"})
			}
		}, "attachments"},
		{"wechat no variables", func(r *Rule) { r.Channel = ChannelWeChat }, "text"},
		{"wechat text and link", func(r *Rule) {
			r.Channel, r.Text = ChannelWeChat, "hi"
			r.Attachments = []Attachment{{Type: AttachLink, Title: "t", URL: "https://e.com"}}
		}, "attachments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok()
			tt.change(&r)
			err := r.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var fields fault.Fields
			if !errors.As(err, &fields) || !errors.Is(err, fault.ErrInvalid) {
				t.Fatalf("Validate = %v, want fault.Fields", err)
			}
			for _, f := range fields {
				if f.Field == tt.field {
					if !strings.Contains(f.Message, "(") {
						t.Errorf("message %q is not Chinese-first with English", f.Message)
					}
					return
				}
			}
			t.Fatalf("Validate = %v, want a problem with %s", err, tt.field)
		})
	}
}

func TestUses(t *testing.T) {
	tests := []struct {
		text string
		vs   []variable
		want bool
	}{
		{"{{客戶名}}您好", []variable{varName}, true},
		{"{{ name }}", []variable{varName}, true},
		{"{{門店}}", []variable{varName}, false},
		{"{{门店}}", []variable{varStaff, varStore}, true},
		{"plain", []variable{varName}, false},
	}
	for _, tt := range tests {
		if got := uses(tt.text, tt.vs...); got != tt.want {
			t.Errorf("uses(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func miniProgram() Attachment {
	return Attachment{Type: AttachMiniProgram, Title: "會員中心", AppID: "wx0123456789abcdef", Page: "pages/member/index.html", PicURL: "https://e.com/cover.png"}
}

func TestGroupTemplate_RefusesMiniProgram(t *testing.T) {
	a := miniProgram()
	tpl := GroupTemplate{Name: "入群", Text: "hi", Attachment: &a}
	if err := tpl.Validate(); err == nil || !strings.Contains(err.Error(), "attachment.type") {
		t.Fatalf("Validate = %v, want attachment.type refused", err)
	}
}
