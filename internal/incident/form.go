package incident

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// formFile is the YAML shape of a breach risk assessment form.
type formFile struct {
	Secured           *bool      `yaml:"secured"`
	SecuredNote       string     `yaml:"secured_note"`
	Exception         string     `yaml:"exception"`
	ExceptionNote     string     `yaml:"exception_note"`
	Nature            formNature `yaml:"nature"`
	Recipient         Factor     `yaml:"recipient"`
	Acquired          Factor     `yaml:"acquired"`
	Mitigation        Factor     `yaml:"mitigation"`
	Affected          *int       `yaml:"affected"`
	StateResidents    *int       `yaml:"state_residents"`
	BusinessAssociate bool       `yaml:"business_associate"`
	DecidedBy         string     `yaml:"decided_by"`
	DecidedOn         string     `yaml:"decided_on"`
}

type formNature struct {
	Identifiers []string `yaml:"identifiers"`
	Rating      Rating   `yaml:"rating"`
	Note        string   `yaml:"note"`
}

var yamlLine = regexp.MustCompile(`^yaml: (?:unmarshal errors:\s*)?line (\d+): (.*)$`)

// ReadForm reads a breach risk assessment from YAML (see FormTemplate) and
// checks it against the incident's discovery date. Errors name the file and
// line. Nothing is decided until every field is valid.
func ReadForm(name string, data []byte, discoveredOn string) (*Assessment, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(name, err)
	}
	if len(doc.Content) == 0 {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s: the form is empty: start from `safeguard incidents assess ID --template`", name)
	}
	var f formFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, yamlError(name, err)
	}
	a := &Assessment{
		SecuredNote: f.SecuredNote, Exception: Exception(f.Exception), ExceptionNote: f.ExceptionNote,
		Identifiers: f.Nature.Identifiers, Nature: Factor{Rating: f.Nature.Rating, Note: f.Nature.Note},
		Recipient: f.Recipient, Acquired: f.Acquired, Mitigation: f.Mitigation, StateResidents: -1,
		BusinessAssociate: f.BusinessAssociate, DecidedBy: f.DecidedBy, DecidedOn: f.DecidedOn,
	}
	if f.Secured != nil {
		a.Secured = *f.Secured
	}
	if f.Affected != nil {
		a.Affected = *f.Affected
	}
	if f.StateResidents != nil {
		a.StateResidents = *f.StateResidents
	}
	if err := a.Validate(discoveredOn); err != nil {
		msg := hipaa.ErrorMessage(err)
		field, _, _ := strings.Cut(msg, " ")
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s:%d: %s", name, lineOf(doc.Content[0], strings.TrimSuffix(field, ":")), msg)
	}
	return a, nil
}

// lineOf returns the line of a dotted field such as "nature.rating" in a
// YAML mapping, or of the nearest parent present, or 1.
func lineOf(root *yaml.Node, field string) int {
	line := 1
	n := root
	for _, part := range strings.Split(field, ".") {
		if n == nil || n.Kind != yaml.MappingNode {
			break
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == part {
				line = n.Content[i].Line
				next = n.Content[i+1]
				break
			}
		}
		n = next
	}
	return line
}

func yamlError(name string, err error) error {
	msg := strings.TrimSpace(strings.ReplaceAll(err.Error(), "\n", " "))
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil {
			detail := m[2]
			if strings.Contains(detail, "not found in type") {
				field := strings.TrimPrefix(detail, "field ")
				field, _, _ = strings.Cut(field, " ")
				detail = fmt.Sprintf("unknown field %q: see `safeguard incidents assess ID --template` for the fields", field)
			}
			return hipaa.Errorf(hipaa.EInvalid, "%s:%d: %s", name, n, detail)
		}
	}
	return hipaa.Errorf(hipaa.EInvalid, "%s: not a valid form: %s", name, strings.TrimPrefix(msg, "yaml: "))
}

// FormTemplate returns a commented YAML form for the breach risk assessment
// of an incident, to fill in and pass back with --from.
func FormTemplate(in *Incident) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Breach risk assessment (45 CFR 164.402) for incident %s: %s\n", in.ID, in.Title)
	fmt.Fprintf(&b, "# Discovered %s. Fill in every field, then run:\n#   safeguard incidents assess %s --from this-file.yaml\n", in.DiscoveredOn, in.ID)
	b.WriteString("# Do not write patient names or other PHI in this form.\n\n")
	b.WriteString("# 1. Was the information secured? Yes only if it was encrypted (or destroyed) as HHS guidance\n")
	b.WriteString("#    describes and the key or password was not exposed with it.\nsecured: no\nsecured_note: \"\"\n\n")
	b.WriteString("# 2. Does one of the three exceptions of 164.402(1) apply? none, or one of:\n")
	for _, e := range Exceptions {
		fmt.Fprintf(&b, "#    %s (%s): %s\n", e.Key, e.Citation, e.Text)
	}
	b.WriteString("exception: none\nexception_note: \"\"\n\n")
	b.WriteString("# 3. The four factors (164.402(2)). Rate each low, moderate, high or unknown: how far it points to\n")
	b.WriteString("#    the information having been compromised. Only four lows show a low probability of compromise.\n")
	for _, g := range FactorGuide {
		fmt.Fprintf(&b, "\n# %s (%s): %s\n#    low:  %s\n#    high: %s\n", g.Title, g.Citation, g.Ask, g.Low, g.High)
		fmt.Fprintf(&b, "%s:\n", g.Key)
		if g.Key == "nature" {
			fmt.Fprintf(&b, "  # kinds: %s\n  identifiers: []\n", strings.Join(identifierNames(), ", "))
		}
		b.WriteString("  rating: \n  note: \"\"\n")
	}
	b.WriteString("\n# 4. Numbers for the notice deadlines.\naffected: 0          # individuals whose information was involved\n")
	b.WriteString("# state_residents: 0  # the most who live in any one State or jurisdiction (media notice above 500)\n")
	b.WriteString("business_associate: no   # yes if you handled this PHI as a business associate of another entity\n\n")
	b.WriteString("# 5. Who decided, and when.\ndecided_by: \"\"\ndecided_on: \"\"   # YYYY-MM-DD\n")
	return b.String()
}
