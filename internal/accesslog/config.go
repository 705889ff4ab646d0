package accesslog

import (
	"fmt"
	"net/netip"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Config holds the detectors' thresholds. Every field has a documented
// default (see DefaultConfig); a mapping file's thresholds section changes
// any of them, using the yaml names below.
type Config struct {
	// SH-01: a user's activity jumping between two workstations and back
	// within ConcurrentWindow counts as one switch-back; a day with at least
	// ConcurrentMinSwitches of them is reported. Default 60s and 3.
	ConcurrentWindow      Duration `yaml:"concurrent_window"`
	ConcurrentMinSwitches int      `yaml:"concurrent_min_switches"`

	// SH-02: activity from two different public networks (different /16
	// blocks; /32 for IPv6) less than TravelWindow apart. TrustedNetworks
	// (CIDRs, e.g. the practice's VPN egress) are treated as the practice's
	// own and never count. Default 60m.
	//
	// Limit: Safeguard carries no geolocation database, so "far apart" means
	// "a different provider network", not a distance. A phone moving between
	// Wi-Fi and a mobile carrier, or a cloud proxy, can look like travel;
	// private, loopback and carrier-grade NAT addresses are ignored, and
	// trusted networks can be listed to quiet known egress points.
	TravelWindow    Duration `yaml:"travel_window"`
	TrustedNetworks []string `yaml:"trusted_networks"`

	// SH-03: account names that look shared or role-based, and names of
	// service accounts to leave out (case-insensitive regular expressions).
	GenericAccountPattern string `yaml:"generic_account_pattern"`
	ServiceAccountPattern string `yaml:"service_account_pattern"`

	// SH-04: a day on which one login is active in at least LongDayHours
	// different clock hours; reported when it happens on LongDayMinDays
	// days or more. Default 17 hours on 2 days.
	LongDayHours   int `yaml:"long_day_hours"`
	LongDayMinDays int `yaml:"long_day_min_days"`

	// AC-01: activity after the end of the termination day plus this grace. Default 0.
	TerminationGrace Duration `yaml:"termination_grace"`
	// AC-02: an account still enabled more than this many days after its owner left. Default 1.
	DeprovisionDays int `yaml:"deprovision_days"`
	// AC-03: an enabled account with no activity for this many days. Default 90.
	DormantDays int `yaml:"dormant_days"`
	// AC-04: roles that carry administrator rights, and job titles that may hold them.
	AdminRolePattern  string `yaml:"admin_role_pattern"`
	AdminTitlePattern string `yaml:"admin_title_pattern"`
	// AC-06: FailedLoginBurst failed logins within FailedLoginWindow. Default 5 in 10m.
	FailedLoginBurst  int      `yaml:"failed_login_burst"`
	FailedLoginWindow Duration `yaml:"failed_login_window"`

	// Explanations: an encounter or appointment dated from ExplainBeforeDays
	// before an access to ExplainAfterDays after it explains the access when
	// it is the same user's, or (ExplainByDepartment) the same department's.
	// Users whose role matches OperationsRolePattern (billing, front desk,
	// records) are explained by any encounter of the patient. With
	// FlagExplained, explained accesses are still reported, at low severity.
	ExplainBeforeDays     int    `yaml:"explain_before_days"`
	ExplainAfterDays      int    `yaml:"explain_after_days"`
	ExplainByDepartment   bool   `yaml:"explain_by_department"`
	OperationsRolePattern string `yaml:"operations_role_pattern"`
	FlagExplained         bool   `yaml:"flag_explained"`

	// PA-02: surnames shorter than this are not compared. Default 2.
	MinSurnameLength int `yaml:"min_surname_length"`

	// PA-07: access more than DeceasedGraceDays after the date of death, by a
	// role that does not match DeceasedExemptRolePattern. Default 30 days.
	DeceasedGraceDays         int    `yaml:"deceased_grace_days"`
	DeceasedExemptRolePattern string `yaml:"deceased_exempt_role_pattern"`

	// PA-10: working hours in the practice's time zone ("07:00"–"19:00",
	// Monday to Friday by default). Unexplained access outside them to at
	// least AfterHoursMinPatients patients is reported, except for roles
	// matching AllHoursRolePattern.
	WorkdayStart          string   `yaml:"workday_start"`
	WorkdayEnd            string   `yaml:"workday_end"`
	WorkDays              []string `yaml:"work_days"`
	AfterHoursMinPatients int      `yaml:"after_hours_min_patients"`
	AllHoursRolePattern   string   `yaml:"all_hours_role_pattern"`

	// PA-11: a day on which a user opens more distinct patients than
	// max(VolumeFloor, VolumeFactor × the peer group's VolumePercentile-th
	// percentile of daily counts). Peers share a role when at least
	// VolumeMinPeers users have it, else all users are peers. Default 50, 3, 90, 5.
	VolumeFloor      int     `yaml:"volume_floor"`
	VolumeFactor     float64 `yaml:"volume_factor"`
	VolumePercentile float64 `yaml:"volume_percentile"`
	VolumeMinPeers   int     `yaml:"volume_min_peers"`

	// PA-15: print, export or copy of at least BulkPatients distinct patients in a day. Default 20.
	BulkPatients int `yaml:"bulk_patients"`

	// IN-01: a stretch of at least GapMinHours hours without any event
	// where the log's usual rhythm expects at least GapMinExpected events.
	// Default 2 hours and 50 events.
	GapMinHours    int `yaml:"gap_min_hours"`
	GapMinExpected int `yaml:"gap_min_expected"`

	// MaxEvidence is how many events each finding keeps as evidence. Default 5.
	MaxEvidence int `yaml:"max_evidence"`

	compiled compiledConfig
}

// compiledConfig holds what Check derives from the text settings.
type compiledConfig struct {
	generic, service, adminRole, adminTitle, ops, deceasedExempt, allHours *regexp.Regexp
	trusted                                                                []netip.Prefix
	workStart, workEnd                                                     int // seconds after midnight
	workDays                                                               [7]bool
}

// Duration is a time.Duration written as "90s", "10m" or "2h" in YAML.
type Duration time.Duration

// UnmarshalYAML reads a Go duration string, or a number of seconds.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if v, err := strconv.Atoi(n.Value); err == nil {
		*d = Duration(time.Duration(v) * time.Second)
		return nil
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration: write e.g. 90s, 10m or 2h", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// Seconds returns the duration in whole seconds.
func (d Duration) Seconds() int64 { return int64(time.Duration(d) / time.Second) }

// DefaultConfig returns the documented defaults.
func DefaultConfig() Config {
	return Config{
		ConcurrentWindow:          Duration(60 * time.Second),
		ConcurrentMinSwitches:     3,
		TravelWindow:              Duration(60 * time.Minute),
		GenericAccountPattern:     `^(front[ _.-]?desk|reception(ist)?|check[ _.-]?in|nurse|rn|lpn|ma|med[ _.-]?asst|doctor|dr|provider|physician|admin(istrator)?|office|manager|billing|biller|coder|scheduler|scheduling|staff|clinic|temp|test|user|shared|guest|lab|xray|x[ _.-]?ray|radiology|pharmacy|triage|desk|front|team|default|generic|locum|float|student|intern|resident|scribe|tech)[ _.-]?\d*$`,
		ServiceAccountPattern:     `^(svc|service|interface|hl7|api|sys|system|batch|integration|scanner|fax|mirth|daemon)([ _.-]|\d|$)`,
		LongDayHours:              17,
		LongDayMinDays:            2,
		DeprovisionDays:           1,
		DormantDays:               90,
		AdminRolePattern:          `(?i)\b(admin(istrator)?|super ?user|security|sys(tem)? ?(admin|manager)|full access|all access|root)\b`,
		AdminTitlePattern:         `(?i)\b((practice|office|clinic|it|operations) manager|it|information technology|system administrator|network administrator|security officer|privacy officer|compliance officer|chief|director|administrator)\b`,
		FailedLoginBurst:          5,
		FailedLoginWindow:         Duration(10 * time.Minute),
		ExplainBeforeDays:         30,
		ExplainAfterDays:          7,
		ExplainByDepartment:       true,
		OperationsRolePattern:     `(?i)\b(billing|biller|coder|coding|front ?desk|reception|registration|scheduling|scheduler|referral|medical records|him|health information|release of information|revenue)\b`,
		MinSurnameLength:          2,
		DeceasedGraceDays:         30,
		DeceasedExemptRolePattern: `(?i)\b(billing|biller|coder|coding|medical records|him|health information|release of information|privacy|compliance)\b`,
		WorkdayStart:              "07:00",
		WorkdayEnd:                "19:00",
		WorkDays:                  []string{"mon", "tue", "wed", "thu", "fri"},
		AfterHoursMinPatients:     2,
		AllHoursRolePattern:       `(?i)\b(on[ -]?call|hospitalist|night|after[ -]?hours|emergency|urgent care|nocturnist|answering)\b`,
		VolumeFloor:               50,
		VolumeFactor:              3,
		VolumePercentile:          90,
		VolumeMinPeers:            5,
		BulkPatients:              20,
		GapMinHours:               2,
		GapMinExpected:            50,
		MaxEvidence:               5,
	}
}

// ApplyYAML changes the settings named in a mapping file's thresholds section.
func (c *Config) ApplyYAML(where string, n *yaml.Node) error {
	if n == nil {
		return nil
	}
	var probe map[string]yaml.Node
	if err := n.Decode(&probe); err != nil {
		return hipaa.Errorf(hipaa.EInvalid, "%s: thresholds: %s", where, yamlErrText(err))
	}
	known := map[string]bool{}
	for _, name := range yamlNames(*c) {
		known[name] = true
	}
	for k, v := range probe {
		if !known[k] {
			return hipaa.Errorf(hipaa.EInvalid, "%s:%d: thresholds: %q is not a setting (known: %s)", where, v.Line, k, strings.Join(yamlNames(*c), ", "))
		}
	}
	if err := n.Decode(c); err != nil {
		return hipaa.Errorf(hipaa.EInvalid, "%s: thresholds: %s", where, yamlErrText(err))
	}
	return nil
}

// Check validates the settings and compiles patterns and hours.
func (c *Config) Check() error {
	bad := func(name, format string, args ...any) error {
		return hipaa.Errorf(hipaa.EInvalid, "threshold %s: "+format, append([]any{name}, args...)...)
	}
	re := func(name, p string, ci bool) (*regexp.Regexp, error) {
		if p == "" {
			return nil, nil
		}
		if ci && !strings.HasPrefix(p, "(?i)") {
			p = "(?i)" + p
		}
		r, err := regexp.Compile(p)
		if err != nil {
			return nil, bad(name, "not a valid regular expression (%s)", err)
		}
		return r, nil
	}
	var err error
	cc := &c.compiled
	if cc.generic, err = re("generic_account_pattern", c.GenericAccountPattern, true); err != nil {
		return err
	}
	if cc.service, err = re("service_account_pattern", c.ServiceAccountPattern, true); err != nil {
		return err
	}
	if cc.adminRole, err = re("admin_role_pattern", c.AdminRolePattern, true); err != nil {
		return err
	}
	if cc.adminTitle, err = re("admin_title_pattern", c.AdminTitlePattern, true); err != nil {
		return err
	}
	if cc.ops, err = re("operations_role_pattern", c.OperationsRolePattern, true); err != nil {
		return err
	}
	if cc.deceasedExempt, err = re("deceased_exempt_role_pattern", c.DeceasedExemptRolePattern, true); err != nil {
		return err
	}
	if cc.allHours, err = re("all_hours_role_pattern", c.AllHoursRolePattern, true); err != nil {
		return err
	}
	cc.trusted = nil
	for _, s := range c.TrustedNetworks {
		p, err := netip.ParsePrefix(strings.TrimSpace(s))
		if err != nil {
			if a, err2 := netip.ParseAddr(strings.TrimSpace(s)); err2 == nil {
				p = netip.PrefixFrom(a, a.BitLen())
			} else {
				return bad("trusted_networks", "%q is not a network: write e.g. 203.0.113.0/24", s)
			}
		}
		cc.trusted = append(cc.trusted, p.Masked())
	}
	clock := func(name, s string) (int, error) {
		h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
		hh, err1 := strconv.Atoi(h)
		mm, err2 := strconv.Atoi(m)
		if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 {
			return 0, bad(name, "%q is not a time of day: write e.g. 07:30", s)
		}
		return hh*3600 + mm*60, nil
	}
	if cc.workStart, err = clock("workday_start", c.WorkdayStart); err != nil {
		return err
	}
	if cc.workEnd, err = clock("workday_end", c.WorkdayEnd); err != nil {
		return err
	}
	cc.workDays = [7]bool{}
	names := []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
	for _, d := range c.WorkDays {
		d = strings.ToLower(strings.TrimSpace(d))
		found := false
		for i, n := range names {
			if len(d) >= 3 && strings.HasPrefix(d, n) {
				cc.workDays[i], found = true, true
			}
		}
		if !found {
			return bad("work_days", "%q is not a day: use mon, tue, wed, thu, fri, sat, sun", d)
		}
	}
	pos := map[string]int{"concurrent_min_switches": c.ConcurrentMinSwitches, "long_day_hours": c.LongDayHours,
		"long_day_min_days": c.LongDayMinDays, "failed_login_burst": c.FailedLoginBurst, "after_hours_min_patients": c.AfterHoursMinPatients,
		"volume_floor": c.VolumeFloor, "volume_min_peers": c.VolumeMinPeers, "bulk_patients": c.BulkPatients, "gap_min_hours": c.GapMinHours,
		"max_evidence": c.MaxEvidence, "dormant_days": c.DormantDays}
	for k, v := range pos {
		if v < 1 {
			return bad(k, "must be 1 or more (it is %d)", v)
		}
	}
	if c.LongDayHours > 24 {
		return bad("long_day_hours", "must be 24 or less")
	}
	if c.FailedLoginBurst > maxBurst {
		return bad("failed_login_burst", "must be %d or less", maxBurst)
	}
	if c.VolumeFactor <= 0 || c.VolumePercentile <= 0 || c.VolumePercentile > 100 {
		return bad("volume_factor/volume_percentile", "factor must be above 0 and percentile in 1–100")
	}
	if c.DeprovisionDays < 0 || c.DeceasedGraceDays < 0 || c.ExplainBeforeDays < 0 || c.ExplainAfterDays < 0 || c.GapMinExpected < 0 {
		return bad("deprovision_days/deceased_grace_days/explain_*_days/gap_min_expected", "must not be negative")
	}
	if c.ConcurrentWindow <= 0 || c.TravelWindow <= 0 || c.FailedLoginWindow <= 0 {
		return bad("concurrent_window/travel_window/failed_login_window", "must be above zero")
	}
	return nil
}

// maxBurst bounds FailedLoginBurst, the size of each user's ring of failure times.
const maxBurst = 32

// yamlNames lists the yaml names of Config's settings.
func yamlNames(c Config) []string {
	var out []string
	t := reflect.TypeOf(c)
	for i := 0; i < t.NumField(); i++ {
		if tag := t.Field(i).Tag.Get("yaml"); tag != "" {
			out = append(out, tag)
		}
	}
	return out
}

// isWorkTime reports whether a wall-clock time (seconds since 1970-01-01 in
// the practice's zone) falls in working hours.
func (c *Config) isWorkTime(wall int64) bool {
	days := floorDiv(wall, 86400)
	wd := int((days + 4) % 7) // 1970-01-01 was a Thursday
	if wd < 0 {
		wd += 7
	}
	if !c.compiled.workDays[wd] {
		return false
	}
	s := int(wall - days*86400)
	return s >= c.compiled.workStart && s < c.compiled.workEnd
}
