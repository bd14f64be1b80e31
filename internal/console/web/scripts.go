package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/script/match"
)

// scriptsPerPage is the script list's page size.
const scriptsPerPage = 50

// scriptListView is the script library page.
type scriptListView struct {
	Query      string
	Scripts    []scriptRow
	Total      int64
	Pager      pager
	Categories map[int64]string
}

// PageTitle names the page.
func (scriptListView) PageTitle() string { return "话术库" }

// scriptRow is one line of the list.
type scriptRow struct {
	script.Script
	Category  string
	ModeLabel string
	FirstText string
}

// modeLabels are the match modes as operators read them.
var modeLabels = map[match.Mode]string{
	match.ModeContains: "包含任一关键词", match.ModeAll: "包含全部关键词", match.ModeExact: "完全一致", match.ModeRegex: "正则表达式",
}

// modeOrder lists the match modes in the form's order.
var modeOrder = []match.Mode{match.ModeContains, match.ModeAll, match.ModeExact, match.ModeRegex}

func (h *handler) scriptList(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Scripts == nil {
		return errUnconfigured("话术库", "the script library")
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	pg, err := pageParam(r)
	if err != nil {
		return err
	}
	items, total, err := h.opts.Scripts.List(r.Context(), script.Filter{Query: q, Limit: scriptsPerPage, Offset: (pg - 1) * scriptsPerPage})
	if err != nil {
		return err
	}
	cats, err := h.categoryNames(r)
	if err != nil {
		return err
	}
	v := scriptListView{Query: q, Total: total, Categories: cats,
		Pager: newPager("/scripts", url.Values{"q": {q}}, pg, scriptsPerPage, total)}
	for _, sc := range items {
		v.Scripts = append(v.Scripts, scriptRow{Script: sc, Category: cats[sc.CategoryID], ModeLabel: modeLabels[sc.MatchMode], FirstText: firstText(sc)})
	}
	h.render(w, r, http.StatusOK, "scripts", v)
	return nil
}

// categoryNames maps category ids to names.
func (h *handler) categoryNames(r *http.Request) (map[int64]string, error) {
	cats, err := h.opts.Scripts.Categories(r.Context())
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(cats))
	for _, c := range cats {
		out[c.ID] = c.Name
	}
	return out, nil
}

// firstText is the first text reply, for the list.
func firstText(sc script.Script) string {
	for _, rp := range sc.Replies {
		if rp.Type == script.ReplyText {
			return rp.Text
		}
	}
	if len(sc.Replies) > 0 {
		return "[" + string(sc.Replies[0].Type) + "]"
	}
	return ""
}

// pager links the pages of a list.
type pager struct {
	Page, Pages int
	Prev, Next  string // "" at either end
}

func newPager(base string, q url.Values, page, size int, total int64) pager {
	p := pager{Page: page, Pages: int((total + int64(size) - 1) / int64(size))}
	p.Pages = max(p.Pages, 1)
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			if len(vs) > 0 && vs[0] != "" {
				v.Set(k, vs[0])
			}
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return base
		}
		return base + "?" + v.Encode()
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < p.Pages {
		p.Next = link(page + 1)
	}
	return p
}

// pageParam reads ?page= (1 when absent).
func pageParam(r *http.Request) (int, error) {
	v := r.URL.Query().Get("page")
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1_000_000 {
		return 0, fmt.Errorf("%w: 页码无效 (page %q is not a page number)", errBadInput, v)
	}
	return n, nil
}

// pathID reads the {id} of the route.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errPageNotFound
	}
	return id, nil
}
