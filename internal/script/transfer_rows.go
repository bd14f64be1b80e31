package script

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// grid is a sheet as read: its header and its non-blank data rows.
type grid struct {
	headerRow int
	header    []string
	rows      []gridRow
}

// gridRow is one row of a sheet; num is its 1-based row number.
type gridRow struct {
	num   int
	cells []string
}

// gridBuilder collects rows as a reader yields them. Blank rows are
// skipped; the first other row is the header.
type gridBuilder struct{ g grid }

func (b *gridBuilder) add(num int, cells []string) error {
	if !slices.ContainsFunc(cells, func(c string) bool { return strings.TrimSpace(c) != "" }) {
		return nil
	}
	if b.g.header == nil {
		b.g.headerRow, b.g.header = num, cells
		return nil
	}
	if len(b.g.rows) == MaxImportRows {
		return badFile("超过 %d 行,请拆分后分批导入 (more than %d rows)", MaxImportRows, MaxImportRows)
	}
	b.g.rows = append(b.g.rows, gridRow{num: num, cells: cells})
	return nil
}

func (b *gridBuilder) done() (grid, error) {
	if b.g.header == nil {
		return grid{}, badFile("文件是空的,第一行应为表头 (the file is empty; the first row must be the header)")
	}
	return b.g, nil
}

// field is what one column of a file holds: a column of the table, a text
// reply column (reply is its name), or neither when its header is empty.
type field struct {
	col   *column
	reply string
}

// header is the columns of a file understood.
type header struct {
	fields  []field
	replies []int // indexes of the text reply columns, in reply order
}

// parseHeader reads the header row, naming every unknown, repeated or
// missing column.
func parseHeader(cols []column, row int, cells []string) (header, []RowError) {
	byName := make(map[string]*column)
	for i := range cols {
		for _, n := range append([]string{cols[i].name}, cols[i].aliases...) {
			byName[fold(n)] = &cols[i]
		}
	}
	var (
		h       = header{fields: make([]field, len(cells))}
		errs    []RowError
		seen    = make(map[string]bool)
		replyNo = make(map[int]int) // column index → N of 回复N
	)
	for i, cell := range cells {
		key := fold(cell)
		n, isReply := replyNumber(key)
		var name string
		switch c := byName[key]; {
		case key == "":
			continue
		case c != nil:
			h.fields[i].col, name = c, c.name
		case isReply:
			name = replyName(n)
			h.fields[i].reply, replyNo[i] = name, n
			h.replies = append(h.replies, i)
		default:
			errs = append(errs, RowError{Row: row, Column: strings.TrimSpace(cell),
				Message: "未知的列 (unknown column); 可用的列 (known columns): " + knownColumns(cols)})
			continue
		}
		if seen[name] {
			errs = append(errs, RowError{Row: row, Column: name, Message: "列重复 (the column appears twice)"})
		}
		seen[name] = true
	}
	slices.SortStableFunc(h.replies, func(a, b int) int { return replyNo[a] - replyNo[b] })
	seen[colReply] = seen[colReply] || len(h.replies) > 0
	for _, name := range required {
		if !seen[name] {
			errs = append(errs, RowError{Row: row, Column: name, Message: "缺少必填列 (missing required column)"})
		}
	}
	return h, errs
}

// replyNumber reads a folded text reply header: 回复 (0) or 回复N, and the
// English reply or replyN.
func replyNumber(key string) (int, bool) {
	for _, prefix := range []string{"回复", "reply"} {
		rest, ok := strings.CutPrefix(key, prefix)
		if !ok {
			continue
		}
		if rest == "" {
			return 0, true
		}
		n, err := strconv.Atoi(rest)
		return n, err == nil && n >= 1 && n <= maxReplyColumn && rest[0] != '0'
	}
	return 0, false
}

func replyName(n int) string {
	if n == 0 {
		return colReply
	}
	return colReply + strconv.Itoa(n)
}

func knownColumns(cols []column) string {
	names := make([]string, 0, len(cols)+1)
	for _, c := range cols {
		names = append(names, c.name)
		if c.name == colPattern {
			names = append(names, colReply+"/"+colReply+"1…")
		}
	}
	return strings.Join(names, "、")
}

// rowInput is one data row read: the edits its cells make to a script, its
// text replies and the problems found in its cells.
type rowInput struct {
	num         int
	id          int64   // 0: create
	version     int64   // 0: not given
	category    *string // nil: no 分类 column
	edits       []func(*Script)
	texts       []Reply
	textFrom    []string // the column of each text reply
	others      []Reply
	othersGiven bool // the file has a 其他回复(JSON) column
	errs        []RowError
}

func (in *rowInput) edit(f func(*Script)) { in.edits = append(in.edits, f) }

func (in *rowInput) fail(col, msg string) {
	in.errs = append(in.errs, RowError{Row: in.num, Column: col, Message: msg})
}

// parseRows reads every data row of g under h; it flags a repeated ID on
// the later rows.
func parseRows(h header, g grid) []rowInput {
	rows := make([]rowInput, len(g.rows))
	first := make(map[int64]int)
	for i, r := range g.rows {
		in := parseRow(h, r)
		if n, dup := first[in.id]; dup && in.id > 0 {
			in.fail(colID, fmt.Sprintf("与第 %d 行的 ID 重复 (same ID as row %d)", n, n))
		} else if in.id > 0 {
			first[in.id] = r.num
		}
		rows[i] = in
	}
	return rows
}

func parseRow(h header, r gridRow) rowInput {
	in := rowInput{num: r.num}
	for i := range max(len(h.fields), len(r.cells)) {
		var f field
		if i < len(h.fields) {
			f = h.fields[i]
		}
		v := cellAt(r.cells, i)
		switch {
		case f.col != nil:
			if err := f.col.parse(&in, v); err != nil {
				in.fail(f.col.name, err.Error())
			}
		case f.reply == "" && strings.TrimSpace(v) != "":
			in.fail(fmt.Sprintf("第 %d 列", i+1), "该列没有表头,内容无法导入 (a column without a header holds data)")
		}
	}
	for _, i := range h.replies {
		for _, t := range splitReplies(cellAt(r.cells, i)) {
			in.texts = append(in.texts, Reply{Type: ReplyText, Text: t})
			in.textFrom = append(in.textFrom, h.fields[i].reply)
		}
	}
	return in
}

func cellAt(cells []string, i int) string {
	if i < len(cells) {
		return cells[i]
	}
	return ""
}

// splitReplies reads a text reply cell: several replies are separated by a
// line holding only ---.
func splitReplies(v string) []string {
	var out, cur []string
	flush := func() {
		if t := strings.TrimSpace(strings.Join(cur, "\n")); t != "" {
			out = append(out, t)
		}
		cur = cur[:0]
	}
	for _, line := range strings.Split(strings.ReplaceAll(v, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "---" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return out
}

// script applies the row to base (the stored script, or a new one) and
// returns it with the column each reply came from. Without a 其他回复(JSON)
// column an updated script keeps its stored non-text replies.
func (in *rowInput) script(base Script) (Script, []string) {
	sc := base
	for _, e := range in.edits {
		e(&sc)
	}
	others := in.others
	if !in.othersGiven {
		others = slices.DeleteFunc(slices.Clone(base.Replies), func(r Reply) bool { return r.Type == ReplyText })
	}
	from := slices.Clone(in.textFrom)
	for range others {
		from = append(from, colOther)
	}
	sc.Replies = append(slices.Clone(in.texts), others...)
	return sc, from
}

// check validates sc and reports each problem on its column, except on
// columns whose cells could not be read at all.
func (in *rowInput) check(cols []column, sc *Script, from []string) {
	var ve ValidationErrors
	if !errors.As(Validate(sc), &ve) {
		return
	}
	unreadable := make(map[string]bool)
	for _, e := range in.errs {
		unreadable[e.Column] = true
	}
	for _, v := range ve {
		col, msg := columnOf(cols, v.Field, from), v.Message
		if col == colOther {
			msg = v.Field + ": " + msg // which reply of the JSON, and which part of it
		}
		if !unreadable[col] {
			in.fail(col, msg)
		}
	}
}

// columnOf names the column a Validate field is read from.
func columnOf(cols []column, field string, from []string) string {
	if rest, ok := strings.CutPrefix(field, "replies["); ok {
		n, _, _ := strings.Cut(rest, "]")
		if i, err := strconv.Atoi(n); err == nil && i < len(from) {
			return from[i]
		}
	}
	if field == "replies" {
		return colReply
	}
	for _, c := range cols {
		if c.field != "" && (field == c.field || strings.HasPrefix(field, c.field+"[") || strings.HasPrefix(field, c.field+".")) {
			return c.name
		}
	}
	return ""
}
