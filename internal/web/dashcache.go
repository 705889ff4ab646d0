package web

import (
	"context"
	"fmt"
	"sync"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// summary is what the dashboard shows of an assessment.
type summary struct {
	status *app.Status
	risks  []store.RiskBrief
}

// summaries caches dashboard summaries per practice under the store's change
// mark, so that many people opening one practice's dashboard do not each
// re-evaluate its whole risk analysis. An entry is used only while nothing
// it was computed from has changed, in this instance or any other.
type summaries struct {
	mu sync.Mutex
	m  map[string]summaryEntry // by practice ID
}

type summaryEntry struct {
	key string
	sum *summary
}

const maxSummaries = 2000

// get returns the summary of an assessment, from the cache when still valid.
// Entries are shared read-only between requests.
func (c *summaries) get(ctx context.Context, svc *app.Service, a *hipaa.Assessment, today string) (*summary, error) {
	mark, err := svc.Scope.ChangeMark(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s|%s|%s|%t|%s|%s|%s", a.ID, a.Status, mark, a.NeedsReview, a.ReviewReason, today, svc.Cat.Version)
	pid := svc.Scope.PracticeID()
	c.mu.Lock()
	e, ok := c.m[pid]
	c.mu.Unlock()
	if ok && e.key == key {
		return e.sum, nil
	}
	st, err := svc.Status(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	briefs, err := svc.Scope.RiskBriefs(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	sum := &summary{status: st, risks: briefs}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxSummaries {
		c.m = map[string]summaryEntry{}
	}
	c.m[pid] = summaryEntry{key: key, sum: sum}
	c.mu.Unlock()
	return sum, nil
}
