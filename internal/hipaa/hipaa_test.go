package hipaa

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestSlugify(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Riverside Family Medicine", "riverside-family-medicine"},
		{"  Dr. O'Neil & Partners, P.C.  ", "dr-o-neil-partners-p-c"},
		{"Clínica Día 24/7", "cl-nica-d-a-24-7"},
		{"---", ""},
	}
	for _, tt := range tests {
		if got := Slugify(tt.in); got != tt.want {
			t.Errorf("Slugify(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if n := len(Slugify(strings.Repeat("word ", 30))); n > 48 {
		t.Errorf("slug of %d characters", n)
	}
}

func TestPracticeValidate(t *testing.T) {
	tests := []struct {
		p    Practice
		want string
	}{
		{Practice{Name: "  "}, "name is empty"},
		{Practice{Name: "A", Slug: "Bad Slug"}, "slug"},
		{Practice{Name: "A", WorkforceSize: -1}, "workforce size"},
		{Practice{Name: "A", TimeZone: "Nowhere/Land"}, "time zone"},
		{Practice{Name: "A", Locations: []string{" ", "1 Main St "}}, ""},
	}
	for _, tt := range tests {
		err := tt.p.Validate()
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%+v: got %v, want %q", tt.p, err, tt.want)
		}
		if err == nil && (tt.p.TimeZone != "America/New_York" || len(tt.p.Locations) != 1 || tt.p.Slug != "a") {
			t.Errorf("defaults not applied: %+v", tt.p)
		}
	}
}

func TestParseAnswer(t *testing.T) {
	tests := []struct {
		in   string
		want AnswerValue
		ok   bool
	}{
		{"Yes", AnswerYes, true}, {"p", AnswerPartial, true}, {"Partially", AnswerPartial, true}, {"n", AnswerNo, true},
		{"Don't know", AnswerUnknown, true}, {"?", AnswerUnknown, true}, {"N/A", AnswerNA, true}, {"maybe", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseAnswer(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseAnswer(%q) = %q %v", tt.in, got, ok)
		}
	}
}

func TestErrors(t *testing.T) {
	base := Errorf(ENotFound, "assessment %s not found", "asm_1")
	wrapped := fmt.Errorf("loading: %w", base)
	if ErrorCodeOf(wrapped) != ENotFound || ErrorMessage(wrapped) != "assessment asm_1 not found" || !IsNotFound(wrapped) {
		t.Errorf("code %s message %q", ErrorCodeOf(wrapped), ErrorMessage(wrapped))
	}
	secret := errors.New("pq: password authentication failed for user bob at 10.1.2.3")
	if ErrorCodeOf(secret) != EInternal || strings.Contains(ErrorMessage(secret), "bob") {
		t.Error("an uncoded error's text must not reach users")
	}
	if w := WrapError(EUnavailable, secret, "database down"); !errors.Is(w, secret) || w.Error() == "database down" {
		t.Errorf("WrapError keeps its cause for logs: %v", w)
	}
}

func TestSeverityAndLevels(t *testing.T) {
	if s, err := ParseSeverity(" HIGH "); err != nil || s != SeverityHigh || s.Rank() != 3 {
		t.Errorf("ParseSeverity: %v %v", s, err)
	}
	if _, err := ParseSeverity("severe"); ErrorCodeOf(err) != EInvalid {
		t.Error("unknown severity accepted")
	}
	if LevelCritical.Rank() <= LevelHigh.Rank() || Level("x").Rank() != -1 {
		t.Error("level ranks")
	}
}

func TestNewIDSortsByTime(t *testing.T) {
	a := NewID("prc")
	time.Sleep(2 * time.Millisecond)
	b := NewID("prc")
	if !strings.HasPrefix(a, "prc_") || len(a) != 30 || a >= b {
		t.Errorf("ids %s %s", a, b)
	}
	if RetentionDate(time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC)).Format("2006-01-02") != "2032-02-28" {
		t.Error("retention is six years")
	}
}
