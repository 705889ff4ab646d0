package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/safeguard-hipaa/safeguard/internal/auth"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/store/storetest"
)

// TestAuthorizationMatrix sends every practice route as every role, and as
// a member of another practice, through the pages and through the API. A
// role without the route's permission gets 403 and changes nothing; an
// outsider gets 404 and learns nothing; everyone else gets through.
func TestAuthorizationMatrix(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		clients := map[string]*http.Client{}
		tokens := map[string]string{}
		for name, p := range w.people {
			clients[name] = w.login(p)
			tokens[name] = w.token(p)
		}
		activity := func() int {
			list, err := db.For(w.a.ID).Activity(ctx, store.ActivityFilter{Limit: 100000})
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}
		checked := 0
		for _, rt := range w.srv.routes {
			if rt.Access != inPractice && rt.Access != apiPractice {
				continue
			}
			for name, p := range w.people {
				path := w.fill(rt.Pattern)
				var res *http.Response
				before := activity()
				if rt.api() {
					body := ""
					if rt.Method != "GET" {
						body = "{}"
					}
					res = w.api(rt.Method, path, tokens[name], body)
				} else if rt.Method == "GET" {
					res = w.get(clients[name], path)
				} else {
					res = w.post(clients[name], path, url.Values{})
				}
				msg := body(res)
				st := res.StatusCode
				switch {
				case name == "outsider":
					if st != http.StatusNotFound {
						t.Errorf("%s %s as a member of another practice: %d, want 404", rt.Method, rt.Pattern, st)
					}
				case !p.role.Allows(rt.Perm):
					if st != http.StatusForbidden {
						t.Errorf("%s %s as %s: %d, want 403", rt.Method, rt.Pattern, name, st)
					}
				default:
					if st == 401 || st == 403 || st == 404 || st >= 500 {
						t.Errorf("%s %s as %s: %d, want access: %.200s", rt.Method, rt.Pattern, name, st, msg)
					}
				}
				if (name == "outsider" || !p.role.Allows(rt.Perm)) && rt.Method != "GET" && activity() != before {
					t.Errorf("%s %s as %s was refused but changed the activity log", rt.Method, rt.Pattern, name)
				}
				checked++
			}
		}
		if checked < 100 {
			t.Fatalf("only %d route×role checks ran", checked)
		}
	})
}

// TestViewerCannotChange checks that nothing a viewer sends changes the
// risk register, and that a token without write access cannot write.
func TestViewerCannotChange(t *testing.T) {
	w := sqliteWorld(t)
	ctx := context.Background()
	v := w.people[string(auth.RoleViewer)]
	c := w.login(v)
	before, _, err := w.db.For(w.a.ID).Risk(ctx, w.riskA)
	if err != nil {
		t.Fatal(err)
	}
	res := w.post(c, "/p/"+w.a.ID+"/risks/"+w.riskA, url.Values{"treatment": {"accept"}, "status": {"done"}, "owner": {"Mallory"}, "likelihood": {"1"}, "impact": {"1"}})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("viewer risk edit: %d", res.StatusCode)
	}
	// An assessor's read-only token cannot write either.
	as := w.people[string(auth.RoleAssessor)]
	tok, _, err := w.srv.auth.CreateToken(ctx, as.user, "read only", []string{w.a.ID}, false)
	if err != nil {
		t.Fatal(err)
	}
	res = w.api("PATCH", "/api/v1/practices/"+w.a.ID+"/risks/"+w.riskA, tok, `{"owner":"Mallory"}`)
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("read-only token write: %d", res.StatusCode)
	}
	after, _, _ := w.db.For(w.a.ID).Risk(ctx, w.riskA)
	if after.Owner != before.Owner || after.Status != before.Status {
		t.Fatal("the risk changed")
	}
	// The assessor, with a write token, can.
	tok, _, _ = w.srv.auth.CreateToken(ctx, as.user, "rw", []string{w.a.ID}, true)
	res = w.api("PATCH", "/api/v1/practices/"+w.a.ID+"/risks/"+w.riskA, tok, `{"owner":"Jordan Blake"}`)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("assessor write: %d %s", res.StatusCode, body(res))
	}
	after, _, _ = w.db.For(w.a.ID).Risk(ctx, w.riskA)
	if after.Owner != "Jordan Blake" {
		t.Fatal("assessor's change not saved")
	}
}

// TestNoCrossPracticeReads checks that a member of practice B cannot reach
// practice A's records through B's own address (a guessed ID).
func TestNoCrossPracticeReads(t *testing.T) {
	w := sqliteWorld(t)
	out := w.people["outsider"]
	c := w.login(out)
	tok := w.token(out)
	for _, path := range []string{"/p/" + w.b.ID + "/risks/" + w.riskA} {
		if res := w.get(c, path); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, res.StatusCode)
		}
	}
	for _, path := range []string{
		"/api/v1/practices/" + w.b.ID + "/risks/" + w.riskA,
		"/api/v1/practices/" + w.b.ID + "/assessments/" + w.assessA,
		"/api/v1/practices/" + w.b.ID + "/assessments/" + w.assessA + "/answers",
	} {
		res := w.api("GET", path, tok, "")
		if b := body(res); res.StatusCode != http.StatusNotFound || strings.Contains(b, w.a.Name) {
			t.Errorf("GET %s: %d %.100s", path, res.StatusCode, b)
		}
	}
	res := w.api("GET", "/api/v1/practices", tok, "")
	if b := body(res); strings.Contains(b, w.a.ID) || !strings.Contains(b, w.b.ID) {
		t.Errorf("practice list leaks or misses: %s", b)
	}
	res = w.api("PATCH", "/api/v1/practices/"+w.b.ID+"/risks/"+w.riskA, tok, `{"owner":"x"}`)
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("cross-practice PATCH: %d", res.StatusCode)
	}
	// Nor can they revoke someone else's API token.
	owner := w.people["owner"]
	otok, rec, err := w.srv.auth.CreateToken(context.Background(), owner.user, "owner's", []string{w.a.ID}, false)
	if err != nil {
		t.Fatal(err)
	}
	if res := w.post(c, "/account/tokens/"+rec.ID+"/revoke", url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Errorf("revoking another person's token: %d", res.StatusCode)
	}
	if res := w.api("GET", "/api/v1/practices/"+w.a.ID, otok, ""); res.StatusCode != http.StatusOK {
		t.Errorf("the owner's token stopped working: %d", res.StatusCode)
	}
}
