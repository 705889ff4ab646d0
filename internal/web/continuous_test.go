package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/calendar"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/store/storetest"
)

// feedAddress makes a calendar feed through the page as the client's person
// and returns the address the page shows once.
func feedAddress(t *testing.T, w *world, c *http.Client) string {
	t.Helper()
	res := w.post(c, "/p/"+w.a.ID+"/calendar/feed", url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create feed: %d %s", res.StatusCode, body(res))
	}
	page := body(w.get(c, "/p/"+w.a.ID+"/calendar"))
	m := regexp.MustCompile(`id="feed-url" class="feed-url" readonly value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the calendar page does not show the new address")
	}
	if strings.Contains(body(w.get(c, "/p/"+w.a.ID+"/calendar")), m[1]) {
		t.Fatal("the address is shown more than once")
	}
	u, err := url.Parse(m[1])
	if err != nil || !strings.HasPrefix(u.Path, "/calendar/"+feedPrefix) || !strings.HasSuffix(u.Path, ".ics") {
		t.Fatalf("feed address %q", m[1])
	}
	return u.Path
}

// TestCalendarFeed fetches a feed without a session, then checks that a
// regenerated, revoked, unknown or orphaned feed is not found.
func TestCalendarFeed(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		assessor := w.people["assessor"]
		c := w.login(assessor)
		path := feedAddress(t, w, c)
		anon := w.client()
		res := w.get(anon, path)
		ics := body(res)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/calendar; charset=utf-8" {
			t.Fatalf("feed: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		duties, _, err := app.New(w.srv.cat, db.For(w.a.ID), "test").Calendar(ctx, feedWithin)
		if err != nil || len(duties) == 0 {
			t.Fatalf("demo calendar: %d %v", len(duties), err)
		}
		if !strings.HasPrefix(ics, "BEGIN:VCALENDAR\r\n") || !strings.Contains(ics, "END:VCALENDAR") || strings.Count(ics, "BEGIN:VEVENT") != len(duties) {
			t.Fatalf("feed has %d events, want %d:\n%.300s", strings.Count(ics, "BEGIN:VEVENT"), len(duties), ics)
		}
		for _, want := range []string{"UID:risk-analysis@safeguard", "X-WR-CALNAME:Safeguard — " + w.a.Name, "(proposed rule)"} {
			if !strings.Contains(strings.ReplaceAll(ics, "\r\n ", ""), want) {
				t.Errorf("feed lacks %q", want)
			}
		}
		if f, err := db.For(w.a.ID).CalendarFeed(ctx, assessor.user.ID); err != nil || f.LastUsedAt == nil {
			t.Errorf("feed use not recorded: %+v %v", f, err)
		}

		notFound := func(name, p string) {
			t.Helper()
			res := w.get(anon, p)
			b := body(res)
			if res.StatusCode != http.StatusNotFound || strings.Contains(b, "VCALENDAR") {
				t.Errorf("%s: %d", name, res.StatusCode)
			}
		}
		notFound("unknown token", "/calendar/"+feedPrefix+"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.ics")
		notFound("no .ics", strings.TrimSuffix(path, ".ics"))
		// A new address replaces the old one at once.
		newPath := feedAddress(t, w, c)
		notFound("replaced token", path)
		if res := w.get(anon, newPath); res.StatusCode != http.StatusOK {
			t.Fatalf("new feed: %d", res.StatusCode)
		}
		body(res)
		// Revoked: gone.
		if res := w.post(c, "/p/"+w.a.ID+"/calendar/feed/revoke", url.Values{}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke: %d", res.StatusCode)
		}
		notFound("revoked token", newPath)
		// Revoking again is harmless.
		if res := w.post(c, "/p/"+w.a.ID+"/calendar/feed/revoke", url.Values{}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke again: %d", res.StatusCode)
		}
		// A person removed from the practice: their live feed stops.
		viewer := w.people["viewer"]
		vpath := feedAddress(t, w, w.login(viewer))
		if res := w.get(anon, vpath); res.StatusCode != http.StatusOK {
			t.Fatalf("viewer feed: %d", res.StatusCode)
		}
		if err := db.RemoveMembership(ctx, viewer.user.ID, w.a.ID); err != nil {
			t.Fatal(err)
		}
		notFound("removed member's token", vpath)
		// The activity log records the feed's life.
		acts, err := db.For(w.a.ID).Activity(ctx, store.ActivityFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, a := range acts {
			seen[a.Action]++
		}
		if seen["calendar_feed.created"] != 3 || seen["calendar_feed.revoked"] != 1 {
			t.Errorf("activity: %v", seen)
		}
	})
}

// TestCalendarPage checks the grouping, the proposed-rule tag, the range
// selector, a bad range, and marking a recurring duty done.
func TestCalendarPage(t *testing.T) {
	w := sqliteWorld(t)
	ctx := context.Background()
	svc := app.New(w.srv.cat, w.db.For(w.a.ID), "test")
	today := app.Today(w.a, w.db.Now())
	// Make one recurring duty overdue: a penetration test 13 months ago.
	old := time.Now().AddDate(0, -13, 0).Format(time.DateOnly)
	if _, err := svc.RecordDuty(ctx, calendar.KindPenTest, old, "old test"); err != nil {
		t.Fatal(err)
	}
	c := w.login(w.people["assessor"])
	page := body(w.get(c, "/p/"+w.a.ID+"/calendar"))
	for _, want := range []string{`id="overdue"`, `id="week"`, `id="later"`, "(proposed rule)", "164.308(a)(1)(ii)(B)", `name="kind" value="penetration_test"`, `<option value="90d" selected>`} {
		if !strings.Contains(page, want) {
			t.Errorf("calendar page lacks %q", want)
		}
	}
	overdue := page[strings.Index(page, `id="overdue"`):strings.Index(page, `id="week"`)]
	if !strings.Contains(overdue, "penetration test") {
		t.Error("the late penetration test is not under Overdue")
	}
	long := body(w.get(c, "/p/"+w.a.ID+"/calendar?within=1y"))
	if !strings.Contains(long, `<option value="1y" selected>`) || strings.Count(long, "<tr class=\"duty-") < strings.Count(page, "<tr class=\"duty-") {
		t.Error("a longer range shows fewer duties")
	}
	res := w.get(c, "/p/"+w.a.ID+"/calendar?within=soon")
	if b := body(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(b, "is not a range") {
		t.Errorf("bad range: %d", res.StatusCode)
	}
	// Mark done moves the duty out of Overdue.
	res = w.post(c, "/p/"+w.a.ID+"/calendar/done", url.Values{"kind": {calendar.KindPenTest}, "on": {today}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("mark done: %d %s", res.StatusCode, body(res))
	}
	page = body(w.get(c, "/p/"+w.a.ID+"/calendar"))
	overdue = page[strings.Index(page, `id="overdue"`):strings.Index(page, `id="week"`)]
	if strings.Contains(overdue, "penetration test") || !strings.Contains(page, "Recorded: “Have a qualified person run a penetration test") {
		t.Error("marking the test done did not move it")
	}
	for _, tt := range []struct{ kind, on, want string }{
		{"risk_action", today, "recurring duty"},
		{calendar.KindVulnScan, "2026-13-01", "not a date"},
		{calendar.KindVulnScan, "2999-01-01", "in the future"},
	} {
		res := w.post(c, "/p/"+w.a.ID+"/calendar/done", url.Values{"kind": {tt.kind}, "on": {tt.on}})
		if b := body(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(b, tt.want) {
			t.Errorf("mark done %s %s: %d", tt.kind, tt.on, res.StatusCode)
		}
	}
	// A viewer sees the calendar but no "Mark done".
	vpage := body(w.get(w.login(w.people["viewer"]), "/p/"+w.a.ID+"/calendar"))
	if strings.Contains(vpage, "/calendar/done") || !strings.Contains(vpage, "Get my calendar address") {
		t.Error("viewer's calendar page")
	}
}

// TestCalendarAPI checks the JSON duties and a bad range.
func TestCalendarAPI(t *testing.T) {
	w := sqliteWorld(t)
	tok := w.token(w.people["viewer"])
	res := w.api("GET", "/api/v1/practices/"+w.a.ID+"/calendar?within=30d", tok, "")
	var duties []calendar.Duty
	if err := json.Unmarshal([]byte(body(res)), &duties); err != nil || res.StatusCode != http.StatusOK || len(duties) == 0 {
		t.Fatalf("calendar API: %d %v %d", res.StatusCode, err, len(duties))
	}
	for _, d := range duties {
		if d.DaysLeft > 30 || d.Due == "" || d.Citation == "" {
			t.Errorf("duty outside 30 days or incomplete: %+v", d)
		}
	}
	res = w.api("GET", "/api/v1/practices/"+w.a.ID+"/calendar?within=eventually", tok, "")
	if b := body(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(b, `"invalid"`) {
		t.Errorf("bad range: %d %s", res.StatusCode, b)
	}
}

// TestQuickCheck answers the quick check in a new practice: the answers
// start a draft, give a score and three gaps, and carry into the full
// questionnaire; the dashboard stops nudging once all are answered.
func TestQuickCheck(t *testing.T) {
	w := sqliteWorld(t)
	ctx := context.Background()
	owner := w.people["owner"]
	if err := w.db.SetMembership(ctx, owner.user.ID, w.b.ID, "owner"); err != nil {
		t.Fatal(err)
	}
	c := w.login(owner)
	pb := "/p/" + w.b.ID
	dash := body(w.get(c, pb+"/"))
	if !strings.Contains(dash, "Start with the one-minute quick check") {
		t.Fatal("a new practice's dashboard does not offer the quick check")
	}
	page := body(w.get(c, pb+"/quickcheck"))
	if n := strings.Count(page, `class="quick-q`); n != len(w.srv.cat.QuickCheck) {
		t.Fatalf("%d questions on the page, want %d", n, len(w.srv.cat.QuickCheck))
	}
	if strings.Contains(page, `value="na"`) || strings.Contains(page, `id="quick-score"`) {
		t.Error("quick check offers N/A or shows a score before any answer")
	}
	form := url.Values{}
	for i, id := range w.srv.cat.QuickCheck {
		if i == len(w.srv.cat.QuickCheck)-1 {
			break // one left unanswered
		}
		form.Set("a_"+id, []string{"no", "yes", "partial", "unknown"}[i%4])
	}
	res := w.post(c, pb+"/quickcheck", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", res.StatusCode, body(res))
	}
	page = body(w.get(c, pb+"/quickcheck"))
	for _, want := range []string{`id="quick-score"`, "a first look, not a risk analysis", `id="to-full"`} {
		if !strings.Contains(page, want) {
			t.Errorf("result lacks %q", want)
		}
	}
	if n := strings.Count(page[strings.Index(page, `id="gaps"`):], "<li>"); n < 3 {
		t.Errorf("%d gaps shown, want 3", n)
	}
	svc := app.New(w.srv.cat, w.db.For(w.b.ID), "test")
	a, err := svc.Current(ctx, "")
	if err != nil || a.Status != hipaa.StatusDraft {
		t.Fatalf("no draft started: %v", err)
	}
	answers, _ := svc.Scope.Answers(ctx, a.ID)
	if len(answers) != len(w.srv.cat.QuickCheck)-1 || answers[w.srv.cat.QuickCheck[0]].Value != hipaa.AnswerNo {
		t.Fatalf("answers in the draft: %v", answers)
	}
	// The full questionnaire shows the same answer.
	q, _ := w.srv.cat.Question(w.srv.cat.QuickCheck[1])
	sec := body(w.get(c, pb+"/assessment/"+q.Section))
	if !regexp.MustCompile(`name="a_` + q.ID + `" value="yes" checked`).MatchString(sec) {
		t.Error("the quick-check answer is not in the full questionnaire")
	}
	if !strings.Contains(body(w.get(c, pb+"/")), "Start with the one-minute quick check") {
		t.Error("nudge gone with one question unanswered")
	}
	last := w.srv.cat.QuickCheck[len(w.srv.cat.QuickCheck)-1]
	if res := w.post(c, pb+"/quickcheck", url.Values{"a_" + last: {"yes"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("last answer: %d", res.StatusCode)
	}
	if strings.Contains(body(w.get(c, pb+"/")), "Start with the one-minute quick check") {
		t.Error("the dashboard still nudges after the whole quick check")
	}
	// A bad value is refused beside its question and nothing is saved.
	res = w.post(c, pb+"/quickcheck", url.Values{"a_" + last: {"maybe"}})
	if b := body(res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b, `id="err-`+last+`"`) {
		t.Errorf("bad value: %d", res.StatusCode)
	}
	// An empty form saves nothing and says so.
	if res := w.post(c, pb+"/quickcheck", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("empty form: %d", res.StatusCode)
	}
}

// TestDashboardContinuous shows failed reminders, failed jobs and the next
// duties on the dashboard, with job details only for administrators.
func TestDashboardContinuous(t *testing.T) {
	w := sqliteWorld(t)
	ctx := context.Background()
	s := w.db.For(w.a.ID)
	ch := &store.Channel{Kind: "email", Target: "office@riverside.example"}
	if err := s.AddChannel(ctx, ch); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"r1", "r2"} {
		if ok, err := s.ClaimReminder(ctx, key, ch.ID, "test", "subject", "body"); err != nil || !ok {
			t.Fatal(err)
		}
		if err := s.FinishReminder(ctx, key, ch.ID, errors.New("SMTP server mail.example:587: dial tcp 10.0.0.1:587: connect: connection refused"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := w.db.TryLease(ctx, "watched-folders", "test", time.Now().Add(time.Minute)); err != nil || !ok {
		t.Fatal(err)
	}
	if err := w.db.FinishJob(ctx, "watched-folders", hipaa.Errorf(hipaa.EInvalid, "folder /srv/scans is missing")); err != nil {
		t.Fatal(err)
	}
	page := body(w.get(w.login(w.people["owner"]), "/p/"+w.a.ID+"/"))
	for _, want := range []string{"2 reminder(s) could not be delivered", "refused the connection", "retried automatically", "office@riverside.example",
		"Re-checking the watched folders", "folder /srv/scans is missing", `id="next-duties"`, "/p/" + w.a.ID + "/calendar"} {
		if !strings.Contains(page, want) {
			t.Errorf("owner's dashboard lacks %q", want)
		}
	}
	if strings.Contains(page, "10.0.0.1") {
		t.Error("the raw reminder error is shown")
	}
	if n := strings.Count(page[strings.Index(page, `id="next-duties"`):], `<tr class="duty-`); n != 5 {
		t.Errorf("%d duties on the dashboard, want 5", n)
	}
	vpage := body(w.get(w.login(w.people["viewer"]), "/p/"+w.a.ID+"/"))
	if !strings.Contains(vpage, "Re-checking the watched folders") || strings.Contains(vpage, "/srv/scans") {
		t.Error("a viewer sees raw job errors, or no job trouble at all")
	}
}

func TestPlainSendError(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"no SMTP server configured", "No mail server"},
		{"SMTP authentication: 535 5.7.8 bad credentials", "user name or password"},
		{"SMTP server m:25 does not offer STARTTLS; refusing to send in the clear", "encryption"},
		{"webhook https://hooks.example/… answered 500 Internal Server Error", "(500 Internal Server Error)"},
		{"SMTP server m:25: dial tcp: lookup m: no such host", "could not be found"},
		{"something odd", "could not be delivered"},
	}
	for _, tt := range tests {
		if got := plainSendError(tt.raw); !strings.Contains(got, tt.want) {
			t.Errorf("plainSendError(%q) = %q", tt.raw, got)
		}
	}
}

// TestContinuousPagesHaveNoInlineScriptOrStyle keeps the calendar and quick
// check within the content security policy.
func TestContinuousPagesHaveNoInlineScriptOrStyle(t *testing.T) {
	w := sqliteWorld(t)
	if err := w.db.SetMembership(context.Background(), w.people["owner"].user.ID, w.b.ID, "owner"); err != nil {
		t.Fatal(err)
	}
	c := w.login(w.people["owner"])
	inline := regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]|<style|\sstyle=|\son[a-z]+=`)
	for _, path := range []string{"/p/" + w.a.ID + "/calendar", "/p/" + w.a.ID + "/quickcheck", "/p/" + w.b.ID + "/"} {
		res := w.get(c, path)
		b := body(res)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", path, res.StatusCode)
		}
		if m := inline.FindString(b); m != "" {
			t.Errorf("%s has inline script or style: %q", path, m)
		}
	}
}
