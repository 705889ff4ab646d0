package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/inventory"
	"github.com/safeguard-hipaa/safeguard/internal/netseg"
	"github.com/safeguard-hipaa/safeguard/internal/scheduler"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/vulnfeed"
)

// The kinds of asset file ImportAssets reads.
const (
	AssetFileNmap = "nmap"
	AssetFileCSV  = "csv"
	AssetFileSBOM = "sbom"
)

// AssetFile is one file to import into the inventory.
type AssetFile struct {
	// Kind is nmap, csv or sbom; empty to tell from the name and content.
	Kind string
	// Name names the file in messages and history.
	Name string
	Data []byte
	// SourceZone names the zone an nmap scan ran from; the scan then
	// counts as evidence of what that zone can reach.
	SourceZone string
	// Mapping maps a CSV's own headers to Safeguard's columns.
	Mapping *inventory.Mapping
	// Into attaches an SBOM to this asset (ID, name or address).
	Into string
}

// DetectAssetFile tells an asset file's kind from its name and first bytes.
func DetectAssetFile(name string, data []byte) string {
	head := bytes.TrimSpace(data)
	if len(head) > 4096 {
		head = head[:4096]
	}
	switch {
	case bytes.Contains(head, []byte("<nmaprun")) || strings.HasSuffix(strings.ToLower(name), ".xml"):
		return AssetFileNmap
	case bytes.HasPrefix(head, []byte("{")) && bytes.Contains(head, []byte(`"bomFormat"`)), strings.HasSuffix(strings.ToLower(name), ".json"):
		return AssetFileSBOM
	}
	return AssetFileCSV
}

// ImportResult says what an import did.
type ImportResult struct {
	ImportID string            `json:"import_id"`
	Kind     string            `json:"kind"`
	File     string            `json:"file"`
	Read     int               `json:"read"`
	Created  int               `json:"created"`
	Updated  int               `json:"updated"`
	Drift    []inventory.Drift `json:"drift"`
	Analysis *Analysis         `json:"analysis"`
}

// Analysis is the outcome of re-running the inventory, feed and
// segmentation analyzers over the practice's records.
type Analysis struct {
	// Findings counts open findings by source.
	Findings map[string]int `json:"findings"`
	// New lists findings first seen in this run.
	New      []*hipaa.Finding `json:"new"`
	Resolved int              `json:"resolved"`
	// Worst is the most serious open finding's severity, if any.
	Worst    hipaa.Severity   `json:"worst,omitempty"`
	Report   *netseg.Report   `json:"report,omitempty"`
	Warnings []string         `json:"warnings"`
	Open     []*hipaa.Finding `json:"-"`
	// Reassessed names the draft assessment re-evaluated, if any.
	Reassessed string `json:"reassessed,omitempty"`
}

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// ImportAssets reads an nmap scan, a CSV asset list or a CycloneDX SBOM,
// merges it into the inventory without duplicates, records what changed,
// re-runs the analyzers and re-evaluates the draft assessment — all in one
// transaction. A file with any problem is refused whole.
func (s *Service) ImportAssets(ctx context.Context, f AssetFile) (*ImportResult, error) {
	if f.Kind == "" {
		f.Kind = DetectAssetFile(f.Name, f.Data)
	}
	res := &ImportResult{Kind: f.Kind, File: f.Name, Drift: []inventory.Drift{}}
	var incoming []*inventory.Asset
	var scan *inventory.Scan
	authoritative := false
	switch f.Kind {
	case AssetFileNmap:
		sc, err := inventory.ParseNmap(bytes.NewReader(f.Data), f.Name)
		if err != nil {
			return nil, err
		}
		sc.SourceZone = f.SourceZone
		scan, incoming = sc, sc.Hosts
	case AssetFileCSV:
		if f.SourceZone != "" {
			return nil, hipaa.Errorf(hipaa.EInvalid, "--source-zone applies to nmap scans only; %s is a CSV list", f.Name)
		}
		list, err := inventory.ParseCSV(bytes.NewReader(f.Data), f.Name, f.Mapping)
		if err != nil {
			return nil, err
		}
		incoming, authoritative = list, true
	case AssetFileSBOM:
		a, err := inventory.ParseCycloneDX(bytes.NewReader(f.Data), f.Name)
		if err != nil {
			return nil, err
		}
		incoming, authoritative = []*inventory.Asset{a}, true
	default:
		return nil, hipaa.Errorf(hipaa.EInvalid, "unknown file type %q: use nmap, csv or sbom", f.Kind)
	}
	res.Read = len(incoming)
	err := s.Scope.InTx(ctx, func(tx *store.Scope) error {
		svc := &Service{Cat: s.Cat, Scope: tx, Actor: s.Actor}
		if f.SourceZone != "" {
			z, err := svc.zones(ctx)
			if err != nil {
				return err
			}
			if z == nil {
				return hipaa.Errorf(hipaa.EInvalid, "--source-zone %s: no zones are defined yet: import a zones file first with `safeguard network zones import`", f.SourceZone)
			}
			if z.Zone(f.SourceZone) == nil {
				return hipaa.Errorf(hipaa.EInvalid, "--source-zone %s is not a zone in %s: use one of %s", f.SourceZone, z.File, zoneNames(z))
			}
		}
		existing, err := tx.Assets(ctx)
		if err != nil {
			return err
		}
		into := ""
		if f.Into != "" {
			a, err := tx.Asset(ctx, f.Into)
			if err != nil {
				return err
			}
			into = a.ID
		}
		now := tx.DB().Now()
		merged, err := inventory.Merge(existing, incoming, inventory.MergeOptions{Source: f.Kind + ":" + filepath.Base(f.Name), Now: now,
			NewID: func() string { return hipaa.NewID("ast") }, Authoritative: authoritative, Into: into})
		if err != nil {
			return hipaa.WrapError(hipaa.EInternal, err, "merging the import")
		}
		res.Created, res.Updated, res.Drift = merged.Created, merged.Updated, merged.Drift
		if err := tx.PutAssets(ctx, merged.Touched); err != nil {
			return err
		}
		im := &store.AssetImport{Kind: f.Kind, File: filepath.Base(f.Name), SHA256: digest(f.Data), SourceZone: f.SourceZone, ImportedBy: s.Actor,
			Summary: map[string]any{"read": res.Read, "created": res.Created, "updated": res.Updated, "changes": len(res.Drift)}}
		if scan != nil {
			im.Scan = scan
			if !scan.Start.IsZero() {
				t := scan.Start
				im.ScannedAt = &t
			}
			im.Summary["hosts_up"] = scan.HostsUp
			im.Summary["args"] = scan.Args
		}
		if err := tx.AddAssetImport(ctx, im); err != nil {
			return err
		}
		res.ImportID = im.ID
		var changes []store.NetworkChange
		for _, d := range merged.Drift {
			changes = append(changes, store.NetworkChange{At: d.At, SubjectKind: "asset", SubjectID: d.AssetID, Subject: d.Asset, Kind: d.Change, Detail: d.Detail, Source: d.Source})
		}
		if err := tx.AddNetworkChanges(ctx, changes); err != nil {
			return err
		}
		res.Analysis, err = svc.analyzeAssets(ctx, false, merged.Assets)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func zoneNames(z *netseg.Zones) string {
	var names []string
	for _, x := range z.Zones {
		names = append(names, x.Name)
	}
	return strings.Join(names, ", ")
}

// Classification is a person's correction of what an asset is.
type Classification struct {
	Kind          *inventory.Kind
	Name          *string
	Owner         *string
	Location      *string
	Criticality   *string
	Zone          *string
	StoresEPHI    *bool
	TransmitsEPHI *bool
	// Confirm marks the asset as part of the practice's own inventory.
	Confirm bool
}

// ClassifyAsset applies a person's correction to an asset; later imports
// and detection never undo it. The analyzers re-run in the same transaction.
func (s *Service) ClassifyAsset(ctx context.Context, ref string, c Classification) (*inventory.Asset, *Analysis, error) {
	if c.Criticality != nil {
		v := strings.ToLower(*c.Criticality)
		switch v {
		case "low", "moderate", "high", "critical":
			c.Criticality = &v
		default:
			return nil, nil, hipaa.Errorf(hipaa.EInvalid, "criticality %q: use low, moderate, high or critical", *c.Criticality)
		}
	}
	var out *inventory.Asset
	var an *Analysis
	err := s.Scope.InTx(ctx, func(tx *store.Scope) error {
		svc := &Service{Cat: s.Cat, Scope: tx, Actor: s.Actor}
		a, err := tx.Asset(ctx, ref)
		if err != nil {
			return err
		}
		var changes []store.NetworkChange
		note := func(kind, detail string) {
			changes = append(changes, store.NetworkChange{SubjectKind: "asset", SubjectID: a.ID, Subject: a.Label(), Kind: kind, Detail: detail, Source: "user:" + s.Actor})
		}
		if c.Kind != nil {
			note("classified", fmt.Sprintf("kind set to %s (was %s)", *c.Kind, a.Kind))
			a.Kind, a.KindSource, a.KindReason = *c.Kind, inventory.KindByUser, "set by "+s.Actor
		}
		if c.Zone != nil {
			z, err := svc.zones(ctx)
			if err != nil {
				return err
			}
			if *c.Zone != "" && (z == nil || z.Zone(*c.Zone) == nil) {
				return hipaa.Errorf(hipaa.EInvalid, "zone %q is not defined: import a zones file that has it, or use one of the defined zones", *c.Zone)
			}
			note("zone_set", fmt.Sprintf("zone set to %q (was %q)", *c.Zone, a.Zone))
			a.Zone, a.ZoneSource = *c.Zone, inventory.KindByUser
			if *c.Zone == "" {
				a.ZoneSource = ""
			}
		}
		for _, f := range []struct {
			v   *string
			dst *string
		}{{c.Name, &a.Name}, {c.Owner, &a.Owner}, {c.Location, &a.Location}, {c.Criticality, &a.Criticality}} {
			if f.v != nil {
				*f.dst = strings.TrimSpace(*f.v)
			}
		}
		if c.StoresEPHI != nil {
			a.StoresEPHI = *c.StoresEPHI
		}
		if c.TransmitsEPHI != nil {
			a.TransmitsEPHI = *c.TransmitsEPHI
		}
		if c.Confirm || c.Kind != nil {
			a.Confirmed = true
		}
		if err := tx.PutAssets(ctx, []*inventory.Asset{a}); err != nil {
			return err
		}
		if err := tx.AddNetworkChanges(ctx, changes); err != nil {
			return err
		}
		out = a
		an, err = svc.analyze(ctx, false)
		return err
	})
	return out, an, err
}

// ImportZones checks and saves a zones file, records it in the network
// history, and re-runs the analyzers.
func (s *Service) ImportZones(ctx context.Context, name string, data []byte) (*netseg.Zones, *Analysis, error) {
	z, err := netseg.ParseZones(bytes.NewReader(data), name)
	if err != nil {
		return nil, nil, err
	}
	var an *Analysis
	err = s.Scope.InTx(ctx, func(tx *store.Scope) error {
		svc := &Service{Cat: s.Cat, Scope: tx, Actor: s.Actor}
		prev, err := tx.NetworkConfigs(ctx, "zones", 1)
		if err != nil {
			return err
		}
		if err := tx.PutNetworkConfig(ctx, &store.NetworkConfig{Kind: "zones", File: filepath.Base(name), Format: "yaml", SHA256: digest(data), Content: string(data), ImportedBy: s.Actor}); err != nil {
			return err
		}
		detail := fmt.Sprintf("%d zone(s), %d documented flow(s) from %s", len(z.Zones), len(z.Flows), filepath.Base(name))
		kind := "zones_imported"
		if len(prev) > 0 {
			if prev[0].SHA256 == digest(data) {
				kind, detail = "zones_reimported", "unchanged: "+detail
			} else {
				kind = "zones_changed"
			}
		}
		if err := tx.AddNetworkChanges(ctx, []store.NetworkChange{{SubjectKind: "zones", SubjectID: "zones", Subject: "network zones", Kind: kind, Detail: detail, Source: "user:" + s.Actor}}); err != nil {
			return err
		}
		an, err = svc.analyze(ctx, false)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return z, an, nil
}

// ImportPolicy checks and saves a firewall policy (iptables-save output,
// pfSense/OPNsense config.xml or a YAML rule list), records which rules
// were added or removed since the previous one, and re-runs the analyzers.
func (s *Service) ImportPolicy(ctx context.Context, name string, data []byte) (*netseg.Policy, *Analysis, error) {
	p, err := netseg.ParsePolicy(data, name)
	if err != nil {
		return nil, nil, err
	}
	var an *Analysis
	err = s.Scope.InTx(ctx, func(tx *store.Scope) error {
		svc := &Service{Cat: s.Cat, Scope: tx, Actor: s.Actor}
		prevCfg, err := tx.NetworkConfigs(ctx, "policy", 1)
		if err != nil {
			return err
		}
		if err := tx.PutNetworkConfig(ctx, &store.NetworkConfig{Kind: "policy", File: filepath.Base(name), Format: p.Format, SHA256: digest(data), Content: string(data), ImportedBy: s.Actor}); err != nil {
			return err
		}
		src := "policy:" + filepath.Base(name)
		var changes []store.NetworkChange
		if len(prevCfg) == 0 {
			changes = append(changes, store.NetworkChange{SubjectKind: "policy", SubjectID: "policy", Subject: "firewall policy", Kind: "policy_imported",
				Detail: fmt.Sprintf("%s policy with %d rule(s) and %d port forward(s)", p.Format, len(p.Rules()), len(p.NAT)), Source: src})
		} else if prev, err := netseg.ParsePolicy([]byte(prevCfg[0].Content), prevCfg[0].File); err == nil {
			added, removed := netseg.Changes(prev, p)
			for _, r := range added {
				changes = append(changes, store.NetworkChange{SubjectKind: "policy", SubjectID: "policy", Subject: "firewall policy", Kind: "rule_added", Detail: r, Source: src})
			}
			for _, r := range removed {
				changes = append(changes, store.NetworkChange{SubjectKind: "policy", SubjectID: "policy", Subject: "firewall policy", Kind: "rule_removed", Detail: r, Source: src})
			}
		}
		if err := tx.AddNetworkChanges(ctx, changes); err != nil {
			return err
		}
		an, err = svc.analyze(ctx, false)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return p, an, nil
}

// CheckNetwork re-runs the analyzers and records the run as a network
// check: the next check reports what changed since this one.
func (s *Service) CheckNetwork(ctx context.Context) (*Analysis, error) {
	var an *Analysis
	err := s.Scope.InTx(ctx, func(tx *store.Scope) error {
		z, err := (&Service{Cat: s.Cat, Scope: tx, Actor: s.Actor}).zones(ctx)
		if err != nil {
			return err
		}
		if z == nil {
			return hipaa.Errorf(hipaa.EInvalid, "no network zones are defined: import a zones file first with `safeguard network zones import FILE`")
		}
		an, err = (&Service{Cat: s.Cat, Scope: tx, Actor: s.Actor}).analyze(ctx, true)
		return err
	})
	return an, err
}

// UpdateFeeds stores freshly loaded feeds (shared by every practice in the
// database) and re-runs the analyzers for this practice.
func (s *Service) UpdateFeeds(ctx context.Context, b *vulnfeed.Bundle) (*Analysis, error) {
	if err := s.Scope.DB().PutFeeds(ctx, b.Feeds); err != nil {
		return nil, err
	}
	return s.Analyze(ctx)
}

// Analyze re-runs the inventory, feed and segmentation analyzers.
func (s *Service) Analyze(ctx context.Context) (*Analysis, error) {
	var an *Analysis
	err := s.Scope.InTx(ctx, func(tx *store.Scope) error {
		var err error
		an, err = (&Service{Cat: s.Cat, Scope: tx, Actor: s.Actor}).analyze(ctx, false)
		return err
	})
	return an, err
}

// zones returns the current zones, or nil when none were imported.
func (s *Service) zones(ctx context.Context) (*netseg.Zones, error) {
	cfg, err := s.Scope.NetworkConfigs(ctx, "zones", 1)
	if err != nil || len(cfg) == 0 {
		return nil, err
	}
	z, err := netseg.ParseZones(strings.NewReader(cfg[0].Content), cfg[0].File)
	if err != nil {
		return nil, hipaa.WrapError(hipaa.EInvalid, err, "the stored zones file %s no longer reads: import it again", cfg[0].File)
	}
	return z, nil
}

// NetworkState is everything the network commands show.
type NetworkState struct {
	Zones        *netseg.Zones
	ZonesConfig  *store.NetworkConfig
	Policy       *netseg.Policy
	PolicyConfig *store.NetworkConfig
	Assets       []*inventory.Asset
	Scans        []netseg.ScanEvidence
	Unsupported  map[string]string
	Feeds        *vulnfeed.Data
	FeedList     []*vulnfeed.Feed
	FeedResults  map[string]*vulnfeed.Result
	vulnFindings []*hipaa.Finding
	// placedBefore is each asset's zone as stored, before placement by address.
	placedBefore map[string]string
}

// Network loads the zones, policy, inventory, scans and feed verdicts.
func (s *Service) Network(ctx context.Context) (*NetworkState, error) {
	return s.network(ctx, nil)
}

// network is Network with the inventory given, when the caller holds it
// already (an import that just saved it).
func (s *Service) network(ctx context.Context, assets []*inventory.Asset) (*NetworkState, error) {
	st := &NetworkState{Unsupported: map[string]string{}, Assets: assets}
	zc, err := s.Scope.NetworkConfigs(ctx, "zones", 1)
	if err != nil {
		return nil, err
	}
	if len(zc) > 0 {
		st.ZonesConfig = zc[0]
		if st.Zones, err = netseg.ParseZones(strings.NewReader(zc[0].Content), zc[0].File); err != nil {
			return nil, hipaa.WrapError(hipaa.EInvalid, err, "the stored zones file %s no longer reads: import it again", zc[0].File)
		}
	}
	pc, err := s.Scope.NetworkConfigs(ctx, "policy", 1)
	if err != nil {
		return nil, err
	}
	if len(pc) > 0 {
		st.PolicyConfig = pc[0]
		if st.Policy, err = netseg.ParsePolicy([]byte(pc[0].Content), pc[0].File); err != nil {
			return nil, hipaa.WrapError(hipaa.EInvalid, err, "the stored firewall policy %s no longer reads: import it again", pc[0].File)
		}
	}
	if st.Assets == nil {
		if st.Assets, err = s.Scope.Assets(ctx); err != nil {
			return nil, err
		}
	}
	imports, err := s.Scope.AssetImports(ctx, AssetFileNmap, true)
	if err != nil {
		return nil, err
	}
	seenZone := map[string]bool{}
	for _, im := range imports { // newest first: the latest scan from each zone counts
		if im.SourceZone == "" || im.Scan == nil || seenZone[im.SourceZone] {
			continue
		}
		seenZone[im.SourceZone] = true
		start := im.ImportedAt
		if im.ScannedAt != nil {
			start = *im.ScannedAt
		}
		st.Scans = append(st.Scans, netseg.ScanEvidence{File: im.File, SourceZone: im.SourceZone, Start: start, Scanned: im.Scan.Scanned, Results: im.Scan.Results})
	}
	if st.FeedList, err = s.Scope.DB().Feeds(ctx, true); err != nil {
		return nil, err
	}
	if st.Feeds, err = vulnfeed.Decode(st.FeedList); err != nil {
		return nil, hipaa.WrapError(hipaa.EUnavailable, err, "the stored feeds are damaged: run `safeguard feeds update` again")
	}
	st.placedBefore = make(map[string]string, len(st.Assets))
	for _, a := range st.Assets {
		st.placedBefore[a.ID] = a.Zone + "|" + a.ZoneSource
	}
	if st.Zones != nil {
		netseg.AssignZones(st.Zones, st.Assets)
	}
	m := vulnfeed.NewMatcher(st.Feeds, s.Scope.DB().Now())
	st.vulnFindings, st.FeedResults = m.Findings(st.Assets)
	for id, r := range st.FeedResults {
		if !r.Unsupported() {
			continue
		}
		why := "past end of support"
		if r.OS != nil && r.OS.Ended {
			why = r.OS.Label
			if r.OS.EOL != "" {
				why += " ended " + r.OS.EOL
			}
		}
		st.Unsupported[id] = why
	}
	for _, a := range st.Assets {
		if _, ok := st.Unsupported[a.ID]; !ok && (a.SupportStatus == "unsupported" || (a.EndOfSupport != "" && a.EndOfSupport <= s.Scope.DB().Now().Format("2006-01-02"))) {
			st.Unsupported[a.ID] = "maker support ended"
		}
	}
	return st, nil
}

// analyze runs the analyzers inside the caller's transaction, saves their
// findings (resolving those no longer seen), stores derived zone
// placements, records a network check if asked, and re-evaluates the draft
// assessment.
func (s *Service) analyze(ctx context.Context, recordCheck bool) (*Analysis, error) {
	return s.analyzeAssets(ctx, recordCheck, nil)
}

// analyzeAssets is analyze over an inventory the caller holds (nil to load it).
func (s *Service) analyzeAssets(ctx context.Context, recordCheck bool, assets []*inventory.Asset) (*Analysis, error) {
	st, err := s.network(ctx, assets)
	if err != nil {
		return nil, err
	}
	now := s.Scope.DB().Now()
	an := &Analysis{Findings: map[string]int{}, New: []*hipaa.Finding{}, Warnings: []string{}}
	for _, f := range st.FeedList {
		if w := f.Warning(now); w != "" {
			an.Warnings = append(an.Warnings, w)
		}
	}
	if len(st.FeedList) == 0 && len(st.Assets) > 0 {
		an.Warnings = append(an.Warnings, "No vulnerability or end-of-life data is loaded, so outdated and exploitable systems are not reported: run `safeguard feeds update`")
	}
	bySource := map[string][]*hipaa.Finding{
		inventory.Source: inventory.Findings(st.Assets, inventory.FindingOptions{ZonesDefined: st.Zones != nil}),
		vulnfeed.Source:  st.vulnFindings,
	}
	if st.Zones != nil {
		last, err := s.Scope.LastNetworkCheck(ctx)
		if err != nil {
			return nil, err
		}
		in := netseg.CheckInput{Zones: st.Zones, Policy: st.Policy, Assets: st.Assets, Unsupported: st.Unsupported, Scans: st.Scans, FirstCheck: last == nil, Now: now}
		if st.PolicyConfig != nil {
			in.PolicyImported = st.PolicyConfig.ImportedAt
		}
		if last != nil {
			changes, err := s.Scope.NetworkChanges(ctx, store.ChangeFilter{After: last.CheckedAt})
			if err != nil {
				return nil, err
			}
			for _, c := range changes {
				if c.SubjectKind == "asset" || c.SubjectKind == "policy" || c.SubjectKind == "zones" {
					in.Changes = append(in.Changes, netseg.Change{At: c.At, SubjectID: c.SubjectID, Subject: c.Subject, Kind: c.Kind, Detail: c.Detail})
				}
			}
		}
		rep, fs := netseg.Check(in)
		an.Report = rep
		an.Warnings = append(an.Warnings, rep.Warnings...)
		bySource[netseg.Source] = fs
	}
	known := map[string]*hipaa.Finding{}
	prior, err := s.Scope.Findings(ctx, store.FindingFilter{})
	if err != nil {
		return nil, err
	}
	for _, f := range prior {
		known[f.Fingerprint] = f
	}
	sources := []string{inventory.Source, vulnfeed.Source, netseg.Source}
	for _, src := range sources {
		fs, ran := bySource[src]
		if !ran {
			continue
		}
		seen := map[string]bool{}
		var changed []*hipaa.Finding
		var same []string
		for _, f := range fs {
			seen[f.Fingerprint] = true
			if old, ok := known[f.Fingerprint]; ok && unchanged(old, f) {
				f.ID, f.Status, f.FirstSeen, f.LastSeen = old.ID, old.Status, old.FirstSeen, now
				same = append(same, old.ID)
				continue
			}
			changed = append(changed, f)
		}
		if err := s.Scope.PutFindings(ctx, changed); err != nil {
			return nil, err
		}
		if err := s.Scope.TouchFindings(ctx, same, now); err != nil {
			return nil, err
		}
		stale := false
		for fp, old := range known {
			if old.Source == src && !seen[fp] && (old.Status == hipaa.FindingOpen || old.Status == hipaa.FindingConfirmed) {
				stale = true
				break
			}
		}
		if stale {
			n, err := s.Scope.ResolveMissing(ctx, src, seen)
			if err != nil {
				return nil, err
			}
			an.Resolved += n
		}
		for _, f := range fs {
			if old, ok := known[f.Fingerprint]; !ok || old.Status == hipaa.FindingResolved {
				an.New = append(an.New, f)
			}
			if f.Status == hipaa.FindingOpen || f.Status == hipaa.FindingConfirmed {
				an.Findings[src]++
				an.Open = append(an.Open, f)
				if f.Severity.Rank() > an.Worst.Rank() {
					an.Worst = f.Severity
				}
			}
		}
	}
	sortFindings(an.New)
	sortFindings(an.Open)
	// Keep the zone each asset was placed in by address.
	var moved []*inventory.Asset
	for _, a := range st.Assets {
		if st.placedBefore[a.ID] != a.Zone+"|"+a.ZoneSource {
			moved = append(moved, a)
		}
	}
	if err := s.Scope.PutAssets(ctx, moved); err != nil {
		return nil, err
	}
	if recordCheck {
		summary := map[string]any{"findings": an.Findings, "resolved": an.Resolved}
		if an.Report != nil {
			failed := []string{}
			for _, c := range an.Report.Checks {
				if c.Status == "fail" {
					failed = append(failed, c.ID)
				}
			}
			summary["failed"] = failed
		}
		if err := s.Scope.AddNetworkCheck(ctx, &store.NetworkCheck{CheckedBy: s.Actor, Summary: summary}); err != nil {
			return nil, err
		}
		detail := fmt.Sprintf("%d open finding(s), %d resolved", len(an.Open), an.Resolved)
		if err := s.Scope.AddNetworkChanges(ctx, []store.NetworkChange{{SubjectKind: "check", SubjectID: "check", Subject: "network check", Kind: "checked", Detail: detail, Source: "user:" + s.Actor}}); err != nil {
			return nil, err
		}
	}
	cur, err := s.Current(ctx, "")
	if err != nil && !hipaa.IsNotFound(err) {
		return nil, err
	}
	if cur != nil && cur.Status == hipaa.StatusDraft {
		if err := s.reassess(ctx, cur.ID, ""); err != nil {
			return nil, err
		}
		an.Reassessed = cur.ID
	}
	return an, nil
}

// unchanged reports whether a finding says the same as its stored copy,
// which then needs only its last-seen date refreshed. A resolved finding
// seen again must be rewritten, to reopen it.
func unchanged(old, f *hipaa.Finding) bool {
	if old.Status == hipaa.FindingResolved || old.Severity != f.Severity || old.Title != f.Title || old.Subject != f.Subject || old.Rule != f.Rule {
		return false
	}
	a, _ := json.Marshal(old.Citations)
	b, _ := json.Marshal(f.Citations)
	if !bytes.Equal(a, b) {
		return false
	}
	a, _ = json.Marshal(old.Evidence)
	b, _ = json.Marshal(f.Evidence)
	return bytes.Equal(a, b)
}

func sortFindings(fs []*hipaa.Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].Severity.Rank() != fs[j].Severity.Rank() {
			return fs[i].Severity.Rank() > fs[j].Severity.Rank()
		}
		if fs[i].Rule != fs[j].Rule {
			return fs[i].Rule < fs[j].Rule
		}
		return fs[i].Subject < fs[j].Subject
	})
}

// NetworkMap draws the network map as SVG or Graphviz DOT.
func (s *Service) NetworkMap(ctx context.Context, dot bool) ([]byte, error) {
	st, err := s.Network(ctx)
	if err != nil {
		return nil, err
	}
	if st.Zones == nil {
		return nil, hipaa.Errorf(hipaa.EInvalid, "no network zones are defined: import a zones file first with `safeguard network zones import FILE`")
	}
	p, err := s.Scope.Practice(ctx)
	if err != nil {
		return nil, err
	}
	in := netseg.MapInput{Title: "Network map — " + p.Name, Zones: st.Zones, Assets: st.Assets, Unsupported: st.Unsupported,
		Generated: s.Scope.DB().Now()}
	rep, _ := netseg.Check(netseg.CheckInput{Zones: st.Zones, Policy: st.Policy, Assets: st.Assets, Scans: st.Scans, FirstCheck: true, Now: s.Scope.DB().Now()})
	in.Matrix, in.Observed = rep.Matrix, rep.Observed
	var buf bytes.Buffer
	if dot {
		err = netseg.WriteDOT(&buf, in)
	} else {
		err = netseg.WriteSVG(&buf, in)
	}
	return buf.Bytes(), err
}

func init() {
	RegisterWatchImporter("nmap", func(ctx context.Context, s *Service, src store.WatchSource, path string) (string, error) {
		data, err := os.ReadFile(path)
		if err != nil {
			return "", hipaa.WrapError(hipaa.EUnavailable, err, "cannot read %s", path)
		}
		res, err := s.ImportAssets(ctx, AssetFile{Kind: AssetFileNmap, Name: path, Data: data, SourceZone: src.Options["source_zone"]})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%d host(s): %d new, %d updated, %d change(s)", res.Read, res.Created, res.Updated, len(res.Drift)), nil
	}, "source_zone")
	RegisterJobSource(func(db *store.DB, cat *catalog.Catalog) []scheduler.Job {
		// Refresh the feeds daily, once someone has loaded them: a database
		// that never ran `safeguard feeds update` is left offline.
		return []scheduler.Job{{Name: "feeds-update", Every: 24 * time.Hour, Run: func(ctx context.Context) error {
			stored, err := db.Feeds(ctx, false)
			if err != nil || len(stored) == 0 {
				return err
			}
			fresh := true
			for _, f := range stored {
				if db.Now().Sub(f.Fetched) > 20*time.Hour {
					fresh = false
				}
			}
			if fresh {
				return nil
			}
			dl := &vulnfeed.Downloader{Sources: vulnfeed.DefaultSources, UserAgent: "safeguard"}
			b, err := dl.Download(ctx, vulnfeed.LoadOptions{Now: db.Now()})
			if err != nil {
				return err
			}
			if err := db.PutFeeds(ctx, b.Feeds); err != nil {
				return err
			}
			practices, err := db.Practices(ctx)
			if err != nil {
				return err
			}
			for _, p := range practices {
				if _, err := New(cat, db.For(p.ID), "scheduler").Analyze(ctx); err != nil {
					return err
				}
			}
			return nil
		}}}
	})
}
