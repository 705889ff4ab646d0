package assess

import (
	"fmt"
	"math"

	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Control states in a score line.
const (
	StateInPlace     = "in place"
	StatePartial     = "partly in place"
	StateMissing     = "not in place"
	StateUnknown     = "unknown"
	StateUnanswered  = "not yet answered"
	StateNA          = "not applicable"
	StateContradicts = "disproved by evidence"
)

// Weights of Required and Addressable controls in the score.
const (
	WeightRequired    = 3.0
	WeightAddressable = 2.0
)

// RequiredCap is the highest score a practice or family can have while any
// Required control has no safeguard at all: a good average must not hide it.
const RequiredCap = 69

// ScoreLine explains one control's part in the score.
type ScoreLine struct {
	Citation    string            `json:"citation"`
	Title       string            `json:"title"`
	Family      hipaa.Family      `json:"family"`
	Requirement hipaa.Requirement `json:"requirement"`
	State       string            `json:"state"`
	Value       float64           `json:"value"`
	Weight      float64           `json:"weight"`
	Questions   []string          `json:"questions"`
}

// FamilyScore is the score of one safeguard family.
type FamilyScore struct {
	Family  hipaa.Family `json:"family"`
	Score   int          `json:"score"`
	Capped  bool         `json:"capped"`
	Counted int          `json:"controls_counted"`
}

// Score is a 0–100 measure of how far the practice's safeguards are in place,
// overall and per family, with a line for every control.
type Score struct {
	Overall  int           `json:"overall"`
	Capped   bool          `json:"capped"`
	Families []FamilyScore `json:"families"`
	Lines    []ScoreLine   `json:"lines"`
	// Explanation says in words how the score was reached.
	Explanation []string `json:"explanation"`
}

// answerValue is how much of a safeguard an answer says is in place.
func answerValue(v hipaa.AnswerValue) (float64, string, bool) {
	switch v {
	case hipaa.AnswerYes:
		return 1, StateInPlace, true
	case hipaa.AnswerPartial:
		return 0.5, StatePartial, true
	case hipaa.AnswerNo:
		return 0, StateMissing, true
	case hipaa.AnswerUnknown:
		return 0, StateUnknown, true
	}
	return 0, StateNA, false
}

// ComputeScore scores an evaluation. Each assessable control takes the mean
// value of the applicable questions that cite it (Yes 1, Partially ½, No and
// Don't know 0; an answer disproved by a finding counts 0; unanswered counts
// 0; N/A is left out). Controls are weighted Required 3, Addressable 2.
func ComputeScore(cat *catalog.Catalog, ev *Evaluation, answers map[string]hipaa.Answer) *Score {
	applicable := map[string]bool{}
	for _, q := range ev.Applicable {
		applicable[q.ID] = true
	}
	byControl := map[string][]*hipaa.Question{}
	for i := range cat.Questions {
		q := &cat.Questions[i]
		if q.Scope {
			continue
		}
		for _, c := range q.Citations {
			byControl[c] = append(byControl[c], q)
		}
	}
	sc := &Score{}
	type acc struct{ sum, weight float64 }
	fam := map[hipaa.Family]*acc{}
	capFam := map[hipaa.Family]bool{}
	var total acc
	var missingRequired []string
	for _, ctl := range cat.Assessable() {
		line := ScoreLine{Citation: ctl.Citation, Title: ctl.Title, Family: ctl.Family, Requirement: ctl.Requirement, Questions: []string{}}
		line.Weight = WeightAddressable
		if ctl.Requirement == hipaa.Required {
			line.Weight = WeightRequired
		}
		var sum float64
		n, unanswered, unknown := 0, 0, 0
		disproved := false
		for _, q := range byControl[ctl.Citation] {
			if !applicable[q.ID] {
				continue
			}
			line.Questions = append(line.Questions, q.ID)
			a, ok := answers[q.ID]
			if !ok {
				unanswered++
				n++
				continue
			}
			v, _, counts := answerValue(a.Value)
			if !counts {
				continue
			}
			if ev.Disproved[q.ID] {
				v, disproved = 0, true
			}
			if a.Value == hipaa.AnswerUnknown {
				unknown++
			}
			sum += v
			n++
		}
		switch {
		case n == 0:
			line.State = StateNA
			line.Weight = 0
		default:
			line.Value = sum / float64(n)
			switch {
			case disproved:
				line.State = StateContradicts
			case unanswered == n:
				line.State = StateUnanswered
			case line.Value >= 0.999:
				line.State = StateInPlace
			case line.Value > 0:
				line.State = StatePartial
			case unknown > 0:
				line.State = StateUnknown
			default:
				line.State = StateMissing
			}
		}
		if line.Weight > 0 {
			f := fam[ctl.Family]
			if f == nil {
				f = &acc{}
				fam[ctl.Family] = f
			}
			f.sum += line.Value * line.Weight
			f.weight += line.Weight
			total.sum += line.Value * line.Weight
			total.weight += line.Weight
			if ctl.Requirement == hipaa.Required && line.Value == 0 && line.State != StateUnanswered {
				capFam[ctl.Family] = true
				missingRequired = append(missingRequired, ctl.Citation+" "+ctl.Title)
			}
		}
		sc.Lines = append(sc.Lines, line)
	}
	pct := func(a *acc) int {
		if a == nil || a.weight == 0 {
			return 100
		}
		return int(math.Round(100 * a.sum / a.weight))
	}
	for _, f := range hipaa.Families {
		fs := FamilyScore{Family: f, Score: pct(fam[f])}
		if a := fam[f]; a != nil {
			fs.Counted = int(math.Round(a.weight))
		}
		counted := 0
		for _, l := range sc.Lines {
			if l.Family == f && l.Weight > 0 {
				counted++
			}
		}
		fs.Counted = counted
		if capFam[f] && fs.Score > RequiredCap {
			fs.Score, fs.Capped = RequiredCap, true
		}
		sc.Families = append(sc.Families, fs)
	}
	sc.Overall = pct(&total)
	sc.Explanation = append(sc.Explanation,
		"Each specification (and each standard without specifications) scores from the answers to the questions that cite it: Yes counts in full, Partially half, No, Don't know and unanswered not at all; Not applicable is left out.",
		fmt.Sprintf("Required controls weigh %.0f, Addressable %.0f. The weighted average of %d controls gives %d.", WeightRequired, WeightAddressable, counted(sc.Lines), sc.Overall))
	if len(missingRequired) > 0 && sc.Overall > RequiredCap {
		sc.Overall, sc.Capped = RequiredCap, true
	}
	if len(missingRequired) > 0 {
		sc.Explanation = append(sc.Explanation, fmt.Sprintf("%d Required control(s) have no safeguard in place, so the score can be at most %d until they do: %s.",
			len(missingRequired), RequiredCap, joinMax(missingRequired, 5)))
	}
	return sc
}

func counted(lines []ScoreLine) int {
	n := 0
	for _, l := range lines {
		if l.Weight > 0 {
			n++
		}
	}
	return n
}

func joinMax(list []string, n int) string {
	s := ""
	for i, x := range list {
		if i == n {
			return s + fmt.Sprintf(" and %d more", len(list)-n)
		}
		if i > 0 {
			s += "; "
		}
		s += x
	}
	return s
}
