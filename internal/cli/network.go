package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/netseg"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

func (e *env) networkCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "network",
		Short: "Network zones, firewall policy, segmentation checks (SEG-01…SEG-16) and the network map",
		Long: `Network segmentation: describe your zones (guest Wi-Fi, office, clinical, medical devices,
servers, IoT, management, internet) in a YAML file, import the firewall policy (iptables-save
output, a pfSense or OPNsense config.xml, or a short YAML rule list), and check what each
zone can reach. Scans imported with --source-zone are compared with the policy.`,
	}
	zones := &cobra.Command{Use: "zones", Short: "Import or list the network zones"}
	zones.AddCommand(e.networkZonesImportCmd(), e.networkZonesListCmd())
	policy := &cobra.Command{Use: "policy", Short: "Import or show the firewall policy"}
	policy.AddCommand(e.networkPolicyImportCmd(), e.networkPolicyShowCmd())
	cmd.AddCommand(zones, policy, e.networkCheckCmd(), e.networkMapCmd(), e.networkHistoryCmd())
	return cmd
}

const zonesExample = `zones:
  - name: guest-wifi
    kind: guest            # internet, guest, workstation, clinical, medical, server, iot, management
    cidrs: [10.0.50.0/24]
    vlan: 50               # optional; ties the zone to firewall interfaces named …50
    ssid: Clinic-Guest     # optional
  - name: imaging
    kind: medical
    cidrs: [10.0.20.0/24]
    interfaces: [igb1.20]  # optional: firewall interface names
flows:                     # the connections you intend; everything else is reported
  - from: office
    to: imaging
    ports: [tcp/104, tcp/11112]
    reason: workstations send and fetch images`

func (e *env) networkZonesImportCmd() *cobra.Command {
	var failOn string
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import the zones file (YAML); zones must not share addresses",
		Long:  "Import the zones file. Its format:\n\n" + zonesExample,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fail, err := parseFailOn(failOn)
			if err != nil {
				return err
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return hipaa.Errorf(hipaa.EInvalid, "cannot read %s: %s", args[0], firstErr(err))
			}
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			z, an, err := svc.ImportZones(cmd.Context(), args[0], data)
			if err != nil {
				return err
			}
			if e.format == "json" {
				if err := e.json(map[string]any{"zones": z, "analysis": an}); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(e.stdout, "Imported %d zone(s) and %d documented flow(s) from %s.\n", len(z.Zones), len(z.Flows), filepath.Base(args[0]))
				e.printDeviceAnalysis(an)
			}
			return failIfFound(an, fail)
		},
	}
	cmd.Flags().StringVar(&failOn, "fail-on", "", "exit 1 if an open inventory, feed or network finding is at or above this severity")
	return cmd
}

func (e *env) networkZonesListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the zones, their addresses and how many assets each holds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			st, err := svc.Network(cmd.Context())
			if err != nil {
				return err
			}
			if st.Zones == nil {
				return hipaa.Errorf(hipaa.ENotFound, "no network zones are defined: import a zones file with `safeguard network zones import FILE`")
			}
			count := map[string]int{}
			for _, a := range st.Assets {
				count[a.Zone]++
			}
			if e.format == "json" {
				type zoneRow struct {
					*netseg.Zone
					Assets int `json:"assets"`
				}
				var rows []zoneRow
				for _, z := range st.Zones.Zones {
					rows = append(rows, zoneRow{z, count[z.Name]})
				}
				return e.json(map[string]any{"file": st.ZonesConfig.File, "imported_at": st.ZonesConfig.ImportedAt, "zones": rows, "flows": st.Zones.Flows, "unzoned_assets": count[""]})
			}
			tw := e.table()
			fmt.Fprintln(tw, "ZONE\tKIND\tADDRESSES\tASSETS")
			for _, z := range st.Zones.Zones {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", z.Name, z.Kind, z.Describe(), count[z.Name])
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if n := count[""]; n > 0 {
				fmt.Fprintf(e.stdout, "%d asset(s) are in no zone.\n", n)
			}
			if len(st.Zones.Flows) > 0 {
				fmt.Fprintln(e.stdout, "Documented flows:")
				for _, f := range st.Zones.Flows {
					fmt.Fprintf(e.stdout, "  %s → %s: %s  %s\n", f.From, f.To, f.Ports, f.Reason)
				}
			}
			return nil
		},
	}
}

func (e *env) networkPolicyImportCmd() *cobra.Command {
	var failOn string
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import the firewall policy: iptables-save output, pfSense/OPNsense config.xml, or a YAML rule list",
		Long: `Import the firewall policy. Safeguard reads:
  - iptables-save (or ip6tables-save) output: the filter table's FORWARD chain with its jumps,
    and DNAT port forwards from the nat table;
  - a pfSense or OPNsense config.xml: interfaces, aliases, filter rules, port forwards;
  - for any other firewall, a YAML rule list:

default: deny
rules:
  - from: guest-wifi        # a zone name, an address, or any
    to: internet
    action: allow
  - from: office
    to: imaging
    proto: tcp
    ports: [104, 11112]
    action: allow
nat:
  - proto: tcp
    ports: [443]
    to: 10.0.30.10

A line Safeguard cannot read stops the import with its file:line. The rules added and removed
since the previous policy are recorded in the network history.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fail, err := parseFailOn(failOn)
			if err != nil {
				return err
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return hipaa.Errorf(hipaa.EInvalid, "cannot read %s: %s", args[0], firstErr(err))
			}
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			p, an, err := svc.ImportPolicy(cmd.Context(), args[0], data)
			if err != nil {
				return err
			}
			if e.format == "json" {
				if err := e.json(map[string]any{"format": p.Format, "rules": len(p.Rules()), "port_forwards": len(p.NAT), "warnings": nonNilStrings(p.Warnings), "analysis": an}); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(e.stdout, "Imported %s policy %s: %d rule(s), %d port forward(s).\n", p.Format, filepath.Base(args[0]), len(p.Rules()), len(p.NAT))
				e.printDeviceAnalysis(an)
			}
			return failIfFound(an, fail)
		},
	}
	cmd.Flags().StringVar(&failOn, "fail-on", "", "exit 1 if an open inventory, feed or network finding is at or above this severity")
	return cmd
}

func (e *env) networkPolicyShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show",
		Short: "Show the imported firewall policy's rules as Safeguard reads them",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			st, err := svc.Network(cmd.Context())
			if err != nil {
				return err
			}
			if st.Policy == nil {
				return hipaa.Errorf(hipaa.ENotFound, "no firewall policy is imported: use `safeguard network policy import FILE`")
			}
			p := st.Policy
			var rows []map[string]any
			for _, r := range p.Rules() {
				rows = append(rows, map[string]any{"id": r.ID, "where": r.Where, "chain": r.Chain, "rule": r.Describe(), "exact": r.Exact, "replies_only": r.ReturnOnly})
			}
			var nat []map[string]any
			for _, n := range p.NAT {
				nat = append(nat, map[string]any{"where": n.Where, "forward": n.Describe()})
			}
			if e.format == "json" {
				return e.json(map[string]any{"file": st.PolicyConfig.File, "format": p.Format, "imported_at": st.PolicyConfig.ImportedAt,
					"defaults": p.Defaults, "rules": nonNilMaps(rows), "port_forwards": nonNilMaps(nat), "warnings": nonNilStrings(p.Warnings)})
			}
			fmt.Fprintf(e.stdout, "%s policy %s, imported %s\n", p.Format, st.PolicyConfig.File, st.PolicyConfig.ImportedAt.Format("2006-01-02 15:04"))
			tw := e.table()
			fmt.Fprintln(tw, "RULE\tWHERE\tMEANING")
			for _, r := range p.Rules() {
				m := r.Describe()
				if r.ReturnOnly {
					m += " [replies only]"
				}
				if !r.Exact {
					m += " [has conditions Safeguard does not model]"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", r.ID, r.Where, m)
			}
			for _, n := range p.NAT {
				fmt.Fprintf(tw, "port forward\t%s\t%s\n", n.Where, n.Describe())
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			for _, w := range p.Warnings {
				fmt.Fprintf(e.stderr, "warning: %s\n", w)
			}
			return nil
		},
	}
}

func nonNilMaps(m []map[string]any) []map[string]any {
	if m == nil {
		return []map[string]any{}
	}
	return m
}

func (e *env) networkCheckCmd() *cobra.Command {
	var failOn string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Run the segmentation checks SEG-01…SEG-16 and record the check",
		Long: `Work out what each zone can reach under the firewall policy, compare it with your
documented flows and with scans taken from inside zones, and run the segmentation checks
SEG-01…SEG-16. Findings join the shared list (safeguard findings list) and the risk analysis;
findings no longer seen are resolved. The check is recorded: the next one reports what
changed since (SEG-16).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fail, err := parseFailOn(failOn)
			if err != nil {
				return err
			}
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			an, err := svc.CheckNetwork(cmd.Context())
			if err != nil {
				return err
			}
			if e.format == "json" {
				out := map[string]any{"analysis": an, "checks": an.Report.Checks, "reachability": an.Report.Matrix.List(), "observed": an.Report.Observed, "open_findings": nonNil(an.Open)}
				if out["reachability"] == nil {
					out["reachability"] = []*netseg.Cell{}
				}
				if err := e.json(out); err != nil {
					return err
				}
			} else {
				e.printCheck(an)
			}
			return failIfFound(an, fail)
		},
	}
	cmd.Flags().StringVar(&failOn, "fail-on", "", "exit 1 if an open inventory, feed or network finding is at or above this severity")
	return cmd
}

func (e *env) printCheck(an *app.Analysis) {
	w := e.stdout
	rep := an.Report
	fmt.Fprintln(w, "What each zone can open towards the others (firewall policy):")
	tw := e.table()
	fmt.Fprintln(tw, "  FROM\tTO\tALLOWED\tBY")
	cells := rep.Matrix.List()
	for _, c := range cells {
		note := ""
		if c.Partial {
			note = " (some addresses, or conditions not checked)"
		}
		by := strings.Join(c.Rules, "; ")
		fmt.Fprintf(tw, "  %s\t%s\t%s%s\t%s\n", c.From, c.To, truncate(c.Text, 50), note, truncate(by, 60))
	}
	if len(cells) == 0 {
		fmt.Fprintln(tw, "  (no policy imported, or it lets nothing cross between zones)")
	}
	tw.Flush()
	if len(rep.Observed) > 0 {
		fmt.Fprintln(w, "Seen in scans from inside zones:")
		for _, o := range rep.Observed {
			fmt.Fprintf(w, "  %s → %s: %s (%s)\n", o.From, o.To, o.Text, strings.Join(o.Scans, ", "))
		}
	}
	fmt.Fprintln(w, "Checks:")
	tw = e.table()
	for _, c := range rep.Checks {
		status := strings.ToUpper(strings.ReplaceAll(c.Status, "_", " "))
		extra := ""
		if c.Findings > 0 {
			extra = fmt.Sprintf("%d finding(s)", c.Findings)
		}
		if c.Note != "" {
			extra = c.Note
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", c.ID, status, c.Title, extra)
	}
	tw.Flush()
	e.printDeviceAnalysis(an)
}

func (e *env) networkMapCmd() *cobra.Command {
	var out, kind string
	cmd := &cobra.Command{
		Use:   "map",
		Short: "Draw the network map: zones, assets and allowed flows, as SVG or Graphviz DOT",
		Example: `  safeguard network map -o network-map.svg
  safeguard network map --type dot | dot -Tpdf -o network-map.pdf`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch kind {
			case "svg", "dot":
			default:
				return hipaa.Errorf(hipaa.EInvalid, "--type %q: use svg or dot", kind)
			}
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			data, err := svc.NetworkMap(cmd.Context(), kind == "dot")
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				_, err = e.stdout.Write(data)
				return err
			}
			if err := os.WriteFile(out, data, 0o644); err != nil {
				return hipaa.WrapError(hipaa.EUnavailable, err, "cannot write %s: %s", out, firstErr(err))
			}
			if e.format == "json" {
				return e.json(map[string]any{"file": out, "type": kind, "bytes": len(data)})
			}
			fmt.Fprintf(e.stdout, "Wrote the network map to %s.\n", out)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to this file (default: standard output)")
	cmd.Flags().StringVar(&kind, "type", "svg", "svg or dot")
	return cmd
}

func (e *env) networkHistoryCmd() *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:   "history",
		Short: "The network history: assets that appeared or changed, firewall rules added or removed, checks",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, scope, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			list, err := scope.NetworkChanges(cmd.Context(), store.ChangeFilter{Limit: limit})
			if err != nil {
				return err
			}
			return e.printHistory(list)
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 200, "show at most this many entries (0 for all)")
	return cmd
}
