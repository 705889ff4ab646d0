package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/inventory"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/vulnfeed"
)

func (e *env) assetsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "assets",
		Short: "The technology asset inventory: computers, servers, cloud services, medical devices, printers…",
		Long: `The technology asset inventory (164.308(a)(1)(ii)(A), 164.310(d)(1)).

Build it from nmap scans, your own CSV list and makers' CycloneDX SBOMs. Re-imports merge
by MAC address, serial number, or IP address and host name, and every change is kept in
the history. Medical devices are recognised by maker, DICOM and HL7 ports and banners; correct
anything with "safeguard assets classify".`,
	}
	cmd.AddCommand(e.assetsImportCmd(), e.assetsListCmd(), e.assetsShowCmd(), e.assetsClassifyCmd(), e.assetsHistoryCmd())
	return cmd
}

// parseFailOn reads --fail-on.
func parseFailOn(s string) (hipaa.Severity, error) {
	if s == "" {
		return "", nil
	}
	return hipaa.ParseSeverity(s)
}

// failIfFound returns a foundError when open findings of the inventory,
// feeds or network reach the --fail-on severity.
func failIfFound(an *app.Analysis, fail hipaa.Severity) error {
	if fail == "" || an == nil {
		return nil
	}
	n := 0
	for _, f := range an.Open {
		if f.Severity.Rank() >= fail.Rank() {
			n++
		}
	}
	if n > 0 {
		return &foundError{msg: fmt.Sprintf("safeguard: %d open inventory, feed or network finding(s) at or above %s", n, fail)}
	}
	return nil
}

// printDeviceAnalysis summarises what the analyzers found after a change.
func (e *env) printDeviceAnalysis(an *app.Analysis) {
	if an == nil {
		return
	}
	w := e.stdout
	total := 0
	var parts []string
	for _, src := range []string{inventory.Source, vulnfeed.Source, "netseg"} {
		if n := an.Findings[src]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", src, n))
			total += n
		}
	}
	fmt.Fprintf(w, "Open findings: %d", total)
	if len(parts) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, "; %d new, %d resolved.\n", len(an.New), an.Resolved)
	if len(an.New) > 0 {
		tw := e.table()
		fmt.Fprintln(tw, "  SEVERITY\tRULE\tSUBJECT\tFINDING")
		for i, f := range an.New {
			if i == 15 {
				fmt.Fprintf(tw, "  \t\t\t… and %d more: see `safeguard findings list`\n", len(an.New)-15)
				break
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", f.Severity, f.Rule, truncate(f.Subject, 28), truncate(f.Title, 100))
		}
		tw.Flush()
	}
	for _, warn := range an.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", warn)
	}
	if an.Reassessed != "" {
		fmt.Fprintf(w, "Risk register of draft assessment %s updated.\n", an.Reassessed)
	}
}

func (e *env) assetsImportCmd() *cobra.Command {
	var kind, zone, mappingFile, into, failOn string
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import an nmap scan (XML), a CSV asset list or a CycloneDX SBOM into the inventory",
		Long: `Import an nmap scan (nmap -oX, with or without -O and -sV), a CSV asset list, or a maker's
CycloneDX SBOM (JSON). The file is checked completely first; any problem is reported with
file:line and nothing is imported.

Give --source-zone for a scan taken from inside one of your network zones: it then also counts
as evidence of what that zone can reach, and is compared with the firewall policy.

CSV columns (headers are matched without regard to case, spaces or underscores; other
headers need a mapping file, --mapping, with lines such as "Room": location):
` + inventory.CSVHelp(),
		Example: `  nmap -sS -sV -O -oX office.xml 10.0.10.0/24 10.0.20.0/24
  safeguard assets import office.xml --source-zone mgmt
  safeguard assets import biomed-export.csv --mapping biomed-mapping.yaml
  safeguard assets import infusion-pump-sbom.json --asset "Pump 3"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fail, err := parseFailOn(failOn)
			if err != nil {
				return err
			}
			switch kind {
			case "", app.AssetFileNmap, app.AssetFileCSV, app.AssetFileSBOM:
			default:
				return hipaa.Errorf(hipaa.EInvalid, "--type %q: use nmap, csv or sbom (or leave it out to detect)", kind)
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return hipaa.Errorf(hipaa.EInvalid, "cannot read %s: %s", args[0], firstErr(err))
			}
			f := app.AssetFile{Kind: kind, Name: args[0], Data: data, SourceZone: zone, Into: into}
			if mappingFile != "" {
				mf, err := os.Open(mappingFile)
				if err != nil {
					return hipaa.Errorf(hipaa.EInvalid, "cannot read %s: %s", mappingFile, firstErr(err))
				}
				defer mf.Close()
				if f.Mapping, err = inventory.ParseMapping(mf, mappingFile); err != nil {
					return err
				}
			}
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			res, err := svc.ImportAssets(cmd.Context(), f)
			if err != nil {
				return err
			}
			if e.format == "json" {
				if err := e.json(res); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(e.stdout, "Imported %s (%s): %d asset(s) read, %d new, %d updated, %d change(s) recorded.\n",
					filepath.Base(args[0]), res.Kind, res.Read, res.Created, res.Updated, len(res.Drift))
				shown := 0
				for _, d := range res.Drift {
					if d.Change == inventory.DriftNewAsset && res.Created > 10 {
						continue
					}
					if shown == 20 {
						fmt.Fprintln(e.stdout, "  … see `safeguard assets history` for the rest")
						break
					}
					fmt.Fprintf(e.stdout, "  %s %s: %s\n", d.Change, d.Asset, d.Detail)
					shown++
				}
				e.printDeviceAnalysis(res.Analysis)
			}
			return failIfFound(res.Analysis, fail)
		},
	}
	f := cmd.Flags()
	f.StringVar(&kind, "type", "", "file type: nmap, csv or sbom (default: detected from the name and content)")
	f.StringVar(&zone, "source-zone", "", "the network zone an nmap scan ran from (makes it evidence of what that zone can reach)")
	f.StringVar(&mappingFile, "mapping", "", "YAML file mapping a CSV's own headers to Safeguard's columns")
	f.StringVar(&into, "asset", "", "attach an SBOM to this asset (ID, name or IP address)")
	f.StringVar(&failOn, "fail-on", "", "exit 1 if an open inventory, feed or network finding is at or above this severity")
	return cmd
}

func firstErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

// assetRow is the JSON shape of an asset in lists, with what the feeds say.
type assetRow struct {
	*inventory.Asset
	Support *vulnfeed.Lifecycle `json:"support,omitempty"`
	KEV     []string            `json:"exploited_cves,omitempty"`
}

func (e *env) assetsListCmd() *cobra.Command {
	var kind, zone string
	var medical, unsupported bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the inventory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if kind != "" {
				if _, ok := inventory.ParseKind(kind); !ok {
					return hipaa.Errorf(hipaa.EInvalid, "--kind %q is not a kind of asset", kind)
				}
			}
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			st, err := svc.Network(cmd.Context())
			if err != nil {
				return err
			}
			rows := []assetRow{}
			for _, a := range st.Assets {
				k, _ := inventory.ParseKind(kind)
				if kind != "" && a.Kind != k || zone != "" && !strings.EqualFold(a.Zone, zone) || medical && !a.Medical() {
					continue
				}
				r := assetRow{Asset: a}
				if res := st.FeedResults[a.ID]; res != nil {
					r.Support = res.OS
					for _, k := range res.KEV {
						r.KEV = append(r.KEV, k.Record.CVE)
					}
				}
				if _, bad := st.Unsupported[a.ID]; unsupported && !bad {
					continue
				}
				rows = append(rows, r)
			}
			if e.format == "json" {
				return e.json(rows)
			}
			tw := e.table()
			fmt.Fprintln(tw, "ID\tNAME\tKIND\tZONE\tIP\tMAKER / MODEL\tOS\tSUPPORT\tOPEN PORTS")
			for _, r := range rows {
				a := r.Asset
				support := ""
				if why, ok := st.Unsupported[a.ID]; ok {
					support = "ENDED (" + why + ")"
				} else if r.Support != nil {
					support = "until " + dash(r.Support.EOL)
				}
				if len(r.KEV) > 0 {
					support += fmt.Sprintf(" +%d KEV", len(r.KEV))
				}
				var ports []string
				for _, p := range a.OpenPorts() {
					ports = append(ports, p.Key())
				}
				ip := ""
				if len(a.IPs) > 0 {
					ip = a.IPs[0]
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, truncate(a.Label(), 28), a.Kind, dash(a.Zone), dash(ip),
					truncate(dash(strings.TrimSpace(a.Manufacturer+" "+a.Model)), 26), truncate(dash(a.OS.Text()), 30), truncate(dash(support), 40), truncate(strings.Join(ports, " "), 40))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%d asset(s).\n", len(rows))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&kind, "kind", "", "only this kind: "+kindNames())
	f.StringVar(&zone, "zone", "", "only assets in this network zone")
	f.BoolVar(&medical, "medical", false, "only medical devices")
	f.BoolVar(&unsupported, "unsupported", false, "only assets past their end of support")
	return cmd
}

func kindNames() string {
	var names []string
	for _, k := range inventory.Kinds {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

func (e *env) assetsShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show ASSET",
		Short: "Show an asset: what it is, what it runs, its support status, findings and history",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			a, err := svc.Scope.Asset(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			st, err := svc.Network(cmd.Context())
			if err != nil {
				return err
			}
			for _, x := range st.Assets {
				if x.ID == a.ID {
					a = x
				}
			}
			all, err := svc.Scope.Findings(cmd.Context(), store.FindingFilter{})
			if err != nil {
				return err
			}
			var fs []*hipaa.Finding
			for _, f := range all {
				if f.Status == hipaa.FindingResolved {
					continue
				}
				for _, ev := range f.Evidence {
					if ev["asset_id"] == a.ID {
						fs = append(fs, f)
						break
					}
				}
			}
			hist, err := svc.Scope.NetworkChanges(cmd.Context(), store.ChangeFilter{SubjectID: a.ID, Limit: 50})
			if err != nil {
				return err
			}
			res := st.FeedResults[a.ID]
			if e.format == "json" {
				out := map[string]any{"asset": a, "findings": nonNil(fs), "history": nonNilChanges(hist)}
				if res != nil {
					out["support"] = res.OS
					var kev []map[string]any
					for _, k := range res.KEV {
						kev = append(kev, map[string]any{"cve": k.Record.CVE, "name": k.Record.Name, "service": k.Service, "service_open": k.ServiceOpen})
					}
					out["exploited_cves"] = kev
					var adv []string
					for _, m := range res.Advisories {
						adv = append(adv, m.Advisory.ID)
					}
					out["advisories"] = adv
				}
				return e.json(out)
			}
			w := e.stdout
			fmt.Fprintf(w, "%s  %s\n", a.ID, a.Label())
			fmt.Fprintf(w, "Kind: %s (%s: %s)\n", a.Kind, a.KindSource, dash(a.KindReason))
			row := func(label, v string) {
				if strings.TrimSpace(v) != "" {
					fmt.Fprintf(w, "%s: %s\n", label, v)
				}
			}
			row("Maker / model", strings.TrimSpace(a.Manufacturer+" "+a.Model))
			row("Serial", a.Serial)
			row("Asset tag", a.AssetTag)
			row("Owner", a.Owner)
			row("Location", a.Location)
			row("Zone", a.Zone)
			row("Addresses", strings.Join(append(append(append([]string{}, a.IPs...), a.MACs...), a.Hostnames...), ", "))
			row("MAC maker", a.MACVendor)
			row("Operating system", a.OS.Text())
			row("Firmware", a.Firmware)
			fmt.Fprintf(w, "Stores ePHI: %s · transmits ePHI: %s · criticality: %s · in the practice's list: %s\n", yesNo(a.StoresEPHI), yesNo(a.TransmitsEPHI), dash(a.Criticality), yesNo(a.Confirmed))
			if res != nil && res.OS != nil {
				state := "supported until " + dash(res.OS.EOL)
				if res.OS.Ended {
					state = "security updates ended " + dash(res.OS.EOL)
				}
				fmt.Fprintf(w, "Support: %s — %s (%s)\n", res.OS.Label, state, res.OS.Source)
			}
			if len(a.Ports) > 0 {
				fmt.Fprintln(w, "Open ports:")
				for _, p := range a.OpenPorts() {
					fmt.Fprintf(w, "  %-10s %s %s\n", p.Key(), p.Service, strings.TrimSpace(p.Product+" "+p.Version+" "+strings.Join(p.Notes, "; ")))
				}
			}
			if len(a.Software) > 0 {
				fmt.Fprintln(w, "Software:")
				for _, c := range a.Software {
					fmt.Fprintf(w, "  %s %s %s\n", c.Name, c.Version, c.Type)
				}
			}
			if len(fs) > 0 {
				fmt.Fprintln(w, "Findings:")
				for _, f := range fs {
					fmt.Fprintf(w, "  %s %s %s %s (%s)\n", f.ID, f.Severity, f.Rule, f.Title, strings.Join(f.Citations, ", "))
				}
			}
			if len(hist) > 0 {
				fmt.Fprintln(w, "History:")
				for _, h := range hist {
					fmt.Fprintf(w, "  %s %s: %s (%s)\n", h.At.Format("2006-01-02 15:04"), h.Kind, h.Detail, h.Source)
				}
			}
			return nil
		},
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func nonNil(fs []*hipaa.Finding) []*hipaa.Finding {
	if fs == nil {
		return []*hipaa.Finding{}
	}
	return fs
}

func nonNilChanges(cs []store.NetworkChange) []store.NetworkChange {
	if cs == nil {
		return []store.NetworkChange{}
	}
	return cs
}

func (e *env) assetsClassifyCmd() *cobra.Command {
	var kind, name, owner, location, criticality, zone, stores, transmits, failOn string
	var confirm bool
	cmd := &cobra.Command{
		Use:   "classify ASSET",
		Short: "Correct what an asset is (kind, owner, ePHI, zone…); imports never undo it",
		Example: `  safeguard assets classify 10.0.20.15 --kind medical_device --stores-ephi yes --owner "Dr. Patel"
  safeguard assets classify ast_01j… --kind printer --confirm`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fail, err := parseFailOn(failOn)
			if err != nil {
				return err
			}
			fl := cmd.Flags()
			var c app.Classification
			if fl.Changed("kind") {
				k, ok := inventory.ParseKind(kind)
				if !ok {
					return hipaa.Errorf(hipaa.EInvalid, "--kind %q: use one of %s", kind, kindNames())
				}
				c.Kind = &k
			}
			str := func(flag string, v *string) *string {
				if fl.Changed(flag) {
					return v
				}
				return nil
			}
			c.Name, c.Owner, c.Location, c.Criticality, c.Zone = str("name", &name), str("owner", &owner), str("location", &location), str("criticality", &criticality), str("zone", &zone)
			for _, b := range []struct {
				flag string
				v    string
				dst  **bool
			}{{"stores-ephi", stores, &c.StoresEPHI}, {"transmits-ephi", transmits, &c.TransmitsEPHI}} {
				if !fl.Changed(b.flag) {
					continue
				}
				switch strings.ToLower(b.v) {
				case "yes", "true", "y":
					t := true
					*b.dst = &t
				case "no", "false", "n":
					f := false
					*b.dst = &f
				default:
					return hipaa.Errorf(hipaa.EInvalid, "--%s %q: use yes or no", b.flag, b.v)
				}
			}
			c.Confirm = confirm
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			a, an, err := svc.ClassifyAsset(cmd.Context(), args[0], c)
			if err != nil {
				return err
			}
			if e.format == "json" {
				if err := e.json(map[string]any{"asset": a, "analysis": an}); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(e.stdout, "%s (%s) is now a %s", a.Label(), a.ID, a.Kind)
				if a.Zone != "" {
					fmt.Fprintf(e.stdout, " in zone %s", a.Zone)
				}
				fmt.Fprintln(e.stdout, ".")
				e.printDeviceAnalysis(an)
			}
			return failIfFound(an, fail)
		},
	}
	f := cmd.Flags()
	f.StringVar(&kind, "kind", "", "what it is: "+kindNames())
	f.StringVar(&name, "name", "", "what the practice calls it")
	f.StringVar(&owner, "owner", "", "the person accountable for it")
	f.StringVar(&location, "location", "", "where it is")
	f.StringVar(&criticality, "criticality", "", "low, moderate, high or critical")
	f.StringVar(&zone, "zone", "", "network zone (overrides placement by address; empty to clear)")
	f.StringVar(&stores, "stores-ephi", "", "yes or no")
	f.StringVar(&transmits, "transmits-ephi", "", "yes or no")
	f.BoolVar(&confirm, "confirm", false, "mark it as part of the practice's own inventory")
	f.StringVar(&failOn, "fail-on", "", "exit 1 if an open inventory, feed or network finding is at or above this severity")
	return cmd
}

func (e *env) assetsHistoryCmd() *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:   "history [ASSET]",
		Short: "What changed: new assets, new open ports, operating system and firewall changes, checks",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, scope, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			f := store.ChangeFilter{Limit: limit}
			if len(args) == 1 {
				a, err := scope.Asset(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				f.SubjectID = a.ID
			}
			list, err := scope.NetworkChanges(cmd.Context(), f)
			if err != nil {
				return err
			}
			return e.printHistory(list)
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 200, "show at most this many entries (0 for all)")
	return cmd
}

func (e *env) printHistory(list []store.NetworkChange) error {
	if e.format == "json" {
		return e.json(nonNilChanges(list))
	}
	tw := e.table()
	fmt.Fprintln(tw, "WHEN\tSUBJECT\tCHANGE\tDETAIL\tSOURCE")
	for _, c := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.At.Format("2006-01-02 15:04"), truncate(c.Subject, 28), c.Kind, truncate(c.Detail, 90), truncate(c.Source, 30))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d change(s).\n", len(list))
	return nil
}
