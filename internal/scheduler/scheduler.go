// Package scheduler runs Safeguard's periodic work inside `safeguard serve`:
// reminders, re-checks of watched folders, feed updates. Each job runs under a
// lease kept in the database, so with several app instances sharing one
// PostgreSQL database a job runs on one instance at a time.
package scheduler

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// Job is a piece of periodic work.
type Job struct {
	Name  string
	Every time.Duration
	Run   func(ctx context.Context) error
}

// Scheduler runs jobs on their intervals under database leases.
type Scheduler struct {
	DB       *store.DB
	Instance string
	Jobs     []Job
	Log      *slog.Logger
	// Tick is how often each job checks whether it is due; default one minute.
	Tick time.Duration
}

// RunOnce runs every job whose lease this instance can take now, and reports
// how many ran. Leases last one interval, so a job runs at most once per
// interval across all instances.
func (s *Scheduler) RunOnce(ctx context.Context) int {
	ran := 0
	for _, j := range s.Jobs {
		if s.runJob(ctx, j) {
			ran++
		}
	}
	return ran
}

func (s *Scheduler) runJob(ctx context.Context, j Job) bool {
	ok, err := s.DB.TryLease(ctx, j.Name, s.Instance, s.DB.Now().Add(j.Every))
	if err != nil {
		s.log().Warn("scheduler: lease", "job", j.Name, "err", err)
		return false
	}
	if !ok {
		return false
	}
	jctx, cancel := context.WithTimeout(ctx, max(j.Every, time.Minute))
	defer cancel()
	runErr := safeRun(jctx, j)
	if runErr != nil {
		s.log().Warn("scheduler: job failed", "job", j.Name, "err", runErr)
	}
	if err := s.DB.FinishJob(ctx, j.Name, runErr); err != nil {
		s.log().Warn("scheduler: record", "job", j.Name, "err", err)
	}
	return true
}

// safeRun runs a job, turning a panic into an error so one bad job cannot stop the server.
func safeRun(ctx context.Context, j Job) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{job: j.Name}
		}
	}()
	return j.Run(ctx)
}

type panicError struct{ job string }

func (e *panicError) Error() string { return "job " + e.job + " panicked" }

// Start runs the scheduler until ctx ends. It returns at once; Wait blocks
// until it has stopped.
func (s *Scheduler) Start(ctx context.Context) *sync.WaitGroup {
	var wg sync.WaitGroup
	tick := s.Tick
	if tick == 0 {
		tick = time.Minute
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.RunOnce(ctx)
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.RunOnce(ctx)
			}
		}
	}()
	return &wg
}

func (s *Scheduler) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}
