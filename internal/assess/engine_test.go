package assess

import (
	"strings"
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// allAnswers answers every question with v (scope questions Yes, so every
// question applies), then applies the overrides.
func allAnswers(cat *catalog.Catalog, v hipaa.AnswerValue, overrides map[string]hipaa.AnswerValue) map[string]hipaa.Answer {
	out := map[string]hipaa.Answer{}
	for _, q := range cat.Questions {
		val := v
		if q.Scope {
			val = hipaa.AnswerYes
		}
		if o, ok := overrides[q.ID]; ok {
			val = o
		}
		out[q.ID] = hipaa.Answer{QuestionID: q.ID, Value: val}
	}
	return out
}

func cites(r *hipaa.Risk, citation string) bool {
	for _, c := range r.Citations {
		if c == citation {
			return true
		}
	}
	return false
}

func TestNoRiskAnalysisIsHighOrCritical(t *testing.T) {
	cat := catalog.MustDefault()
	var riskQuestion string
	for _, q := range cat.Questions {
		if !q.Scope && len(q.Citations) > 0 && q.Citations[0] == "164.308(a)(1)(ii)(A)" {
			riskQuestion = q.ID
			break
		}
	}
	if riskQuestion == "" {
		t.Fatal("no question leads with 164.308(a)(1)(ii)(A)")
	}
	ev := Evaluate(cat, "a1", allAnswers(cat, hipaa.AnswerYes, map[string]hipaa.AnswerValue{riskQuestion: hipaa.AnswerNo}), nil)
	found := false
	for _, r := range ev.Risks {
		if cites(r, "164.308(a)(1)(ii)(A)") && r.Level.Rank() >= hipaa.LevelHigh.Rank() {
			found = true
		}
	}
	if !found {
		t.Fatalf("answering No to %s raised no high or critical risk citing 164.308(a)(1)(ii)(A): %d risks", riskQuestion, len(ev.Risks))
	}
}

func TestEveryRequiredSpecificationAnsweredNoRaisesACitingRisk(t *testing.T) {
	cat := catalog.MustDefault()
	for _, ctl := range cat.Assessable() {
		if ctl.Requirement != hipaa.Required {
			continue
		}
		t.Run(ctl.Citation, func(t *testing.T) {
			no := map[string]hipaa.AnswerValue{}
			for _, q := range cat.Questions {
				for _, c := range q.Citations {
					if c == ctl.Citation && !q.Scope {
						no[q.ID] = hipaa.AnswerNo
					}
				}
			}
			if len(no) == 0 {
				t.Fatalf("no question cites %s", ctl.Citation)
			}
			ev := Evaluate(cat, "a1", allAnswers(cat, hipaa.AnswerYes, no), nil)
			for _, r := range ev.Risks {
				if cites(r, ctl.Citation) {
					return
				}
			}
			t.Errorf("answering No to %v raised no risk citing %s", keys(no), ctl.Citation)
		})
	}
}

func keys(m map[string]hipaa.AnswerValue) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestBestPracticeAnswers(t *testing.T) {
	cat := catalog.MustDefault()
	answers := allAnswers(cat, hipaa.AnswerYes, nil)
	ev := Evaluate(cat, "a1", answers, nil)
	for _, r := range ev.Risks {
		if r.Level.Rank() > hipaa.LevelLow.Rank() {
			t.Errorf("best practice still raises %s risk %s", r.Level, r.Title)
		}
	}
	sc := ComputeScore(cat, ev, answers)
	if sc.Overall < 95 || sc.Capped {
		t.Errorf("best-practice score %d (capped %v), want at least 95", sc.Overall, sc.Capped)
	}
	if len(ev.Unanswered) != 0 {
		t.Errorf("%d unanswered", len(ev.Unanswered))
	}
}

func TestWorstAnswersAndCap(t *testing.T) {
	cat := catalog.MustDefault()
	answers := allAnswers(cat, hipaa.AnswerNo, nil)
	ev := Evaluate(cat, "a1", answers, nil)
	sc := ComputeScore(cat, ev, answers)
	if sc.Overall != 0 {
		t.Errorf("all No scores %d, want 0", sc.Overall)
	}
	// One Required control with no safeguard caps an otherwise perfect score.
	answers = allAnswers(cat, hipaa.AnswerYes, nil)
	for _, q := range cat.Questions {
		for _, c := range q.Citations {
			if c == "164.308(a)(7)(ii)(A)" { // data backup plan, Required
				answers[q.ID] = hipaa.Answer{QuestionID: q.ID, Value: hipaa.AnswerNo}
			}
		}
	}
	ev = Evaluate(cat, "a1", answers, nil)
	sc = ComputeScore(cat, ev, answers)
	if !sc.Capped || sc.Overall > RequiredCap {
		t.Errorf("missing backup plan: score %d capped %v, want at most %d", sc.Overall, sc.Capped, RequiredCap)
	}
	if !strings.Contains(strings.Join(sc.Explanation, " "), "164.308(a)(7)(ii)(A)") {
		t.Errorf("explanation does not name the missing control: %v", sc.Explanation)
	}
	for _, f := range sc.Families {
		if f.Family == hipaa.FamilyAdministrative && (!f.Capped || f.Score > RequiredCap) {
			t.Errorf("administrative family %d capped %v", f.Score, f.Capped)
		}
		if f.Family == hipaa.FamilyPhysical && f.Capped {
			t.Errorf("physical family capped by an administrative gap")
		}
	}
}

func TestPartialAndUnknown(t *testing.T) {
	cat := catalog.MustDefault()
	var q *hipaa.Question
	for i := range cat.Questions {
		if c := &cat.Questions[i]; !c.Scope && len(c.PartialFlags) == 0 && c.When == nil {
			q = c
			break
		}
	}
	rate := func(v hipaa.AnswerValue) map[string]int {
		ev := Evaluate(cat, "a1", allAnswers(cat, hipaa.AnswerYes, map[string]hipaa.AnswerValue{q.ID: v}), nil)
		out := map[string]int{}
		for _, r := range ev.Risks {
			out[r.Key] = r.Likelihood
		}
		return out
	}
	no, partial, unknown := rate(hipaa.AnswerNo), rate(hipaa.AnswerPartial), rate(hipaa.AnswerUnknown)
	if len(no) == 0 {
		t.Fatalf("%s: No raised nothing", q.ID)
	}
	for k, l := range no {
		if unknown[k] != l {
			t.Errorf("%s: Don't know rates %d, No %d: they should match", k, unknown[k], l)
		}
		if want := max(1, l-1); partial[k] != want {
			t.Errorf("%s: Partially rates %d, want %d", k, partial[k], want)
		}
	}
}

func TestSkipLogic(t *testing.T) {
	cat := catalog.MustDefault()
	var dependent *hipaa.Question
	for i := range cat.Questions {
		if q := &cat.Questions[i]; q.When != nil && strings.HasPrefix(q.When.Question, "PF-") {
			dependent = q
			break
		}
	}
	if dependent == nil {
		t.Fatal("no question depends on the profile")
	}
	answers := allAnswers(cat, hipaa.AnswerYes, map[string]hipaa.AnswerValue{dependent.When.Question: hipaa.AnswerNo})
	answers[dependent.ID] = hipaa.Answer{QuestionID: dependent.ID, Value: hipaa.AnswerNo}
	ev := Evaluate(cat, "a1", answers, nil)
	for _, q := range ev.Applicable {
		if q.ID == dependent.ID {
			t.Fatalf("%s applies although %s is No", dependent.ID, dependent.When.Question)
		}
	}
	for _, r := range ev.Risks {
		for _, s := range r.Sources {
			if s.Ref == dependent.ID {
				t.Errorf("a skipped question raised %s", r.Title)
			}
		}
	}
}

func TestFindingContradictsAnswer(t *testing.T) {
	cat := catalog.MustDefault()
	var rule *hipaa.FindingRule
	for i := range cat.FindingRules {
		if len(cat.FindingRules[i].Contradicts) > 0 {
			rule = &cat.FindingRules[i]
			break
		}
	}
	if rule == nil {
		t.Fatal("no finding rule contradicts an answer")
	}
	qid := rule.Contradicts[0]
	answers := allAnswers(cat, hipaa.AnswerYes, nil)
	f := &hipaa.Finding{ID: "fnd_1", Source: rule.Source, Rule: rule.Rule, Severity: hipaa.SeverityCritical, Title: "evidence", Subject: "guest→medical", Status: hipaa.FindingOpen}
	ev := Evaluate(cat, "a1", answers, []*hipaa.Finding{f})
	if len(ev.Contradictions) == 0 || ev.Contradictions[0].QuestionID != qid || !ev.Disproved[qid] {
		t.Fatalf("no contradiction of %s by %s: %+v", qid, rule.Rule, ev.Contradictions)
	}
	var raised *hipaa.Risk
	for _, r := range ev.Risks {
		if r.Contradicted {
			raised = r
		}
	}
	if raised == nil || raised.Likelihood != 5 {
		t.Fatalf("the evidence should raise a contradicted risk at likelihood 5: %+v", raised)
	}
	if !strings.Contains(strings.Join(raised.Assets, " "), "guest→medical") {
		t.Errorf("the risk should name the finding's subject: %v", raised.Assets)
	}
	sc := ComputeScore(cat, ev, answers)
	disproved := false
	for _, l := range sc.Lines {
		disproved = disproved || l.State == StateContradicts
	}
	if !disproved || sc.Overall >= 100 {
		t.Errorf("a disproved answer should lower the score: %d", sc.Overall)
	}
	// Dismissed findings count for nothing.
	f.Status = hipaa.FindingDismissed
	if ev := Evaluate(cat, "a1", answers, []*hipaa.Finding{f}); len(ev.Contradictions) != 0 || len(ev.Risks) != 0 {
		t.Errorf("a dismissed finding still counts")
	}
}

func TestUnknownRuleStillRaisesARisk(t *testing.T) {
	cat := catalog.MustDefault()
	f := &hipaa.Finding{ID: "fnd_9", Source: "scanner", Rule: "X-42", Severity: hipaa.SeverityHigh, Title: "Something bad", Subject: "host-1", Citations: []string{"164.312(e)(1)"}}
	ev := Evaluate(cat, "a1", allAnswers(cat, hipaa.AnswerYes, nil), []*hipaa.Finding{f})
	if len(ev.Risks) != 1 || ev.Risks[0].Likelihood != 4 || !cites(ev.Risks[0], "164.312(e)(1)") {
		t.Fatalf("risks %+v", ev.Risks)
	}
}

func TestMergeKeepsThePlan(t *testing.T) {
	cat := catalog.MustDefault()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	answers := allAnswers(cat, hipaa.AnswerYes, map[string]hipaa.AnswerValue{"SM-01": hipaa.AnswerNo})
	ev := Evaluate(cat, "a1", answers, nil)
	writes := Merge(cat, ev.Risks, nil, "Dana", now, "t")
	if len(writes) == 0 {
		t.Fatal("nothing to write")
	}
	saved := map[string]Saved{}
	for _, w := range writes {
		r := w.Risk
		if r.Owner != "Dana" || r.Status != hipaa.RiskOpen || r.Treatment != hipaa.TreatMitigate {
			t.Errorf("defaults: %+v", r)
		}
		wantDue := now.AddDate(0, 0, DueDays[r.Level]).Format("2006-01-02")
		if r.Due != wantDue {
			t.Errorf("%s risk due %s, want %s", r.Level, r.Due, wantDue)
		}
		saved[r.Key] = Saved{Risk: r, Active: true}
	}
	// The assessor overrides one risk and assigns it.
	var first *hipaa.Risk
	for _, s := range saved {
		first = s.Risk
		break
	}
	two, owner := 2, "Lee"
	if _, err := ApplyUpdate(cat, first, Update{Likelihood: &two}, now, "t"); err == nil {
		t.Error("an override without a rationale was accepted")
	}
	ch, err := ApplyUpdate(cat, first, Update{Likelihood: &two, Rationale: "badge-only closet", Owner: &owner}, now, "t")
	if err != nil || len(ch) < 2 {
		t.Fatalf("update: %v %v", ch, err)
	}
	// Re-evaluating keeps the override and the owner.
	again := Merge(cat, Evaluate(cat, "a1", answers, nil).Risks, saved, "Dana", now.Add(time.Hour), "t")
	for _, w := range again {
		if w.Risk.Key == first.Key && (w.Risk.Likelihood != 2 || w.Risk.Owner != "Lee") {
			t.Errorf("merge lost the plan: %+v", w.Risk)
		}
	}
	// Answering Yes makes the risks inactive, with a history entry.
	gone := Merge(cat, Evaluate(cat, "a1", allAnswers(cat, hipaa.AnswerYes, nil), nil).Risks, saved, "Dana", now, "t")
	if len(gone) != len(saved) {
		t.Fatalf("%d writes, want %d", len(gone), len(saved))
	}
	for _, w := range gone {
		if w.Active || len(w.Changes) != 1 || w.Changes[0].Field != "raised" {
			t.Errorf("risk %s should be marked no longer raised: %+v", w.Risk.ID, w)
		}
	}
}

func TestAcceptanceNeedsApprover(t *testing.T) {
	cat := catalog.MustDefault()
	r := &hipaa.Risk{ID: "R-1", Likelihood: 3, Impact: 3, Level: hipaa.LevelModerate, Treatment: hipaa.TreatMitigate, Status: hipaa.RiskOpen}
	accept := hipaa.TreatAccept
	if _, err := ApplyUpdate(cat, r, Update{Treatment: &accept}, time.Now(), "t"); hipaa.ErrorCodeOf(err) != hipaa.EInvalid {
		t.Fatalf("accepting without an approver: %v", err)
	}
	who, why := "Dr. Chen", "isolated; replaced next quarter"
	if _, err := ApplyUpdate(cat, r, Update{Treatment: &accept, Approver: &who, AcceptanceRationale: &why}, time.Now(), "t"); err != nil {
		t.Fatal(err)
	}
	if r.Status != hipaa.RiskAccepted {
		t.Errorf("status %s, want accepted", r.Status)
	}
	bad := 6
	if _, err := ApplyUpdate(cat, r, Update{Impact: &bad, Rationale: "x"}, time.Now(), "t"); hipaa.ErrorCodeOf(err) != hipaa.EInvalid {
		t.Errorf("impact 6 accepted: %v", err)
	}
	due := "next week"
	if _, err := ApplyUpdate(cat, r, Update{Due: &due}, time.Now(), "t"); hipaa.ErrorCodeOf(err) != hipaa.EInvalid {
		t.Errorf("bad due date accepted: %v", err)
	}
}

func TestCompare(t *testing.T) {
	cat := catalog.MustDefault()
	a := allAnswers(cat, hipaa.AnswerYes, map[string]hipaa.AnswerValue{"SM-01": hipaa.AnswerNo})
	b := allAnswers(cat, hipaa.AnswerYes, nil)
	ra := Evaluate(cat, "a", a, nil).Risks
	d := Compare(cat, "a", a, ra, "b", b, nil)
	if len(d.Answers) != 1 || d.Answers[0].QuestionID != "SM-01" || d.Answers[0].After != hipaa.AnswerYes {
		t.Errorf("answers diff %+v", d.Answers)
	}
	if len(d.Risks) != len(ra) || d.Risks[0].Change != "removed" {
		t.Errorf("risks diff %+v", d.Risks)
	}
}

func TestQuickCheck(t *testing.T) {
	cat := catalog.MustDefault()
	if n := len(cat.QuickCheck); n < 10 || n > 15 {
		t.Fatalf("the quick check has %d questions; it should take about a minute", n)
	}
	all := func(v hipaa.AnswerValue) map[string]hipaa.Answer {
		m := map[string]hipaa.Answer{}
		for _, id := range cat.QuickCheck {
			m[id] = hipaa.Answer{QuestionID: id, Value: v}
		}
		return m
	}
	good := QuickCheck(cat, all(hipaa.AnswerYes))
	if good.Score != 100 || len(good.Gaps) != 0 || good.Answered != good.Total {
		t.Errorf("all Yes: %+v", good)
	}
	bad := QuickCheck(cat, all(hipaa.AnswerNo))
	if bad.Score != 0 || len(bad.Gaps) != 3 {
		t.Fatalf("all No: score %d, %d gaps", bad.Score, len(bad.Gaps))
	}
	for _, g := range bad.Gaps {
		if g.Title == "" || g.Action == "" || g.QuestionID == "" || len(g.Citations) == 0 {
			t.Errorf("gap lacks plain words or citations: %+v", g)
		}
	}
	if bad.Gaps[0].Level.Rank() < bad.Gaps[2].Level.Rank() {
		t.Errorf("gaps not ordered by level: %+v", bad.Gaps)
	}
	mixed := all(hipaa.AnswerYes)
	mixed["SM-01"] = hipaa.Answer{QuestionID: "SM-01", Value: hipaa.AnswerNo}
	if r := QuickCheck(cat, mixed); r.Score >= 100 || r.Score <= 50 || len(r.Gaps) == 0 || r.Gaps[0].QuestionID != "SM-01" {
		t.Errorf("one gap: %+v", r)
	}
}

func TestBuildPlanGroupsByVulnerability(t *testing.T) {
	cat := catalog.MustDefault()
	ev := Evaluate(cat, "a1", allAnswers(cat, hipaa.AnswerYes, map[string]hipaa.AnswerValue{"SM-01": hipaa.AnswerNo, "IC-09": hipaa.AnswerNo}), nil)
	writes := Merge(cat, ev.Risks, nil, "Dana", time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), "t")
	var risks []*hipaa.Risk
	vulns := map[string]bool{}
	for _, w := range writes {
		risks = append(risks, w.Risk)
		vulns[w.Risk.VulnerabilityID] = true
	}
	risks[len(risks)-1].Status = hipaa.RiskInProgress
	plan := BuildPlan(cat, risks)
	if len(plan) != len(vulns) {
		t.Fatalf("%d actions for %d vulnerabilities", len(plan), len(vulns))
	}
	covered := 0
	for i, a := range plan {
		covered += len(a.Risks)
		if a.Action == "" || len(a.Citations) == 0 || len(a.Threats) != len(a.Risks) {
			t.Errorf("action %+v", a)
		}
		if i > 0 && plan[i-1].Level.Rank() < a.Level.Rank() {
			t.Errorf("plan not ordered by level")
		}
	}
	if covered != len(risks) {
		t.Errorf("actions cover %d of %d risks", covered, len(risks))
	}
}
