package web

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/incident"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// fillRecords puts IDs of practice A's own records into a route path: an
// asset, a finding, a policy version and a report kind. A record the world
// lacks gets a placeholder, which the route then answers with 404.
func (w *world) fillRecords(path string) string {
	if !strings.ContainsAny(path, "{") {
		return path
	}
	ctx := context.Background()
	sc := w.db.For(w.a.ID)
	asset, fid, vid := "ast_none", "fnd_none", "pol_none"
	if list, err := sc.Assets(ctx); err == nil && len(list) > 0 {
		asset = list[0].ID
	}
	if list, err := sc.Findings(ctx, store.FindingFilter{}); err == nil && len(list) > 0 {
		fid = list[0].ID
	}
	if list, err := sc.PolicyVersions(ctx); err == nil && len(list) > 0 {
		vid = list[0].ID
	}
	return strings.NewReplacer("{asset}", asset, "{fid}", fid, "{vid}", vid, "{kind}", "summary").Replace(path)
}

// seedNetwork gives practice B a zone file and a spreadsheet inventory of
// its own, so that pages can be checked for showing only their own
// practice's records. Practice A gets a small network too if the demo data
// brought none.
func seedNetwork(t *testing.T, w *world) {
	t.Helper()
	ctx := context.Background()
	seed := func(pid, zones, csv string) {
		svc := app.New(w.srv.cat, w.db.For(pid), "test")
		if _, _, err := svc.ImportZones(ctx, "zones.yaml", []byte(zones)); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ImportAssets(ctx, app.AssetFile{Kind: app.AssetFileCSV, Name: "assets.csv", Data: []byte(csv)}); err != nil {
			t.Fatal(err)
		}
	}
	seed(w.b.ID, "zones:\n  - name: front-desk\n    kind: workstation\n    cidrs: [10.9.1.0/24]\n  - name: visitors\n    kind: guest\n    cidrs: [10.9.9.0/24]\n",
		"name,kind,ip,os_name\nHILLCREST-RECEPTION,workstation,10.9.1.20,Windows 11\n")
	if list, err := w.db.For(w.a.ID).Assets(ctx); err == nil && len(list) > 0 {
		return
	}
	seed(w.a.ID, "zones:\n  - name: office\n    kind: workstation\n    cidrs: [10.20.10.0/24]\n  - name: imaging\n    kind: medical\n    cidrs: [10.20.20.0/24]\n",
		"name,kind,ip,os_name\nxray-acq,medical_device,10.20.20.15,Windows 7\nfrontdesk-01,workstation,10.20.10.21,Windows 11\n")
}

// TestDevicePages checks the inventory, asset and network pages show the
// practice's own records and none of another practice's.
func TestDevicePages(t *testing.T) {
	w := sqliteWorld(t)
	seedNetwork(t, w)
	ctx := context.Background()
	c := w.login(w.people["viewer"])
	assets, err := w.db.For(w.a.ID).Assets(ctx)
	if err != nil || len(assets) == 0 {
		t.Fatalf("the demo practice has no assets: %v", err)
	}
	pa := "/p/" + w.a.ID
	for _, tc := range []struct {
		path string
		want []string
	}{
		{pa + "/assets", []string{"Technology asset inventory", assets[0].Name, "Medical device"}},
		{pa + "/assets?kind=medical_device", []string{"Medical device"}},
		{pa + "/assets/" + assets[0].ID, []string{assets[0].Name, "History"}},
		{pa + "/network", []string{"Network map", "network/map.svg", "What each zone can reach", "Segmentation findings"}},
	} {
		res := w.get(c, tc.path)
		b := body(res)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %.300s", tc.path, res.StatusCode, b)
		}
		for _, s := range tc.want {
			if !strings.Contains(b, s) {
				t.Errorf("GET %s: no %q", tc.path, s)
			}
		}
		for _, s := range []string{"HILLCREST-RECEPTION", "front-desk", "visitors"} {
			if strings.Contains(b, s) {
				t.Errorf("GET %s shows practice B's %q", tc.path, s)
			}
		}
	}
	// The kind filter leaves other kinds out.
	if b := body(w.get(c, pa+"/assets?kind=printer")); strings.Contains(b, "Medical device</span></td>") {
		t.Error("the printer filter shows medical devices")
	}
	// Another practice's asset is not found through this practice.
	other, _ := w.db.For(w.b.ID).Assets(ctx)
	if res := w.get(c, pa+"/assets/"+other[0].ID); res.StatusCode != http.StatusNotFound {
		t.Errorf("practice B's asset through A: %d", res.StatusCode)
	}
}

// TestNetworkMapSVG checks the map is served as an SVG image under a
// policy that runs nothing, and only to the practice's members.
func TestNetworkMapSVG(t *testing.T) {
	w := sqliteWorld(t)
	seedNetwork(t, w)
	c := w.login(w.people["viewer"])
	res := w.get(c, "/p/"+w.a.ID+"/network/map.svg")
	b := body(res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("map: %d %.300s", res.StatusCode, b)
	}
	if ct := res.Header.Get("Content-Type"); ct != "image/svg+xml" {
		t.Errorf("content type %q", ct)
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") || !strings.Contains(csp, "sandbox") {
		t.Errorf("map CSP %q", csp)
	}
	if !strings.HasPrefix(strings.TrimSpace(b), "<") || !strings.Contains(b, "<svg") || strings.Contains(b, "<script") {
		t.Errorf("not a plain SVG: %.200s", b)
	}
	if strings.Contains(b, "front-desk") {
		t.Error("the map shows practice B's zones")
	}
	if res := w.get(c, "/p/"+w.a.ID+"/network/map.svg?download=1"); !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
		t.Error("download is not an attachment")
	}
	// A practice without zones gets a message, not a broken image.
	owner := w.people["outsider"]
	if res := w.get(w.login(owner), "/p/"+w.b.ID+"/network/map.svg"); res.StatusCode != http.StatusOK {
		t.Errorf("practice B's own map: %d", res.StatusCode)
	}
}

// TestFindingsPage checks the findings list, its filters and the review
// form, which a viewer cannot use.
func TestFindingsPage(t *testing.T) {
	w := sqliteWorld(t)
	ctx := context.Background()
	sc := w.db.For(w.a.ID)
	fs, err := sc.Findings(ctx, store.FindingFilter{})
	if err != nil || len(fs) == 0 {
		t.Fatalf("the demo practice has no findings: %v", err)
	}
	if err := w.db.For(w.b.ID).PutFindings(ctx, []*hipaa.Finding{{Source: "inventory", Rule: "INV-UNKNOWN", Severity: hipaa.SeverityLow, Title: "Hillcrest secret finding", Subject: "x", Citations: []string{}}}); err != nil {
		t.Fatal(err)
	}
	pa := "/p/" + w.a.ID
	viewer := w.login(w.people["viewer"])
	b := body(w.get(viewer, pa+"/findings"))
	if !strings.Contains(b, fs[0].Title) || strings.Contains(b, "Hillcrest secret finding") {
		t.Errorf("findings page: wrong contents")
	}
	if strings.Contains(b, `/status"`) {
		t.Error("a viewer is offered the review form")
	}
	src := fs[0].Source
	b = body(w.get(viewer, pa+"/findings?source="+src+"&severity=critical&status=all"))
	for _, f := range fs {
		if f.Source != src && strings.Contains(b, ">"+f.Title+"<") {
			t.Errorf("source filter shows %s finding %q", f.Source, f.Title)
		}
	}
	// A viewer cannot dismiss; an assessor can, and the register is re-evaluated.
	target := fs[0]
	if res := w.post(viewer, pa+"/findings/"+target.ID+"/status", url.Values{"status": {"dismissed"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("viewer dismiss: %d", res.StatusCode)
	}
	member := w.login(w.people["assessor"])
	if b := body(w.get(member, pa+"/findings")); !strings.Contains(b, `/status"`) {
		t.Error("an assessor is not offered the review form")
	}
	if res := w.post(member, pa+"/findings/"+target.ID+"/status", url.Values{"status": {"dismissed"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("assessor dismiss: %d %s", res.StatusCode, body(res))
	}
	after, _ := sc.Findings(ctx, store.FindingFilter{Status: hipaa.FindingDismissed})
	if len(after) != 1 || after[0].ID != target.ID {
		t.Fatalf("dismissed: %+v", after)
	}
	if res := w.post(member, pa+"/findings/"+target.ID+"/status", url.Values{"status": {"resolved"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("setting resolved by hand: %d", res.StatusCode)
	}
}

// TestGovernancePages checks the vendors, policies and incidents pages and
// the policy document.
func TestGovernancePages(t *testing.T) {
	w := sqliteWorld(t)
	ctx := context.Background()
	sc := w.db.For(w.a.ID)
	c := w.login(w.people["viewer"])
	pa := "/p/" + w.a.ID
	vs, err := sc.Vendors(ctx)
	if err != nil || len(vs) == 0 {
		t.Fatalf("demo vendors: %v", err)
	}
	pols, err := sc.PolicyVersions(ctx)
	if err != nil || len(pols) == 0 {
		t.Fatalf("demo policies: %v", err)
	}
	lost := &incident.Incident{Title: "Laptop left on the bus", Category: "other", DiscoveredOn: "2026-11-02", PHIInvolved: incident.PHIYes,
		Status: incident.StatusOpen, Assessment: &incident.Assessment{Affected: 40, StateResidents: 40, Outcome: incident.OutcomeBreach}}
	if err := sc.PutIncident(ctx, lost); err != nil {
		t.Fatal(err)
	}
	if err := w.db.For(w.b.ID).PutIncident(ctx, &incident.Incident{Title: "Hillcrest phishing email", Category: "other", DiscoveredOn: "2026-11-03", Status: incident.StatusOpen}); err != nil {
		t.Fatal(err)
	}
	due := lost.Schedule()
	if len(due) == 0 {
		t.Fatal("the breach has no notice deadlines")
	}
	for _, tc := range []struct {
		path string
		want []string
	}{
		{pa + "/incidents", []string{"Laptop left on the bus", "Breach", due[0].Due}},
		{pa + "/vendors", []string{vs[0].Name, "BAA"}},
		{pa + "/policies", []string{pols[0].Title, "Review due"}},
		{pa + "/reports", []string{"Risk Analysis Report", "format=pdf", "format=xlsx"}},
	} {
		res := w.get(c, tc.path)
		b := body(res)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %.300s", tc.path, res.StatusCode, b)
		}
		for _, s := range tc.want {
			if !strings.Contains(b, s) {
				t.Errorf("GET %s: no %q", tc.path, s)
			}
		}
		if strings.Contains(b, "Hillcrest") {
			t.Errorf("GET %s shows practice B's records", tc.path)
		}
	}
	res := w.get(c, pa+"/policies/"+pols[0].ID)
	b := body(res)
	if res.StatusCode != http.StatusOK || !strings.Contains(b, "<!DOCTYPE html>") || strings.Contains(b, "<script") {
		t.Fatalf("policy document: %d %.200s", res.StatusCode, b)
	}
	if csp := res.Header.Get("Content-Security-Policy"); strings.Contains(csp, "script-src") || !strings.Contains(csp, "sandbox") {
		t.Errorf("policy document CSP %q", csp)
	}
	// Another practice's policy is not found through this one.
	out := w.login(w.people["outsider"])
	if res := w.get(out, "/p/"+w.b.ID+"/policies/"+pols[0].ID); res.StatusCode != http.StatusNotFound {
		t.Errorf("practice A's policy through B: %d", res.StatusCode)
	}
}

// TestReportDownload checks the documents download as real files.
func TestReportDownload(t *testing.T) {
	w := sqliteWorld(t)
	c := w.login(w.people["viewer"])
	pa := "/p/" + w.a.ID + "/reports/"
	for _, tc := range []struct {
		kind, format, ctype string
		check               func([]byte) bool
	}{
		{"analysis", "pdf", "application/pdf", func(b []byte) bool { return bytes.HasPrefix(b, []byte("%PDF")) }},
		{"plan", "xlsx", "spreadsheetml", func(b []byte) bool {
			z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
			return err == nil && len(z.File) > 0
		}},
		{"summary", "html", "text/html", func(b []byte) bool { return bytes.Contains(b, []byte(w.a.Name)) }},
	} {
		res := w.get(c, pa+tc.kind+"?format="+tc.format)
		b := []byte(body(res))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d %.300s", tc.kind, tc.format, res.StatusCode, b)
		}
		if !strings.Contains(res.Header.Get("Content-Type"), tc.ctype) {
			t.Errorf("%s %s: content type %q", tc.kind, tc.format, res.Header.Get("Content-Type"))
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") || !strings.HasSuffix(cd, "."+tc.format+`"`) {
			t.Errorf("%s %s: disposition %q", tc.kind, tc.format, cd)
		}
		if !tc.check(b) {
			t.Errorf("%s %s: not a real file: %.40q", tc.kind, tc.format, b)
		}
	}
	for _, bad := range []string{"analysis?format=oscal", "nonsense?format=pdf"} {
		if res := w.get(c, pa+bad); res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d", bad, res.StatusCode)
		}
	}
	if res := w.get(w.login(w.people["outsider"]), "/p/"+w.a.ID+"/reports/analysis?format=pdf"); res.StatusCode != http.StatusNotFound {
		t.Errorf("outsider download: %d", res.StatusCode)
	}
}
