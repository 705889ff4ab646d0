package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

func (e *env) watchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Folders where new scans or exports are dropped, re-checked on a schedule",
		Long: `Watch folders where new evidence is dropped — nmap scans, EHR audit-log exports, findings from
other tools. "safeguard serve" checks them every five minutes; "safeguard watch check" does it now.
New files are imported once each; when their evidence raises new or more serious risks, the current
assessment is marked as needing review.`,
	}
	var opts []string
	add := &cobra.Command{
		Use:   "add KIND FOLDER",
		Short: "Watch a folder for files of one kind",
		Example: `  safeguard watch add findings /srv/scans/riverside
  safeguard watch add nmap /srv/scans/riverside-guest --option source_zone=guest-wifi`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind := args[0]
			known := app.WatchKinds()
			ok := false
			for _, k := range known {
				ok = ok || k == kind
			}
			if !ok {
				return hipaa.Errorf(hipaa.EInvalid, "unknown kind %q: use one of %s", kind, strings.Join(known, ", "))
			}
			dir, err := filepath.Abs(args[1])
			if err != nil {
				return hipaa.Errorf(hipaa.EInvalid, "folder %q: %s", args[1], err)
			}
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				return hipaa.Errorf(hipaa.EInvalid, "%s is not a folder this program can read", dir)
			}
			w := &store.WatchSource{Kind: kind, Path: dir, Options: map[string]string{}}
			for _, o := range opts {
				k, v, ok := strings.Cut(o, "=")
				if !ok || k == "" {
					return hipaa.Errorf(hipaa.EInvalid, "--option %q must look like name=value", o)
				}
				if known := app.WatchOptions(kind); !slices.Contains(known, k) {
					if len(known) == 0 {
						return hipaa.Errorf(hipaa.EInvalid, "%s files take no options", kind)
					}
					return hipaa.Errorf(hipaa.EInvalid, "unknown option %q for %s files: use %s", k, kind, strings.Join(known, ", "))
				}
				w.Options[k] = v
			}
			_, scope, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			if err := scope.AddWatchSource(cmd.Context(), w); err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(w)
			}
			fmt.Fprintf(e.stdout, "Watching %s for %s files (%s).\n", dir, kind, w.ID)
			return nil
		},
	}
	add.Flags().StringArrayVar(&opts, "option", nil, "importer option name=value (repeatable), e.g. source_zone=guest-wifi for nmap scans taken from that zone")
	list := &cobra.Command{
		Use:   "list",
		Short: "List watched folders",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, scope, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			ws, err := scope.WatchSources(cmd.Context())
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(ws)
			}
			tw := e.table()
			fmt.Fprintln(tw, "ID\tKIND\tFOLDER\tOPTIONS")
			for _, w := range ws {
				var o []string
				for k, v := range w.Options {
					o = append(o, k+"="+v)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", w.ID, w.Kind, w.Path, strings.Join(o, " "))
			}
			return tw.Flush()
		},
	}
	remove := &cobra.Command{
		Use:   "remove ID",
		Short: "Stop watching a folder",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, scope, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			return scope.RemoveWatchSource(cmd.Context(), args[0])
		},
	}
	check := &cobra.Command{
		Use:   "check",
		Short: "Import new files from the watched folders now",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			res, err := svc.CheckWatched(cmd.Context())
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(res)
			}
			fmt.Fprintf(e.stdout, "Imported %d new file(s); %d failed.\n", len(res.Imported), len(res.Failed))
			for _, f := range res.Failed {
				fmt.Fprintf(e.stdout, "  failed: %s\n", f)
			}
			if res.Review != "" {
				fmt.Fprintf(e.stdout, "The current assessment needs review: %s.\n", res.Review)
			}
			return nil
		},
	}
	cmd.AddCommand(add, list, remove, check)
	return cmd
}
