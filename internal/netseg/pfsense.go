package netseg

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// xnode is an XML element with the line it starts on.
type xnode struct {
	name     string
	text     string
	line     int
	children []*xnode
}

func (n *xnode) child(name string) *xnode {
	if n == nil {
		return nil
	}
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (n *xnode) kids() []*xnode {
	if n == nil {
		return nil
	}
	return n.children
}

func (n *xnode) all(name string) []*xnode {
	if n == nil {
		return nil
	}
	var out []*xnode
	for _, c := range n.children {
		if c.name == name {
			out = append(out, c)
		}
	}
	return out
}

func (n *xnode) value(name string) string {
	if c := n.child(name); c != nil {
		return strings.TrimSpace(c.text)
	}
	return ""
}

// has reports a flag element such as <disabled/> or <not>1</not>.
func (n *xnode) has(name string) bool {
	c := n.child(name)
	if c == nil {
		return false
	}
	v := strings.ToLower(strings.TrimSpace(c.text))
	return v != "0" && v != "no" && v != "false"
}

func readXML(r io.Reader, name string) (*xnode, error) {
	d := xml.NewDecoder(r)
	var stack []*xnode
	var root *xnode
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line, _ := d.InputPos()
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				line = se.Line
				if strings.Contains(se.Msg, "unexpected EOF") {
					return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: the XML stops in the middle: save the configuration again; nothing was imported", name, line)
				}
				return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: the XML is malformed (%s): use the config.xml exactly as the firewall saved it; nothing was imported", name, line, se.Msg)
			}
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: cannot read the XML: %s", name, line, err.Error())
		}
		switch t := tok.(type) {
		case xml.StartElement:
			line, _ := d.InputPos()
			n := &xnode{name: t.Name.Local, line: line}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if root == nil {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if root == nil {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s:1: no XML found: give the firewall's config.xml", name)
	}
	if len(stack) > 0 {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: the XML stops before <%s> is closed: save the configuration again; nothing was imported", name, stack[len(stack)-1].line, stack[len(stack)-1].name)
	}
	return root, nil
}

// ParsePF reads a pfSense or OPNsense config.xml: interfaces, aliases,
// filter rules and port forwards.
func ParsePF(r io.Reader, name string) (*Policy, error) {
	root, err := readXML(r, name)
	if err != nil {
		return nil, err
	}
	if root.name != "pfsense" && root.name != "opnsense" {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: not a pfSense or OPNsense config.xml (the root is <%s>): export the configuration from Diagnostics › Backup", name, root.line, root.name)
	}
	p := &Policy{Format: root.name, File: name, Model: ModelInterfaces, Chains: map[string][]*Rule{}, Defaults: map[string]Action{}, Interfaces: map[string]*Iface{}}
	for _, ifn := range root.child("interfaces").kids() {
		if ifn.has("enable") || ifn.child("enable") != nil || ifn.child("if") != nil {
			in := &Iface{Name: ifn.name, Device: ifn.value("if"), Descr: ifn.value("descr"), WAN: ifn.name == "wan"}
			if ip, err := netip.ParseAddr(ifn.value("ipaddr")); err == nil {
				in.Addr = ip
				bits, err := strconv.Atoi(ifn.value("subnet"))
				if err == nil {
					in.Net = netip.PrefixFrom(ip, bits).Masked()
				}
			}
			p.Interfaces[ifn.name] = in
		}
	}
	aliases := map[string][]string{}
	for _, a := range root.child("aliases").all("alias") {
		aliases[a.value("name")] = strings.Fields(strings.ReplaceAll(a.value("address"), ",", " "))
	}
	counts := map[string]int{}
	for _, rn := range root.child("filter").all("rule") {
		where := fmt.Sprintf("%s:%d", name, rn.line)
		if rn.has("disabled") {
			continue
		}
		rule := &Rule{Exact: true, Where: where, Descr: rn.value("descr"), Log: rn.child("log") != nil}
		switch strings.ToLower(rn.value("type")) {
		case "pass", "":
			rule.Action = Accept
		case "block":
			rule.Action = Drop
		case "reject":
			rule.Action = Reject
		case "match":
			rule.Action = Pass
		default:
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: rule type %q is not pass, block or reject: save the configuration again", where, rn.value("type"))
		}
		chain := rn.value("interface")
		if rn.value("floating") == "yes" {
			if rn.child("quick") == nil {
				p.Warnings = append(p.Warnings, fmt.Sprintf("%s: a floating rule without quick is not modelled; it was skipped", where))
				continue
			}
			chain = "floating"
		}
		if chain == "" {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: the rule has no interface: save the configuration again", where)
		}
		if strings.Contains(chain, ",") && chain != "floating" {
			chain = strings.Split(chain, ",")[0]
			rule.Exact = false
		}
		rule.Chain = chain
		rule.In = chain
		if chain == "floating" {
			rule.In = ""
		}
		rule.Proto = strings.ToLower(rn.value("protocol"))
		if rule.Proto == "any" {
			rule.Proto = ""
		}
		if rn.value("ipprotocol") == "inet6" {
			rule.Exact = false
		}
		var perr error
		rule.Src, _, perr = pfAddr(rn.child("source"), p, aliases)
		if perr != nil {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: source: %s", where, perr.Error())
		}
		var ports string
		rule.Dst, ports, perr = pfAddr(rn.child("destination"), p, aliases)
		if perr != nil {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: destination: %s", where, perr.Error())
		}
		if sp := rn.child("source").value("port"); sp != "" {
			rule.Exact = false
		}
		if ports != "" {
			ps, err := pfPorts(ports, aliases)
			if err != nil {
				return nil, hipaa.Errorf(hipaa.EInvalid, "%s: destination port: %s", where, err.Error())
			}
			rule.Ports = ps
		}
		for _, x := range []string{"sched", "gateway", "os", "tag", "tagged"} {
			if rn.value(x) != "" && x != "gateway" {
				rule.Exact = false
			}
		}
		counts[chain]++
		rule.ID = fmt.Sprintf("%s rule %d", ifaceLabel(p, chain), counts[chain])
		p.Chains[chain] = append(p.Chains[chain], rule)
	}
	for name := range p.Interfaces {
		p.Defaults[name] = Drop
	}
	for _, rn := range root.child("nat").all("rule") {
		where := fmt.Sprintf("%s:%d", name, rn.line)
		if rn.has("disabled") {
			continue
		}
		to, err := resolveHost(rn.value("target"), aliases)
		if err != nil {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: port forward target %q is not an address", where, rn.value("target"))
		}
		var ps portSet
		if v := rn.child("destination").value("port"); v != "" {
			if ps, err = pfPorts(v, aliases); err != nil {
				return nil, hipaa.Errorf(hipaa.EInvalid, "%s: port forward port: %s", where, err.Error())
			}
		}
		src, _, _ := pfAddr(rn.child("source"), p, aliases)
		p.NAT = append(p.NAT, NATRule{Where: where, Iface: rn.value("interface"), Proto: strings.ToLower(rn.value("protocol")), Ports: ps,
			To: to, Port: rn.value("local-port"), Descr: rn.value("descr"), Src: src})
	}
	return p, nil
}

func ifaceLabel(p *Policy, name string) string {
	if in := p.Interfaces[name]; in != nil && in.Descr != "" {
		return in.Descr
	}
	return name
}

func resolveHost(v string, aliases map[string][]string) (netip.Addr, error) {
	if vals, ok := aliases[v]; ok && len(vals) > 0 {
		v = vals[0]
	}
	return netip.ParseAddr(strings.TrimSpace(v))
}

// pfAddr reads a <source> or <destination> element.
func pfAddr(n *xnode, p *Policy, aliases map[string][]string) (addrMatch, string, error) {
	m := addrMatch{Any: true, Text: "any"}
	if n == nil {
		return m, "", nil
	}
	port := n.value("port")
	neg := n.has("not")
	switch {
	case n.child("any") != nil:
	case n.child("network") != nil:
		v := n.value("network")
		m = addrMatch{Text: v, Neg: neg}
		switch {
		case v == "(self)" || v == "this firewall":
			m.self = true
		case strings.HasSuffix(v, "ip"):
			if p.Interfaces[strings.TrimSuffix(v, "ip")] == nil {
				return m, port, fmt.Errorf("network %q names no interface", v)
			}
			m.self = true // the firewall's own address on that interface
		default:
			if in := p.Interfaces[v]; in != nil {
				m.Iface = v
				if in.Net.IsValid() {
					m.set = setOf(in.Net)
					m.Text = ifaceLabel(p, v) + " net (" + in.Net.String() + ")"
				} else {
					m.set = nil
					m.Any = in.WAN // a DHCP WAN "net" is the internet side
					m.Text = ifaceLabel(p, v) + " net"
				}
			} else if vals, ok := aliases[v]; ok {
				set, err := aliasSet(vals, aliases, 0)
				if err != nil {
					return m, port, err
				}
				m.set = set
			} else {
				return m, port, fmt.Errorf("network %q names no interface or alias", v)
			}
		}
	case n.child("address") != nil:
		v := n.value("address")
		m = addrMatch{Text: v, Neg: neg}
		if vals, ok := aliases[v]; ok {
			set, err := aliasSet(vals, aliases, 0)
			if err != nil {
				return m, port, err
			}
			m.set = set
		} else {
			set, err := parseAddrList(v)
			if err != nil {
				return m, port, fmt.Errorf("%q is neither an address nor an alias", v)
			}
			m.set = set
		}
	}
	return m, port, nil
}

func aliasSet(vals []string, aliases map[string][]string, depth int) (ipSet, error) {
	if depth > 8 {
		return nil, fmt.Errorf("aliases nest too deep")
	}
	var set ipSet
	for _, v := range vals {
		if sub, ok := aliases[v]; ok {
			s, err := aliasSet(sub, aliases, depth+1)
			if err != nil {
				return nil, err
			}
			set = set.union(s)
			continue
		}
		if strings.Contains(v, "-") && !strings.Contains(v, "/") {
			lo, hi, _ := strings.Cut(v, "-")
			a, e1 := netip.ParseAddr(lo)
			b, e2 := netip.ParseAddr(hi)
			if e1 == nil && e2 == nil {
				set = set.union(rangeSet(a, b))
				continue
			}
		}
		pfx, err := parsePrefix(v)
		if err != nil {
			return nil, fmt.Errorf("alias entry %q is not an address (host-name aliases are not resolved)", v)
		}
		set = set.union(setOf(pfx))
	}
	return set, nil
}

func pfPorts(v string, aliases map[string][]string) (portSet, error) {
	if vals, ok := aliases[v]; ok {
		var out portSet
		for _, x := range vals {
			ps, err := pfPorts(x, aliases)
			if err != nil {
				return nil, err
			}
			out = out.union(ps)
		}
		return out, nil
	}
	return parsePorts(v)
}
