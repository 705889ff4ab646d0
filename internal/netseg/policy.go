package netseg

import (
	"bytes"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Action is what a rule does with matching traffic.
type Action string

// The actions.
const (
	Accept Action = "accept"
	Drop   Action = "drop"
	Reject Action = "reject"
	Jump   Action = "jump"   // iptables: continue in another chain
	Return Action = "return" // iptables: back to the calling chain
	Pass   Action = "pass"   // logging and marking rules: no verdict
)

func (a Action) terminal() bool { return a == Accept || a == Drop || a == Reject }

// addrMatch is the source or destination of a rule.
type addrMatch struct {
	Any  bool   `json:"any,omitempty"`
	Neg  bool   `json:"neg,omitempty"`
	Text string `json:"text"`
	// Zone, when set, names a zone the rule refers to (YAML rules).
	Zone string `json:"zone,omitempty"`
	// Iface, when set, names the pf interface whose subnet this is.
	Iface string `json:"iface,omitempty"`
	set   ipSet
	// self marks the firewall's own addresses: not a zone-to-zone path.
	self bool
}

func (m addrMatch) String() string {
	if m.Any {
		return "any"
	}
	if m.Neg {
		return "not " + m.Text
	}
	return m.Text
}

// Rule is one firewall rule in Safeguard's common form.
type Rule struct {
	// ID names the rule for people: "FORWARD #3", "GUEST rule 2".
	ID string `json:"id"`
	// Where is file:line.
	Where  string `json:"where"`
	Chain  string `json:"chain"`
	Action Action `json:"action"`
	Target string `json:"target,omitempty"` // jump target
	Proto  string `json:"proto"`            // "" (all), tcp, udp, icmp, tcp/udp, or another protocol
	Src    addrMatch
	Dst    addrMatch
	Ports  portSet // destination ports; nil is all
	In     string  `json:"in,omitempty"`  // ingress interface
	Out    string  `json:"out,omitempty"` // egress interface
	// Exact is false when the rule has conditions Safeguard does not
	// model (source ports, MAC addresses, ipsets, schedules): it may match
	// less than it seems, so an allow counts as "maybe" and a block as not
	// certain.
	Exact bool `json:"exact"`
	// ReturnOnly marks rules for replies to existing connections only
	// (ESTABLISHED,RELATED): they open nothing new.
	ReturnOnly bool   `json:"return_only,omitempty"`
	Log        bool   `json:"log,omitempty"`
	Descr      string `json:"description,omitempty"`
	unknown    []string
}

// match is the protocol and port part of the rule as an Access.
func (r *Rule) match() Access {
	var ports portSet = allPorts
	if r.Ports != nil {
		ports = r.Ports
	}
	switch strings.ToLower(r.Proto) {
	case "", "all", "any", "ip", "0":
		if r.Ports != nil {
			return Access{TCP: ports, UDP: ports}
		}
		return AllAccess
	case "tcp", "6":
		return Access{TCP: ports}
	case "udp", "17":
		return Access{UDP: ports}
	case "tcp/udp", "tcp,udp":
		return Access{TCP: ports, UDP: ports}
	case "icmp", "1", "ipv6-icmp", "icmpv6", "58":
		return Access{ICMP: true}
	}
	return Access{Other: true}
}

// Describe is a readable one-line form of the rule.
func (r *Rule) Describe() string {
	proto := r.Proto
	if proto == "" {
		proto = "all"
	}
	s := fmt.Sprintf("%s %s %s → %s", r.Action, proto, r.Src, r.Dst)
	if r.Ports != nil {
		s += " port " + r.Ports.String()
	}
	if r.In != "" {
		s += " in " + r.In
	}
	if r.Out != "" {
		s += " out " + r.Out
	}
	if r.Action == Jump {
		s += " to chain " + r.Target
	}
	if r.Descr != "" {
		s += " (" + r.Descr + ")"
	}
	return s
}

// Signature identifies a rule's meaning, for spotting changes between two
// versions of a policy.
func (r *Rule) Signature() string {
	return r.Chain + "|" + r.Describe()
}

// NATRule is an inbound port forward: traffic from outside sent to an inside address.
type NATRule struct {
	Where string     `json:"where"`
	Iface string     `json:"interface,omitempty"`
	Proto string     `json:"proto"`
	Ports portSet    `json:"-"`
	To    netip.Addr `json:"to"`
	Port  string     `json:"to_port,omitempty"`
	Descr string     `json:"description,omitempty"`
	Src   addrMatch  `json:"-"`
}

// Describe is a readable one-line form of the forward.
func (n NATRule) Describe() string {
	ports := "all ports"
	if n.Ports != nil {
		ports = "port " + n.Ports.String()
	}
	s := fmt.Sprintf("%s %s forwarded to %s", strings.ToLower(strings.TrimSpace(n.Proto+" ")), ports, n.To)
	if n.Port != "" {
		s += ":" + n.Port
	}
	if n.Descr != "" {
		s += " (" + n.Descr + ")"
	}
	return strings.TrimSpace(s)
}

// Model says how rules are evaluated.
type Model string

// The evaluation models.
const (
	// ModelChains is iptables: packets between zones walk the FORWARD
	// chain, with jumps, and meet the chain's policy at the end.
	ModelChains Model = "chains"
	// ModelInterfaces is pf (pfSense, OPNsense): rules sit on the interface
	// traffic enters; the first match wins; anything unmatched is blocked.
	ModelInterfaces Model = "interfaces"
	// ModelList is Safeguard's YAML list: first match wins, then the default.
	ModelList Model = "list"
)

// Iface is a firewall interface (pfSense/OPNsense).
type Iface struct {
	Name   string
	Device string
	Descr  string
	Net    netip.Prefix // the interface's subnet, if static
	Addr   netip.Addr
	WAN    bool
}

// Policy is a firewall's rule set in Safeguard's common form.
type Policy struct {
	Format string `json:"format"` // iptables, pfsense, opnsense, yaml
	File   string `json:"file"`
	Model  Model  `json:"model"`
	// Chains holds the rules: by chain (iptables), by interface (pf, with
	// floating rules under "floating"), or one list "rules" (YAML).
	Chains map[string][]*Rule `json:"chains"`
	// Defaults is the verdict for traffic no rule decides, by chain.
	Defaults   map[string]Action `json:"defaults"`
	NAT        []NATRule         `json:"nat"`
	Interfaces map[string]*Iface `json:"-"`
	Warnings   []string          `json:"warnings"`
}

// Rules returns every rule in evaluation order of chains (sorted by chain name).
func (p *Policy) Rules() []*Rule {
	var names []string
	for n := range p.Chains {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []*Rule
	for _, n := range names {
		out = append(out, p.Chains[n]...)
	}
	return out
}

// Changes compares two policies and lists rules added and removed.
func Changes(before, after *Policy) (added, removed []string) {
	if before == nil || after == nil {
		return nil, nil
	}
	count := func(p *Policy) map[string]int {
		m := map[string]int{}
		for _, r := range p.Rules() {
			m[r.Signature()]++
		}
		for _, n := range p.NAT {
			m["nat|"+n.Describe()]++
		}
		for c, a := range p.Defaults {
			m["default|"+c+" "+string(a)]++
		}
		return m
	}
	b, a := count(before), count(after)
	for s, n := range a {
		if n > b[s] {
			added = append(added, s)
		}
	}
	for s, n := range b {
		if n > a[s] {
			removed = append(removed, s)
		}
	}
	sort.Strings(added)
	sort.Strings(removed)
	return added, removed
}

// ParsePolicy reads a firewall policy, telling its format from its content:
// iptables-save output, a pfSense or OPNsense config.xml, or Safeguard's
// YAML rule list.
func ParsePolicy(data []byte, name string) (*Policy, error) {
	t := bytes.TrimSpace(data)
	switch {
	case len(t) == 0:
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s:1: the policy file is empty: export it with iptables-save, or save the pfSense/OPNsense configuration (config.xml)", name)
	case bytes.HasPrefix(t, []byte("<")):
		return ParsePF(bytes.NewReader(data), name)
	case bytes.Contains(data, []byte("\n*filter")) || bytes.HasPrefix(t, []byte("*")) || bytes.Contains(data, []byte("\n-A ")) || bytes.HasPrefix(t, []byte("-A ")) || bytes.HasPrefix(t, []byte("# Generated by iptables")):
		return ParseIptables(bytes.NewReader(data), name)
	}
	return ParseRuleList(bytes.NewReader(data), name)
}
