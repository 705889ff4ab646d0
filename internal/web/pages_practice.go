package web

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/assess"
	"github.com/safeguard-hipaa/safeguard/internal/auth"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// dashData is the dashboard.
type dashData struct {
	Assessment *hipaa.Assessment
	Status     *app.Status
	Heat       [5][5]heatCell // [impact 5..1][likelihood 1..5] for drawing top-down
	Levels     []levelCount
	Overdue    []store.RiskBrief
	Next       []nextStep
	Open       int
	CanWrite   bool
	Trend      []store.Snapshot
	Points     string // the trend line, as SVG polyline points in a 300×80 box
	Cont       *continuous
}

// trendPoints draws scores (0–100) as polyline points across a 300×80 box.
func trendPoints(list []store.Snapshot) string {
	var b strings.Builder
	for i, sn := range list {
		x := 10 + i*280/max(1, len(list)-1)
		y := 75 - sn.Score*70/100
		fmt.Fprintf(&b, "%d,%d ", x, y)
	}
	return strings.TrimSpace(b.String())
}

type heatCell struct {
	Likelihood, Impact, Count int
	Level                     hipaa.Level
}

type levelCount struct {
	Level hipaa.Level
	Count int
}

type nextStep struct {
	Text, Href, Action string
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	in := info(r)
	svc := s.service(r)
	d := &dashData{CanWrite: in.Role.Allows(auth.PermWrite)}
	pid := "/p/" + in.Practice.ID
	a, err := svc.Current(ctx, "")
	if err != nil && !hipaa.IsNotFound(err) {
		s.fail(w, r, err)
		return
	}
	var answers map[string]hipaa.Answer
	if a != nil {
		if answers, err = svc.Scope.Answers(ctx, a.ID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if d.Cont, err = s.continuousPart(ctx, svc, in.Role, answers); err != nil {
		s.fail(w, r, err)
		return
	}
	if a == nil {
		d.Next = append(d.Next, nextStep{Text: "Start your first security risk analysis. It is the first document a HIPAA auditor asks for (164.308(a)(1)(ii)(A)).", Href: pid + "/assessment", Action: "Start"})
		s.render(w, r, http.StatusOK, "dashboard", s.newView(r, "Dashboard", "dashboard", d))
		return
	}
	d.Assessment = a
	today := app.Today(in.Practice, s.db.Now())
	sum, err := s.summaries.get(ctx, svc, a, today)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st := sum.status
	d.Status = st
	if trend, err := svc.Trend(ctx); err == nil && len(trend) >= 2 {
		if len(trend) > 12 {
			trend = trend[len(trend)-12:]
		}
		d.Trend, d.Points = trend, trendPoints(trend)
	}
	for i := range 5 {
		for j := range 5 {
			imp, lik := 5-i, j+1
			d.Heat[i][j] = heatCell{Likelihood: lik, Impact: imp, Level: s.cat.Level(lik, imp)}
		}
	}
	for _, rk := range sum.risks {
		if rk.Likelihood >= 1 && rk.Likelihood <= 5 && rk.Impact >= 1 && rk.Impact <= 5 {
			d.Heat[5-rk.Impact][rk.Likelihood-1].Count++
		}
		open := rk.Status != hipaa.RiskDone && rk.Status != hipaa.RiskAccepted
		if open {
			d.Open++
		}
		if open && rk.Due != "" && rk.Due < today {
			d.Overdue = append(d.Overdue, rk)
		}
	}
	sort.SliceStable(d.Overdue, func(i, j int) bool { return d.Overdue[i].Due < d.Overdue[j].Due })
	if len(d.Overdue) > 10 {
		d.Overdue = d.Overdue[:10]
	}
	for i := len(hipaa.Levels) - 1; i >= 0; i-- {
		l := hipaa.Levels[i]
		d.Levels = append(d.Levels, levelCount{Level: l, Count: st.RisksByLevel[l]})
	}
	if a.Status == hipaa.StatusDraft {
		if left := st.Applicable - st.Answered; left > 0 {
			d.Next = append(d.Next, nextStep{Text: fmt.Sprintf("Answer the remaining %d question(s) of the questionnaire.", left), Href: pid + "/assessment", Action: "Continue"})
		}
	} else {
		d.Next = append(d.Next, nextStep{Text: "This risk analysis is finalized. Start the next one when something changes, and at least once a year.", Href: pid + "/assessment", Action: "Open"})
	}
	if n := len(d.Overdue); n > 0 {
		d.Next = append(d.Next, nextStep{Text: fmt.Sprintf("%d planned action(s) are past their due date: finish them or set a new date with a reason.", n), Href: pid + "/plan", Action: "Review plan"})
	}
	if c := st.RisksByLevel[hipaa.LevelCritical] + st.RisksByLevel[hipaa.LevelHigh]; c > 0 {
		d.Next = append(d.Next, nextStep{Text: fmt.Sprintf("Work on the %d critical and high risk(s) first.", c), Href: pid + "/risks?min=high", Action: "See risks"})
	}
	for _, wmsg := range st.Warnings {
		d.Next = append(d.Next, nextStep{Text: wmsg})
	}
	s.render(w, r, http.StatusOK, "dashboard", s.newView(r, "Dashboard", "dashboard", d))
}

// sectionSummary is one section on the questionnaire overview.
type sectionSummary struct {
	ID, Title, Intro string
	Total, Answered  int
}

type assessmentData struct {
	Assessment  *hipaa.Assessment
	Status      *app.Status
	Sections    []sectionSummary
	CanWrite    bool
	CanFinalize bool
	NextID      string
}

func (s *Server) assessmentPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	in := info(r)
	svc := s.service(r)
	d := &assessmentData{CanWrite: in.Role.Allows(auth.PermWrite), CanFinalize: in.Role.Allows(auth.PermManage)}
	a, err := svc.Current(ctx, "")
	if err != nil && !hipaa.IsNotFound(err) {
		s.fail(w, r, err)
		return
	}
	if a != nil {
		d.Assessment = a
		if d.Status, err = svc.Status(ctx, a.ID); err != nil {
			s.fail(w, r, err)
			return
		}
		unanswered := map[string]bool{}
		for _, id := range d.Status.Unanswered {
			unanswered[id] = true
		}
		answers, err := svc.Scope.Answers(ctx, a.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, sec := range s.cat.Sections {
			sum := sectionSummary{ID: sec.ID, Title: sec.Title, Intro: sec.Intro}
			for _, q := range s.cat.QuestionsIn(sec.ID) {
				if unanswered[q.ID] {
					sum.Total++
				} else if _, ok := answers[q.ID]; ok {
					sum.Total++
					sum.Answered++
				}
			}
			if sum.Total > 0 && sum.Answered < sum.Total && d.NextID == "" {
				d.NextID = sec.ID
			}
			d.Sections = append(d.Sections, sum)
		}
	}
	s.render(w, r, http.StatusOK, "assessment", s.newView(r, "Questionnaire", "assessment", d))
}

func (s *Server) assessmentStart(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		s.fail(w, r, err)
		return
	}
	svc := s.service(r)
	a, err := svc.StartAssessment(r.Context(), strings.TrimSpace(r.PostFormValue("title")), r.PostFormValue("fresh") == "on")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.record(r, "assessment.started", a.ID, nil, map[string]any{"title": a.Title, "previous": a.PreviousID})
	s.sessions.Put(r.Context(), sessFlash, "A new risk analysis has started. Work through the sections below; your answers are saved as you go.")
	redirect(w, r, "/p/"+info(r).Practice.ID+"/assessment")
}

// assessmentFinalize signs off the current draft, making it a fixed record.
func (s *Server) assessmentFinalize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := parseForm(r); err != nil {
		s.fail(w, r, err)
		return
	}
	svc := s.service(r)
	a, err := svc.Current(ctx, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if a.Status != hipaa.StatusDraft {
		s.fail(w, r, hipaa.Errorf(hipaa.EConflict, "this risk analysis is already finalized"))
		return
	}
	by := strings.TrimSpace(r.PostFormValue("by"))
	out, err := svc.Finalize(ctx, a.ID, by)
	if err != nil {
		if statusOf(err) >= 500 {
			s.fail(w, r, err)
			return
		}
		s.sessions.Put(ctx, sessFlash, "Not finalized: "+hipaa.ErrorMessage(err))
		redirect(w, r, "/p/"+info(r).Practice.ID+"/assessment")
		return
	}
	s.record(r, "assessment.finalized", a.ID, map[string]any{"status": a.Status}, map[string]any{"status": out.Status, "by": by})
	s.sessions.Put(ctx, sessFlash, "The risk analysis is finalized and signed off by "+by+". Keep it for six years (164.316(b)(2)(i)).")
	redirect(w, r, "/p/"+info(r).Practice.ID+"/assessment")
}

// questionView is one question on a section page, with what was typed.
type questionView struct {
	Q             *hipaa.Question
	Value         string
	Note          string
	Justification string
	Error         string
	Applies       bool
	By            string
	Evidence      []*store.Evidence
	Block         evidenceBlock
}

type sectionData struct {
	Assessment *hipaa.Assessment
	Section    *hipaa.Section
	Questions  []*questionView
	Index      int
	Count      int
	PrevID     string
	NextID     string
	CanWrite   bool
	Answered   int
	Total      int
	MaxUpload  string
}

func (s *Server) sectionData(r *http.Request) (*sectionData, error) {
	ctx := r.Context()
	in := info(r)
	svc := s.service(r)
	sec, ok := s.cat.Section(r.PathValue("section"))
	if !ok {
		return nil, hipaa.Errorf(hipaa.ENotFound, "there is no questionnaire section %q", r.PathValue("section"))
	}
	a, err := svc.Current(ctx, "")
	if err != nil {
		return nil, err
	}
	d := &sectionData{Assessment: a, Section: sec, CanWrite: in.Role.Allows(auth.PermWrite) && a.Status == hipaa.StatusDraft, Count: len(s.cat.Sections)}
	for i, x := range s.cat.Sections {
		if x.ID == sec.ID {
			d.Index = i + 1
			if i > 0 {
				d.PrevID = s.cat.Sections[i-1].ID
			}
			if i+1 < len(s.cat.Sections) {
				d.NextID = s.cat.Sections[i+1].ID
			}
		}
	}
	answers, err := svc.Scope.Answers(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	values := map[string]hipaa.AnswerValue{}
	for id, an := range answers {
		values[id] = an.Value
	}
	files, err := svc.Scope.EvidenceList(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	byQuestion := map[string][]*store.Evidence{}
	for _, f := range files {
		byQuestion[f.QuestionID] = append(byQuestion[f.QuestionID], f)
	}
	d.MaxUpload = sizeLabel(s.cfg.MaxUpload)
	for _, q := range s.cat.QuestionsIn(sec.ID) {
		qv := &questionView{Q: q, Applies: q.Applies(values), Evidence: byQuestion[q.ID]}
		qv.Block = evidenceBlock{PracticeID: in.Practice.ID, QuestionID: q.ID, Files: qv.Evidence, CanWrite: d.CanWrite, MaxUpload: d.MaxUpload}
		if an, ok := answers[q.ID]; ok {
			qv.Value, qv.Note, qv.Justification, qv.By = string(an.Value), an.Note, an.Justification, an.AnsweredBy
		}
		if qv.Applies {
			d.Total++
			if qv.Value != "" {
				d.Answered++
			}
		}
		d.Questions = append(d.Questions, qv)
	}
	return d, nil
}

func (s *Server) sectionPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.sectionData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "section", s.newView(r, d.Section.Title, "assessment", d))
}

func (s *Server) sectionSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := parseForm(r); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.sectionData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Assessment.Status != hipaa.StatusDraft {
		s.fail(w, r, hipaa.Errorf(hipaa.EConflict, "this risk analysis is finalized and cannot change: start a new one from the questionnaire page"))
		return
	}
	svc := s.service(r)
	var inputs []app.AnswerInput
	before, after := map[string]any{}, map[string]any{}
	bad := 0
	for _, qv := range d.Questions {
		id := qv.Q.ID
		val := r.PostFormValue("a_" + id)
		note, just := r.PostFormValue("note_"+id), r.PostFormValue("just_"+id)
		changed := val != qv.Value || strings.TrimSpace(note) != qv.Note || strings.TrimSpace(just) != qv.Justification
		old := map[string]any{"value": qv.Value, "note": qv.Note, "justification": qv.Justification}
		qv.Value, qv.Note, qv.Justification = val, note, just
		if val == "" || !changed {
			continue
		}
		in := app.AnswerInput{QuestionID: id, Value: val, Note: note, Justification: just}
		if err := svc.CheckAnswer(in); err != nil {
			qv.Error = fieldMessage(err, id)
			bad++
			continue
		}
		inputs = append(inputs, in)
		before[id], after[id] = old, map[string]any{"value": val, "note": strings.TrimSpace(note), "justification": strings.TrimSpace(just)}
	}
	if bad > 0 {
		v := s.newView(r, d.Section.Title, "assessment", d)
		v.Error = fmt.Sprintf("%d answer(s) need attention; nothing on this page was saved yet. See the messages beside the questions.", bad)
		s.render(w, r, http.StatusUnprocessableEntity, "section", v)
		return
	}
	if len(inputs) > 0 {
		if err := svc.Answer(ctx, d.Assessment.ID, inputs); err != nil {
			s.fail(w, r, err)
			return
		}
		s.record(r, "answers.saved", d.Assessment.ID, before, after)
	}
	pid := "/p/" + info(r).Practice.ID
	if r.PostFormValue("go") == "next" && d.NextID != "" {
		s.sessions.Put(ctx, sessFlash, fmt.Sprintf("Saved %d answer(s) in “%s”.", len(inputs), d.Section.Title))
		redirect(w, r, pid+"/assessment/"+d.NextID)
		return
	}
	s.sessions.Put(ctx, sessFlash, fmt.Sprintf("Saved %d answer(s). You can leave and come back at any time.", len(inputs)))
	redirect(w, r, pid+"/assessment/"+d.Section.ID)
}

// fieldMessage drops the "question ID: " prefix of an answer error, since
// the message is shown beside that question.
func fieldMessage(err error, id string) string {
	m := hipaa.ErrorMessage(err)
	if _, rest, ok := strings.Cut(m, "question "+id+": "); ok {
		m = rest
	}
	if m != "" {
		m = strings.ToUpper(m[:1]) + m[1:]
	}
	return m
}

type risksData struct {
	Assessment *hipaa.Assessment
	Risks      []*hipaa.Risk
	Min        string
	Today      string
	Levels     []hipaa.Level
}

func (s *Server) risksPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	in := info(r)
	svc := s.service(r)
	a, err := svc.Current(ctx, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := store.RiskFilter{}
	min := r.URL.Query().Get("min")
	if min != "" {
		if l, err := hipaa.ParseLevel(min); err == nil {
			f.MinLevel = l
		} else {
			min = ""
		}
	}
	risks, err := svc.Scope.Risks(ctx, a.ID, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	assess.SortRisks(risks)
	d := &risksData{Assessment: a, Risks: risks, Min: min, Today: app.Today(in.Practice, s.db.Now()), Levels: hipaa.Levels}
	s.render(w, r, http.StatusOK, "risks", s.newView(r, "Risk register", "risks", d))
}

func (s *Server) planPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	in := info(r)
	svc := s.service(r)
	a, err := svc.Current(ctx, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	actions, err := svc.Plan(ctx, a.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := &planData{Assessment: a, Actions: actions, Today: app.Today(in.Practice, s.db.Now())}
	s.render(w, r, http.StatusOK, "plan", s.newView(r, "Risk management plan", "plan", d))
}

type planData struct {
	Assessment *hipaa.Assessment
	Actions    []assess.PlanAction
	Today      string
}

// riskForm holds the risk edit form as typed.
type riskForm struct {
	Treatment, Status, Owner, Due, PlannedControls, Effort, Approver, AcceptanceRationale string
	Likelihood, Impact, Rationale                                                         string
}

type riskData struct {
	Risk       *hipaa.Risk
	Active     bool
	History    []hipaa.RiskChange
	Form       riskForm
	CanWrite   bool
	Finalized  bool
	Treatments []hipaa.Treatment
	Statuses   []hipaa.RiskStatus
	Scale      []int
	Sources    []sourceView
}

type sourceView struct {
	Kind, Ref, Text, Note, Section string
}

func formOf(rk *hipaa.Risk) riskForm {
	return riskForm{Treatment: string(rk.Treatment), Status: string(rk.Status), Owner: rk.Owner, Due: rk.Due,
		PlannedControls: rk.PlannedControls, Effort: rk.Effort, Approver: rk.Approver, AcceptanceRationale: rk.AcceptanceRationale,
		Likelihood: strconv.Itoa(rk.Likelihood), Impact: strconv.Itoa(rk.Impact), Rationale: rk.OverrideRationale}
}

func (s *Server) riskData(r *http.Request) (*riskData, error) {
	ctx := r.Context()
	in := info(r)
	svc := s.service(r)
	rk, active, err := svc.Scope.Risk(ctx, r.PathValue("rid"))
	if err != nil {
		return nil, err
	}
	a, err := svc.Scope.Assessment(ctx, rk.AssessmentID)
	if err != nil {
		return nil, err
	}
	hist, err := svc.Scope.RiskHistory(ctx, rk.ID)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(hist, func(i, j int) bool { return hist[i].At.After(hist[j].At) })
	d := &riskData{Risk: rk, Active: active, History: hist, Form: formOf(rk), Finalized: a.Status == hipaa.StatusFinalized,
		Treatments: hipaa.Treatments, Statuses: hipaa.RiskStatuses, Scale: []int{1, 2, 3, 4, 5}}
	d.CanWrite = in.Role.Allows(auth.PermWrite) && !d.Finalized
	for _, src := range rk.Sources {
		sv := sourceView{Kind: src.Kind, Ref: src.Ref, Note: src.Note}
		if q, ok := s.cat.Question(src.Ref); ok && src.Kind == "answer" {
			sv.Text, sv.Section = q.Text, q.Section
		}
		d.Sources = append(d.Sources, sv)
	}
	return d, nil
}

func (s *Server) riskPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.riskData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "risk", s.newView(r, d.Risk.Title, "risks", d))
}

func (s *Server) riskSubmit(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.riskData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pf := r.PostFormValue
	f := riskForm{Treatment: pf("treatment"), Status: pf("status"), Owner: pf("owner"), Due: pf("due"), PlannedControls: pf("planned_controls"),
		Effort: pf("effort"), Approver: pf("approver"), AcceptanceRationale: pf("acceptance_rationale"),
		Likelihood: pf("likelihood"), Impact: pf("impact"), Rationale: pf("rationale")}
	u, field, err := updateFromForm(d.Risk, f)
	if err == nil {
		before := riskSnapshot(d.Risk)
		var out *hipaa.Risk
		out, err = s.service(r).UpdateRisk(r.Context(), d.Risk.ID, u)
		if err == nil {
			s.record(r, "risk.updated", d.Risk.ID, before, riskSnapshot(out))
			s.sessions.Put(r.Context(), sessFlash, "The risk was saved and the change is in its history.")
			redirect(w, r, "/p/"+info(r).Practice.ID+"/risks/"+d.Risk.ID)
			return
		}
		field = guessRiskField(err)
	}
	if statusOf(err) >= 500 || hipaa.ErrorCodeOf(err) == hipaa.ENotFound {
		s.fail(w, r, err)
		return
	}
	d.Form = f
	v := s.newView(r, d.Risk.Title, "risks", d)
	v.Error = "The risk was not saved: " + hipaa.ErrorMessage(err)
	if field != "" {
		v.Errors[field] = hipaa.ErrorMessage(err)
	}
	s.render(w, r, http.StatusUnprocessableEntity, "risk", v)
}

// updateFromForm turns the form into an update, setting only what changed.
func updateFromForm(rk *hipaa.Risk, f riskForm) (assess.Update, string, error) {
	var u assess.Update
	str := func(now string, was string) *string {
		now = strings.TrimSpace(now)
		if now == was {
			return nil
		}
		return &now
	}
	if f.Treatment != string(rk.Treatment) {
		t, err := hipaa.ParseTreatment(f.Treatment)
		if err != nil {
			return u, "treatment", err
		}
		u.Treatment = &t
	}
	if f.Status != string(rk.Status) {
		st, err := hipaa.ParseRiskStatus(f.Status)
		if err != nil {
			return u, "status", err
		}
		u.Status = &st
	}
	u.Owner, u.Due, u.PlannedControls = str(f.Owner, rk.Owner), str(f.Due, rk.Due), str(f.PlannedControls, rk.PlannedControls)
	u.Effort, u.Approver, u.AcceptanceRationale = str(f.Effort, rk.Effort), str(f.Approver, rk.Approver), str(f.AcceptanceRationale, rk.AcceptanceRationale)
	l, err1 := strconv.Atoi(f.Likelihood)
	i, err2 := strconv.Atoi(f.Impact)
	if err1 != nil || !hipaa.ValidScale(l) {
		return u, "likelihood", hipaa.Errorf(hipaa.EInvalid, "likelihood must be 1 to 5")
	}
	if err2 != nil || !hipaa.ValidScale(i) {
		return u, "impact", hipaa.Errorf(hipaa.EInvalid, "impact must be 1 to 5")
	}
	if l != rk.Likelihood || i != rk.Impact {
		u.Likelihood, u.Impact = &l, &i
		u.Rationale = strings.TrimSpace(f.Rationale)
	}
	return u, "", nil
}

// guessRiskField points an update error at the field it names.
func guessRiskField(err error) string {
	m := strings.ToLower(hipaa.ErrorMessage(err))
	for _, f := range []struct{ word, field string }{
		{"approver", "approver"}, {"rationale", "rationale"}, {"accept", "acceptance_rationale"}, {"due", "due"},
		{"owner", "owner"}, {"likelihood", "likelihood"}, {"impact", "impact"}, {"status", "status"}, {"treatment", "treatment"},
	} {
		if strings.Contains(m, f.word) {
			return f.field
		}
	}
	return ""
}

func riskSnapshot(rk *hipaa.Risk) map[string]any {
	return map[string]any{"likelihood": rk.Likelihood, "impact": rk.Impact, "level": rk.Level, "treatment": rk.Treatment,
		"status": rk.Status, "owner": rk.Owner, "due": rk.Due, "planned_controls": rk.PlannedControls, "effort": rk.Effort,
		"approver": rk.Approver, "acceptance_rationale": rk.AcceptanceRationale}
}
