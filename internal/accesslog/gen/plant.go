package gen

import (
	"fmt"
	"strings"
)

// key is a ground-truth key: the rule, the login and the patient ID ("" when the rule is about the user alone).
func key(rule, login, patient string) string {
	return rule + "|" + strings.ToLower(login) + "|" + patient
}

func (s *sim) mark(rule string, ai int, p int) {
	pid := ""
	if p >= 0 {
		pid = s.patients[p].id
	}
	s.truth[key(rule, s.accounts[ai].login, pid)] = true
}

// pickAccount returns an account of one of the kinds for a planted case,
// preferring accounts no other case uses, or -1. An account serves at most
// two cases, never two of the same rule (s.curRule); exclusive accounts (those whose
// owner leaves) serve one.
func (s *sim) pickAccount(kinds ...roleKind) int {
	rounds := 2
	if s.fresh {
		rounds = 1
	}
	for round := 0; round < rounds; round++ {
		var cands []int
		for i, a := range s.accounts {
			if s.uses[i] != round || s.exclusive[i] || s.byRule[s.curRule][i] || a.noEvents || a.generic || a.onCall || a.planted {
				continue
			}
			for _, k := range kinds {
				if a.kind == k {
					cands = append(cands, i)
				}
			}
		}
		if len(cands) > 0 {
			ai := cands[s.rng.IntN(len(cands))]
			s.uses[ai]++
			if s.byRule[s.curRule] == nil {
				s.byRule[s.curRule] = map[int]bool{}
			}
			s.byRule[s.curRule][ai] = true
			s.reserved[ai] = true
			return ai
		}
	}
	return -1
}

// release gives back an account picked for a case that could not be planted.
func (s *sim) release(ai int) {
	s.uses[ai]--
	delete(s.byRule[s.curRule], ai)
	if s.uses[ai] == 0 {
		delete(s.reserved, ai)
	}
}

// plantDay returns a workday for a planted case, never the day the log has a gap.
func (s *sim) plantDay() int {
	for {
		off := 3 + s.rng.IntN(s.cfg.Days-6)
		if s.workday(off) && off != s.gapDay {
			return off
		}
	}
}

func (s *sim) at2(off, secs int) int64 { return s.at(off, secs) }

// plain reports whether a patient is nobody special to an account: alive,
// not a VIP, not on staff, and sharing neither surname nor address with it.
func (s *sim) plain(p, ai int) bool {
	pt := &s.patients[p]
	if !pt.death.IsZero() || pt.vip || pt.employee >= 0 {
		return false
	}
	a := &s.accounts[ai]
	if a.person >= 0 {
		pe := &s.persons[a.person]
		if strings.EqualFold(pe.last, pt.last) || normAddr(pe.addr) == normAddr(pt.addr) {
			return false
		}
	}
	return true
}

func normAddr(s string) string {
	r := strings.NewReplacer("STREET", "ST", "AVENUE", "AVE", "ROAD", "RD", "DRIVE", "DR", "LANE", "LN", "COURT", "CT", ".", "", "APT ", "#")
	return strings.Join(strings.Fields(r.Replace(strings.ToUpper(s))), " ")
}

// randomPlain picks patients that no visit explains, for browsing cases.
func (s *sim) randomPlain(ai, off, n int) []int {
	var out []int
	for tries := 0; len(out) < n && tries < n*50; tries++ {
		p := s.rng.IntN(len(s.patients))
		if s.plain(p, ai) && !s.hasVisit(p, off) && s.patients[p].dept != s.accounts[ai].deptIdx {
			out = append(out, p)
		}
	}
	return out
}

// plan decides every planted case before the schedule is made, so that the
// patients of snooping cases get no visit that would explain them.
func (s *sim) plan() {
	n := s.cfg.Plant
	block := func(p, off int) {
		if s.keep[off] == nil {
			s.keep[off] = map[int]bool{}
		}
		s.keep[off][p] = true
	}
	later := func(off int, f func(*day)) { s.planned[off] = append(s.planned[off], f) }
	clin := []roleKind{kPhysician, kNurse, kMA}

	// Relationship snooping: PA-01 self, PA-02 family, PA-03 household, PA-05 co-worker.
	type rel struct {
		rule string
		pick func(pe *person) int
	}
	rels := []rel{
		{"PA-01", func(pe *person) int { return pe.patient }},
		{"PA-02", func(pe *person) int {
			if len(pe.relatives) > 0 {
				return pe.relatives[0]
			}
			return -1
		}},
		{"PA-03", func(pe *person) int {
			if len(pe.household) > 0 {
				return pe.household[s.rng.IntN(len(pe.household))]
			}
			return -1
		}},
	}
	for _, r := range rels {
		s.curRule = r.rule
		done := 0
		for tries := 0; done < n && tries < 500; tries++ {
			ai := s.pickAccount(clin...)
			if ai < 0 {
				break
			}
			a := &s.accounts[ai]
			pe := &s.persons[a.person]
			p := r.pick(pe)
			if p < 0 || s.patients[p].dept == a.deptIdx || s.patients[p].vip || !s.patients[p].death.IsZero() ||
				(r.rule != "PA-01" && s.patients[p].employee >= 0) {
				s.release(ai)
				continue
			}
			off := s.plantDay()
			block(p, off)
			times := 1 + s.rng.IntN(3)
			later(off, func(d *day) {
				for k := 0; k < times; k++ {
					d.events = append(d.events, event{t: s.at2(off, 12*3600+k*600+s.rng.IntN(300)), acct: int32(ai), patient: int32(p), act: aChartReview, ws: int32(a.ws[0])})
				}
			})
			s.mark(r.rule, ai, p)
			done++
		}
	}
	s.curRule = "PA-05"
	// Co-workers: staff who are patients, looked up by someone from another department.
	var staffPatients []int
	for i := range s.persons {
		if s.persons[i].patient >= 0 {
			staffPatients = append(staffPatients, s.persons[i].patient)
		}
	}
	for done, tries := 0, 0; done < n && tries < 500 && len(staffPatients) > 0; tries++ {
		ai := s.pickAccount(clin...)
		if ai < 0 {
			break
		}
		a := &s.accounts[ai]
		p := staffPatients[s.rng.IntN(len(staffPatients))]
		pt := &s.patients[p]
		pe := &s.persons[a.person]
		if pt.employee == a.person || pt.dept == a.deptIdx || strings.EqualFold(pt.last, pe.last) || normAddr(pt.addr) == normAddr(pe.addr) {
			s.release(ai)
			continue
		}
		off := s.plantDay()
		block(p, off)
		later(off, func(d *day) {
			d.events = append(d.events, event{t: s.at2(off, 13*3600+s.rng.IntN(3600)), acct: int32(ai), patient: int32(p), act: aChartOpen, ws: int32(a.ws[0])})
		})
		s.mark("PA-05", ai, p)
		done++
	}
	// VIPs and deceased patients.
	var vips, dead []int
	for i := range s.patients {
		switch {
		case s.patients[i].vip:
			vips = append(vips, i)
		case !s.patients[i].death.IsZero() && s.patients[i].employee < 0:
			dead = append(dead, i)
		}
	}
	for _, spec := range []struct {
		rule string
		pool []int
	}{{"PA-06", vips}, {"PA-07", dead}} {
		s.curRule = spec.rule
		for done, tries := 0, 0; done < n && tries < 500 && len(spec.pool) > 0; tries++ {
			ai := s.pickAccount(clin...)
			if ai < 0 {
				break
			}
			a := &s.accounts[ai]
			p := spec.pool[s.rng.IntN(len(spec.pool))]
			off := s.plantDay()
			pt := &s.patients[p]
			pe := &s.persons[a.person]
			if pt.dept == a.deptIdx || strings.EqualFold(pt.last, pe.last) || normAddr(pt.addr) == normAddr(pe.addr) ||
				(spec.rule == "PA-07" && s.date(s.cfg.Start, off).Sub(pt.death).Hours() < 24*45) {
				s.release(ai)
				continue
			}
			block(p, off)
			later(off, func(d *day) {
				d.events = append(d.events, event{t: s.at2(off, 10*3600+s.rng.IntN(5*3600)), acct: int32(ai), patient: int32(p), act: aChartReview, ws: int32(a.ws[0])})
			})
			s.mark(spec.rule, ai, p)
			done++
		}
	}
	s.curRule = "decoy"
	// Decoys: relatives and VIPs seen by their own department with a visit are not snooping.
	for k := 0; k < n; k++ {
		ai := s.pickAccount(kPhysician)
		if ai < 0 {
			break
		}
		a := &s.accounts[ai]
		pe := &s.persons[a.person]
		targets := append(append([]int{}, pe.relatives...), pe.household...)
		if len(targets) == 0 {
			s.release(ai)
			continue
		}
		p := targets[0]
		off := s.plantDay()
		later(off, func(d *day) {
			// A visit with this physician: the encounter explains the access.
			s.addVisit(p, ai, off)
			d.events = append(d.events, event{t: s.at2(off, 9*3600+s.rng.IntN(3600)), acct: int32(ai), patient: int32(p), act: aNoteSigned, ws: int32(a.ws[0])})
		})
	}

	s.plantShared(n, later, clin)
	s.plantAccounts(n, later)
	s.plantBehaviour(n, later, clin)
}

// addVisit books an extra visit (used by decoys); it must run before the
// visits file is written, which happens after the simulation.
func (s *sim) addVisit(p, ai, off int) {
	a := &s.accounts[ai]
	e := encounter{patient: p, acct: ai, date: s.date(s.cfg.Start, off), dept: a.deptIdx}
	s.visits[off] = append(s.visits[off], e)
	s.byPat[p] = append(s.byPat[p], off)
}

// plantShared plants SH-01, SH-02, SH-03 and SH-04.
func (s *sim) plantShared(n int, later func(int, func(*day)), clin []roleKind) {
	s.curRule = "SH-01"
	// SH-01: a second person works under the login at another computer for two hours.
	for k := 0; k < n; k++ {
		ai := s.pickAccount(clin...)
		if ai < 0 {
			break
		}
		a := &s.accounts[ai]
		other := s.newWS(fmt.Sprintf("%s-WS%03d", deptCode(a.dept), 900+k), fmt.Sprintf("10.%d.9.%d", 10+a.deptIdx, 1+k))
		for _, off := range s.distinctDays(3) {
			later(off, func(d *day) {
				pats := s.sched[[2]int{off, a.deptIdx}]
				if len(pats) > 8 {
					pats = pats[:6+s.rng.IntN(3)] // the other person's own few patients
				}
				start := 10*3600 + s.rng.IntN(3600)
				for t := start; t < start+2*3600; t += 15 + s.rng.IntN(30) {
					p := -1
					if len(pats) > 0 {
						p = pats[s.rng.IntN(len(pats))]
					}
					d.events = append(d.events, event{t: s.at2(off, t), acct: int32(ai), patient: int32(p), act: uint8(clinicalActions[s.rng.IntN(len(clinicalActions))]), ws: int32(other)})
				}
				// The login's owner keeps working at their own computer meanwhile.
				for t := start; t < start+2*3600; t += 60 + s.rng.IntN(120) {
					d.events = append(d.events, event{t: s.at2(off, t), acct: int32(ai), patient: -1, act: aInBasket, ws: int32(a.ws[0])})
				}
			})
		}
		s.mark("SH-01", ai, -1)
	}
	s.curRule = "SH-02"
	// SH-02: an evening session from home, then minutes later one from a distant network.
	for k := 0; k < n; k++ {
		ai := s.pickAccount(kPhysician, kNurse)
		if ai < 0 {
			break
		}
		a := &s.accounts[ai]
		s.foreignIP++
		ip := fmt.Sprintf("%d.%d.%d.%d", 185+s.foreignIP%20, 100+s.foreignIP, s.rng.IntN(256), 1+s.rng.IntN(254))
		far := s.newWS("UNKNOWN-"+fmt.Sprint(s.foreignIP), ip)
		for _, off := range s.distinctDays(2) {
			later(off, func(d *day) {
				var pats []int
				for _, e := range s.visits[off] {
					if e.dept == a.deptIdx {
						pats = append(pats, e.patient)
					}
				}
				if len(pats) == 0 {
					return
				}
				t0 := 19*3600 + s.rng.IntN(3600)
				for j := 0; j < 3; j++ {
					d.events = append(d.events, event{t: s.at2(off, t0+j*120), acct: int32(ai), patient: int32(pats[s.rng.IntN(len(pats))]), act: aChartReview, ws: int32(a.homeWS)})
				}
				t1 := t0 + 600 + s.rng.IntN(1200)
				for j := 0; j < 3; j++ {
					d.events = append(d.events, event{t: s.at2(off, t1+j*90), acct: int32(ai), patient: int32(pats[s.rng.IntN(len(pats))]), act: aChartReview, ws: int32(far)})
				}
			})
		}
		s.mark("SH-02", ai, -1)
	}
	// SH-03: role accounts at a shared desk, an account nobody on staff owns, and a login missing from the user list.
	generic := []string{"frontdesk", "nurse1", "reception", "billing2", "checkin", "triage", "ma3", "lab1", "scheduler", "xray1", "office", "temp2"}
	for k := 0; k < n; k++ {
		dept := s.clinical[k%len(s.clinical)]
		kind := kFrontDesk
		var login string
		var person = -1
		switch k % 3 {
		case 0, 1:
			login = generic[k%len(generic)]
			if s.logins[login] {
				login = fmt.Sprintf("%s%d", login, k)
			}
		default:
			// A personal-looking account with no one behind it in HR.
			login = s.login(s.first(), s.surname())
			kind = kNurse
		}
		s.logins[login] = true
		a := account{login: login, role: map[roleKind]string{kFrontDesk: "Front Desk", kNurse: "Registered Nurse"}[kind], dept: s.depts[dept],
			kind: kind, deptIdx: dept, person: person, enabled: true, created: s.date(s.cfg.Start, -400), generic: k%3 != 2,
			planted: true, activeFrom: s.cfg.Start}
		wsi := s.newWS(fmt.Sprintf("%s-DESK%02d", deptCode(a.dept), k), fmt.Sprintf("10.%d.8.%d", 10+dept, 1+k))
		a.ws = [2]int{wsi, wsi}
		s.accounts = append(s.accounts, a)
		ai := len(s.accounts) - 1
		for _, off := range s.distinctDays(4) {
			later(off, func(d *day) {
				for _, p := range s.sched[[2]int{off, dept}] {
					d.events = append(d.events, event{t: s.at2(off, 8*3600+s.rng.IntN(8*3600)), acct: int32(ai), patient: int32(p), act: aCheckIn, ws: int32(wsi)})
				}
				s.lastSeen[ai] = s.date(s.cfg.Start, off)
			})
		}
		s.mark("SH-03", ai, -1)
	}
	s.curRule = "SH-03"
	// A login used but missing from the user list (counted with SH-03 as well).
	for k := 0; k < max(1, n/3); k++ {
		ai := s.pickAccount(kNurse)
		if ai < 0 {
			break
		}
		a := &s.accounts[ai]
		login := s.login(s.first(), s.surname())
		for _, off := range s.distinctDays(2) {
			later(off, func(d *day) {
				for _, p := range s.sched[[2]int{off, a.deptIdx}] {
					if s.plain(p, ai) && s.rng.IntN(100) < 30 {
						d.events = append(d.events, event{t: s.at2(off, 9*3600+s.rng.IntN(7*3600)), acct: int32(ai), patient: int32(p), act: aChartReview, ws: int32(a.ws[1]), login: login})
					}
				}
			})
		}
		s.truth[key("SH-03", login, "")] = true
	}
	s.curRule = "SH-04"
	// SH-04: a day and a night worker share one login on several days.
	for k := 0; k < n; k++ {
		ai := s.pickAccount(kNurse, kMA)
		if ai < 0 {
			break
		}
		a := &s.accounts[ai]
		nightWS := s.newWS(fmt.Sprintf("%s-NIGHT%02d", deptCode(a.dept), k), fmt.Sprintf("10.%d.7.%d", 10+a.deptIdx, 1+k))
		for _, off := range s.distinctDays(3) {
			later(off, func(d *day) {
				pats := s.sched[[2]int{off, a.deptIdx}]
				if len(pats) == 0 {
					return
				}
				for t := 0; t < 6*3600+1800; t += 900 + s.rng.IntN(900) {
					d.events = append(d.events, event{t: s.at2(off, t), acct: int32(ai), patient: int32(pats[s.rng.IntN(len(pats))]), act: aResults, ws: int32(nightWS)})
				}
				for t := 19 * 3600; t < 24*3600; t += 900 + s.rng.IntN(900) {
					d.events = append(d.events, event{t: s.at2(off, t), acct: int32(ai), patient: int32(pats[s.rng.IntN(len(pats))]), act: aResults, ws: int32(nightWS)})
				}
			})
		}
		s.mark("SH-04", ai, -1)
	}
}

// distinctDays returns k different workdays for planted events.
func (s *sim) distinctDays(k int) []int {
	seen := map[int]bool{}
	var out []int
	for len(out) < k {
		off := s.plantDay()
		if !seen[off] {
			seen[off] = true
			out = append(out, off)
		}
	}
	return out
}

// plantAccounts plants AC-01, AC-02, AC-03, AC-04 and an audit switch-off.
func (s *sim) plantAccounts(n int, later func(int, func(*day))) {
	end := s.date(s.cfg.Start, s.cfg.Days)
	s.fresh = true // accounts of people who leave serve no other case
	defer func() { s.fresh = false }()
	s.curRule = "AC-01"
	// AC-01 (+AC-02): staff who left, whose login is still used afterwards.
	for k := 0; k < n; k++ {
		ai := s.pickAccount(kNurse, kMA, kFrontDesk, kPhysician)
		if ai < 0 {
			break
		}
		s.exclusive[ai] = true
		a := &s.accounts[ai]
		termOff := s.cfg.Days/3 + s.rng.IntN(s.cfg.Days/4)
		s.persons[a.person].term = s.date(s.cfg.Start, termOff)
		a.activeTo = s.date(s.cfg.Start, termOff)
		var days []int
		for len(days) < 2 {
			off := termOff + 2 + s.rng.IntN(s.cfg.Days-termOff-3)
			if s.workday(off) && off != s.gapDay {
				days = append(days, off)
			}
		}
		for _, off := range days {
			later(off, func(d *day) {
				s.normalDay(d, off, ai)
			})
		}
		s.mark("AC-01", ai, -1)
		s.mark("AC-02", ai, -1)
	}
	s.curRule = "AC-02"
	// AC-02 only: left, account still enabled, not used. Decoy: left and disabled.
	for k := 0; k < n; k++ {
		ai := s.pickAccount(kNurse, kMA, kFrontDesk, kBilling)
		if ai < 0 {
			break
		}
		s.exclusive[ai] = true
		a := &s.accounts[ai]
		termOff := s.cfg.Days/4 + s.rng.IntN(s.cfg.Days/2)
		s.persons[a.person].term = s.date(s.cfg.Start, termOff)
		a.activeTo = s.date(s.cfg.Start, termOff)
		if k%2 == 0 {
			s.mark("AC-02", ai, -1)
		} else {
			// Decoy: closed properly.
			a.enabled = false
			ai2 := s.pickAccount(kNurse, kMA, kFrontDesk, kBilling)
			if ai2 >= 0 {
				s.exclusive[ai2] = true
				b := &s.accounts[ai2]
				termOff := s.cfg.Days/4 + s.rng.IntN(s.cfg.Days/2)
				s.persons[b.person].term = s.date(s.cfg.Start, termOff)
				b.activeTo = s.date(s.cfg.Start, termOff)
				s.mark("AC-02", ai2, -1)
			}
		}
	}
	// AC-03: enabled accounts nobody has used for months; decoy: a per-diem used six weeks ago.
	for k := 0; k < 2*n; k++ {
		dept := s.clinical[s.rng.IntN(len(s.clinical))]
		p := person{id: fmt.Sprintf("E%05d", 10000+len(s.persons)*3), first: s.first(), last: s.surname(), addr: s.address(),
			dept: s.depts[dept], title: "Registered Nurse", hire: s.date(s.cfg.Start, -900), hr: true, patient: -1}
		s.persons = append(s.persons, p)
		a := account{login: s.login(p.first, p.last), role: "Registered Nurse", dept: s.depts[dept], kind: kNurse, deptIdx: dept,
			person: len(s.persons) - 1, enabled: true, created: p.hire, noEvents: true, planted: true, name: p.first + " " + p.last}
		if k%2 == 0 {
			a.lastLogin = end.AddDate(0, 0, -(120 + s.rng.IntN(300)))
		} else {
			a.lastLogin = end.AddDate(0, 0, -(20 + s.rng.IntN(40)))
		}
		s.accounts = append(s.accounts, a)
		s.persons[len(s.persons)-1].acct = len(s.accounts) - 1
		if k%2 == 0 {
			s.mark("AC-03", len(s.accounts)-1, -1)
		}
	}
	s.fresh = false
	s.curRule = "AC-04"
	// AC-04: administrator rights on a clinical job.
	for k := 0; k < n; k++ {
		ai := s.pickAccount(kMA, kFrontDesk, kNurse)
		if ai < 0 {
			break
		}
		s.accounts[ai].role = "System Administrator"
		s.mark("AC-04", ai, -1)
	}
	// IN-01: the IT manager switches audit logging off once.
	for ai := range s.accounts {
		if s.accounts[ai].kind == kIT {
			off := s.plantDay()
			later(off, func(d *day) {
				d.events = append(d.events, event{t: s.at2(off, 15*3600), acct: int32(ai), patient: -1, act: aAuditOff, ws: int32(s.accounts[ai].ws[0])})
			})
			s.mark("IN-01", ai, -1)
			s.truth[key("IN-01", "off:"+s.accounts[ai].login, "")] = true
			delete(s.truth, key("IN-01", s.accounts[ai].login, ""))
			break
		}
	}
}

// plantBehaviour plants AC-06, PA-10, PA-11, PA-14 and PA-15.
func (s *sim) plantBehaviour(n int, later func(int, func(*day)), clin []roleKind) {
	s.curRule = "AC-06"
	// AC-06: a burst of failed sign-ins, half of them followed by a successful one.
	for k := 0; k < n; k++ {
		ai := s.pickAccount(append(clin, kBilling)...)
		if ai < 0 {
			break
		}
		a := &s.accounts[ai]
		off := s.plantDay()
		success := k%2 == 0
		later(off, func(d *day) {
			t0 := 7*3600 + s.rng.IntN(1800)
			ws := a.ws[0]
			if !success {
				t0 = 2*3600 + s.rng.IntN(3600)
				ws = s.newWS(fmt.Sprintf("KIOSK-%d", k), fmt.Sprintf("10.99.0.%d", 1+k))
			}
			for j := 0; j < 6+s.rng.IntN(3); j++ {
				d.events = append(d.events, event{t: s.at2(off, t0+j*25), acct: int32(ai), patient: -1, act: aFailedLogin, ws: int32(ws), fail: true})
			}
			if success {
				d.events = append(d.events, event{t: s.at2(off, t0+400), acct: int32(ai), patient: -1, act: aLogin, ws: int32(ws)})
			}
		})
		s.mark("AC-06", ai, -1)
	}
	s.curRule = "PA-10"
	// PA-10: browsing charts late at night with no visit to explain them.
	for k := 0; k < n; k++ {
		ai := s.pickAccount(kPhysician, kNurse)
		if ai < 0 {
			break
		}
		a := &s.accounts[ai]
		off := s.plantDay()
		pats := s.randomPlain(ai, off, 3+s.rng.IntN(4))
		for _, p := range pats {
			for d := off - 31; d <= off+8; d++ {
				if s.keep[d] == nil {
					s.keep[d] = map[int]bool{}
				}
				s.keep[d][p] = true
			}
		}
		later(off, func(d *day) {
			t0 := 21*3600 + s.rng.IntN(5400)
			for j, p := range pats {
				d.events = append(d.events, event{t: s.at2(off, t0+j*200), acct: int32(ai), patient: int32(p), act: aChartReview, ws: int32(a.homeWS)})
			}
		})
		s.mark("PA-10", ai, -1)
	}
	s.curRule = "PA-11"
	// PA-11: hundreds of charts in one day.
	for k := 0; k < n; k++ {
		ai := s.pickAccount(clin...)
		if ai < 0 {
			break
		}
		a := &s.accounts[ai]
		off := s.plantDay()
		cnt := 350 + s.rng.IntN(200)
		later(off, func(d *day) {
			var pats []int
			for tries := 0; len(pats) < cnt && tries < cnt*20; tries++ {
				p := s.rng.IntN(len(s.patients))
				if s.plain(p, ai) {
					pats = append(pats, p)
				}
			}
			for j, p := range pats {
				d.events = append(d.events, event{t: s.at2(off, 8*3600+45*60+j*15), acct: int32(ai), patient: int32(p), act: aChartOpen, ws: int32(a.ws[0])})
			}
		})
		s.mark("PA-11", ai, -1)
	}
	s.curRule = "PA-14"
	// PA-14: emergency overrides.
	for k := 0; k < n; k++ {
		ai := s.pickAccount(kPhysician, kNurse)
		if ai < 0 {
			break
		}
		a := &s.accounts[ai]
		off := s.plantDay()
		later(off, func(d *day) {
			pats := s.sched[[2]int{off, a.deptIdx}]
			if len(pats) == 0 {
				return
			}
			for j := 0; j < 1+s.rng.IntN(2); j++ {
				d.events = append(d.events, event{t: s.at2(off, 11*3600+j*900), acct: int32(ai), patient: int32(pats[s.rng.IntN(len(pats))]), act: aBTG, ws: int32(a.ws[0]), btg: true})
			}
		})
		s.mark("PA-14", ai, -1)
	}
	s.curRule = "PA-15"
	// PA-15: printing or exporting dozens of charts in a day, at the computer the user works at then.
	for k := 0; k < n; k++ {
		ai := s.pickAccount(kHIM, kBilling, kNurse)
		if ai < 0 {
			break
		}
		a := &s.accounts[ai]
		off := s.plantDay()
		cnt := 25 + s.rng.IntN(20)
		ws := a.ws[0]
		if a.kind == kNurse {
			ws = a.ws[1]
		}
		later(off, func(d *day) {
			pats := s.recent(off, 20, cnt*3)
			seen := map[int]bool{}
			j := 0
			for _, p := range pats {
				if seen[p] || !s.plain(p, ai) || len(seen) >= cnt {
					continue
				}
				seen[p] = true
				d.events = append(d.events, event{t: s.at2(off, 14*3600+j*20), acct: int32(ai), patient: int32(p), act: uint8([]int{aChartPrint, aExport}[j%2]), ws: int32(ws)})
				j++
			}
		})
		s.mark("PA-15", ai, -1)
	}
}
