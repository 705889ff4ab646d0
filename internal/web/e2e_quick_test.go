package web

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// TestBrowserQuickCheck follows a new practice's first minute in a real
// browser: the dashboard offers the quick check, the dozen questions are
// answered with the mouse, and the provisional score and three gaps appear;
// then the calendar page and the demo dashboard render without console
// errors. Set SAFEGUARD_SCREENSHOTS to a directory to keep screenshots.
func TestBrowserQuickCheck(t *testing.T) {
	ctx := browser(t)
	w := sqliteWorld(t)
	bg := context.Background()
	owner := w.people["owner"]
	if err := w.db.SetMembership(bg, owner.user.ID, w.b.ID, "owner"); err != nil {
		t.Fatal(err)
	}
	// A reminder that could not be sent, for the demo dashboard.
	sc := w.db.For(w.a.ID)
	ch := &store.Channel{Kind: "email", Target: "office@riverside.example"}
	if err := sc.AddChannel(bg, ch); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.ClaimReminder(bg, "e2e", ch.ID, "test", "s", "b"); err != nil {
		t.Fatal(err)
	}
	if err := sc.FinishReminder(bg, "e2e", ch.ID, errors.New("SMTP server mail.example:587: connect: connection refused"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
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
	shot := func(name string, full bool) {
		dir := os.Getenv("SAFEGUARD_SCREENSHOTS")
		if dir == "" {
			return
		}
		var b []byte
		var err error
		if full {
			b, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
		} else {
			b, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
		}
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	step("sign in", chromedp.Navigate(w.ts.URL+"/login"), chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), owner.user.Email), chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.CSS(`button.primary`)), chromedp.WaitVisible(chromedp.ID("code")),
		chromedp.SendKeys(chromedp.ID("code"), w.code(owner.secret)), chromedp.Click(chromedp.CSS(`button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`header a[href="/account"]`)))
	step("new practice's dashboard", chromedp.Navigate(w.ts.URL+"/p/"+w.b.ID+"/"), chromedp.WaitVisible(chromedp.ID("quick-link")))
	shot("quick-nudge", false)
	step("open the quick check", chromedp.Click(chromedp.ID("quick-link")), chromedp.WaitVisible(chromedp.ID("quick-submit")))
	start := time.Now()
	answers := []string{"yes", "no", "partial", "no", "unknown", "yes", "no", "yes", "partial", "no", "yes", "unknown"}
	for i, id := range w.srv.cat.QuickCheck {
		step("answer "+id, chromedp.Click(chromedp.CSS(`input[name="a_`+id+`"][value="`+answers[i%len(answers)]+`"]`)))
	}
	shot("quick-questions", false)
	step("show the score", chromedp.Click(chromedp.ID("quick-submit")), chromedp.WaitVisible(chromedp.ID("quick-score")))
	t.Logf("quick check answered and scored in the browser in %s", time.Since(start).Round(time.Millisecond))
	score := strings.TrimSuffix(strings.Fields(text("#quick-score"))[0], "/")
	if n, err := strconv.Atoi(strings.TrimSpace(strings.Split(score, "/")[0])); err != nil || n <= 0 || n >= 100 {
		t.Fatalf("score %q", text("#quick-score"))
	}
	gaps, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#gaps > li').length`))
	if err != nil || gaps != 3 {
		t.Fatalf("%d gaps shown: %v", gaps, err)
	}
	if got, want := text("#quick-answered"), "from 12 of 12 questions"; len(w.srv.cat.QuickCheck) == 12 && !strings.Contains(got, want) {
		t.Fatalf("answered: %q, want %q", got, want)
	}
	if r := text("#result"); !strings.Contains(r, "a first look, not a risk analysis") {
		t.Fatalf("result not labelled: %.200q", r)
	}
	step("scroll to the result", chromedp.ScrollIntoView(chromedp.ID("result")))
	shot("quick-result", false)
	step("into the full questionnaire", chromedp.Click(chromedp.ID("to-full")), chromedp.WaitVisible(chromedp.CSS(`ol.sections`)))
	shot("quick-to-full", false)
	step("calendar", chromedp.Navigate(w.ts.URL+"/p/"+w.a.ID+"/calendar"), chromedp.WaitVisible(chromedp.ID("feed")))
	shot("calendar", false)
	counts, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`['overdue','week','later'].map(id => document.querySelectorAll('#'+id+' tbody tr').length)`))
	if err != nil || len(counts) != 3 || counts[0]+counts[1]+counts[2] == 0 {
		t.Fatalf("calendar groups: %v %v", counts, err)
	}
	t.Logf("calendar: %d overdue, %d this week, %d later", counts[0], counts[1], counts[2])
	step("scroll to later", chromedp.ScrollIntoView(chromedp.ID("later")))
	shot("calendar-later", false)
	step("feed address", chromedp.Click(chromedp.CSS(`form[action$="/calendar/feed"] button`)), chromedp.WaitVisible(chromedp.ID("feed-url")))
	if v, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("feed-url"))); err != nil || !strings.HasSuffix(v, ".ics") {
		t.Fatalf("feed address %q %v", v, err)
	}
	shot("calendar-feed", false)
	step("demo dashboard", chromedp.Navigate(w.ts.URL+"/p/"+w.a.ID+"/"), chromedp.WaitVisible(chromedp.ID("next-duties")))
	if r := text("#trouble"); !strings.Contains(r, "retried automatically") {
		t.Fatalf("delivery trouble: %q", r)
	}
	shot("dashboard-continuous", false)
	step("next duties", chromedp.ScrollIntoView(chromedp.ID("next-duties")))
	shot("dashboard-duties", false)
	mu.Lock()
	defer mu.Unlock()
	for _, m := range console {
		if strings.Contains(m, "Content Security Policy") || strings.HasPrefix(m, "error") || strings.HasPrefix(m, "exception") {
			t.Errorf("browser console: %s", m)
		}
	}
}
