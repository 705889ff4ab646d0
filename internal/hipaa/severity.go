package hipaa

import "strings"

// Severity ranks a finding. The same five words are used everywhere.
type Severity string

// The severities, from least to most serious.
const (
	SeverityInfo     Severity = "info"
	SeverityLow      Severity = "low"
	SeverityModerate Severity = "moderate"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Severities lists every severity from least to most serious.
var Severities = []Severity{SeverityInfo, SeverityLow, SeverityModerate, SeverityHigh, SeverityCritical}

// Rank returns 0 for info up to 4 for critical, and -1 for an unknown severity.
func (s Severity) Rank() int {
	for i, v := range Severities {
		if v == s {
			return i
		}
	}
	return -1
}

// ParseSeverity parses a severity name, case-insensitively.
func ParseSeverity(s string) (Severity, error) {
	v := Severity(strings.ToLower(strings.TrimSpace(s)))
	if v.Rank() < 0 {
		return "", Errorf(EInvalid, "unknown severity %q: use one of info, low, moderate, high, critical", s)
	}
	return v, nil
}

// Level is the level of a risk, read from the 5×5 matrix of likelihood and impact.
type Level string

// The risk levels, from least to most serious.
const (
	LevelLow      Level = "low"
	LevelModerate Level = "moderate"
	LevelHigh     Level = "high"
	LevelCritical Level = "critical"
)

// Levels lists every risk level from least to most serious.
var Levels = []Level{LevelLow, LevelModerate, LevelHigh, LevelCritical}

// Rank returns 0 for low up to 3 for critical, and -1 for an unknown level.
func (l Level) Rank() int {
	for i, v := range Levels {
		if v == l {
			return i
		}
	}
	return -1
}

// ParseLevel parses a risk level name, case-insensitively.
func ParseLevel(s string) (Level, error) {
	v := Level(strings.ToLower(strings.TrimSpace(s)))
	if v.Rank() < 0 {
		return "", Errorf(EInvalid, "unknown risk level %q: use one of low, moderate, high, critical", s)
	}
	return v, nil
}

// ScaleWords names the points of the 1–5 likelihood and impact scales (after NIST SP 800-30).
var ScaleWords = [6]string{"", "very low", "low", "moderate", "high", "very high"}

// ValidScale reports whether n is a point on the 1–5 scale.
func ValidScale(n int) bool { return n >= 1 && n <= 5 }
