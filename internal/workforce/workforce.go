// Package workforce keeps the records the Security Rule asks a practice to
// hold about its people: the roster with the named security official
// (164.308(a)(2)), security training (164.308(a)(5)), security reminders,
// sanctions (164.308(a)(1)(ii)(C)), access-termination checklists with
// timestamps (164.308(a)(3)(ii)(C)), and contingency plan tests
// (164.308(a)(7)(ii)(D)). Its checks turn overdue training, unfinished or slow
// access removal and an untested contingency plan into findings (TRN-01,
// TRM-01, TRM-02, CP-01). It knows nothing of storage.
package workforce

import (
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Source is the analyzer name on workforce findings.
const Source = "workforce"

// Timing of training and access removal. The current rule sets no numbers;
// these are the proposed rule's (90 FR 898, not final), used as the yardstick.
const (
	// InitialTrainingDays: new workforce members trained within 30 days of getting access (proposed).
	InitialTrainingDays = 30
	// TrainingMonths: refresher training at least every 12 months (proposed).
	TrainingMonths = 12
	// TerminationWindow: access removed within one hour of the end of employment (proposed).
	TerminationWindow = time.Hour
)

// Member is one person in the workforce: employees, contractors, students and
// volunteers under the practice's direct control.
type Member struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Role  string `json:"role"`
	Email string `json:"email,omitempty"`
	// AccessGrantedOn is the day the person first got access to ePHI.
	AccessGrantedOn string `json:"access_granted_on,omitempty"`
	// SecurityOfficial marks the one person named responsible for security (164.308(a)(2)).
	SecurityOfficial bool `json:"security_official"`
	// LeftAt is when employment or the engagement ended; nil while the person works here.
	LeftAt    *time.Time `json:"left_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Active reports whether the person still works for the practice.
func (m *Member) Active() bool { return m.LeftAt == nil }

// Validate checks a member's fields and returns a user-facing error naming the first wrong one.
func (m *Member) Validate() error {
	m.Name = strings.TrimSpace(m.Name)
	if m.Name == "" {
		return hipaa.Errorf(hipaa.EInvalid, "--name is empty: give the person's full name")
	}
	if len(m.Name) > 200 {
		return hipaa.Errorf(hipaa.EInvalid, "--name is longer than 200 characters")
	}
	m.Role = strings.TrimSpace(m.Role)
	m.Email = strings.TrimSpace(m.Email)
	if m.Email != "" && !strings.Contains(m.Email, "@") {
		return hipaa.Errorf(hipaa.EInvalid, "--email %q is not an e-mail address", m.Email)
	}
	var err error
	if m.AccessGrantedOn, err = hipaa.CheckDate("--access-granted", m.AccessGrantedOn); err != nil {
		return err
	}
	if m.LeftAt != nil && m.AccessGrantedOn != "" && m.LeftAt.UTC().Format(hipaa.DateLayout) < m.AccessGrantedOn {
		return hipaa.Errorf(hipaa.EInvalid, "the leaving time %s is before access was granted (%s)", m.LeftAt.Format(time.RFC3339), m.AccessGrantedOn)
	}
	return nil
}

// Training is one completed training session of one person.
type Training struct {
	ID          string `json:"id"`
	MemberID    string `json:"member_id"`
	MemberName  string `json:"member_name,omitempty"`
	Topic       string `json:"topic"`
	CompletedOn string `json:"completed_on"`
	// NextDue is when the next training is due: by default 12 months later.
	NextDue    string    `json:"next_due"`
	Notes      string    `json:"notes,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
	RecordedBy string    `json:"recorded_by,omitempty"`
}

// Validate checks a training record and fills the next due date.
func (t *Training) Validate() error {
	t.Topic = strings.TrimSpace(t.Topic)
	if t.Topic == "" {
		return hipaa.Errorf(hipaa.EInvalid, "--topic is empty: say what the training covered, e.g. \"annual security awareness\"")
	}
	done, err := hipaa.ParseDate("--on", t.CompletedOn)
	if err != nil {
		return err
	}
	t.CompletedOn = done.Format(hipaa.DateLayout)
	if t.NextDue == "" {
		t.NextDue = hipaa.AddMonths(done, TrainingMonths).Format(hipaa.DateLayout)
	}
	if t.NextDue, err = hipaa.CheckDate("--next-due", t.NextDue); err != nil {
		return err
	}
	if t.NextDue <= t.CompletedOn {
		return hipaa.Errorf(hipaa.EInvalid, "--next-due %s is not after the training date %s", t.NextDue, t.CompletedOn)
	}
	return nil
}

// Reminder is one security reminder sent to the workforce (164.308(a)(5)(ii)(A)).
type Reminder struct {
	ID         string    `json:"id"`
	SentOn     string    `json:"sent_on"`
	Topic      string    `json:"topic"`
	Channel    string    `json:"channel,omitempty"`
	Audience   string    `json:"audience,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
	RecordedBy string    `json:"recorded_by,omitempty"`
}

// Validate checks a reminder.
func (r *Reminder) Validate() error {
	r.Topic = strings.TrimSpace(r.Topic)
	if r.Topic == "" {
		return hipaa.Errorf(hipaa.EInvalid, "--topic is empty: say what the reminder was about, e.g. \"tax-season phishing\"")
	}
	d, err := hipaa.ParseDate("--on", r.SentOn)
	if err != nil {
		return err
	}
	r.SentOn = d.Format(hipaa.DateLayout)
	if r.Audience == "" {
		r.Audience = "all staff"
	}
	return nil
}

// Sanction is one sanction applied to a workforce member for breaking a
// security policy (164.308(a)(1)(ii)(C)).
type Sanction struct {
	ID         string    `json:"id"`
	MemberID   string    `json:"member_id"`
	MemberName string    `json:"member_name,omitempty"`
	OccurredOn string    `json:"occurred_on"`
	Violation  string    `json:"violation"`
	Action     string    `json:"action"`
	DecidedBy  string    `json:"decided_by"`
	RecordedAt time.Time `json:"recorded_at"`
	RecordedBy string    `json:"recorded_by,omitempty"`
}

// Validate checks a sanction record.
func (s *Sanction) Validate() error {
	d, err := hipaa.ParseDate("--on", s.OccurredOn)
	if err != nil {
		return err
	}
	s.OccurredOn = d.Format(hipaa.DateLayout)
	s.Violation, s.Action, s.DecidedBy = strings.TrimSpace(s.Violation), strings.TrimSpace(s.Action), strings.TrimSpace(s.DecidedBy)
	switch {
	case s.Violation == "":
		return hipaa.Errorf(hipaa.EInvalid, "--violation is empty: say which policy was broken and how, without patient details")
	case s.Action == "":
		return hipaa.Errorf(hipaa.EInvalid, "--action is empty: say what sanction was applied, e.g. \"written warning and retraining\"")
	case s.DecidedBy == "":
		return hipaa.Errorf(hipaa.EInvalid, "--decided-by is empty: name the person who decided the sanction")
	}
	return nil
}

// Step is one item of an access-termination checklist: an account, key or
// code to remove, with when it was done.
type Step struct {
	ID       string `json:"id"`
	MemberID string `json:"member_id"`
	Item     string `json:"item"`
	// Electronic marks access to an electronic information system, which the
	// proposed rule would have removed within one hour; keys and equipment are not.
	Electronic bool       `json:"electronic"`
	DoneAt     *time.Time `json:"done_at,omitempty"`
	DoneBy     string     `json:"done_by,omitempty"`
}

// DefaultSteps returns the checklist for a departing person: the EHR, the
// systems the practice and its vendors named, and the usual keys, equipment
// and shared secrets.
func DefaultSteps(ehr string, systems []string) []Step {
	var out []Step
	seen := map[string]bool{}
	add := func(item string, electronic bool) {
		item = strings.TrimSpace(item)
		if item != "" && !seen[strings.ToLower(item)] {
			seen[strings.ToLower(item)] = true
			out = append(out, Step{Item: item, Electronic: electronic})
		}
	}
	if ehr != "" {
		add("EHR account ("+ehr+")", true)
	} else {
		add("EHR account", true)
	}
	add("E-mail account", true)
	add("Computer and network login", true)
	add("Remote access (VPN, remote desktop)", true)
	for _, s := range systems {
		if !strings.EqualFold(strings.TrimSpace(s), strings.TrimSpace(ehr)) {
			add(s+" account", true)
		}
	}
	add("Shared passwords the person knew changed", true)
	add("Building keys, badges and alarm codes returned or changed", false)
	add("Practice laptops, phones and storage returned", false)
	return out
}

// Termination is a departed person's access-termination checklist.
type Termination struct {
	Member *Member `json:"member"`
	Steps  []Step  `json:"steps"`
}

// Open returns the steps not yet done.
func (t *Termination) Open() []Step {
	var out []Step
	for _, s := range t.Steps {
		if s.DoneAt == nil {
			out = append(out, s)
		}
	}
	return out
}

// CompletedAt returns when the last step was done, or nil while steps are open.
func (t *Termination) CompletedAt() *time.Time {
	if len(t.Steps) == 0 || len(t.Open()) > 0 {
		return nil
	}
	var last time.Time
	for _, s := range t.Steps {
		if s.DoneAt.After(last) {
			last = *s.DoneAt
		}
	}
	return &last
}

// Late returns the electronic-access steps done more than TerminationWindow
// after the person left (the proposed rule's one hour).
func (t *Termination) Late() []Step {
	var out []Step
	if t.Member.LeftAt == nil {
		return nil
	}
	for _, s := range t.Steps {
		if s.Electronic && s.DoneAt != nil && s.DoneAt.Sub(*t.Member.LeftAt) > TerminationWindow {
			out = append(out, s)
		}
	}
	return out
}
