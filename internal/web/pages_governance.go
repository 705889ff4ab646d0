package web

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/auth"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/incident"
	"github.com/safeguard-hipaa/safeguard/internal/policy"
	"github.com/safeguard-hipaa/safeguard/internal/report"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/vendors"
)

// sourceLabels names the analyzers for people.
var sourceLabels = map[string]string{
	"inventory": "Inventory",
	"netseg":    "Network segmentation",
	"vulnfeed":  "Known vulnerabilities and end of support",
	"vendors":   "Vendors and BAAs",
	"policy":    "Policies",
	"incident":  "Incidents",
	"workforce": "Workforce and training",
	"accesslog": "Access review",
}

func sourceLabel(s string) string {
	if l, ok := sourceLabels[s]; ok {
		return l
	}
	return s
}

type findingsData struct {
	Findings []*hipaa.Finding
	Sources  []kindOption
	Source   string
	Severity string
	Status   string
	CanWrite bool
}

// findingsPage lists what every analyzer found.
func (s *Server) findingsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	d := &findingsData{Source: q.Get("source"), Severity: q.Get("severity"), Status: q.Get("status"), CanWrite: info(r).Role.Allows(auth.PermWrite)}
	all, err := s.service(r).Scope.Findings(ctx, store.FindingFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	counts := map[string]int{}
	min := hipaa.Severity(d.Severity).Rank()
	for _, f := range all {
		counts[f.Source]++
		if d.Source != "" && f.Source != d.Source {
			continue
		}
		if d.Severity != "" && f.Severity.Rank() < min {
			continue
		}
		switch d.Status {
		case "":
			if f.Status == hipaa.FindingResolved || f.Status == hipaa.FindingDismissed {
				continue
			}
		case "all":
		default:
			if string(f.Status) != d.Status {
				continue
			}
		}
		d.Findings = append(d.Findings, f)
	}
	for src, n := range counts {
		d.Sources = append(d.Sources, kindOption{Value: src, Label: sourceLabel(src), Count: n})
	}
	sort.Slice(d.Sources, func(i, j int) bool { return d.Sources[i].Label < d.Sources[j].Label })
	s.render(w, r, http.StatusOK, "findings", s.newView(r, "Findings", "findings", d))
}

// findingStatus records a review of a finding and re-evaluates the draft
// risk analysis.
func (s *Server) findingStatus(w http.ResponseWriter, r *http.Request) {
	st := hipaa.FindingStatus(r.PostFormValue("status"))
	if err := s.service(r).SetFindingStatus(r.Context(), r.PathValue("fid"), st); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), sessFlash, "Finding marked "+string(st)+". The risk register was updated.")
	back := "/p/" + info(r).Practice.ID + "/findings"
	if ref := r.PostFormValue("back"); ref != "" {
		back = safeNext(ref)
	}
	redirect(w, r, back)
}

type vendorRow struct {
	V        *vendors.Vendor
	Findings []*hipaa.Finding
	Missing  int
}

type vendorsData struct {
	Rows  []vendorRow
	Today string
}

// vendorsPage lists vendors with their BAA status and findings.
func (s *Server) vendorsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sc := s.service(r).Scope
	list, err := sc.Vendors(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fs, err := sc.Findings(ctx, store.FindingFilter{Source: vendors.Source})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fs = openOnly(fs)
	d := &vendorsData{Today: app.Today(info(r).Practice, s.db.Now())}
	for _, v := range list {
		row := vendorRow{V: v, Missing: len(v.TermsMissing())}
		for _, f := range fs {
			if f.Subject == v.Name || f.Subject == v.ID || strings.Contains(f.Fingerprint, "|"+v.ID) {
				row.Findings = append(row.Findings, f)
			}
		}
		d.Rows = append(d.Rows, row)
	}
	s.render(w, r, http.StatusOK, "vendors", s.newView(r, "Vendors", "vendors", d))
}

type policiesData struct {
	Versions []*policy.Version
	Findings []*hipaa.Finding
	Today    string
}

// policiesPage lists the policy versions.
func (s *Server) policiesPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sc := s.service(r).Scope
	vs, err := sc.PolicyVersions(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fs, err := sc.Findings(ctx, store.FindingFilter{Source: policy.Source})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sort.SliceStable(vs, func(i, j int) bool {
		if vs[i].Title != vs[j].Title {
			return vs[i].Title < vs[j].Title
		}
		return vs[i].Version > vs[j].Version
	})
	d := &policiesData{Versions: vs, Findings: openOnly(fs), Today: app.Today(info(r).Practice, s.db.Now())}
	s.render(w, r, http.StatusOK, "policies", s.newView(r, "Policies", "policies", d))
}

// documentCSP lets a self-contained document we generated (a policy, a
// report) use its own embedded styles, and nothing else.
const documentCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"

// policyDocument shows one policy version as its printable HTML document.
// The document is made by html/template, which escapes every text the
// practice entered; it is served with its own narrow policy because it
// carries its print styles inline.
func (s *Server) policyDocument(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, err := s.service(r).Scope.PolicyVersion(ctx, r.PathValue("vid"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := policy.RenderHTML([]*policy.Version{v}, info(r).Practice.Name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", documentCSP)
	_, _ = w.Write(b)
}

type incidentRow struct {
	I       *incident.Incident
	Next    *incident.DeadlineStatus
	Overdue bool
}

type incidentsData struct {
	Rows  []incidentRow
	Today string
}

// incidentsPage shows the incident log with breach notice deadlines.
func (s *Server) incidentsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	list, err := s.service(r).Scope.Incidents(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := &incidentsData{Today: app.Today(info(r).Practice, s.db.Now())}
	for _, in := range list {
		if len(in.Deadlines) == 0 {
			in.Deadlines = in.Schedule()
		}
		row := incidentRow{I: in}
		for i := range in.Deadlines {
			dl := &in.Deadlines[i]
			if dl.SentOn == "" && dl.Due != "" && (row.Next == nil || dl.Due < row.Next.Due) {
				row.Next = dl
			}
		}
		row.Overdue = row.Next != nil && row.Next.Due < d.Today
		d.Rows = append(d.Rows, row)
	}
	s.render(w, r, http.StatusOK, "incidents", s.newView(r, "Incidents", "incidents", d))
}

type reportsData struct {
	Assessment *hipaa.Assessment
	Kinds      []reportKind
}

type reportKind struct {
	Kind, Title, About string
}

// reportsPage offers the audit documents for download.
func (s *Server) reportsPage(w http.ResponseWriter, r *http.Request) {
	a, err := s.service(r).Current(r.Context(), "")
	if err != nil && !hipaa.IsNotFound(err) {
		s.fail(w, r, err)
		return
	}
	d := &reportsData{Assessment: a, Kinds: []reportKind{
		{string(report.KindAnalysis), report.KindAnalysis.Title(), "The risk analysis itself: scope, method, every risk with its likelihood and impact, the findings behind them, and the status of each standard (164.308(a)(1)(ii)(A))."},
		{string(report.KindPlan), report.KindPlan.Title(), "What the practice will do about each risk, by priority, with owners and due dates (164.308(a)(1)(ii)(B))."},
		{string(report.KindSummary), report.KindSummary.Title(), "A short summary for the practice owner: the score, the top risks in plain words and the next steps."},
	}}
	s.render(w, r, http.StatusOK, "reports", s.newView(r, "Reports", "reports", d))
}

// reportDownload builds a report of the current assessment and sends it as
// a file: PDF unless ?format= asks for html or xlsx.
func (s *Server) reportDownload(w http.ResponseWriter, r *http.Request) {
	k, err := report.ParseKind(r.PathValue("kind"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := r.URL.Query().Get("format")
	if name == "" {
		name = string(report.FormatPDF)
	}
	f, err := report.ParseFormat(name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f != report.FormatHTML && f != report.FormatPDF && f != report.FormatXLSX {
		s.fail(w, r, hipaa.Errorf(hipaa.EInvalid, "format %q is not offered here: choose html, pdf or xlsx", f))
		return
	}
	m, err := report.Build(r.Context(), s.service(r), report.Options{Generator: "safeguard web"})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := report.Render(&buf, m, f, k); err != nil {
		s.fail(w, r, hipaa.WrapError(hipaa.EInternal, err, "cannot render the %s report", f))
		return
	}
	name = fmt.Sprintf("%s-%s%s", strings.ReplaceAll(strings.ToLower(k.Title()), " ", "-"), m.Document.Version, f.Extension())
	name = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '-'
	}, strings.ToLower(name))
	h := w.Header()
	h.Set("Content-Type", f.MediaType())
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Content-Security-Policy", documentCSP)
	_, _ = w.Write(buf.Bytes())
}

func init() {
	funcs["sevLabel"] = func(s hipaa.Severity) string {
		if s == "" {
			return ""
		}
		return strings.ToUpper(string(s[:1])) + string(s[1:])
	}
	funcs["sourceLabel"] = sourceLabel
	funcs["baaLabel"] = func(b vendors.BAAStatus) string {
		switch b {
		case vendors.BAANone:
			return "No BAA"
		case vendors.BAARequested:
			return "Requested, not signed"
		case vendors.BAASigned:
			return "Signed"
		case vendors.BAAExpired:
			return "Expired"
		case vendors.BAATerminated:
			return "Ended"
		}
		return string(b)
	}
}
