package vulnfeed

import (
	"strings"
)

// constraint is one comparison such as "<= 12.2.1".
type constraint struct {
	op  string // <, <=, >, >=, =
	ver string
	// prefix is set when the version ended in wildcards (12.2.x.x): only
	// that many leading parts are compared.
	prefix int
}

// VersionRange is an advisory's statement of which versions are affected,
// as free text ("<12.2.8.410", ">= 5.01 | <= 6.3.1", "vers:all/*", "5.0|5.1").
type VersionRange struct {
	Text string
	All  bool
	// Known is false when the text could not be read as a range; matches
	// are then reported as possible, for a person to check.
	Known bool
	any   [][]constraint // any of these groups; every constraint of a group holds
}

// ParseRange reads an advisory's version range text.
func ParseRange(text string) VersionRange {
	r := VersionRange{Text: strings.TrimSpace(text)}
	t := strings.ToLower(r.Text)
	if t == "" || t == "vers:all/*" || t == "*" || t == "all" || t == "all versions" {
		r.All, r.Known = true, true
		return r
	}
	if strings.HasPrefix(t, "vers:") {
		if i := strings.Index(t, "/"); i > 0 {
			t = t[i+1:]
		}
	}
	var cons []constraint
	for _, part := range strings.Split(t, "|") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		c, ok := parseConstraint(part)
		if !ok {
			return r
		}
		cons = append(cons, c)
	}
	if len(cons) == 0 {
		return r
	}
	var lower, upper, exact []constraint
	for _, c := range cons {
		switch c.op {
		case ">", ">=":
			lower = append(lower, c)
		case "<", "<=":
			upper = append(upper, c)
		default:
			exact = append(exact, c)
		}
	}
	switch {
	case len(exact) == len(cons):
		for _, c := range exact {
			r.any = append(r.any, []constraint{c})
		}
	case len(lower) == 1 && len(upper) == 1 && len(exact) == 0:
		r.any = [][]constraint{{lower[0], upper[0]}}
	default:
		for _, c := range cons {
			r.any = append(r.any, []constraint{c})
		}
	}
	r.Known = true
	return r
}

func parseConstraint(s string) (constraint, bool) {
	var c constraint
	for _, op := range []string{"<=", ">=", "<", ">", "="} {
		if strings.HasPrefix(s, op) {
			c.op = op
			s = strings.TrimSpace(s[len(op):])
			break
		}
	}
	if c.op == "" {
		c.op = "="
	}
	if s == "" || strings.ContainsAny(s, " ,/()") {
		return c, false // "april 1, 2018", "A10 < A11": not a version
	}
	// 12.2.x.x: compare the leading parts only.
	parts := strings.Split(s, ".")
	for len(parts) > 1 && (parts[len(parts)-1] == "x" || parts[len(parts)-1] == "*") {
		parts = parts[:len(parts)-1]
		c.prefix = len(parts)
	}
	c.ver = strings.Join(parts, ".")
	if len(versionParts(c.ver)) == 0 {
		return c, false
	}
	// A lone word such as "N" or "L81" is a product generation, not an orderable version.
	if c.op != "=" && !strings.ContainsAny(c.ver, "0123456789") {
		return c, false
	}
	return c, true
}

func (c constraint) holds(v string) bool {
	if c.prefix > 0 {
		p := versionParts(v)
		vp := versionParts(c.ver)
		if len(p) > len(vp) {
			p = p[:len(vp)]
		}
		v = strings.Join(p, ".")
	}
	d := CompareVersions(v, c.ver)
	switch c.op {
	case "<":
		return d < 0
	case "<=":
		return d <= 0
	case ">":
		return d > 0
	case ">=":
		return d >= 0
	}
	return d == 0
}

// Contains reports whether version v is in the range. The second result
// is false when the answer cannot be known (unreadable range or unknown
// version).
func (r VersionRange) Contains(v string) (in, certain bool) {
	if r.All {
		return true, true
	}
	if !r.Known || strings.TrimSpace(v) == "" {
		return true, false
	}
	for _, group := range r.any {
		ok := true
		for _, c := range group {
			if !c.holds(v) {
				ok = false
				break
			}
		}
		if ok {
			return true, true
		}
	}
	return false, true
}
