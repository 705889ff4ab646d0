package web

import (
	"fmt"
	"net/http"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/assess"
	"github.com/safeguard-hipaa/safeguard/internal/auth"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// quickValues are the answers the quick check offers: "not applicable" needs
// a written reason, which belongs in the full questionnaire.
var quickValues = []hipaa.AnswerValue{hipaa.AnswerYes, hipaa.AnswerPartial, hipaa.AnswerNo, hipaa.AnswerUnknown}

// quickQuestion is one quick-check question with its answer so far.
type quickQuestion struct {
	Q       *hipaa.Question
	N       int
	Value   string
	Options []hipaa.Option
	Error   string
}

type quickData struct {
	Questions  []*quickQuestion
	Result     *assess.QuickResult
	Assessment *hipaa.Assessment
	CanWrite   bool
	Finalized  bool // the latest assessment is finalized: answering starts a new draft
}

// quickData loads the quick-check questions with the current draft's answers.
func (s *Server) quickData(r *http.Request) (*quickData, map[string]hipaa.Answer, error) {
	ctx := r.Context()
	svc := s.service(r)
	d := &quickData{CanWrite: info(r).Role.Allows(auth.PermWrite)}
	answers := map[string]hipaa.Answer{}
	a, err := svc.Current(ctx, "")
	if err != nil && !hipaa.IsNotFound(err) {
		return nil, nil, err
	}
	if a != nil {
		d.Assessment = a
		d.Finalized = a.Status != hipaa.StatusDraft
		if answers, err = svc.Scope.Answers(ctx, a.ID); err != nil {
			return nil, nil, err
		}
	}
	for i, id := range s.cat.QuickCheck {
		q, ok := s.cat.Question(id)
		if !ok {
			continue
		}
		qq := &quickQuestion{Q: q, N: i + 1}
		for _, v := range quickValues {
			if o, ok := q.Option(v); ok {
				qq.Options = append(qq.Options, o)
			}
		}
		if an, ok := answers[id]; ok {
			qq.Value = string(an.Value)
		}
		d.Questions = append(d.Questions, qq)
	}
	if res := assess.QuickCheck(s.cat, answers); res.Answered > 0 {
		d.Result = res
	}
	return d, answers, nil
}

// quickcheckPage shows the dozen quick-check questions and, once some are
// answered, the provisional score and the three biggest gaps.
func (s *Server) quickcheckPage(w http.ResponseWriter, r *http.Request) {
	d, _, err := s.quickData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "quickcheck", s.newView(r, "Quick check", "quickcheck", d))
}

// quickcheckSubmit saves the quick-check answers into the draft assessment,
// starting one when there is none, so they carry into the full questionnaire.
func (s *Server) quickcheckSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := parseForm(r); err != nil {
		s.fail(w, r, err)
		return
	}
	d, old, err := s.quickData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	svc := s.service(r)
	var inputs []app.AnswerInput
	before, after := map[string]any{}, map[string]any{}
	bad := 0
	for _, qq := range d.Questions {
		id := qq.Q.ID
		val := r.PostFormValue("a_" + id)
		if val == "" || val == qq.Value {
			continue
		}
		prev := qq.Value
		qq.Value = val
		in := app.AnswerInput{QuestionID: id, Value: val}
		if o, ok := old[id]; ok {
			in.Note = o.Note // the quick check changes only the answer
		}
		if err := svc.CheckAnswer(in); err != nil {
			qq.Error = fieldMessage(err, id)
			bad++
			continue
		}
		inputs = append(inputs, in)
		before[id], after[id] = map[string]any{"value": prev}, map[string]any{"value": val}
	}
	if bad > 0 {
		v := s.newView(r, "Quick check", "quickcheck", d)
		v.Error = fmt.Sprintf("%d answer(s) need attention; nothing was saved yet.", bad)
		s.render(w, r, http.StatusUnprocessableEntity, "quickcheck", v)
		return
	}
	pid := "/p/" + info(r).Practice.ID
	if len(inputs) == 0 {
		s.sessions.Put(ctx, sessFlash, "Choose an answer for at least one question, then press “Show my score”.")
		redirect(w, r, pid+"/quickcheck")
		return
	}
	a := d.Assessment
	if a == nil || a.Status != hipaa.StatusDraft {
		if a, err = svc.StartAssessment(ctx, "", false); err != nil {
			s.fail(w, r, err)
			return
		}
		s.record(r, "assessment.started", a.ID, nil, map[string]any{"title": a.Title, "previous": a.PreviousID, "from": "quick check"})
	}
	if err := svc.Answer(ctx, a.ID, inputs); err != nil {
		s.fail(w, r, err)
		return
	}
	s.record(r, "answers.saved", a.ID, before, after)
	s.sessions.Put(ctx, sessFlash, fmt.Sprintf("Saved %d answer(s). They are part of your questionnaire now.", len(inputs)))
	redirect(w, r, pid+"/quickcheck#result")
}
