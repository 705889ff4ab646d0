package vulnfeed

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/facebookincubator/nvdtools/wfn"

	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/inventory"
)

// Source is the name under which the feeds' findings are filed.
const Source = "vulnfeed"

// Data is everything the feeds supply. Any part may be missing.
type Data struct {
	KEV        *KEVCatalog
	EOL        *EOLData
	Advisories []*Advisory
	NVD        []*Applicability
}

// Matcher holds feed data indexed for matching many assets quickly.
type Matcher struct {
	data     *Data
	now      time.Time
	kev      map[string]*KEVRecord
	apps     map[string][]*Applicability // part:vendor:product → statements for KEV CVEs
	advs     map[string][]advRef         // canonical vendor → advisory products
	lcMemo   map[string]*Lifecycle
	advMemo  map[string][]advHit
	kevMemo  map[string][]kevHit
	venMemo  map[string][]string
	cpeMemo  map[string]*wfn.Attributes
	eol      *EOLData
	appCount int
}

type advRef struct {
	adv  *Advisory
	prod *AdvisoryProduct
}

// NewMatcher indexes the feed data. now decides what has ended.
func NewMatcher(d *Data, now time.Time) *Matcher {
	if d == nil {
		d = &Data{}
	}
	m := &Matcher{data: d, now: now, kev: d.KEV.index(), apps: map[string][]*Applicability{}, advs: map[string][]advRef{},
		lcMemo: map[string]*Lifecycle{}, advMemo: map[string][]advHit{}, kevMemo: map[string][]kevHit{}, venMemo: map[string][]string{}, cpeMemo: map[string]*wfn.Attributes{}, eol: &EOLData{}}
	if d.EOL != nil {
		for _, p := range d.EOL.Products {
			m.eol.Add(p)
		}
	}
	for _, p := range Supplement() {
		if _, ok := m.eol.Products[p.Name]; !ok {
			m.eol.Add(p)
		}
	}
	fromNVD := map[string]bool{}
	for _, a := range d.NVD {
		if m.kev[a.CVE] != nil {
			fromNVD[a.CVE] = true
		}
	}
	add := func(a *Applicability) {
		if m.kev[a.CVE] == nil {
			return
		}
		m.appCount++
		seen := map[string]bool{}
		for _, k := range a.keys() {
			if !seen[k] {
				seen[k] = true
				m.apps[k] = append(m.apps[k], a)
			}
		}
	}
	for _, a := range d.NVD {
		add(a)
	}
	for _, a := range CuratedApplicability() {
		if !fromNVD[a.CVE] {
			add(a)
		}
	}
	for _, adv := range d.Advisories {
		for i := range adv.Products {
			p := &adv.Products[i]
			p.prepare()
			for _, v := range p.vendors {
				m.advs[v] = append(m.advs[v], advRef{adv, p})
			}
		}
	}
	return m
}

// KEVMatch is one exploited weakness that applies to an asset.
type KEVMatch struct {
	Record      *KEVRecord
	Matched     string // the asset's CPE name that matched
	Service     string
	ServiceOpen bool
	Source      string
}

// AdvisoryMatch is one advisory that names an asset.
type AdvisoryMatch struct {
	Advisory *Advisory
	Product  *AdvisoryProduct
	Version  string // the asset's version compared
	Certain  bool   // false when the version could not be checked
	CVEs     []string
}

// ComponentLifecycle is the support status of one component.
type ComponentLifecycle struct {
	Component inventory.Component
	Lifecycle *Lifecycle
}

// Result is what the feeds say of one asset.
type Result struct {
	OS         *Lifecycle
	Components []ComponentLifecycle
	KEV        []KEVMatch
	Advisories []AdvisoryMatch
}

// Unsupported reports whether the asset's system or the device itself is
// past its end of support.
func (r *Result) Unsupported() bool {
	if r == nil {
		return false
	}
	if r.OS != nil && r.OS.Ended {
		return true
	}
	for _, c := range r.Components {
		if c.Lifecycle.Ended {
			return true
		}
	}
	return false
}

func (m *Matcher) lifecycle(a *inventory.Asset) *Lifecycle {
	key := a.OS.Text() + "|" + strings.Join(a.OS.CPE, ",")
	if lc, ok := m.lcMemo[key]; ok {
		return lc
	}
	lc := m.eol.RecognizeOS(a.OS.Text(), a.OS.CPE, m.now)
	m.lcMemo[key] = lc
	return lc
}

func (m *Matcher) attrs(cpes []string) []*wfn.Attributes {
	var out []*wfn.Attributes
	for _, c := range cpes {
		at, ok := m.cpeMemo[c]
		if !ok {
			at, _ = wfn.Parse(c)
			m.cpeMemo[c] = at
		}
		if at != nil {
			out = append(out, at)
		}
	}
	return out
}

// Assess matches one asset against every feed.
func (m *Matcher) Assess(a *inventory.Asset) *Result {
	r := &Result{OS: m.lifecycle(a)}
	cpes := a.CPEs()
	if r.OS != nil {
		cpes = append(cpes, r.OS.CPEs...)
	}
	for _, c := range a.Software {
		if c.CPE == "" || c.Type == "operating-system" && r.OS != nil {
			continue
		}
		if lc := m.eol.genericCPE([]string{c.CPE}, m.now); lc != nil {
			r.Components = append(r.Components, ComponentLifecycle{Component: c, Lifecycle: lc})
		}
	}
	// KEV by CPE.
	if len(m.apps) > 0 {
		notAffected := map[string]bool{}
		for _, c := range a.NotAffected {
			notAffected[c] = true
		}
		for _, h := range m.kevHits(cpes) {
			if notAffected[h.app.CVE] || h.app.UnsupportedOnly && !r.Unsupported() {
				continue
			}
			km := KEVMatch{Record: m.kev[h.app.CVE], Matched: h.matched, Service: h.app.Service, Source: h.app.Source}
			if h.app.Service != "" {
				proto, port, _ := strings.Cut(h.app.Service, "/")
				for _, p := range a.OpenPorts() {
					if p.Protocol == proto && strconv.Itoa(p.Number) == port {
						km.ServiceOpen = true
					}
				}
			}
			r.KEV = append(r.KEV, km)
		}
		sort.Slice(r.KEV, func(i, j int) bool {
			x, y := r.KEV[i], r.KEV[j]
			if x.ServiceOpen != y.ServiceOpen {
				return x.ServiceOpen
			}
			if (x.Record.RansomwareUse == "Known") != (y.Record.RansomwareUse == "Known") {
				return x.Record.RansomwareUse == "Known"
			}
			return x.Record.CVE > y.Record.CVE
		})
	}
	// Medical advisories by maker, product and version.
	if len(m.advs) > 0 {
		r.Advisories = m.advisories(a)
	}
	return r
}

// kevHit is one KEV statement that applies to a set of CPE names.
type kevHit struct {
	app     *Applicability
	matched string
}

// kevHits evaluates the KEV statements for a set of CPE names, remembering
// the answer: many assets run the same systems.
func (m *Matcher) kevHits(cpes []string) []kevHit {
	sort.Strings(cpes)
	key := strings.Join(cpes, "\x00")
	if h, ok := m.kevMemo[key]; ok {
		return h
	}
	var hits []kevHit
	at := m.attrs(cpes)
	seen := map[string]bool{}
	for _, t := range at {
		for _, app := range m.apps[cpeKey(t)] {
			if seen[app.CVE] {
				continue
			}
			if hit, ok := app.evaluate(at); ok {
				seen[app.CVE] = true
				hits = append(hits, kevHit{app, hit.BindToFmtString()})
			}
		}
	}
	m.kevMemo[key] = hits
	return hits
}

// advHit is one advisory product a description and version fall under.
type advHit struct {
	ref     advRef
	version string
	certain bool
}

// advisoryHits matches one maker's advisories against one description,
// remembering the answer: many assets share a maker and model.
func (m *Matcher) advisoryHits(vendor, desc, version string) []advHit {
	key := vendor + "\x00" + desc + "\x00" + version
	if h, ok := m.advMemo[key]; ok {
		return h
	}
	var hits []advHit
	d := newDesc(desc)
	for _, ref := range m.advs[vendor] {
		if !ref.prod.matchesName(d) {
			continue
		}
		if in, certain := ref.prod.rng.Contains(version); in {
			hits = append(hits, advHit{ref, version, certain})
		}
	}
	m.advMemo[key] = hits
	return hits
}

func (m *Matcher) vendors(name string) []string {
	if name == "" {
		return nil
	}
	v, ok := m.venMemo[name]
	if !ok {
		v = NormalizeVendors(name)
		m.venMemo[name] = v
	}
	return v
}

func (m *Matcher) advisories(a *inventory.Asset) []AdvisoryMatch {
	var vendors []string
	for _, s := range []string{a.Manufacturer, a.MACVendor} {
		vendors = append(vendors, m.vendors(s)...)
	}
	for _, mac := range a.MACs {
		if v, ok := inventory.MedicalVendorByMAC(mac); ok {
			vendors = append(vendors, m.vendors(v)...)
		}
	}
	type cand struct{ desc, version string }
	var descs []cand
	if a.Model != "" {
		descs = append(descs, cand{a.Model, a.Firmware})
	}
	if a.Model == "" && a.Name != "" {
		descs = append(descs, cand{a.Name, a.Firmware})
	}
	for _, c := range a.Software {
		descs = append(descs, cand{c.Name, c.Version})
		vendors = append(vendors, m.vendors(c.Vendor)...)
	}
	notAffected := map[string]bool{}
	for _, c := range a.NotAffected {
		notAffected[c] = true
	}
	seenVendor := map[string]bool{}
	byAdv := map[string]*AdvisoryMatch{}
	var order []string
	for _, v := range vendors {
		if seenVendor[v] || len(m.advs[v]) == 0 {
			continue
		}
		seenVendor[v] = true
		for _, d := range descs {
			for _, h := range m.advisoryHits(v, d.desc, d.version) {
				var cves []string
				for _, c := range h.ref.prod.CVEs {
					if !notAffected[c] {
						cves = append(cves, c)
					}
				}
				if len(cves) == 0 && len(h.ref.prod.CVEs) > 0 {
					continue
				}
				am := byAdv[h.ref.adv.ID]
				if am == nil {
					am = &AdvisoryMatch{Advisory: h.ref.adv, Product: h.ref.prod, Version: h.version, Certain: h.certain}
					byAdv[h.ref.adv.ID] = am
					order = append(order, h.ref.adv.ID)
				} else if h.certain && !am.Certain {
					am.Product, am.Version, am.Certain = h.ref.prod, h.version, true
				}
				am.CVEs = union(am.CVEs, cves)
			}
		}
	}
	sort.Strings(order)
	var out []AdvisoryMatch
	for _, id := range order {
		out = append(out, *byAdv[id])
	}
	return out
}

func union(a, b []string) []string {
	for _, x := range b {
		found := false
		for _, y := range a {
			if x == y {
				found = true
			}
		}
		if !found {
			a = append(a, x)
		}
	}
	sort.Strings(a)
	return a
}

// PatchDays returns the number of days the proposed Security Rule update
// (published January 2025) would allow for fixing a risk of this
// severity, or 0 where it sets none.
func PatchDays(s hipaa.Severity) int {
	switch s {
	case hipaa.SeverityCritical:
		return 15
	case hipaa.SeverityHigh:
		return 30
	}
	return 0
}

func bump(s hipaa.Severity) hipaa.Severity {
	if r := s.Rank(); r >= 0 && r < len(hipaa.Severities)-1 {
		return hipaa.Severities[r+1]
	}
	return s
}

func lower(s hipaa.Severity) hipaa.Severity {
	if r := s.Rank(); r > 1 {
		return hipaa.Severities[r-1]
	}
	return s
}

func cvssSeverity(score float64) hipaa.Severity {
	switch {
	case score >= 9:
		return hipaa.SeverityCritical
	case score >= 7:
		return hipaa.SeverityHigh
	case score >= 4:
		return hipaa.SeverityModerate
	case score > 0:
		return hipaa.SeverityLow
	}
	return hipaa.SeverityModerate
}

// Findings matches every asset and reports EOL-01, EOL-02, KEV-01 and
// ADV-01. It also returns each asset's result, keyed by asset ID, for the
// segmentation checks (an unsupported device needs tighter rules).
func (m *Matcher) Findings(assets []*inventory.Asset) ([]*hipaa.Finding, map[string]*Result) {
	var out []*hipaa.Finding
	results := make(map[string]*Result, len(assets))
	today := m.now.Format("2006-01-02")
	soon := m.now.AddDate(0, 6, 0).Format("2006-01-02")
	for _, a := range assets {
		r := m.Assess(a)
		results[a.ID] = r
		if lc := r.OS; lc != nil {
			if f := lifecycleFinding("EOL-01", a, a.ID, a.OS.Text(), lc, today, soon); f != nil {
				out = append(out, f)
			}
		}
		for _, c := range r.Components {
			if f := lifecycleFinding("EOL-02", a, a.ID+"|"+c.Component.Name, c.Component.Name+" "+c.Component.Version, c.Lifecycle, today, soon); f != nil {
				out = append(out, f)
			}
		}
		if f := deviceSupportFinding(a, today); f != nil {
			out = append(out, f)
		}
		if len(r.KEV) > 0 {
			out = append(out, kevFinding(a, r))
		}
		for _, am := range r.Advisories {
			out = append(out, advisoryFinding(a, am))
		}
	}
	return out, results
}

func lifecycleFinding(rule string, a *inventory.Asset, key, seen string, lc *Lifecycle, today, soon string) *hipaa.Finding {
	var sev hipaa.Severity
	var title string
	verb, thing := "runs", lc.Label
	if rule == "EOL-02" {
		verb, thing = "has", strings.TrimSpace(seen)+" ("+lc.Label+")"
	}
	switch {
	case lc.Ended && lc.ExtendedUntil != "" && lc.ExtendedUntil > today:
		sev = hipaa.SeverityModerate
		title = fmt.Sprintf("%s %s %s, whose regular security updates ended on %s; it is safe only while the practice pays for extended updates (until %s)", a.Label(), verb, thing, lc.EOL, lc.ExtendedUntil)
	case lc.Ended:
		sev = hipaa.SeverityHigh
		when := "long ago"
		if lc.EOL != "" {
			when = "on " + lc.EOL
		}
		title = fmt.Sprintf("%s %s %s, which stopped getting security updates %s", a.Label(), verb, thing, when)
	case lc.EOL != "" && lc.EOL <= soon:
		sev = hipaa.SeverityLow
		title = fmt.Sprintf("%s %s %s, whose security updates end on %s: plan its upgrade or replacement", a.Label(), verb, thing, lc.EOL)
	default:
		return nil
	}
	ev := map[string]any{"asset_id": a.ID, "seen_as": strings.TrimSpace(seen), "release": lc.Label, "support_source": sourceName(lc.Source)}
	if lc.EOL != "" {
		ev["security_updates_ended"] = lc.EOL
	}
	if lc.ExtendedUntil != "" {
		ev["extended_updates_until"] = lc.ExtendedUntil
	}
	if lc.Link != "" {
		ev["reference"] = lc.Link
	}
	if lc.Note != "" {
		ev["note"] = lc.Note
	}
	if len(a.IPs) > 0 {
		ev["ip"] = a.IPs[0]
	}
	if d := PatchDays(sev); d > 0 {
		ev["fix_within_days"] = d
	}
	return newFinding(rule, sev, key, a.Label(), title, []map[string]any{ev})
}

func sourceName(s string) string {
	if s == "safeguard" {
		return "Safeguard's supplement for device operating systems"
	}
	return s
}

// deviceSupportFinding reports a device whose maker has ended support, as
// the practice recorded it.
func deviceSupportFinding(a *inventory.Asset, today string) *hipaa.Finding {
	ended := a.SupportStatus == "unsupported" || (a.EndOfSupport != "" && a.EndOfSupport <= today)
	if !ended {
		return nil
	}
	sev := hipaa.SeverityModerate
	if a.Medical() || a.StoresEPHI {
		sev = hipaa.SeverityHigh
	}
	what := strings.TrimSpace(a.Manufacturer + " " + a.Model)
	if what == "" {
		what = "the device"
	}
	title := fmt.Sprintf("%s (%s) is no longer supported by its maker", a.Label(), what)
	if a.EndOfSupport != "" {
		title = fmt.Sprintf("%s (%s) has been past its end of support since %s", a.Label(), what, a.EndOfSupport)
	}
	ev := map[string]any{"asset_id": a.ID, "device": what, "recorded_status": a.SupportStatus, "firmware": a.Firmware}
	if a.EndOfSupport != "" {
		ev["end_of_support"] = a.EndOfSupport
	}
	if d := PatchDays(sev); d > 0 {
		ev["fix_within_days"] = d
	}
	return newFinding("EOL-02", sev, a.ID+"|device", a.Label(), title, []map[string]any{ev})
}

// maxKEVRows keeps evidence small on systems with many matches.
const maxKEVRows = 25

func kevFinding(a *inventory.Asset, r *Result) *hipaa.Finding {
	sev := hipaa.SeverityLow
	var rows []map[string]any
	for i, k := range r.KEV {
		s := hipaa.SeverityModerate
		if r.Unsupported() || k.ServiceOpen {
			s = hipaa.SeverityHigh
		}
		if r.Unsupported() && k.ServiceOpen {
			s = hipaa.SeverityCritical
		}
		if k.Record.RansomwareUse == "Known" {
			s = bump(s)
		}
		if s.Rank() > sev.Rank() {
			sev = s
		}
		if i >= maxKEVRows {
			continue
		}
		row := map[string]any{"cve": k.Record.CVE, "name": k.Record.Name, "added_to_kev": k.Record.DateAdded,
			"cisa_due_date": k.Record.DueDate, "ransomware_use": k.Record.RansomwareUse, "matched": k.Matched,
			"required_action": k.Record.RequiredAction, "applicability_source": k.Source}
		if k.Service != "" {
			row["service"] = k.Service
			row["service_open"] = k.ServiceOpen
		}
		rows = append(rows, row)
	}
	top := r.KEV[0].Record
	title := fmt.Sprintf("%s is affected by %s (%s), which attackers are actively exploiting", a.Label(), top.CVE, top.Name)
	if n := len(r.KEV); n > 1 {
		title = fmt.Sprintf("%s is affected by %d weaknesses that attackers are actively exploiting, including %s (%s)", a.Label(), n, top.CVE, top.Name)
	}
	if !r.Unsupported() {
		title += ": confirm the fix is installed"
	}
	summary := map[string]any{"asset_id": a.ID, "matches": len(r.KEV), "catalog": "CISA Known Exploited Vulnerabilities"}
	if len(a.IPs) > 0 {
		summary["ip"] = a.IPs[0]
	}
	if d := PatchDays(sev); d > 0 {
		summary["fix_within_days"] = d
		summary["timeline"] = "the proposed Security Rule update (January 2025) would require critical risks fixed within 15 days and high risks within 30"
	}
	if len(r.KEV) > maxKEVRows {
		summary["not_listed"] = len(r.KEV) - maxKEVRows
	}
	return newFinding("KEV-01", sev, a.ID, a.Label(), title, append([]map[string]any{summary}, rows...))
}

func advisoryFinding(a *inventory.Asset, am AdvisoryMatch) *hipaa.Finding {
	sev := cvssSeverity(am.Product.CVSS)
	check := "the device's version is in the affected range"
	if !am.Certain {
		sev = lower(sev)
		check = "the version could not be checked automatically: compare the device's version with the advisory"
	}
	title := fmt.Sprintf("%s (%s %s) is named in CISA medical device advisory %s: %s", a.Label(), am.Product.Vendor, am.Product.Product, am.Advisory.ID, am.Advisory.Title)
	ev := map[string]any{"asset_id": a.ID, "advisory": am.Advisory.ID, "advisory_title": am.Advisory.Title, "vendor": am.Product.Vendor,
		"product": am.Product.Product, "affected_versions": am.Product.Range, "device_version": am.Version, "version_check": check,
		"cves": strings.Join(am.CVEs, ", ")}
	if am.Product.CVSS > 0 {
		ev["cvss"] = am.Product.CVSS
	}
	if am.Advisory.URL != "" {
		ev["reference"] = am.Advisory.URL
	}
	if !am.Advisory.Released.IsZero() {
		ev["published"] = am.Advisory.Released.Format("2006-01-02")
	}
	if d := PatchDays(sev); d > 0 {
		ev["fix_within_days"] = d
	}
	return newFinding("ADV-01", sev, a.ID+"|"+am.Advisory.ID, a.Label(), title, []map[string]any{ev})
}

func newFinding(rule string, sev hipaa.Severity, key, subject, title string, ev []map[string]any) *hipaa.Finding {
	var cites []string
	if cat, err := catalog.Default(); err == nil {
		if r, ok := cat.FindingRule(rule); ok {
			cites = append(cites, r.Citations...)
		}
	}
	if cites == nil {
		cites = []string{}
	}
	return &hipaa.Finding{Source: Source, Rule: rule, Severity: sev, Title: title, Subject: subject, Citations: cites,
		Evidence: ev, Fingerprint: Source + "|" + rule + "|" + key}
}
