package report

import (
	"fmt"
	"sort"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// syntheticModel makes a report model of a made-up practice with the given
// numbers of assets and risks, drawn from the real catalog, for benchmarks
// and tests. It is deterministic.
func syntheticModel(nAssets, nRisks int) *Model {
	cat := catalog.MustDefault()
	at := time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)
	fin := at.Add(-2 * time.Hour)
	m := &Model{
		Schema: SchemaID, SchemaVersion: SchemaVersion, Generator: "safeguard test", GeneratedAt: at,
		Document: Document{Version: "3.0", Final: true, Created: "2026-03-14", Effective: "2026-03-14", RetainUntil: "2032-03-14",
			RetentionNote: retentionNote(true, ""), Preparer: "Pat Lee, practice manager", Approver: "Dr. Sam Rivera, owner",
			ApprovedOn: "2026-03-14", QuestionBank: cat.Version},
		Practice: Practice{ID: "prc_test", Name: "Lakeside Pediatrics", Slug: "lakeside-pediatrics",
			Locations: []string{"12 Harbor Street, Duluth, MN"}, WorkforceSize: 31, EHRSystem: "eClinicalWorks (hosted)",
			Specialty: "pediatrics", SecurityOfficial: "Pat Lee, practice manager", TimeZone: "America/Chicago"},
		Assessment: Assessment{ID: "asm_test3", Title: "Security risk analysis 2026", Status: "finalized", StartedOn: "2026-02-01",
			StartedAt: time.Date(2026, 2, 1, 14, 0, 0, 0, time.UTC), StartedBy: "Pat Lee", FinalizedOn: "2026-03-14", FinalizedAt: &fin,
			FinalizedBy: "Dr. Sam Rivera, owner", PreviousID: "asm_test2"},
		Progress: Progress{Applicable: 150, Answered: 150, Unanswered: []string{}},
		Score:    Score{Overall: 74, Families: []FamilyScore{}, Explanation: []string{"Each specification scores from the answers to the questions that cite it."}},
		Trend: []TrendPoint{{AssessmentID: "asm_test1", Title: "Security risk analysis 2024", Date: "2024-03-02", Status: "finalized", Score: 58},
			{AssessmentID: "asm_test2", Title: "Security risk analysis 2025", Date: "2025-03-09", Status: "finalized", Score: 66},
			{AssessmentID: "asm_test3", Title: "Security risk analysis 2026", Date: "2026-03-14", Status: "finalized", Score: 74}},
		Scope: Scope{Locations: []string{"12 Harbor Street, Duluth, MN"}, EHRSystem: "eClinicalWorks (hosted)", Workforce: 31,
			Systems: []ScopeItem{{QuestionID: "PF-01", Question: "Do you keep a server on site?", Answer: "Yes", Note: "=cmd|' /C calc'!A0 (closet by the lab)"}},
			EPHI:    []EPHIKind{}},
		Assets: []Asset{}, Contradictions: []Contradiction{}, Findings: []Finding{}, Warnings: []string{},
		Penalties: penaltyContext(),
	}
	for i, f := range hipaa.Families {
		info := familyInfo[f]
		m.Score.Families = append(m.Score.Families, FamilyScore{Family: string(f), Label: info[0], Citation: info[1], Score: 60 + 7*i, Capped: i == 0, Controls: 5 + i})
	}
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
	kinds := []string{"workstation", "server", "medical_device", "network_device", "mobile", "printer"}
	for i := 0; i < nAssets; i++ {
		m.Assets = append(m.Assets, Asset{ID: fmt.Sprintf("ast_%04d", i), Name: fmt.Sprintf("%s-%03d", kinds[i%len(kinds)], i),
			Kind: kinds[i%len(kinds)], Location: "Main office", Zone: []string{"clinical", "office", "guest", "devices"}[i%4],
			Address: fmt.Sprintf("10.0.%d.%d", i/250, i%250+1), OS: []string{"Windows 11", "Windows 10", "Linux", "Windows 7"}[i%4],
			Owner: "IT provider", HoldsEPHI: i%3 != 0})
	}
	statuses := []hipaa.RiskStatus{hipaa.RiskOpen, hipaa.RiskOpen, hipaa.RiskInProgress, hipaa.RiskDone, hipaa.RiskAccepted}
	ephi := map[string]int{}
	n := 0
	for vi := 0; n < nRisks; vi++ {
		v := &cat.Vulnerabilities[vi%len(cat.Vulnerabilities)]
		for _, link := range v.Threats {
			if n == nRisks {
				break
			}
			t, _ := cat.Threat(link.Threat)
			l, im := 1+(n*7)%5, 1+(n*3)%5
			st := statuses[n%len(statuses)]
			r := Risk{ID: fmt.Sprintf("R-%08x", 0x1000+n), Title: v.Title + " — " + t.Name, ThreatID: t.ID, Threat: t.Name,
				ThreatSource: string(t.Source), ThreatDescription: oneLine(t.Description), VulnerabilityID: fmt.Sprintf("%s#%d", v.ID, vi),
				Vulnerability: v.Title, VulnerabilityDescription: oneLine(v.Description), Likelihood: l, Impact: im,
				Level: string(cat.Level(l, im)), ComputedLikelihood: l, ComputedImpact: im, ResidualLikelihood: max(1, l-2),
				ResidualImpact: im, ResidualLevel: string(cat.Level(max(1, l-2), im)), Citations: v.Citations, Assets: []string{},
				EPHI: v.EPHI, Sources: []Source{{Kind: "answer", Ref: "SM-01", Note: "answered No"}}, Treatment: "mitigate",
				Status: string(st), Owner: "Pat Lee", Due: fmt.Sprintf("2026-%02d-%02d", 1+n%12, 1+n%28), Overdue: st == hipaa.RiskOpen && n%12 < 2,
				PlannedControls: v.Action, Effort: v.Effort}
			if st == hipaa.RiskAccepted {
				r.Treatment, r.Approver, r.AcceptanceRationale = "accept", "Dr. Sam Rivera, owner", "Cost outweighs the small remaining risk."
			}
			if n%17 == 0 {
				r.Assets = []string{m.Assets[n%max(1, len(m.Assets))].Name}
			}
			for _, k := range v.EPHI {
				ephi[k]++
			}
			m.Method.Counts[l-1][im-1]++
			m.Risks = append(m.Risks, r)
			n++
		}
	}
	for _, k := range hipaa.EPHIKinds {
		if ephi[k] > 0 {
			m.Scope.EPHI = append(m.Scope.EPHI, EPHIKind{Kind: k, Label: ephiLabels[k], Risks: ephi[k]})
		}
	}
	sortRisks(m.Risks)
	m.Plan = synthPlan(m.Risks)
	for i := range cat.Controls {
		c := &cat.Controls[i]
		ctl := Control{Citation: c.Citation, Title: c.Title, Kind: string(c.Kind), Requirement: string(c.Requirement),
			Family: string(c.Family), Parent: c.Parent, Answers: []AnswerRef{}, State: []string{"in place", "partly in place", "not in place", "not applicable"}[i%4]}
		if c.Assessable() {
			ctl.Scored, ctl.Value, ctl.Weight = true, 0.5, 3
			ctl.Answers = append(ctl.Answers, AnswerRef{QuestionID: "SM-01", Question: "Is there a written risk analysis?", Answer: "Partially", Note: "from 2023"})
		}
		m.Controls = append(m.Controls, ctl)
	}
	m.Contradictions = append(m.Contradictions, Contradiction{QuestionID: "AN-05", Question: "Are medical devices on their own network segment?",
		Answer: "Yes", Citations: []string{"164.312(a)(1)"}, FindingID: "fnd_1", Rule: "SEG-02", Severity: "high",
		Finding: "Medical device shares a network with office or guest devices", Subject: "xray-ws-01"})
	m.Findings = append(m.Findings, Finding{ID: "fnd_1", Source: "netseg", Rule: "SEG-02", Severity: "high",
		Title: "Medical device shares a network with office or guest devices", Subject: "xray-ws-01",
		Citations: []string{"164.312(a)(1)"}, Status: "open", FirstSeen: "2026-02-10", LastSeen: "2026-03-10", EvidenceRows: 3})
	m.Changes = &Changes{PreviousID: "asm_test2", PreviousTitle: "Security risk analysis 2025", PreviousDate: "2025-03-09",
		ScoreBefore: 66, ScoreAfter: 74, Answers: []AnswerChange{{QuestionID: "TS-10", Question: "Are laptops encrypted?", Before: "Partially", After: "Yes"}},
		Risks: []RiskChange{{Title: "Laptops not encrypted — Theft of a device or media", Change: "removed", Before: "high"}}}
	for _, r := range m.Risks {
		switch r.Level {
		case "critical":
			m.RiskCounts.Critical++
		case "high":
			m.RiskCounts.High++
		case "moderate":
			m.RiskCounts.Moderate++
		default:
			m.RiskCounts.Low++
		}
		m.RiskCounts.Total++
	}
	return m
}

// statusGroup puts open work first, then accepted risks, then finished ones.
func statusGroup(s string) int {
	switch s {
	case string(hipaa.RiskAccepted):
		return 1
	case string(hipaa.RiskDone):
		return 2
	}
	return 0
}

// synthPlan groups the risks that one piece of work treats — the same
// vulnerability, action, owner, due date and status — into one action, and
// orders the actions by priority: open work first, by level, then due date.
func synthPlan(risks []Risk) []Action {
	type key struct{ vuln, action, owner, due, status, treatment string }
	idx := map[key]int{}
	var out []Action
	for _, r := range risks {
		k := key{r.VulnerabilityID, r.PlannedControls, r.Owner, r.Due, r.Status, r.Treatment}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, Action{Action: r.PlannedControls, Weakness: r.Vulnerability, Level: r.Level, Treatment: r.Treatment,
				Owner: r.Owner, Due: r.Due, Overdue: r.Overdue, Status: r.Status, Effort: r.Effort, ResidualLevel: r.ResidualLevel,
				Citations: []string{}, RiskIDs: []string{}, Threats: []string{}, Approver: r.Approver, Rationale: r.AcceptanceRationale})
		}
		x := &out[i]
		x.RiskIDs = append(x.RiskIDs, r.ID)
		x.Threats = appendNew(x.Threats, r.Threat)
		for _, c := range r.Citations {
			x.Citations = appendNew(x.Citations, c)
		}
		if hipaa.Level(r.Level).Rank() > hipaa.Level(x.Level).Rank() {
			x.Level = r.Level
		}
		if hipaa.Level(r.ResidualLevel).Rank() > hipaa.Level(x.ResidualLevel).Rank() {
			x.ResidualLevel = r.ResidualLevel
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if g, h := statusGroup(a.Status), statusGroup(b.Status); g != h {
			return g < h
		}
		if ra, rb := hipaa.Level(a.Level).Rank(), hipaa.Level(b.Level).Rank(); ra != rb {
			return ra > rb
		}
		if a.Due != b.Due {
			return a.Due < b.Due
		}
		if len(a.RiskIDs) != len(b.RiskIDs) {
			return len(a.RiskIDs) > len(b.RiskIDs)
		}
		return a.Weakness < b.Weakness
	})
	for i := range out {
		out[i].Priority = i + 1
		sort.Strings(out[i].Citations)
	}
	if out == nil {
		out = []Action{}
	}
	return out
}
