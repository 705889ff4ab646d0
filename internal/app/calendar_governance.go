package app

import (
	"context"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/calendar"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/policy"
	"github.com/safeguard-hipaa/safeguard/internal/vendors"
)

// governanceDuties are the duties kept in the vendor, policy and workforce
// records: BAA expiries, reviews and (proposed) yearly verifications, policy
// reviews, training per person, and contingency plan tests.
func governanceDuties(ctx context.Context, s *Service, p *hipaa.Practice, today string) ([]calendar.Duty, error) {
	var out []calendar.Duty
	vs, err := s.Scope.Vendors(ctx)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		if !v.Active || len(v.EPHI) == 0 {
			continue
		}
		if v.BAA == vendors.BAASigned && v.ExpiresOn != "" {
			out = append(out, calendar.Duty{Key: "baa-expiry:" + v.ID, Kind: calendar.KindBAAExpiry, Due: v.ExpiresOn, Citation: "164.308(b)(1)",
				Title:  "Renew the business associate agreement with " + v.Name,
				Detail: "The BAA with " + v.Name + " (" + v.Service + ") expires on " + v.ExpiresOn + "; without one, the vendor may not handle your ePHI.",
				Owner:  p.SecurityOfficial})
		}
		if due := v.ReviewDue(); due != "" {
			out = append(out, calendar.Duty{Key: "vendor-review:" + v.ID, Kind: calendar.KindBAAExpiry, Due: due, Citation: "164.314(a)(1)",
				Title:  "Review the BAA and safeguards of " + v.Name,
				Detail: "Check that the agreement still holds the terms 164.314(a)(2)(i) requires and that the service has not changed.",
				Owner:  p.SecurityOfficial})
		}
		verified := v.VerifiedOn
		due := today
		if verified != "" {
			if t, err := time.Parse(time.DateOnly, verified); err == nil {
				due = t.AddDate(1, 0, 0).Format(time.DateOnly)
			}
		}
		out = append(out, calendar.Duty{Key: "vendor-verification:" + v.ID, Kind: calendar.KindBAAVerification, Due: due, Citation: "164.308(b)(1)", Proposed: true,
			Title:  "Get a written verification of technical safeguards from " + v.Name,
			Detail: "The proposed rule would require written verification from each business associate every 12 months.",
			Owner:  p.SecurityOfficial})
	}

	versions, err := s.Scope.PolicyVersions(ctx)
	if err != nil {
		return nil, err
	}
	for _, v := range versions {
		if v.Status != policy.StatusApproved || v.ReviewDue == "" || v.EndedOn != "" {
			continue
		}
		out = append(out, calendar.Duty{Key: "policy-review:" + v.Key, Kind: calendar.KindPolicyReview, Due: v.ReviewDue, Citation: "164.316(b)(2)(iii)",
			Title:  "Review the policy \"" + v.Title + "\"",
			Detail: "Version " + itoa(v.Version) + " took effect on " + v.EffectiveOn + "; review it every 12 months and after changes.",
			Owner:  p.SecurityOfficial})
	}

	tr, err := s.Training(ctx)
	if err != nil {
		return nil, err
	}
	for _, st := range tr.Statuses {
		if st.Due == "" {
			continue
		}
		out = append(out, calendar.Duty{Key: "training:" + st.Member.ID, Kind: calendar.KindTraining, Due: st.Due, Citation: "164.308(a)(5)(i)",
			Title: "Security training for " + st.Member.Name, Detail: st.Reason, Owner: p.SecurityOfficial})
	}

	return out, nil
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 && n >= 0 {
		return digits[n : n+1]
	}
	s := ""
	for n > 0 {
		s = digits[n%10:n%10+1] + s
		n /= 10
	}
	return s
}
