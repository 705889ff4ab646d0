package accesslog

import (
	"strings"
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

func TestThresholdsFromMapping(t *testing.T) {
	m, err := ParseMapping("m.yaml", []byte("thresholds:\n  dormant_days: 60\n  concurrent_window: 2m\n  work_days: [mon, tue, wed, thu, fri, sat]\n  trusted_networks: [203.0.113.0/24]\n"))
	if err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	if err := c.ApplyYAML("m.yaml", &m.Thresholds); err != nil {
		t.Fatal(err)
	}
	if err := c.Check(); err != nil {
		t.Fatal(err)
	}
	if c.DormantDays != 60 || c.ConcurrentWindow.Seconds() != 120 || !c.compiled.workDays[6] || len(c.compiled.trusted) != 1 {
		t.Errorf("thresholds not applied: %+v", c)
	}
	if c.FailedLoginBurst != 5 || c.VolumeFloor != 50 {
		t.Error("defaults were lost")
	}
	// Saturday 10:00 is now a working hour; Sunday is not.
	sat := time.Date(2025, 3, 8, 10, 0, 0, 0, time.UTC).Unix()
	if !c.isWorkTime(sat) || c.isWorkTime(sat+86400) {
		t.Error("work days")
	}
	for _, bad := range []string{"thresholds:\n  dormant: 3\n", "thresholds:\n  concurrent_window: soon\n", "thresholds:\n  workday_start: \"25:00\"\n", "thresholds:\n  generic_account_pattern: \"(\"\n"} {
		m, err := ParseMapping("m.yaml", []byte(bad))
		if err == nil {
			c := DefaultConfig()
			if err = c.ApplyYAML("m.yaml", &m.Thresholds); err == nil {
				err = c.Check()
			}
		}
		if hipaa.ErrorCodeOf(err) != hipaa.EInvalid || strings.Contains(hipaa.ErrorMessage(err), "\n") {
			t.Errorf("%q: got %v", bad, err)
		}
	}
}

func TestMappingErrors(t *testing.T) {
	for _, bad := range []string{"columns:\n  when: X\n", "profile: cerner\n", "delimiter: '#'\n", "timezone: Mars/Base\n", "actions:\n  X: teleport\n", "rosters:\n  pets: {}\n", "colums: {}\n"} {
		if _, err := ParseMapping("m.yaml", []byte(bad)); hipaa.ErrorCodeOf(err) != hipaa.EInvalid {
			t.Errorf("%q: got %v", bad, err)
		}
	}
}
