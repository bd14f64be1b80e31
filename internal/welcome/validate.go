package welcome

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/qunbot/qunbot/internal/fault"
	"github.com/qunbot/qunbot/internal/wecom"
)

// Limits of what a welcome may hold.
const (
	maxNameRunes  = 64
	maxStateRunes = 64
	maxUserRunes  = 64
	maxTextBytes  = 4000 // WeCom's text.content limit
	maxTitleRunes = 128
	maxURLBytes   = 2048
)

// errMediaUpload explains why attachments that need a media_id are refused
// where qunbot cannot upload at send time.
const errMediaUpload = "需要上傳素材取得 media_id,群歡迎語素材保存在企業微信,無法在發送時上傳,請改用圖片或鏈接卡片 (needs a media_id: a group welcome template is kept by WeCom, so nothing can be uploaded at send time; use an image or a link card)"

// errImageMediaID explains why a rule may not name a media_id itself.
const errImageMediaID = "請填寫圖片鏈接 pic_url,發送時自動上傳 (give pic_url: qunbot uploads the image when sending; a media_id expires after 3 days)"

// maxMiniTitleBytes is WeCom's limit on a mini-program card's title.
const maxMiniTitleBytes = 64

// miniAppID is the form of a mini-program's appid.
var miniAppID = regexp.MustCompile(`^wx[0-9A-Za-z]{16}$`)

// Validate checks r and reports every problem at once.
func (r *Rule) Validate() error {
	var p fault.Problems
	r.Name = strings.TrimSpace(r.Name)
	checkRunes(&p, "name", r.Name, maxNameRunes, true, "名稱")
	switch r.Channel {
	case ChannelContact, ChannelWeChat:
	default:
		p.Add("channel", "渠道須為 contact 或 wechat (channel must be contact or wechat), got %q", r.Channel)
	}
	r.validateWho(&p)
	r.validateContent(&p)
	return p.Err()
}

func (r *Rule) validateWho(p *fault.Problems) {
	switch r.StateMatch {
	case MatchAny:
		if r.State != "" {
			p.Add("state", "未選擇匹配方式時不能填寫 state (state needs state_match exact or prefix)")
		}
	case MatchExact, MatchPrefix:
		checkRunes(p, "state", r.State, maxStateRunes, true, "渠道參數 state")
	default:
		p.Add("state_match", "匹配方式須為空、exact 或 prefix (state_match must be empty, exact or prefix)")
	}
	checkRunes(p, "staff_user_id", r.StaffUserID, maxUserRunes, false, "員工 userid")
	if r.Channel == ChannelWeChat && r.StaffUserID != "" {
		p.Add("staff_user_id", "公眾號歡迎語不能按員工匹配 (Official Account welcomes cannot match a staff member)")
	}
	hasCondition := r.StateMatch != MatchAny || r.StaffUserID != ""
	switch {
	case r.Default && hasCondition:
		p.Add("is_default", "默認歡迎語不能設置匹配條件 (a default rule has no state or staff condition)")
	case !r.Default && !hasCondition:
		p.Add("state_match", "非默認規則需指定渠道 state 或員工 (a rule that is not the default needs a state or a staff member)")
	}
}

func (r *Rule) validateContent(p *fault.Problems) {
	allowed := []variable{varName, varStaff, varStore}
	if r.Channel == ChannelWeChat {
		allowed = nil
	}
	checkWelcomeText(p, "text", r.Text, allowed)
	if strings.TrimSpace(r.Text) == "" && len(r.Attachments) == 0 {
		p.Add("text", "歡迎語需有文字或附件 (a welcome needs text or an attachment)")
	}
	if r.Channel == ChannelWeChat {
		validateWeChatContent(p, r)
		return
	}
	if len(r.Attachments) > wecom.MaxAttachments {
		p.Add("attachments", "附件最多 %d 個 (at most %d attachments)", wecom.MaxAttachments, wecom.MaxAttachments)
	}
	for i, a := range r.Attachments {
		a.validate(p, fmt.Sprintf("attachments[%d]", i), true)
	}
}

// validateWeChatContent: a passive reply is one message, text or one link card.
func validateWeChatContent(p *fault.Problems, r *Rule) {
	switch {
	case len(r.Attachments) == 0:
	case len(r.Attachments) > 1 || strings.TrimSpace(r.Text) != "":
		p.Add("attachments", "公眾號被動回覆只能是一段文字或一張鏈接卡片 (an Official Account reply is either text or one link card)")
	case r.Attachments[0].Type != AttachLink:
		p.Add("attachments[0].type", "公眾號歡迎語附件只支持鏈接卡片 link (only a link card can be attached on the Official Account)")
	default:
		r.Attachments[0].validate(p, "attachments[0]", false)
	}
}

func checkWelcomeText(p *fault.Problems, field, text string, allowed []variable) {
	if len(text) > maxTextBytes {
		p.Add(field, "文字不能超過 %d 字節 (text is longer than %d bytes)", maxTextBytes, maxTextBytes)
	}
	if bad := checkText(text, allowed...); len(bad) > 0 {
		p.Add(field, "不支持的變量 %s,可用 %s (unknown or unavailable variables)", strings.Join(bad, " "), allowedNames(allowed))
	}
}

func allowedNames(allowed []variable) string {
	names := [...]string{varName: "{{客戶名}}", varStaff: "{{員工名}}", varStore: "{{門店}}", varMembers: "{{新成員}}"}
	if len(allowed) == 0 {
		return "(此處不支持變量 none here)"
	}
	out := make([]string, len(allowed))
	for i, v := range allowed {
		out[i] = names[v]
	}
	return strings.Join(out, " ")
}

// validate checks one attachment; field is its path, e.g. attachments[2].
// uploads says whether its images are uploaded at send time, which a
// mini-program card's cover needs.
func (a Attachment) validate(p *fault.Problems, field string, uploads bool) {
	switch a.Type {
	case AttachImage:
		if a.MediaID != "" {
			p.Add(field+".media_id", errImageMediaID)
		}
		checkURL(p, field+".pic_url", a.PicURL, true)
	case AttachLink:
		checkRunes(p, field+".title", a.Title, maxTitleRunes, true, "標題")
		checkRunes(p, field+".description", a.Description, 512, false, "描述")
		checkURL(p, field+".url", a.URL, true)
		checkURL(p, field+".pic_url", a.PicURL, false)
	case AttachMiniProgram:
		if !uploads {
			p.Add(field+".type", "小程序卡片的封面"+errMediaUpload)
			return
		}
		a.validateMiniProgram(p, field)
	default:
		p.Add(field+".type", "附件類型須為 image、link 或 miniprogram (type must be image, link or miniprogram)")
	}
}

// validateMiniProgram checks a mini-program card: its cover (pic_url) is
// uploaded when the welcome is sent.
func (a Attachment) validateMiniProgram(p *fault.Problems, field string) {
	switch {
	case strings.TrimSpace(a.Title) == "":
		p.Add(field+".title", "小程序標題不能為空 (%s.title is required)", field)
	case len(a.Title) > maxMiniTitleBytes:
		p.Add(field+".title", "小程序標題不能超過 %d 字節 (%s.title is longer than %d bytes)", maxMiniTitleBytes, field, maxMiniTitleBytes)
	}
	switch {
	case a.AppID == "":
		p.Add(field+".appid", "小程序 appid 不能為空 (%s.appid is required)", field)
	case !miniAppID.MatchString(a.AppID):
		p.Add(field+".appid", "小程序 appid 須為 wx 開頭的 18 位 (%s.appid must look like wx followed by 16 letters or digits)", field)
	}
	switch {
	case strings.TrimSpace(a.Page) == "":
		p.Add(field+".page", "小程序頁面路徑不能為空 (%s.page is required)", field)
	case len(a.Page) > maxURLBytes:
		p.Add(field+".page", "小程序頁面路徑過長 (%s.page is longer than %d bytes)", field, maxURLBytes)
	}
	if a.MediaID != "" {
		p.Add(field+".media_id", errImageMediaID)
	}
	checkURL(p, field+".pic_url", a.PicURL, true)
}

func checkRunes(p *fault.Problems, field, v string, maxRunes int, required bool, label string) {
	switch {
	case required && strings.TrimSpace(v) == "":
		p.Add(field, "%s不能為空 (%s is required)", label, field)
	case utf8.RuneCountInString(v) > maxRunes:
		p.Add(field, "%s不能超過 %d 個字 (%s is longer than %d characters)", label, maxRunes, field, maxRunes)
	}
}

func checkURL(p *fault.Problems, field, v string, required bool) {
	if v == "" {
		if required {
			p.Add(field, "鏈接不能為空 (%s is required)", field)
		}
		return
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(v) > maxURLBytes {
		p.Add(field, "須為 http(s) 鏈接 (%s must be an http(s) URL)", field)
	}
}
