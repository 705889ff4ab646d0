package hipaa

// ThreatSource is the kind of source a threat comes from, after NIST SP 800-30.
type ThreatSource string

// The threat sources of NIST SP 800-30.
const (
	SourceAdversarial   ThreatSource = "adversarial"
	SourceAccidental    ThreatSource = "accidental"
	SourceStructural    ThreatSource = "structural"
	SourceEnvironmental ThreatSource = "environmental"
)

// Threat is something that could exploit a vulnerability and harm ePHI.
type Threat struct {
	ID          string       `yaml:"id" json:"id"`
	Name        string       `yaml:"name" json:"name"`
	Source      ThreatSource `yaml:"source" json:"source"`
	Description string       `yaml:"description" json:"description"`
}

// ThreatLink ties a vulnerability to a threat, optionally with its own
// likelihood and impact (0 means the vulnerability's default).
type ThreatLink struct {
	Threat     string `yaml:"threat" json:"threat"`
	Likelihood int    `yaml:"likelihood" json:"likelihood,omitempty"`
	Impact     int    `yaml:"impact" json:"impact,omitempty"`
}

// Vulnerability is a weakness that answers or findings can reveal.
type Vulnerability struct {
	ID          string       `yaml:"id" json:"id"`
	Title       string       `yaml:"title" json:"title"`
	Description string       `yaml:"description" json:"description"`
	Likelihood  int          `yaml:"likelihood" json:"likelihood"`
	Impact      int          `yaml:"impact" json:"impact"`
	Threats     []ThreatLink `yaml:"threats" json:"threats"`
	EPHI        []string     `yaml:"ephi" json:"ephi"`
	Assets      []string     `yaml:"assets" json:"assets"`
	Citations   []string     `yaml:"citations" json:"citations"`
	Mitigations []string     `yaml:"mitigations" json:"mitigations"`
	Action      string       `yaml:"action" json:"action"`
	Effort      string       `yaml:"effort" json:"effort"`
}

// FindingRule describes an analyzer rule: what its findings mean for the risk
// analysis, and which answers they can disprove.
type FindingRule struct {
	Rule            string   `yaml:"rule" json:"rule"`
	Source          string   `yaml:"source" json:"source"`
	Title           string   `yaml:"title" json:"title"`
	Citations       []string `yaml:"citations" json:"citations"`
	Vulnerabilities []string `yaml:"vulnerabilities" json:"vulnerabilities"`
	Contradicts     []string `yaml:"contradicts" json:"contradicts"`
}

// EPHIKinds lists the kinds of ePHI a vulnerability can affect.
var EPHIKinds = []string{"ehr_records", "billing", "imaging", "email_messaging", "backups", "documents", "device_data", "audit_logs"}

// AssetKinds lists the kinds of technology asset a vulnerability can affect.
var AssetKinds = []string{"workstation", "server", "cloud_service", "network_device", "mobile", "medical_device", "iot", "printer", "removable_media", "facility"}
