package hipaa

import (
	"regexp"
	"strings"
	"time"
)

// Practice is a covered entity (or business associate) that Safeguard keeps
// records for. One database may hold many practices, for example all the
// clients of an IT consultant.
type Practice struct {
	ID               string    `json:"id"`
	Slug             string    `json:"slug"`
	Name             string    `json:"name"`
	Locations        []string  `json:"locations"`
	WorkforceSize    int       `json:"workforce_size"`
	EHRSystem        string    `json:"ehr_system"`
	Specialty        string    `json:"specialty"`
	TimeZone         string    `json:"time_zone"`
	SecurityOfficial string    `json:"security_official"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// Slugify makes a slug from a name: lower case letters and digits joined by hyphens.
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	s := b.String()
	if len(s) > 48 {
		s = strings.TrimRight(s[:48], "-")
	}
	return s
}

// Validate checks a practice's fields and returns a user-facing error naming
// the first field that is wrong.
func (p *Practice) Validate() error {
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		return Errorf(EInvalid, "practice name is empty: give the practice's legal or trading name")
	}
	if len(p.Name) > 200 {
		return Errorf(EInvalid, "practice name is longer than 200 characters")
	}
	if p.Slug == "" {
		p.Slug = Slugify(p.Name)
	}
	if !slugPattern.MatchString(p.Slug) || len(p.Slug) > 48 {
		return Errorf(EInvalid, "slug %q is not valid: use 1–48 lower-case letters, digits and single hyphens", p.Slug)
	}
	if p.WorkforceSize < 0 || p.WorkforceSize > 1000000 {
		return Errorf(EInvalid, "workforce size %d is out of range: give the number of staff, 0 or more", p.WorkforceSize)
	}
	if p.TimeZone == "" {
		p.TimeZone = "America/New_York"
	}
	if _, err := time.LoadLocation(p.TimeZone); err != nil {
		return Errorf(EInvalid, "time zone %q is not known: use an IANA name such as America/Chicago", p.TimeZone)
	}
	var locs []string
	for _, l := range p.Locations {
		if l = strings.TrimSpace(l); l != "" {
			locs = append(locs, l)
		}
	}
	p.Locations = locs
	return nil
}
