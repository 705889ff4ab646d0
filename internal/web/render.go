package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/auth"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Session keys.
const (
	sessUser     = "uid"         // fully signed in
	sessPending  = "pending_uid" // password checked, second factor due
	sessEnroll   = "enroll_uid"  // password checked, authenticator must be set up
	sessPractice = "practice"    // the practice last worked on
	sessFlash    = "flash"
	sessSeen     = "seen"           // when the person last made a request, in Unix milliseconds
	sessCodes    = "recovery_codes" // shown once after setting up the authenticator
)

// pages holds every page template, parsed once at start-up.
type pages struct {
	byName map[string]*template.Template
}

var assetVersion = sync.OnceValue(func() string {
	h := sha256.New()
	_ = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := staticFS.ReadFile(p)
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
})

var funcs = template.FuncMap{
	"asset": func(name string) string { return "/static/" + name + "?v=" + assetVersion() },
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02")
	},
	"datetime": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"levelLabel": func(l hipaa.Level) string {
		if l == "" {
			return ""
		}
		return strings.ToUpper(string(l[:1])) + string(l[1:])
	},
	"statusLabel": func(s hipaa.RiskStatus) string { return strings.ReplaceAll(string(s), "_", " ") },
	"pct": func(a, b int) int {
		if b == 0 {
			return 0
		}
		return a * 100 / b
	},
	"add": func(a, b int) int { return a + b },
	"actionLabel": func(a string) string {
		s := strings.NewReplacer(".", " ", "_", " ").Replace(a)
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
	"join": strings.Join,
	"size": sizeLabel,
	"json": func(v any) string { b, _ := json.Marshal(v); return string(b) },
	"eq1":  func(a, b string) bool { return a == b },
	"contains": func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	},
}

// parsePages parses the layout with each page. A broken template fails here,
// at start-up, not when someone opens the page.
func parsePages() (*pages, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		name := path.Base(n)
		if name == "layout.html" || name == "partials.html" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		p.byName[strings.TrimSuffix(name, ".html")] = t
	}
	return p, nil
}

// navItem is an entry of the practice menu. Entries without a path are
// pages still to come, and are not shown.
type navItem struct {
	Key, Label, Path string
	Perm             auth.Permission
}

// practiceNav lists the practice menu. Pages for inventory, network, access
// review, vendors, policies, incidents and reports are added here, with their
// routes in routeTable, as they are built; until then they have no path and stay hidden.
var practiceNav = []navItem{
	{Key: "dashboard", Label: "Dashboard", Path: "/", Perm: auth.PermRead},
	{Key: "quickcheck", Label: "Quick check", Path: "/quickcheck", Perm: auth.PermRead},
	{Key: "assessment", Label: "Questionnaire", Path: "/assessment", Perm: auth.PermRead},
	{Key: "risks", Label: "Risk register", Path: "/risks", Perm: auth.PermRead},
	{Key: "plan", Label: "Plan", Path: "/plan", Perm: auth.PermRead},
	{Key: "calendar", Label: "Calendar", Path: "/calendar", Perm: auth.PermRead},
	{Key: "inventory", Label: "Inventory", Path: "/assets", Perm: auth.PermRead},
	{Key: "network", Label: "Network", Path: "/network", Perm: auth.PermRead},
	{Key: "findings", Label: "Findings", Path: "/findings", Perm: auth.PermRead},
	{Key: "access", Label: "Access review"},
	{Key: "vendors", Label: "Vendors", Path: "/vendors", Perm: auth.PermRead},
	{Key: "policies", Label: "Policies", Path: "/policies", Perm: auth.PermRead},
	{Key: "incidents", Label: "Incidents", Path: "/incidents", Perm: auth.PermRead},
	{Key: "reports", Label: "Reports", Path: "/reports", Perm: auth.PermRead},
	{Key: "members", Label: "People", Path: "/members", Perm: auth.PermManage},
	{Key: "activity", Label: "Activity log", Path: "/activity", Perm: auth.PermManage},
}

// view is what every page template gets.
type view struct {
	Title     string
	Active    string
	User      *store.User
	Practice  *hipaa.Practice
	Role      auth.Role
	Nav       []navLink
	Practices []practiceLink
	Flash     string
	Errors    map[string]string // field name → message
	Error     string            // a message for the whole form
	Data      any
}

type navLink struct {
	Label, Href string
	Active      bool
}

type practiceLink struct {
	ID, Name string
	Role     auth.Role
	Current  bool
}

// newView fills the parts of a view every page shares.
func (s *Server) newView(r *http.Request, title, active string, data any) *view {
	in := info(r)
	v := &view{Title: title, Active: active, User: in.User, Practice: in.Practice, Role: in.Role, Data: data, Errors: map[string]string{}}
	if in.Practice != nil {
		for _, n := range practiceNav {
			if n.Path == "" || !in.Role.Allows(n.Perm) {
				continue
			}
			href := "/p/" + in.Practice.ID + n.Path
			v.Nav = append(v.Nav, navLink{Label: n.Label, Href: href, Active: n.Key == active})
		}
	}
	if in.User != nil {
		v.Practices = s.practiceLinks(r, in)
		v.Flash = s.sessions.PopString(r.Context(), sessFlash)
	}
	return v
}

func (s *Server) practiceLinks(r *http.Request, in *reqInfo) []practiceLink {
	ms := in.Memberships
	if ms == nil {
		var err error
		if ms, err = s.db.MemberPractices(r.Context(), in.User.ID); err != nil {
			return nil
		}
	}
	var out []practiceLink
	for _, m := range ms {
		p := m.Practice
		out = append(out, practiceLink{ID: p.ID, Name: p.Name, Role: auth.Role(m.Role), Current: in.Practice != nil && in.Practice.ID == p.ID})
	}
	return out
}

// render writes a page. The page is rendered to a buffer first, so a
// template error never sends half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	t, ok := s.pages.byName[name]
	if !ok {
		s.fail(w, r, fmt.Errorf("web: no template %q", name))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.log.Error("template failed", "page", name, "err", err)
		http.Error(w, "Something went wrong while showing this page. Please try again.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// statusOf maps an error to an HTTP status.
func statusOf(err error) int {
	var tl errTooLarge
	if errors.As(err, &tl) {
		return http.StatusRequestEntityTooLarge
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	switch hipaa.ErrorCodeOf(err) {
	case hipaa.EInvalid:
		return http.StatusBadRequest
	case hipaa.ENotFound:
		return http.StatusNotFound
	case hipaa.EConflict:
		return http.StatusConflict
	case "forbidden":
		return http.StatusForbidden
	case "unauthorized":
		return http.StatusUnauthorized
	case "too_many":
		return http.StatusTooManyRequests
	case hipaa.EUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// publicMessage is what a person may read about an error: the message of a
// user-facing error, never the text of an internal or environment failure.
func publicMessage(err error) string {
	var tl errTooLarge
	if errors.As(err, &tl) {
		return tl.Error()
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge{limit: mbe.Limit}.Error()
	}
	switch hipaa.ErrorCodeOf(err) {
	case hipaa.EUnavailable:
		return "Safeguard cannot reach its database right now. Please try again in a minute; if it keeps happening, tell whoever runs Safeguard."
	case hipaa.EInternal:
		return "Something went wrong on our side. Please try again; if it keeps happening, tell whoever runs Safeguard."
	}
	return hipaa.ErrorMessage(err)
}

// fail answers a request with an error: JSON for the API, a page otherwise.
// Internal details go to the log only.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	msg := publicMessage(err)
	if status >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		code := string(hipaa.ErrorCodeOf(err))
		if status == http.StatusRequestEntityTooLarge {
			code = "too_large"
		}
		writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
		return
	}
	if partial(r) {
		// A part of a page asked for by htmx: show the message in the page's
		// alert area instead of swapping an error page into the part.
		w.Header().Set("HX-Retarget", "#htmx-error")
		w.Header().Set("HX-Reswap", "innerHTML")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte("<p>" + template.HTMLEscapeString(msg) + "</p>"))
		return
	}
	v := &view{Title: http.StatusText(status), Error: msg, Data: status, Errors: map[string]string{}}
	if in := info(r); in.User != nil {
		v.User = in.User
	}
	s.render(w, r, status, "error", v)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// redirect sends the browser on after a form, htmx or not.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Location", to)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.Contains(next, "\n") {
		return "/"
	}
	return next
}

// static serves an embedded asset. Versioned URLs are cached for a year.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil || strings.Contains(name, "..") {
		http.NotFound(w, r)
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	if r.URL.Query().Get("v") == assetVersion() {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	_, _ = w.Write(b)
}
