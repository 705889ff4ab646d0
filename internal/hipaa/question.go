package hipaa

import "strings"

// AnswerValue is one of the five answers every question accepts.
type AnswerValue string

// The answers. "Yes" always means the safeguard is in place.
const (
	AnswerYes     AnswerValue = "yes"
	AnswerPartial AnswerValue = "partial"
	AnswerNo      AnswerValue = "no"
	AnswerUnknown AnswerValue = "unknown"
	AnswerNA      AnswerValue = "na"
)

// AnswerValues lists the answers in the order they are offered.
var AnswerValues = []AnswerValue{AnswerYes, AnswerPartial, AnswerNo, AnswerUnknown, AnswerNA}

// Label returns the answer as a person reads it.
func (v AnswerValue) Label() string {
	switch v {
	case AnswerYes:
		return "Yes"
	case AnswerPartial:
		return "Partially"
	case AnswerNo:
		return "No"
	case AnswerUnknown:
		return "Don't know"
	case AnswerNA:
		return "Not applicable"
	}
	return string(v)
}

// ParseAnswer reads an answer from what a person might type: the value, its
// label, or a common short form (y, n, p, ?, n/a).
func ParseAnswer(s string) (AnswerValue, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "y":
		return AnswerYes, true
	case "partial", "partially", "p":
		return AnswerPartial, true
	case "no", "n":
		return AnswerNo, true
	case "unknown", "don't know", "dont know", "dk", "?", "d":
		return AnswerUnknown, true
	case "na", "n/a", "not applicable", "not-applicable":
		return AnswerNA, true
	}
	return "", false
}

// Guidance helps a person answer a question.
type Guidance struct {
	Why      string `yaml:"why" json:"why"`
	Good     string `yaml:"good" json:"good"`
	Evidence string `yaml:"evidence" json:"evidence"`
}

// Condition makes a question depend on the answer to an earlier one.
type Condition struct {
	Question string        `yaml:"question" json:"question"`
	Is       []AnswerValue `yaml:"is" json:"is"`
}

// Question is one item of the risk-analysis question bank.
type Question struct {
	ID           string     `yaml:"id" json:"id"`
	Section      string     `yaml:"section" json:"section"`
	Text         string     `yaml:"text" json:"text"`
	Guidance     Guidance   `yaml:"guidance" json:"guidance"`
	Citations    []string   `yaml:"citations" json:"citations"`
	Flags        []string   `yaml:"flags" json:"-"`
	PartialFlags []string   `yaml:"partial_flags" json:"-"`
	NA           string     `yaml:"na" json:"na_hint,omitempty"`
	When         *Condition `yaml:"when" json:"when,omitempty"`
	Scope        bool       `yaml:"scope" json:"scope"`
	Options      []Option   `yaml:"-" json:"options"`
}

// InPlace says how far an answer means the safeguard is in place.
type InPlace string

// The states of a safeguard that an answer can mean.
const (
	InPlaceYes     InPlace = "yes"
	InPlacePartial InPlace = "partial"
	InPlaceNo      InPlace = "no"
	InPlaceUnknown InPlace = "unknown"
	InPlaceNA      InPlace = "not_applicable"
)

// Option is one answer a question offers, with what it means.
type Option struct {
	Value              AnswerValue `json:"value"`
	Label              string      `json:"label"`
	InPlace            InPlace     `json:"in_place"`
	Flags              []string    `json:"flags"`
	NeedsJustification bool        `json:"needs_justification"`
}

// Option returns the option for an answer value, and whether the question offers it.
func (q *Question) Option(v AnswerValue) (Option, bool) {
	for _, o := range q.Options {
		if o.Value == v {
			return o, true
		}
	}
	return Option{}, false
}

// BuildOptions fills q.Options from its flags: Yes is in place; Partially
// flags PartialFlags (or Flags); No and Don't know flag Flags; N/A is offered
// only when the question has an N/A hint, and needs a justification.
func (q *Question) BuildOptions() {
	partial := q.PartialFlags
	if len(partial) == 0 {
		partial = q.Flags
	}
	q.Options = []Option{
		{Value: AnswerYes, InPlace: InPlaceYes, Flags: []string{}},
		{Value: AnswerPartial, InPlace: InPlacePartial, Flags: partial},
		{Value: AnswerNo, InPlace: InPlaceNo, Flags: q.Flags},
		{Value: AnswerUnknown, InPlace: InPlaceUnknown, Flags: q.Flags},
	}
	if q.Scope {
		for i := range q.Options {
			q.Options[i].Flags = []string{}
			q.Options[i].InPlace = ""
		}
	}
	if q.NA != "" {
		q.Options = append(q.Options, Option{Value: AnswerNA, InPlace: InPlaceNA, Flags: []string{}, NeedsJustification: true})
	}
	for i := range q.Options {
		q.Options[i].Label = q.Options[i].Value.Label()
		if q.Options[i].Flags == nil {
			q.Options[i].Flags = []string{}
		}
	}
}

// Applies reports whether the question is asked, given the answers so far
// (skip logic). A question whose condition's question is unanswered is asked.
func (q *Question) Applies(answers map[string]AnswerValue) bool {
	if q.When == nil {
		return true
	}
	got, ok := answers[q.When.Question]
	if !ok {
		return true
	}
	for _, v := range q.When.Is {
		if v == got {
			return true
		}
	}
	return false
}

// Section is a group of questions shown together.
type Section struct {
	ID    string `yaml:"id" json:"id"`
	Title string `yaml:"title" json:"title"`
	Intro string `yaml:"intro" json:"intro"`
}
