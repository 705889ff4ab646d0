package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/auth"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// access says who may reach a route.
type access int

const (
	// public routes need no sign-in: setup, sign-in, static files.
	public access = iota
	// signedIn routes need a signed-in person but no practice.
	signedIn
	// inPractice routes act on the practice in the path ({pid}); the person
	// must belong to it with a role that grants the route's permission.
	inPractice
	// apiPublic routes are API routes anyone may read (the OpenAPI document).
	apiPublic
	// apiToken routes need a bearer token but no practice.
	apiToken
	// apiPractice routes need a bearer token scoped to the practice in the path.
	apiPractice
)

// route is one entry of the route table, which the tests walk.
type route struct {
	Method, Pattern string
	Access          access
	Perm            auth.Permission
	Handler         http.HandlerFunc
}

// api reports whether the route is part of the JSON API.
func (rt route) api() bool { return rt.Access >= apiPublic }

func (s *Server) routeTable() []route {
	return []route{
		{"GET", "/static/{file}", public, 0, s.static},
		{"GET", "/healthz", public, 0, s.health},
		{"GET", "/setup", public, 0, s.setupPage},
		{"POST", "/setup", public, 0, s.setupSubmit},
		{"GET", "/login", public, 0, s.loginPage},
		{"POST", "/login", public, 0, s.loginSubmit},
		{"GET", "/login/mfa", public, 0, s.mfaPage},
		{"POST", "/login/mfa", public, 0, s.mfaSubmit},
		{"GET", "/mfa/setup", public, 0, s.enrollPage},
		{"POST", "/mfa/setup", public, 0, s.enrollSubmit},
		{"POST", "/logout", public, 0, s.logout},

		{"GET", "/{$}", signedIn, 0, s.home},
		{"GET", "/practices", signedIn, 0, s.practicesPage},
		{"POST", "/practices", signedIn, 0, s.practiceCreate},
		{"GET", "/account", signedIn, 0, s.accountPage},
		{"POST", "/account/password", signedIn, 0, s.passwordChange},
		{"POST", "/account/tokens", signedIn, 0, s.tokenCreate},
		{"POST", "/account/tokens/{tid}/revoke", signedIn, 0, s.tokenRevoke},

		{"GET", "/p/{pid}/{$}", inPractice, auth.PermRead, s.dashboard},
		{"GET", "/p/{pid}/assessment", inPractice, auth.PermRead, s.assessmentPage},
		{"POST", "/p/{pid}/assessment/start", inPractice, auth.PermWrite, s.assessmentStart},
		{"POST", "/p/{pid}/assessment/finalize", inPractice, auth.PermManage, s.assessmentFinalize},
		{"GET", "/p/{pid}/assessment/{section}", inPractice, auth.PermRead, s.sectionPage},
		{"POST", "/p/{pid}/assessment/{section}", inPractice, auth.PermWrite, s.sectionSubmit},
		{"POST", "/p/{pid}/evidence", inPractice, auth.PermWrite, s.evidenceUpload},
		{"GET", "/p/{pid}/evidence/{eid}", inPractice, auth.PermRead, s.evidenceDownload},
		{"POST", "/p/{pid}/evidence/{eid}/delete", inPractice, auth.PermWrite, s.evidenceDelete},
		{"GET", "/p/{pid}/risks", inPractice, auth.PermRead, s.risksPage},
		{"GET", "/p/{pid}/risks/{rid}", inPractice, auth.PermRead, s.riskPage},
		{"POST", "/p/{pid}/risks/{rid}", inPractice, auth.PermWrite, s.riskSubmit},
		{"GET", "/p/{pid}/plan", inPractice, auth.PermRead, s.planPage},
		{"GET", "/p/{pid}/members", inPractice, auth.PermManage, s.membersPage},
		{"POST", "/p/{pid}/members", inPractice, auth.PermManage, s.memberSubmit},
		{"GET", "/p/{pid}/activity", inPractice, auth.PermManage, s.activityPage},
		{"GET", "/p/{pid}/activity/export", inPractice, auth.PermManage, s.activityExport},

		// inventory, network and governance pages
		{"GET", "/p/{pid}/assets", inPractice, auth.PermRead, s.assetsPage},
		{"GET", "/p/{pid}/assets/{asset}", inPractice, auth.PermRead, s.assetPage},
		{"GET", "/p/{pid}/network", inPractice, auth.PermRead, s.networkPage},
		{"GET", "/p/{pid}/network/map.svg", inPractice, auth.PermRead, s.networkMap},
		{"GET", "/p/{pid}/findings", inPractice, auth.PermRead, s.findingsPage},
		{"POST", "/p/{pid}/findings/{fid}/status", inPractice, auth.PermWrite, s.findingStatus},
		{"GET", "/p/{pid}/vendors", inPractice, auth.PermRead, s.vendorsPage},
		{"GET", "/p/{pid}/policies", inPractice, auth.PermRead, s.policiesPage},
		{"GET", "/p/{pid}/policies/{vid}", inPractice, auth.PermRead, s.policyDocument},
		{"GET", "/p/{pid}/incidents", inPractice, auth.PermRead, s.incidentsPage},
		{"GET", "/p/{pid}/reports", inPractice, auth.PermRead, s.reportsPage},
		{"GET", "/p/{pid}/reports/{kind}", inPractice, auth.PermRead, s.reportDownload},

		// continuous compliance
		{"GET", "/p/{pid}/quickcheck", inPractice, auth.PermRead, s.quickcheckPage},
		{"POST", "/p/{pid}/quickcheck", inPractice, auth.PermWrite, s.quickcheckSubmit},
		{"GET", "/p/{pid}/calendar", inPractice, auth.PermRead, s.calendarPage},
		{"POST", "/p/{pid}/calendar/done", inPractice, auth.PermWrite, s.dutyDone},
		{"POST", "/p/{pid}/calendar/feed", inPractice, auth.PermRead, s.feedCreate},
		{"POST", "/p/{pid}/calendar/feed/revoke", inPractice, auth.PermRead, s.feedRevoke},
		{"GET", "/calendar/{feed}", public, 0, s.feedICS},
		{"GET", "/api/v1/practices/{pid}/calendar", apiPractice, auth.PermRead, s.apiCalendar},

		{"GET", "/api/v1/openapi.json", apiPublic, 0, s.openapi},
		{"GET", "/api/v1/practices", apiToken, 0, s.apiPractices},
		{"GET", "/api/v1/questions", apiToken, 0, s.apiQuestions},
		{"GET", "/api/v1/practices/{pid}", apiPractice, auth.PermRead, s.apiPractice},
		{"GET", "/api/v1/practices/{pid}/assessments", apiPractice, auth.PermRead, s.apiAssessments},
		{"POST", "/api/v1/practices/{pid}/assessments", apiPractice, auth.PermWrite, s.apiStartAssessment},
		{"GET", "/api/v1/practices/{pid}/assessments/{aid}", apiPractice, auth.PermRead, s.apiAssessment},
		{"GET", "/api/v1/practices/{pid}/assessments/{aid}/answers", apiPractice, auth.PermRead, s.apiAnswers},
		{"PUT", "/api/v1/practices/{pid}/assessments/{aid}/answers", apiPractice, auth.PermWrite, s.apiPutAnswers},
		{"GET", "/api/v1/practices/{pid}/assessments/{aid}/risks", apiPractice, auth.PermRead, s.apiRisks},
		{"GET", "/api/v1/practices/{pid}/assessments/{aid}/plan", apiPractice, auth.PermRead, s.apiPlan},
		{"GET", "/api/v1/practices/{pid}/risks/{rid}", apiPractice, auth.PermRead, s.apiRisk},
		{"PATCH", "/api/v1/practices/{pid}/risks/{rid}", apiPractice, auth.PermWrite, s.apiUpdateRisk},
		{"GET", "/api/v1/practices/{pid}/findings", apiPractice, auth.PermRead, s.apiFindings},
	}
}

// build wires the route table into one handler with its middleware. Every
// state-changing request passes the cross-origin check.
func (s *Server) build() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes {
		var h http.Handler = rt.Handler
		switch rt.Access {
		case signedIn:
			h = s.requireUser(h)
		case inPractice:
			h = s.requireUser(s.requirePractice(rt.Perm, h))
		case apiToken:
			h = s.requireToken(h)
		case apiPractice:
			h = s.requireToken(s.requireTokenPractice(rt.Perm, h))
		}
		if !rt.api() && rt.Pattern != "/static/{file}" && rt.Pattern != "/healthz" {
			h = s.sessions.LoadAndSave(h)
		}
		mux.Handle(rt.Method+" "+rt.Pattern, h)
	}
	mux.HandleFunc("/", s.notFound)
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errCrossOrigin)
	}))
	return s.secure(s.recoverPanics(cop.Handler(s.limitBody(mux))))
}

var errCrossOrigin = &hipaa.Error{Code: "forbidden", Message: "this request came from another site and was refused: use Safeguard's own pages"}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, hipaa.Errorf(hipaa.ENotFound, "there is no page at this address"))
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// requireUser lets through a fully signed-in person, else sends them to sign in.
func (s *Server) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		uid := s.sessions.GetString(ctx, sessUser)
		if uid == "" {
			s.toLogin(w, r)
			return
		}
		// Automatic logoff (164.312(a)(2)(iii)): a session unused for longer
		// than the idle timeout ends.
		now := time.Now()
		seen := time.UnixMilli(s.sessions.GetInt64(ctx, sessSeen))
		if idle := now.Sub(seen); idle > s.cfg.IdleTimeout {
			_ = s.sessions.RenewToken(ctx)
			s.sessions.Remove(ctx, sessUser)
			s.toLogin(w, r)
			return
		} else if idle > min(time.Minute, s.cfg.IdleTimeout/10) {
			s.sessions.Put(ctx, sessSeen, now.UnixMilli())
		}
		u, err := s.db.User(r.Context(), uid)
		if err != nil || u.Disabled {
			_ = s.sessions.Destroy(r.Context())
			s.toLogin(w, r)
			return
		}
		next.ServeHTTP(w, withInfo(r, &reqInfo{User: u}))
	})
}

func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	to := "/login?"
	if _, err := r.Cookie(s.sessions.Cookie.Name); err == nil {
		to += "timeout=1&" // a session cookie without a session: signed out while away
	}
	if r.Method == http.MethodGet {
		to += "next=" + urlQueryEscape(r.URL.RequestURI())
	}
	redirect(w, r, strings.TrimSuffix(to, "&"))
}

// errForbidden is a role that does not allow an action.
var errForbidden = &hipaa.Error{Code: "forbidden", Message: "your role in this practice does not allow this: ask an administrator"}

// errNoPractice hides whether a practice the person does not belong to exists.
var errNoPractice = hipaa.Errorf(hipaa.ENotFound, "no such practice among yours: choose one from Practices")

// requirePractice loads the practice in the path if the person belongs to it
// with a role that grants perm.
func (s *Server) requirePractice(perm auth.Permission, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := info(r)
		pid := r.PathValue("pid")
		ms, err := s.db.MemberPractices(r.Context(), in.User.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		in.Memberships = ms
		var p *hipaa.Practice
		var role auth.Role
		for _, m := range ms {
			if m.Practice.ID == pid {
				p, role = m.Practice, auth.Role(m.Role)
			}
		}
		if p == nil {
			s.fail(w, r, errNoPractice)
			return
		}
		if !role.Allows(perm) {
			s.fail(w, r, errForbidden)
			return
		}
		in.Practice, in.Role = p, role
		if s.sessions.GetString(r.Context(), sessPractice) != p.ID {
			s.sessions.Put(r.Context(), sessPractice, p.ID)
		}
		next.ServeHTTP(w, r)
	})
}

// requireToken checks the bearer token of an API request.
func (s *Server) requireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="safeguard"`)
			s.fail(w, r, errNoToken)
			return
		}
		t, u, err := s.auth.AuthenticateToken(r.Context(), strings.TrimSpace(tok))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="safeguard", error="invalid_token"`)
			s.fail(w, r, errNoToken)
			return
		}
		next.ServeHTTP(w, withInfo(r, &reqInfo{User: u, Token: t}))
	})
}

var errNoToken = &hipaa.Error{Code: "unauthorized", Message: "this API needs a valid personal token: send it as \"Authorization: Bearer sgp_…\" (create one under Account in the web app)"}

// requireTokenPractice checks that the token covers the practice in the path,
// that its person still belongs to it, and that both allow perm.
func (s *Server) requireTokenPractice(perm auth.Permission, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := info(r)
		pid := r.PathValue("pid")
		covered := false
		for _, p := range in.Token.Practices {
			covered = covered || p == pid
		}
		role, err := s.auth.Role(r.Context(), in.User.ID, pid)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !covered || role == "" {
			s.fail(w, r, errNoPractice)
			return
		}
		if !role.Allows(perm) || (perm >= auth.PermWrite && !in.Token.CanWrite) {
			s.fail(w, r, errForbidden)
			return
		}
		p, err := s.db.FindPractice(r.Context(), pid)
		if err != nil || p.ID != pid {
			s.fail(w, r, errNoPractice)
			return
		}
		in.Practice, in.Role = p, role
		next.ServeHTTP(w, r)
	})
}
