package assess

import (
	"sort"

	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// AnswerChange is a question answered differently in two assessments.
type AnswerChange struct {
	QuestionID string            `json:"question_id"`
	Question   string            `json:"question"`
	Before     hipaa.AnswerValue `json:"before"`
	After      hipaa.AnswerValue `json:"after"`
}

// RiskChange is a risk that appeared, went away or changed level between two assessments.
type RiskChange struct {
	Key    string      `json:"key"`
	Title  string      `json:"title"`
	Change string      `json:"change"` // added, removed, level
	Before hipaa.Level `json:"before,omitempty"`
	After  hipaa.Level `json:"after,omitempty"`
}

// Diff compares two assessments.
type Diff struct {
	From    string         `json:"from"`
	To      string         `json:"to"`
	Answers []AnswerChange `json:"answers"`
	Risks   []RiskChange   `json:"risks"`
}

// Compare lists the answers and risks that differ between assessment a (older) and b (newer).
func Compare(cat *catalog.Catalog, aID string, aAns map[string]hipaa.Answer, aRisks []*hipaa.Risk, bID string, bAns map[string]hipaa.Answer, bRisks []*hipaa.Risk) *Diff {
	d := &Diff{From: aID, To: bID, Answers: []AnswerChange{}, Risks: []RiskChange{}}
	for i := range cat.Questions {
		q := &cat.Questions[i]
		x, okA := aAns[q.ID]
		y, okB := bAns[q.ID]
		if !okA && !okB || (okA && okB && x.Value == y.Value) {
			continue
		}
		d.Answers = append(d.Answers, AnswerChange{QuestionID: q.ID, Question: q.Text, Before: x.Value, After: y.Value})
	}
	am := map[string]*hipaa.Risk{}
	for _, r := range aRisks {
		am[r.Key] = r
	}
	bm := map[string]*hipaa.Risk{}
	for _, r := range bRisks {
		bm[r.Key] = r
		if old, ok := am[r.Key]; !ok {
			d.Risks = append(d.Risks, RiskChange{Key: r.Key, Title: r.Title, Change: "added", After: r.Level})
		} else if old.Level != r.Level {
			d.Risks = append(d.Risks, RiskChange{Key: r.Key, Title: r.Title, Change: "level", Before: old.Level, After: r.Level})
		}
	}
	for _, r := range aRisks {
		if _, ok := bm[r.Key]; !ok {
			d.Risks = append(d.Risks, RiskChange{Key: r.Key, Title: r.Title, Change: "removed", Before: r.Level})
		}
	}
	sort.SliceStable(d.Risks, func(i, j int) bool {
		if d.Risks[i].Change != d.Risks[j].Change {
			return d.Risks[i].Change < d.Risks[j].Change
		}
		return d.Risks[i].Title < d.Risks[j].Title
	})
	return d
}
