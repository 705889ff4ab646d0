package vulnfeed

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// EOLProduct is one product's lifecycle, from an endoflife.date product file.
type EOLProduct struct {
	Name     string       `json:"name"` // the file's base name, e.g. "windows-server"
	Title    string       `json:"title"`
	CPEs     []string     `json:"cpes,omitempty"`
	Releases []EOLRelease `json:"releases"`
	Source   string       `json:"source"` // "endoflife.date" or "safeguard"
}

// EOLRelease is one release cycle of a product.
type EOLRelease struct {
	Cycle       string `json:"cycle"`
	Label       string `json:"label,omitempty"`
	ReleaseDate string `json:"release_date,omitempty"`
	// EOL is the date security updates stop (YYYY-MM-DD); when the file
	// gives only yes/no, EOLDate is empty and Ended says which.
	EOLDate string `json:"eol,omitempty"`
	Ended   bool   `json:"ended,omitempty"`
	// EOES is the end of paid extended security updates, if any.
	EOES   string   `json:"eoes,omitempty"`
	LTS    bool     `json:"lts,omitempty"`
	Latest string   `json:"latest,omitempty"`
	Link   string   `json:"link,omitempty"`
	CPEs   []string `json:"cpes,omitempty"` // supplement only: names the release goes by
	Match  []string `json:"match,omitempty"`
}

// EndedBy reports whether security updates had stopped on day now.
func (r EOLRelease) EndedBy(now time.Time) bool {
	if r.EOLDate != "" {
		return now.Format("2006-01-02") >= r.EOLDate
	}
	return r.Ended
}

// yesNoDate is an endoflife.date field that holds a date, true or false.
type yesNoDate struct {
	date string
	set  bool
	yes  bool
}

func (d *yesNoDate) UnmarshalYAML(n *yaml.Node) error {
	switch n.Value {
	case "true":
		d.set, d.yes = true, true
		return nil
	case "false":
		d.set = true
		return nil
	}
	if _, err := time.Parse("2006-01-02", n.Value); err != nil {
		return fmt.Errorf("line %d: %q is neither a date (YYYY-MM-DD) nor true/false", n.Line, n.Value)
	}
	d.set, d.date = true, n.Value
	return nil
}

type eolFrontMatter struct {
	Title       string `yaml:"title"`
	Permalink   string `yaml:"permalink"`
	Identifiers []struct {
		CPE string `yaml:"cpe"`
	} `yaml:"identifiers"`
	Releases []struct {
		Cycle       string    `yaml:"releaseCycle"`
		Label       string    `yaml:"releaseLabel"`
		ReleaseDate yesNoDate `yaml:"releaseDate"`
		EOL         yesNoDate `yaml:"eol"`
		EOES        yesNoDate `yaml:"eoes"`
		LTS         yesNoDate `yaml:"lts"`
		Latest      string    `yaml:"latest"`
		Link        string    `yaml:"link"`
	} `yaml:"releases"`
}

// ParseEOLProduct reads an endoflife.date product file: Markdown whose
// YAML front matter (between two --- lines) lists the release cycles.
func ParseEOLProduct(r io.Reader, name string) (*EOLProduct, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EUnavailable, err, "cannot read %s", name)
	}
	front, ok := frontMatter(data)
	if !ok {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s:1: not an endoflife.date product file (no front matter between --- lines): use the files under products/ of the endoflife.date repository", name)
	}
	var fm eolFrontMatter
	if err := yaml.Unmarshal(front, &fm); err != nil {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s: the front matter is not valid YAML (%s): get a fresh copy", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(fm.Releases) == 0 {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s: the product file lists no releases: get a fresh copy", name)
	}
	base := strings.TrimSuffix(path.Base(strings.ReplaceAll(name, "\\", "/")), ".md")
	if fm.Permalink != "" {
		base = strings.TrimPrefix(fm.Permalink, "/")
	}
	p := &EOLProduct{Name: base, Title: fm.Title, Source: "endoflife.date"}
	for _, id := range fm.Identifiers {
		if id.CPE != "" {
			p.CPEs = append(p.CPEs, id.CPE)
		}
	}
	for i, rel := range fm.Releases {
		if rel.Cycle == "" {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: release %d has no releaseCycle: get a fresh copy", name, i+1)
		}
		p.Releases = append(p.Releases, EOLRelease{Cycle: rel.Cycle, Label: rel.Label, ReleaseDate: rel.ReleaseDate.date,
			EOLDate: rel.EOL.date, Ended: rel.EOL.yes, EOES: rel.EOES.date, LTS: rel.LTS.yes || rel.LTS.date != "", Latest: rel.Latest, Link: rel.Link})
	}
	return p, nil
}

// frontMatter returns the YAML between the first two lines that are "---".
func frontMatter(data []byte) ([]byte, bool) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	var out bytes.Buffer
	state := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "---" {
			state++
			if state == 2 {
				return out.Bytes(), true
			}
			continue
		}
		if state == 0 {
			if strings.TrimSpace(line) == "" {
				continue
			}
			return nil, false
		}
		out.WriteString(line)
		out.WriteByte('\n')
	}
	return nil, false
}

//go:embed supplement.yaml
var supplementYAML []byte

// Supplement returns Safeguard's own lifecycle table for device operating
// systems that endoflife.date does not list.
func Supplement() []*EOLProduct {
	var doc struct {
		Products []struct {
			Name     string `yaml:"name"`
			Title    string `yaml:"title"`
			Releases []struct {
				Cycle string    `yaml:"cycle"`
				Label string    `yaml:"label"`
				EOL   yesNoDate `yaml:"eol"`
				Link  string    `yaml:"link"`
				CPEs  []string  `yaml:"cpes"`
				Match []string  `yaml:"match"`
			} `yaml:"releases"`
		} `yaml:"products"`
	}
	if err := yaml.Unmarshal(supplementYAML, &doc); err != nil {
		panic("vulnfeed: embedded supplement.yaml: " + err.Error())
	}
	var out []*EOLProduct
	for _, p := range doc.Products {
		ep := &EOLProduct{Name: p.Name, Title: p.Title, Source: "safeguard"}
		for _, r := range p.Releases {
			ep.Releases = append(ep.Releases, EOLRelease{Cycle: r.Cycle, Label: r.Label, EOLDate: r.EOL.date, Ended: r.EOL.yes,
				Link: r.Link, CPEs: r.CPEs, Match: r.Match})
		}
		out = append(out, ep)
	}
	return out
}

// EOLData holds every product's lifecycle, keyed by product name.
type EOLData struct {
	Products map[string]*EOLProduct `json:"products"`
}

// Add puts a product in, replacing one of the same name.
func (d *EOLData) Add(p *EOLProduct) {
	if d.Products == nil {
		d.Products = map[string]*EOLProduct{}
	}
	d.Products[p.Name] = p
}

// Names lists the products, sorted.
func (d *EOLData) Names() []string {
	var out []string
	for n := range d.Products {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Newest returns the latest release or end date mentioned, as the data's date.
func (d *EOLData) Newest() string {
	newest := ""
	for _, p := range d.Products {
		for _, r := range p.Releases {
			if r.ReleaseDate > newest {
				newest = r.ReleaseDate
			}
		}
	}
	return newest
}
