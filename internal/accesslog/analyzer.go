package accesslog

import (
	"bytes"
	"math/bits"
	"net/netip"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// ruleID numbers the detectors' rules inside the analyzer.
type ruleID uint8

const (
	rSH01 ruleID = iota
	rSH02
	rSH03
	rSH04
	rAC01
	rAC02
	rAC03
	rAC04
	rAC06
	rPA01
	rPA02
	rPA03
	rPA05
	rPA06
	rPA07
	rPA10
	rPA11
	rPA14
	rPA15
	rIN01
	numRules
	rNone = numRules
)

var ruleNames = [numRules]string{"SH-01", "SH-02", "SH-03", "SH-04", "AC-01", "AC-02", "AC-03", "AC-04", "AC-06",
	"PA-01", "PA-02", "PA-03", "PA-05", "PA-06", "PA-07", "PA-10", "PA-11", "PA-14", "PA-15", "IN-01"}

// Rules lists the rule IDs this package reports.
func Rules() []string { return append([]string(nil), ruleNames[:]...) }

const (
	none = ^uint32(0) // no user or no patient
)

// fkey identifies one finding while the analysis runs.
type fkey struct {
	rule    ruleID
	user    uint32
	patient uint32
	extra   int64
}

// evRow is one event kept as evidence, by reference to the interned
// values; it becomes a map only when the report is built.
type evRow struct {
	t                             int64
	file                          int32
	line                          int64
	user, patient, action, ws, ip uint32 // patient, ws and ip are none when absent
	note                          string
}

// acc gathers one finding.
type acc struct {
	key         fkey
	sev         hipaa.Severity
	count       int64
	first, last int64
	rows        []evRow
	summary     []map[string]any
	explained   int64
	patients    intSet
	detail      string
}

// person is a member of the workforce, from the HR roster.
type person struct {
	id, name, title, dept string
	hire, term            int32
	addr                  uint32
	surn                  [2]uint32
	first                 uint32
	users                 []uint32
	hr                    bool // listed in the HR roster, not only referred to
}

// userState is everything the analysis keeps about one account. The fields
// every event touches come first, so that they share a few cache lines.
type userState struct {
	lastT, firstT     int64
	dayFirst, dayLast int64
	lastOK, termEnd   int64
	events, okEvents  int64
	day               int32
	hours             uint32
	dayAlt            int32
	deptID            int32

	// The last workstation, address and patient of the user, to skip their
	// lookups: users work at one computer, and on one chart for several
	// events in a row. patFlags and patDay cache the patient's flags and
	// the day the patient was last counted.
	wsC, ipC, patC keyCache
	ipNet          uint32
	patFlags       uint8
	patRel         ruleID
	patDay         int32

	ws, prevWS   uint32
	wsT, switchT int64
	net          uint32
	netT         int64
	burstUntil   int64
	nf           int32

	related   bool // has a surname, address or person to compare with patients
	nameTried bool
	allHours  bool
	ops       bool
	exempt    bool // may look at deceased patients' records
	inRoster  bool
	enabled   bool

	dayPats, dayExp intSet

	// Less often used.
	surn      [2]uint32
	first     uint32
	addr      uint32
	person    int32 // index in persons, or -1
	peer      int32
	created   int32
	lastLogin int32
	display   string
	role      string
	dept      string
	manager   string
	altRows   []evRow
	expRows   []evRow
	daily     []dayStat
	netRow    evRow
	fails     *[maxBurst]int64 // times of recent failed logins, allocated at the first
}

type dayStat struct {
	day  int32
	pats uint32
}

// keyCache remembers one key of up to 16 bytes and its index, compared
// exactly as two words and a length.
type keyCache struct {
	lo, hi uint64
	n      uint8
	idx    uint32
}

func (c *keyCache) match(b []byte) (uint32, bool) {
	if len(b) == 0 || len(b) != int(c.n) {
		return 0, false
	}
	lo, hi := pack(b)
	return c.idx, lo == c.lo && hi == c.hi
}

func (c *keyCache) set(b []byte, idx uint32) {
	if len(b) > 16 {
		c.n = 0
		return
	}
	c.lo, c.hi = pack(b)
	c.n, c.idx = uint8(len(b)), idx
}

// patientHot is what every access to a patient touches: small, so that the
// array of them stays in cache as far as possible.
type patientHot struct {
	// lastUser and lastDay remember who last opened the record and when,
	// so repeated looks by one user on one day skip the distinct-patient set.
	lastUser uint32
	lastDay  int32
	flags    uint8
}

// patientAttrs is what the analysis knows of a patient, read only when the
// patient's flags say there is something to compare.
type patientAttrs struct {
	surn     [2]uint32
	first    uint32
	addr     uint32
	employee int32 // person index of a patient who is on staff, or -1
	death    int32
	initials [2]byte
}

const (
	pNamed    uint8 = 1 << iota // surname known (roster or event)
	pAddr                       // address known
	pEmployee                   // patient is on staff
	pVIP                        // VIP, restricted or confidential
	pDeceased                   // has a date of death
	pTried                      // a name from the events was looked at
)

// Analyzer runs every detector over a stream of events in one pass.
type Analyzer struct {
	cfg  *Config
	loc  *time.Location
	zone *zoneCache
	asOf int64

	users    *interner
	us       []userState
	patients *interner
	ph       []patientHot
	ps       []patientAttrs
	wss      *interner
	ips      *interner
	ipNet    []uint32
	actions  *interner
	actInfo  []actionInfo
	actCount []int64
	outcomes *interner
	outFail  []bool
	m        *Mapping

	names   map[string]uint32
	addrs   map[string]uint32
	depts   map[string]int32
	persons []person
	person  map[string]int32
	peers   map[string]int32

	haveUsers, haveWorkforce, havePatients, haveEncounters bool
	// staffLinks is set when the patient list links staff to their own records.
	staffLinks bool

	encUser, encDept, encPat dayIndex

	accs  map[fkey]*acc
	files []string
	file  int32

	hourKey int64
	hourN   uint32
	hours   map[int64]uint32

	rec recState

	events, outOfOrder int64
	firstT, lastT      int64
	scratch            []byte
	addrBuf            []byte
	sink               int64 // keeps prefetch's loads
	// lastDept is the last department text deptIDBytes was given, and its ID.
	lastDept   []byte
	lastDeptID int32
	lastDeptOK bool
}

// recState follows record numbers within one file, for IN-01.
type recState struct {
	last          uint64
	have          bool
	steps, seq    int64
	missing       int64
	gaps          [][2]uint64
	firstT, lastT int64
}

// NewAnalyzer returns an analyzer with the given settings; zone is the
// practice's time zone (working hours, days) and asOf the date the rosters
// describe (for dormant and not-yet-removed accounts).
func NewAnalyzer(cfg *Config, zone *time.Location, asOf time.Time) *Analyzer {
	if zone == nil {
		zone = time.UTC
	}
	return &Analyzer{
		cfg: cfg, loc: zone, zone: newZoneCache(zone), asOf: asOf.Unix(),
		users: newInterner(1024), patients: newInterner(1 << 16), wss: newInterner(1024), ips: newInterner(1024),
		actions: newInterner(256), outcomes: newInterner(16),
		names: map[string]uint32{}, addrs: map[string]uint32{}, depts: map[string]int32{}, person: map[string]int32{},
		peers: map[string]int32{},
		accs:  map[fkey]*acc{}, hours: map[int64]uint32{}, hourKey: -1 << 62, firstT: 1<<62 - 1, lastT: -1 << 62,
	}
}

// nameID interns a name part; 0 means none.
func (a *Analyzer) nameID(s string) uint32 {
	if len(s) < a.cfg.MinSurnameLength {
		return 0
	}
	id, ok := a.names[s]
	if !ok {
		id = uint32(len(a.names) + 1)
		a.names[s] = id
	}
	return id
}

// nameIDBytes is nameID for an upper-case ASCII token, allocating only for new names.
func (a *Analyzer) nameIDBytes(b []byte) uint32 {
	if len(b) < a.cfg.MinSurnameLength {
		return 0
	}
	if id, ok := a.names[string(b)]; ok {
		return id
	}
	return a.nameID(string(b))
}

// namePairBytes is namePair with surnames and first name interned, for ASCII
// input without allocating; ok is false for other input.
func (a *Analyzer) namePairBytes(first, last []byte) (surn [2]uint32, firstID uint32, in [2]byte, ok bool) {
	var buf [64]byte
	// tokens splits letters into upper-case words at blanks and hyphens, dropping other marks.
	tokens := func(src []byte, each func([]byte) bool) bool {
		n := 0
		flush := func() bool {
			if n == 0 {
				return true
			}
			t := buf[:n]
			n = 0
			return each(t)
		}
		for _, c := range src {
			switch {
			case c >= 0x80:
				return false
			case c >= 'a' && c <= 'z':
				c -= 32
				fallthrough
			case c >= 'A' && c <= 'Z':
				if n == len(buf) {
					return false
				}
				buf[n] = c
				n++
			case c == ' ' || c == '-' || c == '\t':
				if !flush() {
					return true
				}
			}
		}
		flush()
		return true
	}
	k := 0
	if !tokens(last, func(t []byte) bool {
		if isSuffix(string(t)) {
			return true
		}
		if in[1] == 0 {
			in[1] = t[0]
		}
		if id := a.nameIDBytes(t); id != 0 && k < 2 {
			surn[k] = id
			k++
		}
		return true
	}) {
		return surn, 0, in, false
	}
	if !tokens(first, func(t []byte) bool {
		in[0] = t[0]
		firstID = a.nameIDBytes(t)
		return false // the first word only
	}) {
		return surn, 0, in, false
	}
	return surn, firstID, in, true
}

func (a *Analyzer) surnames(n personName) (out [2]uint32) {
	k := 0
	for _, s := range n.surnames {
		if id := a.nameID(s); id != 0 && k < 2 {
			out[k] = id
			k++
		}
	}
	return out
}

// addrID interns a normalized address; 0 means none.
func (a *Analyzer) addrID(raw []byte) uint32 {
	var s string
	if b, ok := normAddressBytes(a.addrBuf[:0], raw); ok {
		a.addrBuf = b
		if len(b) < 5 {
			return 0
		}
		if id, ok := a.addrs[string(b)]; ok {
			return id
		}
		s = string(b)
	} else if s = normAddress(string(raw)); len(s) < 5 {
		return 0
	}
	id, ok := a.addrs[s]
	if !ok {
		id = uint32(len(a.addrs) + 1)
		a.addrs[s] = id
	}
	return id
}

func (a *Analyzer) deptID(s string) int32 {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return -1
	}
	id, ok := a.depts[s]
	if !ok {
		id = int32(len(a.depts))
		a.depts[s] = id
	}
	return id
}

// foldUser lower-cases a user ID (ASCII) and trims blanks: EHRs treat
// "JSMITH" and "jsmith" as one login.
func (a *Analyzer) foldUser(b []byte) []byte {
	b = trim(b)
	for _, c := range b {
		if c >= 'A' && c <= 'Z' {
			a.scratch = append(a.scratch[:0], b...)
			for i, c := range a.scratch {
				if c >= 'A' && c <= 'Z' {
					a.scratch[i] = c + 32
				}
			}
			return a.scratch
		}
	}
	return b
}

// user returns the index of a user, adding it when new.
func (a *Analyzer) user(raw []byte) uint32 {
	id, added := a.users.Lookup(a.foldUser(raw))
	if added {
		a.us = append(a.us, userState{display: string(bytes.TrimSpace(raw)), person: -1, deptID: -1, day: noDay,
			created: noDay, lastLogin: noDay, peer: -1, firstT: 1<<62 - 1})
	}
	return id
}

// patient returns the index of a patient, adding it when new.
func (a *Analyzer) patient(raw []byte) uint32 {
	id, added := a.patients.Lookup(trim(raw))
	if added {
		a.ps = append(a.ps, patientAttrs{employee: -1, death: noDay})
		a.ph = append(a.ph, patientHot{})
	}
	return id
}

func (a *Analyzer) action(raw []byte) (uint32, actionInfo) {
	id, added := a.actions.Lookup(raw)
	if added {
		a.actInfo = append(a.actInfo, a.m.classify(raw))
		a.actCount = append(a.actCount, 0)
	}
	a.actCount[id]++
	return id, a.actInfo[id]
}

func (a *Analyzer) failedOutcome(raw []byte) bool {
	if len(raw) == 0 {
		return false
	}
	id, added := a.outcomes.Lookup(raw)
	if added {
		a.outFail = append(a.outFail, a.m.failed(raw))
	}
	return a.outFail[id]
}

// ip returns the index of an address and its public-network key.
func (a *Analyzer) ip(raw []byte) (uint32, uint32) {
	id, added := a.ips.Lookup(raw)
	if added {
		a.ipNet = append(a.ipNet, a.netKey(string(raw)))
	}
	return id, a.ipNet[id]
}

// netKey returns a key for the public network an address belongs to (its
// /16 block for IPv4, /32 for IPv6), or 0 for private, local, trusted or
// unreadable addresses.
func (a *Analyzer) netKey(s string) uint32 {
	ad, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return 0
	}
	ad = ad.Unmap()
	if !ad.IsGlobalUnicast() || ad.IsPrivate() || ad.IsLoopback() || ad.IsLinkLocalUnicast() {
		return 0
	}
	if ad.Is4() {
		b := ad.As4()
		if b[0] == 100 && b[1]&0xc0 == 64 { // 100.64.0.0/10 carrier-grade NAT
			return 0
		}
	}
	for _, p := range a.cfg.compiled.trusted {
		if p.Contains(ad) {
			return 0
		}
	}
	if ad.Is4() {
		b := ad.As4()
		return 1<<31 | uint32(b[0])<<8 | uint32(b[1])
	}
	b := ad.As16()
	return (uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])) &^ (1 << 31)
}

// get returns the finding for a key, creating it.
func (a *Analyzer) get(k fkey, sev hipaa.Severity, t int64) *acc {
	f, ok := a.accs[k]
	if !ok {
		f = &acc{key: k, sev: sev, first: t, last: t}
		a.accs[k] = f
	}
	if t < f.first {
		f.first = t
	}
	if t > f.last {
		f.last = t
	}
	return f
}

// keep adds an evidence row if the finding has room for it.
func (a *Analyzer) keep(f *acc, r evRow) {
	if len(f.rows) < a.cfg.MaxEvidence {
		f.rows = append(f.rows, r)
	}
}

// Add looks at one event. The event's byte slices are not kept.
func (a *Analyzer) Add(ev *Event) {
	t := ev.Time
	a.events++
	if t < a.firstT {
		a.firstT = t
	}
	if t > a.lastT {
		a.lastT = t
	}
	uid := a.user(ev.Fields[FUser])
	u := &a.us[uid]
	actID, ai := a.action(ev.Fields[FAction])
	failed := ai.failed || a.failedOutcome(ev.Fields[FOutcome])
	wall := a.zone.toWall(t)
	day := int32(floorDiv(wall, 86400))
	hour := uint32((wall - int64(day)*86400) / 3600)

	// Audit integrity: events per hour, record numbers, logging switched off.
	if h := floorDiv(wall, 3600); h != a.hourKey {
		if a.hourN > 0 {
			a.hours[a.hourKey] += a.hourN
		}
		a.hourKey, a.hourN = h, 0
	}
	a.hourN++
	if rid := ev.Fields[FRecordID]; len(rid) > 0 {
		a.record(rid, t)
	}

	if t < u.lastT-60 {
		a.outOfOrder++
	}
	u.events++
	if t < u.firstT {
		u.firstT = t
	}
	if t > u.lastT {
		u.lastT = t
	}
	if day != u.day {
		a.closeDay(uid, u)
		u.day, u.dayFirst = day, t
	}
	u.dayLast = t
	u.hours |= 1 << hour

	row := evRow{t: t, file: a.file, line: ev.Line, user: uid, patient: none, action: actID, ws: none, ip: none}

	// SH-01: jumping between two workstations and back.
	var loc uint32
	if w := ev.Fields[FWorkstation]; len(w) > 0 {
		if idx, ok := u.wsC.match(w); ok {
			row.ws = idx
		} else {
			row.ws, _ = a.wss.Lookup(w)
			u.wsC.set(w, row.ws)
		}
		loc = row.ws + 1
	}
	var netKey uint32
	if ipb := ev.Fields[FIP]; len(ipb) > 0 {
		if idx, ok := u.ipC.match(ipb); ok {
			row.ip, netKey = idx, u.ipNet
		} else {
			row.ip, netKey = a.ip(ipb)
			u.ipC.set(ipb, row.ip)
			u.ipNet = netKey
		}
		if loc == 0 {
			loc = (row.ip + 1) | 1<<31
		}
	}
	if loc != 0 {
		switch {
		case u.ws == 0:
			u.ws, u.wsT = loc, t
		case loc == u.ws:
			u.wsT = t
		default:
			w := a.cfg.ConcurrentWindow.Seconds()
			if t-u.wsT <= w && loc == u.prevWS && t-u.switchT <= w {
				u.dayAlt++
				if len(u.altRows) < 4 {
					u.altRows = append(u.altRows, row)
				}
			}
			u.prevWS, u.ws, u.switchT, u.wsT = u.ws, loc, t, t
		}
	}

	// SH-02: two public networks too close in time.
	if netKey != 0 {
		if u.net != 0 && netKey != u.net && t-u.netT <= a.cfg.TravelWindow.Seconds() {
			f := a.get(fkey{rule: rSH02, user: uid, patient: none}, hipaa.SeverityHigh, t)
			f.count++
			if len(f.rows)+1 < a.cfg.MaxEvidence {
				a.keep(f, u.netRow)
				a.keep(f, row)
			}
		}
		u.net, u.netT, u.netRow = netKey, t, row
	}

	if failed {
		if ai.cat == CatLogin {
			a.failedLogin(uid, u, t, row)
		}
		return
	}
	u.okEvents++
	u.lastOK = t
	if ai.cat == CatLogin && u.burstUntil != 0 && t <= u.burstUntil {
		f := a.get(fkey{rule: rAC06, user: uid, patient: none}, hipaa.SeverityHigh, t)
		f.sev = hipaa.SeverityHigh
		r := row
		r.note = "successful login right after the failed attempts"
		if len(f.rows) < a.cfg.MaxEvidence+1 {
			f.rows = append(f.rows, r)
		}
		u.burstUntil = 0
	}
	if ai.cat == CatLogin {
		u.nf = 0
	}

	// AC-01: activity after termination.
	if u.termEnd != 0 && t > u.termEnd {
		f := a.get(fkey{rule: rAC01, user: uid, patient: none}, hipaa.SeverityCritical, t)
		f.count++
		a.keep(f, row)
	}
	if ai.cat == CatAuditOff {
		f := a.get(fkey{rule: rIN01, user: uid, patient: none, extra: 1}, hipaa.SeverityCritical, t)
		f.count++
		a.keep(f, row)
	}

	pb := ev.Fields[FPatient]
	if len(pb) == 0 || ai.cat == CatLogin || ai.cat == CatLogout || ai.cat == CatAuditOff {
		return
	}
	if !u.nameTried && !u.inRoster && len(ev.Fields[FUserName]) > 0 {
		u.nameTried = true
		n := parseName(string(ev.Fields[FUserName]))
		u.surn, u.first = a.surnames(n), a.nameID(n.first)
		u.related = u.related || u.surn[0] != 0
	}
	pid, hit := u.patC.match(pb)
	if !hit {
		pid = a.patient(pb)
		u.patC.set(pb, pid)
	}
	row.patient = pid
	var flags uint8
	if hit && u.patDay == day {
		flags = u.patFlags // this user's chart of the moment: counted already today
	} else {
		h := &a.ph[pid]
		if h.lastUser != uid+1 || h.lastDay != day {
			u.dayPats.Add(pid)
			h.lastUser, h.lastDay = uid+1, day
		}
		if h.flags&(pNamed|pTried) == 0 && len(ev.Fields[FPatientName]) > 0 {
			a.nameFromEvent(pid, ev.Fields[FPatientName])
		}
		flags = h.flags
		rel := rNone
		if flags&(pNamed|pAddr|pEmployee) != 0 && (u.related || flags&pEmployee != 0) {
			rel = a.relation(u, &a.ps[pid])
		}
		u.patFlags, u.patDay, u.patRel = flags, day, rel
	}
	if ai.cat != CatAccess && u.dayExp.Add(pid) && len(u.expRows) < a.cfg.MaxEvidence {
		u.expRows = append(u.expRows, row)
	}

	// Explanations are looked up only when a rule needs one.
	expl := -1
	explained := func() bool {
		if expl < 0 {
			expl = 0
			if a.explainedBy(uid, u, pid, day, ev.Fields[FDepartment]) {
				expl = 1
			}
		}
		return expl == 1
	}

	// PA-01, PA-03, PA-02, PA-05: who the patient is to the user.
	if r := u.patRel; r != rNone {
		a.flagPair(r, uid, pid, t, row, r != rPA01 && explained())
	}
	if flags&pVIP != 0 {
		a.flagPair(rPA06, uid, pid, t, row, explained())
	}
	if flags&pDeceased != 0 && day > a.ps[pid].death+int32(a.cfg.DeceasedGraceDays) && !u.exempt {
		a.flagPair(rPA07, uid, pid, t, row, explained())
	}

	// PA-10: unexplained access outside working hours.
	if !u.allHours && !a.cfg.isWorkTime(wall) && (!explained() || a.cfg.FlagExplained) {
		f := a.get(fkey{rule: rPA10, user: uid, patient: none}, hipaa.SeverityModerate, t)
		f.count++
		if explained() {
			f.explained++
		}
		if f.patients.Add(pid) {
			a.keep(f, row)
		}
	}

	// PA-14: every break-the-glass override is reviewed.
	if ai.breakGlass || truthyBytes(ev.Fields[FBreakGlass]) {
		f := a.get(fkey{rule: rPA14, user: uid, patient: none}, hipaa.SeverityLow, t)
		f.count++
		f.patients.Add(pid)
		if explained() {
			f.explained++
		} else {
			f.sev = hipaa.SeverityModerate
		}
		a.keep(f, row)
	}
}

// failedLogin handles AC-06.
func (a *Analyzer) failedLogin(uid uint32, u *userState, t int64, row evRow) {
	n := int32(a.cfg.FailedLoginBurst)
	if u.fails == nil {
		u.fails = new([maxBurst]int64)
	}
	u.fails[u.nf%n] = t
	u.nf++
	if u.nf < n {
		return
	}
	oldest := u.fails[u.nf%n]
	w := a.cfg.FailedLoginWindow.Seconds()
	if t-oldest > w {
		return
	}
	if t > u.burstUntil {
		f := a.get(fkey{rule: rAC06, user: uid, patient: none}, hipaa.SeverityModerate, t)
		f.count++
		r := row
		r.note = "failed login attempts in quick succession"
		a.keep(f, r)
	}
	u.burstUntil = t + w
}

// relation returns the relationship rule an access falls under, most specific first.
func (a *Analyzer) relation(u *userState, p *patientAttrs) ruleID {
	if p.employee >= 0 && p.employee == u.person {
		return rPA01
	}
	sameSurname := p.surn[0] != 0 && (p.surn[0] == u.surn[0] || p.surn[0] == u.surn[1] ||
		(p.surn[1] != 0 && (p.surn[1] == u.surn[0] || p.surn[1] == u.surn[1])))
	sameAddr := u.addr != 0 && p.addr == u.addr
	if !a.staffLinks && p.employee < 0 && sameSurname && sameAddr && u.first != 0 && p.first == u.first {
		// Same name at the same address: the user's own chart, when the
		// patient list does not link staff to their records. (With links,
		// this is more likely a namesake relative, such as a Jr. and a Sr.)
		return rPA01
	}
	switch {
	case sameAddr:
		return rPA03
	case sameSurname:
		return rPA02
	case p.employee >= 0:
		return rPA05
	}
	return rNone
}

// flagPair records an access under a rule that concerns one user and one patient.
func (a *Analyzer) flagPair(r ruleID, uid, pid uint32, t int64, row evRow, explained bool) {
	if explained && !a.cfg.FlagExplained {
		return
	}
	sev := hipaa.SeverityHigh
	if r == rPA01 || r == rPA07 {
		sev = hipaa.SeverityModerate
	}
	f := a.get(fkey{rule: r, user: uid, patient: pid}, sev, t)
	f.count++
	if explained {
		f.explained++
	}
	a.keep(f, row)
}

// explainedBy reports whether an encounter, appointment or care-team link explains a user's access to a patient on a day.
func (a *Analyzer) explainedBy(uid uint32, u *userState, pid uint32, day int32, evDept []byte) bool {
	if !a.haveEncounters {
		return false
	}
	lo, hi := day-int32(a.cfg.ExplainBeforeDays), day+int32(a.cfg.ExplainAfterDays)
	if a.encUser.has(uint64(pid)<<32|uint64(uid), lo, hi) {
		return true
	}
	if u.ops && a.encPat.has(uint64(pid), lo, hi) {
		return true
	}
	if a.cfg.ExplainByDepartment {
		if u.deptID >= 0 && a.encDept.has(uint64(pid)<<32|uint64(u.deptID), lo, hi) {
			return true
		}
		if len(evDept) > 0 {
			if d, ok := a.depts[strings.ToLower(strings.TrimSpace(string(evDept)))]; ok && d != u.deptID && a.encDept.has(uint64(pid)<<32|uint64(d), lo, hi) {
				return true
			}
		}
	}
	return false
}

// nameFromEvent learns a patient's surname from the events when no roster gave one.
func (a *Analyzer) nameFromEvent(pid uint32, raw []byte) {
	p, h := &a.ps[pid], &a.ph[pid]
	h.flags |= pTried
	n := parseName(string(raw))
	p.surn, p.first = a.surnames(n), a.nameID(n.first)
	if p.surn[0] != 0 {
		h.flags |= pNamed
	}
	p.initials = initials(n)
}

func initials(n personName) (out [2]byte) {
	if n.first != "" && n.first[0] < 128 {
		out[0] = n.first[0]
	}
	if len(n.surnames) > 0 && n.surnames[0] != "" && n.surnames[0][0] < 128 {
		out[1] = n.surnames[0][0]
	}
	return out
}

// truthyBytes is truthy without allocating for the common short values.
func truthyBytes(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	if len(b) == 1 {
		switch b[0] {
		case '0', 'n', 'N', 'f', 'F', '-', ' ':
			return false
		}
		return true
	}
	return truthy(b)
}

// closeDay ends a user's day: SH-01, SH-04, PA-15 and the daily count for PA-11.
func (a *Analyzer) closeDay(uid uint32, u *userState) {
	if u.day == noDay {
		return
	}
	date := dayString(u.day)
	if n := u.dayPats.Len(); n > 0 {
		u.daily = append(u.daily, dayStat{day: u.day, pats: uint32(n)})
	}
	if h := bits.OnesCount32(u.hours); h >= a.cfg.LongDayHours {
		f := a.get(fkey{rule: rSH04, user: uid, patient: none}, hipaa.SeverityModerate, u.dayFirst)
		f.get(u.dayLast)
		f.count++
		if len(f.summary) < a.cfg.MaxEvidence {
			f.summary = append(f.summary, map[string]any{"date": date, "active_hours": h,
				"first_activity": a.localTime(u.dayFirst), "last_activity": a.localTime(u.dayLast)})
		}
	}
	if int(u.dayAlt) >= a.cfg.ConcurrentMinSwitches {
		f := a.get(fkey{rule: rSH01, user: uid, patient: none}, hipaa.SeverityHigh, u.dayFirst)
		f.get(u.dayLast)
		f.count++
		if len(f.summary) < a.cfg.MaxEvidence {
			f.summary = append(f.summary, map[string]any{"date": date, "switch_backs": u.dayAlt})
		}
		for _, r := range u.altRows {
			a.keep(f, r)
		}
	}
	if n := u.dayExp.Len(); n >= a.cfg.BulkPatients {
		f := a.get(fkey{rule: rPA15, user: uid, patient: none}, hipaa.SeverityHigh, u.dayFirst)
		f.get(u.dayLast)
		f.count++
		if len(f.summary) < a.cfg.MaxEvidence {
			f.summary = append(f.summary, map[string]any{"date": date, "patients_printed_or_exported": n})
		}
		for _, r := range u.expRows {
			a.keep(f, r)
		}
	}
	u.day, u.hours, u.dayAlt = noDay, 0, 0
	u.dayPats.Reset()
	u.dayExp.Reset()
	u.altRows, u.expRows = u.altRows[:0], u.expRows[:0]
}

// get widens a finding's time span.
func (f *acc) get(t int64) {
	if t < f.first {
		f.first = t
	}
	if t > f.last {
		f.last = t
	}
}

// record follows numeric record IDs for gaps (IN-01).
func (a *Analyzer) record(b []byte, t int64) {
	b = trim(b)
	if len(b) == 0 || len(b) > 18 {
		return
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return
		}
		v = v*10 + uint64(c-'0')
	}
	r := &a.rec
	if r.have {
		r.steps++
		switch {
		case v == r.last+1:
			r.seq++
		case v > r.last+1:
			r.missing += int64(v - r.last - 1)
			if len(r.gaps) < 20 {
				r.gaps = append(r.gaps, [2]uint64{r.last, v})
			}
		}
	} else {
		r.firstT = t
	}
	r.last, r.have, r.lastT = v, true, t
}

// endFile closes the record-number check of the current file.
func (a *Analyzer) endFile() {
	r := &a.rec
	if r.have && r.steps >= 100 && float64(r.seq) >= 0.99*float64(r.steps) && r.missing > 0 {
		f := a.get(fkey{rule: rIN01, user: none, patient: none, extra: 2 + int64(a.file)}, hipaa.SeverityHigh, r.firstT)
		f.get(r.lastT)
		f.count = r.missing
		f.detail = a.files[a.file]
		for _, g := range r.gaps {
			if len(f.summary) >= a.cfg.MaxEvidence {
				break
			}
			f.summary = append(f.summary, map[string]any{"file": a.files[a.file], "after_record": g[0], "next_record": g[1], "missing": g[1] - g[0] - 1})
		}
	}
	a.rec = recState{}
}

// localTime formats a Unix time in the practice's zone.
func (a *Analyzer) localTime(t int64) string {
	return time.Unix(t, 0).In(a.loc).Format(time.RFC3339)
}

func dayString(d int32) string {
	y, m, dd := civilFromDays(int64(d))
	return time.Date(y, time.Month(m), dd, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
}

// prefetch reads, for a batch of events about to be added, the hash slots
// and the hot state of their users and patients. The loads of one batch do
// not depend on each other, so the processor overlaps their cache misses,
// where Add, one event after another, would wait for each in turn; by the
// time Add runs, the lines are in cache. It changes nothing: a key that is
// new, or whose slot is not its first probe, just costs a wasted load.
func (a *Analyzer) prefetch(evs []Event) {
	var ui, pi [batchSize]uint32
	evs = evs[:min(len(evs), batchSize)]
	us, ps := a.users, a.patients
	for k := range evs {
		ev := &evs[k]
		h, _, _ := us.hashKey(trim(ev.Fields[FUser]))
		ui[k] = us.slots[h&us.mask].idx
		if pb := trim(ev.Fields[FPatient]); len(pb) > 0 {
			h, _, _ = ps.hashKey(pb)
			pi[k] = ps.slots[h&ps.mask].idx
		}
	}
	var sum int64
	for k := range evs {
		if i := ui[k]; i != 0 && int(i) <= len(a.us) {
			u := &a.us[i-1]
			sum += u.lastT + int64(u.day) + int64(u.patC.idx) + int64(u.net) + int64(u.dayPats.n)
		} else {
			ui[k] = 0
		}
		if i := pi[k]; i != 0 && int(i) <= len(a.ph) {
			sum += int64(a.ph[i-1].lastDay)
		} else {
			pi[k] = 0
		}
	}
	// Then the slot of the patient in the user's set of the day's patients.
	for k := range evs {
		if ui[k] != 0 && pi[k] != 0 {
			if d := &a.us[ui[k]-1].dayPats; len(d.slots) > 0 {
				sum += int64(d.slots[d.home(pi[k]-1)])
			}
		}
	}
	a.sink += sum
}
