package script

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/qunbot/qunbot/internal/storage"
)

// table is a sheet to write: the header and the cells of each row (strings
// and whole numbers).
type table struct {
	header []string
	rows   [][]any
}

// exportRow is a script as an export writes it.
type exportRow struct {
	sc         Script
	category   string
	texts      []string // the leading text replies, one a column
	othersJSON string   // the replies after them, as JSON
}

// newExportRow splits sc's replies: the leading text replies that read back
// from a cell as they are go into the 回复 columns, the rest, in order, into
// 其他回复(JSON), so that an import puts them back in the same order.
func newExportRow(sc Script, category string) (exportRow, error) {
	x := exportRow{sc: sc, category: category}
	n := 0
	for n < len(sc.Replies) && sc.Replies[n].Type == ReplyText && isCellText(sc.Replies[n].Text) {
		x.texts = append(x.texts, sc.Replies[n].Text)
		n++
	}
	if rest := sc.Replies[n:]; len(rest) > 0 {
		var err error
		if x.othersJSON, err = jsonText(rest); err != nil {
			return x, fmt.Errorf("script %d: %w", sc.ID, err)
		}
	}
	return x, nil
}

// isCellText reports whether t reads back from a reply cell as itself.
func isCellText(t string) bool {
	parts := splitReplies(t)
	return len(parts) == 1 && parts[0] == t && !strings.Contains(t, "\r")
}

// exportTable lays out every script that is not deleted.
func (s *Store) exportTable(ctx context.Context) (table, error) {
	xs, err := s.exportRows(ctx)
	if err != nil {
		return table{}, err
	}
	texts := 1
	for _, x := range xs {
		texts = max(texts, len(x.texts))
	}
	cols := columns()
	t := table{header: exportHeader(cols, texts), rows: make([][]any, len(xs))}
	for i := range xs {
		t.rows[i] = exportCells(cols, &xs[i], texts)
	}
	return t, nil
}

// exportRows returns the scripts ordered by category, then id.
func (s *Store) exportRows(ctx context.Context) ([]exportRow, error) {
	cats, err := s.Categories(ctx)
	if err != nil {
		return nil, err
	}
	rank, names := make(map[int64]int, len(cats)), make(map[int64]string, len(cats))
	for i, c := range cats {
		rank[c.ID], names[c.ID] = i, c.Name
	}
	var rows []scriptRow
	if err := s.db.WithContext(ctx).Where("deleted_at IS NULL").Order("id").Find(&rows).Error; err != nil {
		return nil, storage.Wrap("list scripts", err)
	}
	scripts, err := decodeRows(rows)
	if err != nil {
		return nil, err
	}
	rankOf := func(sc Script) int {
		if r, ok := rank[sc.CategoryID]; ok {
			return r
		}
		return len(cats) // uncategorised last
	}
	slices.SortStableFunc(scripts, func(a, b Script) int { return cmp.Compare(rankOf(a), rankOf(b)) })
	xs := make([]exportRow, len(scripts))
	for i, sc := range scripts {
		if xs[i], err = newExportRow(sc, names[sc.CategoryID]); err != nil {
			return nil, err
		}
	}
	return xs, nil
}

// exportHeader names the columns; the text reply columns, texts of them,
// go before 其他回复(JSON).
func exportHeader(cols []column, texts int) []string {
	var h []string
	for _, c := range cols {
		if c.name == colOther {
			for i := range texts {
				h = append(h, replyColumn(i, texts))
			}
		}
		h = append(h, c.name)
	}
	return h
}

// replyColumn names text reply column i of n: 回复 when it is the only one,
// else 回复1, 回复2, ….
func replyColumn(i, n int) string {
	if n == 1 {
		return replyName(0)
	}
	return replyName(i + 1)
}

func exportCells(cols []column, x *exportRow, texts int) []any {
	cells := make([]any, 0, len(cols)+texts)
	for _, c := range cols {
		if c.name == colOther {
			for i := range texts {
				cells = append(cells, cellText(x.texts, i))
			}
		}
		cells = append(cells, c.export(x))
	}
	return cells
}

func cellText(texts []string, i int) string {
	if i < len(texts) {
		return texts[i]
	}
	return ""
}
