package accesslog

import (
	"math"
	"sort"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// finish closes every open day and runs the rules that need the whole
// stream: peer volumes, the roster checks and the gaps in the log.
func (a *Analyzer) finish() {
	for uid := range a.us {
		a.closeDay(uint32(uid), &a.us[uid])
	}
	if a.hourN > 0 {
		a.hours[a.hourKey] += a.hourN
		a.hourN = 0
	}
	a.volume()
	a.rosterRules()
	a.gaps()
	// Rules with a minimum over the whole stream.
	for k, f := range a.accs {
		switch k.rule {
		case rSH04:
			if f.count < int64(a.cfg.LongDayMinDays) {
				delete(a.accs, k)
			}
		case rPA10:
			if f.patients.Len() < a.cfg.AfterHoursMinPatients {
				delete(a.accs, k)
			} else if f.explained == f.count {
				f.sev = hipaa.SeverityLow
			}
		case rPA01, rPA02, rPA03, rPA05, rPA06, rPA07:
			if f.explained == f.count {
				f.sev = hipaa.SeverityLow
			}
		}
	}
}

// volume is PA-11: days on which a user opened far more patients than peers.
func (a *Analyzer) volume() {
	size := map[int32]int{}
	for i := range a.us {
		if len(a.us[i].daily) > 0 && a.us[i].peer >= 0 {
			size[a.us[i].peer]++
		}
	}
	group := func(u *userState) int32 {
		if u.peer >= 0 && size[u.peer] >= a.cfg.VolumeMinPeers {
			return u.peer
		}
		return -1
	}
	counts := map[int32][]uint32{}
	for i := range a.us {
		u := &a.us[i]
		g := group(u)
		for _, d := range u.daily {
			counts[g] = append(counts[g], d.pats)
		}
	}
	limit := map[int32]float64{}
	for g, c := range counts {
		sort.Slice(c, func(i, j int) bool { return c[i] < c[j] })
		rank := int(math.Ceil(a.cfg.VolumePercentile/100*float64(len(c)))) - 1
		rank = max(0, min(rank, len(c)-1))
		limit[g] = math.Max(float64(a.cfg.VolumeFloor), a.cfg.VolumeFactor*float64(c[rank]))
	}
	for i := range a.us {
		u := &a.us[i]
		lim := limit[group(u)]
		for _, d := range u.daily {
			if float64(d.pats) <= lim {
				continue
			}
			start := a.zone.toUnix(int64(d.day) * 86400)
			f := a.get(fkey{rule: rPA11, user: uint32(i), patient: none}, hipaa.SeverityHigh, start)
			f.get(start + 86399)
			f.count++
			if len(f.summary) < a.cfg.MaxEvidence {
				f.summary = append(f.summary, map[string]any{"date": dayString(d.day), "distinct_patients": d.pats, "peer_limit": int(lim)})
			}
		}
	}
}

// rosterRules are SH-03, AC-02, AC-03 and AC-04, which look at accounts rather than events.
func (a *Analyzer) rosterRules() {
	cc := &a.cfg.compiled
	asOfDay := int32(floorDiv(a.zone.toWall(a.asOf), 86400))
	at := a.asOf
	for i := range a.us {
		u := &a.us[i]
		uid := uint32(i)
		login := string(a.users.Key(uid))
		active := u.okEvents > 0
		if !active && !(u.inRoster && u.enabled) {
			continue
		}
		if cc.service != nil && cc.service.MatchString(login) {
			continue
		}
		var p *person
		if u.person >= 0 {
			p = &a.persons[u.person]
		}
		when := at
		if active {
			when = u.lastT
		}

		// SH-03
		switch {
		case cc.generic != nil && cc.generic.MatchString(login):
			f := a.get(fkey{rule: rSH03, user: uid, patient: none}, hipaa.SeverityHigh, when)
			f.count = max(1, u.okEvents)
			f.detail = "the login name is a role or place, not a person"
			f.summary = append(f.summary, map[string]any{"login": u.display, "reason": f.detail, "events": u.okEvents})
		case a.haveUsers && !u.inRoster && active:
			f := a.get(fkey{rule: rSH03, user: uid, patient: none}, hipaa.SeverityModerate, u.firstT)
			f.get(u.lastT)
			f.count = u.okEvents
			f.detail = "the login is used but is not on the EHR user list"
			f.summary = append(f.summary, map[string]any{"login": u.display, "reason": f.detail, "events": u.okEvents})
		case a.haveUsers && a.haveWorkforce && u.inRoster && (p == nil || !p.hr):
			f := a.get(fkey{rule: rSH03, user: uid, patient: none}, hipaa.SeverityModerate, when)
			f.count = max(1, u.okEvents)
			f.detail = "no one on the HR staff list matches this account"
			f.summary = append(f.summary, map[string]any{"login": u.display, "reason": f.detail, "events": u.okEvents})
		}
		if !u.inRoster || !u.enabled {
			continue
		}
		terminated := p != nil && p.term != noDay && p.term < asOfDay
		// AC-02
		if terminated && asOfDay-p.term > int32(a.cfg.DeprovisionDays) {
			f := a.get(fkey{rule: rAC02, user: uid, patient: none}, hipaa.SeverityHigh, at)
			f.count = 1
			f.summary = append(f.summary, map[string]any{"login": u.display, "termination_date": dayString(p.term),
				"days_since_termination": asOfDay - p.term, "account_status": "enabled"})
		}
		// AC-03
		if !terminated {
			last := u.lastLogin
			if active {
				if d := int32(floorDiv(a.zone.toWall(u.lastOK), 86400)); d > last {
					last = d
				}
			}
			idle := int32(-1)
			switch {
			case last != noDay:
				idle = asOfDay - last
			case u.created != noDay:
				idle = asOfDay - u.created
			}
			if idle > int32(a.cfg.DormantDays) {
				f := a.get(fkey{rule: rAC03, user: uid, patient: none}, hipaa.SeverityLow, at)
				f.count = 1
				lastText := "never"
				if last != noDay {
					lastText = dayString(last)
				}
				f.summary = append(f.summary, map[string]any{"login": u.display, "last_activity": lastText, "days_idle": idle})
			}
		}
		// AC-04
		if cc.adminRole != nil && cc.adminRole.MatchString(u.role) && p != nil && p.title != "" &&
			(cc.adminTitle == nil || !cc.adminTitle.MatchString(p.title)) {
			f := a.get(fkey{rule: rAC04, user: uid, patient: none}, hipaa.SeverityModerate, at)
			f.count = 1
			f.summary = append(f.summary, map[string]any{"login": u.display, "role": u.role, "job_title": p.title})
		}
	}
}

// gaps is IN-01's time check: stretches without any event where the log's
// usual weekly rhythm expects many.
func (a *Analyzer) gaps() {
	if len(a.hours) == 0 {
		return
	}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for h := range a.hours {
		lo, hi = min(lo, h), max(hi, h)
	}
	slot := func(h int64) (int, int) {
		d := floorDiv(h, 24)
		wd := int((d%7 + 7 + 4) % 7)
		hod := int(h - d*24)
		kind := 0
		if wd == 0 || wd == 6 {
			kind = 1
		}
		return wd*24 + hod, kind*24 + hod
	}
	var sum, n [168]float64
	var hsum, hn [48]float64
	for h := lo; h <= hi; h++ {
		s, k := slot(h)
		c := float64(a.hours[h])
		sum[s] += c
		n[s]++
		hsum[k] += c
		hn[k]++
	}
	expect := func(h int64) float64 {
		s, k := slot(h)
		if n[s] >= 3 {
			return sum[s] / n[s]
		}
		return hsum[k] / hn[k]
	}
	for h := lo; h <= hi; h++ {
		if a.hours[h] > 0 {
			continue
		}
		start := h
		exp, peak, peakH := 0.0, -1.0, h
		for h <= hi && a.hours[h] == 0 {
			e := expect(h)
			exp += e
			if e > peak {
				peak, peakH = e, h
			}
			h++
		}
		if int(h-start) < a.cfg.GapMinHours || exp < float64(a.cfg.GapMinExpected) {
			continue
		}
		from, to := a.zone.toUnix(start*3600), a.zone.toUnix(h*3600)
		f := a.get(fkey{rule: rIN01, user: none, patient: none, extra: 1<<40 + start}, hipaa.SeverityHigh, from)
		f.get(to)
		f.count = 1
		f.detail = dayString(int32(floorDiv(peakH, 24)))
		f.summary = append(f.summary, map[string]any{"from": a.localTime(from), "to": a.localTime(to), "hours": h - start,
			"expected_events": int(math.Round(exp))})
	}
}
