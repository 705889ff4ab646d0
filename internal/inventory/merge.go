package inventory

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The kinds of change Merge records.
const (
	DriftNewAsset       = "new_asset"
	DriftNewPort        = "new_port"
	DriftPortClosed     = "port_closed"
	DriftOSChange       = "os_change"
	DriftAddressChange  = "address_change"
	DriftFirmwareChange = "firmware_change"
)

// Drift is one change to the inventory that an import revealed.
type Drift struct {
	AssetID string    `json:"asset_id"`
	Asset   string    `json:"asset"`
	Change  string    `json:"change"`
	Detail  string    `json:"detail"`
	Source  string    `json:"source"`
	At      time.Time `json:"at"`
}

// observation is what a scan saw of a host beyond its open ports, so that
// Merge can tell a port that closed from one the scan could not reach.
type observation struct {
	closed     []string // ports that answered "closed"
	restClosed bool     // every port not listed answered "closed"
	scanned    map[string]string
}

// given records which optional fields an import actually supplied, so
// that an empty cell never erases what is known.
type given map[string]bool

// MergeOptions says where incoming assets come from.
type MergeOptions struct {
	// Source names the import for history, e.g. "nmap:scan.xml".
	Source string
	Now    time.Time
	// NewID makes IDs for new assets.
	NewID func() string
	// Authoritative imports (the practice's own CSV list, a manufacturer's
	// SBOM) overwrite descriptive fields; scans only fill gaps.
	Authoritative bool
	// Into, when set, merges every incoming asset into the asset with this
	// ID instead of looking for a match (an SBOM for a known device).
	Into string
}

// MergeResult is the inventory after a merge.
type MergeResult struct {
	// Assets is the whole inventory, old and new.
	Assets []*Asset
	// Touched are the assets created or updated, to be saved.
	Touched []*Asset
	Drift   []Drift
	Created int
	Updated int
}

// index finds existing assets by MAC, serial number, or IP and host name.
type index struct {
	byMAC    map[string]*Asset
	bySerial map[string]*Asset
	byIP     map[string][]*Asset
	byID     map[string]*Asset
}

func newIndex(list []*Asset) *index {
	ix := &index{byMAC: map[string]*Asset{}, bySerial: map[string]*Asset{}, byIP: map[string][]*Asset{}, byID: map[string]*Asset{}}
	for _, a := range list {
		ix.add(a)
	}
	return ix
}

func (ix *index) add(a *Asset) {
	ix.byID[a.ID] = a
	for _, m := range a.MACs {
		ix.byMAC[m] = a
	}
	if s := normSerial(a.Serial); s != "" {
		ix.bySerial[s] = a
	}
	for _, ip := range a.IPs {
		if !slices.Contains(ix.byIP[ip], a) {
			ix.byIP[ip] = append(ix.byIP[ip], a)
		}
	}
}

// find returns the existing asset an incoming one describes: same MAC, or
// same serial number, or same IP address with a compatible host name (the
// same, or missing on one side) and no conflicting MAC or serial.
func (ix *index) find(in *Asset) *Asset {
	for _, m := range in.MACs {
		if a := ix.byMAC[m]; a != nil {
			return a
		}
	}
	if s := normSerial(in.Serial); s != "" {
		if a := ix.bySerial[s]; a != nil {
			return a
		}
	}
	for _, ip := range in.IPs {
		for _, a := range ix.byIP[ip] {
			if compatible(a, in) {
				return a
			}
		}
	}
	return nil
}

func compatible(a, b *Asset) bool {
	if len(a.MACs) > 0 && len(b.MACs) > 0 && !intersects(a.MACs, b.MACs) {
		return false
	}
	if sa, sb := normSerial(a.Serial), normSerial(b.Serial); sa != "" && sb != "" && sa != sb {
		return false
	}
	if len(a.Hostnames) > 0 && len(b.Hostnames) > 0 && !intersects(a.Hostnames, b.Hostnames) {
		return false
	}
	return true
}

func intersects(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// Merge folds incoming assets into the inventory without making
// duplicates, and records what changed. existing is not modified except
// for the assets it returns as touched.
func Merge(existing, incoming []*Asset, opt MergeOptions) (*MergeResult, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now().UTC()
	}
	res := &MergeResult{Assets: append([]*Asset{}, existing...)}
	ix := newIndex(existing)
	touched := map[*Asset]bool{}
	created := map[*Asset]bool{}
	for _, in := range incoming {
		var a *Asset
		if opt.Into != "" {
			a = ix.byID[opt.Into]
			if a == nil {
				return nil, fmt.Errorf("inventory: no asset %s to merge into", opt.Into)
			}
		} else {
			a = ix.find(in)
		}
		if a == nil {
			a = &Asset{ID: opt.NewID(), Kind: KindUnknown, FirstSeen: opt.Now}
			created[a] = true
			res.Assets = append(res.Assets, a)
			res.Created++
		} else if !created[a] && !touched[a] {
			res.Updated++
		}
		res.Drift = append(res.Drift, apply(a, in, opt, created[a])...)
		touched[a] = true
		ix.add(a)
	}
	for _, a := range res.Assets {
		if touched[a] {
			Classify(a)
			res.Touched = append(res.Touched, a)
		}
	}
	for _, a := range res.Touched {
		if created[a] {
			res.Drift = append(res.Drift, Drift{AssetID: a.ID, Asset: a.Label(), Change: DriftNewAsset, Source: opt.Source, At: opt.Now,
				Detail: fmt.Sprintf("first seen: %s", describe(a))})
		}
	}
	for i := range res.Drift {
		if res.Drift[i].Asset == "" {
			res.Drift[i].Asset = res.Drift[i].AssetID
		}
	}
	sort.SliceStable(res.Drift, func(i, j int) bool {
		if res.Drift[i].Asset != res.Drift[j].Asset {
			return res.Drift[i].Asset < res.Drift[j].Asset
		}
		return res.Drift[i].Change < res.Drift[j].Change
	})
	return res, nil
}

// describe is a one-line description of an asset for drift records.
func describe(a *Asset) string {
	var parts []string
	if len(a.IPs) > 0 {
		parts = append(parts, strings.Join(a.IPs, ", "))
	}
	if a.Manufacturer != "" || a.Model != "" {
		parts = append(parts, strings.TrimSpace(a.Manufacturer+" "+a.Model))
	}
	if a.OS.Name != "" {
		parts = append(parts, a.OS.Name)
	}
	if n := len(a.OpenPorts()); n > 0 {
		var ps []string
		for _, p := range a.OpenPorts() {
			ps = append(ps, p.Key())
		}
		if n > 8 {
			ps = append(ps[:8], "…")
		}
		parts = append(parts, "open "+strings.Join(ps, " "))
	}
	if len(parts) == 0 {
		return "no details yet"
	}
	return strings.Join(parts, "; ")
}

// apply copies what an import says of an asset onto the stored record and
// returns the changes worth recording.
func apply(a, in *Asset, opt MergeOptions, isNew bool) []Drift {
	var drift []Drift
	note := func(change, format string, args ...any) {
		if isNew {
			return
		}
		drift = append(drift, Drift{AssetID: a.ID, Asset: a.Label(), Change: change, Detail: fmt.Sprintf(format, args...), Source: opt.Source, At: opt.Now})
	}
	for _, ip := range in.IPs {
		if !slices.Contains(a.IPs, ip) && len(a.IPs) > 0 {
			note(DriftAddressChange, "new IP address %s (was %s)", ip, strings.Join(a.IPs, ", "))
		}
	}
	a.IPs = addUnique(a.IPs, in.IPs...)
	a.MACs = addUnique(a.MACs, in.MACs...)
	a.Hostnames = addUnique(a.Hostnames, in.Hostnames...)
	if in.MACVendor != "" {
		a.MACVendor = in.MACVendor
	}
	set := func(dst *string, v string) {
		if v == "" {
			return
		}
		if *dst == "" || opt.Authoritative {
			*dst = v
		}
	}
	set(&a.Name, in.Name)
	set(&a.Manufacturer, in.Manufacturer)
	set(&a.Model, in.Model)
	set(&a.Serial, in.Serial)
	set(&a.AssetTag, in.AssetTag)
	set(&a.Owner, in.Owner)
	set(&a.Location, in.Location)
	set(&a.Criticality, in.Criticality)
	set(&a.VLAN, in.VLAN)
	set(&a.SSID, in.SSID)
	set(&a.SupportStatus, in.SupportStatus)
	set(&a.EndOfSupport, in.EndOfSupport)
	set(&a.VendorRemoteAccess, in.VendorRemoteAccess)
	set(&a.Notes, in.Notes)
	if in.given["stores_ephi"] {
		a.StoresEPHI = in.StoresEPHI
	}
	if in.given["transmits_ephi"] {
		a.TransmitsEPHI = in.TransmitsEPHI
	}
	if in.KindSource == KindByImport && a.KindSource != KindByUser {
		a.Kind, a.KindSource, a.KindReason = in.Kind, KindByImport, "stated in "+opt.Source
	}
	if in.Zone != "" && a.ZoneSource != KindByUser {
		a.Zone, a.ZoneSource = in.Zone, "import"
	}
	if in.OS.Name != "" {
		replace := a.OS.Name == "" || opt.Authoritative || a.OS.Source == in.OS.Source || a.OS.Source == "nmap"
		if in.OS.Source == "nmap" && a.OS.Source != "" && a.OS.Source != "nmap" {
			replace = false // a scan's guess never overrides what the practice recorded
		}
		if replace {
			if a.OS.Name != "" && osKey(a.OS) != osKey(in.OS) {
				note(DriftOSChange, "operating system changed from %q to %q", a.OS.Text(), in.OS.Text())
			}
			a.OS = in.OS
		}
	}
	if in.Firmware != "" && in.Firmware != a.Firmware {
		if a.Firmware != "" {
			note(DriftFirmwareChange, "firmware changed from %s to %s", a.Firmware, in.Firmware)
		}
		a.Firmware = in.Firmware
	}
	if len(in.Software) > 0 {
		if opt.Authoritative && strings.HasPrefix(opt.Source, "sbom") {
			a.Software = append([]Component{}, in.Software...)
		} else {
			for _, c := range in.Software {
				i := slices.IndexFunc(a.Software, func(x Component) bool { return strings.EqualFold(x.Name, c.Name) })
				if i < 0 {
					a.Software = append(a.Software, c)
				} else {
					a.Software[i] = c
				}
			}
		}
	}
	a.NotAffected = addUnique(a.NotAffected, in.NotAffected...)
	// Ports: new open ports are drift; a port is closed only when the scan
	// saw it answer "closed", never when a firewall hid it.
	for _, p := range in.Ports {
		i := slices.IndexFunc(a.Ports, func(x Port) bool { return x.Protocol == p.Protocol && x.Number == p.Number })
		if i < 0 {
			if p.Open() {
				note(DriftNewPort, "new open port %s%s", p.Key(), serviceSuffix(p))
			}
			a.Ports = append(a.Ports, p)
			continue
		}
		if !a.Ports[i].Open() && p.Open() {
			note(DriftNewPort, "port %s is open again%s", p.Key(), serviceSuffix(p))
		}
		a.Ports[i] = p
	}
	if ob := in.seen; ob != nil {
		kept := a.Ports[:0]
		for _, p := range a.Ports {
			if p.Open() && (slices.Contains(ob.closed, p.Key()) || (ob.restClosed && inRanges(ob.scanned[p.Protocol], p.Number) && !hasPort(in.Ports, p))) {
				note(DriftPortClosed, "port %s%s no longer open", p.Key(), serviceSuffix(p))
				continue
			}
			kept = append(kept, p)
		}
		a.Ports = kept
	}
	sort.Slice(a.Ports, func(i, j int) bool {
		if a.Ports[i].Protocol != a.Ports[j].Protocol {
			return a.Ports[i].Protocol < a.Ports[j].Protocol
		}
		return a.Ports[i].Number < a.Ports[j].Number
	})
	a.Sources = addUnique(a.Sources, opt.Source)
	if opt.Authoritative {
		a.Confirmed = true
	}
	if a.FirstSeen.IsZero() {
		a.FirstSeen = opt.Now
	}
	a.LastSeen = opt.Now
	return drift
}

func hasPort(list []Port, p Port) bool {
	return slices.ContainsFunc(list, func(x Port) bool { return x.Protocol == p.Protocol && x.Number == p.Number })
}

func serviceSuffix(p Port) string {
	s := strings.TrimSpace(p.Service + " " + p.Product + " " + p.Version)
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// osKey reduces an OS name to what identifies its release, so that two
// ways of naming the same system ("Microsoft Windows 7 SP1", "Windows 7
// Professional 7601 Service Pack 1") are not reported as a change.
func osKey(o OS) string {
	s := strings.ToLower(o.Name)
	s = osNoise.ReplaceAllString(s, " ")
	f := strings.Fields(s)
	if len(f) > 3 {
		f = f[:3]
	}
	return strings.Join(f, " ")
}

var osNoise = regexp.MustCompile(`\([^)]*\)|\bservice pack \d+\b|\bsp\d+\b|\b(?:[6-9]\d{3}|\d{5})\b|\b(microsoft|apple|professional|enterprise|ultimate|home|pro|edition|uncertain guess|64-bit|32-bit|x64)\b`)

// inRanges reports whether port n is in an nmap services list such as "1-1000,3389".
func inRanges(list string, n int) bool {
	for _, part := range strings.Split(list, ",") {
		lo, hi, ok := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if ok {
			if b, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		if n >= a && n <= b {
			return true
		}
	}
	return false
}
