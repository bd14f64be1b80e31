package console_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/script"
	"github.com/qunbot/qunbot/internal/storage/storagetest"
)

// upload posts body to path with the token and returns the answer.
func (a api) upload(path, contentType, accept string, body []byte) (*http.Response, []byte) {
	a.t.Helper()
	req, err := http.NewRequest("POST", a.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, raw
}

func (a api) download(path string) (*http.Response, []byte) {
	a.t.Helper()
	req, _ := http.NewRequest("GET", a.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, raw
}

func csvRows(n int) []byte {
	var b strings.Builder
	b.WriteString("分类,标题,关键词,回复1\n")
	for i := range n {
		fmt.Fprintf(&b, "门店,问题%d,关键词%d|同义词%d,答复%d\n", i, i, i, i)
	}
	return []byte(b.String())
}

func TestTransferAPI_ImportThenExportRoundTrip(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		a := newAPI(t, db, token)
		resp, body := a.upload("/api/v1/scripts/import?format=csv", "text/csv", "", csvRows(3))
		var rep script.ImportReport
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &rep) != nil || rep.Created != 3 {
			t.Fatalf("import: %d %s", resp.StatusCode, body)
		}
		for _, format := range []string{"csv", "xlsx"} {
			resp, file := a.download("/api/v1/scripts/export?format=" + format)
			if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
				t.Fatalf("export %s: %d %v %s", format, resp.StatusCode, resp.Header, file)
			}
			// The export, uploaded as a browser would, changes nothing.
			ct, form := multipartFile(t, "话术库."+format, file)
			resp, body = a.upload("/api/v1/scripts/import", ct, "", form)
			if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &rep) != nil || rep.Unchanged != 3 || rep.Created+rep.Updated != 0 {
				t.Fatalf("re-import %s: %d %s", format, resp.StatusCode, body)
			}
		}
	})
}

// multipartFile is the content type and body of a form with one file.
func multipartFile(t *testing.T, name string, data []byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func TestTransferAPI_BadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		a := newAPI(t, db, token)
		bad := append(csvRows(2), "门店,没有关键词,,答复\n"...)
		tests := []struct {
			name, path, contentType string
			body                    []byte
			status                  int
			want                    string
		}{
			{"row without keywords", "/api/v1/scripts/import?format=csv", "text/csv", bad, 422, `"row":4`},
			{"missing required column", "/api/v1/scripts/import?format=csv", "text/csv", []byte("标题,回复1\n问题,答复\n"), 422, "关键词"},
			{"format unknown", "/api/v1/scripts/import", "application/octet-stream", csvRows(1), 400, "format"},
			{"format not supported", "/api/v1/scripts/import?format=pdf", "text/csv", csvRows(1), 422, "xlsx"},
			{"not a workbook", "/api/v1/scripts/import?format=xlsx", "text/csv", []byte("hello"), 422, "errors"},
			{"form without file", "/api/v1/scripts/import", "multipart/form-data; boundary=x", []byte("--x--\r\n"), 400, "file"},
		}
		for _, tt := range tests {
			resp, body := a.upload(tt.path, tt.contentType, "", tt.body)
			if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.want) {
				t.Errorf("%s: %d %s, want %d with %q", tt.name, resp.StatusCode, body, tt.status, tt.want)
			}
		}
		var list struct{ Total int }
		if a.call("GET", "/api/v1/scripts", nil, &list); list.Total != 0 {
			t.Fatalf("bad imports saved %d scripts", list.Total)
		}
		if resp, body := a.download("/api/v1/scripts/export?format=doc"); resp.StatusCode != 422 {
			t.Fatalf("export doc: %d %s", resp.StatusCode, body)
		}
	})
}

// A streamed import of 1,000 rows reports progress line by line and ends
// with the report.
func TestTransferAPI_StreamsProgress(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		a := newAPI(t, db, token)
		resp, body := a.upload("/api/v1/scripts/import?format=csv", "text/csv", "application/x-ndjson", csvRows(1000))
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-ndjson" {
			t.Fatalf("import: %d %v", resp.StatusCode, resp.Header)
		}
		type line struct {
			Done, Total int
			Report      *script.ImportReport
			Error       string
		}
		var lines []line
		sc := bufio.NewScanner(bytes.NewReader(body))
		for sc.Scan() {
			var l line
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatalf("line %q: %v", sc.Text(), err)
			}
			lines = append(lines, l)
		}
		if len(lines) < 10 {
			t.Fatalf("%d lines, want progress at least every 100 rows: %s", len(lines), body)
		}
		last := lines[len(lines)-1]
		if last.Report == nil || last.Report.Created != 1000 || last.Error != "" {
			t.Fatalf("last line %+v", last)
		}

		// A bad file streams its row errors in the last line.
		_, body = a.upload("/api/v1/scripts/import?format=csv", "text/csv", "application/x-ndjson", []byte("标题,关键词,回复1\n问题,,答复\n"))
		if !strings.Contains(string(body), `"error"`) || !strings.Contains(string(body), `"row":2`) {
			t.Fatalf("rejected stream: %s", body)
		}
	})
}
