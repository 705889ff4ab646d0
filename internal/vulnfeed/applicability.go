package vulnfeed

import (
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/facebookincubator/nvdtools/wfn"
	"go.yaml.in/yaml/v3"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// CPEMatch is one line of an NVD applicability statement: a CPE name,
// possibly with a version range.
type CPEMatch struct {
	Vulnerable            bool   `json:"vulnerable"`
	Criteria              string `json:"criteria"`
	VersionStartIncluding string `json:"versionStartIncluding,omitempty"`
	VersionStartExcluding string `json:"versionStartExcluding,omitempty"`
	VersionEndIncluding   string `json:"versionEndIncluding,omitempty"`
	VersionEndExcluding   string `json:"versionEndExcluding,omitempty"`

	attrs *wfn.Attributes
}

// Node is a group of CPE matches joined by OR or AND.
type Node struct {
	Operator string     `json:"operator,omitempty"`
	Negate   bool       `json:"negate,omitempty"`
	Matches  []CPEMatch `json:"cpeMatch"`
}

// Config is one NVD configuration: nodes joined by OR (default) or AND
// ("application X running on system Y").
type Config struct {
	Operator string `json:"operator,omitempty"`
	Negate   bool   `json:"negate,omitempty"`
	Nodes    []Node `json:"nodes"`
}

// Applicability says which systems a CVE affects.
type Applicability struct {
	CVE     string   `json:"cve"`
	Configs []Config `json:"configurations"`
	// Service is the port the weakness is reached through, e.g. tcp/3389,
	// when Safeguard knows it.
	Service string `json:"service,omitempty"`
	// UnsupportedOnly marks weaknesses whose fix every supported system
	// received long ago: they are reported only on systems past end of support.
	UnsupportedOnly bool   `json:"unsupported_only,omitempty"`
	Source          string `json:"source"` // "nvd" or "safeguard"
}

//go:embed kev_platforms.yaml
var kevPlatformsYAML []byte

// CuratedApplicability returns Safeguard's own statements of which systems
// some much-exploited CVEs affect. They let the KEV catalog, which names no
// CPEs, be matched without NVD data; NVD data, when loaded, takes precedence.
func CuratedApplicability() []*Applicability {
	var doc []struct {
		CVEs            []string `yaml:"cves"`
		Service         string   `yaml:"service"`
		UnsupportedOnly bool     `yaml:"unsupported_only"`
		Platforms       []string `yaml:"platforms"`
	}
	if err := yaml.Unmarshal(kevPlatformsYAML, &doc); err != nil {
		panic("vulnfeed: embedded kev_platforms.yaml: " + err.Error())
	}
	var out []*Applicability
	for _, e := range doc {
		var ms []CPEMatch
		for _, p := range e.Platforms {
			ms = append(ms, CPEMatch{Vulnerable: true, Criteria: p})
		}
		for _, cve := range e.CVEs {
			a := &Applicability{CVE: cve, Service: e.Service, UnsupportedOnly: e.UnsupportedOnly, Source: "safeguard",
				Configs: []Config{{Nodes: []Node{{Operator: "OR", Matches: ms}}}}}
			if err := a.prepare(); err != nil {
				panic("vulnfeed: embedded kev_platforms.yaml: " + err.Error())
			}
			out = append(out, a)
		}
	}
	return out
}

// prepare parses the CPE names once.
func (a *Applicability) prepare() error {
	for ci := range a.Configs {
		for ni := range a.Configs[ci].Nodes {
			ms := a.Configs[ci].Nodes[ni].Matches
			for mi := range ms {
				attrs, err := wfn.Parse(ms[mi].Criteria)
				if err != nil {
					return fmt.Errorf("%s: CPE %q: %w", a.CVE, ms[mi].Criteria, err)
				}
				ms[mi].attrs = attrs
			}
		}
	}
	return nil
}

// keys returns part:vendor:product of every vulnerable CPE, for indexing.
func (a *Applicability) keys() []string {
	var out []string
	for _, c := range a.Configs {
		for _, n := range c.Nodes {
			for _, m := range n.Matches {
				if m.Vulnerable && m.attrs != nil {
					out = append(out, cpeKey(m.attrs))
				}
			}
		}
	}
	return out
}

func cpeKey(a *wfn.Attributes) string {
	return a.Part + ":" + a.Vendor + ":" + a.Product
}

// matchCPE reports whether an asset's CPE falls under a match line, and
// returns it.
func (m *CPEMatch) matchAny(assets []*wfn.Attributes) (*wfn.Attributes, bool) {
	for _, t := range assets {
		if m.attrs == nil || !wfn.Match(m.attrs, t) {
			continue
		}
		if m.VersionStartIncluding == "" && m.VersionStartExcluding == "" && m.VersionEndIncluding == "" && m.VersionEndExcluding == "" {
			return t, true
		}
		v := wfn.StripSlashes(t.Version)
		if v == wfn.Any || v == wfn.NA {
			continue // a range needs a version to compare
		}
		if m.VersionStartIncluding != "" && CompareVersions(v, m.VersionStartIncluding) < 0 ||
			m.VersionStartExcluding != "" && CompareVersions(v, m.VersionStartExcluding) <= 0 ||
			m.VersionEndIncluding != "" && CompareVersions(v, m.VersionEndIncluding) > 0 ||
			m.VersionEndExcluding != "" && CompareVersions(v, m.VersionEndExcluding) >= 0 {
			continue
		}
		return t, true
	}
	return nil, false
}

// evaluate reports whether the CVE applies to a system with these CPEs,
// and which of them a vulnerable line matched.
func (a *Applicability) evaluate(assets []*wfn.Attributes) (*wfn.Attributes, bool) {
	for _, c := range a.Configs {
		var hit *wfn.Attributes
		all, any := true, false
		for _, n := range c.Nodes {
			ok, vh := n.evaluate(assets)
			if ok {
				any = true
				if vh != nil && hit == nil {
					hit = vh
				}
			} else {
				all = false
			}
		}
		ok := any
		if strings.EqualFold(c.Operator, "AND") {
			ok = all
		}
		if c.Negate {
			ok = !ok
		}
		if ok && hit != nil {
			return hit, true
		}
	}
	return nil, false
}

func (n Node) evaluate(assets []*wfn.Attributes) (bool, *wfn.Attributes) {
	and := strings.EqualFold(n.Operator, "AND")
	var hit *wfn.Attributes
	matched := 0
	for i := range n.Matches {
		t, ok := n.Matches[i].matchAny(assets)
		if ok {
			matched++
			if n.Matches[i].Vulnerable && hit == nil {
				hit = t
			}
		}
	}
	ok := matched > 0
	if and {
		ok = matched == len(n.Matches)
	}
	if n.Negate {
		ok = !ok
	}
	if !ok {
		hit = nil
	}
	return ok, hit
}

// nvdFile is the part of an NVD CVE JSON 2.0 file Safeguard reads.
type nvdItem struct {
	CVE struct {
		ID             string   `json:"id"`
		Configurations []Config `json:"configurations"`
	} `json:"cve"`
}

// ParseNVD reads an NVD CVE JSON 2.0 file (plain or gzip-compressed) and
// keeps the applicability of the CVEs keep accepts (nil keeps all). It
// returns the file's timestamp.
func ParseNVD(r io.Reader, name string, keep func(cve string) bool) ([]*Applicability, time.Time, error) {
	br := newPeekReader(r)
	var in io.Reader = br
	if br.isGzip() {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, time.Time{}, hipaa.Errorf(hipaa.EInvalid, "%s: not a readable gzip file: get a fresh copy", name)
		}
		defer gz.Close()
		in = gz
	}
	d := json.NewDecoder(in)
	var out []*Applicability
	var stamp time.Time
	var format string
	tok, err := d.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, stamp, hipaa.Errorf(hipaa.EInvalid, "%s: not an NVD CVE JSON 2.0 file: use the NVD 2.0 feeds (nvdcve-2.0-YEAR.json.gz)", name)
	}
	for d.More() {
		kt, err := d.Token()
		if err != nil {
			return nil, stamp, nvdError(name, err)
		}
		key, _ := kt.(string)
		switch key {
		case "format":
			if err := d.Decode(&format); err != nil {
				return nil, stamp, nvdError(name, err)
			}
		case "timestamp":
			var s string
			if err := d.Decode(&s); err != nil {
				return nil, stamp, nvdError(name, err)
			}
			for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000", "2006-01-02T15:04:05"} {
				if t, err := time.Parse(layout, s); err == nil {
					stamp = t.UTC()
					break
				}
			}
		case "vulnerabilities":
			if t, err := d.Token(); err != nil || t != json.Delim('[') {
				return nil, stamp, hipaa.Errorf(hipaa.EInvalid, "%s: vulnerabilities is not a list: get a fresh copy", name)
			}
			for d.More() {
				var it nvdItem
				if err := d.Decode(&it); err != nil {
					return nil, stamp, nvdError(name, err)
				}
				if keep != nil && !keep(it.CVE.ID) || len(it.CVE.Configurations) == 0 {
					continue
				}
				a := &Applicability{CVE: it.CVE.ID, Configs: it.CVE.Configurations, Source: "nvd"}
				if err := a.prepare(); err != nil {
					continue // a malformed CPE in one record should not sink the file
				}
				out = append(out, a)
			}
			if _, err := d.Token(); err != nil {
				return nil, stamp, nvdError(name, err)
			}
		default:
			var skip json.RawMessage
			if err := d.Decode(&skip); err != nil {
				return nil, stamp, nvdError(name, err)
			}
		}
	}
	if format != "" && format != "NVD_CVE" {
		return nil, stamp, hipaa.Errorf(hipaa.EInvalid, "%s: format is %q, not NVD_CVE: use the NVD CVE 2.0 feeds", name, format)
	}
	return out, stamp, nil
}

func nvdError(name string, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return hipaa.Errorf(hipaa.EInvalid, "%s: the file stops in the middle (an interrupted download?): get a fresh copy; nothing was loaded", name)
	}
	return hipaa.Errorf(hipaa.EInvalid, "%s: not valid NVD JSON (%s): get a fresh copy; nothing was loaded", name, strings.Join(strings.Fields(err.Error()), " "))
}

// peekReader lets the gzip magic be checked without losing bytes.
type peekReader struct {
	r    io.Reader
	head []byte
}

func newPeekReader(r io.Reader) *peekReader {
	p := &peekReader{r: r}
	buf := make([]byte, 2)
	n, _ := io.ReadFull(r, buf)
	p.head = buf[:n]
	return p
}

func (p *peekReader) isGzip() bool { return len(p.head) == 2 && p.head[0] == 0x1f && p.head[1] == 0x8b }

func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.head) > 0 {
		n := copy(b, p.head)
		p.head = p.head[n:]
		return n, nil
	}
	return p.r.Read(b)
}
