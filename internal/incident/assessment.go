package incident

import (
	"fmt"
	"sort"
	"strings"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Rating says how far one factor points towards the PHI having been compromised.
type Rating string

// The ratings of a factor. Unknown counts against the practice: an
// impermissible disclosure is presumed a breach unless the assessment shows a
// low probability of compromise (164.402(2)).
const (
	RatingLow      Rating = "low"
	RatingModerate Rating = "moderate"
	RatingHigh     Rating = "high"
	RatingUnknown  Rating = "unknown"
)

// ParseRating reads a rating.
func ParseRating(s string) (Rating, bool) {
	switch normalize(s) {
	case "low", "l":
		return RatingLow, true
	case "moderate", "medium", "m":
		return RatingModerate, true
	case "high", "h":
		return RatingHigh, true
	case "unknown", "?", "u", "dont_know", "don't_know":
		return RatingUnknown, true
	}
	return "", false
}

// Factor is one of the four factors, rated and explained.
type Factor struct {
	Rating Rating `json:"rating" yaml:"rating"`
	Note   string `json:"note" yaml:"note"`
}

// Exception names one of the three situations that 164.402(1) excludes from
// the definition of a breach.
type Exception string

// The exceptions. ExceptionNone means none applies.
const (
	ExceptionNone           Exception = "none"
	ExceptionGoodFaith      Exception = "workforce_good_faith"
	ExceptionAuthorized     Exception = "authorized_person"
	ExceptionCouldNotRetain Exception = "could_not_retain"
)

// Exceptions describes each exception in plain words, with its paragraph.
var Exceptions = []struct {
	Key      Exception
	Citation string
	Text     string
}{
	{ExceptionGoodFaith, "164.402(1)(i)", "A workforce member (or someone acting for the practice) reached the information by mistake, in good faith and within their job, and did not use or disclose it further."},
	{ExceptionAuthorized, "164.402(1)(ii)", "One person allowed to see PHI at the practice (or its business associate) passed it by mistake to another person allowed to see it there, and it went no further."},
	{ExceptionCouldNotRetain, "164.402(1)(iii)", "The practice believes in good faith that the person who received it could not reasonably have kept it (for example, a letter returned unopened)."},
}

// ParseException reads an exception name.
func ParseException(s string) (Exception, error) {
	switch v := Exception(normalize(s)); v {
	case "", ExceptionNone, "no":
		return ExceptionNone, nil
	case ExceptionGoodFaith, ExceptionAuthorized, ExceptionCouldNotRetain:
		return v, nil
	case "i", "1":
		return ExceptionGoodFaith, nil
	case "ii", "2":
		return ExceptionAuthorized, nil
	case "iii", "3":
		return ExceptionCouldNotRetain, nil
	}
	return "", hipaa.Errorf(hipaa.EInvalid, "unknown exception %q: use none, workforce_good_faith, authorized_person or could_not_retain", s)
}

// Identifiers lists the kinds of information a breach can expose, for the
// first factor (nature and extent of the PHI, including identifiers).
var Identifiers = map[string]string{
	"names":          "names",
	"addresses":      "postal or e-mail addresses, phone numbers",
	"dates_of_birth": "dates of birth",
	"ssn":            "Social Security numbers",
	"financial":      "bank, card or payment details",
	"insurance":      "insurance member or policy numbers",
	"record_numbers": "medical record or account numbers",
	"diagnoses":      "diagnoses or conditions",
	"treatment":      "treatment, procedures or visit details",
	"medications":    "medications or prescriptions",
	"results":        "lab results or images",
	"sensitive":      "especially sensitive information (mental health, substance use, HIV, reproductive health)",
	"driver_license": "driver's licence or other ID numbers",
	"credentials":    "usernames and passwords for patient accounts",
	"other":          "other",
}

// Outcome is the documented result of a breach risk assessment.
type Outcome string

// The outcomes.
const (
	OutcomeSecured        Outcome = "not_breach_secured"
	OutcomeException      Outcome = "not_breach_exception"
	OutcomeLowProbability Outcome = "low_probability"
	OutcomeBreach         Outcome = "breach"
)

// Label returns the outcome as a person reads it.
func (o Outcome) Label() string {
	switch o {
	case OutcomeSecured:
		return "Not a breach: the PHI was secured"
	case OutcomeException:
		return "Not a breach: an exception applies"
	case OutcomeLowProbability:
		return "Not notifiable: low probability of compromise"
	case OutcomeBreach:
		return "Breach: notices required"
	}
	return string(o)
}

// Assessment is the four-factor breach risk assessment of 164.402(2), with the
// facts the notice deadlines need and who decided.
type Assessment struct {
	// Secured is set when the PHI was encrypted or destroyed as HHS guidance
	// describes and the key was not exposed: then it was not "unsecured PHI".
	Secured       bool      `json:"secured"`
	SecuredNote   string    `json:"secured_note,omitempty"`
	Exception     Exception `json:"exception"`
	ExceptionNote string    `json:"exception_note,omitempty"`
	// Identifiers are the kinds of information involved (see Identifiers).
	Identifiers []string `json:"identifiers"`
	// Nature: the nature and extent of the PHI, including identifiers and the
	// likelihood of re-identification (164.402(2)(i)).
	Nature Factor `json:"nature"`
	// Recipient: the unauthorized person who used the PHI or to whom it was disclosed (164.402(2)(ii)).
	Recipient Factor `json:"recipient"`
	// Acquired: whether the PHI was actually acquired or viewed (164.402(2)(iii)).
	Acquired Factor `json:"acquired"`
	// Mitigation: the extent to which the risk to the PHI has been mitigated (164.402(2)(iv)).
	Mitigation Factor `json:"mitigation"`
	// Affected is the number of individuals whose PHI was involved.
	Affected int `json:"affected"`
	// StateResidents is the largest number of them living in one State or
	// jurisdiction, or -1 when not counted.
	StateResidents int `json:"state_residents"`
	// BusinessAssociate is set when the practice handled the PHI as a business associate.
	BusinessAssociate bool    `json:"business_associate"`
	Outcome           Outcome `json:"outcome"`
	Rationale         string  `json:"rationale"`
	DecidedBy         string  `json:"decided_by"`
	DecidedOn         string  `json:"decided_on"`
}

// FactorGuide explains each factor to the person filling in the form.
var FactorGuide = []struct {
	Key      string
	Citation string
	Title    string
	Ask      string
	Low      string
	High     string
}{
	{"nature", "164.402(2)(i)", "What information was involved",
		"Which kinds of information were exposed, how many people, and how easily could someone link them to a person?",
		"Few details, nothing sensitive, hard to tie to anyone (for example an appointment time with initials only).",
		"Names with diagnoses, Social Security or financial numbers, or sensitive conditions."},
	{"recipient", "164.402(2)(ii)", "Who received or used it",
		"Who saw, took or received the information, and are they bound to protect it?",
		"Another covered entity or business associate that must itself keep it private, or a staff member with a duty of confidentiality.",
		"A thief, an unknown person on the internet, a hostile ex-partner, or anyone with a reason to misuse it."},
	{"acquired", "164.402(2)(iii)", "Was it actually seen or taken",
		"Is there evidence the information was opened, viewed, copied or downloaded, or only that it could have been?",
		"A forensic review shows the file was never opened, or a lost device was found with no sign of access.",
		"It was opened, printed, copied or downloaded, or you cannot tell."},
	{"mitigation", "164.402(2)(iv)", "How far the risk was reduced",
		"What have you done to limit harm, and how reliable is it?",
		"You got the information back, or a signed statement from a trustworthy recipient that it was destroyed and not kept.",
		"Nothing could be done, or the recipient is unknown or will not cooperate."},
}

// Validate checks the assessment against the incident's discovery date,
// decides its outcome and returns a user-facing error naming the first
// missing or wrong field.
func (a *Assessment) Validate(discoveredOn string) error {
	a.DecidedBy = strings.TrimSpace(a.DecidedBy)
	if a.DecidedBy == "" {
		return hipaa.Errorf(hipaa.EInvalid, "decided_by is empty: name the person who made the breach decision (164.414 puts the burden of proof on the practice)")
	}
	d, err := hipaa.ParseDate("decided_on", a.DecidedOn)
	if err != nil {
		return err
	}
	a.DecidedOn = d.Format(hipaa.DateLayout)
	if discoveredOn != "" && a.DecidedOn < discoveredOn {
		return hipaa.Errorf(hipaa.EInvalid, "decided_on %s is before the incident was discovered (%s)", a.DecidedOn, discoveredOn)
	}
	ex, err := ParseException(string(a.Exception))
	if err != nil {
		return err
	}
	a.Exception = ex
	if a.Affected < 0 {
		return hipaa.Errorf(hipaa.EInvalid, "affected must be 0 or more, not %d", a.Affected)
	}
	if a.StateResidents < -1 {
		return hipaa.Errorf(hipaa.EInvalid, "state_residents must be 0 or more (leave it out if not counted)")
	}
	if a.StateResidents > a.Affected {
		return hipaa.Errorf(hipaa.EInvalid, "state_residents %d is more than affected %d: give the largest number living in any one State", a.StateResidents, a.Affected)
	}
	for i, id := range a.Identifiers {
		id = normalize(id)
		if _, ok := Identifiers[id]; !ok {
			return hipaa.Errorf(hipaa.EInvalid, "identifiers: unknown kind %q: use %s", id, strings.Join(identifierNames(), ", "))
		}
		a.Identifiers[i] = id
	}
	if a.Identifiers == nil {
		a.Identifiers = []string{}
	}
	switch {
	case a.Secured:
		if strings.TrimSpace(a.SecuredNote) == "" {
			return hipaa.Errorf(hipaa.EInvalid, "secured_note is empty: say how the PHI was secured (for example, the laptop's full-disk encryption was on and its key was not with it)")
		}
	case a.Exception != ExceptionNone:
		if strings.TrimSpace(a.ExceptionNote) == "" {
			return hipaa.Errorf(hipaa.EInvalid, "exception_note is empty: say why the exception applies")
		}
	default:
		for _, g := range FactorGuide {
			f := a.factor(g.Key)
			r, ok := ParseRating(string(f.Rating))
			if !ok {
				if f.Rating == "" {
					return hipaa.Errorf(hipaa.EInvalid, "%s.rating is missing: rate factor %s (%s) low, moderate, high or unknown", g.Key, g.Citation, strings.ToLower(g.Title))
				}
				return hipaa.Errorf(hipaa.EInvalid, "%s.rating %q: use low, moderate, high or unknown", g.Key, f.Rating)
			}
			f.Rating = r
			f.Note = strings.TrimSpace(f.Note)
			if f.Note == "" {
				return hipaa.Errorf(hipaa.EInvalid, "%s.note is empty: write down the facts behind the rating of factor %s, so the decision is documented", g.Key, g.Citation)
			}
		}
		if a.Affected < 1 {
			return hipaa.Errorf(hipaa.EInvalid, "affected is missing: give the number of individuals whose information was involved (1 or more)")
		}
	}
	a.Decide()
	return nil
}

func (a *Assessment) factor(key string) *Factor {
	switch key {
	case "nature":
		return &a.Nature
	case "recipient":
		return &a.Recipient
	case "acquired":
		return &a.Acquired
	}
	return &a.Mitigation
}

// Decide sets the outcome and its rationale from the answers: secured PHI and
// the three exceptions are not breaches; otherwise the disclosure is presumed
// a breach unless every factor is rated low.
func (a *Assessment) Decide() {
	switch {
	case a.Secured:
		a.Outcome = OutcomeSecured
		a.Rationale = "The information was secured as HHS guidance describes (unusable, unreadable or indecipherable to the person who got it), so it was not unsecured PHI and the breach notices do not apply (164.402). Reason recorded: " + strings.TrimSpace(a.SecuredNote)
	case a.Exception != ExceptionNone:
		a.Outcome = OutcomeException
		for _, e := range Exceptions {
			if e.Key == a.Exception {
				a.Rationale = fmt.Sprintf("Excluded from the definition of a breach by %s: %s Reason recorded: %s", e.Citation, e.Text, strings.TrimSpace(a.ExceptionNote))
			}
		}
	default:
		var raised []string
		for _, g := range FactorGuide {
			if f := a.factor(g.Key); f.Rating != RatingLow {
				raised = append(raised, fmt.Sprintf("%s (%s) rated %s", strings.ToLower(g.Title), g.Citation, f.Rating))
			}
		}
		if len(raised) == 0 {
			a.Outcome = OutcomeLowProbability
			a.Rationale = "All four factors of 164.402(2) were rated low, so the assessment shows a low probability that the PHI was compromised: no notices are required. Keep this assessment for at least six years."
			return
		}
		a.Outcome = OutcomeBreach
		a.Rationale = "A disclosure not allowed by the Privacy Rule is presumed to be a breach unless the assessment shows a low probability of compromise (164.402(2)). Not shown here: " + strings.Join(raised, "; ") + "."
	}
}

func identifierNames() []string {
	out := make([]string, 0, len(Identifiers))
	for k := range Identifiers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
