package script_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/script/match"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

var formats = []script.Format{script.FormatXLSX, script.FormatCSV}

// sheet is a library file as rows of cells, the header first.
type sheet [][]string

// file encodes rows in format as an operator's Excel would save them.
func file(t testing.TB, format script.Format, rows sheet) []byte {
	t.Helper()
	var b bytes.Buffer
	if format == script.FormatCSV {
		w := csv.NewWriter(&b)
		if err := w.WriteAll(rows); err != nil {
			t.Fatalf("write csv: %v", err)
		}
		return b.Bytes()
	}
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range rows {
		cells := make([]any, len(row))
		for j, c := range row {
			cells[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, cells); err != nil {
			t.Fatalf("SetRow: %v", err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// readSheet decodes an exported file back into cells.
func readSheet(t *testing.T, format script.Format, data []byte) sheet {
	t.Helper()
	if format == script.FormatCSV {
		if !bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
			t.Fatalf("exported CSV has no UTF-8 BOM")
		}
		rows, err := csv.NewReader(bytes.NewReader(data[3:])).ReadAll()
		if err != nil {
			t.Fatalf("read exported csv: %v", err)
		}
		return rows
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("open exported xlsx: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("话术库")
	if err != nil {
		t.Fatalf("exported xlsx has no sheet 话术库: %v", err)
	}
	return rows
}

func (e *env) importFile(t *testing.T, format script.Format, data []byte) (script.ImportReport, error) {
	t.Helper()
	return e.store.Import(context.Background(), "bob", format, bytes.NewReader(data), nil)
}

func (e *env) export(t *testing.T, format script.Format) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := e.store.Export(context.Background(), format, &b); err != nil {
		t.Fatalf("Export(%s): %v", format, err)
	}
	return b.Bytes()
}

// all returns every script, newest first.
func (e *env) all(t *testing.T) []script.Script {
	t.Helper()
	out, _, err := e.store.List(context.Background(), script.Filter{Limit: 500})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return out
}

// counts is the size of every library table and the library version.
func (e *env) counts(t *testing.T) [4]int64 {
	t.Helper()
	return [4]int64{e.count(t, "scripts"), e.count(t, "script_history"), e.count(t, "script_categories"), e.version(t)}
}

// eachFormat runs fn for every format on every database engine.
func eachFormat(t *testing.T, fn func(t *testing.T, format script.Format, e *env)) {
	t.Helper()
	for _, format := range formats {
		t.Run(string(format), func(t *testing.T) {
			storagetest.Each(t, func(t *testing.T, db storagetest.DB) { fn(t, format, newEnv(t, db)) })
		})
	}
}

func TestImport_CreatesAndUpdates(t *testing.T) {
	eachFormat(t, func(t *testing.T, format script.Format, e *env) {
		old := e.create(t, nil)
		before := e.counts(t)
		rows := sheet{
			// Any order, English and traditional spellings, a 回复 column split by ---.
			{"標題", "Keywords", "匹配方式", "正则", "回复2", "回复1", "其他回复(JSON)", "回复顺序", "优先级", "生效时段",
				"冷却分钟", "每人每小时上限", "适用渠道", "适用标签", "适用群", "适用门店", "啟用", "分类", "id"},
			{"退货流程", "退货|退款、换货,退换", "包含", "", "第三条", "第一条\n---\n第二条",
				`[{"type":"image","media_url":"https://x.cn/a.png"}]`, "随机", "5", "09:00-21:00",
				"10", "3", "aibot,公众号", "VIP", "wr1\nwr2", "上海店", "否", "售后", ""},
			{"订单查询", "", "正则", `订单\d+`, "", "请稍候", "", "", "", "", "", "", "", "", "", "", "", "", ""},
			{"退货流程(新)", "退货", "exact", "", "", "新答复", "", "rotate", "1", "", "", "", "", "", "", "", "true", "", fmt.Sprint(old.ID)},
			{}, // a blank row is skipped
		}
		var calls [][2]int
		rep, err := e.store.Import(context.Background(), "bob", format, bytes.NewReader(file(t, format, rows)),
			func(done, total int) { calls = append(calls, [2]int{done, total}) })
		if err != nil {
			t.Fatalf("Import: %v (%+v)", err, rep.Errors)
		}
		if want := (script.ImportReport{Created: 2, Updated: 1}); !cmp.Equal(rep, want) {
			t.Errorf("report = %+v, want %+v", rep, want)
		}
		if want := [][2]int{{3, 3}}; !cmp.Equal(calls, want) {
			t.Errorf("progress calls = %v, want %v", calls, want)
		}
		after := e.counts(t)
		if after[0] != before[0]+2 || after[1] != before[1]+3 || after[2] != before[2]+1 || after[3] != before[3]+1 {
			t.Errorf("scripts, history, categories, version went from %v to %v; want +2, +3, +1, +1", before, after)
		}
		checkImported(t, e, old.ID)
	})
}

// checkImported compares the library with what TestImport_CreatesAndUpdates
// imported.
func checkImported(t *testing.T, e *env, oldID int64) {
	t.Helper()
	cats, err := e.store.Categories(context.Background())
	if err != nil || len(cats) != 1 || cats[0].Name != "售后" {
		t.Fatalf("categories = %+v, %v; want 售后 created", cats, err)
	}
	got := e.all(t) // newest first
	want := []script.Script{
		{Title: "订单查询", Keywords: []string{}, MatchMode: match.ModeRegex, Pattern: `订单\d+`,
			Replies: []script.Reply{{Type: script.ReplyText, Text: "请稍候"}}, ReplyOrder: script.OrderRotate, Enabled: true},
		{CategoryID: cats[0].ID, Title: "退货流程", Keywords: []string{"退货", "退款", "换货", "退换"}, MatchMode: match.ModeContains,
			Replies: []script.Reply{{Type: script.ReplyText, Text: "第一条"}, {Type: script.ReplyText, Text: "第二条"},
				{Type: script.ReplyText, Text: "第三条"}, {Type: script.ReplyImage, MediaURL: "https://x.cn/a.png"}},
			ReplyOrder: script.OrderRandom, Priority: 5, ActiveHours: "09:00-21:00", CooldownMinutes: 10, MemberLimit: 3,
			Scope: script.Scope{Tags: []string{"VIP"}, ChatIDs: []string{"wr1", "wr2"}, Stores: []string{"上海店"},
				Channels: []script.Channel{script.ChannelAIBot, script.ChannelWeChat}}},
		{ID: oldID, Title: "退货流程(新)", Keywords: []string{"退货"}, MatchMode: match.ModeExact,
			Replies: []script.Reply{{Type: script.ReplyText, Text: "新答复"}}, ReplyOrder: script.OrderRotate, Priority: 1, Enabled: true},
	}
	ignore := cmp.FilterPath(func(p cmp.Path) bool {
		switch p.Last().String() {
		case ".ID", ".Version", ".CreatedBy", ".UpdatedBy", ".CreatedAt", ".UpdatedAt", ".TimeZone":
			return true
		}
		return false
	}, cmp.Ignore())
	if diff := cmp.Diff(want, got, ignore); diff != "" {
		t.Errorf("library after import (-want +got):\n%s", diff)
	}
	if got[2].ID != oldID || got[2].Version != 2 || got[2].UpdatedBy != "bob" || got[2].CreatedBy != "alice" {
		t.Errorf("updated script = id %d v%d by %s/%s; want id %d v2 created by alice, updated by bob",
			got[2].ID, got[2].Version, got[2].CreatedBy, got[2].UpdatedBy, oldID)
	}
	h, err := e.store.History(context.Background(), oldID)
	if err != nil || len(h) != 2 || h[1].Action != script.ActionUpdate || h[1].Actor != "bob" || !strings.Contains(h[1].Before, "退货流程") {
		t.Errorf("history of the updated script = %+v, %v", h, err)
	}
}

func TestImport_GB18030CSV(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		utf := file(t, script.FormatCSV, sheet{{"标题", "关键词", "回复"}, {"营业时间", "几点", "早九晚九"}})
		gbk, err := simplifiedchinese.GB18030.NewEncoder().Bytes(utf)
		if err != nil {
			t.Fatal(err)
		}
		if rep, err := e.importFile(t, script.FormatCSV, gbk); err != nil || rep.Created != 1 {
			t.Fatalf("Import = %+v, %v", rep, err)
		}
		if got := e.all(t); len(got) != 1 || got[0].Title != "营业时间" || got[0].Replies[0].Text != "早九晚九" {
			t.Errorf("imported %+v", got)
		}
	})
}

// goodRow is a valid data row under badHeader.
func goodRow(i int) []string {
	return []string{"", fmt.Sprintf("问题%d", i), fmt.Sprintf("关键词%d", i), "包含", "", "答复", "是", ""}
}

var badHeader = []string{"分类", "标题", "关键词", "匹配方式", "正则", "回复", "启用", "ID"}

// rowsWith is badHeader, four good rows and then the given rows (from row 6).
func rowsWith(rows ...[]string) sheet {
	s := sheet{badHeader}
	for i := range 4 {
		s = append(s, goodRow(i))
	}
	return append(s, rows...)
}

func TestImport_BadInputSavesNothing(t *testing.T) {
	type edit func(r []string) []string
	row := func(i int, f edit) []string { return f(goodRow(i)) }
	tests := []struct {
		name string
		file func(existing script.Script) sheet
		want []script.RowError // Message is not compared
	}{
		{"missing_column", func(script.Script) sheet {
			return sheet{{"标题", "回复"}, {"问题", "答复"}}
		}, []script.RowError{{Row: 1, Column: "关键词"}}},
		{"unknown_columns", func(script.Script) sheet {
			return sheet{append(slices.Clone(badHeader), "备注", "Notes"), goodRow(1)}
		}, []script.RowError{{Row: 1, Column: "备注"}, {Row: 1, Column: "Notes"}}},
		{"repeated_column", func(script.Script) sheet {
			return sheet{append(slices.Clone(badHeader), "title"), goodRow(1)}
		}, []script.RowError{{Row: 1, Column: "标题"}}},
		{"invalid_regex_on_row_7", func(script.Script) sheet {
			return rowsWith(goodRow(5), row(6, func(r []string) []string { r[2], r[3], r[4] = "", "正则", "退(货"; return r }))
		}, []script.RowError{{Row: 7, Column: "正则"}}},
		{"empty_keywords", func(script.Script) sheet {
			return rowsWith(row(5, func(r []string) []string { r[2] = " | 、"; return r }))
		}, []script.RowError{{Row: 6, Column: "关键词"}}},
		{"reply_over_2048_bytes", func(script.Script) sheet {
			return rowsWith(row(5, func(r []string) []string { r[5] = strings.Repeat("好", 683); return r }))
		}, []script.RowError{{Row: 6, Column: "回复"}}},
		{"bad_enabled", func(script.Script) sheet {
			return rowsWith(row(5, func(r []string) []string { r[6] = "也许"; return r }))
		}, []script.RowError{{Row: 6, Column: "启用"}}},
		{"bad_match_mode", func(script.Script) sheet {
			return rowsWith(row(5, func(r []string) []string { r[3] = "模糊"; return r }))
		}, []script.RowError{{Row: 6, Column: "匹配方式"}}},
		{"every_bad_row_reported", func(script.Script) sheet {
			return rowsWith(
				row(5, func(r []string) []string { r[1], r[2] = "", ""; return r }),
				row(6, func(r []string) []string { r[6] = "maybe"; return r }))
		}, []script.RowError{{Row: 6, Column: "标题"}, {Row: 6, Column: "关键词"}, {Row: 7, Column: "启用"}}},
		{"duplicate_id", func(ex script.Script) sheet {
			id := fmt.Sprint(ex.ID)
			return rowsWith(
				row(5, func(r []string) []string { r[7] = id; return r }),
				row(6, func(r []string) []string { r[7] = id; return r }))
		}, []script.RowError{{Row: 7, Column: "ID"}}},
		{"unknown_id", func(script.Script) sheet {
			return rowsWith(row(5, func(r []string) []string { r[7] = "9999"; return r }))
		}, []script.RowError{{Row: 6, Column: "ID"}}},
		{"stale_version", func(ex script.Script) sheet {
			return sheet{{"ID", "版本", "标题", "关键词", "回复"}, {fmt.Sprint(ex.ID), "7", "改了", "退货", "答复"}}
		}, []script.RowError{{Row: 2, Column: "版本"}}},
		{"bad_other_replies", func(script.Script) sheet {
			return sheet{{"标题", "关键词", "回复", "其他回复(JSON)"}, {"t", "k", "a", `[{"type":"link","url":"ftp://x"}]`}, {"t", "k", "a", "{oops"}}
		}, []script.RowError{{Row: 2, Column: "其他回复(JSON)"}, {Row: 2, Column: "其他回复(JSON)"}, {Row: 3, Column: "其他回复(JSON)"}}},
		{"bad_number", func(script.Script) sheet {
			return sheet{{"标题", "关键词", "回复", "冷却分钟"}, {"t", "k", "a", "十"}, {"t", "k", "a", "-5"}}
		}, []script.RowError{{Row: 2, Column: "冷却分钟"}, {Row: 3, Column: "冷却分钟"}}},
		{"data_without_header", func(script.Script) sheet {
			return sheet{{"标题", "关键词", "回复", ""}, {"t", "k", "a", "lost"}}
		}, []script.RowError{{Row: 2, Column: "第 4 列"}}},
		{"too_many_rows", func(script.Script) sheet {
			s := sheet{{"标题", "关键词", "回复"}}
			for i := range script.MaxImportRows + 1 {
				s = append(s, []string{"t", fmt.Sprint(i), "a"})
			}
			return s
		}, []script.RowError{{Row: 0}}},
		{"empty_file", func(script.Script) sheet { return sheet{} }, []script.RowError{{Row: 0}}},
	}
	eachFormat(t, func(t *testing.T, format script.Format, e *env) {
		existing := e.create(t, nil)
		before := e.counts(t)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rep, err := e.importFile(t, format, file(t, format, tt.file(existing)))
				checkRejected(t, rep, err, tt.want)
			})
		}
		t.Run("file_over_20MB", func(t *testing.T) {
			big := append(file(t, format, sheet{{"标题", "关键词", "回复"}}), make([]byte, script.MaxImportBytes)...)
			rep, err := e.importFile(t, format, big)
			checkRejected(t, rep, err, []script.RowError{{Row: 0}})
		})
		if after := e.counts(t); after != before {
			t.Errorf("scripts, history, categories, version went from %v to %v after rejected imports", before, after)
		}
	})
}

func checkRejected(t *testing.T, rep script.ImportReport, err error, want []script.RowError) {
	t.Helper()
	if !errors.Is(err, script.ErrInvalid) {
		t.Fatalf("Import error = %v, want one matching ErrInvalid", err)
	}
	got := make([]script.RowError, len(rep.Errors))
	for i, re := range rep.Errors {
		if re.Message == "" {
			t.Errorf("error %+v has no message", re)
		}
		got[i] = script.RowError{Row: re.Row, Column: re.Column}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("row errors (-want +got):\n%s\nall: %+v", diff, rep.Errors)
	}
	if rep.Created+rep.Updated+rep.Unchanged != 0 {
		t.Errorf("report counts %+v on a rejected import", rep)
	}
}

// bulkSheet is a library of n scripts in categories of 100.
func bulkSheet(n int) sheet {
	s := sheet{{"分类", "标题", "关键词", "回复1", "回复2", "优先级"}}
	for i := range n {
		s = append(s, []string{fmt.Sprintf("分类%d", i/100), fmt.Sprintf("问题%d", i),
			fmt.Sprintf("关键词%d|同义词%d|第三个%d", i, i, i), "答复" + strings.Repeat("字", 40), "另一条答复", fmt.Sprint(i % 10)})
	}
	return s
}

func TestImport_10000RowsWithProgress(t *testing.T) {
	data := file(t, script.FormatXLSX, bulkSheet(10000))
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		before := e.version(t)
		var calls [][2]int
		rep, err := e.store.Import(context.Background(), "bob", script.FormatXLSX, bytes.NewReader(data),
			func(done, total int) { calls = append(calls, [2]int{done, total}) })
		if err != nil || rep.Created != 10000 {
			t.Fatalf("Import = %+v, %v", rep, err)
		}
		last := 0
		for _, c := range calls {
			if c[1] != 10000 || c[0] <= last || c[0]-last > 100 {
				t.Fatalf("progress (%d, %d) after %d: want steps of at most 100 rows of 10000", c[0], c[1], last)
			}
			last = c[0]
		}
		if last != 10000 {
			t.Errorf("last progress call at %d rows, want 10000", last)
		}
		if n, h, c := e.count(t, "scripts"), e.count(t, "script_history"), e.count(t, "script_categories"); n != 10000 || h != 10000 || c != 100 {
			t.Errorf("stored %d scripts, %d history rows, %d categories; want 10000, 10000, 100", n, h, c)
		}
		if v := e.version(t); v != before+1 {
			t.Errorf("version went from %d to %d, want one bump", before, v)
		}
	})
}

// BenchmarkImport10000 imports 10,000 new scripts into an empty SQLite
// library.
func BenchmarkImport10000(b *testing.B) {
	data := file(b, script.FormatXLSX, bulkSheet(10000))
	b.ReportAllocs()
	for range b.N {
		b.StopTimer()
		store := script.NewStore(storagetest.SQLite(b).DB, nil)
		b.StartTimer()
		if rep, err := store.Import(context.Background(), "bench", script.FormatXLSX, bytes.NewReader(data), nil); err != nil || rep.Created != 10000 {
			b.Fatalf("Import = %+v, %v", rep, err)
		}
	}
}

// library stores categories and scripts with every feature an export must
// carry, one of them deleted, and returns the titles in export order.
func (e *env) library(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	after, before := script.Category{Name: "售后", Sort: 2}, script.Category{Name: "售前", Sort: 1}
	for _, c := range []*script.Category{&after, &before} {
		if err := e.store.CreateCategory(ctx, c); err != nil {
			t.Fatalf("CreateCategory: %v", err)
		}
	}
	text := func(s string) script.Reply { return script.Reply{Type: script.ReplyText, Text: s} }
	e.create(t, func(s *script.Script) {
		s.Title, s.Replies = "无分类", []script.Reply{text("一"), text("二")}
		s.Scope = script.Scope{Channels: []script.Channel{script.ChannelBridge}, ChatIDs: []string{"wrA", "wrB"}}
	})
	e.create(t, func(s *script.Script) {
		s.Title, s.CategoryID = "图片在前", after.ID
		s.Replies = []script.Reply{{Type: script.ReplyImage, MediaURL: "https://x.cn/a.png"}, text("图后文字")}
	})
	e.create(t, func(s *script.Script) {
		s.Title, s.CategoryID, s.Keywords = "分隔符", before.ID, []string{"你好,在吗", "在吗"}
		s.Replies = []script.Reply{text("第一段\n---\n仍是同一条"), text("  缩进")}
		s.Scope.Tags, s.Priority = []string{"A|B"}, -3
	})
	e.create(t, func(s *script.Script) {
		s.Title, s.CategoryID, s.MatchMode, s.Keywords, s.Pattern = "正则卡片", after.ID, match.ModeRegex, nil, `订单\d{6}`
		s.Replies = []script.Reply{
			{Type: script.ReplyLink, Title: "帮助", Description: "说明 <b>", URL: "https://x.cn/help?a=1&b=2", PicURL: "https://x.cn/p.png"},
			{Type: script.ReplyMiniProgram, AppID: "wx123", Title: "小程序", Page: "pages/index", PicURL: "https://x.cn/m.png"}}
		s.Enabled, s.TimeZone, s.ActiveHours, s.CooldownMinutes, s.MemberLimit = false, "Asia/Tokyo", "22:00-06:00", 30, 2
		s.ReplyOrder, s.Scope.Stores = script.OrderRandom, []string{"北京店"}
	})
	gone := e.create(t, func(s *script.Script) { s.Title, s.CategoryID = "已删除", before.ID })
	if err := e.store.Delete(ctx, "alice", gone.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	return []string{"分隔符", "图片在前", "正则卡片", "无分类"}
}

func TestExport_RoundTrip(t *testing.T) {
	eachFormat(t, func(t *testing.T, format script.Format, e *env) {
		order := e.library(t)
		stored, before := e.all(t), e.counts(t)
		data := e.export(t, format)
		cells := readSheet(t, format, data)
		checkLayout(t, cells, order)

		rep, err := e.importFile(t, format, data)
		if err != nil || !cmp.Equal(rep, script.ImportReport{Unchanged: 4}) {
			t.Fatalf("re-import of an export = %+v, %v; want 4 unchanged", rep, err)
		}
		if diff := cmp.Diff(stored, e.all(t)); diff != "" {
			t.Errorf("library changed by re-importing its export (-before +after):\n%s", diff)
		}
		if after := e.counts(t); after != before {
			t.Errorf("scripts, history, categories, version went from %v to %v", before, after)
		}
		checkEditedExport(t, e, format, cells, data)
	})
}

// checkLayout checks the header and the order of an exported sheet.
func checkLayout(t *testing.T, cells sheet, order []string) {
	t.Helper()
	want := []string{"ID", "版本", "分类", "标题", "关键词", "匹配方式", "正则", "回复1", "回复2", "其他回复(JSON)",
		"回复顺序", "优先级", "生效时段", "时区", "冷却分钟", "每人每小时上限", "适用渠道", "适用标签", "适用群", "适用门店", "启用"}
	if len(cells) == 0 || !cmp.Equal(cells[0], want) {
		t.Fatalf("export header = %q, want %q", cells[:min(len(cells), 1)], want)
	}
	var titles []string
	for _, row := range cells[1:] {
		titles = append(titles, row[3])
	}
	if !cmp.Equal(titles, order) {
		t.Errorf("exported titles %q, want %q (by category sort, then id; uncategorised last)", titles, order)
	}
}

// checkEditedExport edits one title in an exported sheet, imports it (one
// update), then imports the stale original (a conflict on that row).
func checkEditedExport(t *testing.T, e *env, format script.Format, cells sheet, original []byte) {
	t.Helper()
	before := e.counts(t)
	edited := slices.Clone(cells)
	edited[2] = slices.Clone(cells[2])
	edited[2][3] = "图片在前(改)"
	rep, err := e.importFile(t, format, file(t, format, edited))
	if err != nil || !cmp.Equal(rep, script.ImportReport{Updated: 1, Unchanged: 3}) {
		t.Fatalf("import of an edited export = %+v, %v; want 1 updated, 3 unchanged", rep, err)
	}
	if after := e.counts(t); after[1] != before[1]+1 || after[3] != before[3]+1 {
		t.Errorf("history, version went from %v to %v; want +1 each", before, after)
	}
	rep, err = e.importFile(t, format, original)
	checkRejected(t, rep, err, []script.RowError{{Row: 3, Column: "版本"}})
}

func TestExport_CellOverExcelLimit(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.create(t, func(s *script.Script) {
			for i := range 2000 {
				s.Scope.ChatIDs = append(s.Scope.ChatIDs, fmt.Sprintf("wrOgQhDgAAchat%06d", i))
			}
		})
		err := e.store.Export(context.Background(), script.FormatXLSX, &bytes.Buffer{})
		if !errors.Is(err, script.ErrInvalid) || !strings.Contains(err.Error(), "适用群") {
			t.Errorf("xlsx Export = %v, want an error naming 适用群 (Excel would cut the cell short)", err)
		}
		rep, err := e.importFile(t, script.FormatCSV, e.export(t, script.FormatCSV))
		if err != nil || rep.Unchanged != 1 {
			t.Errorf("CSV round trip = %+v, %v; want the script unchanged", rep, err)
		}
	})
}

func TestFormatOf(t *testing.T) {
	tests := []struct {
		name string
		want script.Format
		ok   bool
	}{{"话术库.XLSX", script.FormatXLSX, true}, {"dir/a.csv", script.FormatCSV, true}, {"a.xls", "", false}, {"csv", "", false}}
	for _, tt := range tests {
		got, err := script.FormatOf(tt.name)
		if got != tt.want || (err == nil) != tt.ok || (err != nil && !errors.Is(err, script.ErrInvalid)) {
			t.Errorf("FormatOf(%q) = %q, %v; want %q, ok %v", tt.name, got, err, tt.want, tt.ok)
		}
	}
}
