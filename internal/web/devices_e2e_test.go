package web

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserDevicePages opens the demo practice's inventory, network,
// findings and governance pages in a browser as its owner, checking they
// render, that the network map image loads, and that nothing breaks the
// content security policy. Set SAFEGUARD_SCREENSHOTS to keep full-page
// screenshots.
func TestBrowserDevicePages(t *testing.T) {
	ctx := browser(t)
	w := sqliteWorld(t)
	seedNetwork(t, w)
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
	owner := w.people["owner"]
	if err := chromedp.Do(ctx, chromedp.Navigate(w.ts.URL+"/login"), chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), owner.user.Email), chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.CSS(`button.primary`)), chromedp.WaitVisible(chromedp.ID("code")),
		chromedp.SendKeys(chromedp.ID("code"), w.code(owner.secret)), chromedp.Click(chromedp.CSS(`button.primary`)),
		chromedp.WaitVisible(chromedp.ID("score"))); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	pa := "/p/" + w.a.ID
	for _, page := range []struct{ name, path, wait string }{
		{"assets", pa + "/assets", "table.list"},
		{"asset", w.fill(pa + "/assets/{asset}"), "dl.facts"},
		{"network", pa + "/network", ".netmap img"},
		{"findings", pa + "/findings", "table.list"},
		{"vendors", pa + "/vendors", "table.list"},
		{"policies", pa + "/policies", "table.list"},
		{"incidents", pa + "/incidents", "main h1"},
		{"reports", pa + "/reports", ".cards"},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(w.ts.URL+page.path), chromedp.WaitVisible(chromedp.CSS(page.wait))); err != nil {
			t.Fatalf("%s: %v", page.name, err)
		}
		if page.name == "network" {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(async () => { const i = document.querySelector('.netmap img'); if (!i.complete) await new Promise(r => i.onload = i.onerror = r); return i.naturalWidth > 0; })()`, chromedp.EvalAwaitPromise))
			if err != nil || !ok {
				t.Errorf("the network map image did not load: %v", err)
			}
		}
		if dir := os.Getenv("SAFEGUARD_SCREENSHOTS"); dir != "" {
			b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "demo-"+page.name+".png"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, m := range console {
		if strings.Contains(m, "Content Security Policy") || strings.Contains(strings.ToLower(m), "error") {
			t.Errorf("browser console: %s", m)
		}
	}
}
