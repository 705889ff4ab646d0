package report

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	oscal "github.com/defenseunicorns/go-oscal/src/types/oscal-1-1-3"
)

// OSCALVersion is the OSCAL version of the assessment results.
const OSCALVersion = oscal.Version

// OSCALNamespace is the namespace of Safeguard's own OSCAL properties and facets.
const OSCALNamespace = "https://safeguard-hipaa.github.io/ns/oscal"

// hipaaSource is where the Security Rule's text can be read.
const hipaaSource = "https://www.ecfr.gov/current/title-45/subtitle-A/subchapter-C/part-164/subpart-C"

// uuidSpace is the name space of the version-5 UUIDs in Safeguard's OSCAL
// output: the same assessment always gets the same identifiers.
var uuidSpace = [16]byte{0x6f, 0x2b, 0x1c, 0x53, 0x0e, 0x5d, 0x4b, 0x8a, 0x9a, 0x41, 0x57, 0x61, 0x66, 0x65, 0x67, 0x64}

// uuid5 returns the name-based (SHA-1, version 5) UUID of name.
func uuid5(name string) string {
	h := sha1.New()
	h.Write(uuidSpace[:])
	h.Write([]byte(name))
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// ControlToken turns a citation such as 164.308(a)(1)(ii)(A) into an OSCAL
// control ID: hipaa_164.308.a.1.ii.A.
func ControlToken(citation string) string {
	s := strings.NewReplacer(")(", ".", "(", ".", ")", "").Replace(citation)
	return "hipaa_" + s
}

// RenderOSCAL writes the assessment as OSCAL assessment results: one finding
// per assessable standard or specification, one observation per set of
// answers and per analyzer finding, and one risk per register entry with its
// likelihood, impact, level and planned remediation.
func RenderOSCAL(w io.Writer, m *Model) error {
	doc := oscal.OscalModels{AssessmentResults: buildOSCAL(m)}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// prop returns a Safeguard property, or nothing when the value is empty
// (OSCAL values may not be blank).
func prop(name, value string) []oscal.Property {
	value = strings.TrimSpace(oneLine(value))
	if value == "" {
		return nil
	}
	return []oscal.Property{{Name: name, Ns: OSCALNamespace, Value: value}}
}

func oprops(ps ...[]oscal.Property) *[]oscal.Property {
	var out []oscal.Property
	for _, p := range ps {
		out = append(out, p...)
	}
	if len(out) == 0 {
		return nil
	}
	return &out
}

// orText returns s, or def when s is blank: OSCAL titles and names may not be empty.
func orText(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return oneLine(s)
}

func dateTime(date string) *time.Time {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return nil
	}
	return &t
}

func buildOSCAL(m *Model) *oscal.AssessmentResults {
	id := func(parts ...string) string {
		return uuid5(m.Practice.ID + "|" + m.Assessment.ID + "|" + strings.Join(parts, "|"))
	}
	d := m.Document
	practiceUUID := uuid5(m.Practice.ID + "|practice")
	preparerUUID := id("party", "preparer", d.Preparer)
	parties := []oscal.Party{
		{UUID: practiceUUID, Type: "organization", Name: orText(m.Practice.Name, "Practice"),
			Props: oprops(prop("slug", m.Practice.Slug), prop("ehr-system", m.Practice.EHRSystem), prop("specialty", m.Practice.Specialty))},
		{UUID: preparerUUID, Type: "person", Name: orText(d.Preparer, "Not named"), MemberOfOrganizations: &[]string{practiceUUID}},
	}
	responsible := []oscal.ResponsibleParty{
		{RoleId: "prepared-for", PartyUuids: []string{practiceUUID}},
		{RoleId: "prepared-by", PartyUuids: []string{preparerUUID}},
	}
	if d.Approver != "" {
		approverUUID := id("party", "approver", d.Approver)
		parties = append(parties, oscal.Party{UUID: approverUUID, Type: "person", Name: oneLine(d.Approver), MemberOfOrganizations: &[]string{practiceUUID}})
		responsible = append(responsible, oscal.ResponsibleParty{RoleId: "approver", PartyUuids: []string{approverUUID}})
	}
	status := "draft"
	if d.Final {
		status = "final"
	}
	published := m.GeneratedAt
	meta := oscal.Metadata{
		Title:        orText(KindAll.Title()+" — "+m.Practice.Name+" — "+m.Assessment.Title, "Security risk analysis"),
		LastModified: m.GeneratedAt,
		Published:    &published,
		Version:      d.Version,
		OscalVersion: OSCALVersion,
		Roles: &[]oscal.Role{
			{ID: "prepared-for", Title: "Practice (covered entity)"},
			{ID: "prepared-by", Title: "Preparer of the risk analysis"},
			{ID: "approver", Title: "Approver of the risk analysis"},
		},
		Parties:            &parties,
		ResponsibleParties: &responsible,
		Props: oprops(prop("document-status", status), prop("document-date", d.Created), prop("effective-date", d.Effective),
			prop("superseded-date", d.SupersededOn), prop("retain-until", d.RetainUntil), prop("approved-on", d.ApprovedOn),
			prop("question-bank-version", d.QuestionBank), prop("generator", m.Generator)),
		Remarks: d.RetentionNote + " (45 CFR 164.316(b)(2)(i)).",
	}

	methodUUID := uuid5("safeguard|method|" + SchemaVersion)
	ruleUUID := uuid5("safeguard|hipaa-security-rule")
	back := oscal.BackMatter{Resources: &[]oscal.Resource{
		{UUID: methodUUID, Title: "Safeguard risk analysis method", Description: strings.Join(m.Method.Paragraphs, "\n\n") + "\n\n" + m.Method.DueNote},
		{UUID: ruleUUID, Title: "HIPAA Security Rule, 45 CFR Part 164, Subpart C", Rlinks: &[]oscal.ResourceLink{{Href: hipaaSource, MediaType: "text/html"}}},
	}}

	collected := m.GeneratedAt
	origin := []oscal.Origin{{Actors: []oscal.OriginActor{{Type: "party", ActorUuid: preparerUUID}}}}

	// Risks, keyed for the findings that relate to them.
	risksByCitation := map[string][]string{}
	var risks []oscal.Risk
	for _, r := range m.Risks {
		ru := id("risk", r.ID)
		for _, c := range r.Citations {
			risksByCitation[c] = append(risksByCitation[c], ru)
		}
		facets := []oscal.Facet{
			{Name: "likelihood", System: OSCALNamespace, Value: fmt.Sprint(r.Likelihood), Remarks: scaleWord(r.Likelihood)},
			{Name: "impact", System: OSCALNamespace, Value: fmt.Sprint(r.Impact), Remarks: scaleWord(r.Impact)},
			{Name: "risk", System: OSCALNamespace, Value: orText(r.Level, "unrated")},
		}
		if r.ResidualLevel != "" {
			facets = append(facets, oscal.Facet{Name: "residual-risk", System: OSCALNamespace, Value: r.ResidualLevel})
		}
		statement := fmt.Sprintf("%s Likelihood %d (%s) and impact %d (%s) make this risk %s.", orText(r.ThreatDescription, r.Threat+"."),
			r.Likelihood, scaleWord(r.Likelihood), r.Impact, scaleWord(r.Impact), r.Level)
		if r.OverrideRationale != "" {
			statement += " The assessor changed the rating: " + r.OverrideRationale
		}
		risk := oscal.Risk{
			UUID: ru, Title: orText(r.Title, r.ID), Description: orText(r.VulnerabilityDescription, r.Vulnerability),
			Statement: statement, Status: oscalRiskStatus(r.Status),
			Props: oprops(prop("risk-id", r.ID), prop("citations", strings.Join(r.Citations, ", ")), prop("owner", r.Owner),
				prop("treatment", r.Treatment), prop("ephi", strings.Join(r.EPHI, ", ")), prop("assets", strings.Join(r.Assets, ", "))),
			Characterizations: &[]oscal.Characterization{{Origin: origin[0], Facets: facets}},
			ThreatIds:         &[]oscal.ThreatId{{System: OSCALNamespace, ID: OSCALNamespace + "/threats/" + r.ThreatID}},
			Deadline:          dateTime(r.Due),
		}
		if strings.TrimSpace(r.PlannedControls) != "" {
			lifecycle := "planned"
			if r.Status == "done" {
				lifecycle = "completed"
			}
			risk.Remediations = &[]oscal.Response{{UUID: id("remediation", r.ID), Lifecycle: lifecycle, Title: "Planned action",
				Description: r.PlannedControls, Props: oprops(prop("owner", r.Owner), prop("effort", r.Effort), prop("due", r.Due))}}
		}
		if r.AcceptanceRationale != "" {
			accepted := oprops(prop("accepted-by", r.Approver), prop("acceptance-rationale", r.AcceptanceRationale))
			*risk.Props = append(*risk.Props, *accepted...)
		}
		risks = append(risks, risk)
	}

	// Observations: the answers behind each control, and each analyzer finding.
	var observations []oscal.Observation
	var findings []oscal.Finding
	var selected []oscal.AssessedControlsSelectControlById
	for _, c := range m.Controls {
		selected = append(selected, oscal.AssessedControlsSelectControlById{ControlId: ControlToken(c.Citation)})
		if c.Kind == "standard" && len(c.Answers) == 0 && c.Requirement == "" {
			continue // judged through its specifications
		}
		var related []oscal.RelatedObservation
		if len(c.Answers) > 0 {
			var lines []string
			for _, a := range c.Answers {
				l := fmt.Sprintf("- %s %s: %s", a.QuestionID, a.Question, a.Answer)
				if a.Note != "" {
					l += " (" + a.Note + ")"
				}
				lines = append(lines, l)
			}
			ou := id("observation", c.Citation)
			observations = append(observations, oscal.Observation{UUID: ou, Title: "Answers for " + c.Citation,
				Description: "The practice's answers to the questions that cite " + c.Citation + ":\n\n" + strings.Join(lines, "\n"),
				Methods:     []string{"INTERVIEW"}, Collected: collected, Origins: &origin})
			related = append(related, oscal.RelatedObservation{ObservationUuid: ou})
		}
		state, reason, impl := oscalState(c.State)
		f := oscal.Finding{UUID: id("finding", c.Citation), Title: c.Citation + " " + orText(c.Title, c.Citation),
			Description: fmt.Sprintf("%s (%s): %s.", c.Citation, reqLabel(c.Requirement), c.State),
			Target: oscal.FindingTarget{Type: "objective-id", TargetId: ControlToken(c.Citation),
				Status:               oscal.ObjectiveStatus{State: state, Reason: reason},
				ImplementationStatus: &oscal.ImplementationStatus{State: impl}},
			Props: oprops(prop("citation", c.Citation), prop("requirement", c.Requirement), prop("family", c.Family),
				prop("state", c.State), prop("open-risks", fmt.Sprint(c.Risks)))}
		if len(related) > 0 {
			f.RelatedObservations = &related
		}
		if rs := risksByCitation[c.Citation]; len(rs) > 0 {
			var ar []oscal.AssociatedRisk
			for _, u := range rs {
				ar = append(ar, oscal.AssociatedRisk{RiskUuid: u})
			}
			f.RelatedRisks = &ar
		}
		findings = append(findings, f)
	}
	for _, x := range m.Findings {
		desc := x.Title
		if x.Subject != "" {
			desc += ": " + x.Subject
		}
		desc += fmt.Sprintf(". Rule %s, severity %s, status %s, last seen %s.", x.Rule, x.Severity, x.Status, x.LastSeen)
		observations = append(observations, oscal.Observation{UUID: id("analyzer-finding", x.ID), Title: orText(x.Title, x.Rule),
			Description: desc, Methods: []string{"TEST"}, Types: &[]string{"finding"}, Collected: collected,
			Props: oprops(prop("finding-id", x.ID), prop("rule", x.Rule), prop("source", x.Source), prop("severity", x.Severity),
				prop("citations", strings.Join(x.Citations, ", ")))})
	}
	for _, c := range m.Contradictions {
		observations = append(observations, oscal.Observation{UUID: id("contradiction", c.QuestionID, c.FindingID),
			Title:       "Answer contradicted by evidence: " + c.QuestionID,
			Description: fmt.Sprintf("The practice answered %q to %q, but %s (%s).", c.Answer, c.Question, orText(c.Finding, c.Rule), c.Subject),
			Methods:     []string{"TEST"}, Types: &[]string{"control-objective"}, Collected: collected,
			Props: oprops(prop("question-id", c.QuestionID), prop("finding-id", c.FindingID), prop("rule", c.Rule))})
	}

	res := oscal.Result{
		UUID:  id("result", d.Version),
		Title: orText(m.Assessment.Title, "Security risk analysis"),
		Description: fmt.Sprintf("HIPAA Security Rule risk analysis of %s (45 CFR 164.308(a)(1)(ii)(A)). Score %d of 100; %d risks (%d critical, %d high, %d moderate, %d low).",
			orText(m.Practice.Name, "the practice"), m.Score.Overall, m.RiskCounts.Total, m.RiskCounts.Critical, m.RiskCounts.High,
			m.RiskCounts.Moderate, m.RiskCounts.Low),
		Start: m.Assessment.StartedAt,
		End:   m.Assessment.FinalizedAt,
		ReviewedControls: oscal.ReviewedControls{
			Description:       "Every standard and implementation specification of 45 CFR 164.308 to 164.316.",
			ControlSelections: []oscal.AssessedControls{{IncludeControls: &selected}},
		},
		Props: oprops(prop("score", fmt.Sprint(m.Score.Overall)), prop("assessment-id", m.Assessment.ID),
			prop("questions-answered", fmt.Sprintf("%d of %d", m.Progress.Answered, m.Progress.Applicable))),
	}
	if len(observations) > 0 {
		res.Observations = &observations
	}
	if len(findings) > 0 {
		res.Findings = &findings
	}
	if len(risks) > 0 {
		res.Risks = &risks
	}
	return &oscal.AssessmentResults{
		UUID:       id("assessment-results", d.Version, m.GeneratedAt.Format(time.RFC3339)),
		Metadata:   meta,
		ImportAp:   oscal.ImportAp{Href: "#" + methodUUID, Remarks: "Safeguard's questionnaire and evidence method stands in for a separate assessment plan; it is described in the back matter."},
		Results:    []oscal.Result{res},
		BackMatter: &back,
	}
}

// oscalState maps a control state to an objective status, its reason, and an implementation status.
func oscalState(s string) (state, reason, impl string) {
	switch stateClass(s) {
	case "ok":
		return "satisfied", "pass", "implemented"
	case "part":
		return "not-satisfied", "fail", "partial"
	case "na":
		return "satisfied", "other", "not-applicable"
	case "todo":
		return "not-satisfied", "other", "planned"
	}
	return "not-satisfied", "fail", "planned"
}

// oscalRiskStatus maps a plan status to an OSCAL risk status.
func oscalRiskStatus(s string) string {
	switch s {
	case "in_progress":
		return "remediating"
	case "done":
		return "closed"
	case "accepted":
		return "deviation-approved"
	}
	return "open"
}
