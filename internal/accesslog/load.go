package accesslog

import (
	"bytes"
	"slices"
	"strings"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Rosters names the roster files of an analysis; any may be empty.
type Rosters struct {
	Users, Workforce, Patients, Encounters string
}

// LoadRosters reads the rosters, HR first so that accounts and patients can
// be linked to people. It must run before the first event is added.
func (a *Analyzer) LoadRosters(r Rosters, m *Mapping) error {
	rm := func(kind string) *RosterMapping {
		if m == nil || m.Rosters == nil {
			return nil
		}
		return m.Rosters[kind]
	}
	if r.Workforce != "" {
		if err := a.loadWorkforce(r.Workforce, rm(RosterWorkforce)); err != nil {
			return err
		}
	}
	if r.Users != "" {
		if err := a.loadUsers(r.Users, rm(RosterUsers)); err != nil {
			return err
		}
	}
	a.linkUsers()
	if r.Patients != "" {
		if err := a.loadPatients(r.Patients, rm(RosterPatients)); err != nil {
			return err
		}
	}
	if r.Encounters != "" {
		if err := a.loadEncounters(r.Encounters, rm(RosterEncounters)); err != nil {
			return err
		}
	}
	return nil
}

func (a *Analyzer) personIndex(id string) int32 {
	id = strings.TrimSpace(id)
	if id == "" {
		return -1
	}
	i, ok := a.person[strings.ToLower(id)]
	if !ok {
		i = int32(len(a.persons))
		a.persons = append(a.persons, person{id: id, hire: noDay, term: noDay})
		a.person[strings.ToLower(id)] = i
	}
	return i
}

func (a *Analyzer) loadWorkforce(path string, rm *RosterMapping) error {
	a.haveWorkforce = true
	return readRoster(path, RosterWorkforce, rm, a.loc, func(row *rosterRow) error {
		id := row.get("person_id")
		if id == "" {
			return hipaa.Errorf(hipaa.EInvalid, "%s:%d: person_id is empty", row.file, row.line)
		}
		i := a.personIndex(id)
		p := &a.persons[i]
		p.hr = true
		p.name, p.title, p.dept = row.get("name"), row.get("job_title"), row.get("department")
		p.hire, p.term = row.day("hire_date"), row.day("termination_date")
		n := parseName(p.name)
		p.surn, p.first = a.surnames(n), a.nameID(n.first)
		if addr := row.raw("address"); len(addr) > 0 {
			p.addr = a.addrID(addr)
		}
		return nil
	})
}

func (a *Analyzer) loadUsers(path string, rm *RosterMapping) error {
	a.haveUsers = true
	return readRoster(path, RosterUsers, rm, a.loc, func(row *rosterRow) error {
		id := row.get("user_id")
		if id == "" {
			return hipaa.Errorf(hipaa.EInvalid, "%s:%d: user_id is empty", row.file, row.line)
		}
		uid := a.user([]byte(id))
		u := &a.us[uid]
		if u.inRoster {
			return hipaa.Errorf(hipaa.EInvalid, "%s:%d: user %s is listed twice", row.file, row.line, id)
		}
		u.inRoster = true
		u.display = id
		u.enabled = accountEnabled(row.get("status"))
		if row.get("status") == "" {
			u.enabled = true
		}
		u.role, u.dept, u.manager = row.get("role"), row.get("department"), row.get("manager")
		u.created, u.lastLogin = row.day("created"), row.day("last_login")
		u.person = a.personIndex(row.get("person_id"))
		if name := row.get("name"); name != "" {
			n := parseName(name)
			u.surn, u.first = a.surnames(n), a.nameID(n.first)
			u.nameTried = true
		}
		return nil
	})
}

// linkUsers derives what each account needs from its roster entry and its person.
func (a *Analyzer) linkUsers() {
	cc := &a.cfg.compiled
	for uid := range a.us {
		u := &a.us[uid]
		var title string
		if u.person >= 0 {
			p := &a.persons[u.person]
			p.users = append(p.users, uint32(uid))
			title = p.title
			if u.surn[0] == 0 {
				u.surn, u.first = p.surn, p.first
			}
			u.addr = p.addr
			if u.dept == "" {
				u.dept = p.dept
			}
			if p.term != noDay {
				end := a.zone.toUnix(int64(p.term+1) * 86400)
				u.termEnd = end + a.cfg.TerminationGrace.Seconds()
			}
		}
		u.deptID = a.deptID(u.dept)
		u.related = u.surn[0] != 0 || u.addr != 0 || u.person >= 0
		match := func(re interface{ MatchString(string) bool }) bool {
			if re == nil {
				return false
			}
			return re.MatchString(u.role) || re.MatchString(title) || re.MatchString(u.dept)
		}
		u.allHours = match(cc.allHours)
		u.ops = match(cc.ops)
		u.exempt = match(cc.deceasedExempt)
		if key := strings.ToLower(strings.TrimSpace(u.role)); key != "" {
			g, ok := a.peers[key]
			if !ok {
				g = int32(len(a.peers))
				a.peers[key] = g
			}
			u.peer = g
		}
	}
}

func (a *Analyzer) loadPatients(path string, rm *RosterMapping) error {
	a.havePatients = true
	return readRoster(path, RosterPatients, rm, a.loc, func(row *rosterRow) error {
		id := row.raw("patient_id")
		if len(id) == 0 {
			return hipaa.Errorf(hipaa.EInvalid, "%s:%d: patient_id is empty", row.file, row.line)
		}
		pid := a.patient(id)
		p, h := &a.ps[pid], &a.ph[pid]
		if fb, lb := row.raw("first_name"), row.raw("last_name"); len(fb) > 0 || len(lb) > 0 {
			var ok bool
			if p.surn, p.first, p.initials, ok = a.namePairBytes(fb, lb); !ok {
				n := namePair(string(fb), string(lb))
				p.surn, p.first, p.initials = a.surnames(n), a.nameID(n.first), initials(n)
			}
		} else if name := row.get("name"); name != "" {
			n := parseName(name)
			p.surn, p.first, p.initials = a.surnames(n), a.nameID(n.first), initials(n)
		}
		h.flags |= pTried
		if p.surn[0] != 0 {
			h.flags |= pNamed
		}
		if addr := row.raw("address"); len(addr) > 0 {
			if p.addr = a.addrID(addr); p.addr != 0 {
				h.flags |= pAddr
			}
		}
		if d := row.day("date_of_death"); d != noDay {
			p.death = d
			h.flags |= pDeceased
		}
		if truthyBytes(row.raw("vip")) {
			h.flags |= pVIP
		}
		if e := row.raw("employee_person_id"); truthyBytes(e) {
			p.employee = a.personIndex(string(e))
			h.flags |= pEmployee
			a.staffLinks = true
		}
		return nil
	})
}

func (a *Analyzer) loadEncounters(path string, rm *RosterMapping) error {
	a.haveEncounters = true
	err := readRoster(path, RosterEncounters, rm, a.loc, func(row *rosterRow) error {
		id := row.raw("patient_id")
		d := row.day("date")
		if len(id) == 0 || (d == noDay && row.err == nil) {
			return hipaa.Errorf(hipaa.EInvalid, "%s:%d: an encounter needs a patient_id and a date", row.file, row.line)
		}
		pid := a.patient(id)
		a.encPat.add(uint64(pid), d)
		userDept := int32(-1)
		if uidText := row.raw("user_id"); len(uidText) > 0 {
			uid := a.user(uidText)
			a.encUser.add(uint64(pid)<<32|uint64(uid), d)
			if userDept = a.us[uid].deptID; userDept >= 0 {
				a.encDept.add(uint64(pid)<<32|uint64(userDept), d)
			}
		}
		if dep := a.deptIDBytes(row.raw("department")); dep >= 0 && dep != userDept {
			a.encDept.add(uint64(pid)<<32|uint64(dep), d)
		}
		return nil
	})
	if err != nil {
		return err
	}
	a.encUser.seal()
	a.encDept.seal()
	a.encPat.seal()
	return nil
}

// deptIDBytes is deptID without allocating for departments already known.
// It remembers the last value it was given: a visit list sorted by
// clinician or date repeats one department row after row.
func (a *Analyzer) deptIDBytes(b []byte) int32 {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return -1
	}
	if a.lastDeptOK && string(b) == string(a.lastDept) {
		return a.lastDeptID
	}
	a.scratch = append(a.scratch[:0], b...)
	for i, c := range a.scratch {
		if c >= 'A' && c <= 'Z' {
			a.scratch[i] = c + 32
		}
	}
	id, ok := a.depts[string(a.scratch)]
	if !ok {
		id = a.deptID(string(b))
	}
	a.lastDept, a.lastDeptID, a.lastDeptOK = append(a.lastDept[:0], b...), id, true
	return id
}

// dayIndex lists the days on which something happened for each key (a
// patient, or a patient with a user or a department), sorted for binary
// search. Keys and days are packed into one word when they fit (patients
// below 2^26, users or departments below 2^18), which is nearly always.
type dayIndex struct {
	packed []uint64
	other  map[uint64][]int32
}

const (
	dayBits = 20
	dayBias = 1 << (dayBits - 1)
)

func packKey(key uint64) (uint64, bool) {
	pid, sec := key>>32, key&0xffffffff
	if pid >= 1<<26 || sec >= 1<<18 {
		return 0, false
	}
	return pid<<18 | sec, true
}

func (x *dayIndex) add(key uint64, day int32) {
	if k, ok := packKey(key); ok && day+dayBias >= 0 && day+dayBias < 1<<dayBits {
		x.packed = append(x.packed, k<<dayBits|uint64(day+dayBias))
		return
	}
	if x.other == nil {
		x.other = map[uint64][]int32{}
	}
	x.other[key] = append(x.other[key], day)
}

// seal sorts the index; add must not be called afterwards.
func (x *dayIndex) seal() {
	radixSort(x.packed)
	x.packed = slices.Compact(x.packed)
	for k, v := range x.other {
		slices.Sort(v)
		x.other[k] = v
	}
}

// has reports whether key has a day in [lo, hi].
func (x *dayIndex) has(key uint64, lo, hi int32) bool {
	if k, ok := packKey(key); ok && lo+dayBias >= 0 && hi+dayBias < 1<<dayBits {
		from := k<<dayBits | uint64(lo+dayBias)
		i, _ := slices.BinarySearch(x.packed, from)
		return i < len(x.packed) && x.packed[i] <= k<<dayBits|uint64(hi+dayBias)
	}
	days := x.other[key]
	i, _ := slices.BinarySearch(days, lo)
	return i < len(days) && days[i] <= hi
}

// radixSort sorts in place, sixteen bits at a time: linear time for the
// millions of entries a large encounter list gives.
func radixSort(v []uint64) {
	if len(v) < 256 {
		slices.Sort(v)
		return
	}
	tmp := make([]uint64, len(v))
	src, dst := v, tmp
	var count [1 << 16]int
	for shift := uint(0); shift < 64; shift += 16 {
		clear(count[:])
		for _, x := range src {
			count[(x>>shift)&0xffff]++
		}
		if count[(src[0]>>shift)&0xffff] == len(src) {
			continue // every entry has the same digit here
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, x := range src {
			d := (x >> shift) & 0xffff
			dst[count[d]] = x
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &v[0] {
		copy(v, src)
	}
}
