// Package incident keeps a practice's security incident log (164.308(a)(6)),
// guides the four-factor breach risk assessment of 164.402(2) to a documented
// outcome, and computes the notice deadlines of the Breach Notification Rule
// (164.404–164.410) from the discovery date. It emits INC-01 findings when a
// breach decision or a required notice is late. It knows nothing of storage.
package incident

import (
	"sort"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Status is where an incident's handling stands.
type Status string

// The statuses of an incident.
const (
	StatusOpen      Status = "open"
	StatusContained Status = "contained"
	StatusClosed    Status = "closed"
)

// ParseStatus reads an incident status.
func ParseStatus(s string) (Status, error) {
	switch Status(normalize(s)) {
	case StatusOpen:
		return StatusOpen, nil
	case StatusContained:
		return StatusContained, nil
	case StatusClosed:
		return StatusClosed, nil
	}
	return "", hipaa.Errorf(hipaa.EInvalid, "unknown incident status %q: use open, contained or closed", s)
}

// Categories lists the kinds of incident, with a plain description of each.
var Categories = map[string]string{
	"ransomware":          "ransomware or other malware that encrypts or steals data",
	"malware":             "a virus or other malicious software",
	"phishing":            "a phishing e-mail, message or call, clicked or not",
	"account_compromise":  "someone else signed in to a staff or vendor account",
	"lost_device":         "a lost or stolen laptop, phone, disk or paper records",
	"unauthorized_access": "a workforce member or outsider looked at records without a reason",
	"misdirected":         "ePHI sent, mailed or faxed to the wrong person",
	"vendor":              "an incident at a business associate",
	"outage":              "a system failure or outage affecting ePHI",
	"physical":            "a break-in or other physical security event",
	"other":               "anything else",
}

// Involvement says whether PHI was involved.
type Involvement string

// Whether protected health information was involved in an incident.
const (
	PHIYes     Involvement = "yes"
	PHINo      Involvement = "no"
	PHIUnknown Involvement = "unknown"
)

// Incident is one entry of the incident log.
type Incident struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Category string `json:"category"`
	// DiscoveredOn is the date the incident was first known to anyone in the
	// workforce (or would have been, with reasonable diligence); the breach
	// clock starts on it.
	DiscoveredOn string           `json:"discovered_on"`
	OccurredOn   string           `json:"occurred_on,omitempty"`
	ReportedBy   string           `json:"reported_by,omitempty"`
	Description  string           `json:"description,omitempty"`
	PHIInvolved  Involvement      `json:"phi_involved"`
	Status       Status           `json:"status"`
	Actions      string           `json:"actions,omitempty"`
	Outcome      string           `json:"outcome,omitempty"`
	Assessment   *Assessment      `json:"breach_assessment,omitempty"`
	Notices      []Notice         `json:"notices"`
	ClosedOn     string           `json:"closed_on,omitempty"`
	CreatedAt    time.Time        `json:"created_at"`
	UpdatedAt    time.Time        `json:"updated_at"`
	Deadlines    []DeadlineStatus `json:"deadlines,omitempty"`
}

// Notice records that a breach notice was given.
type Notice struct {
	Recipient Recipient `json:"recipient"`
	SentOn    string    `json:"sent_on"`
	Note      string    `json:"note,omitempty"`
}

// DeadlineStatus is a notice deadline with whether the notice was given.
type DeadlineStatus struct {
	Deadline
	SentOn string `json:"sent_on,omitempty"`
}

// Validate checks an incident's fields, fills defaults and returns a
// user-facing error naming the first wrong field.
func (in *Incident) Validate() error {
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" {
		return hipaa.Errorf(hipaa.EInvalid, "--title is empty: say in a few words what happened, without patient names")
	}
	if len(in.Title) > 200 {
		return hipaa.Errorf(hipaa.EInvalid, "--title is longer than 200 characters: put the detail in --description")
	}
	in.Category = normalize(in.Category)
	if in.Category == "" {
		in.Category = "other"
	}
	if _, ok := Categories[in.Category]; !ok {
		return hipaa.Errorf(hipaa.EInvalid, "unknown incident category %q: use one of %s", in.Category, strings.Join(categoryNames(), ", "))
	}
	disc, err := hipaa.ParseDate("--discovered", in.DiscoveredOn)
	if err != nil {
		return err
	}
	in.DiscoveredOn = disc.Format(hipaa.DateLayout)
	if in.OccurredOn, err = hipaa.CheckDate("--occurred", in.OccurredOn); err != nil {
		return err
	}
	if in.OccurredOn != "" && in.OccurredOn > in.DiscoveredOn {
		return hipaa.Errorf(hipaa.EInvalid, "--occurred %s is after --discovered %s: an incident is discovered on or after the day it happens", in.OccurredOn, in.DiscoveredOn)
	}
	switch in.PHIInvolved = Involvement(normalize(string(in.PHIInvolved))); in.PHIInvolved {
	case "":
		in.PHIInvolved = PHIUnknown
	case PHIYes, PHINo, PHIUnknown:
	default:
		return hipaa.Errorf(hipaa.EInvalid, "--phi %q: say yes, no or unknown", in.PHIInvolved)
	}
	if in.Status == "" {
		in.Status = StatusOpen
	}
	if _, err := ParseStatus(string(in.Status)); err != nil {
		return err
	}
	if in.ClosedOn, err = hipaa.CheckDate("--closed", in.ClosedOn); err != nil {
		return err
	}
	if in.ClosedOn != "" && in.ClosedOn < in.DiscoveredOn {
		return hipaa.Errorf(hipaa.EInvalid, "closing date %s is before the discovery date %s", in.ClosedOn, in.DiscoveredOn)
	}
	if in.Notices == nil {
		in.Notices = []Notice{}
	}
	for i := range in.Notices {
		n := &in.Notices[i]
		if _, err := ParseRecipient(string(n.Recipient)); err != nil {
			return err
		}
		if n.SentOn, err = hipaa.CheckDate("notice date", n.SentOn); err != nil {
			return err
		}
		if n.SentOn == "" {
			return hipaa.Errorf(hipaa.EInvalid, "the notice to %s has no date: give --on YYYY-MM-DD", n.Recipient.Label())
		}
		if n.SentOn < in.DiscoveredOn {
			return hipaa.Errorf(hipaa.EInvalid, "the notice to %s is dated %s, before the breach was discovered (%s)", n.Recipient.Label(), n.SentOn, in.DiscoveredOn)
		}
	}
	if in.Assessment != nil {
		return in.Assessment.Validate(in.DiscoveredOn)
	}
	return nil
}

func categoryNames() []string {
	out := make([]string, 0, len(Categories))
	for k := range Categories {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// IsBreach reports whether the incident's documented outcome is a breach that must be notified.
func (in *Incident) IsBreach() bool {
	return in.Assessment != nil && in.Assessment.Outcome == OutcomeBreach
}

// Sent returns the date the notice to r was given, or "".
func (in *Incident) Sent(r Recipient) string {
	for _, n := range in.Notices {
		if n.Recipient == r {
			return n.SentOn
		}
	}
	return ""
}

// Schedule returns the notice deadlines of a breach with whether each notice
// was given. It is empty unless the documented outcome is a breach.
func (in *Incident) Schedule() []DeadlineStatus {
	if !in.IsBreach() {
		return nil
	}
	disc, err := hipaa.ParseDate("discovered", in.DiscoveredOn)
	if err != nil {
		return nil
	}
	a := in.Assessment
	ds, err := Deadlines(BreachFacts{Discovered: disc, Affected: a.Affected, StateResidents: a.StateResidents, BusinessAssociate: a.BusinessAssociate})
	if err != nil {
		return nil
	}
	out := make([]DeadlineStatus, 0, len(ds))
	for _, d := range ds {
		out = append(out, DeadlineStatus{Deadline: d, SentOn: in.Sent(d.Recipient)})
	}
	return out
}

func normalize(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_"), " ", "_")
}
