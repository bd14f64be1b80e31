package bridge

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Field limits, stated in docs/bridge.md. Ids that become keys (msg_id,
// idempotency_key) are printable ASCII so that they compare the same in
// every database collation and fit its 191-character keys.
const (
	maxMsgIDBytes          = 128
	maxIdempotencyKeyBytes = 191
	maxIDRunes             = 128
	maxNameRunes           = 256
	maxURLBytes            = 2048
	maxMentions            = 500
)

// check is one field's verdict: the field and what is wrong, "" when nothing.
type check struct {
	field   string
	problem string
}

// firstProblem returns the first failed check as a FieldError, in the order
// of the schema, so a bridge fixes its body top to bottom.
func firstProblem(checks []check) error {
	for _, c := range checks {
		if c.problem != "" {
			return &FieldError{Field: c.field, Problem: c.problem}
		}
	}
	return nil
}

// token checks an id that becomes a key: printable ASCII without spaces.
func token(v string, maxBytes int, required bool) string {
	switch {
	case v == "":
		return requiredProblem(required)
	case len(v) > maxBytes:
		return "at most " + strconv.Itoa(maxBytes) + " characters"
	case strings.IndexFunc(v, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0:
		return "must be printable ASCII without spaces"
	}
	return ""
}

// label checks an id or a name shown to people: any text on one line.
func label(v string, maxRunes int, required bool) string {
	switch {
	case strings.TrimSpace(v) == "":
		return requiredProblem(required)
	case utf8.RuneCountInString(v) > maxRunes:
		return "at most " + strconv.Itoa(maxRunes) + " characters"
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		return "must not contain control characters"
	}
	return ""
}

// text checks a message text, which may span lines.
func text(v string, required bool) string {
	switch {
	case strings.TrimSpace(v) == "":
		return requiredProblem(required)
	case utf8.RuneCountInString(v) > MaxTextRunes:
		return fmt.Sprintf("at most %d characters, got %d", MaxTextRunes, utf8.RuneCountInString(v))
	}
	return ""
}

// webURL checks an absolute http or https URL.
func webURL(v string, required bool) string {
	if v == "" {
		return requiredProblem(required)
	}
	if len(v) > maxURLBytes {
		return "at most " + strconv.Itoa(maxURLBytes) + " bytes"
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "must be an absolute http or https URL"
	}
	return ""
}

// oneOf checks a required value from a fixed list.
func oneOf(v string, allowed ...string) string {
	for _, a := range allowed {
		if v == a {
			return ""
		}
	}
	if v == "" {
		return "required"
	}
	return "must be one of " + strings.Join(allowed, ", ")
}

func requiredProblem(required bool) string {
	if required {
		return "required"
	}
	return ""
}

// requiredFor is the problem of a missing object: one that msgType needs.
func requiredFor(required bool, msgType string) string {
	if required {
		return "required for msg_type " + msgType
	}
	return ""
}

func linkChecks(l *Link, required bool) []check {
	if l == nil {
		return []check{{"link", requiredFor(required, "link")}}
	}
	return []check{
		{"link.title", label(l.Title, maxNameRunes, false)},
		{"link.description", label(l.Description, 4*maxNameRunes, false)},
		{"link.url", webURL(l.URL, true)},
		{"link.image_url", webURL(l.ImageURL, false)},
	}
}

func miniProgramChecks(p *MiniProgram, required bool) []check {
	if p == nil {
		return []check{{"mini_program", requiredFor(required, "miniprogram")}}
	}
	return []check{
		{"mini_program.app_id", token(p.AppID, maxIDRunes, true)},
		{"mini_program.title", label(p.Title, maxNameRunes, true)},
		{"mini_program.page", label(p.Page, maxURLBytes, true)},
		{"mini_program.image_url", webURL(p.ImageURL, false)},
	}
}

func mentionChecks(ids []string) []check {
	if len(ids) > maxMentions {
		return []check{{"mentions", "at most " + strconv.Itoa(maxMentions) + " ids"}}
	}
	checks := make([]check, len(ids))
	for i, id := range ids {
		checks[i] = check{"mentions[" + strconv.Itoa(i) + "]", label(id, maxIDRunes, true)}
	}
	return checks
}

// validate checks a message whose sent_at is parsed separately.
func (m Message) validate() error {
	checks := []check{
		{"msg_id", token(m.MsgID, maxMsgIDBytes, true)},
		{"chat_id", label(m.ChatID, maxIDRunes, true)},
		{"chat_name", label(m.ChatName, maxNameRunes, false)},
		{"chat_type", oneOf(m.ChatType, "group", "single")},
		{"sender_id", label(m.SenderID, maxIDRunes, true)},
		{"sender_name", label(m.SenderName, maxNameRunes, false)},
		{"sender_role", oneOf(m.SenderRole, "member", "staff")},
		{"msg_type", oneOf(m.MsgType, msgTypes...)},
		{"text", text(m.Text, m.MsgType == "text")},
		{"image_url", webURL(m.ImageURL, false)},
	}
	checks = append(checks, linkChecks(m.Link, m.MsgType == "link")...)
	checks = append(checks, mentionChecks(m.Mentions)...)
	checks = append(checks, check{"quote_msg_id", token(m.QuoteMsgID, maxMsgIDBytes, false)})
	return firstProblem(checks)
}
