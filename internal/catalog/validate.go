package catalog

import (
	"fmt"
	"regexp"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

type validator struct {
	c    *Catalog
	errs []string
}

func (v *validator) errorf(o origin, format string, args ...any) {
	v.errs = append(v.errs, o.String()+": "+fmt.Sprintf(format, args...))
}

var (
	questionIDPattern = regexp.MustCompile(`^[A-Z]{2}-\d{2}$`)
	vulnIDPattern     = regexp.MustCompile(`^V-[A-Z]{3}-[A-Z0-9-]+$`)
	threatIDPattern   = regexp.MustCompile(`^T-[A-Z0-9-]+$`)
)

func contains[T comparable](list []T, x T) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

func (v *validator) validate(ctl, thr, rules, qs, vs []origin) {
	c := v.c
	if c.Version == "" {
		v.errs = append(v.errs, "bank.yaml: version is empty")
	}
	c.sections = map[string]int{}
	for i, s := range c.Sections {
		if _, dup := c.sections[s.ID]; dup || s.ID == "" || s.Title == "" {
			v.errs = append(v.errs, fmt.Sprintf("bank.yaml: section %q is duplicated or lacks an id or title", s.ID))
		}
		c.sections[s.ID] = i
	}

	// Controls.
	c.controls = map[string]int{}
	for i, x := range c.Controls {
		o := ctl[i]
		if x.Citation == "" || x.Title == "" || x.Summary == "" {
			v.errorf(o, "control %q lacks a citation, title or summary", x.Citation)
		}
		if _, dup := c.controls[x.Citation]; dup {
			v.errorf(o, "control %s is listed twice", x.Citation)
		}
		c.controls[x.Citation] = i
		for _, a := range x.Aliases {
			if _, dup := c.controls[a]; dup {
				v.errorf(o, "alias %s of %s is already a citation or alias", a, x.Citation)
			}
			c.controls[a] = i
		}
		if !contains(hipaa.Families, x.Family) {
			v.errorf(o, "control %s: unknown family %q", x.Citation, x.Family)
		}
		if x.ProposedChange == "" {
			v.errorf(o, "control %s: proposed_change is empty", x.Citation)
		}
		for _, id := range x.Crosswalk.NISTCSF {
			if !validCSF(id) {
				v.errorf(o, "control %s: crosswalk names %q, which is not a NIST CSF v1.1 subcategory", x.Citation, id)
			}
		}
		for _, id := range x.Crosswalk.SP80053 {
			if !validSP80053(id) {
				v.errorf(o, "control %s: crosswalk names %q, which is not an SP 800-53 Rev. 5 control", x.Citation, id)
			}
		}
	}
	hasSpecs := map[string]bool{}
	for i, x := range c.Controls {
		o := ctl[i]
		switch x.Kind {
		case hipaa.KindStandard:
			if x.Parent != "" {
				v.errorf(o, "standard %s has a parent", x.Citation)
			}
		case hipaa.KindSpecification:
			p, ok := c.Control(x.Parent)
			switch {
			case !ok:
				v.errorf(o, "specification %s: parent %q is not in the catalog", x.Citation, x.Parent)
			case p.Kind != hipaa.KindStandard:
				v.errorf(o, "specification %s: parent %s is not a standard", x.Citation, x.Parent)
			default:
				hasSpecs[p.Citation] = true
				if p.Family != x.Family {
					v.errorf(o, "specification %s is in family %s but its standard is in %s", x.Citation, x.Family, p.Family)
				}
			}
			if x.Requirement != hipaa.Required && x.Requirement != hipaa.Addressable {
				v.errorf(o, "specification %s: requirement must be required or addressable, not %q", x.Citation, x.Requirement)
			}
		default:
			v.errorf(o, "control %s: kind must be standard or implementation_specification, not %q", x.Citation, x.Kind)
		}
	}
	for i, x := range c.Controls {
		if x.Kind != hipaa.KindStandard {
			continue
		}
		if hasSpecs[x.Citation] && x.Requirement != "" {
			v.errorf(ctl[i], "standard %s has specifications, so its requirement must be empty", x.Citation)
		}
		if !hasSpecs[x.Citation] && x.Requirement != hipaa.Required {
			v.errorf(ctl[i], "standard %s has no specifications, so it must be required", x.Citation)
		}
	}
	citations := func(o origin, what string, list []string, need bool) {
		if need && len(list) == 0 {
			v.errorf(o, "%s cites no control", what)
		}
		for _, cit := range list {
			if _, ok := c.Control(cit); !ok {
				v.errorf(o, "%s cites %q, which is not in the control catalog", what, cit)
			}
		}
	}

	// Threats.
	c.threats = map[string]int{}
	sources := []hipaa.ThreatSource{hipaa.SourceAdversarial, hipaa.SourceAccidental, hipaa.SourceStructural, hipaa.SourceEnvironmental}
	for i, t := range c.Threats {
		if !threatIDPattern.MatchString(t.ID) {
			v.errorf(thr[i], "threat id %q must look like T-NAME", t.ID)
		}
		if _, dup := c.threats[t.ID]; dup {
			v.errorf(thr[i], "threat %s is listed twice", t.ID)
		}
		c.threats[t.ID] = i
		if !contains(sources, t.Source) {
			v.errorf(thr[i], "threat %s: source must be adversarial, accidental, structural or environmental", t.ID)
		}
		if t.Name == "" || t.Description == "" {
			v.errorf(thr[i], "threat %s lacks a name or description", t.ID)
		}
	}

	// Vulnerabilities.
	c.vulns = map[string]int{}
	for i, x := range c.Vulnerabilities {
		o := vs[i]
		if !vulnIDPattern.MatchString(x.ID) {
			v.errorf(o, "vulnerability id %q must look like V-ABC-NAME", x.ID)
		}
		if _, dup := c.vulns[x.ID]; dup {
			v.errorf(o, "vulnerability %s is listed twice", x.ID)
		}
		c.vulns[x.ID] = i
		if x.Title == "" || x.Description == "" || x.Action == "" {
			v.errorf(o, "vulnerability %s lacks a title, description or action", x.ID)
		}
		if !hipaa.ValidScale(x.Likelihood) || !hipaa.ValidScale(x.Impact) {
			v.errorf(o, "vulnerability %s: likelihood and impact must be 1–5", x.ID)
		}
		if len(x.Threats) == 0 {
			v.errorf(o, "vulnerability %s has no threats", x.ID)
		}
		for _, tl := range x.Threats {
			if _, ok := c.threats[tl.Threat]; !ok {
				v.errorf(o, "vulnerability %s: unknown threat %q", x.ID, tl.Threat)
			}
			if (tl.Likelihood != 0 && !hipaa.ValidScale(tl.Likelihood)) || (tl.Impact != 0 && !hipaa.ValidScale(tl.Impact)) {
				v.errorf(o, "vulnerability %s: threat %s: likelihood and impact must be 1–5", x.ID, tl.Threat)
			}
		}
		for _, k := range x.EPHI {
			if !contains(hipaa.EPHIKinds, k) {
				v.errorf(o, "vulnerability %s: unknown ePHI kind %q", x.ID, k)
			}
		}
		for _, k := range x.Assets {
			if !contains(hipaa.AssetKinds, k) {
				v.errorf(o, "vulnerability %s: unknown asset kind %q", x.ID, k)
			}
		}
		if !contains([]string{"low", "medium", "high"}, x.Effort) {
			v.errorf(o, "vulnerability %s: effort must be low, medium or high", x.ID)
		}
		citations(o, "vulnerability "+x.ID, x.Citations, true)
		citations(o, "vulnerability "+x.ID+" mitigations", x.Mitigations, false)
	}

	// Questions.
	c.questions = map[string]int{}
	flagged := map[string]bool{}
	for i, q := range c.Questions {
		o := qs[i]
		if !questionIDPattern.MatchString(q.ID) {
			v.errorf(o, "question id %q must look like AB-01", q.ID)
		}
		if _, dup := c.questions[q.ID]; dup {
			v.errorf(o, "question %s is listed twice", q.ID)
		}
		if _, ok := c.sections[q.Section]; !ok {
			v.errorf(o, "question %s: unknown section %q", q.ID, q.Section)
		}
		if q.Text == "" || q.Guidance.Why == "" || q.Guidance.Good == "" || q.Guidance.Evidence == "" {
			v.errorf(o, "question %s lacks text or part of its guidance (why, good, evidence)", q.ID)
		}
		citations(o, "question "+q.ID, q.Citations, true)
		if !q.Scope && len(q.Flags) == 0 {
			v.errorf(o, "question %s flags no vulnerability: a No answer must mean something", q.ID)
		}
		if q.Scope && (len(q.Flags) > 0 || len(q.PartialFlags) > 0) {
			v.errorf(o, "scope question %s must not flag vulnerabilities", q.ID)
		}
		for _, f := range append(append([]string{}, q.Flags...), q.PartialFlags...) {
			if _, ok := c.vulns[f]; !ok {
				v.errorf(o, "question %s flags %q, which is not a known vulnerability", q.ID, f)
			}
			flagged[f] = true
		}
		if q.When != nil {
			if _, ok := c.questions[q.When.Question]; !ok {
				v.errorf(o, "question %s depends on %q, which is not an earlier question", q.ID, q.When.Question)
			}
			if len(q.When.Is) == 0 {
				v.errorf(o, "question %s: its condition lists no answers", q.ID)
			}
			for _, a := range q.When.Is {
				if !contains(hipaa.AnswerValues, a) {
					v.errorf(o, "question %s: its condition names unknown answer %q", q.ID, a)
				}
			}
		}
		c.questions[q.ID] = i
	}

	// Finding rules.
	c.rules = map[string]int{}
	for i, r := range c.FindingRules {
		o := rules[i]
		if _, dup := c.rules[r.Rule]; dup || r.Rule == "" {
			v.errorf(o, "finding rule %q is empty or listed twice", r.Rule)
		}
		c.rules[r.Rule] = i
		if r.Title == "" || r.Source == "" {
			v.errorf(o, "finding rule %s lacks a title or source", r.Rule)
		}
		citations(o, "finding rule "+r.Rule, r.Citations, true)
		if len(r.Vulnerabilities) == 0 {
			v.errorf(o, "finding rule %s maps to no vulnerability", r.Rule)
		}
		for _, id := range r.Vulnerabilities {
			if _, ok := c.vulns[id]; !ok {
				v.errorf(o, "finding rule %s maps to %q, which is not a known vulnerability", r.Rule, id)
			}
			flagged[id] = true
		}
		for _, id := range r.Contradicts {
			if _, ok := c.questions[id]; !ok {
				v.errorf(o, "finding rule %s contradicts %q, which is not a known question", r.Rule, id)
			}
		}
	}
	if len(c.QuickCheck) == 0 {
		v.errs = append(v.errs, "quickcheck.yaml: lists no questions")
	}
	for _, id := range c.QuickCheck {
		if q, ok := c.Question(id); !ok || q.Scope {
			v.errs = append(v.errs, fmt.Sprintf("quickcheck.yaml: %q is not a question of the bank (or is a profile question)", id))
		}
	}
	for i, x := range c.Vulnerabilities {
		if !flagged[x.ID] {
			v.errorf(vs[i], "vulnerability %s is flagged by no question and no finding rule", x.ID)
		}
	}
}
