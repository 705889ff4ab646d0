package vulnfeed

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/facebookincubator/nvdtools/wfn"
)

// Lifecycle is the support status of an asset's operating system or of
// one of its components.
type Lifecycle struct {
	Product      string `json:"product"`
	ProductTitle string `json:"product_title"`
	Cycle        string `json:"cycle"`
	Label        string `json:"label"`
	// EOL is the day security updates stopped or will stop (YYYY-MM-DD), if known.
	EOL string `json:"eol,omitempty"`
	// ExtendedUntil is the end of paid extended security updates, if any.
	ExtendedUntil string `json:"extended_until,omitempty"`
	Ended         bool   `json:"ended"`
	Link          string `json:"link,omitempty"`
	Source        string `json:"source"`
	Note          string `json:"note,omitempty"`
	// CPEs are the names this release goes by, for vulnerability matching.
	CPEs []string `json:"cpes,omitempty"`
}

func lifecycleOf(p *EOLProduct, r *EOLRelease, now time.Time) *Lifecycle {
	label := r.Label
	if label == "" {
		label = r.Cycle
	}
	title := p.Title
	if title != "" && !strings.HasPrefix(label, title) && !strings.Contains(label, "Windows") {
		label = strings.TrimPrefix(title, "Microsoft ") + " " + label
	} else {
		label = strings.TrimPrefix(label, "Microsoft ")
	}
	return &Lifecycle{Product: p.Name, ProductTitle: p.Title, Cycle: r.Cycle, Label: label, EOL: r.EOLDate, ExtendedUntil: r.EOES,
		Ended: r.EndedBy(now), Link: r.Link, Source: p.Source, CPEs: releaseCPEs(p, r)}
}

var (
	reBuild      = regexp.MustCompile(`\b(?:10\.0\.)?((?:1|2)\d{4})\b`)
	reWinVersion = regexp.MustCompile(`\b(1507|1511|1607|1703|1709|1803|1809|1903|1909|2004|20h2|21h1|21h2|22h2|23h2|24h2|25h2|26h1)\b`)
	reMac        = regexp.MustCompile(`(?:mac os x|macos|os x)\s+(?:[a-z]+\s+){0,2}v?(\d+(?:\.\d+)*)`)
	reIOS        = regexp.MustCompile(`\b(?:ios|ipados|iphone os)\s+(\d+(?:\.\d+)*)`)
	reAndroid    = regexp.MustCompile(`\bandroid\s+(\d+(?:\.\d+)*)`)
	reUbuntu     = regexp.MustCompile(`\bubuntu(?:\s+linux)?\s+(\d+\.\d+)`)
	reDebian     = regexp.MustCompile(`\bdebian(?:\s+gnu/linux)?\s+(\d+)`)
	reRHEL       = regexp.MustCompile(`\b(?:red hat enterprise linux|rhel)\s+(?:server\s+|workstation\s+)?(\d+)`)
	reCentOS     = regexp.MustCompile(`\bcentos(?:\s+linux)?\s+(\d+)`)
	reServer     = regexp.MustCompile(`server\s+(2025|2022|2019|2016|2012|2008|2003|2000)(\s+r2)?`)
)

// candidates is what the text of an OS names: a product and the cycles it may be.
type candidates struct {
	product string
	cycles  []string
	// version is a version number to place among the product's cycles
	// (macOS 10.13.6 → 10.13) when cycles is empty.
	version string
	// family names the product family for a note when the release is not identified.
	family string
}

// osCandidates reads an OS name such as "Microsoft Windows 7 Professional
// SP1" or "Mac OS X 10.13.6".
func osCandidates(text string) candidates {
	t := " " + strings.ToLower(strings.NewReplacer("®", "", "™", "", "(r)", "", "_", " ").Replace(text)) + " "
	t = strings.Join(strings.Fields(t), " ")
	has := func(s ...string) bool {
		for _, x := range s {
			if strings.Contains(t, x) {
				return true
			}
		}
		return false
	}
	if has("windows") && has("server") {
		if m := reServer.FindStringSubmatch(t); m != nil {
			y, r2 := m[1], m[2] != ""
			switch y {
			case "2008":
				if r2 {
					return candidates{product: "windows-server", cycles: []string{"2008-r2-sp1"}}
				}
				return candidates{product: "windows-server", cycles: []string{"2008-sp2"}}
			case "2012":
				if r2 {
					return candidates{product: "windows-server", cycles: []string{"2012-r2"}}
				}
				return candidates{product: "windows-server", cycles: []string{"2012"}}
			case "2003":
				switch {
				case has("sp2", "service pack 2"):
					return candidates{product: "windows-server", cycles: []string{"2003-sp2"}}
				case has("sp1", "service pack 1"):
					return candidates{product: "windows-server", cycles: []string{"2003-sp1"}}
				}
				return candidates{product: "windows-server", cycles: []string{"2003", "2003-sp1", "2003-sp2"}}
			default:
				return candidates{product: "windows-server", cycles: []string{y}}
			}
		}
		return candidates{product: "windows-server", family: "Windows Server"}
	}
	for _, p := range Supplement() {
		if p.Name != "windows-embedded-legacy" {
			continue
		}
		for _, r := range p.Releases {
			for _, m := range r.Match {
				if has(m) {
					return candidates{product: p.Name, cycles: []string{r.Cycle}}
				}
			}
		}
	}
	switch {
	case has("posready 7"):
		return candidates{product: "windows-embedded", cycles: []string{"posready-7"}}
	case has("embedded standard 7", "windows 7 embedded", "wes7", "wes 7", "windows embedded 7"):
		return candidates{product: "windows-embedded", cycles: []string{"standard-7-sp1"}}
	case has("8.1 industry"):
		return candidates{product: "windows-embedded", cycles: []string{"8.1-industry"}}
	case has("embedded 8.1 pro", "8.1 pro embedded"):
		return candidates{product: "windows-embedded", cycles: []string{"8.1-pro"}}
	case has("compact 2013"):
		return candidates{product: "windows-embedded", cycles: []string{"compact-2013"}}
	case has("compact 7"):
		return candidates{product: "windows-embedded", cycles: []string{"compact-7"}}
	}
	for _, p := range Supplement() {
		if p.Name != "windows-legacy" {
			continue
		}
		for _, r := range p.Releases {
			for _, m := range r.Match {
				if has(m) {
					return candidates{product: p.Name, cycles: []string{r.Cycle}}
				}
			}
		}
	}
	if has("windows") {
		switch {
		case has("windows xp"):
			return candidates{product: "windows", cycles: []string{"5-sp3"}}
		case has("vista"):
			return candidates{product: "windows", cycles: []string{"6-sp2"}}
		case has("windows 7"):
			return candidates{product: "windows", cycles: []string{"7-sp1"}}
		case has("windows 8.1"):
			return candidates{product: "windows", cycles: []string{"8.1"}}
		case has("windows 8"):
			return candidates{product: "windows", cycles: []string{"8"}}
		case has("windows 10", "windows 11"):
			major := "10"
			if has("windows 11") {
				major = "11"
			}
			c := candidates{product: "windows", family: "Windows " + major}
			if m := reBuild.FindStringSubmatch(t); m != nil {
				c.version = "build:" + m[1]
			} else if m := reWinVersion.FindStringSubmatch(t); m != nil {
				c.version = "release:" + major + "-" + m[1]
			} else {
				c.version = "major:" + major
			}
			switch {
			case has("ltsc", "ltsb", "long-term"):
				c.cycles = []string{"lts"}
			case has("enterprise", "education"):
				c.cycles = []string{"e"}
			default:
				c.cycles = []string{"w"}
			}
			if has("iot") {
				c.cycles = append(c.cycles, "iot")
			}
			return c
		}
	}
	for _, x := range []struct {
		re      *regexp.Regexp
		product string
	}{{reMac, "macos"}, {reIOS, "ios"}, {reAndroid, "android"}, {reUbuntu, "ubuntu"}, {reDebian, "debian"}, {reRHEL, "rhel"}, {reCentOS, "centos"}} {
		if x.product == "ios" && has("cisco") {
			continue
		}
		if m := x.re.FindStringSubmatch(t); m != nil {
			return candidates{product: x.product, version: m[1]}
		}
	}
	return candidates{}
}

// cycleForVersion picks the release whose cycle is the longest dotted
// prefix of v: 10.13.6 → 10.13, 12.6 → 12.
func cycleForVersion(p *EOLProduct, v string) *EOLRelease {
	var best *EOLRelease
	for i := range p.Releases {
		c := p.Releases[i].Cycle
		if v == c || strings.HasPrefix(v, c+".") {
			if best == nil || len(c) > len(best.Cycle) {
				best = &p.Releases[i]
			}
		}
	}
	return best
}

// windowsRelease picks the Windows 10/11 release a build, release name or
// bare major version points to, preferring the edition the text names.
func windowsRelease(p *EOLProduct, c candidates, now time.Time) *Lifecycle {
	kind, val, _ := strings.Cut(c.version, ":")
	var pool []*EOLRelease
	for i := range p.Releases {
		r := &p.Releases[i]
		switch kind {
		case "build":
			if strings.HasSuffix(r.Latest, "."+val) {
				pool = append(pool, r)
			}
		case "release":
			if r.Cycle == val || strings.HasPrefix(r.Cycle, val+"-") {
				pool = append(pool, r)
			}
		case "major":
			if strings.HasPrefix(r.Cycle, val+"-") && !strings.Contains(r.Cycle, "lts") && !strings.Contains(r.Cycle, "iot") {
				pool = append(pool, r)
			}
		}
	}
	if len(pool) == 0 {
		return nil
	}
	if kind != "major" {
		want := c.cycles
		pick := func(ok func(string) bool) *EOLRelease {
			for _, r := range pool {
				if ok(r.Cycle) {
					return r
				}
			}
			return nil
		}
		var r *EOLRelease
		switch {
		case slices.Contains(want, "lts") && slices.Contains(want, "iot"):
			r = pick(func(s string) bool { return strings.HasSuffix(s, "-iot-lts") })
		case slices.Contains(want, "lts"):
			r = pick(func(s string) bool { return strings.HasSuffix(s, "-e-lts") })
		case slices.Contains(want, "e"):
			r = pick(func(s string) bool { return strings.HasSuffix(s, "-e") })
		default:
			r = pick(func(s string) bool { return strings.HasSuffix(s, "-w") })
		}
		if r == nil {
			r = pick(func(s string) bool {
				return !strings.Contains(s, "lts") && !strings.HasSuffix(s, "-e") && !strings.Contains(s, "iot")
			})
		}
		if r == nil {
			r = pool[0]
		}
		return lifecycleOf(p, r, now)
	}
	// Only "Windows 10" is known: say it is unsupported only if every
	// ordinary release of it is.
	latest := pool[0]
	for _, r := range pool {
		if !r.EndedBy(now) {
			return nil
		}
		if r.EOLDate > latest.EOLDate {
			latest = r
		}
	}
	lc := lifecycleOf(p, latest, now)
	lc.Cycle, lc.Label = c.version[len("major:"):], c.family+" (release not identified)"
	lc.Note = "every ordinary " + c.family + " release stopped receiving security updates by " + latest.EOLDate + "; only the long-term (LTSC) editions are still supported"
	lc.ExtendedUntil = latest.EOES
	return lc
}

// RecognizeOS finds the lifecycle of an operating system from its name
// and CPE names. It returns nil when the system is not recognised or its
// release cannot be told.
func (d *EOLData) RecognizeOS(name string, cpes []string, now time.Time) *Lifecycle {
	alts := alternatives(name)
	if len(alts) > 1 {
		// "Windows 7 SP1 or Windows Server 2008 R2": certain only when every
		// alternative is known and has ended; report the one supported longest.
		var best *Lifecycle
		for _, t := range alts {
			lc := d.recognizeOne(t, now)
			if lc == nil || !lc.Ended {
				return nil
			}
			if best == nil || lc.EOL > best.EOL {
				best = lc
			}
		}
		b := *best
		b.Note = strings.TrimSpace(b.Note + " The scan could not tell between several systems; all of them are past end of support.")
		return &b
	}
	texts := alts
	for _, c := range cpes {
		if t := cpeText(c); t != "" {
			texts = append(texts, t)
		}
	}
	for _, t := range texts {
		if lc := d.recognizeOne(t, now); lc != nil {
			return lc
		}
	}
	return d.genericCPE(cpes, now)
}

// alternatives splits nmap's "Microsoft Windows 7 SP1 or Windows Server
// 2008 R2" into the systems it names.
func alternatives(name string) []string {
	if strings.TrimSpace(name) == "" {
		return nil
	}
	l := strings.ReplaceAll(name, ", or ", " or ")
	parts := strings.Split(l, " or ")
	var out []string
	family := ""
	for _, p := range parts {
		for _, q := range strings.Split(p, ", ") {
			q = strings.TrimSpace(q)
			if q == "" {
				continue
			}
			lq := strings.ToLower(q)
			if strings.Contains(lq, "windows") {
				family = "Windows"
			} else if family != "" && !strings.Contains(lq, "linux") && !strings.Contains(lq, "mac") {
				q = family + " " + q
			}
			out = append(out, q)
		}
	}
	return out
}

// cpeText turns cpe:/o:microsoft:windows_7::sp1 into "microsoft windows 7 sp1".
func cpeText(c string) string {
	a, err := wfn.Parse(c)
	if err != nil || a.Part != "o" {
		return ""
	}
	s := wfn.StripSlashes(a.Vendor + " " + a.Product)
	for _, x := range []string{a.Version, a.Update, a.Edition} {
		if x != "" && x != wfn.NA && x != wfn.Any {
			s += " " + wfn.StripSlashes(x)
		}
	}
	return strings.ReplaceAll(s, "_", " ")
}

func (d *EOLData) recognizeOne(text string, now time.Time) *Lifecycle {
	c := osCandidates(text)
	if c.product == "" || d == nil {
		return nil
	}
	p := d.Products[c.product]
	if p == nil {
		for _, s := range Supplement() {
			if s.Name == c.product {
				p = s
			}
		}
	}
	if p == nil {
		return nil
	}
	if c.product == "windows" && c.version != "" {
		return windowsRelease(p, c, now)
	}
	if c.version != "" {
		if r := cycleForVersion(p, c.version); r != nil {
			return lifecycleOf(p, r, now)
		}
		return nil
	}
	// Several possible cycles (Windows Server 2003 without a service pack):
	// the one supported longest decides.
	var best *EOLRelease
	for _, cy := range c.cycles {
		if _, r := d.releaseOrSupplement(p, cy); r != nil && (best == nil || r.EOLDate > best.EOLDate) {
			best = r
		}
	}
	if best == nil {
		return nil
	}
	return lifecycleOf(p, best, now)
}

func (d *EOLData) releaseOrSupplement(p *EOLProduct, cycle string) (*EOLProduct, *EOLRelease) {
	for i := range p.Releases {
		if p.Releases[i].Cycle == cycle {
			return p, &p.Releases[i]
		}
	}
	return p, nil
}

// genericCPE places a CPE name among the cycles of a product whose
// endoflife.date identifiers name the same vendor and product.
func (d *EOLData) genericCPE(cpes []string, now time.Time) *Lifecycle {
	if d == nil {
		return nil
	}
	for _, c := range cpes {
		a, err := wfn.Parse(c)
		if err != nil || a.Version == wfn.Any || a.Version == wfn.NA {
			continue
		}
		for _, name := range d.Names() {
			p := d.Products[name]
			for _, id := range p.CPEs {
				b, err := wfn.Parse(id)
				if err != nil || b.Vendor != a.Vendor || b.Product != a.Product || b.Part != a.Part {
					continue
				}
				if r := cycleForVersion(p, wfn.StripSlashes(a.Version)); r != nil {
					return lifecycleOf(p, r, now)
				}
			}
		}
	}
	return nil
}

// releaseCPEs names a release in CPE form, so that vulnerability data
// written for the underlying system applies.
func releaseCPEs(p *EOLProduct, r *EOLRelease) []string {
	if len(r.CPEs) > 0 {
		return r.CPEs
	}
	fs := func(product, version, update string) string {
		return "cpe:2.3:o:microsoft:" + product + ":" + version + ":" + update + ":*:*:*:*:*:*"
	}
	switch p.Name {
	case "windows":
		switch {
		case r.Cycle == "5-sp3":
			return []string{fs("windows_xp", "-", "sp3")}
		case r.Cycle == "6-sp2":
			return []string{fs("windows_vista", "-", "sp2")}
		case r.Cycle == "7-sp1":
			return []string{fs("windows_7", "-", "sp1")}
		case r.Cycle == "8.1" || r.Cycle == "8":
			return []string{fs("windows_"+r.Cycle, "-", "*")}
		case strings.HasPrefix(r.Cycle, "10-") || strings.HasPrefix(r.Cycle, "11-"):
			major, rest, _ := strings.Cut(r.Cycle, "-")
			ver, _, _ := strings.Cut(rest, "-")
			return []string{fs("windows_"+major, ver, "*"), fs("windows_"+major+"_"+ver, "-", "*")}
		}
	case "windows-server":
		switch r.Cycle {
		case "2008-r2-sp1":
			return []string{fs("windows_server_2008", "r2", "sp1")}
		case "2008-sp2":
			return []string{fs("windows_server_2008", "-", "sp2")}
		case "2012-r2":
			return []string{fs("windows_server_2012", "r2", "*")}
		case "2003", "2003-sp1", "2003-sp2":
			return []string{fs("windows_server_2003", "*", "*")}
		case "2000":
			return []string{fs("windows_2000", "*", "*")}
		}
		if len(r.Cycle) == 4 {
			return []string{fs("windows_server_"+r.Cycle, "-", "*")}
		}
	case "windows-embedded":
		switch r.Cycle {
		case "standard-7-sp1":
			return []string{fs("windows_embedded_standard_7", "-", "sp1"), fs("windows_7", "-", "sp1")}
		case "posready-7":
			return []string{fs("windows_embedded_posready_7", "-", "*"), fs("windows_7", "-", "sp1")}
		case "8.1-industry", "8.1-pro":
			return []string{fs("windows_embedded_8.1", "-", "*"), fs("windows_8.1", "-", "*")}
		}
	}
	for _, id := range p.CPEs {
		if strings.HasPrefix(id, "cpe:2.3:") {
			if a, err := wfn.Parse(id); err == nil {
				a.Version = r.Cycle
				return []string{a.BindToFmtString()}
			}
		}
	}
	return nil
}
