package app

import (
	"context"
	"errors"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/notify"
	"github.com/safeguard-hipaa/safeguard/internal/scheduler"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// ScheduledJobs returns the periodic work `safeguard serve` does for every
// practice in the database: send due reminders (every 15 minutes), a weekly
// digest (checked daily, sent on Mondays in the practice's time zone), and
// re-checks of watched folders (every 5 minutes). Extra jobs, such as feed
// updates, are appended by the packages that own them.
func ScheduledJobs(db *store.DB, cat *catalog.Catalog, d *notify.Dispatcher) []scheduler.Job {
	each := func(fn func(ctx context.Context, s *Service) error) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			practices, err := db.Practices(ctx)
			if err != nil {
				return err
			}
			var errs []error
			for _, p := range practices {
				if err := fn(ctx, New(cat, db.For(p.ID), "scheduler")); err != nil {
					errs = append(errs, err)
				}
			}
			return errors.Join(errs...)
		}
	}
	return append([]scheduler.Job{
		{Name: "reminders", Every: 15 * time.Minute, Run: each(func(ctx context.Context, s *Service) error {
			duties, p, err := s.Calendar(ctx, notify.UpcomingDays)
			if err != nil {
				return err
			}
			_, err = d.Run(ctx, s.Scope, p, duties)
			return err
		})},
		{Name: "weekly-digest", Every: 6 * time.Hour, Run: each(func(ctx context.Context, s *Service) error {
			duties, p, err := s.Calendar(ctx, notify.UpcomingDays)
			if err != nil {
				return err
			}
			now := s.Scope.DB().Now()
			if loc, err := time.LoadLocation(p.TimeZone); err == nil && now.In(loc).Weekday() != time.Monday {
				return nil
			}
			_, err = d.Digest(ctx, s.Scope, p, duties, now)
			return err
		})},
		{Name: "watched-folders", Every: 5 * time.Minute, Run: each(func(ctx context.Context, s *Service) error {
			_, err := s.CheckWatched(ctx)
			return err
		})},
	}, extraJobs(db, cat)...)
}

// JobSource adds scheduled jobs (a feed update, say) from another package.
type JobSource func(db *store.DB, cat *catalog.Catalog) []scheduler.Job

var jobSources []JobSource

// RegisterJobSource adds jobs to every scheduler.
func RegisterJobSource(src JobSource) { jobSources = append(jobSources, src) }

func extraJobs(db *store.DB, cat *catalog.Catalog) []scheduler.Job {
	var out []scheduler.Job
	for _, src := range jobSources {
		out = append(out, src(db, cat)...)
	}
	return out
}
