package org

import (
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/qunbot/qunbot/internal/fault"
)

// Column sizes (MySQL counts characters).
const (
	maxCode       = 32
	maxName       = 64
	maxRegion     = 64
	maxWebhookKey = 64
	maxEmail      = 254
	maxPhone      = 32
	maxUserID     = 64
)

var (
	codePattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	webhookPattern = regexp.MustCompile(`^[A-Za-z0-9-]+$`)
	userIDPattern  = regexp.MustCompile(`^[A-Za-z0-9_.@-]+$`)
	phonePattern   = regexp.MustCompile(`^\+?[0-9][0-9 ()-]*$`)
)

// normalizeShop trims what operators type.
func normalizeShop(s *Shop) {
	s.Code = strings.TrimSpace(s.Code)
	s.Name = strings.TrimSpace(s.Name)
	s.Region = strings.TrimSpace(s.Region)
	s.WebhookKey = webhookKeyOf(strings.TrimSpace(s.WebhookKey))
	s.Email = strings.TrimSpace(s.Email)
}

// webhookKeyOf accepts the whole webhook URL operators copy from WeCom
// (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…) and keeps its key.
func webhookKeyOf(v string) string {
	if !strings.Contains(v, "key=") {
		return v
	}
	u, err := url.Parse(v)
	if err != nil {
		return v
	}
	if k := u.Query().Get("key"); k != "" {
		return k
	}
	return v
}

// validateShop checks a normalised shop.
func validateShop(s *Shop) error {
	var p fault.Problems
	switch {
	case s.Code == "":
		p.Add("code", "门店编码不能为空 (code is required)")
	case utf8.RuneCountInString(s.Code) > maxCode:
		p.Add("code", "门店编码最多 %d 个字符 (at most %d characters)", maxCode, maxCode)
	case !codePattern.MatchString(s.Code):
		p.Add("code", "门店编码只能包含字母、数字、点、下划线和连字符 (letters, digits, '.', '_' and '-' only)")
	}
	checkName(&p, "name", "门店名称", s.Name)
	checkLen(&p, "region", "区域", s.Region, maxRegion)
	if s.WebhookKey != "" && (len(s.WebhookKey) > maxWebhookKey || !webhookPattern.MatchString(s.WebhookKey)) {
		p.Add("webhook_key", "群机器人 webhook key 格式不对,请粘贴 webhook 地址或其中的 key (not a webhook key; paste the webhook URL or its key)")
	}
	checkEmail(&p, s.Email)
	return p.Err()
}

// normalizeStaff trims what operators type and drops what the role does not use.
func normalizeStaff(s *Staff) {
	s.Name = strings.TrimSpace(s.Name)
	s.WeComUserID = strings.TrimSpace(s.WeComUserID)
	s.Role = Role(strings.TrimSpace(string(s.Role)))
	s.Region = strings.TrimSpace(s.Region)
	s.Email = strings.TrimSpace(s.Email)
	s.Phone = strings.TrimSpace(s.Phone)
}

// validateStaff checks a normalised staff member's own fields; that the
// store exists is checked by the Store.
func validateStaff(s *Staff) error {
	var p fault.Problems
	checkName(&p, "name", "姓名", s.Name)
	if s.WeComUserID != "" && (len(s.WeComUserID) > maxUserID || !userIDPattern.MatchString(s.WeComUserID)) {
		p.Add("wecom_user_id", "企业微信账号格式不对:最多 %d 个字母、数字或 _-.@ (at most %d letters, digits or _-.@)", maxUserID, maxUserID)
	}
	checkRole(&p, s)
	checkLen(&p, "region", "区域", s.Region, maxRegion)
	checkEmail(&p, s.Email)
	if s.Phone != "" && (len(s.Phone) > maxPhone || !phonePattern.MatchString(s.Phone)) {
		p.Add("phone", "手机号格式不对 (not a phone number)")
	}
	return p.Err()
}

// checkRole checks the role and the fields it requires.
func checkRole(p *fault.Problems, s *Staff) {
	switch s.Role {
	case RoleStaff, RoleManager:
		if s.StoreID <= 0 {
			p.Add("store_id", "店员和店长必须属于一个门店 (staff and managers need a store)")
		}
	case RoleRegional:
		if s.Region == "" {
			p.Add("region", "区域经理必须填写区域 (regional managers need a region)")
		}
		if s.StoreID != 0 {
			p.Add("store_id", "区域经理不属于单个门店,请留空 (regional managers belong to a region, not a store)")
		}
	case RoleHQ:
		if s.StoreID != 0 {
			p.Add("store_id", "总部人员不属于单个门店,请留空 (headquarters staff belong to no store)")
		}
	default:
		p.Add("role", "角色必须是 staff(店员)、manager(店长)、regional(区域经理)或 hq(总部) (role must be staff, manager, regional or hq)")
	}
}

func checkName(p *fault.Problems, field, label, v string) {
	if v == "" {
		p.Add(field, "%s不能为空 (%s is required)", label, field)
		return
	}
	checkLen(p, field, label, v, maxName)
}

func checkLen(p *fault.Problems, field, label, v string, limit int) {
	if utf8.RuneCountInString(v) > limit {
		p.Add(field, "%s最多 %d 个字 (at most %d characters)", label, limit, limit)
	}
}

func checkEmail(p *fault.Problems, v string) {
	if v == "" {
		return
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || len(v) > maxEmail {
		p.Add("email", "邮箱格式不对 (not an email address)")
	}
}
