package accesslog

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/accesslog/gen"
)

var benchData struct {
	once  sync.Once
	dir   string
	files *gen.Files
	truth *gen.Truth
	err   error
}

// TestMain removes the benchmark's generated log when the tests end.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchData.dir != "" {
		os.RemoveAll(benchData.dir)
	}
	os.Exit(code)
}

// benchFiles generates a log of about a million events once per test binary.
func benchFiles(b *testing.B) (*gen.Files, *gen.Truth) {
	benchData.once.Do(func() {
		benchData.dir, benchData.err = os.MkdirTemp("", "accesslog-bench")
		if benchData.err != nil {
			return
		}
		cfg := gen.Config{Seed: 3, Users: 400, Patients: 50000, Days: 28, EventsPerUserDay: 120, Plant: 10,
			Start: time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)}
		benchData.files, benchData.truth, benchData.err = gen.Generate(cfg, benchData.dir)
	})
	if benchData.err != nil {
		b.Fatal(benchData.err)
	}
	return benchData.files, benchData.truth
}

// BenchmarkAnalyze runs every detector over a generated Epic-style log of
// about a million events (rosters included) and reports events per second.
func BenchmarkAnalyze(b *testing.B) {
	files, truth := benchFiles(b)
	st, err := os.Stat(files.Events)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ResetTimer()
	var events int64
	for i := 0; i < b.N; i++ {
		rep, err := Analyze(context.Background(), []string{files.Events}, Options{TimeZone: truth.Zone, AsOf: truth.AsOf,
			Rosters: Rosters{Users: files.Users, Workforce: files.Workforce, Patients: files.Patients, Encounters: files.Encounters}})
		if err != nil {
			b.Fatal(err)
		}
		events += rep.Stats.Events
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
