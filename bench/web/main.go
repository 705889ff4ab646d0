// Command web is a load benchmark of Safeguard's web app: many signed-in
// people opening the dashboard of one practice at once, on SQLite, over
// loopback only. It reports latency percentiles and throughput. It is
// bounded by a request count and a time limit, and stops by itself.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/assess"
	"github.com/safeguard-hipaa/safeguard/internal/auth"
	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/demo"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/web"
)

var exit int

func main() {
	defer func() { os.Exit(exit) }()
	users := flag.Int("users", 100, "concurrent signed-in people")
	requests := flag.Int("requests", 10000, "dashboard requests in all (after warm-up)")
	limit := flag.Duration("time", 2*time.Minute, "stop after this long, whatever the count")
	risks := flag.Int("risks", 300, "risks in the practice's register")
	assets := flag.Int("assets", 500, "distinct assets named by those risks")
	target := flag.Duration("p99", 50*time.Millisecond, "target p99; the exit code is 1 when it is missed")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	think := flag.Duration("think", time.Second, "mean pause of each person between two dashboards (uniform, ±50%); 0 sends as fast as possible")
	block := flag.String("blockprofile", "", "write a profile of where goroutines waited to this file")
	flag.Parse()
	if *block != "" {
		runtime.SetBlockProfileRate(int(time.Millisecond))
		defer func() {
			if f, err := os.Create(*block); err == nil {
				_ = pprof.Lookup("block").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		_ = pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if err := run(*users, *requests, *limit, *risks, *assets, *target, *think); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		exit = 1
	}
}

const password = "granite lantern oboe"

func run(users, requests int, limit time.Duration, nRisks, nAssets int, target, think time.Duration) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sg-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := store.Open(ctx, filepath.Join(dir, "bench.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	cat := catalog.MustDefault()

	// The practice: the demo's answered assessment, topped up with risks to
	// the asked number, each naming a few of nAssets assets.
	res, err := demo.Build(ctx, db, cat)
	if err != nil {
		return err
	}
	pid, aid := res.Practice.ID, res.Current.ID
	scope := db.For(pid)
	have, err := scope.Risks(ctx, aid, store.RiskFilter{})
	if err != nil {
		return err
	}
	for i := len(have); i < nRisks; i++ {
		base := have[i%len(have)]
		r := *base
		r.Key = fmt.Sprintf("%s#bench-%d", base.Key, i)
		r.ID = assess.RiskID(aid, r.Key)
		r.Assets = []string{fmt.Sprintf("asset-%03d", i%nAssets), fmt.Sprintf("asset-%03d", (i*7+3)%nAssets)}
		if err := scope.PutRisk(ctx, &r, true); err != nil {
			return err
		}
	}
	all, _ := scope.Risks(ctx, aid, store.RiskFilter{})

	a := auth.New(db)
	for i := range users {
		u, err := a.CreateUser(ctx, fmt.Sprintf("viewer%03d@bench.example", i), fmt.Sprintf("Viewer %d", i), password)
		if err != nil {
			return err
		}
		if err := db.SetMembership(ctx, u.ID, pid, string(auth.RoleViewer)); err != nil {
			return err
		}
	}

	srv, err := web.New(db, cat, web.Config{Addr: "127.0.0.1:0", LoginAttempts: users * 2, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	// Serve on loopback with a wrapper that times each dashboard inside
	// the server, apart from the client's own share of the two cores.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	var smu sync.Mutex
	var serverLat []time.Duration
	hs := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		srv.ServeHTTP(w, r)
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/p/"+pid+"/") {
			d := time.Since(t0)
			smu.Lock()
			serverLat = append(serverLat, d)
			smu.Unlock()
		}
	})}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	base := "http://" + ln.Addr().String()
	tr := &http.Transport{MaxIdleConns: users * 2, MaxIdleConnsPerHost: users * 2}
	clients := make([]*http.Client, users)
	for i := range clients {
		jar, _ := cookiejar.New(nil)
		clients[i] = &http.Client{Transport: tr, Jar: jar, Timeout: 30 * time.Second}
		resp, err := clients[i].PostForm(base+"/login", url.Values{"email": {fmt.Sprintf("viewer%03d@bench.example", i)}, "password": {password}})
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("sign-in of viewer %d ended with %d", i, resp.StatusCode)
		}
	}
	dash := base + "/p/" + pid + "/"
	get := func(c *http.Client) (time.Duration, error) {
		t0 := time.Now()
		resp, err := c.Get(dash)
		if err != nil {
			return 0, err
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d := time.Since(t0)
		if resp.StatusCode != http.StatusOK || n < 1000 {
			return d, fmt.Errorf("dashboard answered %d (%d bytes)", resp.StatusCode, n)
		}
		return d, nil
	}
	for _, c := range clients { // warm-up: one request each
		if _, err := get(c); err != nil {
			return err
		}
	}

	var next atomic.Int64
	var mu sync.Mutex
	lat := make([]time.Duration, 0, requests)
	var firstErr error
	deadline := time.Now().Add(limit)
	start := time.Now()
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			pause := func() {
				if think > 0 {
					time.Sleep(think/2 + time.Duration(rng.Int64N(int64(think))))
				}
			}
			time.Sleep(time.Duration(rng.Int64N(int64(max(think, time.Millisecond))))) // people do not all start at once
			for next.Add(1) <= int64(requests) && time.Now().Before(deadline) {
				pause()
				d, err := get(c)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				lat = append(lat, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return firstErr
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(float64(len(lat))*p))] }
	smu.Lock()
	sl := slices.Clone(serverLat[len(clients):]) // without the warm-up
	smu.Unlock()
	slices.Sort(sl)
	spct := func(p float64) time.Duration { return sl[min(len(sl)-1, int(float64(len(sl))*p))] }
	fmt.Printf("dashboard of a practice with %d risks naming %d assets, %d questions answered; SQLite; %d concurrent people over loopback\n",
		len(all), nAssets, len(cat.Questions), users)
	fmt.Printf("each person pauses %s on average between dashboards\n", think)
	fmt.Printf("requests %d in %.1fs (%.0f/s)\n", len(lat), elapsed.Seconds(), float64(len(lat))/elapsed.Seconds())
	fmt.Printf("seen by the people:  p50 %s  p90 %s  p99 %s  max %s\n", ms(pct(.50)), ms(pct(.90)), ms(pct(.99)), ms(lat[len(lat)-1]))
	fmt.Printf("inside the server:   p50 %s  p90 %s  p99 %s  max %s  (target p99 < %s)\n", ms(spct(.50)), ms(spct(.90)), ms(spct(.99)), ms(sl[len(sl)-1]), target)
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Printf("load average at the end (other work on the machine shows here): %s", b)
	}
	if spct(.99) > target {
		return fmt.Errorf("p99 inside the server %s is above the %s target", ms(spct(.99)), target)
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
