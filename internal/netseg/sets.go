// Package netseg models the practice's network segmentation: zones (guest
// Wi-Fi, workstations, clinical, medical devices, servers, IoT, management,
// the internet), the firewall policy (iptables-save output, pfSense or
// OPNsense config.xml, or a short YAML rule list), the zone-to-zone
// reachability the policy allows, the segmentation checks SEG-01 … SEG-16,
// the comparison with scans taken from inside a zone (active evidence),
// and the network map (SVG and Graphviz DOT). It knows nothing of storage.
package netseg

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// ipRange is an inclusive range of addresses of one family.
type ipRange struct{ lo, hi netip.Addr }

// ipSet is a set of addresses kept as sorted, disjoint ranges.
type ipSet []ipRange

func prefixRange(p netip.Prefix) ipRange {
	p = p.Masked()
	lo := p.Addr()
	b := lo.AsSlice()
	bits := p.Bits()
	for i := range b {
		for j := 0; j < 8; j++ {
			if i*8+j >= bits {
				b[i] |= 0x80 >> j
			}
		}
	}
	hi, _ := netip.AddrFromSlice(b)
	return ipRange{lo, hi}
}

func setOf(prefixes ...netip.Prefix) ipSet {
	var s ipSet
	for _, p := range prefixes {
		s = append(s, prefixRange(p))
	}
	return s.normalize()
}

func rangeSet(lo, hi netip.Addr) ipSet {
	if hi.Less(lo) {
		lo, hi = hi, lo
	}
	return ipSet{{lo, hi}}
}

// allAddrs is every IPv4 and IPv6 address.
var allAddrs = ipSet{
	{netip.IPv4Unspecified(), netip.AddrFrom4([4]byte{255, 255, 255, 255})},
	{netip.IPv6Unspecified(), netip.AddrFrom16([16]byte{255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255})},
}

func (s ipSet) normalize() ipSet {
	if len(s) < 2 {
		return s
	}
	sort.Slice(s, func(i, j int) bool { return s[i].lo.Less(s[j].lo) })
	out := ipSet{s[0]}
	for _, r := range s[1:] {
		last := &out[len(out)-1]
		next := last.hi.Next()
		if last.hi.Is4() == r.lo.Is4() && (!next.IsValid() || !next.Less(r.lo)) {
			if last.hi.Less(r.hi) {
				last.hi = r.hi
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

func (s ipSet) union(t ipSet) ipSet {
	return append(append(ipSet{}, s...), t...).normalize()
}

// minus returns the addresses of s not in t.
func (s ipSet) minus(t ipSet) ipSet {
	var out ipSet
	for _, r := range s {
		cur := []ipRange{r}
		for _, x := range t {
			var next []ipRange
			for _, c := range cur {
				if x.hi.Less(c.lo) || c.hi.Less(x.lo) || x.lo.Is4() != c.lo.Is4() {
					next = append(next, c)
					continue
				}
				if c.lo.Less(x.lo) {
					next = append(next, ipRange{c.lo, x.lo.Prev()})
				}
				if x.hi.Less(c.hi) {
					next = append(next, ipRange{x.hi.Next(), c.hi})
				}
			}
			cur = next
		}
		out = append(out, cur...)
	}
	return out.normalize()
}

func (s ipSet) intersects(t ipSet) bool {
	for _, a := range s {
		for _, b := range t {
			if a.lo.Is4() == b.lo.Is4() && !a.hi.Less(b.lo) && !b.hi.Less(a.lo) {
				return true
			}
		}
	}
	return false
}

// within reports whether every address of s is in t.
func (s ipSet) within(t ipSet) bool { return len(s) > 0 && len(s.minus(t)) == 0 }

func (s ipSet) contains(a netip.Addr) bool {
	for _, r := range s {
		if r.lo.Is4() == a.Is4() && !a.Less(r.lo) && !r.hi.Less(a) {
			return true
		}
	}
	return false
}

// portRange is an inclusive range of port numbers.
type portRange struct{ lo, hi int }

// portSet is a set of ports kept as sorted, disjoint ranges.
type portSet []portRange

var allPorts = portSet{{0, 65535}}

func (p portSet) normalize() portSet {
	if len(p) < 2 {
		return p
	}
	sort.Slice(p, func(i, j int) bool { return p[i].lo < p[j].lo })
	out := portSet{p[0]}
	for _, r := range p[1:] {
		last := &out[len(out)-1]
		if r.lo <= last.hi+1 {
			last.hi = max(last.hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	return out
}

func (p portSet) union(q portSet) portSet {
	if len(q) == 0 {
		return p
	}
	if len(p) == 0 {
		return append(portSet{}, q...)
	}
	return append(append(portSet{}, p...), q...).normalize()
}

func (p portSet) intersect(q portSet) portSet {
	var out portSet
	i, j := 0, 0
	for i < len(p) && j < len(q) {
		lo, hi := max(p[i].lo, q[j].lo), min(p[i].hi, q[j].hi)
		if lo <= hi {
			out = append(out, portRange{lo, hi})
		}
		if p[i].hi < q[j].hi {
			i++
		} else {
			j++
		}
	}
	return out
}

func (p portSet) minus(q portSet) portSet {
	var out portSet
	for _, r := range p {
		cur := []portRange{r}
		for _, x := range q {
			var next []portRange
			for _, c := range cur {
				if x.hi < c.lo || c.hi < x.lo {
					next = append(next, c)
					continue
				}
				if c.lo < x.lo {
					next = append(next, portRange{c.lo, x.lo - 1})
				}
				if x.hi < c.hi {
					next = append(next, portRange{x.hi + 1, c.hi})
				}
			}
			cur = next
		}
		out = append(out, cur...)
	}
	return out
}

func (p portSet) has(n int) bool {
	for _, r := range p {
		if n >= r.lo && n <= r.hi {
			return true
		}
	}
	return false
}

func (p portSet) full() bool { return len(p) == 1 && p[0].lo <= 1 && p[0].hi == 65535 }

func (p portSet) count() int {
	n := 0
	for _, r := range p {
		n += r.hi - r.lo + 1
	}
	return n
}

func (p portSet) String() string {
	if p.full() {
		return "all ports"
	}
	if p.count() > 32768 {
		return "all ports except " + allPorts.minus(p).minus(portSet{{0, 0}}).String()
	}
	var parts []string
	for _, r := range p {
		if r.lo == r.hi {
			parts = append(parts, strconv.Itoa(r.lo))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", r.lo, r.hi))
		}
	}
	return strings.Join(parts, ",")
}

// parsePorts reads "22", "8000-8080", "8000:8080" or a comma list.
func parsePorts(s string) (portSet, error) {
	var out portSet
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, ok := strings.Cut(part, "-")
		if !ok {
			lo, hi, ok = strings.Cut(part, ":")
		}
		a, err := portNumber(lo)
		if err != nil {
			return nil, err
		}
		b := a
		if ok {
			if hi == "" {
				b = 65535
			} else if b, err = portNumber(hi); err != nil {
				return nil, err
			}
		}
		if b < a {
			a, b = b, a
		}
		out = append(out, portRange{a, b})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no port given")
	}
	return out.normalize(), nil
}

// wellKnown names a few services people write instead of numbers.
var wellKnown = map[string]int{"ssh": 22, "telnet": 23, "smtp": 25, "domain": 53, "dns": 53, "http": 80, "www": 80, "ntp": 123,
	"snmp": 161, "https": 443, "microsoft-ds": 445, "smb": 445, "ms-wbt-server": 3389, "rdp": 3389, "vnc": 5900, "dicom": 104,
	"hl7": 2575, "ftp": 21, "tftp": 69, "netbios-ssn": 139, "msrpc": 135, "ldap": 389, "kerberos": 88, "mysql": 3306, "ms-sql-s": 1433}

func portNumber(s string) (int, error) {
	s = strings.TrimSpace(s)
	if n, ok := wellKnown[strings.ToLower(s)]; ok {
		return n, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 65535 {
		return 0, fmt.Errorf("%q is not a port number", s)
	}
	return n, nil
}

// Access is what may pass from one place to another: TCP and UDP ports,
// ICMP, and other IP protocols.
type Access struct {
	TCP   portSet
	UDP   portSet
	ICMP  bool
	Other bool
}

// AllAccess is everything.
var AllAccess = Access{TCP: allPorts, UDP: allPorts, ICMP: true, Other: true}

// Empty reports whether nothing passes.
func (a Access) Empty() bool { return len(a.TCP) == 0 && len(a.UDP) == 0 && !a.ICMP && !a.Other }

// Union returns what either lets through.
func (a Access) Union(b Access) Access {
	return Access{TCP: a.TCP.union(b.TCP), UDP: a.UDP.union(b.UDP), ICMP: a.ICMP || b.ICMP, Other: a.Other || b.Other}
}

// Intersect returns what both let through.
func (a Access) Intersect(b Access) Access {
	return Access{TCP: a.TCP.intersect(b.TCP), UDP: a.UDP.intersect(b.UDP), ICMP: a.ICMP && b.ICMP, Other: a.Other && b.Other}
}

// Minus returns what a lets through and b does not.
func (a Access) Minus(b Access) Access {
	return Access{TCP: a.TCP.minus(b.TCP), UDP: a.UDP.minus(b.UDP), ICMP: a.ICMP && !b.ICMP, Other: a.Other && !b.Other}
}

// Has reports whether a port of a protocol ("tcp", "udp") passes.
func (a Access) Has(proto string, port int) bool {
	switch proto {
	case "tcp":
		return a.TCP.has(port)
	case "udp":
		return a.UDP.has(port)
	case "icmp":
		return a.ICMP
	}
	return a.Other
}

// Everything reports whether all TCP ports pass (an open door).
func (a Access) Everything() bool { return a.TCP.full() }

// String describes the access: "tcp 22,3389; udp 161; icmp".
func (a Access) String() string {
	if a.Empty() {
		return "nothing"
	}
	if a.TCP.full() && a.UDP.full() && a.ICMP && a.Other {
		return "everything"
	}
	var parts []string
	if len(a.TCP) > 0 {
		parts = append(parts, "tcp "+a.TCP.String())
	}
	if len(a.UDP) > 0 {
		parts = append(parts, "udp "+a.UDP.String())
	}
	if a.ICMP {
		parts = append(parts, "icmp")
	}
	if a.Other {
		parts = append(parts, "other protocols")
	}
	return strings.Join(parts, "; ")
}

// ParseService reads "tcp/3389", "udp/161" or "tcp/8000-8080" as an Access.
func ParseService(s string) (Access, error) {
	proto, ports, ok := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "/")
	if !ok {
		if proto == "icmp" {
			return Access{ICMP: true}, nil
		}
		if proto == "any" || proto == "all" {
			return AllAccess, nil
		}
		ps, err := parsePorts(proto)
		if err != nil {
			return Access{}, fmt.Errorf("%q: write protocol/port, e.g. tcp/104", s)
		}
		return Access{TCP: ps}, nil
	}
	ps, err := parsePorts(ports)
	if err != nil {
		return Access{}, err
	}
	switch proto {
	case "tcp":
		return Access{TCP: ps}, nil
	case "udp":
		return Access{UDP: ps}, nil
	case "tcp/udp", "both":
		return Access{TCP: ps, UDP: ps}, nil
	}
	return Access{}, fmt.Errorf("%q: the protocol must be tcp or udp", s)
}
