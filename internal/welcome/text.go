package welcome

import (
	"regexp"
	"strings"
)

// Vars are the values a welcome text's placeholders take.
type Vars struct {
	Name    string // 客戶名: the contact's or follower's name
	Staff   string // 員工名: the staff member's name
	Store   string // 門店: the staff member's store
	Members string // 新成員: the names of the new group members
}

// variable is a placeholder's canonical name.
type variable int

const (
	varName variable = iota
	varStaff
	varStore
	varMembers
)

// variables maps every accepted spelling to its variable.
var variables = map[string]variable{
	"客戶名": varName, "客户名": varName, "name": varName,
	"員工名": varStaff, "员工名": varStaff, "staff": varStaff,
	"門店": varStore, "门店": varStore, "store": varStore,
	"新成員": varMembers, "新成员": varMembers, "members": varMembers,
}

// placeholder finds {{ name }} with optional spaces inside the braces.
var placeholder = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// checkText returns the placeholders of text that are unknown, or not
// allowed where the text is used (allowed lists the variables that are).
func checkText(text string, allowed ...variable) []string {
	var bad []string
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		v, known := variables[m[1]]
		if !known || !containsVar(allowed, v) {
			bad = append(bad, m[0])
		}
	}
	return bad
}

func containsVar(list []variable, v variable) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// uses reports whether text has a placeholder of one of vs.
func uses(text string, vs ...variable) bool {
	if !strings.Contains(text, "{{") {
		return false
	}
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		if v, known := variables[m[1]]; known && containsVar(vs, v) {
			return true
		}
	}
	return false
}

// Render replaces the placeholders of text with vars; an unknown one (text
// saved before a variable was removed) is left as written.
func Render(text string, vars Vars) string {
	if !strings.Contains(text, "{{") {
		return text
	}
	return placeholder.ReplaceAllStringFunc(text, func(m string) string {
		name := placeholder.FindStringSubmatch(m)[1]
		v, known := variables[name]
		if !known {
			return m
		}
		return [...]string{varName: vars.Name, varStaff: vars.Staff, varStore: vars.Store, varMembers: vars.Members}[v]
	})
}
