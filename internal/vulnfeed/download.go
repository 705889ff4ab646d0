package vulnfeed

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

// Sources are where feeds are downloaded from.
type Sources struct {
	// KEV is the catalog's JSON file at CISA.
	KEV string
	// EOLBase is the folder of endoflife.date product files; EOLProducts
	// names the products fetched from it.
	EOLBase     string
	EOLProducts []string
	// CSAFProvider is CISA's CSAF provider metadata, which leads to the
	// list of advisories (ROLIE feed or directory index).
	CSAFProvider string
	// NVDYears, if any, are the years of NVD CVE 2.0 feeds to fetch from
	// NVDBase (a URL with one %d for the year).
	NVDYears []int
	NVDBase  string
}

// DefaultSources are the official locations.
var DefaultSources = Sources{
	KEV:          "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json",
	EOLBase:      "https://raw.githubusercontent.com/endoflife-date/endoflife.date/master/products/",
	EOLProducts:  []string{"windows", "windows-server", "windows-embedded", "macos", "ios", "android", "rhel", "ubuntu", "debian", "centos"},
	CSAFProvider: "https://www.cisa.gov/sites/default/files/csaf/provider-metadata.json",
	NVDBase:      "https://nvd.nist.gov/feeds/json/cve/2.0/nvdcve-2.0-%d.json.gz",
}

// Progress is told how a download is going: a step name, and how many of
// how many items are done (total 0 when unknown).
type Progress func(step string, done, total int)

// Downloader fetches feeds over HTTP.
type Downloader struct {
	Client    *http.Client
	Sources   Sources
	UserAgent string
	Progress  Progress
	// Only limits the download to these feeds (all when empty).
	Only []string
}

const maxDownload = 512 << 20

func (dl *Downloader) get(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, hipaa.Errorf(hipaa.EInvalid, "feed address %q is not a valid URL", u)
	}
	ua := dl.UserAgent
	if ua == "" {
		ua = "safeguard"
	}
	req.Header.Set("User-Agent", ua)
	resp, err := dl.Client.Do(req)
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EUnavailable, err, "cannot download %s: %s: check the internet connection, or load local copies with --from PATH", u, firstErr(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, hipaa.Errorf(hipaa.EUnavailable, "cannot download %s: the server answered %s: try again later, or load local copies with --from PATH", u, resp.Status)
	}
	data, err := readAll(resp.Body, maxDownload)
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EUnavailable, err, "cannot download %s: %s", u, firstErr(err))
	}
	return data, nil
}

func (dl *Downloader) want(feed string) bool {
	if len(dl.Only) == 0 {
		return feed != FeedNVD || len(dl.Sources.NVDYears) > 0
	}
	for _, f := range dl.Only {
		if f == feed {
			return true
		}
	}
	return false
}

func (dl *Downloader) progress(step string, done, total int) {
	if dl.Progress != nil {
		dl.Progress(step, done, total)
	}
}

// Download fetches the feeds and parses them exactly as LoadPath would.
// Nothing is returned unless every wanted feed was fetched and read.
func (dl *Downloader) Download(ctx context.Context, opt LoadOptions) (*Bundle, error) {
	if dl.Client == nil {
		dl.Client = &http.Client{Timeout: 5 * time.Minute}
	}
	var files []file
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	if dl.want(FeedKEV) {
		dl.progress("KEV catalog", 0, 1)
		data, err := dl.get(ctx, dl.Sources.KEV)
		if err != nil {
			return nil, err
		}
		files = append(files, file{name: dl.Sources.KEV, data: data, mtime: now})
		dl.progress("KEV catalog", 1, 1)
	}
	if dl.want(FeedEOL) {
		for i, p := range dl.Sources.EOLProducts {
			dl.progress("end-of-life dates", i, len(dl.Sources.EOLProducts))
			u := strings.TrimSuffix(dl.Sources.EOLBase, "/") + "/" + p + ".md"
			data, err := dl.get(ctx, u)
			if err != nil {
				return nil, err
			}
			files = append(files, file{name: u, data: data, mtime: now})
		}
		dl.progress("end-of-life dates", len(dl.Sources.EOLProducts), len(dl.Sources.EOLProducts))
	}
	if dl.want(FeedICSMA) {
		urls, err := dl.advisoryList(ctx)
		if err != nil {
			return nil, err
		}
		for i, u := range urls {
			dl.progress("medical advisories", i, len(urls))
			data, err := dl.get(ctx, u)
			if err != nil {
				return nil, err
			}
			files = append(files, file{name: u, data: data, mtime: now})
		}
		dl.progress("medical advisories", len(urls), len(urls))
	}
	if dl.want(FeedNVD) {
		for i, y := range dl.Sources.NVDYears {
			dl.progress("NVD CVE data", i, len(dl.Sources.NVDYears))
			u := fmt.Sprintf(dl.Sources.NVDBase, y)
			data, err := dl.get(ctx, u)
			if err != nil {
				return nil, err
			}
			files = append(files, file{name: u, data: data, mtime: now})
		}
		dl.progress("NVD CVE data", len(dl.Sources.NVDYears), len(dl.Sources.NVDYears))
	}
	if len(files) == 0 {
		return nil, hipaa.Errorf(hipaa.EInvalid, "no feed chosen: name kev, endoflife, icsma or nvd")
	}
	return load(files, "download", opt, true)
}

// advisoryList finds the ICS medical advisories through the CSAF provider
// metadata: its ROLIE feeds if it has them, else its directory index.
func (dl *Downloader) advisoryList(ctx context.Context) ([]string, error) {
	meta, err := dl.get(ctx, dl.Sources.CSAFProvider)
	if err != nil {
		return nil, err
	}
	var pm struct {
		Distributions []struct {
			DirectoryURL string `json:"directory_url"`
			Rolie        *struct {
				Feeds []struct {
					TLPLabel string `json:"tlp_label"`
					URL      string `json:"url"`
				} `json:"feeds"`
			} `json:"rolie"`
		} `json:"distributions"`
	}
	if err := json.Unmarshal(meta, &pm); err != nil {
		return nil, hipaa.Errorf(hipaa.EUnavailable, "%s is not CSAF provider metadata: try again later, or load local copies with --from PATH", dl.Sources.CSAFProvider)
	}
	var out []string
	seen := map[string]bool{}
	add := func(u string) {
		if strings.Contains(strings.ToLower(path.Base(u)), "icsma") && strings.HasSuffix(strings.ToLower(u), ".json") && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	for _, d := range pm.Distributions {
		if d.Rolie == nil {
			continue
		}
		for _, f := range d.Rolie.Feeds {
			if l := strings.ToUpper(f.TLPLabel); l != "" && l != "WHITE" && l != "CLEAR" {
				continue
			}
			data, err := dl.get(ctx, f.URL)
			if err != nil {
				return nil, err
			}
			var feed struct {
				Feed struct {
					Entry []struct {
						Link []struct {
							Rel  string `json:"rel"`
							Href string `json:"href"`
						} `json:"link"`
						Content struct {
							Src string `json:"src"`
						} `json:"content"`
					} `json:"entry"`
				} `json:"feed"`
			}
			if err := json.Unmarshal(data, &feed); err != nil {
				return nil, hipaa.Errorf(hipaa.EUnavailable, "%s is not a ROLIE feed: try again later, or load local copies with --from PATH", f.URL)
			}
			for _, e := range feed.Feed.Entry {
				if e.Content.Src != "" {
					add(e.Content.Src)
					continue
				}
				for _, l := range e.Link {
					if l.Rel == "self" {
						add(l.Href)
					}
				}
			}
		}
	}
	if len(out) == 0 {
		for _, d := range pm.Distributions {
			if d.DirectoryURL == "" {
				continue
			}
			base := strings.TrimSuffix(d.DirectoryURL, "/") + "/"
			idx, err := dl.get(ctx, base+"index.txt")
			if err != nil {
				return nil, err
			}
			for _, line := range strings.Split(string(idx), "\n") {
				line = strings.TrimSpace(line)
				if line == "" {
					continue
				}
				u, err := url.Parse(base)
				if err != nil {
					continue
				}
				ref, err := url.Parse(line)
				if err != nil {
					continue
				}
				add(u.ResolveReference(ref).String())
			}
		}
	}
	if len(out) == 0 {
		return nil, hipaa.Errorf(hipaa.EUnavailable, "CISA's CSAF listing names no medical advisories: try again later, or load local copies with --from PATH")
	}
	return out, nil
}
