package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/vulnfeed"
)

func (e *env) feedsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "feeds",
		Short: "Vulnerability and end-of-life data: CISA KEV, endoflife.date, CISA medical advisories, NVD",
		Long: `The public data Safeguard matches your assets against:
  kev        CISA's catalog of vulnerabilities attackers are known to exploit
  endoflife  end-of-support dates from endoflife.date (Windows, Windows Server and Embedded,
             macOS, iOS, Android, major Linux releases), plus Safeguard's own table for
             device systems that site lacks (Windows XP Embedded, WES 2009, Windows CE …)
  icsma      CISA's ICS medical advisories (CSAF 2.0)
  nvd        optional NVD CVE 2.0 files, for matching KEV entries by CPE name

The data is kept in the database, shared by every practice in it, with its date; findings
warn when it gets old.`,
	}
	cmd.AddCommand(e.feedsUpdateCmd(), e.feedsStatusCmd())
	return cmd
}

func (e *env) feedsUpdateCmd() *cobra.Command {
	var from, only, failOn string
	var nvdYears []int
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Download the feeds from their official sources, or load local copies with --from",
		Example: `  safeguard feeds update
  safeguard feeds update --from ./feeds          # a folder of KEV JSON, endoflife.date .md files, CSAF advisories
  safeguard feeds update --only kev
  safeguard feeds update --only nvd --nvd-year 2019 --nvd-year 2017`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fail, err := parseFailOn(failOn)
			if err != nil {
				return err
			}
			var onlyList []string
			if only != "" {
				for _, x := range strings.Split(only, ",") {
					x = strings.TrimSpace(x)
					if !hasString(vulnfeed.FeedNames, x) {
						return hipaa.Errorf(hipaa.EInvalid, "--only %q: use %s", x, strings.Join(vulnfeed.FeedNames, ", "))
					}
					onlyList = append(onlyList, x)
				}
			}
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			db := svc.Scope.DB()
			opt := vulnfeed.LoadOptions{Now: db.Now()}
			stored, err := db.Feeds(cmd.Context(), true)
			if err != nil {
				return err
			}
			if data, err := vulnfeed.Decode(stored); err == nil && data.KEV != nil {
				known := map[string]bool{}
				for _, v := range data.KEV.Vulns {
					known[v.CVE] = true
				}
				opt.KnownKEV = func(c string) bool { return known[c] }
			}
			var b *vulnfeed.Bundle
			if from != "" {
				if b, err = vulnfeed.LoadPath(from, opt); err != nil {
					return err
				}
				if len(onlyList) > 0 {
					var keep []*vulnfeed.Feed
					for _, f := range b.Feeds {
						if hasString(onlyList, f.Name) {
							keep = append(keep, f)
						}
					}
					b.Feeds = keep
				}
			} else {
				src := vulnfeed.DefaultSources
				src.NVDYears = nvdYears
				dl := &vulnfeed.Downloader{Sources: src, UserAgent: "safeguard/" + Version, Only: onlyList}
				if isTerminal(e.stderr) && e.format != "json" {
					var bar *progressbar.ProgressBar
					step := ""
					dl.Progress = func(s string, done, total int) {
						if s != step {
							if bar != nil {
								_ = bar.Finish()
							}
							step = s
							bar = progressbar.NewOptions(max(total, 1), progressbar.OptionSetWriter(e.stderr), progressbar.OptionSetDescription(s),
								progressbar.OptionClearOnFinish(), progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond))
						}
						_ = bar.Set(done)
					}
					defer func() {
						if bar != nil {
							_ = bar.Finish()
						}
					}()
				}
				if b, err = dl.Download(cmd.Context(), opt); err != nil {
					return err
				}
			}
			an, err := svc.UpdateFeeds(cmd.Context(), b)
			if err != nil {
				return err
			}
			if e.format == "json" {
				if err := e.json(map[string]any{"feeds": b.Feeds, "skipped": nonNilStrings(b.Warnings), "analysis": an}); err != nil {
					return err
				}
			} else {
				for _, f := range b.Feeds {
					fmt.Fprintf(e.stdout, "Loaded %s: %d item(s), version %s, dated %s.\n", vulnfeed.FeedTitles[f.Name], f.Items, f.Version, date(f.Released))
				}
				for _, w := range b.Warnings {
					fmt.Fprintf(e.stderr, "note: %s\n", w)
				}
				e.printDeviceAnalysis(an)
			}
			return failIfFound(an, fail)
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "load local copies from this file or folder instead of downloading")
	f.StringVar(&only, "only", "", "only these feeds, comma-separated: kev, endoflife, icsma, nvd")
	f.IntSliceVar(&nvdYears, "nvd-year", nil, "also download the NVD CVE 2.0 file of this year (repeatable; kept only for CVEs in KEV)")
	f.StringVar(&failOn, "fail-on", "", "exit 1 if an open inventory, feed or network finding is at or above this severity")
	return cmd
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// feedStatus is the JSON shape of one feed in `feeds status`.
type feedStatus struct {
	Name     string     `json:"name"`
	Title    string     `json:"title"`
	Loaded   bool       `json:"loaded"`
	Version  string     `json:"version,omitempty"`
	Released *time.Time `json:"released,omitempty"`
	Fetched  *time.Time `json:"fetched,omitempty"`
	Source   string     `json:"source,omitempty"`
	Items    int        `json:"items"`
	Warning  string     `json:"warning,omitempty"`
}

func (e *env) feedsStatusCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show which feeds are loaded, from when, and whether they are out of date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := e.open(cmd.Context())
			if err != nil {
				return err
			}
			list, err := db.Feeds(cmd.Context(), false)
			if err != nil {
				return err
			}
			byName := map[string]*vulnfeed.Feed{}
			for _, f := range list {
				byName[f.Name] = f
			}
			now := db.Now()
			var out []feedStatus
			for _, n := range vulnfeed.FeedNames {
				st := feedStatus{Name: n, Title: vulnfeed.FeedTitles[n]}
				if f := byName[n]; f != nil {
					rel, fet := f.Released, f.Fetched
					st.Loaded, st.Version, st.Source, st.Items, st.Fetched = true, f.Version, f.Source, f.Items, &fet
					if !rel.IsZero() {
						st.Released = &rel
					}
					st.Warning = f.Warning(now)
				} else if n != vulnfeed.FeedNVD {
					st.Warning = "not loaded: run `safeguard feeds update`"
				}
				out = append(out, st)
			}
			if e.format == "json" {
				return e.json(out)
			}
			tw := e.table()
			fmt.Fprintln(tw, "FEED\tITEMS\tVERSION\tDATED\tFETCHED\tSTATUS")
			for _, s := range out {
				status := "current"
				switch {
				case !s.Loaded && s.Name == vulnfeed.FeedNVD:
					status = "not loaded (optional)"
				case !s.Loaded:
					status = "not loaded"
				case s.Warning != "":
					status = "OUT OF DATE"
				}
				rel, fet := "", ""
				if s.Released != nil {
					rel = date(*s.Released)
				}
				if s.Fetched != nil {
					fet = date(*s.Fetched)
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", s.Title, s.Items, dash(s.Version), dash(rel), dash(fet), status)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			for _, s := range out {
				if s.Warning != "" && s.Loaded {
					fmt.Fprintf(e.stderr, "warning: %s\n", s.Warning)
				}
			}
			return nil
		},
	}
}
