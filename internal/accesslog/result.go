package accesslog

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Source is the findings source name of this analyzer.
const Source = "accesslog"

// Result is one finding of the analysis, with what a reviewer needs:
// who, which patient (masked), when, how often, the events that show it and
// what to do.
type Result struct {
	Rule     string         `json:"rule"`
	Severity hipaa.Severity `json:"severity"`
	Title    string         `json:"title"`
	Subject  string         `json:"subject"`
	User     string         `json:"user,omitempty"`
	// Patient is the patient's masked ID and initials; PatientID is the full
	// ID, kept for the evidence and shown only to the privacy officer.
	Patient     string           `json:"patient,omitempty"`
	PatientID   string           `json:"-"`
	FirstSeen   time.Time        `json:"first_seen"`
	LastSeen    time.Time        `json:"last_seen"`
	Count       int64            `json:"count"`
	Explained   int64            `json:"explained,omitempty"`
	Evidence    []map[string]any `json:"evidence"`
	Citations   []string         `json:"citations"`
	Action      string           `json:"suggested_action"`
	Fingerprint string           `json:"fingerprint"`
	// Ref identifies what the finding is about in a form tests compare with
	// ground truth: "RULE|login|patientID", or for IN-01 "IN-01|gap:DATE|",
	// "IN-01|records:FILE|" and "IN-01|off:login|".
	Ref string `json:"-"`
}

// Finding converts a result to the shape every analyzer shares.
func (r *Result) Finding() *hipaa.Finding {
	return &hipaa.Finding{Source: Source, Rule: r.Rule, Severity: r.Severity, Title: r.Title, Subject: r.Subject,
		Citations: r.Citations, Evidence: r.Evidence, Fingerprint: r.Fingerprint, FirstSeen: r.FirstSeen, LastSeen: r.LastSeen}
}

// RuleInfo gives a rule's citations, from the catalog.
type RuleInfo func(rule string) (citations []string)

// results turns the gathered findings into Results, most serious first.
func (a *Analyzer) results(info RuleInfo) []*Result {
	out := make([]*Result, 0, len(a.accs))
	for _, f := range a.accs {
		out = append(out, a.result(f, info))
	}
	sort.Slice(out, func(i, j int) bool {
		x, y := out[i], out[j]
		if x.Severity.Rank() != y.Severity.Rank() {
			return x.Severity.Rank() > y.Severity.Rank()
		}
		if x.Rule != y.Rule {
			return x.Rule < y.Rule
		}
		return x.Subject < y.Subject
	})
	return out
}

func (a *Analyzer) result(f *acc, info RuleInfo) *Result {
	k := f.key
	rule := ruleNames[k.rule]
	r := &Result{Rule: rule, Severity: f.sev, Count: f.count, Explained: f.explained,
		FirstSeen: time.Unix(f.first, 0).In(a.loc), LastSeen: time.Unix(f.last, 0).In(a.loc)}
	if info != nil {
		r.Citations = info(rule)
	}
	if r.Citations == nil {
		r.Citations = []string{}
	}
	login := ""
	if k.user != none {
		r.User = a.us[k.user].display
		login = string(a.users.Key(k.user))
	}
	var pkey string
	if k.patient != none {
		r.PatientID = string(a.patients.Key(k.patient))
		r.Patient = maskID(r.PatientID)
		if in := a.ps[k.patient].initials; in[0] != 0 || in[1] != 0 {
			var parts []string
			for _, c := range in {
				if c != 0 {
					parts = append(parts, string(rune(c))+".")
				}
			}
			r.Patient += " (" + strings.Join(parts, " ") + ")"
		}
		sum := sha256.Sum256([]byte(r.PatientID))
		pkey = hex.EncodeToString(sum[:8])
	}
	r.Ref = rule + "|" + login + "|" + r.PatientID
	switch {
	case k.patient != none:
		r.Subject = "user " + r.User + ", patient " + maskID(r.PatientID)
		r.Fingerprint = Source + "|" + rule + "|" + login + "|p:" + pkey
	case k.user != none:
		r.Subject = "user " + r.User
		r.Fingerprint = Source + "|" + rule + "|" + login
		if k.rule == rIN01 {
			r.Fingerprint += "|audit-off"
			r.Ref = rule + "|off:" + login + "|"
		}
	case k.extra >= 1<<40:
		r.Subject = "audit log, " + f.detail
		r.Fingerprint = Source + "|" + rule + "|gap|" + r.FirstSeen.UTC().Format("2006-01-02T15")
		r.Ref = rule + "|gap:" + f.detail + "|"
	default:
		r.Subject = "audit log file " + f.detail
		r.Fingerprint = Source + "|" + rule + "|records|" + f.detail + "|" + r.FirstSeen.UTC().Format("2006-01-02")
		r.Ref = rule + "|records:" + strings.ToLower(f.detail) + "|"
	}
	r.Title, r.Action = a.describe(f, r)
	r.Evidence = make([]map[string]any, 0, len(f.summary)+len(f.rows))
	r.Evidence = append(r.Evidence, f.summary...)
	for _, row := range f.rows {
		r.Evidence = append(r.Evidence, a.evidence(row))
	}
	return r
}

// evidence turns an evidence row into the map stored with the finding.
// Action texts are kept only when they are a vendor's vocabulary (seen
// often, or named in the mapping), since a free-text description could hold
// a patient's name; otherwise the action's category stands in.
func (a *Analyzer) evidence(row evRow) map[string]any {
	m := map[string]any{"time": a.localTime(row.t), "user": a.us[row.user].display}
	if row.patient != none {
		m["patient"] = string(a.patients.Key(row.patient))
	}
	act := a.actions.Key(row.action)
	text := string(act)
	if _, mapped := a.m.mappedAction(act); !mapped && a.actCount[row.action] < 10 {
		text = a.actInfo[row.action].cat.String()
	}
	if text != "" {
		m["action"] = clip(text, 80)
	}
	if row.ws != none {
		m["workstation"] = clip(string(a.wss.Key(row.ws)), 80)
	}
	if row.ip != none {
		m["ip"] = clip(string(a.ips.Key(row.ip)), 64)
	}
	if row.file >= 0 && int(row.file) < len(a.files) {
		if row.line > 0 {
			m["source"] = fmt.Sprintf("%s:%d", a.files[row.file], row.line)
		} else {
			m["source"] = a.files[row.file]
		}
	}
	if row.note != "" {
		m["note"] = row.note
	}
	return m
}

// mappedAction reports whether the mapping's actions table names an action.
func (m *Mapping) mappedAction(raw []byte) (actionInfo, bool) {
	if m == nil || len(m.actions) == 0 {
		return actionInfo{}, false
	}
	ai, ok := m.actions[strings.ToLower(strings.TrimSpace(string(raw)))]
	return ai, ok
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// describe writes a finding's title and suggested action in plain words.
func (a *Analyzer) describe(f *acc, r *Result) (title, action string) {
	u := r.User
	const investigate = "Ask the user and their manager for the work reason. If there is none, treat it as a privacy incident: apply your sanction policy (164.308(a)(1)(ii)(C)) and decide whether it is a breach that must be reported (164.402)."
	switch f.key.rule {
	case rSH01:
		return fmt.Sprintf("Login %s was used on two computers at the same time on %s", u, plural(f.count, "day", "days")),
			"Find out who used this login at each computer. Give every person their own login and stop sharing passwords (164.312(a)(2)(i))."
	case rSH02:
		return fmt.Sprintf("Login %s was used from distant networks minutes apart (%s)", u, plural(f.count, "time", "times")),
			"Ask the user whether both sessions were theirs. If not, change the password, end open sessions and handle it as a security incident (164.308(a)(6)(ii))."
	case rSH03:
		return fmt.Sprintf("Login %s looks shared or belongs to no one: %s", u, f.detail),
			"Find out who signs in with this login. Replace it with personal logins, or record its owner and purpose and block interactive sign-in (164.312(a)(2)(i))."
	case rSH04:
		return fmt.Sprintf("Login %s was active for %d or more hours a day on %s", u, a.cfg.LongDayHours, plural(f.count, "day", "days")),
			"Check whether more than one person works under this login, for example a day and a night shift, and give each person a login of their own (164.312(a)(2)(i))."
	case rAC01:
		return fmt.Sprintf("Login %s was used after its owner left the practice (%s)", u, plural(f.count, "event", "events")),
			"Disable the account now. Find out who used it after the last day of work and which records they opened, and record it as a security incident (164.308(a)(3)(ii)(C), 164.308(a)(6)(ii))."
	case rAC02:
		days := any("several")
		if len(f.summary) > 0 {
			days = f.summary[0]["days_since_termination"]
		}
		return fmt.Sprintf("Login %s is still enabled %v days after its owner left", u, days),
			"Disable the account today, and add account removal to the last-day checklist so it happens on the day someone leaves (164.308(a)(3)(ii)(C))."
	case rAC03:
		idle := any("many")
		if len(f.summary) > 0 {
			idle = f.summary[0]["days_idle"]
		}
		return fmt.Sprintf("Login %s has not been used for %v days", u, idle),
			"Ask the account's manager whether it is still needed, and disable it if not (164.308(a)(4)(ii)(C))."
	case rAC04:
		return fmt.Sprintf("Login %s has administrator rights that its job does not call for", u),
			"Confirm that this person's job needs these rights. Remove them, or record who approved them and why (164.308(a)(4)(ii)(B))."
	case rAC06:
		t := fmt.Sprintf("Login %s had %s of failed sign-ins", u, plural(f.count, "burst", "bursts"))
		if f.sev == hipaa.SeverityHigh {
			t += ", followed by a successful sign-in"
		}
		return t, "Ask the user whether the attempts were theirs. If not, change the password and review what the account did afterwards (164.308(a)(5)(ii)(C))."
	case rPA01:
		return fmt.Sprintf("User %s opened their own chart (%s)", u, plural(f.count, "time", "times")),
			"Remind the user that staff get their own records through the patient portal or a records request; apply your sanction policy if self-access is against it (164.308(a)(1)(ii)(C))."
	case rPA02:
		return fmt.Sprintf("User %s opened the chart of a patient with the same last name, with no visit to explain it (%s)", u, plural(f.count, "time", "times")), investigate
	case rPA03:
		return fmt.Sprintf("User %s opened the chart of someone living at their address, with no visit to explain it (%s)", u, plural(f.count, "time", "times")), investigate
	case rPA05:
		return fmt.Sprintf("User %s opened a co-worker's chart with no visit to explain it (%s)", u, plural(f.count, "time", "times")), investigate
	case rPA06:
		return fmt.Sprintf("User %s opened a VIP or restricted chart with no visit to explain it (%s)", u, plural(f.count, "time", "times")), investigate
	case rPA07:
		return fmt.Sprintf("User %s opened the chart of a patient who died more than %d days earlier (%s)", u, a.cfg.DeceasedGraceDays, plural(f.count, "time", "times")), investigate
	case rPA10:
		return fmt.Sprintf("User %s opened %s outside working hours with no visit to explain it", u, plural(int64(f.patients.Len()), "patient's chart", "patients' charts")), investigate
	case rPA11:
		return fmt.Sprintf("User %s opened far more patients' charts than their peers on %s", u, plural(f.count, "day", "days")),
			"Ask what the work was (for example a recall list or a billing run). If nobody asked for it, check for snooping or copying of records and handle it as an incident (164.308(a)(6)(ii))."
	case rPA14:
		return fmt.Sprintf("User %s used the emergency override (break the glass) %s", u, plural(f.count, "time", "times")),
			"Review each override: was there a real emergency and a written reason? Record the review; if the reason does not hold, apply your sanction policy (164.308(a)(1)(ii)(C))."
	case rPA15:
		return fmt.Sprintf("User %s printed or exported many patients' records on %s", u, plural(f.count, "day", "days")),
			"Confirm the purpose and where the copies went. If nobody asked for them, treat it as a possible breach (164.402) and recover the copies."
	case rIN01:
		const act = "Find out why the audit log is incomplete — an outage, a faulty export or logging switched off — and make sure the EHR keeps a complete log (164.312(b))."
		switch {
		case f.key.user != none:
			return fmt.Sprintf("Audit logging was switched off or cleared by %s (%s)", u, plural(f.count, "time", "times")), act
		case f.key.extra >= 1<<40:
			hours := any("several")
			if len(f.summary) > 0 {
				hours = f.summary[0]["hours"]
			}
			return fmt.Sprintf("The audit log has no events for %v hours around %s, when activity is normally expected", hours, f.detail), act
		}
		return fmt.Sprintf("Record numbers are missing in %s (%s)", f.detail, plural(f.count, "record", "records")), act
	}
	return ruleNames[f.key.rule], ""
}
