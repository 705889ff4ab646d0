package netseg

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

type ruleListDoc struct {
	Default string `yaml:"default"`
	Rules   []struct {
		From        yaml.Node `yaml:"from"`
		To          yaml.Node `yaml:"to"`
		Proto       string    `yaml:"proto"`
		Ports       yaml.Node `yaml:"ports"`
		Action      string    `yaml:"action"`
		Description string    `yaml:"description"`
	} `yaml:"rules"`
	NAT []struct {
		Proto       string    `yaml:"proto"`
		Ports       yaml.Node `yaml:"ports"`
		To          string    `yaml:"to"`
		Description string    `yaml:"description"`
	} `yaml:"nat"`
}

// ParseRuleList reads Safeguard's YAML rule list, for firewalls whose
// configuration Safeguard cannot read directly:
//
//	default: deny
//	rules:
//	  - from: guest-wifi          # zone name, address, or any
//	    to: internet
//	    action: allow
//	  - from: clinical
//	    to: medical
//	    proto: tcp
//	    ports: [104, 11112]
//	    action: allow
//	nat:
//	  - proto: tcp
//	    ports: [443]
//	    to: 10.0.40.10
//
// The first rule that matches decides; default says what happens to the rest.
func ParseRuleList(r io.Reader, name string) (*Policy, error) {
	var root yaml.Node
	if err := yaml.NewDecoder(r).Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s:1: the rule list is empty", name)
		}
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s: not iptables-save output, a pfSense/OPNsense config.xml or a YAML rule list (%s)", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if err := checkKeys(name, &root, map[string][]string{"": {"default", "rules", "nat"},
		"rules": {"from", "to", "proto", "ports", "action", "description"}, "nat": {"proto", "ports", "to", "description"}}); err != nil {
		return nil, err
	}
	var doc ruleListDoc
	if err := root.Decode(&doc); err != nil {
		return nil, yamlError(name, err)
	}
	p := &Policy{Format: "yaml", File: name, Model: ModelList, Chains: map[string][]*Rule{}, Defaults: map[string]Action{}}
	switch strings.ToLower(doc.Default) {
	case "deny", "drop", "block", "":
		p.Defaults["rules"] = Drop
	case "allow", "accept", "pass":
		p.Defaults["rules"] = Accept
	default:
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: default %q: use allow or deny", name, root.Content[0].Line, doc.Default)
	}
	items := itemNodes(&root, "rules")
	for i, d := range doc.Rules {
		line := lineOf(items, i)
		where := fmt.Sprintf("%s:%d", name, line)
		rule := &Rule{ID: fmt.Sprintf("rule %d", i+1), Where: where, Chain: "rules", Exact: true, Descr: d.Description, Proto: strings.ToLower(d.Proto)}
		switch strings.ToLower(d.Action) {
		case "allow", "accept", "pass":
			rule.Action = Accept
		case "deny", "drop", "block":
			rule.Action = Drop
		case "reject":
			rule.Action = Reject
		default:
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: action %q: use allow or deny", where, d.Action)
		}
		if rule.Proto == "any" || rule.Proto == "all" {
			rule.Proto = ""
		}
		switch rule.Proto {
		case "", "tcp", "udp", "icmp", "tcp/udp":
		default:
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: proto %q: use tcp, udp, tcp/udp, icmp or any", where, d.Proto)
		}
		var err error
		if rule.Src, err = listAddr(&d.From); err != nil {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: from: %s", where, err.Error())
		}
		if rule.Dst, err = listAddr(&d.To); err != nil {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: to: %s", where, err.Error())
		}
		if ps, err := listPorts(&d.Ports); err != nil {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: ports: %s", where, err.Error())
		} else {
			rule.Ports = ps
		}
		p.Chains["rules"] = append(p.Chains["rules"], rule)
	}
	natItems := itemNodes(&root, "nat")
	for i, d := range doc.NAT {
		where := fmt.Sprintf("%s:%d", name, lineOf(natItems, i))
		to, err := netip.ParseAddr(strings.TrimSpace(d.To))
		if err != nil {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: nat to %q is not an address", where, d.To)
		}
		ps, err := listPorts(&d.Ports)
		if err != nil {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: nat ports: %s", where, err.Error())
		}
		p.NAT = append(p.NAT, NATRule{Where: where, Proto: strings.ToLower(d.Proto), Ports: ps, To: to, Descr: d.Description,
			Src: addrMatch{Any: true, Text: "any"}})
	}
	return p, nil
}

// listAddr reads a from/to value: any, a zone name, addresses, or a list of them.
func listAddr(n *yaml.Node) (addrMatch, error) {
	var vals []string
	switch n.Kind {
	case 0:
		return addrMatch{Any: true, Text: "any"}, nil
	case yaml.ScalarNode:
		vals = []string{n.Value}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			vals = append(vals, c.Value)
		}
	default:
		return addrMatch{}, fmt.Errorf("give a zone name, an address or a list")
	}
	if len(vals) == 1 && (vals[0] == "any" || vals[0] == "") {
		return addrMatch{Any: true, Text: "any"}, nil
	}
	m := addrMatch{Text: strings.Join(vals, ", ")}
	var zones []string
	for _, v := range vals {
		if pfx, err := parsePrefix(v); err == nil {
			m.set = m.set.union(setOf(pfx))
			continue
		}
		if !zoneNameRE.MatchString(v) {
			return m, fmt.Errorf("%q is neither an address nor a zone name", v)
		}
		zones = append(zones, v)
	}
	m.Zone = strings.Join(zones, ",")
	return m, nil
}

func listPorts(n *yaml.Node) (portSet, error) {
	var vals []string
	switch n.Kind {
	case 0:
		return nil, nil
	case yaml.ScalarNode:
		vals = []string{n.Value}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			vals = append(vals, c.Value)
		}
	}
	var out portSet
	for _, v := range vals {
		ps, err := parsePorts(v)
		if err != nil {
			return nil, err
		}
		out = out.union(ps)
	}
	return out, nil
}
