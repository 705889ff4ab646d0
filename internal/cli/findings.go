package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

func (e *env) findingsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "findings",
		Short: "What the analyzers found (inventory, network, feeds, audit logs, vendors), in one list",
	}
	var source, status, failOn string
	list := &cobra.Command{
		Use:   "list",
		Short: "List findings from every analyzer, most severe first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f := store.FindingFilter{Source: source, Status: hipaa.FindingStatus(status)}
			var fail hipaa.Severity
			if failOn != "" {
				s, err := hipaa.ParseSeverity(failOn)
				if err != nil {
					return err
				}
				fail = s
			}
			_, scope, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			list, err := scope.Findings(cmd.Context(), f)
			if err != nil {
				return err
			}
			if e.format == "json" {
				if list == nil {
					list = []*hipaa.Finding{}
				}
				if err := e.json(list); err != nil {
					return err
				}
			} else {
				tw := e.table()
				fmt.Fprintln(tw, "ID\tSEVERITY\tSOURCE\tRULE\tSTATUS\tSUBJECT\tTITLE\tCITATIONS")
				for _, x := range list {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.ID, x.Severity, x.Source, x.Rule, x.Status, truncate(x.Subject, 30), truncate(x.Title, 60), strings.Join(x.Citations, " "))
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%d finding(s).\n", len(list))
			}
			if fail != "" {
				n := 0
				for _, x := range list {
					if x.Severity.Rank() >= fail.Rank() && (x.Status == hipaa.FindingOpen || x.Status == hipaa.FindingConfirmed) {
						n++
					}
				}
				if n > 0 {
					return &foundError{msg: fmt.Sprintf("safeguard: %d open finding(s) at or above %s", n, fail)}
				}
			}
			return nil
		},
	}
	list.Flags().StringVar(&source, "source", "", "only this analyzer: inventory, vulnfeed, netseg, accesslog, vendors, workforce, policy")
	list.Flags().StringVar(&status, "status", "", "only this status: open, confirmed, dismissed, resolved")
	list.Flags().StringVar(&failOn, "fail-on", "", "exit 1 if an open finding is at or above this severity")
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Import findings from another tool (Safeguard's JSON shape)",
		Long: `Import findings that another scanner or tool produced, as a JSON array:

  [{"source": "scanner", "rule": "SEG-03", "severity": "high",
    "title": "Guest Wi-Fi reaches the X-ray workstation", "subject": "guest → medical",
    "citations": ["164.312(a)(1)"], "evidence": [{"host": "10.0.5.20", "port": 3389}]}]

Rules known to Safeguard (see internal/catalog/data/finding_rules.yaml) feed the matching
vulnerabilities and can contradict answers; other rules become risks of their own. The whole file
is checked before anything is saved.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			fs, err := svc.ReadFindings(args[0])
			if err != nil {
				return err
			}
			if err := svc.ImportFindings(cmd.Context(), fs); err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(fs)
			}
			fmt.Fprintf(e.stdout, "Imported %d finding(s); the current assessment was re-evaluated.\n", len(fs))
			return nil
		},
	}
	cmd.AddCommand(list, imp)
	return cmd
}
