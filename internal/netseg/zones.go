package netseg

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// ZoneKind says what a zone is for.
type ZoneKind string

// The zone kinds.
const (
	KindInternet    ZoneKind = "internet"
	KindGuest       ZoneKind = "guest"
	KindWorkstation ZoneKind = "workstation"
	KindClinical    ZoneKind = "clinical"
	KindMedical     ZoneKind = "medical"
	KindServer      ZoneKind = "server"
	KindIoT         ZoneKind = "iot"
	KindManagement  ZoneKind = "management"
)

// ZoneKinds lists every kind, in map order.
var ZoneKinds = []ZoneKind{KindInternet, KindGuest, KindWorkstation, KindClinical, KindServer, KindMedical, KindIoT, KindManagement}

func kindRank(k ZoneKind) int {
	for i, x := range ZoneKinds {
		if x == k {
			return i
		}
	}
	return len(ZoneKinds)
}

// Zone is one network segment.
type Zone struct {
	Name  string         `json:"name"`
	Kind  ZoneKind       `json:"kind"`
	CIDRs []netip.Prefix `json:"cidrs"`
	VLAN  int            `json:"vlan,omitempty"`
	SSID  string         `json:"ssid,omitempty"`
	// Interfaces names the firewall interfaces the zone sits behind
	// (iptables -i/-o names, pfSense interface names). A zone with a VLAN
	// is also tied to interfaces whose names end in that number (vlan30, eth0.30).
	Interfaces []string `json:"interfaces,omitempty"`
	// ClientIsolation, when set, says whether devices in the zone are kept
	// from reaching each other (usual for guest Wi-Fi).
	ClientIsolation *bool  `json:"client_isolation,omitempty"`
	Description     string `json:"description,omitempty"`
	// Implicit marks the internet zone Safeguard adds when the file has none.
	Implicit bool `json:"implicit,omitempty"`
	Line     int  `json:"-"`

	set ipSet
}

// Flow is a documented, intended connection between zones: the practice's
// statement of what should be allowed.
type Flow struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Access Access `json:"-"`
	Ports  string `json:"ports"`
	Reason string `json:"reason,omitempty"`
	Line   int    `json:"-"`
}

// Zones is the practice's zones file.
type Zones struct {
	File  string  `json:"file"`
	Zones []*Zone `json:"zones"`
	Flows []Flow  `json:"flows"`
}

type zonesDoc struct {
	Zones []struct {
		Name            string   `yaml:"name"`
		Kind            string   `yaml:"kind"`
		CIDRs           []string `yaml:"cidrs"`
		VLAN            int      `yaml:"vlan"`
		SSID            string   `yaml:"ssid"`
		Interfaces      []string `yaml:"interfaces"`
		ClientIsolation *bool    `yaml:"client_isolation"`
		Description     string   `yaml:"description"`
	} `yaml:"zones"`
	Flows []struct {
		From   string   `yaml:"from"`
		To     string   `yaml:"to"`
		Ports  []string `yaml:"ports"`
		Reason string   `yaml:"reason"`
	} `yaml:"flows"`
}

var zoneNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// ParseZones reads a zones file:
//
//	zones:
//	  - name: guest-wifi
//	    kind: guest
//	    cidrs: [10.0.50.0/24]
//	    vlan: 50
//	    ssid: Clinic-Guest
//	flows:
//	  - from: clinical
//	    to: medical
//	    ports: [tcp/104, tcp/11112]
//	    reason: workstations send and fetch images
//
// Zones must not share addresses. Everything is checked before the zones
// are returned; the first problem is reported as file:line.
func ParseZones(r io.Reader, name string) (*Zones, error) {
	var root yaml.Node
	if err := yaml.NewDecoder(r).Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s:1: the zones file is empty: list your network zones under zones:", name)
		}
		return nil, yamlError(name, err)
	}
	if err := checkKeys(name, &root, map[string][]string{"": {"zones", "flows"},
		"zones": {"name", "kind", "cidrs", "vlan", "ssid", "interfaces", "client_isolation", "description"},
		"flows": {"from", "to", "ports", "reason"}}); err != nil {
		return nil, err
	}
	var doc zonesDoc
	if err := root.Decode(&doc); err != nil {
		return nil, yamlError(name, err)
	}
	zn, fn := itemNodes(&root, "zones"), itemNodes(&root, "flows")
	z := &Zones{File: name}
	seen := map[string]*Zone{}
	for i, d := range doc.Zones {
		line := lineOf(zn, i)
		zone := &Zone{Name: strings.TrimSpace(d.Name), VLAN: d.VLAN, SSID: d.SSID, Interfaces: d.Interfaces, ClientIsolation: d.ClientIsolation,
			Description: d.Description, Line: line, Kind: ZoneKind(strings.ToLower(strings.TrimSpace(d.Kind)))}
		if !zoneNameRE.MatchString(zone.Name) {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: zone name %q must be letters, digits, dots, dashes or underscores", name, line, zone.Name)
		}
		if prev, dup := seen[strings.ToLower(zone.Name)]; dup {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: zone %q is defined twice (first on line %d): give each zone its own name", name, line, zone.Name, prev.Line)
		}
		if kindRank(zone.Kind) == len(ZoneKinds) {
			var ks []string
			for _, k := range ZoneKinds {
				ks = append(ks, string(k))
			}
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: zone %q has kind %q: use one of %s", name, line, zone.Name, d.Kind, strings.Join(ks, ", "))
		}
		if len(d.CIDRs) == 0 && zone.Kind != KindInternet {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: zone %q lists no cidrs: give its address ranges, e.g. cidrs: [10.0.20.0/24]", name, line, zone.Name)
		}
		for _, c := range d.CIDRs {
			p, err := parsePrefix(c)
			if err != nil {
				return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: zone %q: %q is not an address range: write it like 10.0.20.0/24", name, line, zone.Name, c)
			}
			zone.CIDRs = append(zone.CIDRs, p)
		}
		zone.set = setOf(zone.CIDRs...)
		seen[strings.ToLower(zone.Name)] = zone
		z.Zones = append(z.Zones, zone)
	}
	if len(z.Zones) == 0 {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s:1: no zones: list your network zones under zones:", name)
	}
	// Overlaps.
	for i, a := range z.Zones {
		for _, b := range z.Zones[:i] {
			for _, pa := range a.CIDRs {
				for _, pb := range b.CIDRs {
					if pa.Overlaps(pb) {
						return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: %s in zone %q overlaps %s in zone %q (line %d): zones must not share addresses; split the range or merge the zones",
							name, a.Line, pa, a.Name, pb, b.Name, b.Line)
					}
				}
			}
		}
	}
	z.finish()
	for i, d := range doc.Flows {
		line := lineOf(fn, i)
		f := Flow{From: strings.TrimSpace(d.From), To: strings.TrimSpace(d.To), Reason: d.Reason, Line: line, Ports: strings.Join(d.Ports, ", ")}
		for _, end := range []string{f.From, f.To} {
			if end != "any" && z.Zone(end) == nil {
				return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: flow names zone %q, which is not defined: use a zone name from this file or any", name, line, end)
			}
		}
		if len(d.Ports) == 0 {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: flow %s → %s lists no ports: write e.g. ports: [tcp/104]", name, line, f.From, f.To)
		}
		for _, p := range d.Ports {
			acc, err := ParseService(p)
			if err != nil {
				return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: flow %s → %s: %s", name, line, f.From, f.To, err.Error())
			}
			f.Access = f.Access.Union(acc)
		}
		z.Flows = append(z.Flows, f)
	}
	return z, nil
}

// finish adds the implicit internet zone and works out address sets.
func (z *Zones) finish() {
	var internal ipSet
	var inet *Zone
	for _, zone := range z.Zones {
		if zone.Kind == KindInternet && len(zone.CIDRs) == 0 && inet == nil {
			inet = zone
			continue
		}
		zone.set = setOf(zone.CIDRs...)
		internal = internal.union(zone.set)
	}
	if inet == nil {
		inet = &Zone{Name: "internet", Kind: KindInternet, Implicit: true}
		z.Zones = append(z.Zones, inet)
	}
	if len(inet.CIDRs) == 0 {
		inet.set = allAddrs.minus(internal)
	}
	sort.SliceStable(z.Zones, func(i, j int) bool { return kindRank(z.Zones[i].Kind) < kindRank(z.Zones[j].Kind) })
}

func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return p, err
	}
	return p.Masked(), nil
}

// Zone returns the zone with this name, if any.
func (z *Zones) Zone(name string) *Zone {
	if z == nil {
		return nil
	}
	for _, x := range z.Zones {
		if strings.EqualFold(x.Name, name) {
			return x
		}
	}
	return nil
}

// ZoneOf returns the zone an address is in. Addresses outside every
// defined range fall in the internet zone only if they are public;
// private addresses outside every zone belong to none.
func (z *Zones) ZoneOf(a netip.Addr) *Zone {
	if z == nil || !a.IsValid() {
		return nil
	}
	a = a.Unmap()
	for _, x := range z.Zones {
		if x.Kind == KindInternet && len(x.CIDRs) == 0 {
			continue
		}
		if x.set.contains(a) {
			return x
		}
	}
	if a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() {
		return nil
	}
	for _, x := range z.Zones {
		if x.Kind == KindInternet && x.set.contains(a) {
			return x
		}
	}
	return nil
}

// OfKind returns the zones of a kind.
func (z *Zones) OfKind(k ZoneKind) []*Zone {
	var out []*Zone
	for _, x := range z.Zones {
		if x.Kind == k {
			out = append(out, x)
		}
	}
	return out
}

// Documented returns the access the flows document from one zone to another.
func (z *Zones) Documented(from, to string) Access {
	var a Access
	for _, f := range z.Flows {
		if (f.From == "any" || strings.EqualFold(f.From, from)) && (f.To == "any" || strings.EqualFold(f.To, to)) {
			a = a.Union(f.Access)
		}
	}
	return a
}

// attached reports whether the zone sits behind a firewall interface.
func (zone *Zone) attached(iface string) bool {
	iface = strings.ToLower(iface)
	for _, i := range zone.Interfaces {
		if ifaceMatch(strings.ToLower(i), iface) || ifaceMatch(iface, strings.ToLower(i)) {
			return true
		}
	}
	if zone.VLAN > 0 {
		v := strconv.Itoa(zone.VLAN)
		name := strings.TrimSuffix(iface, "+")
		if strings.HasSuffix(name, v) {
			rest := name[:len(name)-len(v)]
			if rest == "" || rest[len(rest)-1] < '0' || rest[len(rest)-1] > '9' {
				return true
			}
		}
	}
	return false
}

// ifaceMatch matches iptables interface names, where a trailing + is a wildcard.
func ifaceMatch(pattern, name string) bool {
	if strings.HasSuffix(pattern, "+") {
		return strings.HasPrefix(name, strings.TrimSuffix(pattern, "+"))
	}
	return pattern == name
}

// yamlError turns a YAML error into a one-line message with the line.
func yamlError(name string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if m := regexp.MustCompile(`line (\d+)`).FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	msg = strings.Join(strings.Fields(strings.ReplaceAll(msg, "unmarshal errors:", "")), " ")
	return hipaa.Errorf(hipaa.EInvalid, "%s:%d: %s: fix the file", name, line, msg)
}

// itemNodes returns the list items under a top-level key.
func itemNodes(root *yaml.Node, key string) []*yaml.Node {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && n.Content[i+1].Kind == yaml.SequenceNode {
			return n.Content[i+1].Content
		}
	}
	return nil
}

func lineOf(items []*yaml.Node, i int) int {
	if i < len(items) {
		return items[i].Line
	}
	return 1
}

// checkKeys refuses keys the format does not know, naming the line, so a
// misspelt key is not silently ignored.
func checkKeys(name string, root *yaml.Node, allowed map[string][]string) error {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return hipaa.Errorf(hipaa.EInvalid, "%s:%d: expected keys such as %s", name, n.Line, strings.Join(allowed[""], ", "))
	}
	known := func(list []string, k string) bool {
		for _, x := range list {
			if x == k {
				return true
			}
		}
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !known(allowed[""], k.Value) {
			return hipaa.Errorf(hipaa.EInvalid, "%s:%d: unknown key %q: use %s", name, k.Line, k.Value, strings.Join(allowed[""], ", "))
		}
		sub, ok := allowed[k.Value]
		v := n.Content[i+1]
		if !ok || v.Kind != yaml.SequenceNode {
			continue
		}
		for _, item := range v.Content {
			if item.Kind != yaml.MappingNode {
				return hipaa.Errorf(hipaa.EInvalid, "%s:%d: each entry under %s must be a set of key: value lines", name, item.Line, k.Value)
			}
			for j := 0; j+1 < len(item.Content); j += 2 {
				if !known(sub, item.Content[j].Value) {
					return hipaa.Errorf(hipaa.EInvalid, "%s:%d: unknown key %q under %s: use %s", name, item.Content[j].Line, item.Content[j].Value, k.Value, strings.Join(sub, ", "))
				}
			}
		}
	}
	return nil
}

// Describe is a one-line summary of a zone for tables.
func (zone *Zone) Describe() string {
	var parts []string
	for _, c := range zone.CIDRs {
		parts = append(parts, c.String())
	}
	if zone.Implicit || (zone.Kind == KindInternet && len(zone.CIDRs) == 0) {
		parts = append(parts, "everything outside the other zones")
	}
	s := strings.Join(parts, " ")
	if zone.VLAN > 0 {
		s += fmt.Sprintf(" vlan %d", zone.VLAN)
	}
	if zone.SSID != "" {
		s += " ssid " + zone.SSID
	}
	return s
}
