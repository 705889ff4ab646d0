package report

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// Record is one evidence file made from the database: what the practice
// answered, what the automated checks found and how each risk changed.
type Record struct {
	Name      string
	MediaType string
	Data      []byte
}

// answerRecord is one answer as the evidence package keeps it.
type answerRecord struct {
	QuestionID    string    `json:"question_id"`
	Section       string    `json:"section"`
	Question      string    `json:"question"`
	Citations     []string  `json:"citations"`
	Answer        string    `json:"answer"`
	Note          string    `json:"note"`
	Justification string    `json:"justification"`
	AnsweredBy    string    `json:"answered_by"`
	AnsweredAt    time.Time `json:"answered_at"`
}

// riskHistory is the history of one risk.
type riskHistory struct {
	RiskID  string             `json:"risk_id"`
	Title   string             `json:"title"`
	Active  bool               `json:"raised_now"`
	Changes []hipaa.RiskChange `json:"changes"`
}

// Records gathers the evidence behind the model's assessment: the answers,
// each analyzer finding with the rows that prove it, the history of every
// risk, and the change events that call for a review.
func Records(ctx context.Context, svc *app.Service, m *Model) ([]Record, error) {
	var out []Record
	add := func(name string, v any) error {
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		out = append(out, Record{Name: name, MediaType: "application/json", Data: append(data, '\n')})
		return nil
	}

	answers, err := svc.Scope.Answers(ctx, m.Assessment.ID)
	if err != nil {
		return nil, err
	}
	ans := []answerRecord{}
	for i := range svc.Cat.Questions {
		q := &svc.Cat.Questions[i]
		a, ok := answers[q.ID]
		if !ok {
			continue
		}
		ans = append(ans, answerRecord{QuestionID: q.ID, Section: q.Section, Question: oneLine(q.Text), Citations: nonNil(q.Citations),
			Answer: a.Value.Label(), Note: a.Note, Justification: a.Justification, AnsweredBy: a.AnsweredBy, AnsweredAt: a.AnsweredAt.UTC()})
	}
	if err := add("answers.json", ans); err != nil {
		return nil, err
	}

	findings, err := svc.Scope.Findings(ctx, store.FindingFilter{})
	if err != nil {
		return nil, err
	}
	for _, f := range findings {
		if err := add("finding-"+f.ID+".json", f); err != nil {
			return nil, err
		}
	}

	all, err := svc.Scope.AllRisks(ctx, m.Assessment.ID)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	hist := []riskHistory{}
	for _, k := range keys {
		r := all[k]
		ch, err := svc.Scope.RiskHistory(ctx, r.Risk.ID)
		if err != nil {
			return nil, err
		}
		if ch == nil {
			ch = []hipaa.RiskChange{}
		}
		hist = append(hist, riskHistory{RiskID: r.Risk.ID, Title: r.Risk.Title, Active: r.Active, Changes: ch})
	}
	if err := add("risk-history.json", hist); err != nil {
		return nil, err
	}

	events, err := svc.Scope.ChangeEvents(ctx)
	if err != nil {
		return nil, err
	}
	if events == nil {
		events = []hipaa.ChangeEvent{}
	}
	if err := add("change-events.json", events); err != nil {
		return nil, err
	}
	return out, nil
}
