package gen

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Files names what Generate wrote.
type Files struct {
	Events, Users, Workforce, Patients, Encounters string
	// Mapping is the mapping file (StyleGeneric only; "" otherwise).
	Mapping string
}

// Truth is what the detectors should report.
type Truth struct {
	// Keys holds "RULE|login|patientID" for every planted case ("" patient
	// for rules about an account). IN-01 keys use "gap:DATE",
	// "records:FILE" or "off:LOGIN" in place of the login.
	Keys map[string]bool
	// AsOf is the day after the log ends: the date the rosters describe.
	AsOf time.Time
	// Zone is the practice's time zone.
	Zone *time.Location
	// Events is the number of events written.
	Events int64
}

// Key builds a ground-truth key; detectors' results are compared with it.
func Key(rule, login, patient string) string { return key(rule, login, patient) }

// Defaults fills in a Config's zero fields.
func (c *Config) Defaults() {
	if c.Users < 40 {
		c.Users = 40
	}
	if c.Patients == 0 {
		c.Patients = c.Users * 150
	}
	if c.Days == 0 {
		c.Days = 42
	}
	if c.Start.IsZero() {
		c.Start = time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	}
	if c.EventsPerUserDay == 0 {
		c.EventsPerUserDay = 80
	}
	if c.Plant == 0 {
		c.Plant = 10
	}
	if c.Zone == "" {
		c.Zone = "America/Chicago"
	}
}

// Generate writes a practice's rosters and audit log into dir.
func Generate(cfg Config, dir string) (*Files, *Truth, error) {
	cfg.Defaults()
	w := newWorld(cfg)
	y, m, d := cfg.Start.Date()
	w.cfg.Start = time.Date(y, m, d, 0, 0, 0, 0, w.loc)
	cfg = w.cfg
	w.build()
	s := &sim{world: w, visits: map[int][]encounter{}, byPat: map[int][]int{}, sched: map[[2]int][]int{},
		planned: map[int][]func(*day){}, lastSeen: map[int]time.Time{}, reserved: map[int]bool{}, uses: map[int]int{}, exclusive: map[int]bool{}, byRule: map[string]map[int]bool{}, pools: map[[2]int][]int{}, keep: map[int]map[int]bool{}}
	for off := cfg.Days / 2; ; off++ {
		if w.date(cfg.Start, off).Weekday() == time.Wednesday {
			s.gapDay = off
			break
		}
	}
	s.plan()
	s.schedule()

	ext, sep := ".csv", ","
	if cfg.Style == StyleGeneric {
		ext, sep = ".tsv", "\t"
	}
	files := &Files{Events: filepath.Join(dir, "events"+ext), Users: filepath.Join(dir, "users"+ext),
		Workforce: filepath.Join(dir, "workforce"+ext), Patients: filepath.Join(dir, "patients"+ext), Encounters: filepath.Join(dir, "encounters"+ext)}
	truth := &Truth{Keys: w.truth, AsOf: w.date(cfg.Start, cfg.Days), Zone: w.loc}

	ef, err := os.Create(files.Events)
	if err != nil {
		return nil, nil, err
	}
	defer ef.Close()
	bw := bufio.NewWriterSize(ef, 1<<20)
	if cfg.Style == StyleGeneric {
		bw.WriteString("Event ID\tEvent Time\tLogin\tEmployee Name\tMRN\tPatient Name\tEvent\tComputer\tClient IP\tResult\tDepartment\tEmergency Access\n")
	} else {
		bw.WriteString("ACCESS_LOG_ID,ACCESS_TIME,USER_ID,PAT_ID,METRIC_NAME,WORKSTATION_ID,IP_ADDRESS,DEPARTMENT_NAME,BTG_REASON\n")
	}
	recID := int64(5000000)
	skipDay := cfg.Days * 2 / 3
	for !s.workday(skipDay) || skipDay == s.gapDay {
		skipDay++
	}
	var buf []byte
	for off := 0; off < cfg.Days; off++ {
		date := w.date(cfg.Start, off)
		dd := &day{date: date}
		work := s.workday(off)
		for ai := range w.accounts {
			a := &w.accounts[ai]
			if a.noEvents || a.planted || a.generic || date.Before(a.activeFrom) || (!a.activeTo.IsZero() && date.After(a.activeTo)) {
				continue
			}
			if work {
				s.normalDay(dd, off, ai)
			}
			if a.onCall && (!work || w.rng.IntN(10) < 3) {
				s.onCallDay(dd, off, ai, false)
			}
			if a.onCall && work && off == 5+ai%7 {
				s.onCallDay(dd, off, ai, true) // one very long day: below SH-04's two-day minimum
			}
		}
		for _, f := range s.planned[off] {
			f(dd)
		}
		if off == s.gapDay {
			dd.events = nil // the export lost this day
			truth.Keys[key("IN-01", "gap:"+date.Format("2006-01-02"), "")] = true
		}
		sort.SliceStable(dd.events, func(i, j int) bool { return dd.events[i].t < dd.events[j].t })
		for i, e := range dd.events {
			if off == skipDay && i == len(dd.events)/2 {
				recID += 250 // records deleted from the log
				truth.Keys[key("IN-01", "records:"+filepath.Base(files.Events), "")] = true
			}
			recID++
			buf = s.formatEvent(buf[:0], recID, &e)
			bw.Write(buf)
			truth.Events++
			if !e.fail && e.login == "" {
				s.lastSeen[int(e.acct)] = date
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return nil, nil, err
	}
	if err := ef.Close(); err != nil {
		return nil, nil, err
	}
	if err := s.writeRosters(files, sep); err != nil {
		return nil, nil, err
	}
	if cfg.Style == StyleGeneric {
		files.Mapping = filepath.Join(dir, "mapping.yaml")
		if err := os.WriteFile(files.Mapping, []byte(genericMapping), 0o644); err != nil {
			return nil, nil, err
		}
	}
	return files, truth, nil
}

func (s *sim) formatEvent(b []byte, rec int64, e *event) []byte {
	a := &s.accounts[e.acct]
	login := a.login
	if e.login != "" {
		login = e.login
	}
	t := time.Unix(e.t, 0)
	pid, pname := "", ""
	if e.patient >= 0 {
		p := &s.patients[e.patient]
		pid, pname = p.id, p.last+", "+p.first
	}
	act := actions[e.act]
	if s.cfg.Style == StyleGeneric {
		b = strconv.AppendInt(b, rec, 10)
		b = append(b, '\t')
		b = t.UTC().AppendFormat(b, "2006-01-02T15:04:05Z")
		b = append(b, '\t')
		b = append(b, login...)
		b = append(b, '\t')
		if e.login == "" {
			b = append(b, a.name...)
		}
		b = append(b, '\t')
		b = append(b, pid...)
		b = append(b, '\t')
		b = append(b, pname...)
		b = append(b, '\t')
		b = append(b, act.generic...)
		b = append(b, '\t')
		b = append(b, s.ws[e.ws]...)
		b = append(b, '\t')
		b = append(b, s.wsIP[e.ws]...)
		b = append(b, '\t')
		if e.fail {
			b = append(b, "Failure"...)
		} else {
			b = append(b, "Success"...)
		}
		b = append(b, '\t')
		b = append(b, a.dept...)
		b = append(b, '\t')
		if e.btg {
			b = append(b, 'Y')
		}
		return append(b, '\n')
	}
	b = strconv.AppendInt(b, rec, 10)
	b = append(b, ',')
	b = t.In(s.loc).AppendFormat(b, "2006-01-02 15:04:05")
	b = append(b, ',')
	b = append(b, login...)
	b = append(b, ',')
	b = append(b, pid...)
	b = append(b, ',')
	b = append(b, act.epic...)
	b = append(b, ',')
	b = append(b, s.ws[e.ws]...)
	b = append(b, ',')
	b = append(b, s.wsIP[e.ws]...)
	b = append(b, ',')
	b = append(b, a.dept...)
	b = append(b, ',')
	if e.btg {
		b = append(b, "Emergency care"...)
	}
	return append(b, '\n')
}

// csvField quotes a value when it holds the separator or a quote.
func csvField(v, sep string) string {
	if strings.ContainsAny(v, sep+"\"\n") {
		return `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
	}
	return v
}

func (s *sim) writeRosters(f *Files, sep string) error {
	gen := s.cfg.Style == StyleGeneric
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		if gen {
			return t.Format("01/02/2006")
		}
		return t.Format("2006-01-02")
	}
	write := func(path string, header []string, rows [][]string) error {
		var b strings.Builder
		b.WriteString(strings.Join(header, sep) + "\n")
		for _, r := range rows {
			for i, v := range r {
				if i > 0 {
					b.WriteString(sep)
				}
				b.WriteString(csvField(v, sep))
			}
			b.WriteString("\n")
		}
		return os.WriteFile(path, []byte(b.String()), 0o644)
	}
	pick := func(canon, generic []string) []string {
		if gen {
			return generic
		}
		return canon
	}
	// Users.
	var rows [][]string
	for ai, a := range s.accounts {
		if a.login == "" {
			continue
		}
		status := "Active"
		if !a.enabled {
			status = "Inactive"
		}
		pid, manager := "", ""
		if a.person >= 0 {
			pid = s.persons[a.person].id
		}
		if a.generic || (a.planted && a.person < 0) {
			pid = ""
			if a.kind == kNurse {
				pid = fmt.Sprintf("E9%04d", ai) // refers to no one in HR
			}
		}
		last := a.lastLogin
		if t, ok := s.lastSeen[ai]; ok {
			last = t
		}
		rows = append(rows, []string{a.login, a.name, a.role, a.dept, status, day(a.created), day(last), pid, manager})
	}
	if err := write(f.Users, pick([]string{"user_id", "name", "role", "department", "status", "created", "last_login", "person_id", "manager"},
		[]string{"Login ID", "Full Name", "Security Role", "Dept", "Account Status", "Created On", "Last Sign-In", "Employee Number", "Manager"}), rows); err != nil {
		return err
	}
	// Workforce.
	rows = nil
	for _, p := range s.persons {
		if !p.hr {
			continue
		}
		rows = append(rows, []string{p.id, p.first + " " + p.last, p.title, p.dept, day(p.hire), day(p.term), p.addr})
	}
	if err := write(f.Workforce, pick([]string{"person_id", "name", "job_title", "department", "hire_date", "termination_date", "address"},
		[]string{"Employee Number", "Employee", "Position", "Department", "Hired", "Separated", "Home Address"}), rows); err != nil {
		return err
	}
	// Patients.
	rows = nil
	for _, p := range s.patients {
		vip, emp := "", ""
		if p.vip {
			vip = "Y"
		}
		if p.employee >= 0 {
			emp = s.persons[p.employee].id
		}
		rows = append(rows, []string{p.id, p.last, p.first, p.addr, day(p.dob), day(p.death), vip, emp})
	}
	if err := write(f.Patients, pick([]string{"patient_id", "last_name", "first_name", "address", "dob", "date_of_death", "vip", "employee_person_id"},
		[]string{"MRN", "Surname", "Given Name", "Street", "Birth Date", "Deceased On", "Confidential", "Staff ID"}), rows); err != nil {
		return err
	}
	// Encounters.
	rows = nil
	offs := make([]int, 0, len(s.visits))
	for off := range s.visits {
		offs = append(offs, off)
	}
	sort.Ints(offs)
	for _, off := range offs {
		for _, e := range s.visits[off] {
			rows = append(rows, []string{s.patients[e.patient].id, s.accounts[e.acct].login, day(e.date), s.depts[e.dept]})
		}
	}
	return write(f.Encounters, pick([]string{"patient_id", "user_id", "date", "department"},
		[]string{"MRN", "Provider", "Appt Date", "Location"}), rows)
}

// genericMapping describes the generic style's files to the analyzer.
const genericMapping = `# Mapping for a generic EHR audit export (tab-separated, UTC times).
delimiter: tab
columns:
  time: Event Time
  user: Login
  user_name: Employee Name
  patient: MRN
  patient_name: Patient Name
  action: Event
  workstation: Computer
  ip: Client IP
  outcome: Result
  department: Department
  break_glass: Emergency Access
  record_id: Event ID
rosters:
  users:
    delimiter: tab
    date_format: "%m/%d/%Y"
    columns: {user_id: Login ID, name: Full Name, role: Security Role, department: Dept, status: Account Status,
              created: Created On, last_login: Last Sign-In, person_id: Employee Number}
  workforce:
    delimiter: tab
    date_format: "%m/%d/%Y"
    columns: {person_id: Employee Number, name: Employee, job_title: Position, department: Department,
              hire_date: Hired, termination_date: Separated, address: Home Address}
  patients:
    delimiter: tab
    date_format: "%m/%d/%Y"
    columns: {patient_id: MRN, last_name: Surname, first_name: Given Name, address: Street, dob: Birth Date,
              date_of_death: Deceased On, vip: Confidential, employee_person_id: Staff ID}
  encounters:
    delimiter: tab
    date_format: "%m/%d/%Y"
    columns: {patient_id: MRN, user_id: Provider, date: Appt Date, department: Location}
`
