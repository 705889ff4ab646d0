package gen

import (
	"sort"
	"time"
)

// action is one entry of the EHR's action vocabulary.
type action struct {
	epic    string // METRIC_NAME in the Epic-style extract
	generic string // Event in the generic export
}

const (
	aLogin = iota
	aLogout
	aFailedLogin
	aChartOpen
	aChartReview
	aProblemList
	aNoteSigned
	aOrderEntered
	aMedList
	aResults
	aInBasket
	aApptDesk
	aCheckIn
	aRegistration
	aChargeEntry
	aClaimEdit
	aROIPrint
	aChartPrint
	aExport
	aBTG
	aUserAdmin
	aAuditOff
	aSchedule
)

var actions = []action{
	aLogin:        {"Login", "User Sign-In"},
	aLogout:       {"Logout", "User Sign-Out"},
	aFailedLogin:  {"Failed Login", "User Sign-In"},
	aChartOpen:    {"Patient Chart Opened", "Chart Opened"},
	aChartReview:  {"Chart Review Accessed", "Chart Review"},
	aProblemList:  {"Problem List Viewed", "Problem List"},
	aNoteSigned:   {"Clinical Note Signed", "Note Signed"},
	aOrderEntered: {"Order Entered", "Order Placed"},
	aMedList:      {"Medication List Viewed", "Medications Viewed"},
	aResults:      {"Results Reviewed", "Lab Results Viewed"},
	aInBasket:     {"In Basket Message Viewed", "Inbox Opened"},
	aApptDesk:     {"Appointment Desk Opened", "Appointment Viewed"},
	aCheckIn:      {"Patient Checked In", "Check-In"},
	aRegistration: {"Registration Updated", "Demographics Updated"},
	aChargeEntry:  {"Charge Entry", "Charge Posted"},
	aClaimEdit:    {"Claim Edited", "Claim Updated"},
	aROIPrint:     {"Release of Information Print", "Records Printed"},
	aChartPrint:   {"Chart Printed", "Chart Print"},
	aExport:       {"Report Exported", "Chart Export"},
	aBTG:          {"Break-the-Glass Access", "Emergency Access Override"},
	aUserAdmin:    {"User Template Edited", "User Maintenance"},
	aAuditOff:     {"Audit Logging Disabled", "Audit Trail Disabled"},
	aSchedule:     {"Schedule Viewed", "Schedule Opened"},
}

var clinicalActions = []int{aChartOpen, aChartReview, aProblemList, aNoteSigned, aOrderEntered, aMedList, aResults}

// event is one generated audit event.
type event struct {
	t       int64
	acct    int32
	patient int32 // -1 for none
	act     uint8
	ws      int32
	fail    bool
	btg     bool
	login   string // overrides the account's login (an account not on any roster)
}

// day holds the events and visits of one calendar day.
type day struct {
	date   time.Time
	events []event
}

// encounter is one visit or appointment.
type encounter struct {
	patient, acct int
	date          time.Time
	dept          int
}

// sim generates the visit schedule and the day-by-day events.
type sim struct {
	*world
	visits    map[int][]encounter     // by day offset (may be negative: history before the log)
	byPat     map[int][]int           // patient → day offsets of visits
	sched     map[[2]int][]int        // (day, dept) → patients seen
	planned   map[int][]func(*day)    // planted events by day offset
	lastSeen  map[int]time.Time       // account → last day with a successful event
	reserved  map[int]bool            // accounts used by a planted case
	uses      map[int]int             // how many planted cases use an account
	exclusive map[int]bool            // accounts that serve one case only
	byRule    map[string]map[int]bool // accounts each rule's cases use
	curRule   string                  // the rule being planted
	fresh     bool                    // pick only accounts no case uses yet
	pools     map[[2]int][]int        // patients seen in the days before a day, by (day, days back)
	gapDay    int
	keep      map[int]map[int]bool // day offset → patients that must have no visit that day (planted)
}

func (w *world) workday(off int) bool {
	wd := w.date(w.cfg.Start, off).Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// schedule books visits for every workday from 30 days before the log to its end.
func (s *sim) schedule() {
	for off := -30; off < s.cfg.Days; off++ {
		if !s.workday(off) {
			continue
		}
		for ai := range s.accounts {
			a := &s.accounts[ai]
			if a.kind != kPhysician || a.noEvents || a.generic {
				continue
			}
			pool := s.byDept[a.deptIdx]
			n := 10 + s.rng.IntN(10)
			for k := 0; k < n && len(pool) > 0; k++ {
				p := pool[s.rng.IntN(len(pool))]
				if !s.patients[p].death.IsZero() && !s.patients[p].death.After(s.date(s.cfg.Start, off)) {
					continue
				}
				if e := s.patients[p].employee; e >= 0 && s.persons[e].acct == ai {
					continue // nobody is booked to see themselves
				}
				if s.blocked(p, off) {
					continue
				}
				e := encounter{patient: p, acct: ai, date: s.date(s.cfg.Start, off), dept: a.deptIdx}
				s.visits[off] = append(s.visits[off], e)
				s.byPat[p] = append(s.byPat[p], off)
				key := [2]int{off, a.deptIdx}
				s.sched[key] = append(s.sched[key], p)
			}
		}
	}
}

// blocked reports whether a planted case needs a patient to have no visit near a day.
func (s *sim) blocked(p, off int) bool {
	for d := off - 8; d <= off+31; d++ {
		if s.keep[d][p] {
			return true
		}
	}
	return false
}

// hasVisit reports whether a patient has a visit in the explanation window of a day.
func (s *sim) hasVisit(p, off int) bool {
	for _, d := range s.byPat[p] {
		if d >= off-30 && d <= off+7 {
			return true
		}
	}
	return false
}

// at returns the Unix time of a local clock time on a day offset.
func (s *sim) at(off int, secs int) int64 {
	return s.date(s.cfg.Start, off).Add(time.Duration(secs) * time.Second).Unix()
}

// shift returns a working day's start and end, in seconds after midnight.
func (s *sim) shift() (int, int) {
	start := 7*3600 + 30*60 + s.rng.IntN(3600)
	end := 16*3600 + 30*60 + s.rng.IntN(3600)
	return start, end
}

// spread returns n sorted times in [a, b].
func (s *sim) spread(n, a, b int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = a + s.rng.IntN(max(1, b-a))
	}
	sort.Ints(out)
	return out
}

// normalDay writes one account's ordinary work on a workday.
func (s *sim) normalDay(d *day, off, ai int) {
	a := &s.accounts[ai]
	start, end := s.shift()
	ws := a.ws[0]
	add := func(t int, act int, p int, ws int) {
		d.events = append(d.events, event{t: s.at(off, t), acct: int32(ai), patient: int32(p), act: uint8(act), ws: int32(ws)})
	}
	// Sign-in, sometimes after a typo or two.
	if r := s.rng.IntN(100); r < 10 {
		n := 1
		if r < 2 {
			n = 2
		}
		for k := 0; k < n; k++ {
			d.events = append(d.events, event{t: s.at(off, start-90+k*20), acct: int32(ai), patient: -1, act: aFailedLogin, ws: int32(ws), fail: true})
		}
	}
	add(start-30, aLogin, -1, ws)
	// The patients of the day.
	var pats []int
	switch a.kind {
	case kPhysician:
		for _, e := range s.visits[off] {
			if e.acct == ai {
				pats = append(pats, e.patient)
			}
		}
	case kNurse, kMA:
		for _, p := range s.sched[[2]int{off, a.deptIdx}] {
			if s.rng.IntN(100) < 45 {
				pats = append(pats, p)
			}
		}
	case kFrontDesk:
		pats = append(pats, s.sched[[2]int{off, a.deptIdx}]...)
	case kBilling:
		pats = s.recent(off, 14, 30+s.rng.IntN(60))
	case kHIM:
		pats = s.recent(off, 30, 12+s.rng.IntN(25))
	}
	// Staff do not open their own chart in their normal work.
	own := pats[:0]
	for _, p := range pats {
		if e := s.patients[p].employee; e < 0 || e != a.person {
			own = append(own, p)
		}
	}
	pats = own
	per := max(1, s.cfg.EventsPerUserDay/max(1, len(pats)+2))
	var seq []struct{ act, p int }
	for _, p := range pats {
		k := max(1, per/2+s.rng.IntN(per+1))
		for j := 0; j < k; j++ {
			seq = append(seq, struct{ act, p int }{s.actionFor(a.kind), p})
		}
		// Noise: a clinician looks up a patient of the department without a visit.
		if (a.kind == kPhysician || a.kind == kNurse) && s.rng.IntN(1000) < 1 {
			pool := s.byDept[a.deptIdx]
			q := pool[s.rng.IntN(len(pool))]
			if s.patients[q].death.IsZero() && s.patients[q].employee != a.person {
				seq = append(seq, struct{ act, p int }{aChartOpen, q})
			}
		}
	}
	if a.kind == kHIM {
		for k := 0; k < 2+s.rng.IntN(4) && len(pats) > 0; k++ {
			seq = append(seq, struct{ act, p int }{aROIPrint, pats[s.rng.IntN(len(pats))]})
		}
		if s.rng.IntN(8) == 0 {
			// Records staff close out a deceased patient's chart: allowed.
			if q := s.deceased(); q >= 0 {
				seq = append(seq, struct{ act, p int }{aChartReview, q})
			}
		}
	}
	for k := 0; k < 2+s.rng.IntN(4); k++ {
		seq = append(seq, struct{ act, p int }{aInBasket, -1})
	}
	if a.kind == kIT || a.kind == kAdmin {
		for k := 0; k < 5+s.rng.IntN(10); k++ {
			seq = append(seq, struct{ act, p int }{[]int{aUserAdmin, aSchedule}[s.rng.IntN(2)], -1})
		}
	}
	times := s.spread(len(seq), start, end)
	roam := s.rng.IntN(100) < 15
	for i, x := range seq {
		w := ws
		if (a.kind == kPhysician || a.kind == kNurse || a.kind == kMA) && times[i] >= 13*3600 {
			w = a.ws[1] // the afternoon in another room
		}
		add(times[i], x.act, x.p, w)
	}
	if roam && len(times) > 4 {
		// A quick step to another computer and back: one switch-back, which is normal.
		t := times[len(times)/4]
		add(t+10, aSchedule, -1, a.ws[1])
		add(t+25, aSchedule, -1, ws)
	}
	add(end+60, aLogout, -1, ws)
	// Evening charting from home on the day's own patients.
	if a.evening && len(pats) > 0 && s.rng.IntN(100) < 40 {
		t0 := 19*3600 + 30*60 + s.rng.IntN(5400)
		for k := 0; k < 2+s.rng.IntN(4); k++ {
			add(t0+k*240, aNoteSigned, pats[s.rng.IntN(len(pats))], a.homeWS)
		}
	}
	s.lastSeen[ai] = s.date(s.cfg.Start, off)
}

// recent picks n patients with a visit in the last `back` days.
func (s *sim) recent(off, back, n int) []int {
	key := [2]int{off, back}
	pool, ok := s.pools[key]
	if !ok {
		for d := off - back; d < off; d++ {
			for _, e := range s.visits[d] {
				pool = append(pool, e.patient)
			}
		}
		s.pools[key] = pool
	}
	if len(pool) == 0 {
		return nil
	}
	out := make([]int, 0, n)
	for k := 0; k < n; k++ {
		out = append(out, pool[s.rng.IntN(len(pool))])
	}
	return out
}

func (s *sim) deceased() int {
	for k := 0; k < 50; k++ {
		p := s.rng.IntN(len(s.patients))
		if !s.patients[p].death.IsZero() {
			return p
		}
	}
	return -1
}

func (s *sim) actionFor(k roleKind) int {
	switch k {
	case kFrontDesk:
		return []int{aApptDesk, aCheckIn, aRegistration}[s.rng.IntN(3)]
	case kBilling:
		return []int{aChargeEntry, aClaimEdit, aChartReview}[s.rng.IntN(3)]
	case kHIM:
		return []int{aChartReview, aChartOpen}[s.rng.IntN(2)]
	}
	return clinicalActions[s.rng.IntN(len(clinicalActions))]
}

// onCallDay is an on-call physician's night or weekend work: charts of the
// department's patients at any hour, which the on-call role allows.
func (s *sim) onCallDay(d *day, off, ai int, long bool) {
	a := &s.accounts[ai]
	pool := s.byDept[a.deptIdx]
	n := 2 + s.rng.IntN(5)
	from, to := 20*3600, 23*3600+3000
	if long {
		from, to = 6*3600, 23*3600+1800
		n = 40
	}
	for _, t := range s.spread(n, from, to) {
		p := pool[s.rng.IntN(len(pool))]
		if !s.patients[p].death.IsZero() || s.patients[p].vip || s.patients[p].employee == a.person {
			continue
		}
		s.addVisit(p, ai, off) // the call is documented as a telephone encounter
		d.events = append(d.events, event{t: s.at(off, t), acct: int32(ai), patient: int32(p), act: uint8(aChartReview), ws: int32(a.homeWS)})
	}
	s.lastSeen[ai] = s.date(s.cfg.Start, off)
}
