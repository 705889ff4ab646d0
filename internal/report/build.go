package report

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/assess"
	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// Options tune Build.
type Options struct {
	// AssessmentID names the assessment; empty means the current draft, else the latest.
	AssessmentID string
	// Assets is the technology inventory; nil reads it from the practice's records.
	Assets []Asset
	// Now is the time the report is made; zero means the database clock.
	Now time.Time
	// Generator names the program and version that made the report.
	Generator string
	// TrendLength is how many assessments the score trend shows (default 5).
	TrendLength int
}

// Build assembles the report model of one assessment of svc's practice.
func Build(ctx context.Context, svc *app.Service, opt Options) (*Model, error) {
	a, err := svc.Current(ctx, opt.AssessmentID)
	if err != nil {
		return nil, err
	}
	p, err := svc.Scope.Practice(ctx)
	if err != nil {
		return nil, err
	}
	now := opt.Now
	if now.IsZero() {
		now = svc.Scope.DB().Now()
	}
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(time.DateOnly)
	}
	today := day(now)
	cat := svc.Cat

	st, err := svc.Status(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	answers, err := svc.Scope.Answers(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	risks, err := svc.Scope.Risks(ctx, a.ID, store.RiskFilter{})
	if err != nil {
		return nil, err
	}
	findings, err := svc.Scope.Findings(ctx, store.FindingFilter{})
	if err != nil {
		return nil, err
	}
	all, err := svc.Scope.Assessments(ctx)
	if err != nil {
		return nil, err
	}
	// Oldest first.
	chrono := make([]*hipaa.Assessment, len(all))
	for i, x := range all {
		chrono[len(all)-1-i] = x
	}
	pos := 0
	for i, x := range chrono {
		if x.ID == a.ID {
			pos = i
		}
	}

	if opt.Assets == nil {
		assets, err := inventoryAssets(ctx, svc)
		if err != nil {
			return nil, err
		}
		opt.Assets = assets
	}
	gen := opt.Generator
	if gen == "" {
		gen = "safeguard"
	}
	m := &Model{
		Schema: SchemaID, SchemaVersion: SchemaVersion, Generator: gen, GeneratedAt: now.UTC(),
		Practice: Practice{ID: p.ID, Name: p.Name, Slug: p.Slug, Locations: nonNil(p.Locations), WorkforceSize: p.WorkforceSize,
			EHRSystem: p.EHRSystem, Specialty: p.Specialty, SecurityOfficial: p.SecurityOfficial, TimeZone: p.TimeZone},
		Assessment: Assessment{ID: a.ID, Title: a.Title, Status: string(a.Status), StartedOn: day(a.StartedAt), StartedAt: a.StartedAt.UTC(), StartedBy: a.StartedBy,
			FinalizedBy: a.FinalizedBy, PreviousID: a.PreviousID, NeedsReview: a.NeedsReview, ReviewReason: a.ReviewReason},
		Progress: Progress{Applicable: st.Applicable, Answered: st.Answered, Unanswered: nonNil(st.Unanswered)},
		Assets:   nonNilAssets(opt.Assets),
		Warnings: nonNil(st.Warnings),
	}
	if a.FinalizedAt != nil {
		m.Assessment.FinalizedOn = day(*a.FinalizedAt)
		t := a.FinalizedAt.UTC()
		m.Assessment.FinalizedAt = &t
	}

	// The document's own record: version, dates, people, retention.
	d := Document{Version: fmt.Sprintf("%d.0", pos+1), Final: a.Status == hipaa.StatusFinalized, Created: today,
		Preparer: a.StartedBy, QuestionBank: a.BankVersion}
	if d.Preparer == "" {
		d.Preparer = p.SecurityOfficial
	}
	effective := now
	if d.Final {
		effective = *a.FinalizedAt
		d.Approver, d.ApprovedOn = a.FinalizedBy, day(*a.FinalizedAt)
	} else {
		d.Version += "-draft"
	}
	d.Effective = day(effective)
	lastEffective := effective
	for _, x := range chrono[pos+1:] {
		if x.Status == hipaa.StatusFinalized && x.FinalizedAt != nil && d.Final {
			d.SupersededOn = day(*x.FinalizedAt)
			lastEffective = *x.FinalizedAt
			break
		}
	}
	d.RetainUntil = day(hipaa.RetentionDate(lastEffective))
	d.RetentionNote = retentionNote(d.Final, d.SupersededOn)
	m.Document = d

	// Score and trend.
	m.Score = Score{Overall: st.Score.Overall, Capped: st.Score.Capped, Explanation: nonNil(st.Score.Explanation)}
	for _, f := range st.Score.Families {
		info := familyInfo[f.Family]
		m.Score.Families = append(m.Score.Families, FamilyScore{Family: string(f.Family), Label: info[0], Citation: info[1],
			Score: f.Score, Capped: f.Capped, Controls: f.Counted})
	}
	n := opt.TrendLength
	if n <= 0 {
		n = 5
	}
	scores := map[string]int{a.ID: st.Score.Overall}
	for i := max(0, pos+1-n); i <= pos; i++ {
		x := chrono[i]
		if _, ok := scores[x.ID]; !ok {
			xs, err := svc.Status(ctx, x.ID)
			if err != nil {
				return nil, err
			}
			scores[x.ID] = xs.Score.Overall
		}
		date := day(x.StartedAt)
		if x.FinalizedAt != nil {
			date = day(*x.FinalizedAt)
		}
		m.Trend = append(m.Trend, TrendPoint{AssessmentID: x.ID, Title: x.Title, Date: date, Status: string(x.Status), Score: scores[x.ID]})
	}

	// Risks, in register order (most serious first).
	ephiCount := map[string]int{}
	openByCitation := map[string]int{}
	for i, r := range risks {
		rr := riskRow(cat, r, today)
		rr.Rank = i + 1
		for _, k := range rr.EPHI {
			ephiCount[k]++
		}
		if r.Status == hipaa.RiskOpen || r.Status == hipaa.RiskInProgress {
			for _, c := range r.Citations {
				openByCitation[catalog.NormalizeCitation(c)]++
			}
		}
		switch r.Level {
		case hipaa.LevelCritical:
			m.RiskCounts.Critical++
		case hipaa.LevelHigh:
			m.RiskCounts.High++
		case hipaa.LevelModerate:
			m.RiskCounts.Moderate++
		case hipaa.LevelLow:
			m.RiskCounts.Low++
		}
		m.RiskCounts.Total++
		if hipaa.ValidScale(r.Likelihood) && hipaa.ValidScale(r.Impact) {
			m.Method.Counts[r.Likelihood-1][r.Impact-1]++
		}
		m.Risks = append(m.Risks, rr)
	}
	m.Risks = nonNilRisks(m.Risks)
	plan, err := svc.Plan(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	m.Plan = planFrom(plan, m.Risks, today)

	// Method: scales, matrix, rules.
	for v := 1; v <= 5; v++ {
		m.Method.Scale = append(m.Method.Scale, ScalePoint{Value: v, Word: hipaa.ScaleWords[v]})
	}
	for l := 0; l < 5; l++ {
		for i := 0; i < 5; i++ {
			m.Method.Matrix[l][i] = string(cat.Matrix[l][i])
		}
	}
	m.Method.Paragraphs = methodParagraphs()
	m.Method.DueNote = dueNote

	// Scope.
	m.Scope = Scope{Locations: nonNil(p.Locations), EHRSystem: p.EHRSystem, Workforce: p.WorkforceSize, Systems: []ScopeItem{}, EPHI: []EPHIKind{}}
	for i := range cat.Questions {
		q := &cat.Questions[i]
		if !q.Scope {
			continue
		}
		ans, ok := answers[q.ID]
		if !ok {
			continue
		}
		m.Scope.Systems = append(m.Scope.Systems, ScopeItem{QuestionID: q.ID, Question: oneLine(q.Text), Answer: ans.Value.Label(), Note: ans.Note})
	}
	for _, k := range hipaa.EPHIKinds {
		if ephiCount[k] > 0 {
			m.Scope.EPHI = append(m.Scope.EPHI, EPHIKind{Kind: k, Label: ephiLabels[k], Risks: ephiCount[k]})
		}
	}

	// Contradictions and findings.
	m.Contradictions = []Contradiction{}
	for _, c := range st.Contradictions {
		var cites []string
		if q, ok := cat.Question(c.QuestionID); ok {
			cites = q.Citations
		}
		m.Contradictions = append(m.Contradictions, Contradiction{QuestionID: c.QuestionID, Question: oneLine(c.Question),
			Answer: c.Answer.Label(), Citations: nonNil(cites), FindingID: c.FindingID, Rule: c.Rule, Severity: string(c.Severity),
			Finding: c.Finding, Subject: c.Subject})
	}
	m.Findings = []Finding{}
	for _, f := range findings {
		m.Findings = append(m.Findings, Finding{ID: f.ID, Source: f.Source, Rule: f.Rule, Severity: string(f.Severity), Title: f.Title,
			Subject: f.Subject, Citations: nonNil(f.Citations), Status: string(f.Status), FirstSeen: day(f.FirstSeen),
			LastSeen: day(f.LastSeen), EvidenceRows: len(f.Evidence)})
	}

	m.Controls = buildControls(cat, st.Score, answers, openByCitation)

	// What changed since the previous assessment.
	prev := previousOf(a, chrono[:pos])
	if prev != nil {
		diff, err := svc.Diff(ctx, prev.ID, a.ID)
		if err != nil {
			return nil, err
		}
		before, ok := scores[prev.ID]
		if !ok {
			ps, err := svc.Status(ctx, prev.ID)
			if err != nil {
				return nil, err
			}
			before = ps.Score.Overall
		}
		ch := &Changes{PreviousID: prev.ID, PreviousTitle: prev.Title, ScoreBefore: before, ScoreAfter: st.Score.Overall,
			Answers: []AnswerChange{}, Risks: []RiskChange{}}
		ch.PreviousDate = day(prev.StartedAt)
		if prev.FinalizedAt != nil {
			ch.PreviousDate = day(*prev.FinalizedAt)
		}
		for _, x := range diff.Answers {
			ch.Answers = append(ch.Answers, AnswerChange{QuestionID: x.QuestionID, Question: oneLine(x.Question),
				Before: answerLabel(x.Before), After: answerLabel(x.After)})
		}
		for _, x := range diff.Risks {
			ch.Risks = append(ch.Risks, RiskChange{Title: x.Title, Change: x.Change, Before: string(x.Before), After: string(x.After)})
		}
		m.Changes = ch
	}
	m.Penalties = penaltyContext()
	return m, nil
}

// previousOf returns the assessment a is compared with: the one it was
// started from, else the latest finalized one before it.
func previousOf(a *hipaa.Assessment, earlier []*hipaa.Assessment) *hipaa.Assessment {
	for _, x := range earlier {
		if x.ID == a.PreviousID {
			return x
		}
	}
	for i := len(earlier) - 1; i >= 0; i-- {
		if earlier[i].Status == hipaa.StatusFinalized {
			return earlier[i]
		}
	}
	return nil
}

func answerLabel(v hipaa.AnswerValue) string {
	if v == "" {
		return "not asked"
	}
	return v.Label()
}

// riskRow turns a register entry into a report row.
func riskRow(cat *catalog.Catalog, r *hipaa.Risk, today string) Risk {
	rr := Risk{ID: r.ID, Title: r.Title, ThreatID: r.ThreatID, VulnerabilityID: r.VulnerabilityID,
		Likelihood: r.Likelihood, Impact: r.Impact, Level: string(r.Level), ComputedLikelihood: r.ComputedLikelihood,
		ComputedImpact: r.ComputedImpact, OverrideRationale: r.OverrideRationale, ResidualLikelihood: r.ResidualLikelihood,
		ResidualImpact: r.ResidualImpact, ResidualLevel: string(r.ResidualLevel), Citations: nonNil(r.Citations),
		Assets: nonNil(r.Assets), EPHI: []string{}, Sources: []Source{}, Contradicted: r.Contradicted,
		Treatment: string(r.Treatment), Status: string(r.Status), Owner: r.Owner, Due: r.Due,
		PlannedControls: r.PlannedControls, Effort: r.Effort, Approver: r.Approver, AcceptanceRationale: r.AcceptanceRationale}
	rr.Threat, rr.Vulnerability = r.Title, r.Title
	if t, ok := cat.Threat(r.ThreatID); ok {
		rr.Threat, rr.ThreatSource, rr.ThreatDescription = t.Name, string(t.Source), oneLine(t.Description)
	}
	if v, ok := cat.Vulnerability(r.VulnerabilityID); ok {
		rr.Vulnerability, rr.VulnerabilityDescription = v.Title, oneLine(v.Description)
		rr.EPHI = nonNil(v.EPHI)
	}
	for _, s := range r.Sources {
		rr.Sources = append(rr.Sources, Source{Kind: s.Kind, Ref: s.Ref, Note: s.Note})
	}
	rr.Overdue = r.Due != "" && r.Due < today && (r.Status == hipaa.RiskOpen || r.Status == hipaa.RiskInProgress)
	return rr
}

// planFrom turns the app's plan (one action per vulnerability, covering all
// the risks it raises) into report actions, adding what the register knows:
// the level left after the fix, who accepted a risk and why, and whether the
// action is overdue.
func planFrom(actions []assess.PlanAction, risks []Risk, today string) []Action {
	byID := make(map[string]*Risk, len(risks))
	for i := range risks {
		byID[risks[i].ID] = &risks[i]
	}
	out := make([]Action, 0, len(actions))
	for i, a := range actions {
		x := Action{Priority: i + 1, Action: a.Action, Weakness: a.Title, Level: string(a.Level), RiskIDs: nonNil(a.Risks),
			Threats: nonNil(a.Threats), Treatment: string(a.Treatment), Owner: a.Owner, Due: a.Due, Status: string(a.Status),
			Effort: a.Effort, Citations: nonNil(a.Citations)}
		for _, id := range a.Risks {
			r, ok := byID[id]
			if !ok {
				continue
			}
			if hipaa.Level(r.ResidualLevel).Rank() > hipaa.Level(x.ResidualLevel).Rank() {
				x.ResidualLevel = r.ResidualLevel
			}
			if r.AcceptanceRationale != "" && x.Rationale == "" {
				x.Approver, x.Rationale = r.Approver, r.AcceptanceRationale
			}
		}
		x.Overdue = x.Due != "" && x.Due < today && (x.Status == string(hipaa.RiskOpen) || x.Status == string(hipaa.RiskInProgress))
		sort.Strings(x.Citations)
		out = append(out, x)
	}
	return out
}

// buildControls gives every standard and specification its status, in catalog order.
func buildControls(cat *catalog.Catalog, sc *assess.Score, answers map[string]hipaa.Answer, openRisks map[string]int) []Control {
	lines := map[string]assess.ScoreLine{}
	for _, l := range sc.Lines {
		lines[l.Citation] = l
	}
	out := make([]Control, 0, len(cat.Controls))
	for i := range cat.Controls {
		c := &cat.Controls[i]
		ctl := Control{Citation: c.Citation, Title: c.Title, Kind: string(c.Kind), Requirement: string(c.Requirement),
			Family: string(c.Family), Parent: c.Parent, Answers: []AnswerRef{}, Risks: openRisks[c.Citation]}
		if l, ok := lines[c.Citation]; ok {
			ctl.Scored, ctl.State, ctl.Value, ctl.Weight = l.Weight > 0, l.State, round2(l.Value), l.Weight
			for _, qid := range l.Questions {
				ref := AnswerRef{QuestionID: qid, Answer: "not yet answered"}
				if q, ok := cat.Question(qid); ok {
					ref.Question = oneLine(q.Text)
				}
				if a, ok := answers[qid]; ok {
					ref.Answer, ref.Note = a.Value.Label(), a.Note
					if a.Value == hipaa.AnswerNA && a.Justification != "" {
						ref.Note = a.Justification
					}
				}
				ctl.Answers = append(ctl.Answers, ref)
			}
		} else {
			var kids []string
			for j := range cat.Controls {
				if cat.Controls[j].Parent == c.Citation {
					kids = append(kids, cat.Controls[j].Citation)
				}
			}
			ctl.State, ctl.Value = rollUp(kids, lines)
		}
		out = append(out, ctl)
	}
	return out
}

// rollUp gives a standard with specifications a state from theirs.
func rollUp(kids []string, lines map[string]assess.ScoreLine) (string, float64) {
	var sum, weight float64
	states := map[string]int{}
	n := 0
	for _, k := range kids {
		l, ok := lines[k]
		if !ok || l.Weight == 0 {
			continue
		}
		sum += l.Value * l.Weight
		weight += l.Weight
		states[l.State]++
		n++
	}
	if n == 0 {
		return assess.StateNA, 0
	}
	v := round2(sum / weight)
	switch {
	case states[assess.StateInPlace] == n:
		return assess.StateInPlace, v
	case states[assess.StateUnanswered] == n:
		return assess.StateUnanswered, v
	case states[assess.StateContradicts] > 0:
		return assess.StateContradicts, v
	case v > 0:
		return assess.StatePartial, v
	}
	for _, s := range stateOrder {
		if states[s] > 0 {
			return s, v
		}
	}
	return assess.StateMissing, v
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilAssets(s []Asset) []Asset {
	if s == nil {
		return []Asset{}
	}
	return s
}

func nonNilRisks(s []Risk) []Risk {
	if s == nil {
		return []Risk{}
	}
	return s
}

// sortRisks orders register rows most serious first and numbers them.
func sortRisks(rs []Risk) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if ra, rb := hipaa.Level(a.Level).Rank(), hipaa.Level(b.Level).Rank(); ra != rb {
			return ra > rb
		}
		if a.Likelihood*a.Impact != b.Likelihood*b.Impact {
			return a.Likelihood*a.Impact > b.Likelihood*b.Impact
		}
		if a.Title != b.Title {
			return a.Title < b.Title
		}
		return a.ID < b.ID
	})
	for i := range rs {
		rs[i].Rank = i + 1
	}
}
