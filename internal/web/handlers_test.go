package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/auth"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/store/storetest"
)

func TestTemplatesParse(t *testing.T) {
	p, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"setup", "login", "mfa", "enroll", "codes", "dashboard", "assessment", "section", "risks", "risk", "plan", "members", "activity", "account", "practices", "error", "assets", "asset", "network", "findings", "vendors", "policies", "incidents", "reports"} {
		if p.byName[name] == nil {
			t.Errorf("page %s missing", name)
		}
	}
}

// TestEveryPageRenders opens every page as the owner of the demo practice.
func TestEveryPageRenders(t *testing.T) {
	w := sqliteWorld(t)
	c := w.login(w.people["owner"])
	for _, rt := range w.srv.routes {
		if rt.Method != "GET" || rt.api() || rt.Access == public {
			continue
		}
		path := w.fill(rt.Pattern)
		res := w.get(c, path)
		b := body(res)
		if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusSeeOther {
			t.Errorf("GET %s: %d", path, res.StatusCode)
		}
		if res.StatusCode == http.StatusOK && strings.Contains(res.Header.Get("Content-Type"), "html") && !strings.Contains(b, "</html>") {
			t.Errorf("GET %s: incomplete page", path)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), Config{})
	for _, path := range []string{"/setup", "/login", "/api/v1/openapi.json", "/nowhere", "/static/app.css"} {
		res := e.get(e.client(), path)
		body(res)
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		for k, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"} {
			if h.Get(k) != want {
				t.Errorf("%s: %s = %q", path, k, h.Get(k))
			}
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain HTTP", path)
		}
	}
}

func TestPagesHaveNoInlineScriptOrStyle(t *testing.T) {
	w := sqliteWorld(t)
	c := w.login(w.people["owner"])
	inline := regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]|<style|\sstyle=|\son[a-z]+=`)
	for _, path := range []string{"/p/" + w.a.ID + "/", "/p/" + w.a.ID + "/assessment/" + w.sectionA, "/p/" + w.a.ID + "/risks/" + w.riskA, "/account"} {
		b := body(w.get(c, path))
		if m := inline.FindString(b); m != "" {
			t.Errorf("%s has inline script or style: %q", path, m)
		}
		if !strings.Contains(b, `"includeIndicatorStyles":false`) {
			t.Errorf("%s: htmx indicator styles not disabled", path)
		}
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	w := sqliteWorld(t)
	c := w.login(w.people["assessor"])
	for _, hdr := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Origin": "https://attacker.example"},
	} {
		req, _ := http.NewRequest("POST", w.ts.URL+"/p/"+w.a.ID+"/assessment/start", strings.NewReader(""))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res := w.do(c, req)
		b := body(res)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(b, "another site") {
			t.Errorf("cross-origin POST with %v: %d", hdr, res.StatusCode)
		}
	}
	req, _ := http.NewRequest("POST", w.ts.URL+"/logout", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if res := w.do(c, req); res.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin POST refused: %d", res.StatusCode)
	}
}

func TestSetupFlow(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), Config{})
	c := e.client()
	if res := e.get(c, "/login"); res.Header.Get("Location") != "/setup" {
		t.Fatalf("first visit not sent to setup: %v", res.Header)
	}
	// A bad form comes back with messages beside the fields, keeping what was typed.
	res := e.post(c, "/setup", url.Values{"practice_name": {"Lakeside Family Medicine"}, "time_zone": {"Mars/Olympus"},
		"name": {"Pat Lee"}, "email": {"pat@lakeside.example"}, "password": {"password1234"}, "password_confirm": {"password1234"}})
	b := body(res)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad setup: %d", res.StatusCode)
	}
	for _, want := range []string{`value="Lakeside Family Medicine"`, `value="pat@lakeside.example"`, `id="password-err"`, `id="time_zone-err"`, "commonly used"} {
		if !strings.Contains(b, want) {
			t.Errorf("setup form lacks %q", want)
		}
	}
	if n, _ := e.db.CountUsers(context.Background()); n != 0 {
		t.Fatal("half-saved setup")
	}
	res = e.post(c, "/setup", url.Values{"practice_name": {"Lakeside Family Medicine"}, "time_zone": {"America/Chicago"},
		"name": {"Pat Lee"}, "email": {"pat@lakeside.example"}, "password": {testPassword}, "password_confirm": {testPassword}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/mfa/setup" {
		t.Fatalf("setup: %d %s", res.StatusCode, body(res))
	}
	b = body(e.get(c, "/mfa/setup"))
	m := regexp.MustCompile(`id="secret">([A-Z2-7 ]+)<`).FindStringSubmatch(b)
	if m == nil || !strings.Contains(b, "data:image/png;base64,") {
		t.Fatalf("no secret or QR on the set-up page")
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	// A wrong code is refused with a message beside the field.
	res = e.post(c, "/mfa/setup", url.Values{"code": {"000000"}})
	if b := body(res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b, `id="code-err"`) {
		t.Fatalf("wrong code: %d", res.StatusCode)
	}
	res = e.post(c, "/mfa/setup", url.Values{"code": {e.code(secret)}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("enroll: %d %s", res.StatusCode, body(res))
	}
	b = body(e.get(c, "/mfa/setup"))
	if n := strings.Count(b, "<li><code>"); n != auth.RecoveryCodeCount {
		t.Fatalf("recovery codes shown: %d", n)
	}
	// Setup cannot run twice.
	if res := e.post(e.client(), "/setup", url.Values{}); res.StatusCode != http.StatusConflict {
		t.Fatalf("second setup: %d", res.StatusCode)
	}
	res = e.get(c, "/")
	if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/p/prc_") {
		t.Fatalf("home: %d %s", res.StatusCode, loc)
	}
	if b := body(e.get(c, res.Header.Get("Location"))); !strings.Contains(b, "Start your first security risk analysis") {
		t.Fatal("empty dashboard does not say what to do next")
	}
}

func TestLockoutThroughSignIn(t *testing.T) {
	db := storetest.SQLite(t)
	e := newEnv(t, db, Config{Lockout: 20 * time.Minute, MaxFailures: 3})
	p := &hipaa.Practice{Name: "Lakeside"}
	if err := db.CreatePractice(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	v := e.addPerson("viewer@lakeside.example", auth.RoleViewer, p.ID)
	c := e.client()
	for range 3 {
		body(e.post(c, "/login", url.Values{"email": {v.user.Email}, "password": {"not the password"}}))
	}
	for _, wait := range []time.Duration{0, 10 * time.Minute, 9*time.Minute + 50*time.Second} {
		e.clock.advance(wait)
		res := e.post(c, "/login", url.Values{"email": {v.user.Email}, "password": {testPassword}})
		if b := body(res); res.StatusCode != http.StatusUnauthorized || !strings.Contains(b, "locked") {
			t.Fatalf("after %s more: %d, want still locked", wait, res.StatusCode)
		}
	}
	e.clock.advance(15 * time.Second)
	if res := e.post(c, "/login", url.Values{"email": {v.user.Email}, "password": {testPassword}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("not unlocked after the lockout: %d", res.StatusCode)
	}
}

func TestOversizedBodyRefusedWithLimit(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), Config{MaxBody: 4 << 10})
	big := url.Values{"email": {strings.Repeat("a", 8<<10)}}
	res := e.post(e.client(), "/login", big)
	if b := body(res); res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(b, "4 KiB") {
		t.Fatalf("oversized form: %d %s", res.StatusCode, b)
	}
	res = e.api("PUT", "/api/v1/practices/x/assessments/y/answers", "sgp_x", `{"answers":"`+strings.Repeat("a", 8<<10)+`"}`)
	if b := body(res); res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(b, "4 KiB") {
		t.Fatalf("oversized JSON: %d %s", res.StatusCode, b)
	}
}

func TestNoInternalErrorText(t *testing.T) {
	for _, err := range []error{
		errors.New("sql: database is locked at /var/lib/x.db"),
		hipaa.WrapError(hipaa.EUnavailable, errors.New("dial tcp 10.0.0.1:5432"), "database postgres://u@db/x: cannot read: dial tcp"),
	} {
		msg := publicMessage(err)
		if strings.Contains(msg, "sql") || strings.Contains(msg, "dial") || strings.Contains(msg, "postgres://") {
			t.Errorf("internal text shown: %q", msg)
		}
		if statusOf(err) < 500 {
			t.Errorf("%v: status %d", err, statusOf(err))
		}
	}
}

// TestQuestionnaire answers a section, gets a validation message for an
// N/A without a reason (keeping what was typed), and sees the dashboard change.
func TestQuestionnaire(t *testing.T) {
	db := storetest.SQLite(t)
	e := newEnv(t, db, Config{})
	ctx := context.Background()
	p := &hipaa.Practice{Name: "Lakeside Family Medicine"}
	if err := db.CreatePractice(ctx, p); err != nil {
		t.Fatal(err)
	}
	as := e.addPerson("assessor@lakeside.example", auth.RoleAssessor, p.ID)
	c := e.login(as)
	base := "/p/" + p.ID
	if res := e.post(c, base+"/assessment/start", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: %d %s", res.StatusCode, body(res))
	}
	sec := e.srv.cat.Sections[0]
	qs := e.srv.cat.QuestionsIn(sec.ID)
	var naQ *hipaa.Question
	for _, q := range e.srv.cat.Questions {
		if q.NA != "" && q.When == nil {
			naQ = &q
			break
		}
	}
	if naQ == nil {
		t.Skip("no question offers N/A")
	}
	form := url.Values{"a_" + qs[0].ID: {"no"}, "note_" + qs[0].ID: {"Only a paper checklist from 2019"}, "go": {"stay"}}
	bad := url.Values{"a_" + naQ.ID: {"na"}, "note_" + naQ.ID: {"typed note stays"}}
	res := e.post(c, base+"/assessment/"+naQ.Section, bad)
	b := body(res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b, `id="err-`+naQ.ID+`"`) || !strings.Contains(b, "typed note stays") || !strings.Contains(b, "justification") {
		t.Fatalf("N/A without reason: %d", res.StatusCode)
	}
	if ans, _ := db.For(p.ID).Answers(ctx, mustCurrent(t, e, p.ID)); len(ans) != 0 {
		t.Fatal("a refused page saved answers")
	}
	res = e.post(c, base+"/assessment/"+sec.ID, form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", res.StatusCode, body(res))
	}
	b = body(e.get(c, base+"/assessment/"+sec.ID))
	if !strings.Contains(b, "Only a paper checklist from 2019") || !strings.Contains(b, "Saved 1 answer") {
		t.Fatal("saved answer not shown again")
	}
	b = body(e.get(c, base+"/"))
	if !regexp.MustCompile(`id="answered">1<`).MatchString(b) {
		t.Fatal("dashboard does not count the answer")
	}
	list, _ := db.For(p.ID).Activity(ctx, store.ActivityFilter{})
	found := false
	for _, a := range list {
		if a.Action == "answers.saved" && a.Actor == as.user.Email {
			found = true
		}
	}
	if !found {
		t.Fatal("answer not in the activity log")
	}
}

func mustCurrent(t *testing.T, e *env, pid string) string {
	t.Helper()
	list, err := e.db.For(pid).Assessments(context.Background())
	if err != nil || len(list) == 0 {
		t.Fatalf("no assessment: %v", err)
	}
	return list[0].ID
}

func TestActivityExport(t *testing.T) {
	w := sqliteWorld(t)
	c := w.login(w.people["admin"])
	body(w.post(w.login(w.people["assessor"]), "/p/"+w.a.ID+"/assessment/"+w.sectionA, url.Values{}))
	res := w.get(c, "/p/"+w.a.ID+"/activity/export?format=csv")
	b := body(res)
	if res.StatusCode != 200 || !strings.HasPrefix(b, "id,at,actor") || !strings.Contains(res.Header.Get("Content-Disposition"), ".csv") {
		t.Fatalf("csv export: %d %.200s", res.StatusCode, b)
	}
	res = w.get(c, "/p/"+w.a.ID+"/activity/export?format=json")
	var list []map[string]any
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil || len(list) == 0 {
		t.Fatalf("json export: %v %d", err, len(list))
	}
}

func TestAPI(t *testing.T) {
	w := sqliteWorld(t)
	tok := w.token(w.people["assessor"])
	if res := w.api("GET", "/api/v1/practices", "", ""); res.StatusCode != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("no token: %d", res.StatusCode)
	}
	if res := w.api("GET", "/api/v1/practices", "sgp_nonsense", ""); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad token: %d", res.StatusCode)
	}
	base := "/api/v1/practices/" + w.a.ID
	res := w.api("PUT", base+"/assessments/"+w.assessA+"/answers", tok, `{"answers":[{"question_id":"NOPE-1","value":"yes"}]}`)
	if b := body(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(b, "unknown question") {
		t.Fatalf("bad answer: %d %s", res.StatusCode, b)
	}
	q := w.srv.cat.Questions[0]
	res = w.api("PUT", base+"/assessments/"+w.assessA+"/answers", tok, `{"answers":[{"question_id":"`+q.ID+`","value":"yes"}]}`)
	if b := body(res); res.StatusCode != http.StatusOK || !strings.Contains(b, "questions_answered") {
		t.Fatalf("answer: %d %s", res.StatusCode, b)
	}
	res = w.api("PUT", base+"/assessments/"+w.assessA+"/answers", tok, `{"answers":[],"extra":1}`)
	if b := body(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(b, "extra") {
		t.Fatalf("unknown field: %d %s", res.StatusCode, b)
	}
	for _, p := range []string{base + "/assessments/" + w.assessA + "/risks", base + "/assessments/" + w.assessA + "/plan", base + "/findings", "/api/v1/questions"} {
		if res := w.api("GET", p, tok, ""); res.StatusCode != 200 {
			t.Errorf("GET %s: %d", p, res.StatusCode)
		}
	}
}

// TestOpenAPIDocumentsEveryRoute checks the OpenAPI document against the route table, both ways.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	s := &Server{}
	routes := map[string]bool{}
	for _, rt := range s.routeTable() {
		if !rt.api() {
			continue
		}
		key := strings.ToLower(rt.Method) + " " + rt.Pattern
		routes[key] = true
		if _, ok := doc.Paths[rt.Pattern][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("route %s %s is not in openapi.json", rt.Method, rt.Pattern)
		}
	}
	for p, ops := range doc.Paths {
		for m := range ops {
			if !routes[m+" "+p] {
				t.Errorf("openapi.json documents %s %s, which does not exist", m, p)
			}
		}
	}
}

// TestIdleTimeoutSignsOut checks automatic logoff (164.312(a)(2)(iii)): a
// session unused for longer than the idle timeout no longer works.
func TestIdleTimeoutSignsOut(t *testing.T) {
	db := storetest.SQLite(t)
	e := newEnv(t, db, Config{IdleTimeout: time.Second})
	p := &hipaa.Practice{Name: "Lakeside"}
	if err := db.CreatePractice(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	c := e.login(e.addPerson("viewer@lakeside.example", auth.RoleViewer, p.ID))
	if res := e.get(c, "/p/"+p.ID+"/"); res.StatusCode != http.StatusOK {
		t.Fatalf("signed in: %d", res.StatusCode)
	}
	time.Sleep(1500 * time.Millisecond)
	res := e.get(c, "/p/"+p.ID+"/")
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?timeout=1") {
		t.Fatalf("after the idle timeout: %d %s", res.StatusCode, loc)
	}
	if b := body(e.get(c, res.Header.Get("Location"))); !strings.Contains(b, "signed out after a period without activity") {
		t.Fatal("no notice of the automatic sign-out")
	}
}

// TestBehindHTTPSProxy checks HSTS and Secure cookies when a trusted proxy
// terminates HTTPS, and that an untrusted peer cannot claim HTTPS.
func TestBehindHTTPSProxy(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	req, _ := http.NewRequest("GET", e.ts.URL+"/setup", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	res := e.do(e.client(), req)
	body(res)
	if !strings.Contains(res.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Fatal("no HSTS behind an HTTPS proxy")
	}
	p := &hipaa.Practice{Name: "Lakeside"}
	if err := e.db.CreatePractice(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	v := e.addPerson("viewer@lakeside.example", auth.RoleViewer, p.ID)
	res = e.post(e.client(), "/login", url.Values{"email": {v.user.Email}, "password": {testPassword}})
	body(res)
	found := false
	for _, c := range res.Cookies() {
		if c.Name == "safeguard_session" {
			found = true
			if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Fatalf("session cookie flags: %+v", c)
			}
		}
	}
	if !found {
		t.Fatal("no session cookie")
	}
	untrusted := newEnv(t, storetest.SQLite(t), Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.9.9.9/32")}})
	req, _ = http.NewRequest("GET", untrusted.ts.URL+"/setup", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	res = untrusted.do(untrusted.client(), req)
	body(res)
	if res.Header.Get("Strict-Transport-Security") != "" {
		t.Fatal("an untrusted peer turned on HSTS")
	}
}

func TestSessionCookieFlags(t *testing.T) {
	w := sqliteWorld(t)
	res := w.post(w.client(), "/login", url.Values{"email": {w.people["viewer"].user.Email}, "password": {testPassword}})
	body(res)
	found := false
	for _, c := range res.Cookies() {
		if c.Name == "safeguard_session" {
			found = true
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure {
				t.Fatalf("cookie flags over plain HTTP: %+v", c)
			}
		}
	}
	if !found {
		t.Fatal("no session cookie")
	}
}

func TestPasswordChangeAndNewPractice(t *testing.T) {
	w := sqliteWorld(t)
	owner := w.people["owner"]
	c := w.login(owner)
	res := w.post(c, "/account/password", url.Values{"current": {"wrong"}, "new": {"x"}, "new_confirm": {"x"}})
	if b := body(res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b, `id="current-err"`) {
		t.Fatalf("wrong current password: %d", res.StatusCode)
	}
	res = w.post(c, "/account/password", url.Values{"current": {testPassword}, "new": {"qwertyuiop123"}, "new_confirm": {"qwertyuiop123"}})
	if b := body(res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b, `id="new-err"`) {
		t.Fatalf("common new password: %d", res.StatusCode)
	}
	res = w.post(c, "/account/password", url.Values{"current": {testPassword}, "new": {"copper kettle meadow"}, "new_confirm": {"copper kettle meadow"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d %s", res.StatusCode, body(res))
	}
	if _, err := w.srv.auth.Authenticate(context.Background(), owner.user.Email, "copper kettle meadow"); err != nil {
		t.Fatalf("new password refused: %v", err)
	}
	res = w.post(c, "/practices", url.Values{"name": {"Hillcrest Dental"}, "time_zone": {"America/Denver"}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/p/prc_") {
		t.Fatalf("new practice: %d %s", res.StatusCode, body(res))
	}
	b := body(w.get(c, "/practices"))
	if !strings.Contains(b, "Hillcrest Dental") || !strings.Contains(b, w.a.Name) {
		t.Fatal("switcher does not list both practices")
	}
	// A viewer without an authenticator cannot become an owner this way.
	res = w.post(w.login(w.people["viewer"]), "/practices", url.Values{"name": {"Elsewhere Clinic"}})
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("viewer without MFA made a practice: %d", res.StatusCode)
	}
}

func TestMembers(t *testing.T) {
	w := sqliteWorld(t)
	admin := w.login(w.people["admin"])
	base := "/p/" + w.a.ID + "/members"
	res := w.post(admin, base, url.Values{"action": {"add"}, "email": {"new@a.example"}, "role": {"owner"}, "name": {"New Person"}, "password": {testPassword}})
	if b := body(res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b, "Only an owner") {
		t.Fatalf("admin made an owner: %d", res.StatusCode)
	}
	res = w.post(admin, base, url.Values{"action": {"add"}, "email": {"new@a.example"}, "role": {"assessor"}, "name": {"New Person"}, "password": {"short"}})
	if b := body(res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b, `id="password-err"`) || !strings.Contains(b, `value="New Person"`) {
		t.Fatalf("short password: %d", res.StatusCode)
	}
	res = w.post(admin, base, url.Values{"action": {"add"}, "email": {"new@a.example"}, "role": {"assessor"}, "name": {"New Person"}, "password": {testPassword}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d %s", res.StatusCode, body(res))
	}
	u, err := w.db.UserByEmail(context.Background(), "new@a.example")
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := w.srv.auth.Role(context.Background(), u.ID, w.a.ID); r != auth.RoleAssessor {
		t.Fatalf("role %q", r)
	}
	// An admin cannot demote the owner.
	res = w.post(admin, base, url.Values{"action": {"add"}, "email": {w.people["owner"].user.Email}, "role": {"viewer"}})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("admin demoted the owner: %d", res.StatusCode)
	}
	res = w.post(admin, base, url.Values{"action": {"remove"}, "email": {"new@a.example"}, "role": {"assessor"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", res.StatusCode)
	}
	if r, _ := w.srv.auth.Role(context.Background(), u.ID, w.a.ID); r != "" {
		t.Fatal("still a member")
	}
}

// TestEveryInputHasALabel checks the forms of every page an owner sees:
// each visible field has a label, by for= or by being inside one.
func TestEveryInputHasALabel(t *testing.T) {
	w := sqliteWorld(t)
	c := w.login(w.people["owner"])
	field := regexp.MustCompile(`(?s)(<label class="opt">\s*)?<(input|select|textarea)\b([^>]*)>`)
	idAttr := regexp.MustCompile(`\bid="([^"]+)"`)
	pages := []string{"/practices", "/account"}
	for _, rt := range w.srv.routes {
		if rt.Method == "GET" && rt.Access == inPractice && !strings.Contains(rt.Pattern, "export") {
			pages = append(pages, w.fill(rt.Pattern))
		}
	}
	for _, path := range pages {
		b := body(w.get(c, path))
		for _, m := range field.FindAllStringSubmatch(b, -1) {
			attrs := m[3]
			if strings.Contains(attrs, `type="hidden"`) || m[1] != "" {
				continue
			}
			id := idAttr.FindStringSubmatch(attrs)
			if id == nil || !strings.Contains(b, `for="`+id[1]+`"`) {
				t.Errorf("%s: field without a label: <%s%s>", path, m[2], attrs)
			}
		}
	}
	e := newEnv(t, storetest.SQLite(t), Config{})
	for _, path := range []string{"/setup", "/login"} {
		b := body(e.get(e.client(), path))
		for _, m := range field.FindAllStringSubmatch(b, -1) {
			if id := idAttr.FindStringSubmatch(m[3]); !strings.Contains(m[3], `type="hidden"`) && (id == nil || !strings.Contains(b, `for="`+id[1]+`"`)) {
				t.Errorf("%s: field without a label: %s", path, m[0])
			}
		}
	}
}

// upload sends a file as a multipart form, as a browser does.
func (e *env) upload(c *http.Client, path, question, filename string, data []byte) *http.Response {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("question_id", question)
	fw, _ := mw.CreateFormFile("file", filename)
	_, _ = fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", e.ts.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return e.do(c, req)
}

// uploadHX is upload as htmx sends it.
func (e *env) uploadHX(c *http.Client, path, question, filename string, data []byte) *http.Response {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("question_id", question)
	fw, _ := mw.CreateFormFile("file", filename)
	_, _ = fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", e.ts.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("HX-Request", "true")
	return e.do(c, req)
}

func TestEvidenceFiles(t *testing.T) {
	db := storetest.SQLite(t)
	e := newEnv(t, db, Config{MaxUpload: 64 << 10})
	ctx := context.Background()
	p := &hipaa.Practice{Name: "Lakeside Family Medicine"}
	if err := db.CreatePractice(ctx, p); err != nil {
		t.Fatal(err)
	}
	c := e.login(e.addPerson("assessor@lakeside.example", auth.RoleAssessor, p.ID))
	base := "/p/" + p.ID
	body(e.post(c, base+"/assessment/start", url.Values{}))
	q := e.srv.cat.Questions[0]
	res := e.upload(c, base+"/evidence", q.ID, `..\..\evil"name<script>.html`, []byte("<script>alert(1)</script>"))
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "#q-"+q.ID) {
		t.Fatalf("upload: %d %s", res.StatusCode, body(res))
	}
	page := body(e.get(c, base+"/assessment/"+q.Section))
	m := regexp.MustCompile(`href="(/p/[^"]+/evidence/(evd_[a-z0-9]+))"`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, "evilname&lt;script&gt;.html") {
		t.Fatal("attached file not listed beside its question")
	}
	res = e.get(c, m[1])
	b := body(res)
	if b != "<script>alert(1)</script>" || res.Header.Get("Content-Type") != "application/octet-stream" ||
		!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("download headers: %v", res.Header)
	}
	// From htmx, the answer is the question's evidence part alone.
	res = e.uploadHX(c, base+"/evidence", q.ID, "second.pdf", []byte("%PDF-1.4"))
	if b := body(res); res.StatusCode != 200 || strings.Contains(b, "<html") || !strings.Contains(b, `id="evb-`+q.ID+`"`) || !strings.Contains(b, "second.pdf") {
		t.Fatalf("htmx upload: %d %s", res.StatusCode, b)
	}
	res = e.uploadHX(c, base+"/evidence", q.ID, "big.pdf", bytes.Repeat([]byte("x"), 200<<10))
	if b := body(res); res.StatusCode != http.StatusRequestEntityTooLarge || res.Header.Get("HX-Retarget") != "#htmx-error" || !strings.Contains(b, "64 KiB") {
		t.Fatalf("oversized htmx upload: %d %v %s", res.StatusCode, res.Header, b)
	}
	res = e.upload(c, base+"/evidence", q.ID, "big.pdf", bytes.Repeat([]byte("x"), 200<<10))
	if b := body(res); res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(b, "64 KiB") {
		t.Fatalf("oversized upload: %d %s", res.StatusCode, b)
	}
	res = e.post(c, base+"/evidence/"+m[2]+"/delete", url.Values{})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if list, _ := db.For(p.ID).EvidenceList(ctx, mustCurrent(t, e, p.ID)); len(list) != 1 || list[0].Filename != "second.pdf" {
		t.Fatal("file not removed")
	}
	acts, _ := db.For(p.ID).Activity(ctx, store.ActivityFilter{})
	seen := map[string]bool{}
	for _, a := range acts {
		seen[a.Action] = true
	}
	if !seen["evidence.added"] || !seen["evidence.removed"] {
		t.Fatalf("activity: %v", seen)
	}
}
