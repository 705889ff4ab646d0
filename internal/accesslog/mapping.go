package accesslog

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Mapping says how to read delimited exports: which source column holds each
// canonical field, how times are written and in which zone, and what the
// vendor's action words mean. One mapping file can also describe the rosters
// and change the detectors' thresholds.
//
//	profile: epic                 # start from a built-in profile (epic, generic)
//	delimiter: "|"                # optional: , tab | ; (sniffed from the header when omitted)
//	time_format: "%m/%d/%Y %I:%M:%S %p"   # optional: common layouts are detected
//	timezone: America/Chicago     # zone of times written without an offset
//	columns:
//	  time: ACCESS_TIME
//	  user: USER_ID
//	  patient_name: [PAT_FIRST_NAME, PAT_LAST_NAME]   # several columns are joined with a space
//	actions:
//	  "Chart Printed": print
//	success_values: ["1"]         # outcome values that mean success (default: 0, success, ok, …)
//	rosters:
//	  users: {columns: {user_id: Login, name: Full Name}}
//	thresholds:
//	  dormant_days: 60
type Mapping struct {
	Profile       string                    `yaml:"profile"`
	Delimiter     string                    `yaml:"delimiter"`
	TimeFormat    string                    `yaml:"time_format"`
	TimeZone      string                    `yaml:"timezone"`
	Columns       map[string]Columns        `yaml:"columns"`
	Actions       map[string]string         `yaml:"actions"`
	SuccessValues []string                  `yaml:"success_values"`
	Rosters       map[string]*RosterMapping `yaml:"rosters"`
	Thresholds    yaml.Node                 `yaml:"thresholds"`

	where   string // file name, for messages
	actions map[string]actionInfo
}

// RosterMapping says how to read one roster file.
type RosterMapping struct {
	Delimiter  string             `yaml:"delimiter"`
	DateFormat string             `yaml:"date_format"`
	Columns    map[string]Columns `yaml:"columns"`
}

// Columns is one source column, or several joined with a space.
type Columns []string

// UnmarshalYAML accepts a single header or a list of headers.
func (c *Columns) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*c = Columns{n.Value}
		return nil
	case yaml.SequenceNode:
		var list []string
		if err := n.Decode(&list); err != nil {
			return err
		}
		*c = list
		return nil
	}
	return fmt.Errorf("line %d: a column must be a header name or a list of header names", n.Line)
}

// LoadMapping reads a mapping file and checks it.
func LoadMapping(path string) (*Mapping, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EInvalid, err, "cannot read mapping file %s: %s", path, errText(err))
	}
	return ParseMapping(path, b)
}

// ParseMapping parses a mapping from YAML; name is used in messages.
func ParseMapping(name string, b []byte) (*Mapping, error) {
	var m Mapping
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return nil, hipaa.WrapError(hipaa.EInvalid, err, "mapping file %s: %s", name, yamlErrText(err))
	}
	m.where = name
	if err := m.check(); err != nil {
		return nil, err
	}
	return &m, nil
}

func (m *Mapping) check() error {
	if m.Profile != "" {
		if _, ok := profiles[strings.ToLower(m.Profile)]; !ok {
			return hipaa.Errorf(hipaa.EInvalid, "mapping file %s: profile %q is not known: use %s", m.where, m.Profile, strings.Join(ProfileNames(), " or "))
		}
	}
	if _, err := parseDelimiter(m.Delimiter); err != nil {
		return hipaa.Errorf(hipaa.EInvalid, "mapping file %s: %s", m.where, err)
	}
	if m.TimeFormat != "" {
		if _, err := layoutFromYAML(m.TimeFormat); err != nil {
			return hipaa.Errorf(hipaa.EInvalid, "mapping file %s: %s", m.where, err)
		}
	}
	if m.TimeZone != "" {
		if _, err := time.LoadLocation(m.TimeZone); err != nil {
			return hipaa.Errorf(hipaa.EInvalid, "mapping file %s: timezone %q is not known: use an IANA name such as America/Chicago", m.where, m.TimeZone)
		}
	}
	for k, v := range m.Columns {
		if _, ok := fieldByName(k); !ok {
			return hipaa.Errorf(hipaa.EInvalid, "mapping file %s: columns: %q is not a field: use %s", m.where, k, strings.Join(fieldNames[:], ", "))
		}
		if len(v) == 0 {
			return hipaa.Errorf(hipaa.EInvalid, "mapping file %s: columns: %s names no column", m.where, k)
		}
	}
	m.actions = map[string]actionInfo{}
	for k, v := range m.Actions {
		key := strings.ToLower(strings.TrimSpace(k))
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "failed_login":
			m.actions[key] = actionInfo{cat: CatLogin, failed: true}
			continue
		case "break_glass":
			m.actions[key] = actionInfo{cat: CatAccess, breakGlass: true}
			continue
		}
		c, ok := parseCategory(v)
		if !ok {
			return hipaa.Errorf(hipaa.EInvalid, "mapping file %s: actions: %q for %q is not a category: use view, login, failed_login, logout, print, export, copy, break_glass or audit_off", m.where, v, k)
		}
		m.actions[key] = actionInfo{cat: c}
	}
	for kind, r := range m.Rosters {
		spec, ok := rosterSpecs[kind]
		if !ok {
			return hipaa.Errorf(hipaa.EInvalid, "mapping file %s: rosters: %q is not a roster: use users, workforce, patients or encounters", m.where, kind)
		}
		if r == nil {
			continue
		}
		if _, err := parseDelimiter(r.Delimiter); err != nil {
			return hipaa.Errorf(hipaa.EInvalid, "mapping file %s: rosters: %s: %s", m.where, kind, err)
		}
		for k := range r.Columns {
			if _, ok := spec.aliases[k]; !ok {
				return hipaa.Errorf(hipaa.EInvalid, "mapping file %s: rosters: %s: %q is not a field of this roster: use %s", m.where, kind, k, strings.Join(spec.fields, ", "))
			}
		}
		if r.DateFormat != "" {
			if _, err := layoutFromYAML(r.DateFormat); err != nil {
				return hipaa.Errorf(hipaa.EInvalid, "mapping file %s: rosters: %s: %s", m.where, kind, err)
			}
		}
	}
	return nil
}

func parseDelimiter(s string) (byte, error) {
	switch strings.ToLower(s) {
	case "":
		return 0, nil
	case ",", "comma", "csv":
		return ',', nil
	case "\t", "tab", "\\t", "tsv":
		return '\t', nil
	case "|", "pipe", "psv":
		return '|', nil
	case ";", "semicolon":
		return ';', nil
	}
	return 0, fmt.Errorf("delimiter %q is not supported: use comma, tab, pipe or semicolon", s)
}

// profile is a built-in description of a common export: candidate headers
// for each field, in order of preference.
type profile struct {
	name    string
	columns [numFields][]string
	// utcHeaders are time headers that hold UTC instants, not local times.
	utcHeaders []string
}

var profiles = map[string]*profile{
	"epic": {
		name: "epic",
		columns: [numFields][]string{
			FTime:        {"ACCESS_TIME", "ACCESS_INSTANT"},
			FUser:        {"USER_ID", "EMP_ID", "SYSTEM_LOGIN"},
			FUserName:    {"USER_NAME", "EMP_NAME", "USER_FULL_NAME"},
			FPatient:     {"PAT_ID", "PAT_MRN_ID", "PAT_MRN"},
			FPatientName: {"PAT_NAME", "PATIENT_NAME"},
			FAction:      {"METRIC_NAME", "ACCESS_ACTION_NAME", "ACCESS_ACTION", "ACCESS_ACTION_C", "METRIC_ID"},
			FWorkstation: {"WORKSTATION_ID", "WORKSTN_IDENTIFIER", "WORKSTATION"},
			FIP:          {"IP_ADDRESS", "CLIENT_IP", "IP"},
			FOutcome:     {"ACCESS_RESULT", "RESULT", "OUTCOME"},
			FSession:     {"AUDIT_SESSION_ID", "PROCESS_ID", "SESSION_ID"},
			FDepartment:  {"DEPARTMENT_NAME", "LOGIN_DEPARTMENT", "DEPARTMENT_ID", "DEP_NAME"},
			FBreakGlass:  {"BTG_REASON", "BTG_REASON_NAME", "BTG_EXPLANATION"},
			FRecordID:    {"ACCESS_LOG_ID", "AUDIT_ID", "LOG_ID"},
		},
		utcHeaders: []string{"ACCESS_INSTANT"},
	},
	"generic": {
		name: "generic",
		columns: [numFields][]string{
			FTime:        {"time", "timestamp", "date_time", "datetime", "event_time", "access_time", "creation_time", "event_date_time", "log_time", "occurred_at", "date"},
			FUser:        {"user", "user_id", "userid", "username", "login", "login_name", "loginname", "performed_by", "account", "employee_id", "email_address_upn_or_samaccountname", "emp_id"},
			FUserName:    {"user_name", "user_full_name", "employee_name", "employee_user_name", "full_name", "staff_name"},
			FPatient:     {"patient", "patient_id", "patientid", "mrn", "pat_id", "patient_reg_id", "patient_mrn", "pid", "chart_number", "chart_no"},
			FPatientName: {"patient_name", "patient_full_name", "patient"},
			FAction:      {"action", "event", "event_name", "activity", "event_type", "action_type", "event_description", "description", "metric_name"},
			FWorkstation: {"workstation", "workstation_id", "computer", "computer_name", "host", "hostname", "client_name", "device", "terminal", "machine"},
			FIP:          {"ip", "ip_address", "client_ip", "source_ip", "ipaddress", "src_ip", "remote_addr", "remote_ip"},
			FOutcome:     {"outcome", "result", "success", "event_outcome", "status"},
			FSession:     {"session", "session_id", "sessionid", "audit_session_id"},
			FDepartment:  {"department", "dept", "department_name", "login_department"},
			FBreakGlass:  {"break_glass", "btg", "break_the_glass", "restricted_access_reason", "emergency_access", "btg_reason"},
			FRecordID:    {"record_id", "id", "log_id", "event_id", "audit_id", "logid", "seq", "sequence"},
		},
	},
}

// ProfileNames lists the built-in profiles.
func ProfileNames() []string {
	var out []string
	for k := range profiles {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// normHeader makes header names comparable: lower case, runs of anything
// but letters and digits become one underscore.
func normHeader(s string) string {
	var b strings.Builder
	us := false
	for _, r := range strings.ToLower(strings.TrimSpace(strings.TrimPrefix(s, "\ufeff"))) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if us && b.Len() > 0 {
				b.WriteByte('_')
			}
			us = false
			b.WriteRune(r)
		} else {
			us = true
		}
	}
	return b.String()
}

// layout is a resolved header: for each field, the source columns that hold it.
type layout struct {
	cols    [numFields][]int
	headers []string
	utcTime bool
	profile string
}

// resolveColumns works out which columns hold which fields, from the
// mapping's explicit columns on top of a profile (the mapping's, or the
// best-matching built-in one).
func resolveColumns(file string, headers []string, m *Mapping) (*layout, error) {
	index := map[string]int{}
	for i, h := range headers {
		if _, dup := index[normHeader(h)]; !dup {
			index[normHeader(h)] = i
		}
	}
	found := func() string {
		var hs []string
		for _, h := range headers {
			hs = append(hs, strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		}
		s := strings.Join(hs, ", ")
		if len(s) > 400 {
			s = s[:400] + "…"
		}
		return s
	}
	var p *profile
	if m != nil && m.Profile != "" {
		p = profiles[strings.ToLower(m.Profile)]
	}
	try := func(p *profile) *layout {
		l := &layout{headers: headers, profile: p.name}
		used := map[int]bool{}
		for f, cands := range p.columns {
			for _, c := range cands {
				if i, ok := index[normHeader(c)]; ok && !used[i] {
					l.cols[f] = []int{i}
					used[i] = true
					for _, u := range p.utcHeaders {
						if Field(f) == FTime && normHeader(u) == normHeader(c) {
							l.utcTime = true
						}
					}
					break
				}
			}
		}
		if p.name == "generic" && len(l.cols[FPatientName]) == 0 {
			fi, ok1 := index["patient_first_name"]
			li, ok2 := index["patient_last_name"]
			if ok1 && ok2 {
				l.cols[FPatientName] = []int{fi, li}
			}
		}
		return l
	}
	var l *layout
	if p != nil {
		l = try(p)
	} else {
		// Pick the built-in profile that recognizes the most fields.
		best := -1
		for _, name := range ProfileNames() {
			cand := try(profiles[name])
			n := 0
			for _, c := range cand.cols {
				if len(c) > 0 {
					n++
				}
			}
			if len(cand.cols[FTime]) > 0 && len(cand.cols[FUser]) > 0 {
				n += 100
			}
			if n > best {
				best, l = n, cand
			}
		}
	}
	if m != nil {
		for k, v := range m.Columns {
			f, _ := fieldByName(k)
			var idx []int
			for _, h := range v {
				i, ok := index[normHeader(h)]
				if !ok {
					return nil, hipaa.Errorf(hipaa.EInvalid, "%s: the mapping's column %q (for %s) is not in the header; headers found: %s", file, h, k, found())
				}
				idx = append(idx, i)
			}
			l.cols[f] = idx
			if f == FTime {
				l.utcTime = false
			}
		}
	}
	for _, f := range []Field{FTime, FUser} {
		if len(l.cols[f]) == 0 {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: no column for %s was recognized; headers found: %s. Write a mapping file (see `safeguard access analyze --help`) and pass it with --mapping", file, f, found())
		}
	}
	return l, nil
}

// classify returns what an action means, from the mapping's actions table or common words.
func (m *Mapping) classify(raw []byte) actionInfo {
	if m != nil && len(m.actions) > 0 {
		if a, ok := m.actions[strings.ToLower(strings.TrimSpace(string(raw)))]; ok {
			return a
		}
	}
	return classifyAction(raw)
}

// failed reports whether an outcome value means failure, using the mapping's success values when given.
func (m *Mapping) failed(raw []byte) bool {
	if m != nil && len(m.SuccessValues) > 0 {
		v := strings.ToLower(strings.TrimSpace(string(raw)))
		if v == "" {
			return false
		}
		for _, s := range m.SuccessValues {
			if strings.ToLower(strings.TrimSpace(s)) == v {
				return false
			}
		}
		return true
	}
	return outcomeFailed(raw)
}

func errText(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

func yamlErrText(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "yaml: ")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return s
}
