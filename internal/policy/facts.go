package policy

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Settings are the practice's own choices that the policies state: timeouts,
// schedules, contacts. Every field has a sensible default; a practice changes
// what differs with `safeguard policies generate --set key=value`.
type Settings struct {
	PrivacyOfficial       string `yaml:"privacy_official" json:"privacy_official"`
	ITSupport             string `yaml:"it_support" json:"it_support"`
	ReportContact         string `yaml:"report_contact" json:"report_contact"`
	LogoffMinutes         int    `yaml:"logoff_minutes" json:"logoff_minutes"`
	ExamRoomLogoffMinutes int    `yaml:"exam_room_logoff_minutes" json:"exam_room_logoff_minutes"`
	BackupSchedule        string `yaml:"backup_schedule" json:"backup_schedule"`
	BackupCheck           string `yaml:"backup_check" json:"backup_check"`
	RestoreTargetHours    int    `yaml:"restore_target_hours" json:"restore_target_hours"`
	ActivityReview        string `yaml:"activity_review" json:"activity_review"`
	AccessReview          string `yaml:"access_review" json:"access_review"`
	PasswordMinLength     int    `yaml:"password_min_length" json:"password_min_length"`
	LockoutAttempts       int    `yaml:"lockout_attempts" json:"lockout_attempts"`
	InactiveAccountDays   int    `yaml:"inactive_account_days" json:"inactive_account_days"`
	LogRetention          string `yaml:"log_retention" json:"log_retention"`
	PatchCriticalDays     int    `yaml:"patch_critical_days" json:"patch_critical_days"`
	PatchHighDays         int    `yaml:"patch_high_days" json:"patch_high_days"`
	Disposal              string `yaml:"disposal" json:"disposal"`
	SecureMessaging       string `yaml:"secure_messaging" json:"secure_messaging"`
	BackupService         string `yaml:"backup_service" json:"backup_service"`
}

// DefaultSettings returns the defaults: common, defensible choices for a
// small practice, several of them the proposed rule's figures.
func DefaultSettings() Settings {
	return Settings{
		LogoffMinutes: 15, ExamRoomLogoffMinutes: 5,
		BackupSchedule: "every night", BackupCheck: "every week",
		RestoreTargetHours: 72, ActivityReview: "every month", AccessReview: "every six months",
		PasswordMinLength: 12, LockoutAttempts: 10, InactiveAccountDays: 90,
		LogRetention: "at least one year", PatchCriticalDays: 15, PatchHighDays: 30,
		Disposal: "a destruction company that issues a certificate of destruction",
	}
}

// SettingKeys lists the keys --set accepts, sorted.
func SettingKeys() []string {
	var out []string
	t := reflect.TypeOf(Settings{})
	for i := 0; i < t.NumField(); i++ {
		out = append(out, t.Field(i).Tag.Get("yaml"))
	}
	sort.Strings(out)
	return out
}

// Set changes one setting from text, as given to --set key=value.
func (s *Settings) Set(key, value string) error {
	key = strings.ToLower(strings.TrimSpace(strings.ReplaceAll(key, "-", "_")))
	value = strings.TrimSpace(value)
	v := reflect.ValueOf(s).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Tag.Get("yaml") != key {
			continue
		}
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Int:
			n, err := strconv.Atoi(value)
			if err != nil || n < 1 || n > 10000 {
				return hipaa.Errorf(hipaa.EInvalid, "--set %s=%s: give a whole number, 1 or more", key, value)
			}
			f.SetInt(int64(n))
		default:
			if len(value) > 300 {
				return hipaa.Errorf(hipaa.EInvalid, "--set %s: the value is longer than 300 characters", key)
			}
			f.SetString(value)
		}
		return nil
	}
	return hipaa.Errorf(hipaa.EInvalid, "--set %s: unknown setting: use one of %s", key, strings.Join(SettingKeys(), ", "))
}

// Merge fills the empty fields of s from d.
func (s Settings) Merge(d Settings) Settings {
	v, dv := reflect.ValueOf(&s).Elem(), reflect.ValueOf(d)
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).IsZero() {
			v.Field(i).Set(dv.Field(i))
		}
	}
	return s
}

// ReadSettings reads settings from YAML, refusing unknown keys.
func ReadSettings(name string, data []byte) (Settings, error) {
	var s Settings
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return s, hipaa.Errorf(hipaa.EInvalid, "%s: %s", name, strings.TrimPrefix(strings.ReplaceAll(err.Error(), "\n", " "), "yaml: "))
	}
	return s, nil
}

// VendorFact is what a policy says about one business associate.
type VendorFact struct {
	Name    string
	Service string
	Systems []string
	BAA     string
}

// Facts is everything a policy template can draw on.
type Facts struct {
	Practice hipaa.Practice
	// Official is the named security official, from the roster or the practice profile.
	Official string
	// EHR is the EHR system's name, or a generic phrase when not recorded.
	EHR string
	// Systems are the practice's systems that hold ePHI: the EHR and those its vendors touch.
	Systems []string
	// Vendors are the active business associates that handle ePHI.
	Vendors []VendorFact
	// Roles are the job roles on the roster.
	Roles []string
	// Staff is the number of active people on the roster (or the profile's workforce size).
	Staff    int
	Settings Settings
	// Answers are the current assessment's answers, by question ID.
	Answers map[string]hipaa.Answer
	// Assessment names the assessment the answers come from ("" when none).
	Assessment string
	// Date is the generation date, YYYY-MM-DD.
	Date string
}

var minutesInNote = regexp.MustCompile(`(?i)\b(\d{1,3})\s*(?:min|minutes?)\b`)

// Derive fills the facts that follow from the others: defaults for missing
// settings, the EHR phrase, the system list, and a logoff time read from the
// risk analysis note on automatic logoff when no setting gives one.
func (f *Facts) Derive(explicit Settings) {
	s := explicit
	if s.LogoffMinutes == 0 {
		if a, ok := f.Answers["TS-08"]; ok {
			if m := minutesInNote.FindStringSubmatch(a.Note); m != nil {
				s.LogoffMinutes, _ = strconv.Atoi(m[1])
			}
		}
	}
	f.Settings = s.Merge(DefaultSettings())
	if f.Settings.ExamRoomLogoffMinutes > f.Settings.LogoffMinutes {
		f.Settings.ExamRoomLogoffMinutes = f.Settings.LogoffMinutes
	}
	if f.Official == "" {
		f.Official = f.Practice.SecurityOfficial
	}
	f.EHR = strings.TrimSpace(f.Practice.EHRSystem)
	seen := map[string]bool{}
	var systems []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" && !seen[strings.ToLower(s)] {
			seen[strings.ToLower(s)] = true
			systems = append(systems, s)
		}
	}
	add(f.EHR)
	for _, v := range f.Vendors {
		for _, s := range v.Systems {
			add(s)
		}
	}
	f.Systems = systems
	if f.Staff == 0 {
		f.Staff = f.Practice.WorkforceSize
	}
	if f.Answers == nil {
		f.Answers = map[string]hipaa.Answer{}
	}
}

// answerLabel returns how a question was answered, for the templates.
func (f *Facts) answerLabel(id string) string {
	a, ok := f.Answers[id]
	if !ok {
		return "not answered"
	}
	return a.Value.Label()
}

// listPhrase joins items as a person writes them: "a, b and c".
func listPhrase(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
