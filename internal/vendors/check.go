package vendors

import (
	"fmt"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// ExpiringDays is how far ahead an expiring BAA is flagged (BAA-03).
const ExpiringDays = 60

// ReviewMonths is how often each business associate's agreement and
// safeguards are reviewed (BAA-04). The rule sets no interval; a yearly
// review keeps the written contract of 164.308(b)(3) true to what the vendor
// does, and the proposed rule would require a yearly written verification.
const ReviewMonths = 12

// Check returns the findings for the vendor register as of today:
//
//   - BAA-01: an active vendor that handles ePHI has no BAA in force (none,
//     requested or terminated);
//   - BAA-02: its BAA is marked expired, or its expiry date has passed;
//   - BAA-03: its BAA expires within ExpiringDays;
//   - BAA-09: no written verification of its technical safeguards in the last
//     12 months (the proposed rule's yearly verification; not required today)
//   - BAA-04: its review is overdue (more than ReviewMonths since the last
//     review, or since signing or adding it when never reviewed), or, under
//     the proposed rule, its yearly written verification is missing or old;
//   - BAA-05…BAA-08: its signed BAA was checked and lacks a term of the
//     checklist (the Rule of each Term; BAA-08 is the proposed rule's).
//
// Vendors that no longer serve the practice, or never handle ePHI, raise nothing.
func Check(list []*Vendor, today time.Time) []*hipaa.Finding {
	y, m, d := today.Date()
	today = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	t := today.Format(hipaa.DateLayout)
	var out []*hipaa.Finding
	for _, v := range list {
		if !v.Active || !v.HandlesEPHI() {
			continue
		}
		ev := evidence(v)
		add := func(rule, key string, sev hipaa.Severity, title string, cites ...string) {
			fp := Source + "|" + rule + "|" + v.ID
			if key != "" {
				fp += "|" + key
			}
			out = append(out, &hipaa.Finding{Source: Source, Rule: rule, Severity: sev, Title: title, Subject: v.Name,
				Citations: cites, Evidence: []map[string]any{ev}, Fingerprint: fp})
		}
		expired := v.BAA == BAAExpired || (v.BAA == BAASigned && v.ExpiresOn != "" && v.ExpiresOn < t)
		switch {
		case v.BAA == BAANone || v.BAA == BAARequested || v.BAA == BAATerminated:
			what := map[BAAStatus]string{BAANone: "no BAA", BAARequested: "a BAA requested but not signed", BAATerminated: "its BAA terminated"}[v.BAA]
			add("BAA-01", "", hipaa.SeverityHigh,
				fmt.Sprintf("%s %s our ePHI with %s", v.Name, usesPhrase(v.EPHI), what),
				"164.308(b)(1)", "164.308(b)(3)", "164.314(a)(1)", "164.314(a)(2)(i)")
		case expired:
			when := "is marked expired"
			if v.ExpiresOn != "" {
				when = "expired on " + v.ExpiresOn
			}
			add("BAA-02", "", hipaa.SeverityHigh,
				fmt.Sprintf("The BAA with %s %s, but the vendor still %s our ePHI", v.Name, when, usesPhrase(v.EPHI)),
				"164.308(b)(1)", "164.308(b)(3)", "164.314(a)(1)", "164.314(a)(2)(i)")
		case v.ExpiresOn != "":
			exp, err := time.Parse(hipaa.DateLayout, v.ExpiresOn)
			if err == nil {
				if days := int(exp.Sub(today).Hours() / 24); days <= ExpiringDays {
					sev := hipaa.SeverityLow
					if days <= 30 {
						sev = hipaa.SeverityModerate
					}
					when := fmt.Sprintf("in %d day(s)", days)
					if days == 0 {
						when = "today"
					}
					add("BAA-03", "", sev, fmt.Sprintf("The BAA with %s expires on %s, %s: renew it", v.Name, v.ExpiresOn, when),
						"164.308(b)(1)", "164.314(a)(2)(i)")
				}
			}
		}
		if v.BAA == BAASigned && !expired {
			for _, term := range v.TermsMissing() {
				title := fmt.Sprintf("The BAA with %s lacks a required term: %s", v.Name, term.Text)
				sev := hipaa.SeverityModerate
				if term.Proposed {
					title = fmt.Sprintf("The BAA with %s lacks the term the proposed rule would add: 24-hour notice when it activates its contingency plan", v.Name)
					sev = hipaa.SeverityLow
				}
				cites := []string{"164.314(a)(1)", "164.314(a)(2)(i)"}
				if term.Key == "subcontractors" {
					cites = append(cites, "164.314(a)(2)(iii)")
				}
				add(term.Rule, "", sev, title, cites...)
			}
		}
		if due := reviewDue(v); due != "" && due < t {
			add("BAA-04", "review", hipaa.SeverityModerate,
				fmt.Sprintf("The yearly review of %s (its BAA and how it protects our ePHI) was due on %s", v.Name, due),
				"164.308(b)(1)", "164.308(a)(1)(ii)(A)")
		}
		switch {
		case v.VerifiedOn == "":
			add("BAA-09", "verification", hipaa.SeverityLow,
				fmt.Sprintf("No written verification of technical safeguards on file from %s (proposed rule: every 12 months)", v.Name),
				"164.308(b)(1)", "164.314(a)(1)")
		case addMonths(v.VerifiedOn, ReviewMonths) < t:
			add("BAA-09", "verification", hipaa.SeverityLow,
				fmt.Sprintf("The written verification of technical safeguards from %s is from %s, over 12 months old (proposed rule)", v.Name, v.VerifiedOn),
				"164.308(b)(1)", "164.314(a)(1)")
		}
	}
	return out
}

// reviewDue returns the date the vendor's next review is due: 12 months after
// the last review, or after signing, or after the vendor was added.
func reviewDue(v *Vendor) string {
	base := v.ReviewedOn
	if base == "" {
		base = v.SignedOn
	}
	if base == "" && !v.CreatedAt.IsZero() {
		base = v.CreatedAt.Format(hipaa.DateLayout)
	}
	if base == "" {
		return ""
	}
	return addMonths(base, ReviewMonths)
}

// ReviewDue returns the date the vendor's next review is due, or "".
func (v *Vendor) ReviewDue() string { return reviewDue(v) }

func addMonths(date string, n int) string {
	t, err := time.Parse(hipaa.DateLayout, date)
	if err != nil {
		return ""
	}
	return hipaa.AddMonths(t, n).Format(hipaa.DateLayout)
}

// usesPhrase says what a vendor does with ePHI: "receives and maintains".
func usesPhrase(uses []Use) string {
	verbs := make([]string, 0, len(uses))
	for _, u := range uses {
		verbs = append(verbs, string(u)+"s")
	}
	switch len(verbs) {
	case 0:
		return "handles"
	case 1:
		return verbs[0]
	}
	return strings.Join(verbs[:len(verbs)-1], ", ") + " and " + verbs[len(verbs)-1]
}

func evidence(v *Vendor) map[string]any {
	uses := make([]string, 0, len(v.EPHI))
	for _, u := range v.EPHI {
		uses = append(uses, string(u))
	}
	ev := map[string]any{"vendor": v.Name, "service": v.Service, "ephi": uses, "baa_status": string(v.BAA)}
	for k, val := range map[string]string{"baa_signed_on": v.SignedOn, "baa_expires_on": v.ExpiresOn, "reviewed_on": v.ReviewedOn, "verified_on": v.VerifiedOn} {
		if val != "" {
			ev[k] = val
		}
	}
	if len(v.Systems) > 0 {
		ev["systems"] = v.Systems
	}
	return ev
}
