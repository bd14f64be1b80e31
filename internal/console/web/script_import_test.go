package web_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/user"
)

// upload posts a file as the import form does, with token as its CSRF
// field ("" sends none).
func (b *browser) upload(path, token, name, content string) page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if token != "" {
		_ = mw.WriteField("csrf_token", token)
	}
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write([]byte(content))
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, b.base+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func TestScriptImport_Upload(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		e := newEnv(t, db)
		e.addUser(t, "op", user.RoleOperator)
		e.addUser(t, "staff", user.RoleStaff, 1)
		b := e.signIn(t, "op")
		good := "标题,关键词,回复\n营业时间,几点开门,早九晚九\n停车,停车场,地下二层\n"
		bad := "标题,关键词,回复\n,几点开门,早九晚九\n<b>x</b>,,\n"
		cases := []struct {
			name, file, content string
			status              int
			seen                string
		}{
			{"wrong type", "lib.txt", good, 422, "只能导入 xlsx 或 csv"},
			{"bad rows", "lib.csv", bad, 422, "第 2 行"},
			{"good", "lib.csv", good, 303, ""},
		}
		for _, c := range cases {
			p := b.upload("/scripts/import", b.csrf("/scripts"), c.file, c.content)
			if p.status != c.status || !strings.Contains(p.body, c.seen) {
				t.Fatalf("%s: %d %.1500s", c.name, p.status, p.body)
			}
			if strings.Contains(p.body, "<b>x</b>") {
				t.Fatalf("%s: row shown unescaped", c.name)
			}
		}
		list := b.get("/scripts").body
		mustContain(t, "flash", texts(t, list, "p", "flash-ok"), "新建 2 条")
		if n := len(texts(t, list, "td", "reply")); n != 2 {
			t.Fatalf("imported %d scripts, want 2", n)
		}
		for _, want := range []string{`action="/scripts/import"`, `enctype="multipart/form-data"`, "/api/v1/scripts/export?format=xlsx",
			"/api/v1/scripts/export?format=csv", `name="csrf-token"`, `<progress`} {
			if !strings.Contains(list, want) {
				t.Fatalf("scripts page lacks %s", want)
			}
		}
		if p := b.upload("/scripts/import", "", "lib.csv", good); p.status != http.StatusForbidden {
			t.Fatalf("no CSRF: %d", p.status)
		}
		s := e.signIn(t, "staff")
		if p := s.upload("/scripts/import", s.csrf("/tickets"), "lib.csv", good); p.status != http.StatusForbidden {
			t.Fatalf("staff import: %d", p.status)
		}
	})
}

func TestScriptImport_ScriptAsset(t *testing.T) {
	e := newEnv(t, storagetest.SQLite(t))
	e.addUser(t, "op", user.RoleOperator)
	b := e.signIn(t, "op")
	m := regexpFind(t, b.get("/scripts").body, `<script src="(/static/app\.[0-9a-f]+\.js)" defer></script>`)
	p := b.get(m)
	if p.status != 200 || !strings.Contains(p.body, "application/x-ndjson") || !strings.Contains(p.body, "X-CSRF-Token") {
		t.Fatalf("app.js: %d", p.status)
	}
}

// regexpFind is the first group of expr in body.
func regexpFind(t *testing.T, body, expr string) string {
	t.Helper()
	m := regexp.MustCompile(expr).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in %.2000s", expr, body)
	}
	return m[1]
}
