// Package demo builds Safeguard's sample practice: a realistic small family
// medicine office with last year's finalized risk analysis and this year's
// draft, answered the way such practices typically answer — good on the
// basics, weak on backups testing, activity review, devices and vendors.
package demo

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// Slug is the demo practice's slug; running the demo again replaces it.
const Slug = "riverside-family-medicine"

// Practice returns the demo practice's profile.
func Practice() *hipaa.Practice {
	return &hipaa.Practice{
		Slug:             Slug,
		Name:             "Riverside Family Medicine",
		Locations:        []string{"410 River Road, Springfield, IL (main office)", "22 Oak Street, Chatham, IL (satellite clinic, two days a week)"},
		WorkforceSize:    23,
		EHRSystem:        "athenaOne (cloud)",
		Specialty:        "family medicine",
		TimeZone:         "America/Chicago",
		SecurityOfficial: "Dana Ortiz, practice manager",
	}
}

// answer is a scripted demo answer.
type answer struct {
	value         hipaa.AnswerValue
	note          string
	justification string
}

// thisYear holds the answers of the current assessment that are not left to
// the default pattern: the ones that make the sample tell a story.
var thisYear = map[string]answer{
	"PF-01": {value: hipaa.AnswerYes, note: "Network closet behind the billing office: firewall, switch, a small file server for scanned documents."},
	"PF-02": {value: hipaa.AnswerYes, note: "Three provider laptops and the office manager's laptop."},
	"PF-03": {value: hipaa.AnswerYes, note: "Billing staff work from home two days a week."},
	"PF-04": {value: hipaa.AnswerYes, note: "Digital X-ray unit with its acquisition workstation, two ECG carts, a spirometer."},
	"PF-05": {value: hipaa.AnswerYes, note: "Patient Wi-Fi in the waiting room."},
	"PF-06": {value: hipaa.AnswerNo},
	"PF-07": {value: hipaa.AnswerNo},
	"PF-08": {value: hipaa.AnswerNo},
	"PF-09": {value: hipaa.AnswerYes, note: "Imaging CDs for referrals."},
	"PF-10": {value: hipaa.AnswerYes},
	"SM-01": {value: hipaa.AnswerPartial, note: "A consultant did one in 2023; this is the first full update."},
	"SM-02": {value: hipaa.AnswerNo},
	"SM-05": {value: hipaa.AnswerPartial, note: "A to-do list exists; owners and dates are missing for half of it."},
	"SM-13": {value: hipaa.AnswerYes, note: "Dana Ortiz, named in the 2023 policy binder."},
	"WF-04": {value: hipaa.AnswerPartial, note: "Checklist exists but misses the X-ray workstation and the alarm code."},
	"WF-07": {value: hipaa.AnswerNA, justification: "Riverside is a provider, not a health care clearinghouse; claims go through athenaOne's clearinghouse."},
	"WF-13": {value: hipaa.AnswerYes, note: "Yearly online course each January; certificates in the HR drive."},
	"IC-01": {value: hipaa.AnswerPartial, note: "Two-page plan from 2023; contacts out of date."},
	"IC-08": {value: hipaa.AnswerYes},
	"IC-09": {value: hipaa.AnswerNo, note: "Backups go to a USB disk that stays plugged into the file server."},
	"IC-11": {value: hipaa.AnswerNo, note: "Never tried a restore."},
	"IC-16": {value: hipaa.AnswerNo},
	"EA-01": {value: hipaa.AnswerPartial, note: "Front desk shares one login on the check-in computer."},
	"EA-06": {value: hipaa.AnswerNo},
	"AN-01": {value: hipaa.AnswerPartial, note: "Spreadsheet from 2024; devices and cloud services missing."},
	"AN-04": {value: hipaa.AnswerYes, note: "The IT provider says guest Wi-Fi is separate."},
	"AN-05": {value: hipaa.AnswerNo, note: "One flat network; the X-ray workstation sits with the office PCs."},
	"AN-09": {value: hipaa.AnswerNo, note: "The X-ray acquisition workstation runs Windows 7; the vendor will not support an upgrade."},
	"MD-04": {value: hipaa.AnswerNo},
	"BA-02": {value: hipaa.AnswerPartial, note: "No BAA on file with the shredding company or the answering service."},
	"TS-08": {value: hipaa.AnswerYes, note: "10 minutes by group policy; 5 at the front desk."},
	"TS-10": {value: hipaa.AnswerYes, note: "BitLocker on all laptops, checked in March."},
	"TS-21": {value: hipaa.AnswerPartial, note: "MFA on e-mail; not yet on the EHR."},
	"PR-07": {value: hipaa.AnswerNo},
}

// lastYear differs from thisYear where the practice has improved since.
var lastYear = map[string]answer{
	"TS-10": {value: hipaa.AnswerPartial, note: "Two laptops not encrypted."},
	"TS-08": {value: hipaa.AnswerNo},
	"WF-13": {value: hipaa.AnswerNo},
	"SM-13": {value: hipaa.AnswerPartial},
	"TS-21": {value: hipaa.AnswerNo},
}

// defaultAnswer gives the questions without a scripted answer a stable,
// realistic mix: mostly Yes, some Partially, a few No and Don't know.
func defaultAnswer(id string) hipaa.AnswerValue {
	h := sha256.Sum256([]byte("riverside:" + id))
	switch n := int(h[0]) % 100; {
	case n < 66:
		return hipaa.AnswerYes
	case n < 84:
		return hipaa.AnswerPartial
	case n < 95:
		return hipaa.AnswerNo
	default:
		return hipaa.AnswerUnknown
	}
}

// Scripted returns the IDs of every scripted answer, for tests that check
// they all exist in the question bank.
func Scripted() []string {
	var ids []string
	for id := range thisYear {
		ids = append(ids, id)
	}
	for id := range lastYear {
		ids = append(ids, id)
	}
	return ids
}

// answersFor answers every applicable question, scripted first, in bank order
// so that skip logic sees the profile answers first.
func answersFor(cat *catalog.Catalog, overrides ...map[string]answer) []app.AnswerInput {
	values := map[string]hipaa.AnswerValue{}
	var out []app.AnswerInput
	for i := range cat.Questions {
		q := &cat.Questions[i]
		if !q.Applies(values) {
			continue
		}
		a := answer{value: defaultAnswer(q.ID)}
		if q.Scope {
			a.value = hipaa.AnswerNo
		}
		for _, o := range overrides {
			if x, ok := o[q.ID]; ok {
				a = x
			}
		}
		values[q.ID] = a.value
		out = append(out, app.AnswerInput{QuestionID: q.ID, Value: string(a.value), Note: a.note, Justification: a.justification})
	}
	return out
}

// Result says what the demo made.
type Result struct {
	Practice *hipaa.Practice
	Previous *hipaa.Assessment
	Current  *hipaa.Assessment
	Replaced bool
}

// Build creates (or re-creates) the demo practice in db: last year's
// assessment, finalized about eleven months ago, and this year's draft
// started from it and fully answered.
func Build(ctx context.Context, db *store.DB, cat *catalog.Catalog) (*Result, error) {
	res := &Result{}
	if old, err := db.FindPractice(ctx, Slug); err == nil {
		if err := db.DeletePractice(ctx, old.ID); err != nil {
			return nil, err
		}
		res.Replaced = true
	} else if !hipaa.IsNotFound(err) {
		return nil, err
	}
	p := Practice()
	realNow := db.Now()
	// Last year's work is dated to last year.
	then := realNow.AddDate(0, -11, -3)
	db.SetClock(func() time.Time { return then })
	defer db.SetClock(time.Now)
	if err := db.CreatePractice(ctx, p); err != nil {
		return nil, err
	}
	res.Practice = p
	svc := app.New(cat, db.For(p.ID), "Dana Ortiz")
	prev, err := svc.StartAssessment(ctx, fmt.Sprintf("Security risk analysis %d", then.Year()), true)
	if err != nil {
		return nil, err
	}
	if err := svc.Answer(ctx, prev.ID, answersFor(cat, thisYear, lastYear)); err != nil {
		return nil, fmt.Errorf("demo: last year's answers: %w", err)
	}
	if res.Previous, err = svc.Finalize(ctx, prev.ID, "Dr. Maria Chen, owner"); err != nil {
		return nil, err
	}
	db.SetClock(time.Now)
	cur, err := svc.StartAssessment(ctx, fmt.Sprintf("Security risk analysis %d", realNow.Year()), false)
	if err != nil {
		return nil, err
	}
	if err := svc.Answer(ctx, cur.ID, answersFor(cat, thisYear)); err != nil {
		return nil, fmt.Errorf("demo: this year's answers: %w", err)
	}
	res.Current = cur
	if err := network(ctx, svc); err != nil {
		return nil, fmt.Errorf("demo: network and scan: %w", err)
	}
	if err := governance(ctx, svc, realNow); err != nil {
		return nil, fmt.Errorf("demo: vendors, staff and policies: %w", err)
	}
	// Some recurring duties were done, some not: the calendar shows both.
	for _, d := range []struct {
		kind   string
		months int
		note   string
	}{
		{"vulnerability_scan", -5, "External and internal scan by Prairie IT Services; report in the IT folder."},
		{"access_recertification", -10, "Managers confirmed EHR accounts by e-mail."},
	} {
		on := realNow.AddDate(0, d.months, 0).Format(time.DateOnly)
		if _, err := svc.RecordDuty(ctx, d.kind, on, d.note); err != nil {
			return nil, err
		}
	}
	return res, nil
}
