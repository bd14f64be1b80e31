package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/qunbot/qunbot/internal/httpx"
	"github.com/qunbot/qunbot/internal/script"
)

// ndjson is the media type of a streamed import: one JSON object a line,
// progress first and the report last, so a console can draw a progress bar
// without any state kept between requests.
const ndjson = "application/x-ndjson"

// importRejected is the 422 answer of an import that saved nothing: every
// problem of every row.
type importRejected struct {
	Error   string            `json:"error"`
	Message string            `json:"message"`
	Errors  []script.RowError `json:"errors"`
}

// importProgress is one line of a streamed import.
type importProgress struct {
	Done   int                  `json:"done"`
	Total  int                  `json:"total"`
	Report *script.ImportReport `json:"report,omitempty"`
	Error  string               `json:"error,omitempty"`
}

func (s *Server) importScripts(w http.ResponseWriter, r *http.Request) error {
	format, body, err := importUpload(r)
	if err != nil {
		return err
	}
	defer body.Close()
	if wantsNDJSON(r) {
		return s.streamImport(w, r, format, body)
	}
	rep, err := s.opts.Scripts.Import(r.Context(), actor(r), format, body, nil)
	if len(rep.Errors) > 0 {
		httpx.WriteJSON(w, http.StatusUnprocessableEntity, importRejected{Error: "invalid", Message: err.Error(), Errors: rep.Errors})
		return nil
	}
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
	return nil
}

// streamImport answers 200 at once and then writes a progress line at least
// every 100 rows; the last line carries the report, or the error when the
// import saved nothing.
func (s *Server) streamImport(w http.ResponseWriter, r *http.Request, format script.Format, body io.Reader) error {
	w.Header().Set("Content-Type", ndjson)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	rc := http.NewResponseController(w)
	progress := func(done, total int) {
		_ = enc.Encode(importProgress{Done: done, Total: total})
		_ = rc.Flush()
	}
	rep, err := s.opts.Scripts.Import(r.Context(), actor(r), format, body, progress)
	last := importProgress{Done: rep.Created + rep.Updated + rep.Unchanged, Report: &rep}
	last.Total = last.Done
	if err != nil {
		last.Error = err.Error()
		if len(rep.Errors) == 0 {
			s.opts.Logger.Error("script import failed", "err", err)
			last.Report, last.Error = nil, "导入失败,未保存任何内容 (import failed; nothing was saved)"
		}
	}
	return enc.Encode(last)
}

func wantsNDJSON(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == ndjson {
			return true
		}
	}
	return false
}

// importUpload finds the file of an import: a multipart form's "file" field
// (a browser upload; its name gives the format) or the raw body, whose
// format is the format query parameter or else its Content-Type.
func importUpload(r *http.Request) (script.Format, io.ReadCloser, error) {
	r.Body = http.MaxBytesReader(nil, r.Body, script.MaxImportBytes+1<<20)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		file, hdr, err := r.FormFile("file")
		if err != nil {
			return "", nil, fmt.Errorf("%w: 表单缺少文件字段 file (multipart field \"file\" is required): %v", errBadRequest, err)
		}
		format, err := formatParam(r, hdr.Filename)
		if err != nil {
			file.Close()
			return "", nil, err
		}
		return format, file, nil
	}
	format, err := formatParam(r, "")
	if err != nil {
		return "", nil, err
	}
	return format, r.Body, nil
}

// formatParam reads ?format=, else the file's name, else the Content-Type.
func formatParam(r *http.Request, filename string) (script.Format, error) {
	if v := r.URL.Query().Get("format"); v != "" {
		return script.FormatOf("upload." + v)
	}
	if filename != "" {
		return script.FormatOf(filename)
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	for _, f := range []script.Format{script.FormatXLSX, script.FormatCSV} {
		if ct, _, _ := mime.ParseMediaType(f.ContentType()); ct == mt {
			return f, nil
		}
	}
	return "", fmt.Errorf("%w: 请用 ?format=xlsx 或 ?format=csv 说明文件格式 (say the format with ?format=xlsx|csv)", errBadRequest)
}

func (s *Server) exportScripts(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query().Get("format")
	if v == "" {
		v = string(script.FormatXLSX)
	}
	format, err := script.FormatOf("export." + v)
	if err != nil {
		return err
	}
	// Rendered in memory first so a failure is still a clean error answer,
	// not half a file.
	var buf strings.Builder
	if err := s.opts.Scripts.Export(r.Context(), format, &buf); err != nil {
		if errors.Is(err, script.ErrInvalid) {
			return err
		}
		return fmt.Errorf("export scripts: %w", err)
	}
	name := fmt.Sprintf("话术库-%s.%s", s.opts.Now().Format("20060102"), format)
	w.Header().Set("Content-Type", format.ContentType())
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="scripts.%s"; filename*=UTF-8''%s`, format, url.PathEscape(name)))
	_, err = io.WriteString(w, buf.String())
	return err
}
