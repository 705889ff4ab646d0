package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// WatchImporter imports one file found in a watched folder (an nmap scan, an
// audit-log export…) for the service's practice, saving what it finds as
// findings, and returns a one-line summary.
type WatchImporter func(ctx context.Context, s *Service, src store.WatchSource, path string) (string, error)

var (
	watchImporters = map[string]WatchImporter{}
	watchOptions   = map[string][]string{}
)

// RegisterWatchImporter makes files of a kind importable from watched
// folders, naming the options (name=value) its importer reads.
func RegisterWatchImporter(kind string, fn WatchImporter, options ...string) {
	watchImporters[kind] = fn
	watchOptions[kind] = options
}

// WatchOptions lists the options an importer of a kind reads.
func WatchOptions(kind string) []string { return watchOptions[kind] }

// WatchKinds lists the kinds of file that watched folders can hold.
func WatchKinds() []string {
	var out []string
	for k := range watchImporters {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// settle is how long a file must be left unchanged before it is taken, so a
// scan still being written is not read half-way.
const settle = 30 * time.Second

// WatchResult says what one pass over the watched folders did.
type WatchResult struct {
	Imported []string `json:"imported"`
	Failed   []string `json:"failed"`
	// Review is set when the new evidence raised new or more serious risks,
	// and the current assessment was marked as needing review.
	Review string `json:"review,omitempty"`
}

// CheckWatched imports the new files in the practice's watched folders, then
// re-evaluates the current draft assessment. When the evidence raises new or
// more serious risks, the assessment is marked as needing review.
func (s *Service) CheckWatched(ctx context.Context) (*WatchResult, error) {
	res := &WatchResult{Imported: []string{}, Failed: []string{}}
	sources, err := s.Scope.WatchSources(ctx)
	if err != nil {
		return nil, err
	}
	cur, err := s.Current(ctx, "")
	if err != nil && !hipaa.IsNotFound(err) {
		return nil, err
	}
	before := map[string]hipaa.Level{}
	if cur != nil {
		risks, err := s.Scope.Risks(ctx, cur.ID, store.RiskFilter{})
		if err != nil {
			return nil, err
		}
		for _, r := range risks {
			before[r.Key] = r.Level
		}
	}
	now := s.Scope.DB().Now()
	for _, src := range sources {
		imp, ok := watchImporters[src.Kind]
		if !ok {
			res.Failed = append(res.Failed, fmt.Sprintf("%s: no importer for %q files", src.Path, src.Kind))
			continue
		}
		entries, err := os.ReadDir(src.Path)
		if err != nil {
			res.Failed = append(res.Failed, fmt.Sprintf("%s: cannot read the folder: %s", src.Path, firstLine(err.Error())))
			continue
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, ".part") {
				continue
			}
			info, err := e.Info()
			if err != nil || !info.Mode().IsRegular() || now.Sub(info.ModTime()) < settle {
				continue
			}
			path := filepath.Join(src.Path, name)
			sum, err := fileSHA256(path)
			if err != nil {
				res.Failed = append(res.Failed, path+": "+firstLine(err.Error()))
				continue
			}
			taken, err := s.Scope.FileTaken(ctx, src.ID, name, sum)
			if err != nil {
				return nil, err
			}
			if taken {
				continue
			}
			summary, ierr := imp(ctx, s, src, path)
			status, msg := "imported", summary
			if ierr != nil {
				status, msg = "failed", hipaa.ErrorMessage(ierr)
				if !strings.Contains(msg, path) {
					msg = path + ": " + msg
				}
				res.Failed = append(res.Failed, msg)
			} else {
				res.Imported = append(res.Imported, path)
			}
			if err := s.Scope.TakeFile(ctx, src.ID, name, sum, status, msg); err != nil {
				return nil, err
			}
		}
	}
	if cur == nil || len(res.Imported) == 0 || cur.Status == hipaa.StatusFinalized {
		return res, nil
	}
	if err := s.Reassess(ctx, cur.ID); err != nil {
		return nil, err
	}
	after, err := s.Scope.Risks(ctx, cur.ID, store.RiskFilter{})
	if err != nil {
		return nil, err
	}
	var worse []string
	for _, r := range after {
		if old, ok := before[r.Key]; !ok || r.Level.Rank() > old.Rank() {
			worse = append(worse, r.Title)
		}
	}
	if len(worse) > 0 {
		res.Review = fmt.Sprintf("new evidence from %d file(s) raised %d new or more serious risk(s), e.g. %s", len(res.Imported), len(worse), worse[0])
		if err := s.Scope.MarkNeedsReview(ctx, res.Review); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
