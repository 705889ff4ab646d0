package accesslog

import (
	"bytes"
	"io"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// The roster kinds.
const (
	RosterUsers      = "users"
	RosterWorkforce  = "workforce"
	RosterPatients   = "patients"
	RosterEncounters = "encounters"
)

// rosterSpec lists a roster's fields, the headers each is recognized by,
// which fields are required, and which hold dates.
type rosterSpec struct {
	kind     string
	fields   []string
	aliases  map[string][]string
	required []string
	dates    map[string]bool
	// phi marks rosters whose cells hold patient data; their values never appear in messages.
	phi bool
}

var rosterSpecs = map[string]*rosterSpec{
	RosterUsers: {
		kind:   RosterUsers,
		fields: []string{"user_id", "name", "role", "department", "status", "created", "last_login", "person_id", "manager"},
		aliases: map[string][]string{
			"user_id":    {"user_id", "userid", "user", "login", "username", "login_name", "account", "system_login", "emp_id"},
			"name":       {"name", "full_name", "user_name", "display_name", "employee_name", "emp_name"},
			"role":       {"role", "roles", "security_class", "user_role", "template", "access_level", "security_role"},
			"department": {"department", "dept", "department_name", "login_department"},
			"status":     {"status", "account_status", "active", "enabled", "state"},
			"created":    {"created", "created_at", "create_date", "created_date", "date_created", "account_created"},
			"last_login": {"last_login", "last_login_date", "last_logon", "lastlogon", "last_signin", "last_activity", "last_access"},
			"person_id":  {"person_id", "employee_id", "hr_id", "employee_number", "badge", "personnel_id"},
			"manager":    {"manager", "supervisor", "manager_name", "reports_to"},
		},
		required: []string{"user_id"},
		dates:    map[string]bool{"created": true, "last_login": true},
	},
	RosterWorkforce: {
		kind:   RosterWorkforce,
		fields: []string{"person_id", "name", "job_title", "department", "hire_date", "termination_date", "address"},
		aliases: map[string][]string{
			"person_id":        {"person_id", "employee_id", "hr_id", "employee_number", "emp_id", "id"},
			"name":             {"name", "full_name", "employee_name"},
			"job_title":        {"job_title", "title", "position", "job", "job_code"},
			"department":       {"department", "dept", "department_name"},
			"hire_date":        {"hire_date", "hired", "start_date", "date_hired"},
			"termination_date": {"termination_date", "term_date", "terminated", "end_date", "separation_date", "last_day"},
			"address":          {"address", "home_address", "street_address", "address_line_1", "add_line_1"},
		},
		required: []string{"person_id"},
		dates:    map[string]bool{"hire_date": true, "termination_date": true},
	},
	RosterPatients: {
		kind:   RosterPatients,
		fields: []string{"patient_id", "last_name", "first_name", "name", "address", "dob", "date_of_death", "vip", "employee_person_id"},
		aliases: map[string][]string{
			"patient_id":         {"patient_id", "patient", "mrn", "pat_id", "pat_mrn_id", "patient_reg_id", "id", "chart_number"},
			"last_name":          {"last_name", "surname", "family_name", "pat_last_name", "patient_last_name", "last"},
			"first_name":         {"first_name", "given_name", "pat_first_name", "patient_first_name", "first"},
			"name":               {"name", "patient_name", "full_name", "pat_name"},
			"address":            {"address", "address_line_1", "add_line_1", "street_address", "patient_address_line_1", "street"},
			"dob":                {"dob", "birth_date", "birthdate", "date_of_birth"},
			"date_of_death":      {"date_of_death", "death_date", "deathdate", "dod", "deceased_date"},
			"vip":                {"vip", "restricted", "confidential", "vip_flag", "sensitive", "break_the_glass", "btg"},
			"employee_person_id": {"employee_person_id", "employee_id", "employee", "staff_id", "is_employee"},
		},
		required: []string{"patient_id"},
		dates:    map[string]bool{"dob": true, "date_of_death": true},
		phi:      true,
	},
	RosterEncounters: {
		kind:   RosterEncounters,
		fields: []string{"patient_id", "user_id", "date", "department"},
		aliases: map[string][]string{
			"patient_id": {"patient_id", "patient", "mrn", "pat_id", "id"},
			"user_id":    {"user_id", "provider", "provider_id", "user", "clinician", "attending", "visit_prov_id", "prov_id"},
			"date":       {"date", "encounter_date", "appointment_date", "appt_date", "visit_date", "contact_date", "start", "appt_time", "scheduled"},
			"department": {"department", "dept", "department_name", "location"},
		},
		required: []string{"patient_id", "date"},
		dates:    map[string]bool{"date": true},
		phi:      true,
	},
}

// noDay marks an absent date.
const noDay = int32(-1 << 30)

// rosterRow is one row of a roster. Its raw values point into the reader's
// buffer and are valid only during the callback; dates are parsed on demand.
type rosterRow struct {
	rec     [][]byte
	cols    []int // by field position in spec.fields: the column, or -1
	headers []string
	line    int64
	file    string
	spec    *rosterSpec
	layouts []*timeLayout // by field position
	zone    *zoneCache
	err     error
}

func (r *rosterRow) pos(f string) int {
	for i, n := range r.spec.fields {
		if n == f {
			return i
		}
	}
	panic("accesslog: unknown roster field " + f)
}

// raw returns a field's value, trimmed; nil when the roster has no such column.
func (r *rosterRow) raw(f string) []byte {
	c := r.cols[r.pos(f)]
	if c < 0 {
		return nil
	}
	return bytes.TrimSpace(r.rec[c])
}

func (r *rosterRow) get(f string) string { return string(r.raw(f)) }

// day returns a date field as days since 1970-01-01, or noDay. A value that
// is not a date sets r.err, which stops the roster.
func (r *rosterRow) day(f string) int32 {
	i := r.pos(f)
	c := r.cols[i]
	if c < 0 {
		return noDay
	}
	v := bytes.TrimSpace(r.rec[c])
	if len(v) == 0 {
		return noDay
	}
	l := r.layouts[i]
	if l == nil {
		var ok bool
		if l, ok = detectLayout([][]byte{v}); !ok {
			r.fail(c, string(v))
			return noDay
		}
		r.layouts[i] = l
	}
	p, ok := l.parse(v)
	if !ok {
		r.fail(c, string(v))
		return noDay
	}
	secs := p.secs
	if p.abs || p.hasOff {
		secs = r.zone.toWall(p.secs - p.off)
	}
	return int32(floorDiv(secs, 86400))
}

func (r *rosterRow) fail(c int, v string) {
	if r.err == nil {
		r.err = dateErr(r.file, r.line, columnOf(r.rec, c), r.headers[c], r.spec, v)
	}
}

// readRoster reads a roster file row by row.
func readRoster(path, kind string, rm *RosterMapping, loc *time.Location, fn func(*rosterRow) error) error {
	spec := rosterSpecs[kind]
	in, err := openInput(path)
	if err != nil {
		return err
	}
	defer in.Close()
	var delim byte
	if rm != nil {
		delim, _ = parseDelimiter(rm.Delimiter)
	}
	rr := newRecordReader(in.r, ',')
	if delim == 0 {
		head, err := rr.peek(64 << 10)
		if err != nil {
			return in.readErr(err)
		}
		first := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			first = head[:i]
		}
		delim = sniffDelimiter(first)
	}
	rr.delim = delim
	hdr, err := rr.next()
	if err == io.EOF {
		return hipaa.Errorf(hipaa.EInvalid, "%s (%s roster) is empty: it needs a header line and one row per %s", in.name, kind, rosterNoun(kind))
	}
	if err != nil {
		return rosterReadErr(in, rr, err)
	}
	headers := make([]string, len(hdr))
	index := map[string]int{}
	for i, h := range hdr {
		headers[i] = strings.TrimSpace(strings.TrimPrefix(string(h), "\ufeff"))
		if _, dup := index[normHeader(headers[i])]; !dup {
			index[normHeader(headers[i])] = i
		}
	}
	row := &rosterRow{cols: make([]int, len(spec.fields)), headers: headers, file: in.name, spec: spec,
		layouts: make([]*timeLayout, len(spec.fields)), zone: newZoneCache(loc)}
	taken := map[int]bool{}
	for fi, f := range spec.fields {
		row.cols[fi] = -1
		for _, a := range spec.aliases[f] {
			if i, ok := index[a]; ok && !taken[i] {
				row.cols[fi], taken[i] = i, true
				break
			}
		}
	}
	if rm != nil {
		for f, hs := range rm.Columns {
			if len(hs) != 1 {
				return hipaa.Errorf(hipaa.EInvalid, "%s: the mapping's %s roster column for %s must be one header", in.name, kind, f)
			}
			i, ok := index[normHeader(hs[0])]
			if !ok {
				return hipaa.Errorf(hipaa.EInvalid, "%s: the mapping's column %q (for %s) is not in the header; headers found: %s", in.name, hs[0], f, strings.Join(headers, ", "))
			}
			row.cols[row.pos(f)] = i
		}
		if rm.DateFormat != "" {
			l, _ := layoutFromYAML(rm.DateFormat)
			for fi, f := range spec.fields {
				if spec.dates[f] {
					row.layouts[fi] = l
				}
			}
		}
	}
	for _, f := range spec.required {
		if row.cols[row.pos(f)] < 0 {
			return hipaa.Errorf(hipaa.EInvalid, "%s: the %s roster needs a %s column; headers found: %s. Rename the column or map it in the mapping file's rosters.%s.columns", in.name, kind, f, strings.Join(headers, ", "), kind)
		}
	}
	for {
		rec, err := rr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return rosterReadErr(in, rr, err)
		}
		if len(rec) != len(headers) {
			return hipaa.Errorf(hipaa.EInvalid, "%s:%d: the row has %d fields but the header has %d: check the delimiter and quoting", in.name, rr.recLine, len(rec), len(headers))
		}
		row.rec, row.line = rec, rr.recLine
		if err := fn(row); err != nil {
			return err
		}
		if row.err != nil {
			return row.err
		}
	}
}

func dateErr(file string, line int64, col int, header string, spec *rosterSpec, v string) error {
	if spec.phi {
		return hipaa.Errorf(hipaa.EInvalid, "%s:%d:%d: column %q does not hold a date this tool can read: give date_format in the mapping file's rosters.%s section", file, line, col, header, spec.kind)
	}
	return hipaa.Errorf(hipaa.EInvalid, "%s:%d:%d: column %q: %q is not a date this tool can read: give date_format in the mapping file's rosters.%s section", file, line, col, header, v, spec.kind)
}

func rosterReadErr(in *input, rr *recordReader, err error) error {
	if qe, ok := err.(*quoteError); ok {
		return hipaa.Errorf(hipaa.EInvalid, "%s:%d: a quoted field is never closed: check the file's quoting", in.name, qe.line)
	}
	return in.readErr(err)
}

func rosterNoun(kind string) string {
	switch kind {
	case RosterUsers:
		return "EHR account"
	case RosterWorkforce:
		return "staff member"
	case RosterPatients:
		return "patient"
	}
	return "encounter or appointment"
}

// accountEnabled reads an account status. Unknown words count as enabled,
// the safe assumption for finding accounts that should have been closed.
func accountEnabled(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "disabled", "inactive", "terminated", "locked", "deleted", "removed", "suspended", "deactivated", "expired",
		"0", "n", "no", "false", "f", "i", "d", "off", "closed":
		return false
	}
	return true
}
