package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/auth"
	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/demo"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/store/storetest"
)

func init() { auth.HashParams = auth.Params{Time: 1, Memory: 1024, Threads: 1} }

// testPassword is every test account's password.
const testPassword = "granite lantern oboe"

// clock is a settable clock running alongside real time, so that sessions
// (which keep real time) still work while tests move time forward.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// env is a running test server with its database.
type env struct {
	t     *testing.T
	db    *store.DB
	srv   *Server
	ts    *httptest.Server
	clock *clock
}

func newEnv(t *testing.T, db *store.DB, cfg Config) *env {
	t.Helper()
	cat := catalog.MustDefault()
	c := &clock{}
	db.SetClock(c.now)
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := New(db, cat, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return &env{t: t, db: db, srv: s, ts: ts, clock: c}
}

// person is a test account with its role and authenticator secret.
type person struct {
	user   *store.User
	role   auth.Role
	secret string
}

// addPerson creates an account with a role in a practice; owners and
// admins get an authenticator.
func (e *env) addPerson(email string, role auth.Role, practiceID string) *person {
	e.t.Helper()
	ctx := context.Background()
	a := e.srv.auth
	u, err := a.CreateUser(ctx, email, "Test "+string(role), testPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.SetMembership(ctx, u.ID, practiceID, string(role)); err != nil {
		e.t.Fatal(err)
	}
	p := &person{user: u, role: role}
	if role.NeedsMFA() {
		secret, _, err := a.BeginMFA(ctx, u)
		if err != nil {
			e.t.Fatal(err)
		}
		if _, err := a.ConfirmMFA(ctx, u, e.code(secret)); err != nil {
			e.t.Fatal(err)
		}
		p.secret = secret
	}
	return p
}

// code returns a fresh TOTP code, moving the clock on a step so that no code is reused.
func (e *env) code(secret string) string {
	e.clock.advance(30 * time.Second)
	c, err := auth.TOTPCode(secret, e.clock.now())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// client is a browser-like HTTP client with a cookie jar that does not follow redirects.
func (e *env) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login signs a person in through the pages and returns their client.
func (e *env) login(p *person) *http.Client {
	e.t.Helper()
	c := e.client()
	res := e.post(c, "/login", url.Values{"email": {p.user.Email}, "password": {testPassword}})
	if res.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login %s: %d %s", p.user.Email, res.StatusCode, body(res))
	}
	if p.secret != "" {
		if loc := res.Header.Get("Location"); loc != "/login/mfa" {
			e.t.Fatalf("login %s: sent to %s, not the code page", p.user.Email, loc)
		}
		res = e.post(c, "/login/mfa", url.Values{"code": {e.code(p.secret)}})
		if res.StatusCode != http.StatusSeeOther {
			e.t.Fatalf("mfa %s: %d %s", p.user.Email, res.StatusCode, body(res))
		}
	}
	return c
}

func (e *env) do(c *http.Client, req *http.Request) *http.Response {
	e.t.Helper()
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

func (e *env) get(c *http.Client, path string) *http.Response {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.ts.URL+path, nil)
	return e.do(c, req)
}

func (e *env) post(c *http.Client, path string, form url.Values) *http.Response {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(c, req)
}

func (e *env) api(method, path, token, jsonBody string) *http.Response {
	e.t.Helper()
	var rd io.Reader
	if jsonBody != "" {
		rd = strings.NewReader(jsonBody)
	}
	req, _ := http.NewRequest(method, e.ts.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if jsonBody != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.do(http.DefaultClient, req)
}

func body(res *http.Response) string {
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return string(b)
}

// world is two practices: A (the demo practice, with an assessment and
// risks) with one member of each role, and B with one assessor.
type world struct {
	*env
	a, b     *hipaa.Practice
	people   map[string]*person // by role name, plus "outsider" (B's assessor)
	riskA    string
	assessA  string
	sectionA string
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	res, err := demo.Build(ctx, db, catalog.MustDefault())
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db, Config{})
	w := &world{env: e, a: res.Practice, people: map[string]*person{}, assessA: res.Current.ID}
	w.b = &hipaa.Practice{Name: "Hillcrest Pediatrics"}
	if err := db.CreatePractice(ctx, w.b); err != nil {
		t.Fatal(err)
	}
	for _, r := range auth.Roles {
		w.people[string(r)] = e.addPerson(string(r)+"@a.example", r, w.a.ID)
	}
	w.people["outsider"] = e.addPerson("assessor@b.example", auth.RoleAssessor, w.b.ID)
	risks, err := db.For(w.a.ID).Risks(ctx, res.Current.ID, store.RiskFilter{})
	if err != nil || len(risks) == 0 {
		t.Fatalf("demo practice has no risks: %v", err)
	}
	w.riskA = risks[0].ID
	w.sectionA = catalog.MustDefault().Sections[0].ID
	return w
}

// token makes a read/write API token for a person over their own practices.
func (w *world) token(p *person) string {
	w.t.Helper()
	ms, err := w.db.Memberships(context.Background(), p.user.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.PracticeID)
	}
	tok, _, err := w.srv.auth.CreateToken(context.Background(), p.user, "test", ids, true)
	if err != nil {
		w.t.Fatal(err)
	}
	return tok
}

// fill puts the world's IDs into a route pattern. Each call with {eid}
// attaches a fresh evidence file, since a route may delete it.
func (w *world) fill(pattern string) string {
	eid := "evd_none"
	if strings.Contains(pattern, "{eid}") {
		e := &store.Evidence{AssessmentID: w.assessA, QuestionID: w.srv.cat.Questions[0].ID, Filename: "policy.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 test")}
		if err := w.db.For(w.a.ID).AddEvidence(context.Background(), e); err != nil {
			w.t.Fatal(err)
		}
		eid = e.ID
	}
	r := strings.NewReplacer("{eid}", eid, "{pid}", w.a.ID, "{rid}", w.riskA, "{aid}", w.assessA, "{section}", w.sectionA, "{$}", "", "{file}", "app.css", "{tid}", "tok_none")
	return w.fillRecords(r.Replace(pattern))
}

func sqliteWorld(t *testing.T) *world { return newWorld(t, storetest.SQLite(t)) }
