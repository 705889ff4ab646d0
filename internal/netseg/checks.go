package netseg

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/inventory"
)

// Source is the name under which the segmentation findings are filed.
const Source = "netseg"

// ScanEvidence is a scan taken from inside a zone: what that zone could
// actually reach.
type ScanEvidence struct {
	File       string                 `json:"file"`
	SourceZone string                 `json:"source_zone"`
	Start      time.Time              `json:"start"`
	Scanned    map[string]string      `json:"scanned,omitempty"`
	Results    []inventory.HostResult `json:"results"`
}

// Change is one thing that changed on the network since the last check.
type Change struct {
	At        time.Time `json:"at"`
	SubjectID string    `json:"subject_id"`
	Subject   string    `json:"subject"`
	Kind      string    `json:"kind"`
	Detail    string    `json:"detail"`
}

// CheckInput is everything the segmentation checks look at.
type CheckInput struct {
	Zones  *Zones
	Policy *Policy // nil when no firewall policy was imported
	Assets []*inventory.Asset
	// Unsupported maps the IDs of assets past end of support to why.
	Unsupported map[string]string
	Scans       []ScanEvidence
	// Changes are the changes since the last check; FirstCheck is set
	// when there was no earlier check to compare with.
	Changes    []Change
	FirstCheck bool
	// PolicyImported is when the current policy was imported.
	PolicyImported time.Time
	Now            time.Time
}

// CheckResult is the outcome of one check.
type CheckResult struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Status   string `json:"status"` // pass, fail, not_checked
	Findings int    `json:"findings"`
	Note     string `json:"note,omitempty"`
}

// ObservedFlow is what a scan from one zone reached in another.
type ObservedFlow struct {
	From   string   `json:"from"`
	To     string   `json:"to"`
	Access Access   `json:"-"`
	Text   string   `json:"observed"`
	Hosts  []string `json:"hosts"`
	Scans  []string `json:"scans"`
	Allow  Access   `json:"-"`
}

// Report is the result of a check run.
type Report struct {
	Matrix   *Matrix         `json:"matrix"`
	Checks   []CheckResult   `json:"checks"`
	Observed []*ObservedFlow `json:"observed"`
	Warnings []string        `json:"warnings"`
}

// Ports that administer or remotely control a device.
var adminAccess = Access{
	TCP: portSet{{22, 23}, {80, 80}, {135, 135}, {139, 139}, {443, 445}, {3389, 3389}, {5900, 5903}, {5938, 5938}, {8080, 8080}, {8443, 8443}},
	UDP: portSet{{161, 161}},
}

// Ports that give remote control from outside.
var remoteControl = Access{TCP: portSet{{22, 23}, {3389, 3389}, {5900, 5903}, {5938, 5938}}}

// AssignZones places each asset in the zone its address falls in, unless a
// person or an import already named its zone. It returns the assets with a
// private address outside every zone.
func AssignZones(z *Zones, assets []*inventory.Asset) []*inventory.Asset {
	var unplaced []*inventory.Asset
	for _, a := range assets {
		if a.ZoneSource == inventory.KindByUser || a.ZoneSource == "import" {
			if z.Zone(a.Zone) != nil {
				continue
			}
		}
		a.Zone, a.ZoneSource = "", ""
		var zone *Zone
		outside := false
		for _, ip := range a.Addrs() {
			if zz := z.ZoneOf(ip); zz != nil {
				zone = zz
				break
			}
			outside = true
		}
		if zone != nil {
			a.Zone, a.ZoneSource = zone.Name, "address"
		} else if outside && a.Kind != inventory.KindCloudService {
			unplaced = append(unplaced, a)
		}
	}
	return unplaced
}

// checker runs the checks.
type checker struct {
	in       CheckInput
	matrix   *Matrix
	observed map[string]*ObservedFlow
	out      []*hipaa.Finding
	results  map[string]*CheckResult
	byZone   map[string][]*inventory.Asset
}

var checkTitles = map[string]string{
	"SEG-01": "Every asset sits in a defined zone",
	"SEG-02": "Medical devices are not on office or guest networks",
	"SEG-03": "Guest network reaches nothing inside",
	"SEG-04": "Guest devices cannot reach each other",
	"SEG-05": "Office and clinical systems reach medical devices only as documented",
	"SEG-06": "Admin and remote-control ports on medical devices are closed to other zones",
	"SEG-07": "Nothing unexpected is reachable from the internet",
	"SEG-08": "Medical devices cannot reach the internet freely",
	"SEG-09": "Vendor remote access is controlled",
	"SEG-10": "The firewall blocks what no rule allows",
	"SEG-11": "No overly broad, duplicate or unused firewall rules",
	"SEG-12": "Insecure protocols are not reachable across zones",
	"SEG-13": "Unsupported devices are walled off",
	"SEG-14": "Wireless medical devices have their own Wi-Fi network",
	"SEG-15": "Separation is tested from inside the zones at least yearly",
	"SEG-16": "Changes since the last check are reviewed",
}

// CheckIDs lists the checks in order.
var CheckIDs = []string{"SEG-01", "SEG-02", "SEG-03", "SEG-04", "SEG-05", "SEG-06", "SEG-07", "SEG-08", "SEG-09", "SEG-10", "SEG-11", "SEG-12", "SEG-13", "SEG-14", "SEG-15", "SEG-16"}

// Check runs the segmentation checks SEG-01 … SEG-16.
func Check(in CheckInput) (*Report, []*hipaa.Finding) {
	if in.Now.IsZero() {
		in.Now = time.Now().UTC()
	}
	c := &checker{in: in, results: map[string]*CheckResult{}, byZone: map[string][]*inventory.Asset{}}
	for _, id := range CheckIDs {
		c.results[id] = &CheckResult{ID: id, Title: checkTitles[id], Status: "pass"}
	}
	unplaced := AssignZones(in.Zones, in.Assets)
	for _, a := range in.Assets {
		if a.Zone != "" {
			c.byZone[a.Zone] = append(c.byZone[a.Zone], a)
		}
	}
	c.matrix = Reachability(in.Zones, in.Policy)
	c.observe()
	if in.Policy == nil {
		c.skip("no firewall policy imported: import one with `safeguard network policy import`", "SEG-10", "SEG-11")
		if len(in.Scans) == 0 {
			c.skip("no firewall policy and no scan from inside a zone: nothing shows what crosses zones", "SEG-03", "SEG-05", "SEG-06", "SEG-07", "SEG-08", "SEG-12")
		}
	}
	c.seg01(unplaced)
	c.seg02()
	c.pairChecks()
	c.seg04()
	c.seg09()
	if in.Policy != nil {
		c.seg10()
		c.seg11()
	}
	c.seg12()
	c.seg13()
	c.seg14()
	c.seg15()
	c.seg16()
	rep := &Report{Matrix: c.matrix, Warnings: append([]string{}, c.matrix.Warnings...)}
	if in.Policy != nil {
		rep.Warnings = append(rep.Warnings, in.Policy.Warnings...)
	}
	for _, id := range CheckIDs {
		rep.Checks = append(rep.Checks, *c.results[id])
	}
	keys := make([]string, 0, len(c.observed))
	for k := range c.observed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		rep.Observed = append(rep.Observed, c.observed[k])
	}
	return rep, c.out
}

func (c *checker) skip(note string, ids ...string) {
	for _, id := range ids {
		r := c.results[id]
		if r.Status == "pass" {
			r.Status, r.Note = "not_checked", note
		}
	}
}

func (c *checker) add(rule string, sev hipaa.Severity, key, subject, title string, ev []map[string]any) {
	var cites []string
	if cat, err := catalog.Default(); err == nil {
		if r, ok := cat.FindingRule(rule); ok {
			cites = append(cites, r.Citations...)
		}
	}
	if cites == nil {
		cites = []string{}
	}
	c.out = append(c.out, &hipaa.Finding{Source: Source, Rule: rule, Severity: sev, Title: title, Subject: subject, Citations: cites,
		Evidence: ev, Fingerprint: Source + "|" + rule + "|" + key})
	r := c.results[rule]
	r.Status = "fail"
	r.Note = ""
	r.Findings++
}

// observe gathers what scans from inside zones actually reached.
func (c *checker) observe() {
	c.observed = map[string]*ObservedFlow{}
	for _, s := range c.in.Scans {
		src := c.in.Zones.Zone(s.SourceZone)
		if src == nil {
			continue
		}
		label := s.File
		if !s.Start.IsZero() {
			label += " (" + s.Start.Format("2006-01-02") + ")"
		}
		for _, h := range s.Results {
			ip, err := netip.ParseAddr(h.IP)
			if err != nil {
				continue
			}
			dst := c.in.Zones.ZoneOf(ip)
			if dst == nil {
				continue
			}
			var acc Access
			var ports []string
			for _, p := range h.Open {
				proto, n, ok := strings.Cut(p, "/")
				num, err := strconv.Atoi(n)
				if !ok || err != nil {
					continue
				}
				switch proto {
				case "tcp":
					acc.TCP = acc.TCP.union(portSet{{num, num}})
				case "udp":
					acc.UDP = acc.UDP.union(portSet{{num, num}})
				default:
					continue
				}
				ports = append(ports, p)
			}
			if acc.Empty() {
				continue
			}
			k := pairKey(src.Name, dst.Name)
			of := c.observed[k]
			if of == nil {
				of = &ObservedFlow{From: src.Name, To: dst.Name}
				c.observed[k] = of
			}
			of.Access = of.Access.Union(acc)
			if len(of.Hosts) < 20 {
				of.Hosts = append(of.Hosts, h.IP+" "+strings.Join(ports, " "))
			}
			if !contains(of.Scans, label) {
				of.Scans = append(of.Scans, label)
			}
		}
	}
	for _, of := range c.observed {
		of.Text = of.Access.String()
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// reach is what zone a can open towards zone b: by the policy, by scans, or both.
type reach struct {
	policy   Access // allowed by the policy
	sure     bool   // the policy part holds for every address
	observed Access // seen in scans
	cell     *Cell
	obs      *ObservedFlow
}

func (r reach) all() Access { return r.policy.Union(r.observed) }

func (c *checker) reach(a, b *Zone) reach {
	var r reach
	if cell := c.matrix.Cell(a.Name, b.Name); cell != nil {
		r.policy, r.sure, r.cell = cell.Allowed, !cell.Partial, cell
	}
	if of := c.observed[pairKey(a.Name, b.Name)]; of != nil {
		r.observed, r.obs = of.Access, of
	}
	return r
}

// pairEvidence describes a zone-to-zone problem.
func (c *checker) pairEvidence(a, b *Zone, r reach, offending Access) []map[string]any {
	row := map[string]any{"from": a.Name, "to": b.Name, "reachable": offending.String()}
	if doc := c.in.Zones.Documented(a.Name, b.Name); !doc.Empty() {
		row["documented"] = doc.String()
	}
	if r.cell != nil {
		rules := r.cell.Rules
		if len(rules) > 8 {
			rules = append(rules[:8:8], fmt.Sprintf("and %d more", len(r.cell.Rules)-8))
		}
		row["allowed_by"] = strings.Join(rules, "; ")
		row["only_some_addresses"] = r.cell.Partial
		row["policy"] = c.in.Policy.File
	}
	var devices []string
	for _, x := range c.byZone[b.Name] {
		if len(devices) == 10 {
			devices = append(devices, fmt.Sprintf("and %d more", len(c.byZone[b.Name])-10))
			break
		}
		d := x.Label()
		if len(x.IPs) > 0 && x.IPs[0] != d {
			d += " (" + x.IPs[0] + ")"
		}
		devices = append(devices, d)
	}
	if len(devices) > 0 {
		row["devices_in_target_zone"] = strings.Join(devices, ", ")
	}
	ev := []map[string]any{row}
	if r.obs != nil && !r.observed.Intersect(offending).Empty() {
		obs := map[string]any{"observed_in_scan": strings.Join(r.obs.Scans, ", "), "open": strings.Join(r.obs.Hosts, "; ")}
		if c.in.Policy != nil {
			extra := r.observed.Minus(r.policy)
			obs["policy_allows_all_of_it"] = extra.Empty()
			if !extra.Empty() {
				obs["reached_although_policy_blocks"] = extra.String()
			}
		}
		ev = append(ev, obs)
	}
	return ev
}

// severityFor lowers a severity when the evidence is only "maybe".
func severityFor(s hipaa.Severity, r reach, offending Access) hipaa.Severity {
	if !r.observed.Intersect(offending).Empty() || r.sure {
		return s
	}
	if rk := s.Rank(); rk > 1 {
		return hipaa.Severities[rk-1]
	}
	return s
}

// pairChecks runs the zone-to-zone checks: SEG-03, 05, 06, 07, 08 and the
// policy-versus-scan comparison.
func (c *checker) pairChecks() {
	z := c.in.Zones
	for _, a := range z.Zones {
		for _, b := range z.Zones {
			if a == b {
				continue
			}
			r := c.reach(a, b)
			doc := z.Documented(a.Name, b.Name)
			undocumented := r.all().Minus(doc)
			if undocumented.Empty() {
				continue
			}
			subject := a.Name + " → " + b.Name
			key := a.Name + ">" + b.Name
			switch {
			case a.Kind == KindGuest && b.Kind != KindInternet && b.Kind != KindGuest:
				sev := hipaa.SeverityHigh
				switch b.Kind {
				case KindMedical:
					sev = hipaa.SeverityCritical
				case KindIoT:
					sev = hipaa.SeverityModerate
				}
				sev = severityFor(sev, r, undocumented)
				c.add("SEG-03", sev, key, subject, fmt.Sprintf("The guest network %s can reach the %s zone %s (%s)%s", a.Name, b.Kind, b.Name, undocumented, c.howKnown(r, undocumented)),
					c.pairEvidence(a, b, r, undocumented))
			case a.Kind == KindInternet && b.Kind != KindInternet:
				sev := hipaa.SeverityHigh
				if b.Kind == KindMedical {
					sev = hipaa.SeverityCritical
				}
				sev = severityFor(sev, r, undocumented)
				c.add("SEG-07", sev, key, subject, fmt.Sprintf("The internet can open connections into the %s zone %s (%s)%s", b.Kind, b.Name, undocumented, c.howKnown(r, undocumented)),
					c.pairEvidence(a, b, r, undocumented))
			case a.Kind == KindMedical && b.Kind == KindInternet:
				sev := hipaa.SeverityModerate
				if undocumented.Everything() {
					sev = hipaa.SeverityHigh
				}
				c.add("SEG-08", severityFor(sev, r, undocumented), key, subject,
					fmt.Sprintf("Medical devices in %s can reach the internet (%s) beyond the documented vendor connections", a.Name, undocumented), c.pairEvidence(a, b, r, undocumented))
			}
			if b.Kind == KindMedical && (a.Kind == KindWorkstation || a.Kind == KindClinical || a.Kind == KindServer || a.Kind == KindIoT) {
				admin := undocumented.Intersect(adminAccess)
				if !admin.Empty() {
					c.add("SEG-06", severityFor(hipaa.SeverityHigh, r, admin), key, subject,
						fmt.Sprintf("Admin or remote-control ports on medical devices in %s (%s) are reachable from %s", b.Name, admin, a.Name), c.pairEvidence(a, b, r, admin))
				}
				if a.Kind == KindWorkstation || a.Kind == KindClinical {
					rest := undocumented.Minus(adminAccess)
					if !rest.Empty() {
						sev := hipaa.SeverityModerate
						if rest.Everything() {
							sev = hipaa.SeverityHigh
						}
						c.add("SEG-05", severityFor(sev, r, rest), key, subject,
							fmt.Sprintf("%s can reach medical devices in %s on %s, which no documented connection needs", a.Name, b.Name, rest), c.pairEvidence(a, b, r, rest))
					}
				}
			}
		}
	}
	// Inbound port forwards.
	if p := c.in.Policy; p != nil {
		for _, n := range p.NAT {
			zone := z.ZoneOf(n.To)
			zname, kind := "an address outside every zone", ZoneKind("")
			if zone != nil {
				zname, kind = zone.Name, zone.Kind
			}
			acc := natAccess(n)
			if zone != nil {
				for _, inet := range z.OfKind(KindInternet) {
					acc = acc.Minus(z.Documented(inet.Name, zone.Name))
				}
			}
			if acc.Empty() {
				continue
			}
			sev := hipaa.SeverityHigh
			if kind == KindMedical {
				sev = hipaa.SeverityCritical
			}
			ev := map[string]any{"forward": n.Describe(), "where": n.Where, "target_zone": zname}
			c.add("SEG-07", sev, "nat|"+n.To.String()+"|"+acc.String(), "port forward to "+n.To.String(),
				fmt.Sprintf("The firewall forwards %s from the internet to %s in %s", acc, n.To, zname), []map[string]any{ev})
		}
	}
	// Policy versus scans: allowed by the policy, yet nothing answered.
	if c.in.Policy != nil {
		for _, s := range c.in.Scans {
			src := z.Zone(s.SourceZone)
			if src == nil || src.Kind == KindManagement {
				continue
			}
			targets := map[string][]inventory.HostResult{}
			for _, h := range s.Results {
				if ip, err := netip.ParseAddr(h.IP); err == nil {
					if d := z.ZoneOf(ip); d != nil && d != src {
						targets[d.Name] = append(targets[d.Name], h)
					}
				}
			}
			for dst, hosts := range targets {
				cell := c.matrix.Cell(src.Name, dst)
				if cell == nil || cell.Partial || cell.Sure.TCP.count()+cell.Sure.UDP.count() > 64 {
					continue // a broad allow says nothing about a rule being used
				}
				var seen Access
				for _, h := range hosts {
					for _, p := range append(append([]string{}, h.Open...), h.Closed...) {
						if acc, err := ParseService(p); err == nil {
							seen = seen.Union(acc)
						}
					}
				}
				scanned := scannedAccess(s.Scanned)
				quiet := cell.Sure.Intersect(scanned).Minus(seen)
				quiet.ICMP, quiet.Other = false, false
				if quiet.Empty() {
					continue
				}
				c.add("SEG-11", hipaa.SeverityInfo, "unused|"+src.Name+">"+dst, src.Name+" → "+dst,
					fmt.Sprintf("The policy allows %s from %s to %s, but the scan from %s found nothing answering there: check whether the rule is still needed", quiet, src.Name, dst, src.Name),
					[]map[string]any{{"scan": s.File, "from": src.Name, "to": dst, "allowed_but_unanswered": quiet.String(), "hosts_scanned": len(hosts)}})
			}
		}
	}
}

func (c *checker) howKnown(r reach, offending Access) string {
	obs := !r.observed.Intersect(offending).Empty()
	pol := !r.policy.Intersect(offending).Empty()
	switch {
	case obs && pol:
		return "; the firewall policy allows it and a scan from inside the zone confirmed it"
	case obs && c.in.Policy != nil:
		return "; a scan from inside the zone reached it although the firewall policy on file blocks it, so the policy is out of date or traffic bypasses the firewall"
	case obs:
		return "; a scan from inside the zone reached it"
	case !r.sure:
		return "; the firewall policy allows it for some addresses or under conditions Safeguard could not check"
	}
	return "; the firewall policy allows it"
}

func natAccess(n NATRule) Access {
	ps := n.Ports
	if ps == nil {
		ps = allPorts
	}
	switch n.Proto {
	case "tcp":
		return Access{TCP: ps}
	case "udp":
		return Access{UDP: ps}
	}
	return Access{TCP: ps, UDP: ps}
}

func scannedAccess(m map[string]string) Access {
	var a Access
	for proto, list := range m {
		ps, err := parsePorts(list)
		if err != nil {
			continue
		}
		switch proto {
		case "tcp":
			a.TCP = ps
		case "udp":
			a.UDP = ps
		}
	}
	return a
}

func (c *checker) seg01(unplaced []*inventory.Asset) {
	for _, a := range unplaced {
		c.add("SEG-01", hipaa.SeverityModerate, a.ID, a.Label(),
			fmt.Sprintf("%s (%s) is outside every zone in the zones file, so the network map and the checks miss it: add its range to a zone", a.Label(), strings.Join(a.IPs, ", ")),
			[]map[string]any{{"asset_id": a.ID, "ips": strings.Join(a.IPs, ", "), "kind": string(a.Kind)}})
	}
}

func (c *checker) seg02() {
	for _, a := range c.in.Assets {
		if !a.Medical() {
			continue
		}
		zone := c.in.Zones.Zone(a.Zone)
		if zone == nil || (zone.Kind != KindGuest && zone.Kind != KindWorkstation && zone.Kind != KindClinical) {
			continue
		}
		c.add("SEG-02", hipaa.SeverityHigh, a.ID, a.Label(),
			fmt.Sprintf("Medical device %s sits in the %s zone %s with ordinary computers: move it to a medical-device zone", a.Label(), zone.Kind, zone.Name),
			[]map[string]any{{"asset_id": a.ID, "zone": zone.Name, "zone_kind": string(zone.Kind), "ips": strings.Join(a.IPs, ", "), "why_medical": a.KindReason}})
	}
}

func (c *checker) seg04() {
	for _, g := range c.in.Zones.OfKind(KindGuest) {
		if g.ClientIsolation != nil && !*g.ClientIsolation {
			c.add("SEG-04", hipaa.SeverityModerate, g.Name+"|config", g.Name,
				fmt.Sprintf("Client isolation is off on the guest network %s, so visitors' devices can reach each other", g.Name),
				[]map[string]any{{"zone": g.Name, "client_isolation": false, "ssid": g.SSID}})
		}
		for _, s := range c.in.Scans {
			if !strings.EqualFold(s.SourceZone, g.Name) {
				continue
			}
			var hosts []string
			for _, h := range s.Results {
				ip, err := netip.ParseAddr(h.IP)
				if err != nil || !g.set.contains(ip) {
					continue
				}
				var open []string
				for _, p := range h.Open {
					if p != "tcp/53" && p != "udp/53" && p != "udp/67" {
						open = append(open, p)
					}
				}
				if len(open) > 0 {
					hosts = append(hosts, h.IP+" "+strings.Join(open, " "))
				}
			}
			if len(hosts) > 0 {
				if len(hosts) > 20 {
					hosts = hosts[:20]
				}
				c.add("SEG-04", hipaa.SeverityHigh, g.Name+"|scan", g.Name,
					fmt.Sprintf("A scan from the guest network %s reached %d other device(s) on it: turn on client isolation", g.Name, len(hosts)),
					[]map[string]any{{"zone": g.Name, "scan": s.File, "reached": strings.Join(hosts, "; ")}})
			}
		}
	}
}

func (c *checker) seg09() {
	z := c.in.Zones
	for _, inet := range z.OfKind(KindInternet) {
		for _, m := range z.OfKind(KindMedical) {
			r := c.reach(inet, m)
			rc := r.all().Minus(z.Documented(inet.Name, m.Name)).Intersect(remoteControl)
			if c.in.Policy != nil {
				for _, n := range c.in.Policy.NAT {
					if m.set.contains(n.To) {
						rc = rc.Union(natAccess(n).Intersect(remoteControl))
					}
				}
			}
			if !rc.Empty() {
				c.add("SEG-09", hipaa.SeverityHigh, inet.Name+">"+m.Name, m.Name,
					fmt.Sprintf("Remote-control ports (%s) on medical devices in %s can be reached straight from the internet: route vendor access through a VPN that staff switch on per session", rc, m.Name),
					c.pairEvidence(inet, m, r, rc))
			}
		}
	}
	for _, a := range c.in.Assets {
		if a.VendorRemoteAccess == inventory.RemoteAlwaysOn {
			c.add("SEG-09", hipaa.SeverityModerate, a.ID, a.Label(),
				fmt.Sprintf("The maker of %s has always-on remote access to it: switch to access staff grant per session, with MFA and a log", a.Label()),
				[]map[string]any{{"asset_id": a.ID, "vendor_remote_access": a.VendorRemoteAccess, "manufacturer": a.Manufacturer}})
		}
	}
}

func (c *checker) seg10() {
	p := c.in.Policy
	switch p.Model {
	case ModelChains:
		if p.Defaults["FORWARD"] == Accept && !endsWithCatchAll(p.Chains["FORWARD"]) {
			c.add("SEG-10", hipaa.SeverityHigh, "FORWARD", "firewall "+p.File,
				"The firewall lets through any traffic between networks that no rule blocks (FORWARD policy ACCEPT): set the policy to DROP and allow only what is needed",
				[]map[string]any{{"policy": p.File, "chain": "FORWARD", "default": "ACCEPT"}})
		}
	case ModelList:
		if p.Defaults["rules"] == Accept {
			c.add("SEG-10", hipaa.SeverityHigh, "rules", "firewall "+p.File,
				"The rule list allows whatever no rule blocks (default: allow): make the default deny",
				[]map[string]any{{"policy": p.File, "default": "allow"}})
		}
	}
	// An allow-everything rule matters when it is what lets one inside zone
	// reach another (a guest rule to "any" after a block of private
	// addresses is fine).
	inside := map[string]bool{}
	for _, cell := range c.matrix.List() {
		from, to := c.in.Zones.Zone(cell.From), c.in.Zones.Zone(cell.To)
		if from == nil || to == nil || to.Kind == KindInternet || from.Kind == KindManagement || from.Kind == KindInternet {
			continue
		}
		for _, id := range cell.Rules {
			inside[id] = true
		}
	}
	for _, r := range p.Rules() {
		ownNet := p.Model == ModelInterfaces && r.Src.Iface == r.Chain && !r.Src.Neg
		if r.Action != Accept || !(r.Src.Any || ownNet) || !r.Dst.Any || r.Ports != nil || (r.Proto != "" && r.Proto != "all") || r.ReturnOnly || r.Out != "" {
			continue
		}
		if !inside[r.ID+" ("+r.Where+")"] {
			continue
		}
		c.add("SEG-10", hipaa.SeverityHigh, "anyany|"+r.Chain+"|"+r.ID, r.ID,
			fmt.Sprintf("Rule %s allows everything to everywhere, so other inside networks are reachable through it: replace it with the connections actually needed", r.ID),
			[]map[string]any{{"rule": r.ID, "where": r.Where, "rule_text": r.Describe()}})
	}
}

func endsWithCatchAll(rules []*Rule) bool {
	for i := len(rules) - 1; i >= 0; i-- {
		r := rules[i]
		if r.Action == Pass {
			continue
		}
		return (r.Action == Drop || r.Action == Reject) && r.Src.Any && r.Dst.Any && r.Ports == nil && r.Proto == "" && r.In == "" && r.Out == "" && r.Exact
	}
	return false
}

// seg11 looks for rules that can never match (shadowed by an earlier rule)
// and for broad "allow any" rules.
func (c *checker) seg11() {
	p := c.in.Policy
	e := &evaluator{z: c.in.Zones, p: p, warned: map[string]bool{}}
	var rows []map[string]any
	var chains []string
	for n := range p.Chains {
		chains = append(chains, n)
	}
	sort.Strings(chains)
	for _, name := range chains {
		rules := p.Chains[name]
		for j, rj := range rules {
			if rj.Action == Pass || rj.Action == Jump {
				continue
			}
			for i := 0; i < j; i++ {
				ri := rules[i]
				if !ri.Action.terminal() || !ri.Exact || ri.ReturnOnly != rj.ReturnOnly {
					continue
				}
				if covers(e, ri, rj) {
					what := "can never match"
					if ri.Action != rj.Action {
						what = "can never take effect (it contradicts the earlier rule)"
					} else if ri.Signature() == rj.Signature() {
						what = "duplicates the earlier rule"
					}
					rows = append(rows, map[string]any{"rule": rj.ID, "where": rj.Where, "rule_text": rj.Describe(), "problem": what, "because_of": ri.ID + " (" + ri.Where + ")"})
					break
				}
			}
		}
	}
	for _, r := range p.Rules() {
		if r.Action == Accept && r.Src.Any && r.Dst.Any && r.Ports != nil && r.Ports.full() {
			rows = append(rows, map[string]any{"rule": r.ID, "where": r.Where, "rule_text": r.Describe(), "problem": "allows every port between any addresses"})
		}
	}
	if len(rows) == 0 {
		return
	}
	n := len(rows)
	if len(rows) > 25 {
		rows = rows[:25]
	}
	c.add("SEG-11", hipaa.SeverityLow, "rules|"+p.File, "firewall "+p.File,
		fmt.Sprintf("%d firewall rule(s) in %s never take effect or are too broad: review and remove them", n, p.File), rows)
}

// covers reports whether rule a matches everything rule b matches.
func covers(e *evaluator, a, b *Rule) bool {
	if a.In != "" && a.In != b.In || a.Out != "" && a.Out != b.Out {
		return false
	}
	if !addrCovers(e, a, a.Src, b, b.Src) || !addrCovers(e, a, a.Dst, b, b.Dst) {
		return false
	}
	ma, mb := a.match(), b.match()
	return mb.Minus(ma).Empty()
}

func addrCovers(e *evaluator, ra *Rule, a addrMatch, rb *Rule, b addrMatch) bool {
	if a.Any && !a.Neg {
		return true
	}
	if b.Any || a.self || b.self || a.Neg || b.Neg {
		return a.Neg == b.Neg && a.Text == b.Text
	}
	sb := e.resolve(b, rb)
	return len(sb) > 0 && sb.within(e.resolve(a, ra))
}

func (c *checker) seg12() {
	if c.in.Policy == nil && len(c.in.Scans) == 0 {
		return
	}
	z := c.in.Zones
	for _, a := range c.in.Assets {
		zone := z.Zone(a.Zone)
		if zone == nil {
			continue
		}
		for _, p := range a.OpenPorts() {
			sev, why, bad := inventory.InsecureService(a, p)
			if !bad || sev.Rank() < hipaa.SeverityModerate.Rank() {
				continue
			}
			var from []string
			for _, s := range z.Zones {
				if s == zone || s.Kind == KindManagement {
					continue
				}
				r := c.reach(s, zone)
				if r.all().Minus(z.Documented(s.Name, zone.Name)).Has(p.Protocol, p.Number) {
					from = append(from, s.Name)
				}
			}
			if len(from) == 0 {
				continue
			}
			c.add("SEG-12", sev, a.ID+"|"+p.Key(), a.Label(),
				fmt.Sprintf("%s offers %s on %s and other zones (%s) can reach it: %s", a.Label(), p.Service, p.Key(), strings.Join(from, ", "), why),
				[]map[string]any{{"asset_id": a.ID, "zone": zone.Name, "port": p.Key(), "service": p.Service, "reachable_from": strings.Join(from, ", ")}})
		}
	}
}

func (c *checker) seg13() {
	z := c.in.Zones
	for _, a := range c.in.Assets {
		why, ok := c.in.Unsupported[a.ID]
		if !ok || !walledOffKind(a.Kind) {
			continue
		}
		zone := z.Zone(a.Zone)
		if zone == nil {
			continue
		}
		var problems []string
		switch zone.Kind {
		case KindGuest, KindWorkstation, KindClinical:
			problems = append(problems, fmt.Sprintf("it sits in the %s zone %s with ordinary devices", zone.Kind, zone.Name))
		}
		for _, s := range z.Zones {
			if s == zone || s.Kind == KindManagement || s.Kind == KindServer || s.Kind == KindMedical {
				continue
			}
			r := c.reach(s, zone)
			extra := r.all().Minus(z.Documented(s.Name, zone.Name))
			if extra.Empty() {
				continue
			}
			switch s.Kind {
			case KindGuest, KindInternet, KindIoT:
				problems = append(problems, fmt.Sprintf("%s can reach it (%s)", s.Name, extra))
			case KindWorkstation, KindClinical:
				problems = append(problems, fmt.Sprintf("%s can reach it beyond the documented connections (%s)", s.Name, extra))
			}
		}
		if len(problems) == 0 {
			continue
		}
		c.add("SEG-13", hipaa.SeverityHigh, a.ID, a.Label(),
			fmt.Sprintf("%s no longer gets security updates (%s) and is not walled off: %s", a.Label(), why, strings.Join(problems, "; ")),
			[]map[string]any{{"asset_id": a.ID, "zone": zone.Name, "unsupported": why, "problems": strings.Join(problems, "; ")}})
	}
}

// walledOffKind reports kinds of asset that often cannot be upgraded and
// must instead be kept apart: an office computer on an old system is to be
// upgraded (EOL-01 says so), a device is to be isolated.
func walledOffKind(k inventory.Kind) bool {
	switch k {
	case inventory.KindMedicalDevice, inventory.KindIoT, inventory.KindPrinter, inventory.KindNetworkDevice, inventory.KindUnknown:
		return true
	}
	return false
}

func (c *checker) seg14() {
	z := c.in.Zones
	for _, a := range c.in.Assets {
		if !a.Medical() || a.SSID == "" {
			continue
		}
		for _, zone := range z.Zones {
			if zone.SSID == "" || !strings.EqualFold(zone.SSID, a.SSID) || zone.Kind == KindMedical {
				continue
			}
			c.add("SEG-14", hipaa.SeverityModerate, a.ID, a.Label(),
				fmt.Sprintf("Wireless medical device %s joins the Wi-Fi network %s, which belongs to the %s zone %s: give medical devices their own Wi-Fi network and VLAN", a.Label(), a.SSID, zone.Kind, zone.Name),
				[]map[string]any{{"asset_id": a.ID, "ssid": a.SSID, "zone": zone.Name, "zone_kind": string(zone.Kind)}})
		}
	}
}

func (c *checker) seg15() {
	z := c.in.Zones
	if len(z.OfKind(KindMedical)) == 0 && len(z.OfKind(KindGuest)) == 0 {
		c.skip("no medical or guest zone defined", "SEG-15")
		return
	}
	var last time.Time
	var lastFile string
	for _, s := range c.in.Scans {
		src := z.Zone(s.SourceZone)
		if src == nil || src.Kind == KindManagement {
			continue
		}
		if s.Start.After(last) {
			last, lastFile = s.Start, s.File
		}
	}
	switch {
	case last.IsZero():
		c.add("SEG-15", hipaa.SeverityModerate, "segmentation-test", "segmentation test",
			"No scan taken from inside the guest, office or clinical networks is on file, so the separation has never been tested: scan from each zone and import it with --source-zone",
			[]map[string]any{{"last_test": "none"}})
	case c.in.Now.Sub(last) > 365*24*time.Hour:
		c.add("SEG-15", hipaa.SeverityModerate, "segmentation-test", "segmentation test",
			fmt.Sprintf("The last test of network separation was on %s, more than a year ago: scan again from inside each zone", last.Format("2006-01-02")),
			[]map[string]any{{"last_test": last.Format("2006-01-02"), "scan": lastFile}})
	case c.in.Policy != nil && c.in.PolicyImported.After(last):
		c.add("SEG-15", hipaa.SeverityLow, "segmentation-test", "segmentation test",
			fmt.Sprintf("The firewall policy changed on %s, after the last separation test (%s): test again from inside each zone", c.in.PolicyImported.Format("2006-01-02"), last.Format("2006-01-02")),
			[]map[string]any{{"last_test": last.Format("2006-01-02"), "policy_imported": c.in.PolicyImported.Format("2006-01-02")}})
	}
}

func (c *checker) seg16() {
	if c.in.FirstCheck {
		c.skip("first check: later checks report what changed since this one", "SEG-16")
		return
	}
	type group struct {
		subject string
		rows    []map[string]any
		medical bool
	}
	groups := map[string]*group{}
	var keys []string
	medical := map[string]bool{}
	for _, a := range c.in.Assets {
		medical[a.ID] = a.Medical()
	}
	for _, ch := range c.in.Changes {
		g := groups[ch.SubjectID]
		if g == nil {
			g = &group{subject: ch.Subject}
			groups[ch.SubjectID] = g
			keys = append(keys, ch.SubjectID)
		}
		if medical[ch.SubjectID] {
			g.medical = true
		}
		if len(g.rows) < 25 {
			g.rows = append(g.rows, map[string]any{"when": ch.At.Format(time.RFC3339), "change": ch.Kind, "detail": ch.Detail})
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		g := groups[k]
		sev := hipaa.SeverityLow
		if g.medical {
			sev = hipaa.SeverityModerate
		}
		c.add("SEG-16", sev, k, g.subject,
			fmt.Sprintf("%s changed since the last network check (%d change(s)): confirm each change was intended", g.subject, len(g.rows)), g.rows)
	}
}
