package vulnfeed

import (
	"encoding/json"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Advisory is a CISA ICS medical advisory, reduced to what matching needs.
type Advisory struct {
	ID       string            `json:"id"` // ICSMA-24-200-01
	Title    string            `json:"title"`
	Released time.Time         `json:"released"`
	URL      string            `json:"url,omitempty"`
	Products []AdvisoryProduct `json:"products"`
}

// AdvisoryProduct is one affected product line of an advisory.
type AdvisoryProduct struct {
	Vendor  string   `json:"vendor"`
	Product string   `json:"product"`
	Range   string   `json:"range"`
	CVEs    []string `json:"cves"`
	CVSS    float64  `json:"cvss,omitempty"`
	// normalised forms, filled by prepare
	vendors []string
	tokens  []string
	joined  string // " token token "
	models  []string
	rng     VersionRange
}

type csafDoc struct {
	Document struct {
		Category    string `json:"category"`
		CSAFVersion string `json:"csaf_version"`
		Title       string `json:"title"`
		Tracking    struct {
			ID                 string `json:"id"`
			CurrentReleaseDate string `json:"current_release_date"`
		} `json:"tracking"`
		References []struct {
			Category string `json:"category"`
			URL      string `json:"url"`
		} `json:"references"`
	} `json:"document"`
	ProductTree struct {
		Branches []csafBranch `json:"branches"`
	} `json:"product_tree"`
	Vulnerabilities []struct {
		CVE           string `json:"cve"`
		ProductStatus struct {
			KnownAffected []string `json:"known_affected"`
		} `json:"product_status"`
		Scores []struct {
			CVSS3 *struct {
				BaseScore float64 `json:"baseScore"`
			} `json:"cvss_v3"`
			Products []string `json:"products"`
		} `json:"scores"`
	} `json:"vulnerabilities"`
}

type csafBranch struct {
	Category string       `json:"category"`
	Name     string       `json:"name"`
	Branches []csafBranch `json:"branches"`
	Product  *struct {
		Name      string `json:"name"`
		ProductID string `json:"product_id"`
	} `json:"product"`
}

// ParseAdvisory reads a CSAF 2.0 advisory.
func ParseAdvisory(r io.Reader, name string) (*Advisory, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EUnavailable, err, "cannot read %s", name)
	}
	var doc csafDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, jsonError(name, data, err)
	}
	if !strings.HasPrefix(doc.Document.CSAFVersion, "2.") || doc.Document.Tracking.ID == "" {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s: not a CSAF 2.0 advisory (no csaf_version 2.x or tracking ID): use CISA's CSAF files", name)
	}
	adv := &Advisory{ID: strings.ToUpper(doc.Document.Tracking.ID), Title: doc.Document.Title}
	if t, err := time.Parse(time.RFC3339Nano, doc.Document.Tracking.CurrentReleaseDate); err == nil {
		adv.Released = t.UTC()
	}
	for _, ref := range doc.Document.References {
		if ref.Category == "self" && strings.Contains(ref.URL, "cisa.gov/news-events") {
			adv.URL = ref.URL
		}
	}
	type leaf struct{ vendor, product, rng string }
	leaves := map[string]leaf{}
	var walk func(bs []csafBranch, vendor, product string)
	walk = func(bs []csafBranch, vendor, product string) {
		for _, b := range bs {
			v, p := vendor, product
			switch b.Category {
			case "vendor":
				v = b.Name
			case "product_name":
				p = b.Name
			case "product_family":
				if p == "" {
					p = b.Name
				}
			}
			if b.Product != nil && b.Product.ProductID != "" {
				rng := ""
				if b.Category == "product_version_range" || b.Category == "product_version" {
					rng = b.Name
					if b.Category == "product_version" && rng != "vers:all/*" && !strings.ContainsAny(rng, "<>|") {
						rng = "=" + rng
					}
				}
				if p == "" {
					p = b.Product.Name
				}
				leaves[b.Product.ProductID] = leaf{v, p, rng}
			}
			walk(b.Branches, v, p)
		}
	}
	walk(doc.ProductTree.Branches, "", "")
	type agg struct {
		cves map[string]bool
		cvss float64
	}
	per := map[string]*agg{}
	for _, v := range doc.Vulnerabilities {
		score := map[string]float64{}
		for _, s := range v.Scores {
			if s.CVSS3 == nil {
				continue
			}
			for _, p := range s.Products {
				score[p] = max(score[p], s.CVSS3.BaseScore)
			}
		}
		for _, pid := range v.ProductStatus.KnownAffected {
			a := per[pid]
			if a == nil {
				a = &agg{cves: map[string]bool{}}
				per[pid] = a
			}
			if v.CVE != "" {
				a.cves[v.CVE] = true
			}
			a.cvss = max(a.cvss, score[pid])
		}
	}
	var ids []string
	for id := range per {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		l, ok := leaves[id]
		if !ok || l.vendor == "" || l.product == "" {
			continue
		}
		var cves []string
		for c := range per[id].cves {
			cves = append(cves, c)
		}
		sort.Strings(cves)
		adv.Products = append(adv.Products, AdvisoryProduct{Vendor: strings.TrimSpace(l.vendor), Product: l.product, Range: l.rng, CVEs: cves, CVSS: per[id].cvss})
	}
	return adv, nil
}

// vendorAliases maps the many spellings of medical device makers to one.
var vendorAliases = []struct {
	canonical string
	words     []string
}{
	{"philips", []string{"philips", "phillips"}},
	{"bd", []string{"becton", "bd", "carefusion", "alaris"}},
	{"ge healthcare", []string{"ge healthcare", "general electric", "ge medical", "ge"}},
	{"b braun", []string{"braun"}},
	{"abbott", []string{"abbott", "st jude"}},
	{"hillrom", []string{"hillrom", "hill rom", "welch allyn"}},
	{"baxter", []string{"baxter"}},
	{"draeger", []string{"draeger", "drager", "dräger"}},
	{"siemens healthineers", []string{"siemens"}},
	{"medtronic", []string{"medtronic"}},
	{"boston scientific", []string{"boston scientific"}},
	{"fresenius", []string{"fresenius"}},
	{"smiths medical", []string{"smiths medical"}},
	{"natus", []string{"natus"}},
	{"carestream", []string{"carestream"}},
	{"fujifilm", []string{"fujifilm"}},
	{"roche", []string{"roche"}},
	{"mindray", []string{"mindray"}},
	{"spacelabs", []string{"spacelabs"}},
	{"zoll", []string{"zoll"}},
	{"stryker", []string{"stryker"}},
	{"nihon kohden", []string{"nihon kohden"}},
	{"masimo", []string{"masimo"}},
	{"biotronik", []string{"biotronik"}},
	{"illumina", []string{"illumina"}},
}

var (
	nonAlnum     = regexp.MustCompile(`[^a-z0-9äöüé]+`)
	corpSuffixes = map[string]bool{"inc": true, "llc": true, "ltd": true, "co": true, "corp": true, "corporation": true, "company": true,
		"gmbh": true, "ag": true, "sa": true, "plc": true, "international": true, "the": true, "and": true, "oy": true, "kg": true}
)

func normText(s string) string {
	return strings.TrimSpace(nonAlnum.ReplaceAllString(strings.ToLower(s), " "))
}

// NormalizeVendors returns the canonical names a maker's name stands for
// (an advisory may name two makers).
func NormalizeVendors(name string) []string {
	n := " " + normText(name) + " "
	var out []string
	for _, v := range vendorAliases {
		for _, w := range v.words {
			if strings.Contains(n, " "+w+" ") {
				out = append(out, v.canonical)
				break
			}
		}
	}
	if len(out) == 0 {
		var kept []string
		for _, f := range strings.Fields(n) {
			if !corpSuffixes[f] {
				kept = append(kept, f)
			}
		}
		if len(kept) > 0 {
			out = append(out, strings.Join(kept, " "))
		}
	}
	return out
}

var productStopwords = map[string]bool{"models": true, "model": true, "version": true, "versions": true, "all": true, "the": true,
	"and": true, "with": true, "for": true, "of": true, "software": true, "system": true, "systems": true, "series": true, "device": true, "devices": true}

func productTokens(s string) []string {
	var out []string
	for _, f := range strings.Fields(normText(s)) {
		if !productStopwords[f] {
			out = append(out, f)
		}
	}
	return out
}

var modelToken = regexp.MustCompile(`^(?:[a-z]+\d+[a-z0-9]*|\d+[a-z]+[a-z0-9]*)$`)

func (p *AdvisoryProduct) prepare() {
	p.vendors = NormalizeVendors(p.Vendor)
	p.tokens = productTokens(p.Product)
	p.joined = " " + strings.Join(p.tokens, " ") + " "
	p.models = nil
	for _, t := range p.tokens {
		if len(t) >= 3 && modelToken.MatchString(t) {
			p.models = append(p.models, t)
		}
	}
	p.rng = ParseRange(p.Range)
}

// descTokens is a product description (model, software name) prepared for matching.
type descTokens struct {
	tokens []string
	joined string
	length int
}

func newDesc(s string) descTokens {
	t := productTokens(s)
	return descTokens{tokens: t, joined: " " + strings.Join(t, " ") + " ", length: len(strings.Join(t, ""))}
}

// matchesName reports whether a product description names this advisory
// product: the whole product name appears in it, the description appears
// in the product name, or both share a model number.
func (p *AdvisoryProduct) matchesName(d descTokens) bool {
	if len(d.tokens) == 0 || len(p.tokens) == 0 {
		return false
	}
	if strings.Contains(d.joined, p.joined) {
		return true
	}
	if d.length >= 4 && strings.Contains(p.joined, d.joined) {
		return true
	}
	for _, m := range p.models {
		for _, t := range d.tokens {
			if t == m {
				return true
			}
		}
	}
	return false
}
