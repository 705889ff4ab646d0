package demo

import (
	"context"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/policy"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/vendors"
	"github.com/safeguard-hipaa/safeguard/internal/workforce"
)

// governance adds the sample practice's vendors, staff, training, a
// contingency test and approved policies, as a typical small practice keeps
// them: mostly in order, with a vendor lacking a BAA, one BAA close to
// expiry and a front-desk hire whose training is overdue.
func governance(ctx context.Context, svc *app.Service, now time.Time) error {
	day := func(years, months, days int) string { return now.AddDate(years, months, days).Format(time.DateOnly) }
	all := map[string]bool{"comply": true, "subcontractors": true, "report_incidents": true}
	vs := []*vendors.Vendor{
		{Name: "athenahealth", Service: "cloud EHR and practice management", EPHI: []vendors.Use{vendors.UseCreate, vendors.UseReceive, vendors.UseMaintain, vendors.UseTransmit},
			Systems: []string{"athenaOne"}, Active: true, BAA: vendors.BAASigned, SignedOn: day(-3, 0, 0), ReviewedOn: day(0, -4, 0), Terms: all},
		{Name: "Prairie IT Services", Service: "IT support and backups", EPHI: []vendors.Use{vendors.UseMaintain},
			Systems: []string{"file server", "workstations", "firewall"}, Active: true, BAA: vendors.BAASigned, SignedOn: day(-2, 0, 0),
			ExpiresOn: day(0, 0, 24), ReviewedOn: day(0, -11, 0), Terms: all},
		{Name: "Acme Shredding", Service: "on-site paper and hard-drive shredding", EPHI: []vendors.Use{vendors.UseMaintain},
			Active: true, BAA: vendors.BAANone, Notes: "Collects the shred bins monthly and destroys old hard drives."},
		{Name: "NightCall Answering", Service: "after-hours answering service", EPHI: []vendors.Use{vendors.UseReceive, vendors.UseTransmit},
			Active: true, BAA: vendors.BAARequested, Notes: "BAA sent for signature in October."},
	}
	staff := []struct {
		name, role, granted, trained string
	}{
		{"Dana Ortiz", "practice manager", day(-6, 0, 0), day(0, -2, 0)},
		{"Dr. Maria Chen", "physician, owner", day(-9, 0, 0), day(0, -2, 0)},
		{"Luis Romero", "nurse", day(-3, 0, 0), day(0, -11, -10)},
		{"Priya Shah", "billing", day(-2, 0, 0), day(0, -2, 0)},
		{"Jordan Blake", "front desk", day(0, -2, 0), ""},
	}
	_, err := svc.Record(ctx, func(tx *store.Scope) error {
		for _, v := range vs {
			if err := tx.PutVendor(ctx, v, nil, svc.Actor); err != nil {
				return err
			}
		}
		for _, s := range staff {
			m := &workforce.Member{Name: s.name, Role: s.role, AccessGrantedOn: s.granted, SecurityOfficial: s.name == "Dana Ortiz"}
			if err := tx.PutMember(ctx, m); err != nil {
				return err
			}
			if s.trained != "" {
				done, _ := time.Parse(time.DateOnly, s.trained)
				t := &workforce.Training{MemberID: m.ID, Topic: "Annual security awareness", CompletedOn: s.trained,
					NextDue: done.AddDate(1, 0, 0).Format(time.DateOnly), RecordedBy: svc.Actor}
				if err := tx.AddTraining(ctx, t); err != nil {
					return err
				}
			}
		}
		return tx.AddContingencyTest(ctx, &workforce.ContingencyTest{TestedOn: day(-1, -2, 0), Kind: "tabletop", Result: "partial",
			Scope: "ransomware on the file server", Lessons: "Nobody knew where the backup disk's password was kept.", PerformedBy: "Dana Ortiz", RecordedBy: svc.Actor})
	})
	if err != nil {
		return err
	}
	if _, err := svc.GeneratePolicies(ctx, nil, map[string]string{"it_support": "Prairie IT Services", "logoff_minutes": "10"}); err != nil {
		return err
	}
	versions, err := svc.Scope.PolicyVersions(ctx)
	if err != nil {
		return err
	}
	for i, v := range versions {
		if v.Status != policy.StatusDraft || i%3 == 2 {
			continue // a few policies are still drafts
		}
		if _, err := svc.ApprovePolicy(ctx, v.Key, "Dr. Maria Chen, owner", day(0, -11, -i)); err != nil {
			return err
		}
	}
	_, err = svc.RefreshGovernance(ctx)
	return err
}
