// Package policy writes a practice's security policies and procedures
// (164.316(a)): one document per group of related Security Rule standards,
// filled from the practice profile, the current risk analysis answers, the
// vendor register and the workforce roster, each citing the controls it
// covers. Documents are versioned (draft → approved by a named person →
// superseded), due for review every 12 months and kept six years after they
// were last in effect (164.316(b)(2)); staff acknowledge each version. It
// renders Markdown, HTML and PDF, and emits POL-01 findings for overdue
// reviews. It knows nothing of storage.
package policy

import (
	"embed"
	"fmt"

	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

//go:embed templates
var templateFS embed.FS

// Doc is one policy document: a key, a title, the standards it covers and
// the template that writes it.
type Doc struct {
	Key   string
	Title string
	// Standards are the catalog standards the document covers; their
	// implementation specifications are covered with them. A document may
	// instead name one implementation specification (the sanction policy).
	Standards []string
	// Summary says in one line what the document is for.
	Summary string
}

// Docs lists the documents in the order of the rule. Together they cover
// every standard of the catalog (a test checks it).
var Docs = []Doc{
	{"security-management", "Security Management and Risk Analysis", []string{"164.308(a)(1)(i)", "164.308(a)(8)"},
		"How we find, rate and fix security risks, review activity, and evaluate our safeguards."},
	{"security-official", "Assigned Security Responsibility", []string{"164.308(a)(2)"},
		"Who is in charge of security, and what that person does."},
	{"sanctions", "Sanctions for Security Violations", []string{"164.308(a)(1)(ii)(C)"},
		"What happens when someone breaks a security rule, and how it is recorded."},
	{"workforce-access", "Workforce Security and Access Management", []string{"164.308(a)(3)(i)", "164.308(a)(4)(i)"},
		"Who may see ePHI, how access is granted, changed, reviewed and removed."},
	{"training", "Security Awareness and Training", []string{"164.308(a)(5)(i)"},
		"Training, reminders, malware protection, log-in monitoring and passwords."},
	{"incident-response", "Security Incidents and Breach Notification", []string{"164.308(a)(6)(i)"},
		"How we report, handle and document incidents, and decide and give breach notices."},
	{"contingency", "Contingency Plan: Backups, Recovery and Emergencies", []string{"164.308(a)(7)(i)"},
		"Backups, disaster recovery, emergency operations, testing and critical systems."},
	{"business-associates", "Business Associates and Their Agreements", []string{"164.308(b)(1)", "164.314(a)(1)"},
		"Which vendors handle our ePHI, and the agreements and checks that bind them."},
	{"facility", "Facility Access", []string{"164.310(a)(1)"},
		"Who can enter where, visitors, and repairs to the building's security."},
	{"workstations", "Workstation Use and Security", []string{"164.310(b)", "164.310(c)"},
		"How computers that show ePHI are used, placed and protected."},
	{"devices-media", "Device and Media Controls", []string{"164.310(d)(1)"},
		"Tracking, moving, wiping and disposing of equipment and media that hold ePHI."},
	{"access-control", "Access Control and Authentication", []string{"164.312(a)(1)", "164.312(d)"},
		"Unique accounts, emergency access, automatic logoff, encryption and sign-in checks."},
	{"audit-integrity", "Audit Controls and Integrity", []string{"164.312(b)", "164.312(c)(1)"},
		"Recording activity in our systems and protecting records from improper change."},
	{"transmission", "Transmission Security", []string{"164.312(e)(1)"},
		"Protecting ePHI sent by e-mail, text, portal, fax interfaces and remote connections."},
	{"group-health-plan", "Group Health Plan Requirements", []string{"164.314(b)(1)"},
		"The security duties of a self-funded group health plan's sponsor, where one exists."},
	{"documentation", "Policies, Procedures and Documentation", []string{"164.316(a)", "164.316(b)(1)"},
		"How these documents are written, approved, kept, made available and updated."},
}

// DocByKey returns the document with the given key.
func DocByKey(key string) (Doc, bool) {
	for _, d := range Docs {
		if d.Key == key {
			return d, true
		}
	}
	return Doc{}, false
}

// Controls returns the controls a document covers, in catalog order: its
// standards with their implementation specifications, less any
// specification another document names on its own.
func (d Doc) Controls(cat *catalog.Catalog) []*hipaa.Control {
	named := map[string]bool{}
	own := map[string]bool{}
	for _, x := range Docs {
		for _, s := range x.Standards {
			if c, ok := cat.Control(s); ok && c.Kind == hipaa.KindSpecification {
				named[c.Citation] = true
			}
		}
	}
	for _, s := range d.Standards {
		own[s] = true
	}
	var out []*hipaa.Control
	for i := range cat.Controls {
		c := &cat.Controls[i]
		switch {
		case own[c.Citation]:
			out = append(out, c)
		case own[c.Parent] && !named[c.Citation]:
			out = append(out, c)
		}
	}
	return out
}

// CheckCoverage returns an error naming any standard of the catalog that no
// document covers, or any document naming a control that is not a standard.
func CheckCoverage(cat *catalog.Catalog) error {
	covered := map[string]bool{}
	for _, d := range Docs {
		if _, err := templateFS.ReadFile("templates/" + d.Key + ".md.tmpl"); err != nil {
			return fmt.Errorf("policy %s has no template", d.Key)
		}
		for _, s := range d.Standards {
			c, ok := cat.Control(s)
			if !ok {
				return fmt.Errorf("policy %s names %s, which is not in the catalog", d.Key, s)
			}
			covered[c.Citation] = true
		}
	}
	for _, c := range cat.Controls {
		if c.Kind == hipaa.KindStandard && !covered[c.Citation] {
			return fmt.Errorf("no policy covers standard %s (%s)", c.Citation, c.Title)
		}
	}
	return nil
}
