// Command accesslog-bench generates a large synthetic EHR audit log and times
// safeguard's one-pass analysis of it, for comparison with DuckDB running
// the same detections as SQL (see README.md, detections.sql and run.sh).
//
//	go run ./bench/accesslog gen -dir bench/accesslog/data -events 10000000
//	go run ./bench/accesslog analyze -dir bench/accesslog/data
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/accesslog"
	"github.com/safeguard-hipaa/safeguard/internal/accesslog/gen"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: accesslog-bench gen|analyze [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = generate(os.Args[2:])
	case "analyze":
		err = analyze(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q: use gen or analyze", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "accesslog-bench:", err)
		os.Exit(1)
	}
}

// sizes maps a target number of events to a practice size that produces about that many.
func sizes(events int) gen.Config {
	users := max(60, events/2600)
	return gen.Config{Seed: 42, Users: users, Patients: users * 70, Days: 28, EventsPerUserDay: 165, Plant: 12,
		Start: time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC), Zone: "America/Chicago"}
}

func generate(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	dir := fs.String("dir", "bench/accesslog/data", "output directory")
	events := fs.Int("events", 10_000_000, "approximate number of events")
	fs.Parse(args)
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	start := time.Now()
	files, truth, err := gen.Generate(sizes(*events), *dir)
	if err != nil {
		return err
	}
	st, _ := os.Stat(files.Events)
	meta := map[string]any{"events": truth.Events, "bytes": st.Size(), "as_of": truth.AsOf.Format("2006-01-02"), "zone": truth.Zone.String(),
		"planted": len(truth.Keys)}
	b, _ := json.MarshalIndent(meta, "", "  ")
	if err := os.WriteFile(filepath.Join(*dir, "meta.json"), b, 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %d events (%.2f GB) in %s to %s\n", truth.Events, float64(st.Size())/1e9, time.Since(start).Round(time.Second), files.Events)
	return nil
}

func analyze(args []string) error {
	fs := flag.NewFlagSet("analyze", flag.ExitOnError)
	dir := fs.String("dir", "bench/accesslog/data", "directory written by gen")
	prof := fs.String("cpuprofile", "", "write a CPU profile to this file")
	repeat := fs.Int("repeat", 1, "run the analysis this many times (the best run is reported)")
	fs.Parse(args)
	if *prof != "" {
		f, err := os.Create(*prof)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var meta struct {
		AsOf string `json:"as_of"`
		Zone string `json:"zone"`
	}
	b, err := os.ReadFile(filepath.Join(*dir, "meta.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		return err
	}
	loc, err := time.LoadLocation(meta.Zone)
	if err != nil {
		return err
	}
	asOf, _ := time.ParseInLocation("2006-01-02", meta.AsOf, loc)
	p := func(n string) string { return filepath.Join(*dir, n) }
	var rep *accesslog.Report
	secs := 0.0
	for i := 0; i < *repeat; i++ {
		start := time.Now()
		r, err := accesslog.Analyze(context.Background(), []string{p("events.csv")}, accesslog.Options{TimeZone: loc, AsOf: asOf,
			Rosters: accesslog.Rosters{Users: p("users.csv"), Workforce: p("workforce.csv"), Patients: p("patients.csv"), Encounters: p("encounters.csv")}})
		if err != nil {
			return err
		}
		if s := time.Since(start).Seconds(); i == 0 || s < secs {
			secs = s
		}
		rep = r
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	byRule := map[string]int{}
	for _, f := range rep.Findings {
		byRule[f.Rule]++
	}
	fmt.Printf("events %d, users %d, patients %d, findings %d %v\n", rep.Stats.Events, rep.Stats.Users, rep.Stats.Patients, len(rep.Findings), byRule)
	fmt.Printf("GOMAXPROCS %d: %.2f s, %.2f M events/s, heap in use %.0f MiB, total allocated %.0f MiB\n",
		runtime.GOMAXPROCS(0), secs, float64(rep.Stats.Events)/secs/1e6, float64(ms.HeapInuse)/(1<<20), float64(ms.TotalAlloc)/(1<<20))
	return nil
}
