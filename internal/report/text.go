package report

import (
	"fmt"

	"github.com/safeguard-hipaa/safeguard/internal/assess"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// familyInfo names each family of safeguards and the section it comes from.
var familyInfo = map[hipaa.Family][2]string{
	hipaa.FamilyAdministrative: {"Administrative safeguards", "164.308"},
	hipaa.FamilyPhysical:       {"Physical safeguards", "164.310"},
	hipaa.FamilyTechnical:      {"Technical safeguards", "164.312"},
	hipaa.FamilyOrganizational: {"Business associates and organization", "164.314"},
	hipaa.FamilyDocumentation:  {"Policies and documentation", "164.316"},
}

// ephiLabels names the kinds of ePHI in plain words.
var ephiLabels = map[string]string{
	"ehr_records":     "Patient charts in the EHR",
	"billing":         "Billing and claims",
	"imaging":         "Medical images",
	"email_messaging": "E-mail, texts and messages",
	"backups":         "Backups",
	"documents":       "Scanned and office documents",
	"device_data":     "Medical-device data",
	"audit_logs":      "Audit logs",
}

// methodParagraphs explains how the analysis was done, for the method section.
func methodParagraphs() []string {
	return []string{
		"This analysis follows the steps the Security Rule asks for in 164.308(a)(1)(ii)(A): find where the practice creates, receives, keeps and sends ePHI; list what could go wrong (threats) and the weak spots they could use (vulnerabilities); rate how likely each is and how much harm it would do; and record the result.",
		"The practice answered a guided questionnaire that covers every standard and implementation specification of 45 CFR 164.308 to 164.316. Each answer of No, Partially or Don't know points to one or more known vulnerabilities. Each vulnerability is paired with the threats that could use it; every pair is one risk in the register.",
		"Evidence from Safeguard's checks (network scans, inventories, audit logs, vendor records) can raise the same risks. When a check finds the opposite of what an answer says, the answer is marked as contradicted and counts as not in place in the score.",
		"Likelihood and impact are each rated from 1 (very low) to 5 (very high), after NIST SP 800-30. The level of a risk is read from the 5×5 matrix below. An assessor may change a rating, but only with a written reason, which is kept in the risk's history.",
		"Every risk is given a treatment (mitigate, accept, transfer or avoid), an owner and a due date, which together make the Risk Management Plan required by 164.308(a)(1)(ii)(B). Accepting a risk needs a named approver and a written reason.",
	}
}

// dueNote is the note on default due dates.
var dueNote = assess.DueNote

// retentionNote explains the retention date.
func retentionNote(final bool, superseded string) string {
	switch {
	case superseded != "":
		return fmt.Sprintf("Keep this document until the date shown: six years after %s, when a newer risk analysis replaced it (164.316(b)(2)(i)).", superseded)
	case final:
		return "Keep this document for at least six years from its approval, and for six years after a newer risk analysis replaces it, whichever is later (164.316(b)(2)(i))."
	}
	return "This is a draft. Keep it for six years from the date it was made (164.316(b)(2)(i)); the approved version starts its own six years."
}

// levelWords explains each risk level in a few words.
var levelWords = map[string]string{
	"critical": "act now",
	"high":     "fix within weeks",
	"moderate": "plan a fix",
	"low":      "watch",
}

// stateOrder ranks control states from worst to best, for roll-ups.
var stateOrder = []string{
	assess.StateContradicts, assess.StateMissing, assess.StateUnknown, assess.StateUnanswered,
	assess.StatePartial, assess.StateInPlace, assess.StateNA,
}

// treatmentWords names each treatment in plain words.
var treatmentWords = map[string]string{
	"mitigate": "Fix",
	"accept":   "Accept",
	"transfer": "Transfer",
	"avoid":    "Avoid",
}

// statusWords names each plan status in plain words.
var statusWords = map[string]string{
	"open":        "Not started",
	"in_progress": "In progress",
	"done":        "Done",
	"accepted":    "Accepted",
}

// Words returns the plain-language label of a treatment or status value, or the value itself.
func Words(v string) string {
	if w, ok := statusWords[v]; ok {
		return w
	}
	if w, ok := treatmentWords[v]; ok {
		return w
	}
	return v
}
