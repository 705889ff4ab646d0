package netseg

import (
	"fmt"
	"sort"
	"strings"
)

// Cell is what the policy lets one zone open towards another.
type Cell struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Allowed is everything that may pass; Sure is the part that passes
	// for every address of both zones. The rest (Partial) passes only for
	// some addresses, or depends on conditions Safeguard does not model.
	Allowed Access `json:"-"`
	Sure    Access `json:"-"`
	Partial bool   `json:"partial"`
	// Rules lists the rules that let traffic through, as "ID (file:line)".
	Rules []string `json:"rules"`
	// ByDefault is set when traffic passes because no rule stopped it and
	// the default policy lets everything through.
	ByDefault bool `json:"by_default"`
	// Text is Allowed in words, for JSON output.
	Text string `json:"allowed"`
}

// Matrix is the zone-to-zone reachability a policy allows.
type Matrix struct {
	Zones    []string         `json:"zones"`
	Cells    map[string]*Cell `json:"-"`
	Warnings []string         `json:"warnings"`
}

func pairKey(a, b string) string { return a + "\x00" + b }

// Cell returns the cell from one zone to another, or nil if nothing passes.
func (m *Matrix) Cell(from, to string) *Cell {
	if m == nil {
		return nil
	}
	return m.Cells[pairKey(from, to)]
}

// List returns the cells where something passes, in map order.
func (m *Matrix) List() []*Cell {
	var out []*Cell
	for _, c := range m.Cells {
		out = append(out, c)
	}
	order := map[string]int{}
	for i, z := range m.Zones {
		order[z] = i
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].From != out[j].From {
			return order[out[i].From] < order[out[j].From]
		}
		return order[out[i].To] < order[out[j].To]
	})
	return out
}

const (
	covNone    uint8 = 0
	covPartial uint8 = 1
	covFull    uint8 = 2
)

// evaluator computes reachability for one policy and set of zones.
type evaluator struct {
	z      *Zones
	p      *Policy
	src    [][]uint8 // per rule index, per zone index
	dst    [][]uint8
	index  map[*Rule]int
	warned map[string]bool
	warn   []string
}

func (e *evaluator) warnf(key, format string, args ...any) {
	if e.warned[key] {
		return
	}
	e.warned[key] = true
	e.warn = append(e.warn, fmt.Sprintf(format, args...))
}

// resolve returns the addresses an address match stands for.
func (e *evaluator) resolve(m addrMatch, r *Rule) ipSet {
	set := m.set
	if m.Zone != "" {
		for _, name := range strings.Split(m.Zone, ",") {
			zone := e.z.Zone(name)
			if zone == nil {
				e.warnf("zone "+name, "%s: %s names zone %q, which the zones file does not define; the rule is ignored", r.Where, r.ID, name)
				continue
			}
			set = set.union(zone.set)
		}
	}
	return set
}

func (e *evaluator) addrCov(m addrMatch, r *Rule, zone *Zone) uint8 {
	if m.self {
		return covNone
	}
	if m.Any && !m.Neg {
		return covFull
	}
	set := e.resolve(m, r)
	if len(zone.set) == 0 {
		return covNone
	}
	if m.Neg {
		switch {
		case !zone.set.intersects(set):
			return covFull
		case zone.set.within(set):
			return covNone
		}
		return covPartial
	}
	switch {
	case zone.set.within(set):
		return covFull
	case zone.set.intersects(set):
		return covPartial
	}
	return covNone
}

// ifaceCov says whether a zone sits behind an iptables interface name.
func (e *evaluator) ifaceCov(iface string, zone *Zone, r *Rule) uint8 {
	if iface == "" {
		return covFull
	}
	if zone.attached(iface) {
		return covFull
	}
	any := false
	for _, z := range e.z.Zones {
		if z.attached(iface) {
			any = true
		}
	}
	if !any && r.Chain != "INPUT" && r.Chain != "OUTPUT" {
		e.warnf("iface "+iface, "%s: %s uses interface %s, which no zone is tied to: add it to a zone's interfaces (or give the zone its vlan) so Safeguard knows which traffic it filters",
			r.Where, r.ID, iface)
	}
	return covNone
}

// entersOn reports whether traffic from a zone enters a pf interface.
func (e *evaluator) entersOn(zone *Zone, in *Iface) bool {
	if zone.attached(in.Name) || (in.Device != "" && zone.attached(in.Device)) || (in.Descr != "" && zone.attached(in.Descr)) {
		return true
	}
	if in.Net.IsValid() && zone.set.intersects(setOf(in.Net)) && zone.Kind != KindInternet {
		return true
	}
	return in.WAN && zone.Kind == KindInternet
}

func newEvaluator(z *Zones, p *Policy) *evaluator {
	e := &evaluator{z: z, p: p, index: map[*Rule]int{}, warned: map[string]bool{}}
	rules := p.Rules()
	e.src = make([][]uint8, len(rules))
	e.dst = make([][]uint8, len(rules))
	for i, r := range rules {
		e.index[r] = i
		e.src[i] = make([]uint8, len(z.Zones))
		e.dst[i] = make([]uint8, len(z.Zones))
		for zi, zone := range z.Zones {
			s, d := e.addrCov(r.Src, r, zone), e.addrCov(r.Dst, r, zone)
			if p.Model == ModelChains {
				s = min(s, e.ifaceCov(r.In, zone, r))
				d = min(d, e.ifaceCov(r.Out, zone, r))
			}
			if !r.Exact && s == covFull && d == covFull {
				s = covPartial
			}
			e.src[i][zi], e.dst[i][zi] = s, d
		}
	}
	return e
}

// outcome collects what a walk through rules lets pass.
type outcome struct {
	sure, maybe Access
	rules       map[*Rule]bool
}

func (o *outcome) allow(r *Rule, got Access, full bool) {
	if got.Empty() {
		return
	}
	if full {
		o.sure = o.sure.Union(got)
	} else {
		o.maybe = o.maybe.Union(got)
	}
	o.rules[r] = true
}

// walk evaluates a chain for traffic from zone a to zone b that is still
// undecided (rem), and returns what is left undecided at its end (for a
// user chain, what returns to the caller).
func (e *evaluator) walk(rules []*Rule, a, b int, rem Access, ceil uint8, depth int, o *outcome) Access {
	var returned Access
	for _, r := range rules {
		if rem.Empty() {
			break
		}
		if r.ReturnOnly {
			continue
		}
		i := e.index[r]
		c := min(ceil, e.src[i][a], e.dst[i][b])
		if c == covNone {
			continue
		}
		m := r.match()
		switch r.Action {
		case Accept:
			o.allow(r, rem.Intersect(m), c == covFull)
			if c == covFull {
				rem = rem.Minus(m)
			}
		case Drop, Reject:
			if c == covFull {
				rem = rem.Minus(m)
			}
		case Jump:
			if depth > 16 {
				e.warnf("loop "+r.Target, "%s: chain %s jumps too deeply (a loop?); the deeper rules are ignored", r.Where, r.Target)
				continue
			}
			sub := rem.Intersect(m)
			if sub.Empty() {
				continue
			}
			back := e.walk(e.p.Chains[r.Target], a, b, sub, c, depth+1, o)
			if c == covFull {
				rem = rem.Minus(m).Union(back)
			}
		case Return:
			if c == covFull {
				returned = returned.Union(rem.Intersect(m))
				rem = rem.Minus(m)
			}
		}
	}
	return returned.Union(rem)
}

// Reachability computes, for every ordered pair of different zones, what
// the policy lets the first open towards the second.
func Reachability(z *Zones, p *Policy) *Matrix {
	m := &Matrix{Cells: map[string]*Cell{}}
	for _, zone := range z.Zones {
		m.Zones = append(m.Zones, zone.Name)
	}
	if p == nil {
		return m
	}
	e := newEvaluator(z, p)
	for ai, a := range z.Zones {
		var chains [][]*Rule
		defaults := []Action{}
		switch p.Model {
		case ModelChains:
			chains = [][]*Rule{p.Chains["FORWARD"]}
			defaults = append(defaults, p.Defaults["FORWARD"])
		case ModelList:
			chains = [][]*Rule{p.Chains["rules"]}
			defaults = append(defaults, p.Defaults["rules"])
		case ModelInterfaces:
			var names []string
			for n := range p.Interfaces {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				if e.entersOn(a, p.Interfaces[n]) {
					chains = append(chains, append(append([]*Rule{}, p.Chains["floating"]...), p.Chains[n]...))
					defaults = append(defaults, Drop)
				}
			}
			if len(chains) == 0 && !a.Implicit {
				e.warnf("noiface "+a.Name, "zone %s is behind none of the firewall's interfaces (by address or by name); its traffic is not judged by this policy", a.Name)
			}
		}
		for bi, b := range z.Zones {
			if ai == bi {
				continue
			}
			cell := &Cell{From: a.Name, To: b.Name}
			o := &outcome{rules: map[*Rule]bool{}}
			for ci, rules := range chains {
				rest := e.walk(rules, ai, bi, AllAccess, covFull, 0, o)
				if defaults[ci] == Accept && !rest.Empty() {
					o.sure = o.sure.Union(rest)
					cell.ByDefault = true
				}
			}
			cell.Sure = o.sure
			cell.Allowed = o.sure.Union(o.maybe)
			if cell.Allowed.Empty() {
				continue
			}
			cell.Partial = !o.maybe.Minus(o.sure).Empty()
			for r := range o.rules {
				cell.Rules = append(cell.Rules, r.ID+" ("+r.Where+")")
			}
			sort.Strings(cell.Rules)
			if cell.ByDefault {
				cell.Rules = append(cell.Rules, "default policy: allow")
			}
			cell.Text = cell.Allowed.String()
			m.Cells[pairKey(a.Name, b.Name)] = cell
		}
	}
	m.Warnings = e.warn
	return m
}
