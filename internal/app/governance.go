package app

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/incident"
	"github.com/safeguard-hipaa/safeguard/internal/policy"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/vendors"
	"github.com/safeguard-hipaa/safeguard/internal/workforce"
)

// GovernanceSources are the analyzers whose findings RefreshGovernance
// recomputes together: the vendor register, the workforce records (training
// and access removal), policies and contingency tests, and the incident log.
var GovernanceSources = []string{vendors.Source, workforce.Source, policy.Source, incident.Source}

// GovernanceResult is what a governance refresh found.
type GovernanceResult struct {
	// Findings are the open findings raised now, most severe first.
	Findings []*hipaa.Finding `json:"findings"`
	// Resolved counts findings no longer raised, marked resolved.
	Resolved int `json:"resolved"`
	// Reassessed names the draft assessment whose risks were re-evaluated, if any.
	Reassessed string `json:"reassessed,omitempty"`
}

// TodayIn returns today's date at midnight UTC, as seen in the practice's time zone.
func TodayIn(p *hipaa.Practice, now time.Time) time.Time {
	t, _ := time.Parse(hipaa.DateLayout, Today(p, now))
	return t
}

// RefreshGovernance runs the vendor, workforce, contingency, policy and
// incident checks as of today, saves their findings, resolves the ones no
// longer raised, and re-evaluates the current draft assessment so the risk
// register reflects the evidence, all in one transaction.
func (s *Service) RefreshGovernance(ctx context.Context) (*GovernanceResult, error) {
	var out *GovernanceResult
	err := s.Scope.InTx(ctx, func(tx *store.Scope) error {
		r, err := (&Service{Cat: s.Cat, Scope: tx, Actor: s.Actor}).refreshGovernance(ctx)
		out = r
		return err
	})
	return out, err
}

// Record runs fn, then the governance refresh, in one transaction: the
// change and the findings it causes are saved together or not at all.
func (s *Service) Record(ctx context.Context, fn func(tx *store.Scope) error) (*GovernanceResult, error) {
	var out *GovernanceResult
	err := s.Scope.InTx(ctx, func(tx *store.Scope) error {
		if err := fn(tx); err != nil {
			return err
		}
		r, err := (&Service{Cat: s.Cat, Scope: tx, Actor: s.Actor}).refreshGovernance(ctx)
		out = r
		return err
	})
	return out, err
}

func (s *Service) refreshGovernance(ctx context.Context) (*GovernanceResult, error) {
	sc := s.Scope
	p, err := sc.Practice(ctx)
	if err != nil {
		return nil, err
	}
	now := sc.DB().Now()
	today := TodayIn(p, now)
	var fs []*hipaa.Finding

	vs, err := sc.Vendors(ctx)
	if err != nil {
		return nil, err
	}
	fs = append(fs, vendors.Check(vs, today)...)

	members, err := sc.Members(ctx)
	if err != nil {
		return nil, err
	}
	trainings, err := sc.Trainings(ctx)
	if err != nil {
		return nil, err
	}
	fs = append(fs, workforce.CheckTraining(members, trainings, today)...)
	terms, err := sc.Terminations(ctx)
	if err != nil {
		return nil, err
	}
	fs = append(fs, workforce.CheckTerminations(terms, now)...)
	tests, err := sc.ContingencyTests(ctx)
	if err != nil {
		return nil, err
	}
	fs = append(fs, workforce.CheckContingency(tests, today)...)

	pols, err := sc.PolicyVersions(ctx)
	if err != nil {
		return nil, err
	}
	fs = append(fs, policy.Check(pols, today)...)

	incs, err := sc.Incidents(ctx)
	if err != nil {
		return nil, err
	}
	fs = append(fs, incident.Check(incs, today)...)

	res := &GovernanceResult{Findings: fs}
	if err := sc.PutFindings(ctx, fs); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, f := range fs {
		seen[f.Fingerprint] = true
	}
	for _, src := range GovernanceSources {
		n, err := sc.ResolveMissing(ctx, src, seen)
		if err != nil {
			return nil, err
		}
		res.Resolved += n
	}
	list, err := sc.Assessments(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		if a.Status == hipaa.StatusDraft {
			if err := s.reassess(ctx, a.ID, ""); err != nil {
				return nil, err
			}
			res.Reassessed = a.ID
			break
		}
	}
	sort.SliceStable(res.Findings, func(i, j int) bool {
		return res.Findings[i].Severity.Rank() > res.Findings[j].Severity.Rank()
	})
	if res.Findings == nil {
		res.Findings = []*hipaa.Finding{}
	}
	return res, nil
}

// PolicyChange says what generating did to one policy.
type PolicyChange struct {
	Key     string `json:"key"`
	Title   string `json:"title"`
	Version int    `json:"version"`
	// Action is "created" (a new draft), "updated" (the existing draft was
	// rewritten) or "unchanged" (same text as the latest version).
	Action string `json:"action"`
	ID     string `json:"id"`
}

// PolicyFacts gathers what the policy templates draw on: the practice
// profile, the current assessment's answers, the vendor register, the roster
// and the saved policy settings.
func (s *Service) PolicyFacts(ctx context.Context) (*policy.Facts, string, error) {
	sc := s.Scope
	p, err := sc.Practice(ctx)
	if err != nil {
		return nil, "", err
	}
	f := &policy.Facts{Practice: *p}
	assessmentID := ""
	if a, err := s.Current(ctx, ""); err == nil {
		answers, err := sc.Answers(ctx, a.ID)
		if err != nil {
			return nil, "", err
		}
		f.Answers, f.Assessment, assessmentID = answers, a.Title, a.ID
		var last time.Time
		for _, ans := range answers {
			if ans.AnsweredAt.After(last) {
				last = ans.AnsweredAt
			}
		}
		if !last.IsZero() {
			f.Date = Today(p, last)
		}
	} else if !hipaa.IsNotFound(err) {
		return nil, "", err
	}
	vs, err := sc.Vendors(ctx)
	if err != nil {
		return nil, "", err
	}
	for _, v := range vs {
		if !v.Active || !v.HandlesEPHI() {
			continue
		}
		f.Vendors = append(f.Vendors, policy.VendorFact{Name: v.Name, Service: v.Service, Systems: v.Systems, BAA: baaPhrase(v)})
	}
	members, err := sc.Members(ctx)
	if err != nil {
		return nil, "", err
	}
	roles := map[string]bool{}
	for _, m := range members {
		if !m.Active() {
			continue
		}
		f.Staff++
		if m.SecurityOfficial {
			f.Official = m.Name
		}
		if r := strings.ToLower(strings.TrimSpace(m.Role)); r != "" && !roles[r] {
			roles[r] = true
			f.Roles = append(f.Roles, r)
		}
	}
	sort.Strings(f.Roles)
	set, err := sc.PolicySettings(ctx)
	if err != nil {
		return nil, "", err
	}
	f.Derive(set)
	return f, assessmentID, nil
}

func baaPhrase(v *vendors.Vendor) string {
	switch v.BAA {
	case vendors.BAASigned:
		s := "Signed " + v.SignedOn
		if v.ExpiresOn != "" {
			s += ", expires " + v.ExpiresOn
		}
		return s
	case vendors.BAARequested:
		return "Requested, not yet signed"
	case vendors.BAAExpired:
		return "Expired " + v.ExpiresOn
	case vendors.BAATerminated:
		return "Terminated"
	}
	return "None"
}

// GeneratePolicies writes the policies (all, or those named by keys) from the
// current facts and saves them as drafts: a new version when the latest is
// approved or superseded and the text changed, or a rewrite of an existing
// draft. set holds settings to change first (saved for next time). All in one
// transaction, with the governance refresh.
func (s *Service) GeneratePolicies(ctx context.Context, keys []string, set map[string]string) ([]PolicyChange, error) {
	docs := policy.Docs
	if len(keys) > 0 {
		docs = nil
		for _, k := range keys {
			d, ok := policy.DocByKey(k)
			if !ok {
				return nil, hipaa.Errorf(hipaa.EInvalid, "no policy %q: use one of %s", k, strings.Join(policyKeys(), ", "))
			}
			docs = append(docs, d)
		}
	}
	var out []PolicyChange
	_, err := s.Record(ctx, func(tx *store.Scope) error {
		if len(set) > 0 {
			saved, err := tx.PolicySettings(ctx)
			if err != nil {
				return err
			}
			names := make([]string, 0, len(set))
			for k := range set {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, k := range names {
				if err := saved.Set(k, set[k]); err != nil {
					return err
				}
			}
			if err := tx.SavePolicySettings(ctx, saved, s.Actor); err != nil {
				return err
			}
		}
		svc := &Service{Cat: s.Cat, Scope: tx, Actor: s.Actor}
		facts, assessmentID, err := svc.PolicyFacts(ctx)
		if err != nil {
			return err
		}
		all, err := tx.PolicyVersions(ctx)
		if err != nil {
			return err
		}
		latest := map[string]*policy.Version{}
		for _, v := range all {
			latest[v.Key] = v // ordered by version
		}
		now := tx.DB().Now()
		for _, d := range docs {
			doc, err := policy.GenerateOne(s.Cat, facts, d)
			if err != nil {
				return err
			}
			prev := latest[d.Key]
			ch := PolicyChange{Key: d.Key, Title: d.Title}
			switch {
			case prev != nil && prev.BodySHA256 == doc.SHA256():
				ch.Action, ch.Version, ch.ID = "unchanged", prev.Version, prev.ID
			case prev != nil && prev.Status == policy.StatusDraft:
				nv := policy.NewVersion(doc, prev.Version, assessmentID, s.Actor, now)
				nv.ID = prev.ID
				if err := tx.PutPolicyVersion(ctx, nv); err != nil {
					return err
				}
				ch.Action, ch.Version, ch.ID = "updated", nv.Version, nv.ID
			default:
				n := 1
				if prev != nil {
					n = prev.Version + 1
				}
				nv := policy.NewVersion(doc, n, assessmentID, s.Actor, now)
				if err := tx.PutPolicyVersion(ctx, nv); err != nil {
					return err
				}
				ch.Action, ch.Version, ch.ID = "created", nv.Version, nv.ID
			}
			out = append(out, ch)
		}
		return nil
	})
	return out, err
}

func policyKeys() []string {
	var out []string
	for _, d := range policy.Docs {
		out = append(out, d.Key)
	}
	return out
}

// FindPolicy returns the version a command names — a version ID, or a
// document key with a version number (0 means the latest) — and the
// document's history, oldest first.
func (s *Service) FindPolicy(ctx context.Context, ref string, number int) (*policy.Version, []*policy.Version, error) {
	all, err := s.Scope.PolicyVersions(ctx)
	if err != nil {
		return nil, nil, err
	}
	history := func(key string) []*policy.Version {
		var out []*policy.Version
		for _, v := range all {
			if v.Key == key {
				out = append(out, v)
			}
		}
		return out
	}
	for _, v := range all {
		if v.ID == ref {
			return v, history(v.Key), nil
		}
	}
	if _, ok := policy.DocByKey(ref); !ok {
		return nil, nil, hipaa.Errorf(hipaa.ENotFound, "no policy %q: use a policy key (%s) or a version ID from `safeguard policies list`", ref, strings.Join(policyKeys(), ", "))
	}
	hist := history(ref)
	if len(hist) == 0 {
		return nil, nil, hipaa.Errorf(hipaa.ENotFound, "policy %s has not been generated yet: run `safeguard policies generate`", ref)
	}
	if number == 0 {
		return hist[len(hist)-1], hist, nil
	}
	for _, v := range hist {
		if v.Version == number {
			return v, hist, nil
		}
	}
	return nil, nil, hipaa.Errorf(hipaa.ENotFound, "policy %s has no version %d (it has %d)", ref, number, len(hist))
}

// ApprovePolicy approves the latest draft of a policy, naming who approved it,
// effective on the given date (YYYY-MM-DD; empty means today), and supersedes
// the version in effect. Nothing is saved when the approver is missing or a
// date is wrong.
func (s *Service) ApprovePolicy(ctx context.Context, ref, by, effective string) (*policy.Version, error) {
	if strings.TrimSpace(by) == "" {
		return nil, hipaa.Errorf(hipaa.EInvalid, "approving a policy needs the name of the person approving it: add --by \"Full Name\"")
	}
	p, err := s.Scope.Practice(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Scope.DB().Now()
	eff := TodayIn(p, now)
	if strings.TrimSpace(effective) != "" {
		if eff, err = hipaa.ParseDate("--effective", effective); err != nil {
			return nil, err
		}
	}
	var out *policy.Version
	_, err = s.Record(ctx, func(tx *store.Scope) error {
		svc := &Service{Cat: s.Cat, Scope: tx, Actor: s.Actor}
		draft, hist, err := svc.FindPolicy(ctx, ref, 0)
		if err != nil {
			return err
		}
		var current *policy.Version
		for _, v := range hist {
			if v.Status == policy.StatusApproved {
				current = v
			}
		}
		if err := policy.Approve(draft, current, by, eff, now); err != nil {
			return err
		}
		if err := tx.PutPolicyVersion(ctx, draft); err != nil {
			return err
		}
		if current != nil {
			if err := tx.PutPolicyVersion(ctx, current); err != nil {
				return err
			}
		}
		out = draft
		return nil
	})
	return out, err
}

// AcknowledgePolicy records that roster members read the version of a policy
// in effect (or the given version number), on the given date (empty: today).
func (s *Service) AcknowledgePolicy(ctx context.Context, ref string, number int, members []string, on string) (*policy.Version, []*policy.Acknowledgement, error) {
	if len(members) == 0 {
		return nil, nil, hipaa.Errorf(hipaa.EInvalid, "name who read the policy: add --member \"Full Name\" (repeat for several people)")
	}
	p, err := s.Scope.Practice(ctx)
	if err != nil {
		return nil, nil, err
	}
	day := Today(p, s.Scope.DB().Now())
	if strings.TrimSpace(on) != "" {
		d, err := hipaa.ParseDate("--on", on)
		if err != nil {
			return nil, nil, err
		}
		day = d.Format(hipaa.DateLayout)
	}
	var v *policy.Version
	var acks []*policy.Acknowledgement
	_, err = s.Record(ctx, func(tx *store.Scope) error {
		svc := &Service{Cat: s.Cat, Scope: tx, Actor: s.Actor}
		found, hist, err := svc.FindPolicy(ctx, ref, number)
		if err != nil {
			return err
		}
		if number == 0 {
			found = nil
			for _, h := range hist {
				if h.Status == policy.StatusApproved {
					found = h
				}
			}
			if found == nil {
				return hipaa.Errorf(hipaa.EInvalid, "policy %s has no approved version yet: staff acknowledge a policy once it is approved (`safeguard policies approve %s --by NAME`)", hist[0].Key, hist[0].Key)
			}
		}
		if found.Status == policy.StatusDraft {
			return hipaa.Errorf(hipaa.EInvalid, "version %d of %s is a draft: staff acknowledge approved versions", found.Version, found.Key)
		}
		if found.EffectiveOn != "" && day < found.EffectiveOn {
			return hipaa.Errorf(hipaa.EInvalid, "--on %s is before version %d took effect (%s)", day, found.Version, found.EffectiveOn)
		}
		v = found
		for _, ref := range members {
			m, err := tx.Member(ctx, ref)
			if err != nil {
				return err
			}
			a := &policy.Acknowledgement{VersionID: found.ID, MemberID: m.ID, MemberName: m.Name, AcknowledgedOn: day, RecordedBy: s.Actor}
			if err := tx.AddAcknowledgement(ctx, a); err != nil {
				return err
			}
			acks = append(acks, a)
		}
		v.Acknowledgements += len(acks)
		return nil
	})
	return v, acks, err
}

// Training is the roster, the training records and each active person's
// training position as of the practice's today.
type Training struct {
	Members  []*workforce.Member
	Records  []*workforce.Training
	Statuses []workforce.TrainingStatus
}

// Training reads the roster and training records and works out who is due.
func (s *Service) Training(ctx context.Context) (*Training, error) {
	p, err := s.Scope.Practice(ctx)
	if err != nil {
		return nil, err
	}
	members, err := s.Scope.Members(ctx)
	if err != nil {
		return nil, err
	}
	records, err := s.Scope.Trainings(ctx)
	if err != nil {
		return nil, err
	}
	return &Training{Members: members, Records: records,
		Statuses: workforce.TrainingStatuses(members, records, TodayIn(p, s.Scope.DB().Now()))}, nil
}
