package catalog

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// lineOf remembers where each loaded item came from, for error messages.
type origin struct {
	file string
	line int
}

func (o origin) String() string { return fmt.Sprintf("%s:%d", o.file, o.line) }

// decodeList decodes a YAML file holding a list into items of type T,
// rejecting unknown fields, and returns the line each item starts on.
func decodeList[T any](fsys fs.FS, name string) ([]T, []origin, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, nil, fmt.Errorf("catalog: %s: %w", name, err)
	}
	var items []T
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&items); err != nil {
		return nil, nil, fmt.Errorf("catalog: %s: %w", name, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, fmt.Errorf("catalog: %s: %w", name, err)
	}
	origins := make([]origin, len(items))
	if len(doc.Content) == 1 && doc.Content[0].Kind == yaml.SequenceNode {
		for i, n := range doc.Content[0].Content {
			if i < len(origins) {
				origins[i] = origin{name, n.Line}
			}
		}
	}
	return items, origins, nil
}

func decodeStrict(fsys fs.FS, name string, v any) error {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("catalog: %s: %w", name, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("catalog: %s: %w", name, err)
	}
	return nil
}

func yamlFiles(fsys fs.FS, dir string) ([]string, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("catalog: %s: %w", dir, err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".yaml") {
			out = append(out, path.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}

// Load reads and validates a catalog from fsys, laid out as the embedded data/
// folder: bank.yaml, controls.yaml, threats.yaml, matrix.yaml,
// finding_rules.yaml, questions/*.yaml and vulnerabilities/*.yaml.
func Load(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{}
	var bank struct {
		Version  string          `yaml:"version"`
		Sections []hipaa.Section `yaml:"sections"`
	}
	if err := decodeStrict(fsys, "bank.yaml", &bank); err != nil {
		return nil, err
	}
	c.Version = bank.Version
	c.Sections = bank.Sections

	var matrix struct {
		Likelihood map[int][]hipaa.Level `yaml:"likelihood"`
	}
	if err := decodeStrict(fsys, "matrix.yaml", &matrix); err != nil {
		return nil, err
	}
	for l := 1; l <= 5; l++ {
		row := matrix.Likelihood[l]
		if len(row) != 5 {
			return nil, fmt.Errorf("catalog: matrix.yaml: likelihood %d needs 5 levels, has %d", l, len(row))
		}
		for i, lv := range row {
			if lv.Rank() < 0 {
				return nil, fmt.Errorf("catalog: matrix.yaml: likelihood %d: unknown level %q", l, lv)
			}
			c.Matrix[l-1][i] = lv
		}
	}

	var quick struct {
		Questions []string `yaml:"questions"`
	}
	if err := decodeStrict(fsys, "quickcheck.yaml", &quick); err != nil {
		return nil, err
	}
	c.QuickCheck = quick.Questions

	var err error
	var ctlOrigins, thrOrigins, ruleOrigins []origin
	if c.Controls, ctlOrigins, err = decodeList[hipaa.Control](fsys, "controls.yaml"); err != nil {
		return nil, err
	}
	if c.Threats, thrOrigins, err = decodeList[hipaa.Threat](fsys, "threats.yaml"); err != nil {
		return nil, err
	}
	if c.FindingRules, ruleOrigins, err = decodeList[hipaa.FindingRule](fsys, "finding_rules.yaml"); err != nil {
		return nil, err
	}

	var qOrigins, vOrigins []origin
	files, err := yamlFiles(fsys, "questions")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		qs, os, err := decodeList[hipaa.Question](fsys, f)
		if err != nil {
			return nil, err
		}
		c.Questions = append(c.Questions, qs...)
		qOrigins = append(qOrigins, os...)
	}
	if files, err = yamlFiles(fsys, "vulnerabilities"); err != nil {
		return nil, err
	}
	for _, f := range files {
		vs, os, err := decodeList[hipaa.Vulnerability](fsys, f)
		if err != nil {
			return nil, err
		}
		c.Vulnerabilities = append(c.Vulnerabilities, vs...)
		vOrigins = append(vOrigins, os...)
	}

	// Questions are asked section by section, in bank order.
	secIndex := map[string]int{}
	for i, s := range c.Sections {
		secIndex[s.ID] = i
	}
	idx := make([]int, len(c.Questions))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		sa, oka := secIndex[c.Questions[idx[a]].Section]
		sb, okb := secIndex[c.Questions[idx[b]].Section]
		if !oka {
			sa = len(c.Sections)
		}
		if !okb {
			sb = len(c.Sections)
		}
		return sa < sb
	})
	qs := make([]hipaa.Question, len(idx))
	qo := make([]origin, len(idx))
	for i, j := range idx {
		qs[i], qo[i] = c.Questions[j], qOrigins[j]
	}
	c.Questions, qOrigins = qs, qo
	for i := range c.Questions {
		c.Questions[i].BuildOptions()
	}

	v := &validator{c: c}
	v.validate(ctlOrigins, thrOrigins, ruleOrigins, qOrigins, vOrigins)
	if len(v.errs) > 0 {
		if len(v.errs) > 20 {
			v.errs = append(v.errs[:20], fmt.Sprintf("… and %d more", len(v.errs)-20))
		}
		return nil, fmt.Errorf("catalog is invalid:\n  %s", strings.Join(v.errs, "\n  "))
	}
	return c, nil
}
