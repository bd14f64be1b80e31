package script

import (
	"fmt"
	"io"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// xlsxOptions read cells as stored (numbers unformatted) and bound how much
// a small zipped upload may expand to.
var xlsxOptions = excelize.Options{RawCellValue: true, UnzipSizeLimit: 16 * MaxImportBytes}

// readXLSX reads the sheet 话术库 of a workbook (in any of its spellings),
// or else its first sheet.
func readXLSX(r io.Reader) (grid, error) {
	f, err := excelize.OpenReader(r, xlsxOptions)
	if err != nil {
		return grid{}, badFile("无法读取 xlsx 文件,请确认是 Excel 工作簿 (not a readable .xlsx workbook: %v)", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return grid{}, badFile("工作簿中没有工作表 (the workbook has no sheet)")
	}
	name := sheets[0]
	for _, s := range sheets {
		if fold(s) == sheetName {
			name = s
		}
	}
	rows, err := f.Rows(name)
	if err != nil {
		return grid{}, badFile("无法读取工作表 %s (cannot read sheet: %v)", name, err)
	}
	defer rows.Close()
	return readRows(rows)
}

// readRows reads every row; the number of a row is its place in the sheet,
// as the iterator yields gaps as empty rows.
func readRows(rows *excelize.Rows) (grid, error) {
	var b gridBuilder
	for num := 1; rows.Next(); num++ {
		cells, err := rows.Columns()
		if err != nil {
			return grid{}, badFile("第 %d 行无法读取 (cannot read row %d: %v)", num, num, err)
		}
		if err := b.add(num, cells); err != nil {
			return grid{}, err
		}
	}
	if err := rows.Error(); err != nil {
		return grid{}, badFile("工作表无法读取 (cannot read the sheet: %v)", err)
	}
	return b.done()
}

// maxCellChars is the most UTF-16 units an Excel cell holds; excelize
// would cut a longer text short without a word.
const maxCellChars = excelize.TotalCellChars

// writeXLSX writes t as a workbook with one sheet 话术库, its header bold
// and frozen.
func writeXLSX(w io.Writer, t table) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName(f.GetSheetName(0), sheetName); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheetName)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := sw.SetColWidth(1, len(t.header), 16); err != nil {
		return err
	}
	header := make([]any, len(t.header))
	for i, h := range t.header {
		header[i] = h
	}
	if err := sw.SetRow("A1", header, excelize.RowOpts{StyleID: bold}); err != nil {
		return err
	}
	if err := writeXLSXRows(sw, t); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

// tooLongForCell reports whether s is over maxCellChars UTF-16 units; a
// UTF-8 string has at least as many bytes as UTF-16 units.
func tooLongForCell(s string) bool {
	if len(s) <= maxCellChars {
		return false
	}
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n > maxCellChars
}

func writeXLSXRows(sw *excelize.StreamWriter, t table) error {
	for i, row := range t.rows {
		for j, c := range row {
			if s, ok := c.(string); ok && tooLongForCell(s) {
				return fmt.Errorf("row %d column %s: %w: 超过 Excel 单元格上限 %d 字,请导出为 CSV (over Excel's %d characters a cell; export as CSV)",
					i+2, t.header[j], ErrInvalid, maxCellChars, maxCellChars)
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	return nil
}
