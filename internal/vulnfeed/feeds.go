package vulnfeed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// The feeds Safeguard keeps.
const (
	FeedKEV   = "kev"
	FeedEOL   = "endoflife"
	FeedICSMA = "icsma"
	FeedNVD   = "nvd"
)

// FeedNames lists the feeds in the order they are loaded and shown.
var FeedNames = []string{FeedKEV, FeedEOL, FeedICSMA, FeedNVD}

// FeedTitles names the feeds for people.
var FeedTitles = map[string]string{
	FeedKEV:   "CISA Known Exploited Vulnerabilities",
	FeedEOL:   "End-of-life dates (endoflife.date)",
	FeedICSMA: "CISA ICS medical advisories (CSAF)",
	FeedNVD:   "NVD CVE applicability (optional)",
}

// MaxAge is how old each feed's data may get before Safeguard warns.
var MaxAge = map[string]time.Duration{
	FeedKEV:   14 * 24 * time.Hour,
	FeedEOL:   120 * 24 * time.Hour,
	FeedICSMA: 45 * 24 * time.Hour,
	FeedNVD:   30 * 24 * time.Hour,
}

// Feed is one feed's parsed content, ready to store.
type Feed struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Released is the date of the data itself (the catalog's release, the
	// newest advisory); Fetched is when Safeguard got it.
	Released time.Time `json:"released"`
	Fetched  time.Time `json:"fetched"`
	Source   string    `json:"source"`
	Items    int       `json:"items"`
	// Payload is the parsed content as JSON.
	Payload []byte `json:"-"`
}

// Warning returns a sentence if the feed is older than it should be, else "".
func (f *Feed) Warning(now time.Time) string {
	date := f.Released
	if date.IsZero() {
		date = f.Fetched
	}
	limit, ok := MaxAge[f.Name]
	if !ok || date.IsZero() || now.Sub(date) <= limit {
		return ""
	}
	days := int(now.Sub(date).Hours() / 24)
	return fmt.Sprintf("%s data is from %s (%d days old): run `safeguard feeds update` to refresh it, or findings may miss newer problems",
		FeedTitles[f.Name], date.Format("2006-01-02"), days)
}

// Bundle is a set of feeds loaded together.
type Bundle struct {
	Feeds    []*Feed
	Data     *Data
	Warnings []string
}

func newFeed(name, source string, version string, released time.Time, items int, v any, now time.Time) (*Feed, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &Feed{Name: name, Version: version, Released: released.UTC(), Fetched: now.UTC(), Source: source, Items: items, Payload: b}, nil
}

// Decode rebuilds feed data from stored feeds.
func Decode(feeds []*Feed) (*Data, error) {
	d := &Data{}
	for _, f := range feeds {
		var err error
		switch f.Name {
		case FeedKEV:
			d.KEV = &KEVCatalog{}
			err = json.Unmarshal(f.Payload, d.KEV)
		case FeedEOL:
			d.EOL = &EOLData{}
			err = json.Unmarshal(f.Payload, d.EOL)
		case FeedICSMA:
			err = json.Unmarshal(f.Payload, &d.Advisories)
		case FeedNVD:
			if err = json.Unmarshal(f.Payload, &d.NVD); err == nil {
				for _, a := range d.NVD {
					_ = a.prepare()
				}
			}
		}
		if err != nil {
			return nil, fmt.Errorf("vulnfeed: stored feed %s is damaged: %w", f.Name, err)
		}
	}
	return d, nil
}

// file is one input file, read into memory.
type file struct {
	name  string
	data  []byte
	mtime time.Time
}

// LoadOptions tunes LoadPath and Load.
type LoadOptions struct {
	Now time.Time
	// KnownKEV tells whether a CVE is in the KEV catalog already stored,
	// for NVD files loaded without a KEV file.
	KnownKEV func(cve string) bool
}

// LoadPath reads feed files from a file or a directory tree: the KEV JSON,
// endoflife.date product files (*.md), CSAF advisories (*.json) and NVD
// CVE 2.0 files (*.json, *.json.gz). Files of other kinds in a directory are
// skipped with a warning; a named file must be a feed.
func LoadPath(path string, opt LoadOptions) (*Bundle, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, hipaa.Errorf(hipaa.EInvalid, "cannot read %s: %s: give a feed file or a folder of them", path, firstErr(err))
	}
	var files []file
	if !st.IsDir() {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, hipaa.WrapError(hipaa.EUnavailable, err, "cannot read %s", path)
		}
		files = append(files, file{path, data, st.ModTime()})
		return load(files, path, opt, true)
	}
	err = filepath.WalkDir(path, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if de.IsDir() || strings.HasPrefix(de.Name(), ".") {
			return nil
		}
		n := strings.ToLower(de.Name())
		if !strings.HasSuffix(n, ".md") && !strings.HasSuffix(n, ".json") && !strings.HasSuffix(n, ".json.gz") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, _ := de.Info()
		var mt time.Time
		if info != nil {
			mt = info.ModTime()
		}
		files = append(files, file{p, data, mt})
		return nil
	})
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EUnavailable, err, "cannot read %s: %s", path, firstErr(err))
	}
	return load(files, path, opt, false)
}

func firstErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

// kind tells a feed file's kind from its name and first bytes.
func kind(f file) string {
	n := strings.ToLower(filepath.Base(f.name))
	head := f.data
	if len(head) > 8192 {
		head = head[:8192]
	}
	switch {
	case strings.HasSuffix(n, ".md"):
		return FeedEOL
	case strings.HasSuffix(n, ".gz"), bytes.Contains(head, []byte(`"NVD_CVE"`)):
		return FeedNVD
	case bytes.Contains(head, []byte(`"$schema"`)) && !bytes.Contains(head, []byte(`"csaf_version"`)):
		return ""
	case bytes.Contains(head, []byte(`"catalogVersion"`)):
		return FeedKEV
	case bytes.Contains(f.data, []byte(`"csaf_version"`)):
		return FeedICSMA
	}
	return ""
}

// load parses files into feeds. strict refuses files of unknown kind.
func load(files []file, source string, opt LoadOptions, strict bool) (*Bundle, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	b := &Bundle{Data: &Data{}}
	var eol *EOLData
	var eolNewest time.Time
	var nvdFiles []file
	for _, f := range files {
		switch kind(f) {
		case FeedKEV:
			c, err := ParseKEV(bytes.NewReader(f.data), f.name)
			if err != nil {
				return nil, err
			}
			b.Data.KEV = c
		case FeedEOL:
			p, err := ParseEOLProduct(bytes.NewReader(f.data), f.name)
			if err != nil {
				if !strict && hipaa.ErrorCodeOf(err) == hipaa.EInvalid && !bytes.HasPrefix(bytes.TrimSpace(f.data), []byte("---")) {
					b.Warnings = append(b.Warnings, fmt.Sprintf("%s: skipped: not an endoflife.date product file", f.name))
					continue
				}
				return nil, err
			}
			if eol == nil {
				eol = &EOLData{}
			}
			eol.Add(p)
			if f.mtime.After(eolNewest) {
				eolNewest = f.mtime
			}
		case FeedICSMA:
			a, err := ParseAdvisory(bytes.NewReader(f.data), f.name)
			if err != nil {
				return nil, err
			}
			if strings.HasPrefix(a.ID, "ICSMA") {
				b.Data.Advisories = append(b.Data.Advisories, a)
			} else {
				b.Warnings = append(b.Warnings, fmt.Sprintf("%s: skipped: %s is not a medical advisory (ICSMA)", f.name, a.ID))
			}
		case FeedNVD:
			nvdFiles = append(nvdFiles, f)
		default:
			if strict {
				return nil, hipaa.Errorf(hipaa.EInvalid, "%s: not a feed file Safeguard knows (KEV JSON, endoflife.date .md, CSAF advisory JSON or NVD CVE 2.0 JSON)", f.name)
			}
			b.Warnings = append(b.Warnings, fmt.Sprintf("%s: skipped: not a feed file", f.name))
		}
	}
	if len(nvdFiles) > 0 {
		keep := opt.KnownKEV
		if b.Data.KEV != nil {
			idx := b.Data.KEV.index()
			keep = func(c string) bool { return idx[c] != nil }
		}
		if keep == nil {
			return nil, hipaa.Errorf(hipaa.EInvalid, "%s: NVD data is kept only for CVEs in the KEV catalog, and none is loaded: load the KEV catalog first (safeguard feeds update)", nvdFiles[0].name)
		}
		var newest time.Time
		for _, f := range nvdFiles {
			apps, stamp, err := ParseNVD(bytes.NewReader(f.data), f.name, keep)
			if err != nil {
				return nil, err
			}
			b.Data.NVD = append(b.Data.NVD, apps...)
			if stamp.After(newest) {
				newest = stamp
			}
		}
		f, err := newFeed(FeedNVD, source, newest.Format("2006-01-02"), newest, len(b.Data.NVD), b.Data.NVD, opt.Now)
		if err != nil {
			return nil, err
		}
		b.Feeds = append(b.Feeds, f)
	}
	if c := b.Data.KEV; c != nil {
		f, err := newFeed(FeedKEV, source, c.Version, c.Released, len(c.Vulns), c, opt.Now)
		if err != nil {
			return nil, err
		}
		b.Feeds = append(b.Feeds, f)
	}
	if eol != nil {
		b.Data.EOL = eol
		if eolNewest.IsZero() {
			eolNewest = opt.Now
		}
		f, err := newFeed(FeedEOL, source, eolNewest.UTC().Format("2006-01-02"), eolNewest, len(eol.Products), eol, opt.Now)
		if err != nil {
			return nil, err
		}
		b.Feeds = append(b.Feeds, f)
	}
	if len(b.Data.Advisories) > 0 {
		var newest time.Time
		for _, a := range b.Data.Advisories {
			if a.Released.After(newest) {
				newest = a.Released
			}
		}
		sort.Slice(b.Data.Advisories, func(i, j int) bool { return b.Data.Advisories[i].ID < b.Data.Advisories[j].ID })
		f, err := newFeed(FeedICSMA, source, newest.Format("2006-01-02"), newest, len(b.Data.Advisories), b.Data.Advisories, opt.Now)
		if err != nil {
			return nil, err
		}
		b.Feeds = append(b.Feeds, f)
	}
	if len(b.Feeds) == 0 {
		return nil, hipaa.Errorf(hipaa.EInvalid, "%s holds no feed files (KEV JSON, endoflife.date .md files, CSAF advisories or NVD CVE 2.0 JSON): check the path", source)
	}
	sort.Slice(b.Feeds, func(i, j int) bool { return feedOrder(b.Feeds[i].Name) < feedOrder(b.Feeds[j].Name) })
	return b, nil
}

func feedOrder(n string) int {
	for i, x := range FeedNames {
		if x == n {
			return i
		}
	}
	return len(FeedNames)
}

// readAll reads at most limit bytes.
func readAll(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d MB", limit>>20)
	}
	return data, nil
}
