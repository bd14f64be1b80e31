package group

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/qunbot/qunbot/internal/fault"
)

// Limits of operators' tags.
const (
	maxTags   = 20
	maxTagLen = 32
)

// normalizeTags trims, drops empty and repeated tags and sorts the rest.
func normalizeTags(tags []string) ([]string, error) {
	var p fault.Problems
	out := make([]string, 0, len(tags))
	for i, t := range tags {
		t = strings.TrimSpace(t)
		switch {
		case t == "" || slices.Contains(out, t):
			continue
		case utf8.RuneCountInString(t) > maxTagLen:
			p.Add(fmtField(i), "标签最多 %d 个字 (a tag has at most %d characters)", maxTagLen, maxTagLen)
		}
		out = append(out, t)
	}
	if len(out) > maxTags {
		p.Add("tags", "一个群最多 %d 个标签 (at most %d tags a group)", maxTags, maxTags)
	}
	slices.Sort(out)
	return out, p.Err()
}

func fmtField(i int) string { return "tags[" + strconv.Itoa(i) + "]" }
