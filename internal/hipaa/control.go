package hipaa

// ControlKind says whether a control is a standard or an implementation specification.
type ControlKind string

// The kinds of control in the Security Rule.
const (
	KindStandard      ControlKind = "standard"
	KindSpecification ControlKind = "implementation_specification"
)

// Requirement says whether a control is Required or Addressable (45 CFR
// 164.306(d)). A standard whose duties are carried by its specifications has
// an empty requirement.
type Requirement string

// The requirement labels.
const (
	Required    Requirement = "required"
	Addressable Requirement = "addressable"
)

// Family groups controls by the section of the rule they come from.
type Family string

// The safeguard families, one per section of 45 CFR 164.308–164.316.
const (
	FamilyAdministrative Family = "administrative"
	FamilyPhysical       Family = "physical"
	FamilyTechnical      Family = "technical"
	FamilyOrganizational Family = "organizational"
	FamilyDocumentation  Family = "documentation"
)

// Families lists the families in the order of the rule.
var Families = []Family{FamilyAdministrative, FamilyPhysical, FamilyTechnical, FamilyOrganizational, FamilyDocumentation}

// Crosswalk links a control to other frameworks (from NIST SP 800-66 Rev. 2).
type Crosswalk struct {
	NISTCSF []string `yaml:"nist_csf" json:"nist_csf"`
	SP80053 []string `yaml:"sp800_53" json:"sp800_53"`
}

// Control is a standard or implementation specification of the Security Rule.
// Its citation, e.g. "164.312(a)(2)(i)", is its stable ID.
type Control struct {
	Citation       string      `yaml:"citation" json:"citation"`
	Title          string      `yaml:"title" json:"title"`
	Kind           ControlKind `yaml:"kind" json:"kind"`
	Requirement    Requirement `yaml:"requirement" json:"requirement"`
	Family         Family      `yaml:"family" json:"family"`
	Parent         string      `yaml:"parent" json:"parent,omitempty"`
	Summary        string      `yaml:"summary" json:"summary"`
	ProposedChange string      `yaml:"proposed_change" json:"proposed_change"`
	Aliases        []string    `yaml:"aliases" json:"aliases,omitempty"`
	Crosswalk      Crosswalk   `yaml:"crosswalk" json:"crosswalk"`
}

// Assessable reports whether the control is judged on its own in a risk
// analysis and a score: every implementation specification, and every
// standard that has no specifications.
func (c *Control) Assessable() bool {
	return c.Kind == KindSpecification || c.Requirement != ""
}
