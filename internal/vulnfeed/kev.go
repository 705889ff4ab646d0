package vulnfeed

import (
	"encoding/json"
	"io"
	"regexp"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// KEVCatalog is CISA's Known Exploited Vulnerabilities catalog.
type KEVCatalog struct {
	Title    string      `json:"title"`
	Version  string      `json:"catalogVersion"`
	Released time.Time   `json:"dateReleased"`
	Count    int         `json:"count"`
	Vulns    []KEVRecord `json:"vulnerabilities"`
}

// KEVRecord is one catalog entry.
type KEVRecord struct {
	CVE            string   `json:"cveID"`
	Vendor         string   `json:"vendorProject"`
	Product        string   `json:"product"`
	Name           string   `json:"vulnerabilityName"`
	DateAdded      string   `json:"dateAdded"`
	Description    string   `json:"shortDescription"`
	RequiredAction string   `json:"requiredAction"`
	DueDate        string   `json:"dueDate"`
	RansomwareUse  string   `json:"knownRansomwareCampaignUse"`
	Notes          string   `json:"notes,omitempty"`
	CWEs           []string `json:"cwes,omitempty"`
}

var cveRE = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,19}$`)

// ParseKEV reads the catalog's JSON file and checks the fields Safeguard relies on.
func ParseKEV(r io.Reader, name string) (*KEVCatalog, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EUnavailable, err, "cannot read %s", name)
	}
	var c KEVCatalog
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, jsonError(name, data, err)
	}
	if c.Version == "" || c.Released.IsZero() {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s: not the CISA KEV catalog (no catalogVersion or dateReleased): download known_exploited_vulnerabilities.json from cisa.gov", name)
	}
	for i, v := range c.Vulns {
		if !cveRE.MatchString(v.CVE) {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: entry %d has cveID %q, which is not a CVE ID: get a fresh copy of the catalog", name, i+1, v.CVE)
		}
	}
	c.Count = len(c.Vulns)
	return &c, nil
}

// Lookup returns the entry for a CVE.
func (c *KEVCatalog) Lookup(cve string) (*KEVRecord, bool) {
	if c == nil {
		return nil, false
	}
	for i := range c.Vulns {
		if c.Vulns[i].CVE == cve {
			return &c.Vulns[i], true
		}
	}
	return nil, false
}

// index returns the catalog keyed by CVE.
func (c *KEVCatalog) index() map[string]*KEVRecord {
	m := map[string]*KEVRecord{}
	if c == nil {
		return m
	}
	for i := range c.Vulns {
		m[c.Vulns[i].CVE] = &c.Vulns[i]
	}
	return m
}
