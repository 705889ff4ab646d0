package vendors

import (
	"strings"

	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Term is one term a business associate agreement must contain.
type Term struct {
	Key      string `json:"key"`
	Text     string `json:"text"`
	Citation string `json:"citation"`
	// Proposed marks a term the proposed rule (90 FR 898, not final) would add.
	Proposed bool `json:"proposed"`
	// Rule is the finding rule raised when a signed BAA is checked and lacks the term.
	Rule string `json:"rule"`
}

// Terms is the checklist of what 164.314(a)(2)(i) requires a BAA to say, in
// the rule's order, followed by the term the proposed rule would add.
var Terms = []Term{
	{Key: "comply", Citation: "164.314(a)(2)(i)(A)", Rule: "BAA-05",
		Text: "The vendor will comply with the Security Rule (Subpart C of 45 CFR Part 164) for the ePHI it handles for us."},
	{Key: "subcontractors", Citation: "164.314(a)(2)(i)(B)", Rule: "BAA-06",
		Text: "The vendor will make any subcontractor that creates, receives, maintains or transmits our ePHI agree in writing to the same requirements (see also 164.314(a)(2)(iii))."},
	{Key: "report_incidents", Citation: "164.314(a)(2)(i)(C)", Rule: "BAA-07",
		Text: "The vendor will report to us any security incident it becomes aware of, including breaches of unsecured PHI as 164.410 requires."},
	{Key: "contingency_notice", Citation: "164.314(a)(2)(i)", Proposed: true, Rule: "BAA-08",
		Text: "Proposed rule: the vendor will tell us within 24 hours when it activates its contingency plan."},
}

// TermByKey returns the term with the given key.
func TermByKey(key string) (Term, bool) {
	for _, t := range Terms {
		if t.Key == key {
			return t, true
		}
	}
	return Term{}, false
}

// TermKeys lists the term keys.
func TermKeys() []string {
	var out []string
	for _, t := range Terms {
		out = append(out, t.Key)
	}
	return out
}

// Item is one question of the due-diligence questionnaire asked of a vendor.
// Each item is drawn from a question of the catalog's question bank and
// carries its citations, so an answer here is evidence for that question.
type Item struct {
	Key string `json:"key"`
	// Question is the ID of the catalog question the item comes from.
	Question string `json:"question"`
	Text     string `json:"text"`
	// Citations are the controls the item bears on (from the catalog question).
	Citations []string `json:"citations"`
	// Proposed marks an item the proposed rule (90 FR 898, not final) would require.
	Proposed bool `json:"proposed"`
}

// Questionnaire is the due-diligence questionnaire for a vendor that handles
// ePHI: how it actually protects data, beyond what the BAA promises. The texts
// are written for one vendor; their citations are filled from the catalog.
var Questionnaire = []Item{
	{Key: "encryption", Question: "BA-07", Text: "Does the vendor encrypt our ePHI where it stores it and whenever it sends it?"},
	{Key: "mfa", Question: "BA-07", Text: "Do the vendor's staff sign in to systems holding our ePHI with multi-factor authentication?"},
	{Key: "backups", Question: "BA-07", Text: "Does the vendor back up our ePHI, keep a copy it can restore, and test restores?"},
	{Key: "breach_history", Question: "BA-07", Text: "Has the vendor told us whether it had a breach or serious security incident in the last three years?"},
	{Key: "audit_report", Question: "BA-07", Text: "Has the vendor given us an independent audit report or certification (such as SOC 2 Type II or HITRUST)?"},
	{Key: "subprocessors", Question: "BA-05", Text: "Do we know which subcontractors (hosting, support, offshore services) handle our ePHI for the vendor?"},
	{Key: "remote_access", Question: "BA-10", Text: "If the vendor connects to our systems, does each technician use a named account with multi-factor authentication that we can see and switch off?"},
	{Key: "exit", Question: "BA-11", Text: "Does the contract say how we get all our data back, and how the vendor destroys its copies, when we leave?"},
	{Key: "offboarding", Question: "BA-08", Text: "When the service ends, will we remove the vendor's accounts and remote tools, and get written confirmation that our ePHI was returned or destroyed?"},
	{Key: "verification", Question: "PR-12", Proposed: true, Text: "Proposed rule: has the vendor given us, in the last 12 months, a written verification that it has the required technical safeguards in place (an expert's written analysis plus a certification signed by an authorized person)?"},
}

// ItemByKey returns the questionnaire item with the given key.
func ItemByKey(key string) (Item, bool) {
	for _, it := range Questionnaire {
		if it.Key == key {
			return it, true
		}
	}
	return Item{}, false
}

// Items returns the questionnaire with each item's citations filled from its
// catalog question. A question missing from the catalog is a bug, caught by
// the tests.
func Items(cat *catalog.Catalog) ([]Item, error) {
	out := make([]Item, len(Questionnaire))
	for i, it := range Questionnaire {
		q, ok := cat.Question(it.Question)
		if !ok {
			return nil, hipaa.Errorf(hipaa.EInternal, "vendor questionnaire item %s cites question %s, which is not in the catalog", it.Key, it.Question)
		}
		it.Citations = append([]string{}, q.Citations...)
		out[i] = it
	}
	return out, nil
}

// ParseTerms reads the terms found in an agreement and those checked and
// found missing, each a list such as "comply,report_incidents" ("all" means
// every term). A term may not be in both lists.
func ParseTerms(has, lacks []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, side := range []struct {
		flag  string
		list  []string
		value bool
	}{{"--has-terms", has, true}, {"--lacks-terms", lacks, false}} {
		for _, item := range side.list {
			for _, s := range strings.Split(item, ",") {
				s = strings.ToLower(strings.TrimSpace(s))
				keys := []string{s}
				switch s {
				case "":
					continue
				case "all":
					keys = TermKeys()
				}
				for _, k := range keys {
					if _, ok := TermByKey(k); !ok {
						return nil, hipaa.Errorf(hipaa.EInvalid, "%s %q: use %s, or all", side.flag, k, strings.Join(TermKeys(), ", "))
					}
					if prev, dup := out[k]; dup && prev != side.value {
						return nil, hipaa.Errorf(hipaa.EInvalid, "BAA term %s is given in both --has-terms and --lacks-terms: choose one", k)
					}
					out[k] = side.value
				}
			}
		}
	}
	return out, nil
}
