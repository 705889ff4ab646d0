package incident

import (
	"fmt"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// NoticeDays is the outer limit, in calendar days after discovery, for the
// notices of the Breach Notification Rule (164.404(b), 164.406(b), 164.410(b)).
const NoticeDays = 60

// LargeBreach is the number of affected individuals from which HHS is told at
// the same time as the individuals (164.408(b)); below it, breaches go into the
// yearly log sent within 60 days after the end of the calendar year (164.408(c)).
const LargeBreach = 500

// MediaThreshold is the number of residents of one State or jurisdiction that a
// breach must exceed before prominent media outlets there are notified (164.406).
const MediaThreshold = 500

// Recipient names who must be told of a breach.
type Recipient string

// The recipients of breach notices.
const (
	ToIndividuals   Recipient = "individuals"
	ToHHS           Recipient = "hhs"
	ToMedia         Recipient = "media"
	ToCoveredEntity Recipient = "covered_entity"
)

// Recipients lists the recipients in the order a practice works through them.
var Recipients = []Recipient{ToIndividuals, ToHHS, ToMedia, ToCoveredEntity}

// Label returns the recipient as a person reads it.
func (r Recipient) Label() string {
	switch r {
	case ToIndividuals:
		return "Affected individuals"
	case ToHHS:
		return "HHS (Secretary)"
	case ToMedia:
		return "Media in the State"
	case ToCoveredEntity:
		return "Covered entity (from its business associate)"
	}
	return string(r)
}

// phrase names the recipient inside a sentence.
func (r Recipient) phrase() string {
	switch r {
	case ToIndividuals:
		return "the affected individuals"
	case ToHHS:
		return "HHS"
	case ToMedia:
		return "the media"
	case ToCoveredEntity:
		return "the covered entity"
	}
	return string(r)
}

// ParseRecipient reads a recipient name.
func ParseRecipient(s string) (Recipient, error) {
	switch normalize(s) {
	case "individuals", "individual", "patients":
		return ToIndividuals, nil
	case "hhs", "secretary", "ocr":
		return ToHHS, nil
	case "media", "press":
		return ToMedia, nil
	case "covered_entity", "ce":
		return ToCoveredEntity, nil
	}
	return "", hipaa.Errorf(hipaa.EInvalid, "unknown notice recipient %q: use individuals, hhs, media or covered_entity", s)
}

// Requirement says whether a notice is owed.
type Requirement string

// Whether a notice is owed.
const (
	Required    Requirement = "required"
	NotRequired Requirement = "not_required"
	// Conditional means it depends on a fact not given (how many affected
	// people live in one State).
	Conditional Requirement = "conditional"
)

// Deadline is the latest date by which one notice must be given.
type Deadline struct {
	Recipient   Recipient   `json:"recipient"`
	Requirement Requirement `json:"requirement"`
	// Due is the last day (YYYY-MM-DD) on which the notice may be given; empty when not required.
	Due string `json:"due,omitempty"`
	// Citation is the section of the Breach Notification Rule that sets it.
	Citation string `json:"citation"`
	// Explanation says in plain words why this date.
	Explanation string `json:"explanation"`
}

// BreachFacts are the facts the deadlines depend on.
type BreachFacts struct {
	// Discovered is the first day the breach was known, or by reasonable
	// diligence would have been known, to anyone in the workforce or an agent.
	Discovered time.Time
	// Affected is the number of individuals whose unsecured PHI was involved.
	Affected int
	// StateResidents is the largest number of affected people who live in any
	// one State or jurisdiction; -1 when not known.
	StateResidents int
	// BusinessAssociate is set when the organisation that discovered the
	// breach is a business associate, who must tell its covered entity.
	BusinessAssociate bool
}

// Check validates the facts and returns a user-facing error naming the first
// wrong one.
func (f BreachFacts) Check() error {
	if f.Discovered.IsZero() {
		return hipaa.Errorf(hipaa.EInvalid, "the discovery date is missing: give --discovered YYYY-MM-DD")
	}
	if f.Affected < 1 {
		return hipaa.Errorf(hipaa.EInvalid, "the number of affected individuals must be 1 or more, not %d", f.Affected)
	}
	if f.StateResidents > f.Affected {
		return hipaa.Errorf(hipaa.EInvalid, "%d residents of one State is more than the %d individuals affected: give the largest number living in any one State", f.StateResidents, f.Affected)
	}
	if f.StateResidents < -1 {
		return hipaa.Errorf(hipaa.EInvalid, "the number of residents of one State cannot be negative")
	}
	return nil
}

// day returns the date part of t as midnight UTC, so that adding days never
// crosses a daylight-saving change.
func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// YearEndDue returns the last day for the yearly HHS log of small breaches
// discovered in the given calendar year: 60 days after 31 December, which is
// 1 March of the next year, or 29 February when that year is a leap year.
func YearEndDue(year int) time.Time {
	return time.Date(year, time.December, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, NoticeDays)
}

// Deadlines computes the latest notice dates for a breach of unsecured PHI.
// The dates are outer limits: every notice is due without unreasonable delay.
func Deadlines(f BreachFacts) ([]Deadline, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	disc := day(f.Discovered)
	sixty := disc.AddDate(0, 0, NoticeDays).Format(hipaa.DateLayout)
	var out []Deadline
	if f.BusinessAssociate {
		out = append(out, Deadline{Recipient: ToCoveredEntity, Requirement: Required, Due: sixty, Citation: "164.410(b)",
			Explanation: fmt.Sprintf("A business associate tells the covered entity without unreasonable delay and within %d days of discovery, naming each affected person where it can.", NoticeDays)})
	}
	out = append(out, Deadline{Recipient: ToIndividuals, Requirement: Required, Due: sixty, Citation: "164.404(b)",
		Explanation: fmt.Sprintf("Each affected person is told without unreasonable delay and within %d calendar days of discovery.", NoticeDays)})
	if f.Affected >= LargeBreach {
		out = append(out, Deadline{Recipient: ToHHS, Requirement: Required, Due: sixty, Citation: "164.408(b)",
			Explanation: fmt.Sprintf("%d people is %d or more: HHS is told at the same time as the individuals, through its breach portal.", f.Affected, LargeBreach)})
	} else {
		yearEnd := YearEndDue(disc.Year()).Format(hipaa.DateLayout)
		out = append(out, Deadline{Recipient: ToHHS, Requirement: Required, Due: yearEnd, Citation: "164.408(c)",
			Explanation: fmt.Sprintf("Fewer than %d people: log the breach and report it to HHS within %d days after the end of %d, with the year's other small breaches.", LargeBreach, NoticeDays, disc.Year())})
	}
	switch {
	case f.StateResidents > MediaThreshold:
		out = append(out, Deadline{Recipient: ToMedia, Requirement: Required, Due: sixty, Citation: "164.406",
			Explanation: fmt.Sprintf("%d affected people live in one State, more than %d: tell prominent media outlets serving that State within %d days of discovery.", f.StateResidents, MediaThreshold, NoticeDays)})
	case f.StateResidents < 0 && f.Affected > MediaThreshold:
		out = append(out, Deadline{Recipient: ToMedia, Requirement: Conditional, Due: sixty, Citation: "164.406",
			Explanation: fmt.Sprintf("Required if more than %d of the affected people live in one State or jurisdiction; count them by State (--state-residents).", MediaThreshold)})
	default:
		out = append(out, Deadline{Recipient: ToMedia, Requirement: NotRequired, Citation: "164.406",
			Explanation: fmt.Sprintf("No State or jurisdiction has more than %d affected residents, so no media notice is needed.", MediaThreshold)})
	}
	return out, nil
}
