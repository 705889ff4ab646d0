package accesslog

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/accesslog/gen"
)

// score compares findings with the generator's ground truth, rule by rule.
type score struct{ tp, fp, fn int }

func (s score) precision() float64 {
	if s.tp+s.fp == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fp)
}

func (s score) recall() float64 {
	if s.tp+s.fn == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fn)
}

func runGenerated(t *testing.T, cfg gen.Config) (map[string]*score, *Report) {
	t.Helper()
	dir := t.TempDir()
	files, truth, err := gen.Generate(cfg, dir)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	var m *Mapping
	if files.Mapping != "" {
		if m, err = LoadMapping(files.Mapping); err != nil {
			t.Fatalf("mapping: %v", err)
		}
	}
	rep, err := Analyze(context.Background(), []string{files.Events}, Options{Mapping: m, TimeZone: truth.Zone, AsOf: truth.AsOf,
		Rosters: Rosters{Users: files.Users, Workforce: files.Workforce, Patients: files.Patients, Encounters: files.Encounters}})
	if err != nil {
		t.Fatalf("analyze: %v", err)
	}
	if rep.Stats.Events != truth.Events || rep.Stats.BadRows != 0 {
		t.Fatalf("read %d events (%d bad), generator wrote %d", rep.Stats.Events, rep.Stats.BadRows, truth.Events)
	}
	scores := map[string]*score{}
	for _, r := range Rules() {
		scores[r] = &score{}
	}
	found := map[string]bool{}
	for _, f := range rep.Findings {
		found[f.Ref] = true
		s := scores[f.Rule]
		if truth.Keys[f.Ref] {
			s.tp++
		} else {
			s.fp++
			t.Logf("false alarm: %s %s (%d)", f.Ref, f.Title, f.Count)
		}
	}
	for k := range truth.Keys {
		if !found[k] {
			scores[strings.SplitN(k, "|", 2)[0]].fn++
			t.Logf("missed: %s", k)
		}
	}
	return scores, rep
}

func checkScores(t *testing.T, name string, scores map[string]*score, rep *Report) {
	t.Helper()
	rules := make([]string, 0, len(scores))
	for r := range scores {
		rules = append(rules, r)
	}
	sort.Strings(rules)
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d events, %d findings\n", name, rep.Stats.Events, len(rep.Findings))
	for _, r := range rules {
		s := scores[r]
		fmt.Fprintf(&b, "  %-6s tp=%3d fp=%2d fn=%2d precision=%.2f recall=%.2f\n", r, s.tp, s.fp, s.fn, s.precision(), s.recall())
		if s.tp+s.fn == 0 {
			t.Errorf("%s: rule %s has no planted case: the generator must exercise every detector", name, r)
		}
		if s.recall() < 0.95 || s.precision() < 0.9 {
			t.Errorf("%s: rule %s: precision %.2f recall %.2f (want ≥ 0.90 and ≥ 0.95)", name, r, s.precision(), s.recall())
		}
	}
	t.Log(b.String())
}

// TestDetectorQuality runs every detector on a generated Epic-style log with
// planted violations and checks recall ≥ 0.95 and precision ≥ 0.9 per rule.
func TestDetectorQuality(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a 200k-event log")
	}
	cfg := gen.Config{Seed: 7, Users: 170, Patients: 20000, Days: 42, EventsPerUserDay: 45, Plant: 10, Style: gen.StyleEpic,
		Zone: "America/Chicago", Start: time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)}
	scores, rep := runGenerated(t, cfg)
	checkScores(t, "epic", scores, rep)
}

// TestDetectorQualityHeldOut does the same on a differently seeded and
// shaped log: a generic tab-separated export with UTC times, other roster
// headers and date formats described by a mapping file, another time zone,
// another size and fewer planted cases.
func TestDetectorQualityHeldOut(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a 150k-event log")
	}
	cfg := gen.Config{Seed: 20260611, Users: 140, Patients: 12000, Days: 35, EventsPerUserDay: 50, Plant: 8, Style: gen.StyleGeneric,
		Zone: "America/Denver", Start: time.Date(2024, 10, 14, 0, 0, 0, 0, time.UTC)}
	scores, rep := runGenerated(t, cfg)
	checkScores(t, "held-out", scores, rep)
}
