// Package assess is Safeguard's risk engine. It turns the answers of an
// assessment and the findings of every analyzer into risks — a threat that
// could exploit a vulnerability — rates each on the 5×5 matrix, flags answers
// that the evidence disproves, scores the practice, plans treatment and
// compares assessments over time. It works on plain values; the caller loads
// and saves them.
package assess

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"

	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Contradiction is an answer that a finding disproves: the practice said a
// safeguard is in place, and the evidence shows it is not.
type Contradiction struct {
	QuestionID string            `json:"question_id"`
	Question   string            `json:"question"`
	Answer     hipaa.AnswerValue `json:"answer"`
	FindingID  string            `json:"finding_id"`
	Rule       string            `json:"rule"`
	Subject    string            `json:"subject"`
	Severity   hipaa.Severity    `json:"severity"`
	Finding    string            `json:"finding"`
}

// Evaluation is what the engine makes of one assessment's answers and the
// practice's findings.
type Evaluation struct {
	// Risks are the risks the answers and findings raise, keyed and rated but
	// without plan details; Apply merges them with the saved register.
	Risks []*hipaa.Risk
	// Contradictions lists the answers disproved by findings.
	Contradictions []Contradiction
	// Applicable lists the questions that apply given the answers (skip logic), in bank order.
	Applicable []*hipaa.Question
	// Unanswered lists the applicable questions with no answer yet.
	Unanswered []*hipaa.Question
	// Disproved holds the IDs of the questions whose answers a finding disproves.
	Disproved map[string]bool
}

// severityLikelihood is the likelihood a finding of each severity implies:
// evidence that a weakness exists makes its exploitation more likely.
var severityLikelihood = map[hipaa.Severity]int{
	hipaa.SeverityLow: 2, hipaa.SeverityModerate: 3, hipaa.SeverityHigh: 4, hipaa.SeverityCritical: 5,
}

// RiskID returns the stable ID of the risk with the given key in an assessment.
func RiskID(assessmentID, key string) string {
	sum := sha256.Sum256([]byte(assessmentID + "|" + key))
	return "R-" + hex.EncodeToString(sum[:4])
}

// Evaluate rates the risks raised by answers and findings. Findings that are
// dismissed or resolved are ignored.
func Evaluate(cat *catalog.Catalog, assessmentID string, answers map[string]hipaa.Answer, findings []*hipaa.Finding) *Evaluation {
	ev := &Evaluation{Disproved: map[string]bool{}}
	values := make(map[string]hipaa.AnswerValue, len(answers))
	for id, a := range answers {
		values[id] = a.Value
	}
	byKey := map[string]*hipaa.Risk{}
	raise := func(v *hipaa.Vulnerability, link hipaa.ThreatLink, likelihood, impact int, src hipaa.RiskSource, cites []string, asset string) *hipaa.Risk {
		key := v.ID + "|" + link.Threat
		r, ok := byKey[key]
		if !ok {
			t, _ := cat.Threat(link.Threat)
			r = &hipaa.Risk{
				ID: RiskID(assessmentID, key), AssessmentID: assessmentID, Key: key,
				VulnerabilityID: v.ID, ThreatID: link.Threat,
				Title:     v.Title + " — " + t.Name,
				Citations: append([]string{}, v.Citations...), Assets: []string{}, Sources: []hipaa.RiskSource{},
				Effort: v.Effort, PlannedControls: v.Action,
			}
			byKey[key] = r
		}
		if likelihood > r.ComputedLikelihood {
			r.ComputedLikelihood = likelihood
		}
		if impact > r.ComputedImpact {
			r.ComputedImpact = impact
		}
		r.Sources = append(r.Sources, src)
		r.Citations = union(r.Citations, cites)
		if asset != "" {
			r.Assets = union(r.Assets, []string{asset})
		}
		return r
	}

	for i := range cat.Questions {
		q := &cat.Questions[i]
		if !q.Applies(values) {
			continue
		}
		ev.Applicable = append(ev.Applicable, q)
		a, ok := answers[q.ID]
		if !ok {
			ev.Unanswered = append(ev.Unanswered, q)
			continue
		}
		if q.Scope {
			continue
		}
		opt, ok := q.Option(a.Value)
		if !ok {
			continue
		}
		for _, vid := range opt.Flags {
			v, _ := cat.Vulnerability(vid)
			for _, link := range v.Threats {
				l, im := pick(link.Likelihood, v.Likelihood), pick(link.Impact, v.Impact)
				if a.Value == hipaa.AnswerPartial {
					l = max(1, l-1)
				}
				raise(v, link, l, im, hipaa.RiskSource{Kind: "answer", Ref: q.ID, Note: "answered " + a.Value.Label()}, q.Citations, "")
			}
		}
	}

	for _, f := range findings {
		if f.Status == hipaa.FindingDismissed || f.Status == hipaa.FindingResolved {
			continue
		}
		fl, ok := severityLikelihood[f.Severity]
		if !ok {
			continue // info findings inform; they raise no risk
		}
		src := hipaa.RiskSource{Kind: "finding", Ref: f.ID, Note: f.Rule + ": " + f.Title}
		rule, known := cat.FindingRule(f.Rule)
		if !known {
			// A rule the catalog does not know still counts: it becomes a risk of its own.
			key := "finding|" + f.Rule
			r, ok := byKey[key]
			if !ok {
				r = &hipaa.Risk{ID: RiskID(assessmentID, key), AssessmentID: assessmentID, Key: key,
					VulnerabilityID: "finding:" + f.Rule, Title: f.Title, Citations: []string{}, Assets: []string{},
					Sources: []hipaa.RiskSource{}, Effort: "medium", PlannedControls: "Review the finding's evidence and fix its cause."}
				byKey[key] = r
			}
			r.ComputedLikelihood = max(r.ComputedLikelihood, fl)
			r.ComputedImpact = max(r.ComputedImpact, 3)
			r.Sources = append(r.Sources, src)
			r.Citations = union(r.Citations, f.Citations)
			if f.Subject != "" {
				r.Assets = union(r.Assets, []string{f.Subject})
			}
			continue
		}
		var contradicted []string
		for _, qid := range rule.Contradicts {
			q, _ := cat.Question(qid)
			a, ok := answers[qid]
			if !ok || (a.Value != hipaa.AnswerYes && a.Value != hipaa.AnswerPartial) || !q.Applies(values) {
				continue
			}
			ev.Disproved[qid] = true
			contradicted = append(contradicted, qid)
			ev.Contradictions = append(ev.Contradictions, Contradiction{QuestionID: qid, Question: q.Text, Answer: a.Value,
				FindingID: f.ID, Rule: f.Rule, Subject: f.Subject, Severity: f.Severity, Finding: f.Title})
		}
		for _, vid := range rule.Vulnerabilities {
			v, _ := cat.Vulnerability(vid)
			for _, link := range v.Threats {
				l := max(pick(link.Likelihood, v.Likelihood), fl)
				r := raise(v, link, l, pick(link.Impact, v.Impact), src, append(append([]string{}, rule.Citations...), f.Citations...), f.Subject)
				if len(contradicted) > 0 {
					r.Contradicted = true
				}
			}
		}
	}

	for _, r := range byKey {
		r.Likelihood, r.Impact = r.ComputedLikelihood, r.ComputedImpact
		r.Level = cat.Level(r.Likelihood, r.Impact)
		sort.Strings(r.Citations)
		ev.Risks = append(ev.Risks, r)
	}
	SortRisks(ev.Risks)
	sort.Slice(ev.Contradictions, func(i, j int) bool {
		a, b := ev.Contradictions[i], ev.Contradictions[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() > b.Severity.Rank()
		}
		return a.QuestionID+a.Subject < b.QuestionID+b.Subject
	})
	return ev
}

// SortRisks orders risks most serious first: by level, then likelihood × impact, then title.
func SortRisks(rs []*hipaa.Risk) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Level.Rank() != b.Level.Rank() {
			return a.Level.Rank() > b.Level.Rank()
		}
		if a.Likelihood*a.Impact != b.Likelihood*b.Impact {
			return a.Likelihood*a.Impact > b.Likelihood*b.Impact
		}
		if a.Title != b.Title {
			return a.Title < b.Title
		}
		return a.ID < b.ID
	})
}

func pick(v, def int) int {
	if v != 0 {
		return v
	}
	return def
}

// union appends to a the items of b it lacks, keeping order.
func union(a, b []string) []string {
	for _, x := range b {
		found := false
		for _, y := range a {
			if x == y {
				found = true
				break
			}
		}
		if !found {
			a = append(a, x)
		}
	}
	return a
}

// describe returns "likelihood 4 (high) × impact 5 (very high)".
func describe(l, i int) string {
	return fmt.Sprintf("likelihood %d (%s) × impact %d (%s)", l, hipaa.ScaleWords[l], i, hipaa.ScaleWords[i])
}
