package incident

import (
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

func date(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := hipaa.ParseDate("test", s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDeadlines(t *testing.T) {
	type want struct {
		individuals, hhs, media, ce string // "" = not required; "?" = conditional
	}
	tests := []struct {
		name       string
		discovered string
		affected   int
		state      int
		ba         bool
		want       want
	}{
		// The acceptance figures.
		{"620 residents of one State", "2026-03-01", 620, 620, false, want{"2026-04-30", "2026-04-30", "2026-04-30", ""}},
		{"120 people", "2026-03-01", 120, -1, false, want{"2026-04-30", "2027-03-01", "", ""}},
		// Thresholds: 500 or more goes to HHS at once; media needs MORE than 500 in one State.
		{"exactly 500, all in one State", "2026-03-01", 500, 500, false, want{"2026-04-30", "2026-04-30", "", ""}},
		{"499 people", "2026-03-01", 499, 499, false, want{"2026-04-30", "2027-03-01", "", ""}},
		{"501 in one State", "2026-03-01", 501, 501, false, want{"2026-04-30", "2026-04-30", "2026-04-30", ""}},
		{"900 spread over States, none above 500", "2026-03-01", 900, 400, false, want{"2026-04-30", "2026-04-30", "", ""}},
		{"900 with States not counted", "2026-03-01", 900, -1, false, want{"2026-04-30", "2026-04-30", "?", ""}},
		// Leap years: 60 days after 31 December is 29 February when the next year is a leap year.
		{"small breach in 2027, log due in leap 2028", "2027-06-15", 10, -1, false, want{"2027-08-14", "2028-02-29", "", ""}},
		{"small breach in 2028, log due in 2029", "2028-06-15", 10, -1, false, want{"2028-08-14", "2029-03-01", "", ""}},
		{"discovered on a leap day", "2028-02-29", 10, -1, false, want{"2028-04-29", "2029-03-01", "", ""}},
		{"60 days across February of a leap year", "2024-01-01", 10, -1, false, want{"2024-03-01", "2025-03-01", "", ""}},
		{"60 days across February of a common year", "2025-01-01", 10, -1, false, want{"2025-03-02", "2026-03-01", "", ""}},
		// Year ends: the year of discovery, not of the notice, sets the HHS log date.
		{"discovered on 31 December", "2026-12-31", 10, -1, false, want{"2027-03-01", "2027-03-01", "", ""}},
		{"discovered on 1 January", "2027-01-01", 10, -1, false, want{"2027-03-02", "2028-02-29", "", ""}},
		{"large breach on 31 December", "2027-12-31", 700, 650, false, want{"2028-02-29", "2028-02-29", "2028-02-29", ""}},
		{"discovered on 2 November", "2026-11-02", 10, -1, false, want{"2027-01-01", "2027-03-01", "", ""}},
		// Business associate to covered entity.
		{"business associate", "2026-03-01", 120, -1, true, want{"2026-04-30", "2027-03-01", "", "2026-04-30"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := Deadlines(BreachFacts{Discovered: date(t, tt.discovered), Affected: tt.affected, StateResidents: tt.state, BusinessAssociate: tt.ba})
			if err != nil {
				t.Fatal(err)
			}
			got := want{}
			for _, d := range ds {
				v := d.Due
				switch d.Requirement {
				case NotRequired:
					v = ""
				case Conditional:
					v = "?"
				}
				switch d.Recipient {
				case ToIndividuals:
					got.individuals = v
				case ToHHS:
					got.hhs = v
				case ToMedia:
					got.media = v
				case ToCoveredEntity:
					got.ce = v
				}
				if d.Explanation == "" || d.Citation == "" {
					t.Errorf("%s: no explanation or citation", d.Recipient)
				}
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDeadlinesRejectBadFacts(t *testing.T) {
	tests := []struct {
		name string
		f    BreachFacts
	}{
		{"no date", BreachFacts{Affected: 3, StateResidents: -1}},
		{"nobody affected", BreachFacts{Discovered: date(t, "2026-03-01"), Affected: 0, StateResidents: -1}},
		{"more in one State than affected", BreachFacts{Discovered: date(t, "2026-03-01"), Affected: 10, StateResidents: 11}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Deadlines(tt.f); hipaa.ErrorCodeOf(err) != hipaa.EInvalid {
				t.Errorf("got %v, want an invalid-input error", err)
			}
		})
	}
}

func TestYearEndDue(t *testing.T) {
	for year, want := range map[int]string{2023: "2024-02-29", 2024: "2025-03-01", 2026: "2027-03-01", 2027: "2028-02-29", 2099: "2100-03-01"} {
		if got := YearEndDue(year).Format(hipaa.DateLayout); got != want {
			t.Errorf("YearEndDue(%d) = %s, want %s", year, got, want)
		}
	}
}
