package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/incident"
	"github.com/safeguard-hipaa/safeguard/internal/policy"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/store/storetest"
	"github.com/safeguard-hipaa/safeguard/internal/vendors"
	"github.com/safeguard-hipaa/safeguard/internal/workforce"
)

func TestVendorsStore(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := newPractice(t, db, "Vendor Clinic")
		other := db.For(newPractice(t, db, "Other Clinic").ID)
		s := db.For(p.ID)
		v := &vendors.Vendor{Name: "Acme Billing", Service: "billing", EPHI: []vendors.Use{vendors.UseReceive, vendors.UseMaintain},
			Systems: []string{"athenaOne"}, Active: true, BAA: vendors.BAASigned, SignedOn: "2025-01-10", ExpiresOn: "2027-01-10",
			Terms: map[string]bool{"comply": true, "subcontractors": false}, DueDiligence: map[string]vendors.DDAnswer{"mfa": {Answer: hipaa.AnswerYes, On: "2025-01-05"}}}
		if err := v.Validate(); err != nil {
			t.Fatal(err)
		}
		content := []byte("%PDF-1.4 signed agreement")
		file, err := vendors.NewFile("acme-baa.pdf", content)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.PutVendor(ctx, v, file, "tester"); err != nil {
			t.Fatal(err)
		}
		got, err := s.Vendor(ctx, "ACME billing")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != v.ID || len(got.EPHI) != 2 || got.Systems[0] != "athenaOne" || !got.Active || got.ExpiresOn != "2027-01-10" ||
			!got.Terms["comply"] || got.Terms["subcontractors"] || got.DueDiligence["mfa"].Answer != hipaa.AnswerYes {
			t.Errorf("read back %+v", got)
		}
		if got.Agreement == nil || got.Agreement.SHA256 != file.SHA256 || got.Agreement.Name != "acme-baa.pdf" || got.Agreement.Size != int64(len(content)) {
			t.Fatalf("agreement %+v", got.Agreement)
		}
		f, err := s.AgreementFile(ctx, file.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(f.Content, content) || !f.Verify() {
			t.Error("the stored agreement differs from the file")
		}
		// Another practice sees neither the vendor nor its file.
		if _, err := other.Vendor(ctx, "Acme Billing"); !hipaa.IsNotFound(err) {
			t.Errorf("other practice: %v", err)
		}
		if _, err := other.AgreementFile(ctx, file.SHA256); !hipaa.IsNotFound(err) {
			t.Errorf("other practice file: %v", err)
		}
		// A duplicate name is a conflict.
		dup := &vendors.Vendor{Name: "ACME BILLING", BAA: vendors.BAANone}
		if err := s.PutVendor(ctx, dup, nil, "tester"); code(err) != hipaa.EConflict {
			t.Errorf("duplicate: %v", err)
		}
		// Updating keeps the agreement unless a new file is given.
		got.BAA, got.Active = vendors.BAAExpired, false
		if err := s.PutVendor(ctx, got, nil, "tester"); err != nil {
			t.Fatal(err)
		}
		list, err := s.Vendors(ctx)
		if err != nil || len(list) != 1 || list[0].BAA != vendors.BAAExpired || list[0].Active || list[0].Agreement == nil {
			t.Errorf("list %v %+v", err, list)
		}
	})
}

func TestWorkforceStore(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := newPractice(t, db, "Roster Clinic")
		s := db.For(p.ID)
		ana := &workforce.Member{Name: "Ana Lopez", Role: "nurse", AccessGrantedOn: "2026-01-05"}
		ben := &workforce.Member{Name: "Ben Cho", Role: "front desk"}
		for _, m := range []*workforce.Member{ana, ben} {
			if err := s.PutMember(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.PutMember(ctx, &workforce.Member{Name: "ana lopez"}); code(err) != hipaa.EConflict {
			t.Errorf("a name differing only in case: %v", err)
		}
		if _, err := s.SetSecurityOfficial(ctx, "Ben Cho"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetSecurityOfficial(ctx, ana.ID); err != nil {
			t.Fatal(err)
		}
		pr, _ := db.FindPractice(ctx, p.ID)
		if pr.SecurityOfficial != "Ana Lopez" {
			t.Errorf("practice official %q", pr.SecurityOfficial)
		}
		members, _ := s.Members(ctx)
		n := 0
		for _, m := range members {
			if m.SecurityOfficial {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d security officials", n)
		}
		tr := &workforce.Training{MemberID: ana.ID, Topic: "Annual security awareness", CompletedOn: "2026-02-01", RecordedBy: "tester"}
		if err := tr.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := s.AddTraining(ctx, tr); err != nil {
			t.Fatal(err)
		}
		trs, err := s.Trainings(ctx)
		if err != nil || len(trs) != 1 || trs[0].MemberName != "Ana Lopez" || trs[0].NextDue != "2027-02-01" {
			t.Errorf("trainings %v %+v", err, trs)
		}
		if err := s.AddReminder(ctx, &workforce.Reminder{SentOn: "2026-03-01", Topic: "Tax-season phishing", Audience: "all staff"}); err != nil {
			t.Fatal(err)
		}
		if rs, err := s.Reminders(ctx); err != nil || len(rs) != 1 {
			t.Errorf("reminders %v %d", err, len(rs))
		}
		if err := s.AddSanction(ctx, &workforce.Sanction{MemberID: ben.ID, OccurredOn: "2026-04-01", Violation: "shared password", Action: "written warning", DecidedBy: "Ana Lopez"}); err != nil {
			t.Fatal(err)
		}
		if xs, err := s.Sanctions(ctx); err != nil || len(xs) != 1 || xs[0].MemberName != "Ben Cho" {
			t.Errorf("sanctions %v %+v", err, xs)
		}
		// Ben leaves; his checklist opens and is worked through.
		left := time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC)
		term, err := s.StartTermination(ctx, "Ben Cho", left, workforce.DefaultSteps("athenaOne", []string{"Microsoft 365"}))
		if err != nil {
			t.Fatal(err)
		}
		if len(term.Steps) < 5 || term.Steps[0].Item != "EHR account (athenaOne)" || len(term.Open()) != len(term.Steps) {
			t.Fatalf("checklist %+v", term.Steps)
		}
		term, err = s.CompleteStep(ctx, ben.ID, "ehr", left.Add(20*time.Minute), "tester")
		if err != nil {
			t.Fatal(err)
		}
		if term.Steps[0].DoneAt == nil || !term.Steps[0].DoneAt.Equal(left.Add(20*time.Minute)) {
			t.Errorf("step %+v", term.Steps[0])
		}
		if _, err := s.CompleteStep(ctx, ben.ID, "spaceship", left, "tester"); code(err) != hipaa.EInvalid {
			t.Errorf("unknown item: %v", err)
		}
		ts, err := s.Terminations(ctx)
		if err != nil || len(ts) != 1 || ts[0].Member.LeftAt == nil || !ts[0].Member.LeftAt.Equal(left) {
			t.Errorf("terminations %v %+v", err, ts)
		}
		c := &workforce.ContingencyTest{TestedOn: "2026-05-01", Kind: "restore", Result: "partial", RestoreHours: 30.5, Lessons: "took too long", PerformedBy: "BrightIT"}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := s.AddContingencyTest(ctx, c); err != nil {
			t.Fatal(err)
		}
		if cs, err := s.ContingencyTests(ctx); err != nil || len(cs) != 1 || cs[0].RestoreHours != 30.5 {
			t.Errorf("tests %v %+v", err, cs)
		}
	})
}

func TestPoliciesStore(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := newPractice(t, db, "Policy Clinic")
		s := db.For(p.ID)
		now := db.Now()
		doc := &policy.Document{Key: "training", Title: "Security Awareness and Training", Standards: []string{"164.308(a)(5)(i)"},
			Citations: []string{"164.308(a)(5)(i)"}, Body: "# Security Awareness and Training\n\nDraft one.\n"}
		v1 := policy.NewVersion(doc, 1, "", "tester", now)
		if err := s.PutPolicyVersion(ctx, v1); err != nil {
			t.Fatal(err)
		}
		// A draft's text can be rewritten.
		doc.Body = "# Security Awareness and Training\n\nDraft two.\n"
		v1b := policy.NewVersion(doc, 1, "", "tester", now)
		v1b.ID = v1.ID
		if err := s.PutPolicyVersion(ctx, v1b); err != nil {
			t.Fatal(err)
		}
		if err := policy.Approve(v1b, nil, "Dana Ortiz", time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC), now); err != nil {
			t.Fatal(err)
		}
		if err := s.PutPolicyVersion(ctx, v1b); err != nil {
			t.Fatal(err)
		}
		// An approved version's text cannot change, even if asked.
		v1b.Body = "tampered"
		if err := s.PutPolicyVersion(ctx, v1b); err != nil {
			t.Fatal(err)
		}
		got, err := s.PolicyVersion(ctx, v1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != policy.StatusApproved || got.ApprovedBy != "Dana Ortiz" || got.ReviewDue != "2027-01-15" || got.Body != "# Security Awareness and Training\n\nDraft two.\n" || got.ApprovedAt == nil {
			t.Errorf("approved version %+v %q", got, got.Body)
		}
		if err := s.PutPolicyVersion(ctx, policy.NewVersion(doc, 1, "", "tester", now)); code(err) != hipaa.EConflict {
			t.Errorf("duplicate version: %v", err)
		}
		m := &workforce.Member{Name: "Ana Lopez"}
		if err := s.PutMember(ctx, m); err != nil {
			t.Fatal(err)
		}
		ack := &policy.Acknowledgement{VersionID: v1.ID, MemberID: m.ID, MemberName: m.Name, AcknowledgedOn: "2026-01-20"}
		if err := s.AddAcknowledgement(ctx, ack); err != nil {
			t.Fatal(err)
		}
		if err := s.AddAcknowledgement(ctx, &policy.Acknowledgement{VersionID: v1.ID, MemberID: m.ID, MemberName: m.Name, AcknowledgedOn: "2026-01-21"}); code(err) != hipaa.EConflict {
			t.Errorf("second acknowledgement: %v", err)
		}
		acks, err := s.Acknowledgements(ctx, v1.ID)
		if err != nil || len(acks) != 1 || acks[0].MemberName != "Ana Lopez" {
			t.Errorf("acks %v %+v", err, acks)
		}
		all, err := s.PolicyVersions(ctx)
		if err != nil || len(all) != 1 || all[0].Acknowledgements != 1 {
			t.Errorf("versions %v %+v", err, all)
		}
		var set policy.Settings
		if err := set.Set("logoff_minutes", "10"); err != nil {
			t.Fatal(err)
		}
		set.ITSupport = "BrightIT"
		if err := s.SavePolicySettings(ctx, set, "tester"); err != nil {
			t.Fatal(err)
		}
		set.ITSupport = "Other IT"
		if err := s.SavePolicySettings(ctx, set, "tester"); err != nil {
			t.Fatal(err)
		}
		back, err := s.PolicySettings(ctx)
		if err != nil || back.LogoffMinutes != 10 || back.ITSupport != "Other IT" {
			t.Errorf("settings %v %+v", err, back)
		}
	})
}

func TestIncidentsStore(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := newPractice(t, db, "Incident Clinic")
		s := db.For(p.ID)
		in := &incident.Incident{Title: "Laptop stolen from car", Category: "lost_device", DiscoveredOn: "2026-03-01", PHIInvolved: incident.PHIYes}
		if err := in.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := s.PutIncident(ctx, in); err != nil {
			t.Fatal(err)
		}
		got, err := s.Incident(ctx, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Assessment != nil || got.Status != incident.StatusOpen || len(got.Notices) != 0 {
			t.Errorf("new incident %+v", got)
		}
		got.Assessment = &incident.Assessment{Exception: incident.ExceptionNone, Identifiers: []string{"names"},
			Nature: incident.Factor{Rating: incident.RatingHigh, Note: "n"}, Recipient: incident.Factor{Rating: incident.RatingHigh, Note: "n"},
			Acquired: incident.Factor{Rating: incident.RatingUnknown, Note: "n"}, Mitigation: incident.Factor{Rating: incident.RatingLow, Note: "n"},
			Affected: 620, StateResidents: 620, DecidedBy: "Dana Ortiz", DecidedOn: "2026-03-05"}
		got.Notices = append(got.Notices, incident.Notice{Recipient: incident.ToIndividuals, SentOn: "2026-04-01"})
		if err := got.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := s.PutIncident(ctx, got); err != nil {
			t.Fatal(err)
		}
		list, err := s.Incidents(ctx)
		if err != nil || len(list) != 1 {
			t.Fatalf("list %v %d", err, len(list))
		}
		back := list[0]
		if !back.IsBreach() || back.Assessment.Affected != 620 || back.Sent(incident.ToIndividuals) != "2026-04-01" {
			t.Fatalf("read back %+v %+v", back, back.Assessment)
		}
		for _, d := range back.Schedule() {
			if d.Due != "2026-04-30" {
				t.Errorf("%s due %s, want 2026-04-30", d.Recipient, d.Due)
			}
		}
	})
}
