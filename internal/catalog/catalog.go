// Package catalog loads and validates Safeguard's embedded reference data: the
// Security Rule controls (45 CFR 164.308–164.316), the risk-analysis question
// bank, threats, vulnerabilities, the risk matrix and the meaning of every
// analyzer rule. The data is YAML under data/, compiled into the binary and
// checked when it is loaded, so a broken catalog fails the tests, not a user.
package catalog

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

//go:embed data
var embedded embed.FS

// Catalog is the loaded, validated reference data.
type Catalog struct {
	Version         string
	Controls        []hipaa.Control
	Sections        []hipaa.Section
	Questions       []hipaa.Question
	Threats         []hipaa.Threat
	Vulnerabilities []hipaa.Vulnerability
	FindingRules    []hipaa.FindingRule
	Matrix          [5][5]hipaa.Level
	// QuickCheck lists the question IDs of the one-minute first look.
	QuickCheck []string

	controls  map[string]int // citation or alias → index in Controls
	questions map[string]int
	threats   map[string]int
	vulns     map[string]int
	rules     map[string]int
	sections  map[string]int
}

var (
	defaultOnce sync.Once
	defaultCat  *Catalog
	defaultErr  error
)

// Default returns the catalog embedded in the binary, loading it once.
func Default() (*Catalog, error) {
	defaultOnce.Do(func() {
		sub, err := fs.Sub(embedded, "data")
		if err != nil {
			defaultErr = err
			return
		}
		defaultCat, defaultErr = Load(sub)
	})
	return defaultCat, defaultErr
}

// MustDefault returns the embedded catalog and panics if it is broken. Only
// for tests and start-up code that has already called Default.
func MustDefault() *Catalog {
	c, err := Default()
	if err != nil {
		panic(err)
	}
	return c
}

// Control returns the control with the given citation or alias.
func (c *Catalog) Control(citation string) (*hipaa.Control, bool) {
	i, ok := c.controls[NormalizeCitation(citation)]
	if !ok {
		return nil, false
	}
	return &c.Controls[i], true
}

// Question returns the question with the given ID.
func (c *Catalog) Question(id string) (*hipaa.Question, bool) {
	i, ok := c.questions[strings.ToUpper(strings.TrimSpace(id))]
	if !ok {
		return nil, false
	}
	return &c.Questions[i], true
}

// Threat returns the threat with the given ID.
func (c *Catalog) Threat(id string) (*hipaa.Threat, bool) {
	i, ok := c.threats[id]
	if !ok {
		return nil, false
	}
	return &c.Threats[i], true
}

// Vulnerability returns the vulnerability with the given ID.
func (c *Catalog) Vulnerability(id string) (*hipaa.Vulnerability, bool) {
	i, ok := c.vulns[id]
	if !ok {
		return nil, false
	}
	return &c.Vulnerabilities[i], true
}

// FindingRule returns what the catalog knows of an analyzer rule.
func (c *Catalog) FindingRule(rule string) (*hipaa.FindingRule, bool) {
	i, ok := c.rules[rule]
	if !ok {
		return nil, false
	}
	return &c.FindingRules[i], true
}

// Section returns the section with the given ID.
func (c *Catalog) Section(id string) (*hipaa.Section, bool) {
	i, ok := c.sections[id]
	if !ok {
		return nil, false
	}
	return &c.Sections[i], true
}

// Level returns the risk level for a likelihood and an impact on the 1–5 scales.
func (c *Catalog) Level(likelihood, impact int) hipaa.Level {
	likelihood = clamp(likelihood)
	impact = clamp(impact)
	return c.Matrix[likelihood-1][impact-1]
}

func clamp(n int) int {
	if n < 1 {
		return 1
	}
	if n > 5 {
		return 5
	}
	return n
}

// Assessable returns the controls that are judged on their own: every
// implementation specification and every standard without specifications.
func (c *Catalog) Assessable() []*hipaa.Control {
	var out []*hipaa.Control
	for i := range c.Controls {
		if c.Controls[i].Assessable() {
			out = append(out, &c.Controls[i])
		}
	}
	return out
}

// Uncovered returns the assessable controls that no question cites.
func (c *Catalog) Uncovered() []string {
	cited := map[string]bool{}
	for _, q := range c.Questions {
		for _, cit := range q.Citations {
			cited[NormalizeCitation(cit)] = true
		}
	}
	var out []string
	for _, ctl := range c.Assessable() {
		if !cited[ctl.Citation] {
			out = append(out, ctl.Citation)
		}
	}
	return out
}

// NormalizeCitation trims a citation and drops a leading "45 CFR" and "§".
func NormalizeCitation(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "45 CFR")
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "§")
	s = strings.ReplaceAll(s, " ", "")
	return s
}

// Suggest returns up to n citations closest to a mistyped one: first those it
// is a prefix of, then by edit distance.
func (c *Catalog) Suggest(citation string, n int) []string {
	q := NormalizeCitation(citation)
	type scored struct {
		cit  string
		dist int
	}
	var all []scored
	for _, ctl := range c.Controls {
		d := editDistance(q, ctl.Citation)
		if q != "" && strings.HasPrefix(ctl.Citation, q) {
			d = -100 + len(ctl.Citation)
		}
		all = append(all, scored{ctl.Citation, d})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].dist < all[j].dist })
	var out []string
	for _, s := range all {
		if len(out) == n {
			break
		}
		out = append(out, s.cit)
	}
	return out
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// QuestionsIn returns the questions of a section in bank order.
func (c *Catalog) QuestionsIn(section string) []*hipaa.Question {
	var out []*hipaa.Question
	for i := range c.Questions {
		if c.Questions[i].Section == section {
			out = append(out, &c.Questions[i])
		}
	}
	return out
}

func (c *Catalog) String() string {
	return fmt.Sprintf("catalog %s: %d controls, %d questions, %d threats, %d vulnerabilities, %d finding rules",
		c.Version, len(c.Controls), len(c.Questions), len(c.Threats), len(c.Vulnerabilities), len(c.FindingRules))
}
