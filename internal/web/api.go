package web

import (
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/assess"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

//go:embed openapi.json
var openapiDoc []byte

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openapiDoc)
}

// decode reads a JSON body strictly.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge(mbe.Limit)
		}
		if errors.Is(err, io.EOF) {
			return hipaa.Errorf(hipaa.EInvalid, "the request body is empty: send a JSON object")
		}
		msg := err.Error()
		if strings.HasPrefix(msg, "json: unknown field") {
			return hipaa.Errorf(hipaa.EInvalid, "request body: %s: see /api/v1/openapi.json", strings.TrimPrefix(msg, "json: "))
		}
		return hipaa.Errorf(hipaa.EInvalid, "the request body is not valid JSON for this call: see /api/v1/openapi.json")
	}
	return nil
}

func (s *Server) apiPractices(w http.ResponseWriter, r *http.Request) {
	in := info(r)
	ms, err := s.db.Memberships(r.Context(), in.User.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	type item struct {
		*hipaa.Practice
		Role string `json:"role"`
	}
	out := []item{}
	for _, m := range ms {
		covered := false
		for _, p := range in.Token.Practices {
			covered = covered || p == m.PracticeID
		}
		if !covered {
			continue
		}
		p, err := s.db.FindPractice(r.Context(), m.PracticeID)
		if err != nil {
			continue
		}
		out = append(out, item{Practice: p, Role: m.Role})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiQuestions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"version": s.cat.Version, "sections": s.cat.Sections, "questions": s.cat.Questions})
}

func (s *Server) apiPractice(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, info(r).Practice)
}

func (s *Server) apiAssessments(w http.ResponseWriter, r *http.Request) {
	list, err := s.service(r).Scope.Assessments(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if list == nil {
		list = []*hipaa.Assessment{}
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) apiStartAssessment(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Title string `json:"title"`
		Fresh bool   `json:"fresh"`
	}
	if err := decode(r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.service(r).StartAssessment(r.Context(), body.Title, body.Fresh)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.record(r, "assessment.started", a.ID, nil, map[string]any{"title": a.Title, "previous": a.PreviousID})
	writeJSON(w, http.StatusCreated, a)
}

// assessment loads the assessment in the path, within the practice.
func (s *Server) assessment(r *http.Request) (*app.Service, *hipaa.Assessment, error) {
	svc := s.service(r)
	a, err := svc.Scope.Assessment(r.Context(), r.PathValue("aid"))
	return svc, a, err
}

func (s *Server) apiAssessment(w http.ResponseWriter, r *http.Request) {
	svc, a, err := s.assessment(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := svc.Status(r.Context(), a.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) apiAnswers(w http.ResponseWriter, r *http.Request) {
	svc, a, err := s.assessment(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ans, err := svc.Scope.Answers(r.Context(), a.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []hipaa.Answer{}
	for _, q := range s.cat.Questions {
		if x, ok := ans[q.ID]; ok {
			out = append(out, x)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// answerIn is one answer in a PUT body.
type answerIn struct {
	QuestionID    string `json:"question_id"`
	Value         string `json:"value"`
	Note          string `json:"note"`
	Justification string `json:"justification"`
}

func (s *Server) apiPutAnswers(w http.ResponseWriter, r *http.Request) {
	svc, a, err := s.assessment(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var body struct {
		Answers []answerIn `json:"answers"`
	}
	if err := decode(r, &body); err != nil {
		s.fail(w, r, err)
		return
	}
	if len(body.Answers) == 0 {
		s.fail(w, r, hipaa.Errorf(hipaa.EInvalid, "answers is empty: send at least one {\"question_id\", \"value\"}"))
		return
	}
	old, err := svc.Scope.Answers(r.Context(), a.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in []app.AnswerInput
	before, after := map[string]any{}, map[string]any{}
	for i, x := range body.Answers {
		in = append(in, app.AnswerInput{QuestionID: x.QuestionID, Value: x.Value, Note: x.Note, Justification: x.Justification, Where: "answers[" + itoa(i) + "]"})
		if o, ok := old[x.QuestionID]; ok {
			before[x.QuestionID] = map[string]any{"value": o.Value, "note": o.Note, "justification": o.Justification}
		}
		after[x.QuestionID] = map[string]any{"value": x.Value, "note": x.Note, "justification": x.Justification}
	}
	if a.Status != hipaa.StatusDraft {
		s.fail(w, r, hipaa.Errorf(hipaa.EConflict, "assessment %s is finalized and cannot change: start a new one", a.ID))
		return
	}
	if err := svc.Answer(r.Context(), a.ID, in); err != nil {
		s.fail(w, r, err)
		return
	}
	s.record(r, "answers.saved", a.ID, before, after)
	st, err := svc.Status(r.Context(), a.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func (s *Server) apiRisks(w http.ResponseWriter, r *http.Request) {
	svc, a, err := s.assessment(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := store.RiskFilter{IncludeInactive: r.URL.Query().Get("all") == "true"}
	if m := r.URL.Query().Get("min_level"); m != "" {
		l, err := hipaa.ParseLevel(m)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f.MinLevel = l
	}
	risks, err := svc.Scope.Risks(r.Context(), a.ID, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if risks == nil {
		risks = []*hipaa.Risk{}
	}
	writeJSON(w, http.StatusOK, risks)
}

func (s *Server) apiPlan(w http.ResponseWriter, r *http.Request) {
	svc, a, err := s.assessment(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	actions, err := svc.Plan(r.Context(), a.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if actions == nil {
		actions = []assess.PlanAction{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"assessment_id": a.ID, "due_note": assess.DueNote, "actions": actions})
}

func (s *Server) apiRisk(w http.ResponseWriter, r *http.Request) {
	svc := s.service(r)
	rk, active, err := svc.Scope.Risk(r.Context(), r.PathValue("rid"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	hist, err := svc.Scope.RiskHistory(r.Context(), rk.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if hist == nil {
		hist = []hipaa.RiskChange{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"risk": rk, "active": active, "history": hist})
}

// riskPatch is the body of PATCH /risks/{rid}; absent fields stay as they are.
type riskPatch struct {
	Likelihood          *int    `json:"likelihood"`
	Impact              *int    `json:"impact"`
	Rationale           string  `json:"rationale"`
	ResidualLikelihood  *int    `json:"residual_likelihood"`
	ResidualImpact      *int    `json:"residual_impact"`
	Treatment           *string `json:"treatment"`
	Status              *string `json:"status"`
	Owner               *string `json:"owner"`
	Due                 *string `json:"due"`
	PlannedControls     *string `json:"planned_controls"`
	Effort              *string `json:"effort"`
	Approver            *string `json:"approver"`
	AcceptanceRationale *string `json:"acceptance_rationale"`
	ClearOverride       bool    `json:"clear_override"`
}

func (s *Server) apiUpdateRisk(w http.ResponseWriter, r *http.Request) {
	var p riskPatch
	if err := decode(r, &p); err != nil {
		s.fail(w, r, err)
		return
	}
	u := assess.Update{Likelihood: p.Likelihood, Impact: p.Impact, Rationale: p.Rationale, ResidualLikelihood: p.ResidualLikelihood,
		ResidualImpact: p.ResidualImpact, Owner: p.Owner, Due: p.Due, PlannedControls: p.PlannedControls, Effort: p.Effort,
		Approver: p.Approver, AcceptanceRationale: p.AcceptanceRationale, ClearOverride: p.ClearOverride}
	if p.Treatment != nil {
		t, err := hipaa.ParseTreatment(*p.Treatment)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		u.Treatment = &t
	}
	if p.Status != nil {
		st, err := hipaa.ParseRiskStatus(*p.Status)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		u.Status = &st
	}
	svc := s.service(r)
	old, _, err := svc.Scope.Risk(r.Context(), r.PathValue("rid"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rk, err := svc.UpdateRisk(r.Context(), old.ID, u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.record(r, "risk.updated", rk.ID, riskSnapshot(old), riskSnapshot(rk))
	writeJSON(w, http.StatusOK, rk)
}

func (s *Server) apiFindings(w http.ResponseWriter, r *http.Request) {
	list, err := s.service(r).Scope.Findings(r.Context(), store.FindingFilter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if list == nil {
		list = []*hipaa.Finding{}
	}
	writeJSON(w, http.StatusOK, list)
}
