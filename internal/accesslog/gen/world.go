// Package gen writes synthetic EHR audit logs and rosters for a made-up
// medical practice: departments, staff and their accounts, patients in
// households, a visit schedule, and a day-by-day stream of audit events that
// looks like an Epic ACCESS_LOG extract or a generic EHR export. Into that
// stream it plants the violations the accesslog detectors look for — shared
// logins, activity after termination, snooping on family, household,
// co-workers and VIPs, after-hours browsing, bulk printing, gaps — together
// with look-alike innocent cases (a relative treated with a visit, a
// clinician charting from home, a typo at sign-in), and returns the ground
// truth: which rule should report which user and patient.
//
// Everything is invented: names are built from syllables, addresses from
// word lists, identifiers are counters. The same seed gives the same files.
package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// Style is the shape of the export.
type Style int

// The export styles.
const (
	// StyleEpic is a comma-separated ACCESS_LOG-style extract with Epic
	// column names and local times; rosters use the canonical headers.
	StyleEpic Style = iota
	// StyleGeneric is a tab-separated export with vendor-neutral headers,
	// UTC ISO 8601 times and a success/failure column; rosters use other
	// headers and month/day/year dates, described by a mapping file.
	StyleGeneric
)

// Config sizes the practice and the log.
type Config struct {
	Seed int64
	// Users is the number of staff accounts (at least 40).
	Users int
	// Patients is the number of patients.
	Patients int
	// Days is the number of calendar days in the log; Start is the first.
	Days  int
	Start time.Time
	// EventsPerUserDay scales how chatty the log is (about 60–200 in EHRs).
	EventsPerUserDay int
	// Plant is how many cases of each violation to plant.
	Plant int
	Style Style
	// Zone is the practice's time zone.
	Zone string
}

type roleKind int

const (
	kPhysician roleKind = iota
	kNurse
	kMA
	kFrontDesk
	kBilling
	kHIM
	kIT
	kAdmin
)

type person struct {
	id, first, last, addr, title, dept string
	hire, term                         time.Time
	acct                               int
	hr                                 bool
	patient                            int   // the person's own patient record, or -1
	household                          []int // patients at the same address
	relatives                          []int // patients with the same surname elsewhere
}

type account struct {
	login, role, dept string
	kind              roleKind
	deptIdx           int
	person            int // -1 for none
	enabled           bool
	created           time.Time
	lastLogin         time.Time
	ws                [2]int
	homeIP            string
	homeWS            int
	onCall            bool
	evening           bool
	noEvents          bool // roster-only account
	activeFrom        time.Time
	activeTo          time.Time // last day of normal work (zero: whole period)
	generic           bool
	planted           bool
	name              string
}

type patient struct {
	id, first, last, addr string
	dob, death            time.Time
	vip                   bool
	employee              int // person index, or -1
	dept                  int
}

type world struct {
	cfg       Config
	rng       *rand.Rand
	loc       *time.Location
	depts     []string
	clinical  []int
	persons   []person
	accounts  []account
	patients  []patient
	ws        []string
	wsIP      []string
	byDept    [][]int // patients by home department
	surnames  []string
	cum       []float64
	firsts    []string
	streets   []string
	logins    map[string]bool
	truth     map[string]bool
	nextPID   int
	foreignIP int
}

var deptNames = []string{"Family Medicine", "Pediatrics", "Internal Medicine", "Cardiology", "Orthopedics", "Dermatology",
	"Obstetrics", "Neurology", "ENT", "Gastroenterology", "Endocrinology", "Urology", "Pulmonology", "Rheumatology", "Oncology"}

func newWorld(cfg Config) *world {
	w := &world{cfg: cfg, rng: rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(cfg.Seed)*7919+13)), logins: map[string]bool{}, truth: map[string]bool{}}
	loc, err := time.LoadLocation(cfg.Zone)
	if err != nil {
		loc = time.UTC
	}
	w.loc = loc
	w.names()
	return w
}

// names builds the invented name and street pools.
func (w *world) names() {
	a := []string{"Ab", "Al", "Bar", "Ben", "Bro", "Cal", "Car", "Dal", "Den", "Ed", "El", "Far", "Fen", "Gar", "Gil", "Hal", "Har",
		"Hol", "Jen", "Kel", "Lan", "Lin", "Mar", "Mel", "Mor", "Nor", "Ol", "Par", "Pen", "Ral", "Ros", "Sal", "Sel", "Tan", "Tor",
		"Val", "Wal", "Wes", "Wil", "Yor", "Quin", "Rad", "Stan", "Thorn", "Ux"}
	mid := []string{"", "a", "e", "o", "i"}
	b := []string{"ton", "son", "ley", "man", "ford", "well", "by", "wood", "field", "berg", "ski", "ner", "sen", "ard", "ett",
		"ins", "ham", "stead", "more", "wick", "land", "den", "ridge", "worth", "dale"}
	for _, x := range a {
		for _, m := range mid {
			for _, y := range b {
				w.surnames = append(w.surnames, x+m+y)
			}
		}
	}
	w.rng.Shuffle(len(w.surnames), func(i, j int) { w.surnames[i], w.surnames[j] = w.surnames[j], w.surnames[i] })
	total := 0.0
	for i := range w.surnames {
		total += 1 / math.Pow(float64(i+30), 0.7)
		w.cum = append(w.cum, total)
	}
	for i := range w.cum {
		w.cum[i] /= total
	}
	fa := []string{"Ad", "Bel", "Cor", "Dar", "Em", "Fay", "Gwen", "Hen", "Is", "Jo", "Kai", "Liv", "Mae", "Nat", "Ot", "Pi", "Ray", "Sam", "Tess", "Vi", "Wen", "Zo"}
	fb := []string{"a", "o", "ie", "y", "en", "ia", "el", "an", "ette", "io"}
	for _, x := range fa {
		for _, y := range fb {
			w.firsts = append(w.firsts, x+y)
		}
	}
	sa := []string{"Oak", "Maple", "Cedar", "Pine", "Elm", "Birch", "Willow", "Lake", "Hill", "River", "Park", "Main", "Church", "Mill", "Spring", "Valley", "Forest", "Meadow", "Sunset", "Ridge"}
	for _, x := range sa {
		for _, y := range []string{"", "wood", "view", "crest", "brook"} {
			w.streets = append(w.streets, x+y)
		}
	}
}

func (w *world) surname() string {
	x := w.rng.Float64()
	lo, hi := 0, len(w.cum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if w.cum[m] < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return w.surnames[lo]
}

func (w *world) first() string { return w.firsts[w.rng.IntN(len(w.firsts))] }

// address returns a street address; fancy picks a spelling variant for the same place.
func (w *world) address() string {
	n := 100 + w.rng.IntN(9800)
	s := w.streets[w.rng.IntN(len(w.streets))]
	suf := []string{"Street", "Avenue", "Road", "Drive", "Lane", "Court"}[w.rng.IntN(6)]
	addr := fmt.Sprintf("%d %s %s", n, s, suf)
	if w.rng.IntN(4) == 0 {
		addr += fmt.Sprintf(" Apt %d", 1+w.rng.IntN(40))
	}
	return addr
}

// variant spells the same address another way, as a different system would.
func variant(addr string, r *rand.Rand) string {
	if r.IntN(2) == 0 {
		return addr
	}
	rep := strings.NewReplacer("Street", "St.", "Avenue", "Ave", "Road", "Rd", "Drive", "Dr.", "Lane", "Ln", "Court", "Ct", "Apt ", "#")
	return strings.ToUpper(rep.Replace(addr))
}

func (w *world) date(base time.Time, days int) time.Time {
	y, m, d := base.Date()
	return time.Date(y, m, d+days, 0, 0, 0, 0, w.loc)
}

func (w *world) newPatient(first, last, addr string, dept int) int {
	w.nextPID++
	id := fmt.Sprintf("Z%07d", 1000000+w.nextPID*7)
	if w.cfg.Style == StyleGeneric {
		id = fmt.Sprintf("%08d", 20000000+w.nextPID*3)
	}
	dob := w.date(w.cfg.Start, -(365*(1+w.rng.IntN(90)) + w.rng.IntN(365)))
	w.patients = append(w.patients, patient{id: id, first: first, last: last, addr: addr, dob: dob, employee: -1, dept: dept})
	return len(w.patients) - 1
}

// build creates departments, staff, accounts and patients.
func (w *world) build() {
	cfg := w.cfg
	nClin := max(2, cfg.Users/28)
	for i := 0; i < nClin; i++ {
		name := deptNames[i%len(deptNames)]
		if i >= len(deptNames) {
			name = fmt.Sprintf("%s %d", name, 1+i/len(deptNames))
		}
		w.depts = append(w.depts, name)
		w.clinical = append(w.clinical, i)
	}
	billing, him, it, admin := len(w.depts), len(w.depts)+1, len(w.depts)+2, len(w.depts)+3
	w.depts = append(w.depts, "Billing", "Medical Records", "Information Technology", "Administration")
	w.byDept = make([][]int, len(w.depts))

	nBilling := max(5, cfg.Users*6/100)
	nHIM := max(3, cfg.Users*3/100)
	add := func(kind roleKind, dept int) {
		p := person{id: fmt.Sprintf("E%05d", 10000+len(w.persons)*3), first: w.first(), last: w.surname(), addr: w.address(),
			dept: w.depts[dept], hire: w.date(cfg.Start, -(30 + w.rng.IntN(3000))), hr: true, patient: -1, acct: -1}
		role, title := "", ""
		switch kind {
		case kPhysician:
			role, title = "Physician", "Physician"
		case kNurse:
			role, title = "Registered Nurse", "Registered Nurse"
		case kMA:
			role, title = "Medical Assistant", "Medical Assistant"
		case kFrontDesk:
			role, title = "Front Desk", "Front Desk Coordinator"
		case kBilling:
			role, title = "Billing", "Billing Specialist"
		case kHIM:
			role, title = "Medical Records", "HIM Specialist"
		case kIT:
			role, title = "System Administrator", "IT Manager"
		case kAdmin:
			role, title = "Administrator", "Practice Manager"
		}
		p.title = title
		w.persons = append(w.persons, p)
		pi := len(w.persons) - 1
		a := account{login: w.login(p.first, p.last), role: role, dept: w.depts[dept], kind: kind, deptIdx: dept, person: pi,
			enabled: true, created: p.hire, activeFrom: cfg.Start}
		a.name = p.first + " " + p.last
		w.accounts = append(w.accounts, a)
		w.persons[pi].acct = len(w.accounts) - 1
	}
	for i := 0; i < nBilling; i++ {
		add(kBilling, billing)
	}
	for i := 0; i < nHIM; i++ {
		add(kHIM, him)
	}
	add(kIT, it)
	add(kIT, it)
	add(kAdmin, admin)
	add(kAdmin, admin)
	rest := cfg.Users - len(w.accounts)
	for i := 0; i < rest; i++ {
		d := w.clinical[i%len(w.clinical)]
		k := []roleKind{kPhysician, kPhysician, kPhysician, kNurse, kNurse, kMA, kMA, kFrontDesk, kPhysician, kNurse}[(i/len(w.clinical))%10]
		add(k, d)
	}
	// Workstations: two per account, in its department's range of private addresses.
	for i := range w.accounts {
		a := &w.accounts[i]
		for k := 0; k < 2; k++ {
			a.ws[k] = w.newWS(fmt.Sprintf("%s-WS%03d", deptCode(a.dept), 2*i+k), fmt.Sprintf("10.%d.%d.%d", 10+a.deptIdx, (2*i+k)/250, 1+(2*i+k)%250))
		}
		if a.kind == kPhysician || a.kind == kNurse {
			a.homeIP = fmt.Sprintf("%d.%d.%d.%d", 24+w.rng.IntN(40), w.rng.IntN(256), w.rng.IntN(256), 1+w.rng.IntN(254))
			a.homeWS = w.newWS("HOME-"+strings.ToUpper(a.login), a.homeIP)
			a.evening = a.kind == kPhysician && w.rng.IntN(4) == 0
		}
	}
	// Two on-call physicians.
	n := 0
	for i := range w.accounts {
		if w.accounts[i].kind == kPhysician && n < 2 {
			w.accounts[i].onCall = true
			w.accounts[i].role = "Physician On-Call"
			n++
		}
	}
	// Patients in households; staff and their families among them.
	for len(w.patients) < cfg.Patients {
		w.household(-1)
	}
	for i := range w.persons {
		w.staffFamily(i)
	}
	// VIPs and deaths.
	for i := range w.patients {
		p := &w.patients[i]
		if w.rng.IntN(1000) < 2 && p.employee < 0 {
			p.vip = true
		}
		if w.rng.IntN(100) == 0 && p.employee < 0 {
			p.death = w.date(cfg.Start, -w.rng.IntN(400))
		}
	}
	for i := range w.patients {
		w.byDept[w.patients[i].dept] = append(w.byDept[w.patients[i].dept], i)
	}
}

func deptCode(d string) string {
	f := strings.Fields(strings.ToUpper(d))
	if len(f) == 1 {
		return f[0][:min(4, len(f[0]))]
	}
	return f[0][:1] + f[1][:min(2, len(f[1]))]
}

func (w *world) newWS(name, ip string) int {
	w.ws = append(w.ws, name)
	w.wsIP = append(w.wsIP, ip)
	return len(w.ws) - 1
}

func (w *world) login(first, last string) string {
	base := strings.ToLower(first[:1] + last)
	l := base
	for k := 2; w.logins[l]; k++ {
		l = fmt.Sprintf("%s%d", base, k)
	}
	w.logins[l] = true
	return l
}

// household adds a household of 1–4 patients at one address; it returns their indexes.
func (w *world) household(dept int) []int {
	if dept < 0 {
		dept = w.clinical[w.rng.IntN(len(w.clinical))]
	}
	addr := w.address()
	last := w.surname()
	n := 1 + w.rng.IntN(4)
	var out []int
	for k := 0; k < n; k++ {
		l := last
		if k == 1 && w.rng.IntN(4) == 0 {
			l = w.surname() // a partner who kept their name
		}
		out = append(out, w.newPatient(w.first(), l, variant(addr, w.rng), dept))
	}
	return out
}

// staffFamily makes some staff patients, with family at home and relatives elsewhere.
func (w *world) staffFamily(pi int) {
	p := &w.persons[pi]
	dept := w.clinical[w.rng.IntN(len(w.clinical))]
	if w.rng.IntN(100) < 40 {
		id := w.newPatient(p.first, p.last, variant(p.addr, w.rng), dept)
		w.patients[id].employee = pi
		p.patient = id
	}
	if w.rng.IntN(100) < 45 {
		for k := 0; k < 1+w.rng.IntN(3); k++ {
			l := p.last
			if k == 0 && w.rng.IntN(3) == 0 {
				l = w.surname()
			}
			p.household = append(p.household, w.newPatient(w.first(), l, variant(p.addr, w.rng), w.clinical[w.rng.IntN(len(w.clinical))]))
		}
	}
	if w.rng.IntN(100) < 40 {
		p.relatives = append(p.relatives, w.newPatient(w.first(), p.last, w.address(), w.clinical[w.rng.IntN(len(w.clinical))]))
	}
}
