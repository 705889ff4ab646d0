package scheduler

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/store/storetest"
)

func TestOneInstanceRunsAJobPerInterval(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
		var mu sync.Mutex
		db.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
		var runs atomic.Int32
		job := Job{Name: "reminders", Every: 15 * time.Minute, Run: func(context.Context) error { runs.Add(1); return nil }}
		a := &Scheduler{DB: db, Instance: "a", Jobs: []Job{job}}
		b := &Scheduler{DB: db, Instance: "b", Jobs: []Job{job}}
		var wg sync.WaitGroup
		for _, s := range []*Scheduler{a, b, a, b} {
			wg.Add(1)
			go func(s *Scheduler) { defer wg.Done(); s.RunOnce(ctx) }(s)
		}
		wg.Wait()
		if n := runs.Load(); n != 1 {
			t.Fatalf("job ran %d times in one interval, want 1", n)
		}
		mu.Lock()
		now = now.Add(16 * time.Minute)
		mu.Unlock()
		b.RunOnce(ctx)
		a.RunOnce(ctx)
		if n := runs.Load(); n != 2 {
			t.Fatalf("job ran %d times after the interval, want 2", n)
		}
	})
}

func TestFailingAndPanickingJobsAreRecorded(t *testing.T) {
	db := storetest.SQLite(t)
	s := &Scheduler{DB: db, Instance: "a", Jobs: []Job{
		{Name: "bad", Every: time.Minute, Run: func(context.Context) error { return errors.New("smtp down") }},
		{Name: "worse", Every: time.Minute, Run: func(context.Context) error { panic("boom") }},
	}}
	if n := s.RunOnce(context.Background()); n != 2 {
		t.Fatalf("ran %d", n)
	}
	jobs, err := db.Jobs(context.Background())
	if err != nil || len(jobs) != 2 || jobs[0].LastRunAt == nil || jobs[0].LastError == "" || jobs[1].LastError == "" {
		t.Fatalf("jobs %+v %v", jobs, err)
	}
}
