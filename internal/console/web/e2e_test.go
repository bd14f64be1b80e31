package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/qunbot/qunbot/internal/storage/storagetest"
	"github.com/qunbot/qunbot/internal/user"
)

// chromium finds the browser the end-to-end test drives; the test is
// skipped without one (apt-get install chromium), except in CI, which
// installs it: there a missing browser is a failure, not a silent skip.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium on PATH in CI: .ci/run must install it")
	}
	t.Skip("no chromium on PATH: apt-get install -y chromium")
	return ""
}

// newBrowser starts a headless chromium at a phone's size (store staff
// open tickets from WeCom on their phones).
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)), chromedp.NoSandbox,
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-quic", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// step runs browser actions, failing the test with what the page showed.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		body, _ := chromedp.Run(ctx, chromedp.TextContent("body"))
		t.Fatalf("%s: %v; page: %.500s", what, err, body)
	}
}

// submit clicks sel and waits for the page the form leads to.
func submit(t *testing.T, ctx context.Context, what, sel string) {
	t.Helper()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// visibleText is the visible text of the first element sel selects.
func visibleText(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// shotsDir is where the end-to-end test saves its screenshots, always:
// QUNBOT_E2E_SHOTS when set, else qunbot-e2e-screens under the system's
// temporary directory. The folder is logged so CI can keep it.
func shotsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("QUNBOT_E2E_SHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "qunbot-e2e-screens")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshots folder: %v", err)
	}
	t.Logf("screenshots saved to %s", dir)
	return dir
}

// shot saves a full-page screenshot of the current page as dir/name.png.
func shot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
	}
}

// mainPages are the pages the end-to-end test photographs as an
// operator: name, path, and an element the page must show.
func mainPages(ticketID int64) [][3]string {
	return [][3]string{
		{"dashboard", "/", `.charts svg`},
		{"scripts", "/scripts", `table`},
		{"tickets", "/tickets", `.ticket-item`},
		{"ticket_detail", "/tickets/" + itoa(ticketID), `.ticket`},
		{"live_codes", "/live-codes", `h1`},
		{"tasks", "/tasks", `h1`},
		{"stores", "/stores", `h1`},
		{"groups", "/groups", `table`},
	}
}

func signInAs(t *testing.T, ctx context.Context, base, name, from string) {
	t.Helper()
	step(t, ctx, "open "+from, chromedp.Navigate(base+from), chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)))
	step(t, ctx, "fill sign-in", chromedp.SendKeys(chromedp.CSS(`input[name=username]`), name),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password))
	submit(t, ctx, "sign in", `form[action="/login"] button`)
}

func TestEndToEnd(t *testing.T) {
	path := chromium(t)
	t.Logf("driving %s", path)
	db := storagetest.SQLite(t)
	opt, _, _ := withGroups(t, db)
	var week []time.Time // a chat's last week, for the messages chart
	for i := range 60 {
		week = append(week, testNow.Add(-time.Duration(i*i)*2*time.Minute))
	}
	e := newEnv(t, db, opt, withMessages(t, db, week...))
	e.addUser(t, "op", user.RoleOperator)
	e.addUser(t, "staff1", user.RoleStaff, 1)
	tk := e.openTicket(t, "c1", "chat1", "保养等了三个小时没人管 <script>alert(1)</script>")
	ctx := newBrowser(t)
	base := e.srv.URL
	dir := shotsDir(t)

	// An operator signs in, writes a script and tries a message on it.
	signInAs(t, ctx, base, "op", "/scripts/new")
	step(t, ctx, "fill the script",
		chromedp.WaitVisible(chromedp.CSS(`input[name=title]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=title]`), "营业时间"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=keywords]`), "几点开门"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=reply]`), "每天 9:00 开门 <script>alert(1)</script>"))
	shot(t, ctx, dir, "script_form")
	submit(t, ctx, "save the script", `form.script-form button[type=submit]`)
	if got := visibleText(t, ctx, `.flash-ok`); !strings.Contains(got, "话术已创建") {
		t.Fatalf("after saving: %q", got)
	}
	step(t, ctx, "open try", chromedp.Navigate(base+"/scripts/try"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=text]`), "请问几点开门?"))
	submit(t, ctx, "try", `form[action="/scripts/try"] button`)
	shot(t, ctx, dir, "try")
	if got := visibleText(t, ctx, `#result h2`); !strings.Contains(got, "会回复:营业时间") {
		t.Fatalf("try: %q", got)
	}
	if got := visibleText(t, ctx, `#result blockquote`); got != "每天 9:00 开门 <script>alert(1)</script>" {
		t.Fatalf("reply shown as %q", got)
	}
	for _, p := range mainPages(tk.ID) {
		step(t, ctx, "open "+p[1], chromedp.Navigate(base+p[1]), chromedp.WaitVisible(chromedp.CSS(p[2])))
		shot(t, ctx, dir, p[0])
	}
	submit(t, ctx, "sign out", `form[action="/logout"] button`)

	// Store staff, on a phone, acknowledge and resolve their ticket.
	signInAs(t, ctx, base, "staff1", "/")
	shot(t, ctx, dir, "inbox")
	if got := visibleText(t, ctx, `.ticket-item .content`); !strings.Contains(got, "<script>alert(1)</script>") {
		t.Fatalf("inbox: %q", got)
	}
	submit(t, ctx, "open the ticket", `.ticket-item a`)
	submit(t, ctx, "acknowledge", `form[action$="/ack"] button`)
	if got := visibleText(t, ctx, `.flash-ok`); got != "已接单" {
		t.Fatalf("after ack: %q", got)
	}
	step(t, ctx, "write the action taken", chromedp.SendKeys(chromedp.CSS(`form.resolve textarea[name=note]`), "已电话回访,车主满意"))
	submit(t, ctx, "resolve", `form.resolve button`)
	shot(t, ctx, dir, "ticket")
	if got := visibleText(t, ctx, `.flash-ok`); got != "已完成" {
		t.Fatalf("after resolve: %q", got)
	}
	if got := visibleText(t, ctx, `.ticket .badge[class*=state-]`); got != "已完成" {
		t.Fatalf("state badge %q", got)
	}
	d, err := e.tickets.Get(context.Background(), tk.ID, nil)
	if err != nil || d.State != "resolved" || d.ActionTaken != "已电话回访,车主满意" || d.ResolvedBy != "staff1" {
		t.Fatalf("ticket after the browser: %+v %v", d.Ticket, err)
	}
}
