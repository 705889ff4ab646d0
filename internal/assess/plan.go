package assess

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// DueDays is how many days a newly raised risk of each level gets before its
// treatment is due. Critical 15 and high 30 follow the patch timelines of the
// January 2025 proposed rule (90 FR 898; proposed, not final); moderate and
// low are Safeguard's defaults.
var DueDays = map[hipaa.Level]int{
	hipaa.LevelCritical: 15, hipaa.LevelHigh: 30, hipaa.LevelModerate: 90, hipaa.LevelLow: 180,
}

// DueNote explains where default due dates come from, for reports and help.
const DueNote = "Default due dates: critical risks within 15 days and high within 30, as the January 2025 proposed rule would require for patching (proposed, not final); moderate within 90 and low within 180 days (Safeguard's defaults)."

// ResidualDefault estimates the risk left once the planned controls are in
// place: likelihood two steps lower, impact unchanged.
func ResidualDefault(l, i int) (int, int) { return max(1, l-2), i }

// RiskWrite is a risk to save, whether the current answers and findings still
// raise it, and the history entries the change adds.
type RiskWrite struct {
	Risk    *hipaa.Risk
	Active  bool
	Changes []hipaa.RiskChange
}

// Merge combines freshly evaluated risks with the saved register of the same
// assessment. A risk already saved keeps its plan (treatment, owner, due date,
// status) and any assessor override; its computed ratings are refreshed. A new
// risk gets default plan values. A saved risk no longer raised is kept but
// marked inactive. Every change is recorded in the risk's history.
func Merge(cat *catalog.Catalog, computed []*hipaa.Risk, saved map[string]Saved, owner string, now time.Time, actor string) []RiskWrite {
	var out []RiskWrite
	seen := map[string]bool{}
	for _, c := range computed {
		seen[c.Key] = true
		prev, ok := saved[c.Key]
		if !ok {
			r := *c
			r.Treatment, r.Status, r.Owner = hipaa.TreatMitigate, hipaa.RiskOpen, owner
			r.Due = now.AddDate(0, 0, DueDays[r.Level]).Format("2006-01-02")
			r.ResidualLikelihood, r.ResidualImpact = ResidualDefault(r.Likelihood, r.Impact)
			r.ResidualLevel = cat.Level(r.ResidualLikelihood, r.ResidualImpact)
			out = append(out, RiskWrite{Risk: &r, Active: true, Changes: []hipaa.RiskChange{{
				At: now, Actor: actor, Field: "created", After: fmt.Sprintf("%s: %s", r.Level, describe(r.Likelihood, r.Impact)),
			}}})
			continue
		}
		old := prev.Risk
		r := *old
		var changes []hipaa.RiskChange
		if old.ComputedLikelihood != c.ComputedLikelihood || old.ComputedImpact != c.ComputedImpact {
			changes = append(changes, hipaa.RiskChange{At: now, Actor: actor, Field: "computed rating",
				Before: describe(old.ComputedLikelihood, old.ComputedImpact), After: describe(c.ComputedLikelihood, c.ComputedImpact),
				Rationale: "answers or findings changed"})
		}
		r.Title, r.Citations, r.Assets, r.Sources, r.Contradicted = c.Title, c.Citations, c.Assets, c.Sources, c.Contradicted
		r.ComputedLikelihood, r.ComputedImpact = c.ComputedLikelihood, c.ComputedImpact
		if r.OverrideRationale == "" {
			r.Likelihood, r.Impact = c.Likelihood, c.Impact
		}
		r.Level = cat.Level(r.Likelihood, r.Impact)
		if r.Level != old.Level {
			changes = append(changes, hipaa.RiskChange{At: now, Actor: actor, Field: "level", Before: string(old.Level), After: string(r.Level)})
		}
		if !prev.Active {
			changes = append(changes, hipaa.RiskChange{At: now, Actor: actor, Field: "raised", Before: "no", After: "yes", Rationale: "raised again by answers or findings"})
		}
		if len(changes) > 0 || !prev.Active || sourcesChanged(old, c) {
			out = append(out, RiskWrite{Risk: &r, Active: true, Changes: changes})
		}
	}
	for key, prev := range saved {
		if seen[key] || !prev.Active {
			continue
		}
		r := *prev.Risk
		out = append(out, RiskWrite{Risk: &r, Active: false, Changes: []hipaa.RiskChange{{
			At: now, Actor: actor, Field: "raised", Before: "yes", After: "no",
			Rationale: "no longer raised: the answers or findings that raised it have changed",
		}}})
	}
	return out
}

// Saved is a risk as the register holds it, and whether the answers and
// findings raised it at the last evaluation.
type Saved struct {
	Risk   *hipaa.Risk
	Active bool
}

func sourcesChanged(a, b *hipaa.Risk) bool {
	if len(a.Sources) != len(b.Sources) || a.Contradicted != b.Contradicted || len(a.Assets) != len(b.Assets) {
		return true
	}
	for i := range a.Sources {
		if a.Sources[i] != b.Sources[i] {
			return true
		}
	}
	return false
}

// Update is a change an assessor asks for on one risk. Nil fields are left as they are.
type Update struct {
	Likelihood, Impact                 *int
	Rationale                          string
	ResidualLikelihood, ResidualImpact *int
	Treatment                          *hipaa.Treatment
	Status                             *hipaa.RiskStatus
	Owner, Due, PlannedControls        *string
	Effort, Approver                   *string
	AcceptanceRationale                *string
	// ClearOverride goes back to the computed likelihood and impact.
	ClearOverride bool
}

// ApplyUpdate checks and applies an assessor's update to a risk, returning the
// history entries it makes. Overriding the likelihood or impact needs a
// rationale; accepting a risk needs a named approver and a rationale.
func ApplyUpdate(cat *catalog.Catalog, r *hipaa.Risk, u Update, now time.Time, actor string) ([]hipaa.RiskChange, error) {
	var ch []hipaa.RiskChange
	set := func(field, before, after, why string) {
		if before != after {
			ch = append(ch, hipaa.RiskChange{At: now, Actor: actor, Field: field, Before: before, After: after, Rationale: why})
		}
	}
	scale := func(name string, p *int) error {
		if p != nil && !hipaa.ValidScale(*p) {
			return hipaa.Errorf(hipaa.EInvalid, "%s %d is out of range: use 1 (very low) to 5 (very high)", name, *p)
		}
		return nil
	}
	for _, c := range []struct {
		n string
		p *int
	}{{"likelihood", u.Likelihood}, {"impact", u.Impact}, {"residual likelihood", u.ResidualLikelihood}, {"residual impact", u.ResidualImpact}} {
		if err := scale(c.n, c.p); err != nil {
			return nil, err
		}
	}
	if u.ClearOverride {
		set("likelihood", strconv.Itoa(r.Likelihood), strconv.Itoa(r.ComputedLikelihood), "override removed")
		set("impact", strconv.Itoa(r.Impact), strconv.Itoa(r.ComputedImpact), "override removed")
		r.Likelihood, r.Impact, r.OverrideRationale = r.ComputedLikelihood, r.ComputedImpact, ""
	}
	if u.Likelihood != nil || u.Impact != nil {
		if u.Rationale == "" {
			return nil, hipaa.Errorf(hipaa.EInvalid, "changing a risk's likelihood or impact needs a rationale: add --rationale \"why\"")
		}
		if u.Likelihood != nil {
			set("likelihood", strconv.Itoa(r.Likelihood), strconv.Itoa(*u.Likelihood), u.Rationale)
			r.Likelihood = *u.Likelihood
		}
		if u.Impact != nil {
			set("impact", strconv.Itoa(r.Impact), strconv.Itoa(*u.Impact), u.Rationale)
			r.Impact = *u.Impact
		}
		r.OverrideRationale = u.Rationale
	}
	oldLevel := r.Level
	r.Level = cat.Level(r.Likelihood, r.Impact)
	set("level", string(oldLevel), string(r.Level), u.Rationale)
	if u.ResidualLikelihood != nil {
		set("residual likelihood", strconv.Itoa(r.ResidualLikelihood), strconv.Itoa(*u.ResidualLikelihood), "")
		r.ResidualLikelihood = *u.ResidualLikelihood
	}
	if u.ResidualImpact != nil {
		set("residual impact", strconv.Itoa(r.ResidualImpact), strconv.Itoa(*u.ResidualImpact), "")
		r.ResidualImpact = *u.ResidualImpact
	}
	if r.ResidualLikelihood > 0 && r.ResidualImpact > 0 {
		r.ResidualLevel = cat.Level(r.ResidualLikelihood, r.ResidualImpact)
	}
	str := func(field string, dst *string, p *string) {
		if p != nil {
			set(field, *dst, *p, "")
			*dst = *p
		}
	}
	if u.Due != nil && *u.Due != "" {
		if _, err := time.Parse("2006-01-02", *u.Due); err != nil {
			return nil, hipaa.Errorf(hipaa.EInvalid, "due date %q is not a date: use YYYY-MM-DD", *u.Due)
		}
	}
	if u.Effort != nil && *u.Effort != "low" && *u.Effort != "medium" && *u.Effort != "high" {
		return nil, hipaa.Errorf(hipaa.EInvalid, "effort %q is not valid: use low, medium or high", *u.Effort)
	}
	str("owner", &r.Owner, u.Owner)
	str("due", &r.Due, u.Due)
	str("planned controls", &r.PlannedControls, u.PlannedControls)
	str("effort", &r.Effort, u.Effort)
	str("approver", &r.Approver, u.Approver)
	str("acceptance rationale", &r.AcceptanceRationale, u.AcceptanceRationale)
	if u.Treatment != nil {
		set("treatment", string(r.Treatment), string(*u.Treatment), "")
		r.Treatment = *u.Treatment
	}
	if u.Status != nil {
		set("status", string(r.Status), string(*u.Status), "")
		r.Status = *u.Status
	}
	if r.Treatment == hipaa.TreatAccept {
		if r.Approver == "" || r.AcceptanceRationale == "" {
			return nil, hipaa.Errorf(hipaa.EInvalid, "accepting risk %s needs a named approver and a rationale: add --approver \"Name\" --acceptance-rationale \"why this risk is acceptable\"", r.ID)
		}
		if u.Status == nil && r.Status == hipaa.RiskOpen {
			set("status", string(r.Status), string(hipaa.RiskAccepted), "risk accepted")
			r.Status = hipaa.RiskAccepted
		}
	}
	if r.Status == hipaa.RiskAccepted && r.Treatment != hipaa.TreatAccept {
		return nil, hipaa.Errorf(hipaa.EInvalid, "status accepted needs treatment accept, with an approver and rationale")
	}
	return ch, nil
}

// PlanAction is one line of the risk management plan: the fix for one
// vulnerability, covering every risk (threat) that vulnerability raises.
type PlanAction struct {
	Vulnerability string           `json:"vulnerability"`
	Title         string           `json:"title"`
	Action        string           `json:"action"`
	Level         hipaa.Level      `json:"level"`
	Due           string           `json:"due"`
	Owner         string           `json:"owner"`
	Status        hipaa.RiskStatus `json:"status"`
	Treatment     hipaa.Treatment  `json:"treatment"`
	Effort        string           `json:"effort"`
	Citations     []string         `json:"citations"`
	Risks         []string         `json:"risks"`
	Threats       []string         `json:"threats"`
}

// statusOrder ranks statuses by how much work is left, most first.
var statusOrder = map[hipaa.RiskStatus]int{hipaa.RiskOpen: 3, hipaa.RiskInProgress: 2, hipaa.RiskAccepted: 1, hipaa.RiskDone: 0}

// BuildPlan groups risks into plan actions by vulnerability: the level is the
// highest of its risks, the due date the earliest, the status the one with the
// most work left, and the owner and planned controls those of its most
// serious risk; every distinct owner is named. Actions are ordered by level, then due date.
func BuildPlan(cat *catalog.Catalog, risks []*hipaa.Risk) []PlanAction {
	sorted := append([]*hipaa.Risk{}, risks...)
	SortRisks(sorted)
	index := map[string]int{}
	var out []PlanAction
	for _, r := range sorted {
		i, ok := index[r.VulnerabilityID]
		if !ok {
			title := r.Title
			if v, ok := cat.Vulnerability(r.VulnerabilityID); ok {
				title = v.Title
			}
			out = append(out, PlanAction{Vulnerability: r.VulnerabilityID, Title: title, Action: r.PlannedControls, Level: r.Level,
				Due: r.Due, Owner: r.Owner, Status: r.Status, Treatment: r.Treatment, Effort: r.Effort, Citations: []string{}, Risks: []string{}, Threats: []string{}})
			i = len(out) - 1
			index[r.VulnerabilityID] = i
		}
		a := &out[i]
		a.Risks = append(a.Risks, r.ID)
		if t, ok := cat.Threat(r.ThreatID); ok {
			a.Threats = union(a.Threats, []string{t.Name})
		}
		a.Citations = union(a.Citations, r.Citations)
		if r.Owner != "" && !strings.Contains("; "+a.Owner+"; ", "; "+r.Owner+"; ") {
			if a.Owner != "" {
				a.Owner += "; "
			}
			a.Owner += r.Owner
		}
		if r.Due != "" && (a.Due == "" || r.Due < a.Due) {
			a.Due = r.Due
		}
		if statusOrder[r.Status] > statusOrder[a.Status] {
			a.Status = r.Status
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Level.Rank() != out[j].Level.Rank() {
			return out[i].Level.Rank() > out[j].Level.Rank()
		}
		return out[i].Due < out[j].Due
	})
	return out
}
