package web

import (
	"net/http"
	"sort"
	"strings"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/inventory"
	"github.com/safeguard-hipaa/safeguard/internal/netseg"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// kindLabels names the asset kinds for people, in the order the filter lists them.
var kindLabels = []struct {
	Kind  inventory.Kind
	Label string
}{
	{inventory.KindWorkstation, "Workstation"},
	{inventory.KindServer, "Server"},
	{inventory.KindCloudService, "EHR or cloud service"},
	{inventory.KindNetworkDevice, "Network device"},
	{inventory.KindMobile, "Mobile device"},
	{inventory.KindMedicalDevice, "Medical device"},
	{inventory.KindIoT, "Connected device (IoT)"},
	{inventory.KindPrinter, "Printer"},
	{inventory.KindUnknown, "Not yet known"},
}

func kindLabel(k inventory.Kind) string {
	for _, l := range kindLabels {
		if l.Kind == k {
			return l.Label
		}
	}
	if k == "" {
		return "Not yet known"
	}
	return string(k)
}

// assetRow is one line of the inventory.
type assetRow struct {
	A           *inventory.Asset
	Name        string // the asset's name, or its address when it has none
	Kind        string
	Medical     bool
	OS          string
	Address     string
	Unsupported string // why it is past support, or empty
	Support     string
}

type assetsData struct {
	Rows    []assetRow
	Kinds   []kindOption
	Kind    string
	Total   int
	Medical int
	Ended   int
	// NoFeeds is set when no end-of-life data is loaded, so support
	// status cannot be worked out.
	NoFeeds bool
}

type kindOption struct {
	Value, Label string
	Count        int
}

func osText(a *inventory.Asset) string {
	s := strings.TrimSpace(a.OS.Name)
	if a.OS.Version != "" && !strings.Contains(s, a.OS.Version) {
		s = strings.TrimSpace(s + " " + a.OS.Version)
	}
	if s == "" && a.Firmware != "" {
		s = "firmware " + a.Firmware
	}
	return s
}

func rowOf(a *inventory.Asset, unsupported map[string]string) assetRow {
	r := assetRow{A: a, Kind: kindLabel(a.Kind), Medical: a.Kind == inventory.KindMedicalDevice, OS: osText(a)}
	if len(a.IPs) > 0 {
		r.Address = a.IPs[0]
	} else if len(a.Hostnames) > 0 {
		r.Address = a.Hostnames[0]
	}
	r.Name = a.Name
	if r.Name == "" {
		r.Name = r.Address
	}
	if r.Name == "" {
		r.Name = "Unnamed device " + a.ID
	}
	r.Unsupported = unsupported[a.ID]
	switch {
	case r.Unsupported != "":
		r.Support = "Unsupported"
	case a.SupportStatus != "":
		r.Support = strings.ToUpper(a.SupportStatus[:1]) + strings.ReplaceAll(a.SupportStatus[1:], "_", " ")
	default:
		r.Support = "Not checked"
	}
	return r
}

// assetsPage lists the practice's technology assets.
func (s *Server) assetsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st, err := s.service(r).Network(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := &assetsData{Kind: r.URL.Query().Get("kind"), Total: len(st.Assets), NoFeeds: len(st.FeedList) == 0}
	counts := map[inventory.Kind]int{}
	for _, a := range st.Assets {
		counts[a.Kind]++
		row := rowOf(a, st.Unsupported)
		if row.Medical {
			d.Medical++
		}
		if row.Unsupported != "" {
			d.Ended++
		}
		if d.Kind != "" && string(a.Kind) != d.Kind {
			continue
		}
		d.Rows = append(d.Rows, row)
	}
	for _, l := range kindLabels {
		if counts[l.Kind] > 0 {
			d.Kinds = append(d.Kinds, kindOption{Value: string(l.Kind), Label: l.Label, Count: counts[l.Kind]})
		}
	}
	sort.SliceStable(d.Rows, func(i, j int) bool {
		a, b := d.Rows[i], d.Rows[j]
		if a.A.Zone != b.A.Zone {
			return a.A.Zone < b.A.Zone
		}
		return strings.ToLower(a.Name) < strings.ToLower(b.Name)
	})
	s.render(w, r, http.StatusOK, "assets", s.newView(r, "Inventory", "inventory", d))
}

type assetData struct {
	Row      assetRow
	Open     []inventory.Port
	History  []store.NetworkChange
	Findings []*hipaa.Finding
}

// assetPage shows one asset with its drift history and findings.
func (s *Server) assetPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	svc := s.service(r)
	a, err := svc.Scope.Asset(ctx, r.PathValue("asset"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if a.ID != r.PathValue("asset") {
		// Asset resolves names too; the page address must be the ID.
		s.fail(w, r, hipaa.Errorf(hipaa.ENotFound, "no such asset in this practice's inventory"))
		return
	}
	st, err := svc.Network(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, x := range st.Assets {
		if x.ID == a.ID {
			a = x // with its zone placed by address
		}
	}
	d := &assetData{Row: rowOf(a, st.Unsupported)}
	for _, p := range a.Ports {
		if p.State == "open" {
			d.Open = append(d.Open, p)
		}
	}
	if d.History, err = svc.Scope.NetworkChanges(ctx, store.ChangeFilter{SubjectID: a.ID, Limit: 200}); err != nil {
		s.fail(w, r, err)
		return
	}
	all, err := svc.Scope.Findings(ctx, store.FindingFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, f := range all {
		if f.Status != hipaa.FindingResolved && findingAbout(f, a) {
			d.Findings = append(d.Findings, f)
		}
	}
	s.render(w, r, http.StatusOK, "asset", s.newView(r, d.Row.Name, "inventory", d))
}

// findingAbout reports whether a finding's subject names the asset.
func findingAbout(f *hipaa.Finding, a *inventory.Asset) bool {
	if f.Subject == "" {
		return false
	}
	if f.Subject == a.ID || f.Subject == a.Name || strings.Contains(f.Fingerprint, "|"+a.ID) {
		return true
	}
	for _, ip := range a.IPs {
		if f.Subject == ip {
			return true
		}
	}
	return false
}

type networkData struct {
	HasZones  bool
	HasPolicy bool
	ZonesFile string
	Policy    string
	Zones     []*netseg.Zone
	Matrix    [][]matrixCell
	Checks    []netseg.CheckResult
	Findings  []*hipaa.Finding
	Observed  []*netseg.ObservedFlow
	Assets    int
}

type matrixCell struct {
	Header bool
	Text   string
	Warn   bool
	Self   bool
}

// risky reports whether traffic from one kind of zone to another is what
// the segmentation checks warn about.
func risky(from, to netseg.ZoneKind) bool {
	exposed := from == "guest" || from == "internet" || from == "iot"
	inside := to == "medical" || to == "clinical" || to == "server" || to == "management" || to == "workstation"
	return exposed && inside && from != to
}

// networkPage shows the network map, the reachability matrix and the
// segmentation findings.
func (s *Server) networkPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	svc := s.service(r)
	st, err := svc.Network(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := &networkData{HasZones: st.Zones != nil, HasPolicy: st.Policy != nil, Assets: len(st.Assets)}
	if st.ZonesConfig != nil {
		d.ZonesFile = st.ZonesConfig.File
	}
	if st.PolicyConfig != nil {
		d.Policy = st.PolicyConfig.File
	}
	if st.Zones != nil {
		d.Zones = st.Zones.Zones
		rep, _ := netseg.Check(netseg.CheckInput{Zones: st.Zones, Policy: st.Policy, Assets: st.Assets, Unsupported: st.Unsupported, Scans: st.Scans, FirstCheck: true, Now: s.db.Now()})
		if rep != nil {
			d.Checks, d.Observed = rep.Checks, rep.Observed
			if rep.Matrix != nil && st.Policy != nil {
				head := []matrixCell{{Header: true, Text: "From ↓ / To →"}}
				for _, z := range rep.Matrix.Zones {
					head = append(head, matrixCell{Header: true, Text: z})
				}
				d.Matrix = append(d.Matrix, head)
				for _, from := range rep.Matrix.Zones {
					row := []matrixCell{{Header: true, Text: from}}
					for _, to := range rep.Matrix.Zones {
						c := matrixCell{Self: from == to, Text: "—"}
						if from == to {
							c.Text = "same zone"
						} else if cell := rep.Matrix.Cell(from, to); cell != nil {
							c.Text = cell.Text
							if cell.Text == "" {
								c.Text = "some traffic"
							}
							fz, tz := st.Zones.Zone(from), st.Zones.Zone(to)
							c.Warn = fz != nil && tz != nil && risky(fz.Kind, tz.Kind)
						}
						row = append(row, c)
					}
					d.Matrix = append(d.Matrix, row)
				}
			}
		}
	}
	if d.Findings, err = svc.Scope.Findings(ctx, store.FindingFilter{Source: netseg.Source}); err != nil {
		s.fail(w, r, err)
		return
	}
	d.Findings = openOnly(d.Findings)
	s.render(w, r, http.StatusOK, "network", s.newView(r, "Network", "network", d))
}

func openOnly(fs []*hipaa.Finding) []*hipaa.Finding {
	var out []*hipaa.Finding
	for _, f := range fs {
		if f.Status == hipaa.FindingOpen || f.Status == hipaa.FindingConfirmed {
			out = append(out, f)
		}
	}
	return out
}

// svgCSP lets an SVG image carry its own presentation and nothing else: no
// scripts, no fetches, no links out.
const svgCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"

// networkMap serves the network map as an SVG image, for an <img> on the
// network page or for download.
func (s *Server) networkMap(w http.ResponseWriter, r *http.Request) {
	b, err := s.service(r).NetworkMap(r.Context(), false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/svg+xml")
	h.Set("Content-Security-Policy", svgCSP)
	if r.URL.Query().Get("download") != "" {
		h.Set("Content-Disposition", `attachment; filename="network-map.svg"`)
	}
	_, _ = w.Write(b)
}
