package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/safeguard-hipaa/safeguard/internal/store/storetest"
)

// chromiumPath is where Debian installs Chromium.
const chromiumPath = "/usr/bin/chromium"

// browser starts headless Chromium for a test, or skips the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skip(chromiumPath + " is not installed (apt-get install chromium): browser test skipped")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

// TestBrowserEndToEnd sets up Safeguard in a real browser, signs in again
// with a one-time code, answers questions, sees the dashboard change and
// downloads the report.
// Set SAFEGUARD_SCREENSHOTS to a directory to keep screenshots.
func TestBrowserEndToEnd(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, storetest.SQLite(t), Config{})
	// Start the browser before reading its console from another goroutine.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start the browser: %v", err)
	}
	var mu sync.Mutex
	var console []string
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			mu.Lock()
			console = append(console, m.String())
			mu.Unlock()
		}
	}()
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	shot := func(name string) {
		dir := os.Getenv("SAFEGUARD_SCREENSHOTS")
		if dir == "" {
			return
		}
		b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	step("open setup", chromedp.Navigate(e.ts.URL+"/"), chromedp.WaitVisible(chromedp.ID("practice_name")))
	shot("setup")
	step("fill setup with a weak password",
		chromedp.SendKeys(chromedp.ID("practice_name"), "Lakeside Family Medicine"),
		chromedp.Clear(chromedp.ID("time_zone")), chromedp.SendKeys(chromedp.ID("time_zone"), "America/Chicago"),
		chromedp.SendKeys(chromedp.ID("name"), "Pat Lee"),
		chromedp.SendKeys(chromedp.ID("email"), "pat@lakeside.example"),
		chromedp.SendKeys(chromedp.ID("password"), "password1234"),
		chromedp.SendKeys(chromedp.ID("password_confirm"), "password1234"),
		chromedp.Click(chromedp.CSS(`button[type=submit].primary`)),
		chromedp.WaitVisible(chromedp.ID("password-err")),
	)
	if v, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("practice_name"))); err != nil || v != "Lakeside Family Medicine" {
		t.Fatalf("the refused form lost what was typed: %q %v", v, err)
	}
	shot("setup-error")
	step("fill setup",
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.SendKeys(chromedp.ID("password_confirm"), testPassword),
		chromedp.Click(chromedp.CSS(`button[type=submit].primary`)),
		chromedp.WaitVisible(chromedp.ID("secret")),
	)
	shot("enroll")
	secret := strings.ReplaceAll(text("#secret"), " ", "")
	step("enroll", chromedp.SendKeys(chromedp.ID("code"), e.code(secret)), chromedp.Click(chromedp.CSS(`button[type=submit].primary`)),
		chromedp.WaitVisible(chromedp.ID("recovery-codes")))
	if n := strings.Count(text("#recovery-codes"), "-"); n < 10 {
		t.Fatalf("recovery codes: %d", n)
	}
	step("sign out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.ID("password")))
	step("sign in", chromedp.SendKeys(chromedp.ID("email"), "pat@lakeside.example"), chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.CSS(`button[type=submit].primary`)), chromedp.WaitVisible(chromedp.ID("code")))
	step("one-time code", chromedp.SendKeys(chromedp.ID("code"), e.code(secret)), chromedp.Click(chromedp.CSS(`button[type=submit].primary`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.tabs`)))
	step("start the questionnaire", chromedp.Click(chromedp.CSS(`.next a.button`)), chromedp.WaitVisible(chromedp.CSS(`form[action$="/assessment/start"] button`)),
		chromedp.Click(chromedp.CSS(`form[action$="/assessment/start"] button`)), chromedp.WaitVisible(chromedp.CSS(`ol.sections`)))
	step("first section", chromedp.Click(chromedp.CSS(`a.button.primary`)), chromedp.WaitVisible(chromedp.CSS(`section.question`)))
	ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('section.question:not(.skipped)')).slice(0,3).map(s => s.id.slice(2))`))
	if err != nil || len(ids) != 3 {
		t.Fatalf("questions on the page: %v %v", ids, err)
	}
	answers := []string{"yes", "partial", "no"}
	for i, id := range ids {
		step("answer "+id, chromedp.Click(chromedp.CSS(`input[name="a_`+id+`"][value="`+answers[i]+`"]`)))
	}
	step("note", chromedp.SendKeys(chromedp.ID("note_"+ids[0]), "Signed report in the office binder"))
	step("save", chromedp.Click(chromedp.CSS(`button[name=go][value=stay]`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	if f := text(".flash"); !strings.Contains(f, "Saved 3 answer") {
		t.Fatalf("after saving: %q", f)
	}
	evidence := filepath.Join(t.TempDir(), "risk-analysis-2025.pdf")
	if err := os.WriteFile(evidence, []byte("%PDF-1.4 signed risk analysis"), 0o600); err != nil {
		t.Fatal(err)
	}
	step("type without saving", chromedp.SendKeys(chromedp.ID("note_"+ids[1]), "typed, not saved yet"))
	step("attach evidence", chromedp.SetUploadFiles(chromedp.ID("file_"+ids[0]), []string{evidence}),
		chromedp.Click(chromedp.CSS(`button[form="ev-`+ids[0]+`"]`)), chromedp.WaitVisible(chromedp.CSS(`#q-`+ids[0]+` .files a`)))
	if f := text("#q-" + ids[0] + " .files"); !strings.Contains(f, "risk-analysis-2025.pdf") {
		t.Fatalf("attached file not listed: %q", f)
	}
	if v, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("note_"+ids[1]))); err != nil || v != "typed, not saved yet" {
		t.Fatalf("attaching a file lost what was typed: %q %v", v, err)
	}
	step("show the evidence", chromedp.ScrollIntoView(chromedp.CSS(`#evb-`+ids[0])))
	shot("evidence")
	step("scroll to top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0,0)`))
	shot("questionnaire")
	// Keyboard: the first answer can be reached and changed without a mouse.
	step("keyboard", chromedp.Focus(chromedp.CSS(`input[name="a_`+ids[0]+`"][value="yes"]`)), chromedp.KeyEvent(kb.ArrowDown))
	checked, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('input[name="a_`+ids[0]+`"]:checked').value`))
	if err != nil || checked != "partial" {
		t.Fatalf("arrow key did not move the answer: %q %v", checked, err)
	}
	step("dashboard", chromedp.Click(chromedp.CSS(`nav.tabs a`)), chromedp.WaitVisible(chromedp.ID("score")))
	if got := text("#answered"); got != "3" {
		t.Fatalf("dashboard shows %s answered, want 3", got)
	}
	shot("dashboard")
	// Download a report, as the browser would, with the signed-in session.
	step("reports", chromedp.Click(chromedp.CSS(`nav a[href$="/reports"]`)), chromedp.WaitVisible(chromedp.CSS(`a[href*="format=pdf"]`)))
	shot("reports")
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const a = document.querySelector('a[href*="format=pdf"]');
		const x = new XMLHttpRequest();
		x.open('GET', a.href, false);
		x.overrideMimeType('text/plain; charset=x-user-defined');
		x.send();
		return x.status + '|' + (x.getResponseHeader('Content-Disposition') || '') + '|' + x.responseText.slice(0, 5);
	})()`))
	if err != nil || !strings.HasPrefix(got, "200|attachment") || !strings.HasSuffix(got, "|%PDF-") {
		t.Fatalf("report download: %q %v", got, err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, m := range console {
		if strings.Contains(m, "status of 422") {
			continue // the refused form above, on purpose
		}
		if strings.Contains(m, "Content Security Policy") || strings.HasPrefix(m, "error") || strings.HasPrefix(m, "exception") {
			t.Errorf("browser console: %s", m)
		}
	}
}

// TestBrowserDemoPages opens the demo practice's dashboard, risk register
// and a risk as its owner, checking they render in a browser without
// console errors. Set SAFEGUARD_SCREENSHOTS to keep screenshots.
func TestBrowserDemoPages(t *testing.T) {
	ctx := browser(t)
	w := sqliteWorld(t)
	owner := w.people["owner"]
	if err := chromedp.Do(ctx, chromedp.Navigate(w.ts.URL+"/login"), chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), owner.user.Email), chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.CSS(`button.primary`)), chromedp.WaitVisible(chromedp.ID("code")),
		chromedp.SendKeys(chromedp.ID("code"), w.code(owner.secret)), chromedp.Click(chromedp.CSS(`button.primary`)),
		chromedp.WaitVisible(chromedp.ID("score"))); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	for _, page := range []struct{ name, path, wait string }{
		{"demo-dashboard", "/p/" + w.a.ID + "/", "#score"},
		{"demo-risks", "/p/" + w.a.ID + "/risks", "table.list"},
		{"demo-risk", "/p/" + w.a.ID + "/risks/" + w.riskA, "#treatment"},
		{"demo-plan", "/p/" + w.a.ID + "/plan", "table.list"},
		{"demo-assessment", "/p/" + w.a.ID + "/assessment", "ol.sections"},
		{"demo-activity", "/p/" + w.a.ID + "/activity", "table.list"},
		{"demo-members", "/p/" + w.a.ID + "/members", "table.list"},
		{"account", "/account", "#tname"},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(w.ts.URL+page.path), chromedp.WaitVisible(chromedp.CSS(page.wait))); err != nil {
			t.Fatalf("%s: %v", page.name, err)
		}
		if dir := os.Getenv("SAFEGUARD_SCREENSHOTS"); dir != "" {
			b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, page.name+".png"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
