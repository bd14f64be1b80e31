package script

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// utf8BOM starts an exported CSV file so that Excel reads it as UTF-8.
var utf8BOM = []byte("\xef\xbb\xbf")

// readCSV reads a CSV sheet, with or without a BOM. A file that is not
// UTF-8 is read as GB18030, which is what Excel in Chinese saves as plain
// "CSV".
func readCSV(data []byte) (grid, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	if !utf8.Valid(data) {
		decoded, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil {
			return grid{}, badFile("CSV 文件编码无法识别,请在 Excel 中另存为「CSV UTF-8」 (not UTF-8 or GB18030: %v)", err)
		}
		data = decoded
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1 // short rows are filled with empty cells
	var b gridBuilder
	for num := 1; ; num++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return b.done()
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return grid{}, badFile("CSV 格式错误,第 %d 行附近 (malformed CSV near line %d: %v)", pe.Line, pe.Line, pe.Err)
		}
		if err != nil {
			return grid{}, fmt.Errorf("read csv: %w", err)
		}
		if err := b.add(num, rec); err != nil {
			return grid{}, err
		}
	}
}

// writeCSV writes t as UTF-8 CSV with a BOM and CRLF line ends, as Excel
// expects.
func writeCSV(w io.Writer, t table) error {
	if _, err := w.Write(utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(t.header); err != nil {
		return err
	}
	rec := make([]string, len(t.header))
	for _, row := range t.rows {
		for i, c := range row {
			rec[i] = fmt.Sprint(c)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
