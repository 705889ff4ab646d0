package assess

import (
	"math"
	"sort"

	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// QuickNote labels every quick-check result.
const QuickNote = "A first look from a dozen questions, not a risk analysis: the full assessment (164.308(a)(1)(ii)(A)) covers every standard of the rule."

// Gap is one of the biggest weaknesses the quick check found, in plain words.
type Gap struct {
	QuestionID    string      `json:"question_id"`
	Vulnerability string      `json:"vulnerability"`
	Title         string      `json:"title"`
	Why           string      `json:"why"`
	Action        string      `json:"action"`
	Level         hipaa.Level `json:"level"`
	Citations     []string    `json:"citations"`
}

// QuickResult is the provisional score and top gaps of a quick check.
type QuickResult struct {
	Score    int    `json:"provisional_score"`
	Answered int    `json:"answered"`
	Total    int    `json:"total"`
	Gaps     []Gap  `json:"gaps"`
	Note     string `json:"note"`
}

// QuickCheck scores the quick-check questions among answers: each answered
// question counts Yes 1, Partially ½, No and Don't know 0, weighted 3 when it
// cites a Required control and 2 otherwise; unanswered questions count 0. The
// gaps are the three most serious vulnerabilities the answers raise.
func QuickCheck(cat *catalog.Catalog, answers map[string]hipaa.Answer) *QuickResult {
	res := &QuickResult{Note: QuickNote, Gaps: []Gap{}}
	values := map[string]hipaa.AnswerValue{}
	for id, a := range answers {
		values[id] = a.Value
	}
	var sum, weight float64
	subset := map[string]hipaa.Answer{}
	for _, id := range cat.QuickCheck {
		q, _ := cat.Question(id)
		if !q.Applies(values) {
			continue
		}
		res.Total++
		w := WeightAddressable
		for _, c := range q.Citations {
			if ctl, ok := cat.Control(c); ok && ctl.Requirement == hipaa.Required {
				w = WeightRequired
			}
		}
		a, ok := answers[id]
		if ok {
			res.Answered++
			subset[id] = a
		}
		v, _, counts := answerValue(a.Value)
		if ok && !counts {
			continue // not applicable
		}
		sum += v * w
		weight += w
	}
	if weight > 0 {
		res.Score = int(math.Round(100 * sum / weight))
	}
	ev := Evaluate(cat, "quick", subset, nil)
	best := map[string]*hipaa.Risk{}
	for _, r := range ev.Risks {
		if b, ok := best[r.VulnerabilityID]; !ok || r.Level.Rank() > b.Level.Rank() || (r.Level == b.Level && r.Likelihood*r.Impact > b.Likelihood*b.Impact) {
			best[r.VulnerabilityID] = r
		}
	}
	var top []*hipaa.Risk
	for _, r := range best {
		top = append(top, r)
	}
	SortRisks(top)
	for _, r := range top {
		if len(res.Gaps) == 3 {
			break
		}
		v, _ := cat.Vulnerability(r.VulnerabilityID)
		g := Gap{Vulnerability: v.ID, Title: v.Title, Why: v.Description, Action: v.Action, Level: r.Level, Citations: v.Citations}
		for _, s := range r.Sources {
			if s.Kind == "answer" {
				g.QuestionID = s.Ref
				break
			}
		}
		res.Gaps = append(res.Gaps, g)
	}
	sort.SliceStable(res.Gaps, func(i, j int) bool { return res.Gaps[i].Level.Rank() > res.Gaps[j].Level.Rank() })
	return res
}
