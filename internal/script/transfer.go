package script

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Format is a file format the library is imported from and exported to.
type Format string

// The formats operators exchange the library in: an Excel workbook with one
// sheet 话术库, or CSV in UTF-8 with the same columns.
const (
	FormatXLSX Format = "xlsx"
	FormatCSV  Format = "csv"
)

// Limits of an import file, so that one upload cannot exhaust the server.
const (
	MaxImportBytes = 20 << 20
	MaxImportRows  = 20000 // data rows, not counting the header
)

// sheetName is the sheet an export writes and an import reads first.
const sheetName = "话术库"

// FormatOf returns the format of a file by its name's extension (".xlsx" or
// ".csv", any case), or an error matching ErrInvalid.
func FormatOf(name string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))); f {
	case FormatXLSX, FormatCSV:
		return f, nil
	}
	return "", fmt.Errorf("file %q: %w: 只支持 .xlsx 或 .csv 文件 (want an .xlsx or .csv file)", name, ErrInvalid)
}

// ContentType returns the MIME type a download in format f is served with.
func (f Format) ContentType() string {
	if f == FormatCSV {
		return "text/csv; charset=utf-8"
	}
	return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
}

// RowError is one problem of an import file. Row is the 1-based row of the
// sheet (1 is the header; 0 means the file as a whole), Column the column's
// Chinese name ("" when no single column is at fault). Message is Chinese
// first, then English.
type RowError struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

func (e RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("第 %d 行 (row %d): %s", e.Row, e.Row, e.Message)
	}
	return fmt.Sprintf("第 %d 行 %s (row %d): %s", e.Row, e.Column, e.Row, e.Message)
}

// ImportReport says what an import did. When Errors is not empty nothing
// was saved and the counts are zero. Unchanged counts rows with an ID whose
// script already reads exactly so; they are not saved again, so importing
// a fresh export changes nothing.
type ImportReport struct {
	Created   int        `json:"created"`
	Updated   int        `json:"updated"`
	Unchanged int        `json:"unchanged"`
	Errors    []RowError `json:"errors,omitempty"`
}

// fileProblem is an import file that cannot be read as a library sheet.
type fileProblem string

func (p fileProblem) Error() string { return string(p) }

// Is reports ErrInvalid as a match.
func (p fileProblem) Is(target error) bool { return target == ErrInvalid }

func badFile(format string, args ...any) error { return fileProblem(fmt.Sprintf(format, args...)) }

// Import reads a library file in format from r and saves its rows by actor:
// a row with an ID updates that script, one without creates a script, and
// categories named in the 分类 column are created as needed. Every row is
// checked first; if any is bad nothing is saved, and the report lists every
// problem of every row with an error matching ErrInvalid. Otherwise all rows
// are saved in one transaction, with their history and one library version
// bump, calling progress (if not nil) with the rows done so far at least
// every 100 rows and at the end. A row with an ID whose 版本 is not the
// stored version, and that would change the script, is a conflict reported
// on 版本; when the 版本 cell is empty the row overwrites whatever is stored.
// Columns absent from the file keep an updated script's stored values.
func (s *Store) Import(ctx context.Context, actor string, format Format, r io.Reader, progress func(done, total int)) (ImportReport, error) {
	if err := validateActor(actor); err != nil {
		return ImportReport{}, fmt.Errorf("import scripts: %w", err)
	}
	g, err := readImport(format, r)
	var fp fileProblem
	if errors.As(err, &fp) {
		return rejected([]RowError{{Row: 0, Message: string(fp)}})
	}
	if err != nil {
		return ImportReport{}, fmt.Errorf("import scripts: %w", err)
	}
	cols := columns()
	h, errs := parseHeader(cols, g.headerRow, g.header)
	if len(errs) > 0 {
		return rejected(errs)
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	return s.importRows(ctx, actor, cols, parseRows(h, g), progress)
}

// rejected is the result of an import that saved nothing because of errs.
func rejected(errs []RowError) (ImportReport, error) {
	return ImportReport{Errors: errs},
		fmt.Errorf("import scripts: %d problems, first %v: %w", len(errs), errs[0], ErrInvalid)
}

// readImport reads at most MaxImportBytes of r as a sheet in format.
func readImport(format Format, r io.Reader) (grid, error) {
	if format != FormatXLSX && format != FormatCSV {
		return grid{}, badFile("不支持的格式 %q,只支持 xlsx 或 csv (unsupported format)", format)
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return grid{}, fmt.Errorf("read upload: %w", err)
	}
	if len(data) > MaxImportBytes {
		return grid{}, badFile("文件超过 %d MB,请拆分后分批导入 (file over %d MB)", MaxImportBytes>>20, MaxImportBytes>>20)
	}
	if format == FormatCSV {
		return readCSV(data)
	}
	return readXLSX(bytes.NewReader(data))
}

// Export writes every script that is not deleted to w in format, ordered by
// category (in display order, uncategorised last) then by id, in the layout
// Import reads, so that importing the file again changes nothing.
func (s *Store) Export(ctx context.Context, format Format, w io.Writer) error {
	if format != FormatXLSX && format != FormatCSV {
		return fmt.Errorf("export scripts: %w: unsupported format %q", ErrInvalid, format)
	}
	t, err := s.exportTable(ctx)
	if err != nil {
		return fmt.Errorf("export scripts: %w", err)
	}
	if format == FormatCSV {
		err = writeCSV(w, t)
	} else {
		err = writeXLSX(w, t)
	}
	if err != nil {
		return fmt.Errorf("export scripts as %s: %w", format, err)
	}
	return nil
}
