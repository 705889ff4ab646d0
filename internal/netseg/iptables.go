package netseg

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// modules whose options Safeguard understands or can safely ignore.
var ignoredModules = map[string]bool{"tcp": true, "udp": true, "icmp": true, "icmp6": true, "comment": true, "state": true,
	"conntrack": true, "multiport": true, "iprange": true, "limit": true, "hashlimit": true, "pkttype": false}

// ParseIptables reads iptables-save (or ip6tables-save) output. Rules of
// the filter table become the policy; DNAT rules of the nat table become
// port forwards. A line Safeguard cannot read stops the import with its
// file:line; match options it does not model make the rule inexact and
// are listed as warnings.
func ParseIptables(r io.Reader, name string) (*Policy, error) {
	p := &Policy{Format: "iptables", File: name, Model: ModelChains, Chains: map[string][]*Rule{}, Defaults: map[string]Action{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	table := ""
	lineNo := 0
	counts := map[string]int{}
	declared := map[string]bool{}
	type pendingJump struct {
		chain, target, where string
	}
	var jumps []pendingJump
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		where := fmt.Sprintf("%s:%d", name, lineNo)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") { // iptables-save -c counters
			if i := strings.Index(line, "]"); i > 0 {
				line = strings.TrimSpace(line[i+1:])
			}
		}
		switch {
		case strings.HasPrefix(line, "*"):
			table = strings.TrimSpace(line[1:])
			continue
		case line == "COMMIT":
			table = ""
			continue
		case strings.HasPrefix(line, ":"):
			f := strings.Fields(line[1:])
			if len(f) < 2 {
				return nil, hipaa.Errorf(hipaa.EInvalid, "%s: chain line %q needs a name and a policy: export the rules again with iptables-save", where, line)
			}
			if table == "filter" {
				declared[f[0]] = true
				switch f[1] {
				case "ACCEPT":
					p.Defaults[f[0]] = Accept
				case "DROP":
					p.Defaults[f[0]] = Drop
				case "-":
				default:
					return nil, hipaa.Errorf(hipaa.EInvalid, "%s: chain %s has policy %q: expected ACCEPT, DROP or -", where, f[0], f[1])
				}
			}
			continue
		}
		if table == "" {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: a rule outside any table (no *filter line before it): give the complete iptables-save output", where)
		}
		args, err := splitArgs(line)
		if err != nil {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: %s: fix the line or export the rules again with iptables-save", where, err.Error())
		}
		if len(args) < 2 || (args[0] != "-A" && args[0] != "--append" && args[0] != "-I" && args[0] != "--insert") {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: %q is not a rule line (rules start with -A CHAIN): give the output of iptables-save, not a shell script", where, truncate(line, 60))
		}
		chain := args[1]
		rule, nat, err := parseRuleArgs(args[2:], table)
		if err != nil {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: %s: fix the line or export the rules again with iptables-save", where, err.Error())
		}
		rule.Where = where
		if table == "filter" && rule.Action == "" {
			if declared[rule.Target] {
				rule.Action = Jump
			} else {
				rule.Action = Pass
				rule.unknown = append(rule.unknown, "-j "+rule.Target)
				rule.Target = ""
			}
		}
		switch table {
		case "filter":
			counts[chain]++
			rule.Chain = chain
			rule.ID = fmt.Sprintf("%s #%d", chain, counts[chain])
			if len(rule.unknown) > 0 {
				p.Warnings = append(p.Warnings, fmt.Sprintf("%s: %s uses %s, which Safeguard does not model; it is treated as possibly narrower than it looks",
					where, rule.ID, strings.Join(rule.unknown, ", ")))
			}
			if rule.Action == Jump {
				jumps = append(jumps, pendingJump{chain, rule.Target, where})
			}
			p.Chains[chain] = append(p.Chains[chain], rule)
		case "nat":
			if nat != nil {
				nat.Where = where
				p.NAT = append(p.NAT, *nat)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, hipaa.WrapError(hipaa.EInvalid, err, "%s:%d: cannot read the file: %s", name, lineNo+1, err.Error())
	}
	for _, j := range jumps {
		if !declared[j.target] && p.Chains[j.target] == nil {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: the rule jumps to chain %s, which is not defined: give the complete iptables-save output", j.where, j.target)
		}
	}
	if len(p.Chains) == 0 && len(p.Defaults) == 0 {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s: no filter table found: give the output of iptables-save", name)
	}
	if _, ok := p.Defaults["FORWARD"]; !ok {
		p.Defaults["FORWARD"] = Accept
	}
	return p, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// splitArgs splits a rule line into words, honouring double quotes.
func splitArgs(line string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inQ, has := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\' && inQ && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
		case c == '"':
			inQ, has = !inQ, true
		case (c == ' ' || c == '\t') && !inQ:
			if has || cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
				has = false
			}
		default:
			cur.WriteByte(c)
		}
	}
	if inQ {
		return nil, fmt.Errorf("a quote is not closed")
	}
	if has || cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out, nil
}

// parseAddrList reads "10.0.0.0/24" or "10.0.0.1,10.0.0.2".
func parseAddrList(s string) (ipSet, error) {
	var set ipSet
	for _, part := range strings.Split(s, ",") {
		p, err := parsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address", part)
		}
		set = set.union(setOf(p))
	}
	return set, nil
}

// parseRuleArgs reads the options of one -A line.
func parseRuleArgs(args []string, table string) (*Rule, *NATRule, error) {
	r := &Rule{Exact: true, Src: addrMatch{Any: true, Text: "any"}, Dst: addrMatch{Any: true, Text: "any"}}
	var target string
	var toDest string
	neg := false
	need := func(i int, opt string) (string, error) {
		if i+1 >= len(args) {
			return "", fmt.Errorf("option %s needs a value", opt)
		}
		return args[i+1], nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "!" {
			neg = true
			continue
		}
		switch a {
		case "-s", "--source", "--src", "-d", "--destination", "--dst":
			v, err := need(i, a)
			if err != nil {
				return nil, nil, err
			}
			i++
			if v == "!" { // old style: -s ! addr
				neg = true
				if v, err = need(i, a); err != nil {
					return nil, nil, err
				}
				i++
			}
			set, err := parseAddrList(v)
			if err != nil {
				return nil, nil, err
			}
			m := addrMatch{Neg: neg, Text: v, set: set}
			if strings.HasPrefix(a, "-s") || strings.HasPrefix(a, "--s") {
				r.Src = m
			} else {
				r.Dst = m
			}
		case "-p", "--protocol":
			v, err := need(i, a)
			if err != nil {
				return nil, nil, err
			}
			i++
			if neg {
				r.Exact = false
				r.unknown = append(r.unknown, "! -p")
			} else {
				r.Proto = strings.ToLower(v)
			}
		case "-i", "--in-interface", "-o", "--out-interface":
			v, err := need(i, a)
			if err != nil {
				return nil, nil, err
			}
			i++
			if neg {
				r.Exact = false
				r.unknown = append(r.unknown, "! "+a)
				break
			}
			if a == "-i" || a == "--in-interface" {
				r.In = v
			} else {
				r.Out = v
			}
		case "--dport", "--destination-port", "--dports", "--destination-ports", "--ports":
			v, err := need(i, a)
			if err != nil {
				return nil, nil, err
			}
			i++
			ps, err := parsePorts(v)
			if err != nil {
				return nil, nil, fmt.Errorf("%s %s: %s", a, v, err.Error())
			}
			if neg {
				ps = allPorts.minus(ps)
			}
			r.Ports = ps
		case "--sport", "--source-port", "--sports", "--source-ports":
			if _, err := need(i, a); err != nil {
				return nil, nil, err
			}
			i++
			r.Exact = false
			r.unknown = append(r.unknown, a)
		case "--state", "--ctstate":
			v, err := need(i, a)
			if err != nil {
				return nil, nil, err
			}
			i++
			states := strings.Split(strings.ToUpper(v), ",")
			hasNew := false
			for _, s := range states {
				if s == "NEW" || s == "UNTRACKED" {
					hasNew = true
				}
			}
			if !hasNew && !neg {
				r.ReturnOnly = true
			}
		case "--src-range", "--dst-range":
			v, err := need(i, a)
			if err != nil {
				return nil, nil, err
			}
			i++
			lo, hi, ok := strings.Cut(v, "-")
			la, e1 := netip.ParseAddr(lo)
			ha, e2 := netip.ParseAddr(hi)
			if !ok || e1 != nil || e2 != nil {
				return nil, nil, fmt.Errorf("%s %q is not an address range", a, v)
			}
			m := addrMatch{Neg: neg, Text: v, set: rangeSet(la, ha)}
			if a == "--src-range" {
				r.Src = m
			} else {
				r.Dst = m
			}
		case "-m", "--match":
			v, err := need(i, a)
			if err != nil {
				return nil, nil, err
			}
			i++
			if known, ok := ignoredModules[v]; !ok || !known {
				r.Exact = false
				r.unknown = append(r.unknown, "-m "+v)
			}
		case "-j", "--jump", "-g", "--goto":
			v, err := need(i, a)
			if err != nil {
				return nil, nil, err
			}
			i++
			target = v
		case "--comment":
			v, err := need(i, a)
			if err != nil {
				return nil, nil, err
			}
			i++
			r.Descr = v
		case "--to-destination", "--to":
			v, err := need(i, a)
			if err != nil {
				return nil, nil, err
			}
			i++
			toDest = v
		case "-f", "--fragment", "--syn":
		default:
			if !strings.HasPrefix(a, "-") {
				return nil, nil, fmt.Errorf("unexpected word %q", a)
			}
			// An option of a match or target module: take its value, if any.
			if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") && args[i+1] != "!" {
				i++
			}
			if !targetOption(a) {
				r.Exact = false
				r.unknown = append(r.unknown, a)
			}
		}
		neg = false
	}
	if table == "nat" {
		if target != "DNAT" || toDest == "" {
			return r, nil, nil
		}
		host, port := toDest, ""
		if strings.Count(toDest, ":") == 1 {
			host, port, _ = strings.Cut(toDest, ":")
		}
		if j := strings.Index(host, "-"); j > 0 {
			host = host[:j]
		}
		to, err := netip.ParseAddr(strings.Trim(host, "[]"))
		if err != nil {
			return nil, nil, fmt.Errorf("--to-destination %q is not an address", toDest)
		}
		return r, &NATRule{Iface: r.In, Proto: r.Proto, Ports: r.Ports, To: to, Port: port, Descr: r.Descr, Src: r.Src}, nil
	}
	switch target {
	case "ACCEPT":
		r.Action = Accept
	case "DROP":
		r.Action = Drop
	case "REJECT":
		r.Action = Reject
	case "RETURN":
		r.Action = Return
	case "":
		r.Action = Pass
	case "LOG", "NFLOG", "ULOG", "MARK", "CONNMARK", "TCPMSS", "CLASSIFY", "NOTRACK", "CT", "AUDIT", "TRACE":
		r.Action = Pass
		r.Log = strings.Contains(target, "LOG")
	default:
		r.Target = target // a user chain, or an extension target; the caller decides
	}
	return r, nil, nil
}

// targetOption reports options of targets (REJECT, LOG …) that do not change what matches.
func targetOption(o string) bool {
	switch o {
	case "--reject-with", "--log-prefix", "--log-level", "--log-tcp-options", "--log-ip-options", "--log-uid", "--nflog-prefix",
		"--nflog-group", "--set-mark", "--set-xmark", "--tcp-flags", "--icmp-type", "--icmpv6-type", "--limit", "--limit-burst",
		"--clamp-mss-to-pmtu", "--set-mss", "--to-source", "--to-ports", "--random", "--persistent":
		return true
	}
	return false
}
