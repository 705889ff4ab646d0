package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/policy"
)

func (e *env) policiesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policies",
		Short: "Written security policies: generate, list, show, approve, export, acknowledge",
		Long: `The practice's written security policies and procedures (164.316(a)), one document for each
group of related Security Rule standards, covering all 22 standards. Each is written from the
practice profile, the current risk analysis answers, the vendor register and the roster, names
the practice's own people and systems, and cites its controls.

A generated policy is a draft. It takes effect when a named person approves it; the version it
replaces is then superseded and kept for six years (164.316(b)(2)(i)). An approved policy is due
for review 12 months later (POL-01 when overdue). Staff acknowledge each version they read.`,
	}
	cmd.AddCommand(e.polGenerateCmd(), e.polListCmd(), e.polShowCmd(), e.polApproveCmd(), e.polExportCmd(), e.polAcknowledgeCmd(), e.polSettingsCmd())
	return cmd
}

func (e *env) polGenerateCmd() *cobra.Command {
	var sets []string
	cmd := &cobra.Command{
		Use:   "generate [POLICY...]",
		Short: "Write the policies (all, or those named) as drafts from the practice's current facts",
		Long: `Write the policies from the practice profile, the current assessment's answers, the vendor
register, the roster and the practice's settings. A policy whose text is unchanged is left alone;
a changed one becomes a new draft version (or rewrites the current draft).

Settings (--set key=value, kept for next time): ` + strings.Join(policy.SettingKeys(), ", ") + `.`,
		Example: `  safeguard policies generate --set logoff_minutes=10 --set it_support="BrightIT" --set report_contact="555-0142"
  safeguard policies generate workstations access-control`,
		RunE: func(cmd *cobra.Command, args []string) error {
			set := map[string]string{}
			for _, kv := range sets {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || strings.TrimSpace(k) == "" {
					return hipaa.Errorf(hipaa.EInvalid, "--set %q: write key=value, e.g. --set logoff_minutes=10", kv)
				}
				set[k] = v
			}
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			changes, err := svc.GeneratePolicies(cmd.Context(), args, set)
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(changes)
			}
			tw := e.table()
			fmt.Fprintln(tw, "POLICY\tVERSION\tRESULT\tTITLE")
			n := 0
			for _, c := range changes {
				what := map[string]string{"created": "new draft", "updated": "draft rewritten", "unchanged": "unchanged"}[c.Action]
				if c.Action != "unchanged" {
					n++
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", c.Key, c.Version, what, c.Title)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if n > 0 {
				fmt.Fprintf(e.stdout, "%d draft(s) to review. Read them with `safeguard policies export --as html --out DIR`, then approve each with `safeguard policies approve POLICY --by \"Full Name\"`.\n", n)
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&sets, "set", nil, "a practice setting the policies state, key=value (repeat)")
	return cmd
}

func (e *env) polListCmd() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the policies: the latest version of each (--all for every version)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			_, scope, err := e.practice(ctx)
			if err != nil {
				return err
			}
			vs, err := scope.PolicyVersions(ctx)
			if err != nil {
				return err
			}
			members, err := scope.Members(ctx)
			if err != nil {
				return err
			}
			active := 0
			for _, m := range members {
				if m.Active() {
					active++
				}
			}
			shown := []*policy.Version{}
			if all {
				shown = append(shown, vs...)
			} else {
				latest := map[string]*policy.Version{}
				for _, v := range vs {
					latest[v.Key] = v
				}
				for _, d := range policy.Docs {
					if v, ok := latest[d.Key]; ok {
						shown = append(shown, v)
					}
				}
			}
			if e.format == "json" {
				return e.json(shown)
			}
			if len(shown) == 0 {
				fmt.Fprintln(e.stdout, "No policies yet: write them with `safeguard policies generate`.")
				return nil
			}
			tw := e.table()
			fmt.Fprintln(tw, "POLICY\tVER\tSTATUS\tAPPROVED BY\tEFFECTIVE\tREVIEW DUE\tKEEP UNTIL\tACKS\tID")
			for _, v := range shown {
				acks := fmt.Sprintf("%d", v.Acknowledgements)
				if active > 0 && v.Status == policy.StatusApproved {
					acks = fmt.Sprintf("%d/%d", v.Acknowledgements, active)
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.Key, v.Version, v.Status, orDash(v.ApprovedBy), orDash(v.EffectiveOn),
					orDash(v.ReviewDue), orDash(v.RetainUntil), acks, v.ID)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "every version, including superseded ones")
	return cmd
}

func (e *env) polShowCmd() *cobra.Command {
	var version int
	cmd := &cobra.Command{
		Use:   "show POLICY",
		Short: "Print a policy as Markdown, with its document control and acknowledgements",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, p, err := e.service(ctx)
			if err != nil {
				return err
			}
			v, _, err := svc.FindPolicy(ctx, args[0], version)
			if err != nil {
				return err
			}
			acks, err := svc.Scope.Acknowledgements(ctx, v.ID)
			if err != nil {
				return err
			}
			if e.format == "json" {
				if acks == nil {
					acks = []*policy.Acknowledgement{}
				}
				return e.json(map[string]any{"policy": v, "body": v.Body, "acknowledgements": acks})
			}
			e.stdout.Write(policy.RenderMarkdown(v, p.Name))
			if len(acks) > 0 {
				fmt.Fprintf(e.stdout, "\n---\nAcknowledged by: ")
				var names []string
				for _, a := range acks {
					names = append(names, a.MemberName+" ("+a.AcknowledgedOn+")")
				}
				fmt.Fprintln(e.stdout, strings.Join(names, ", "))
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&version, "version", 0, "version number (default: the latest)")
	return cmd
}

func (e *env) polApproveCmd() *cobra.Command {
	var by, effective string
	cmd := &cobra.Command{
		Use:     "approve POLICY --by \"Full Name\" [--effective DATE]",
		Short:   "Approve the latest draft of a policy; the version in effect is superseded",
		Example: `  safeguard policies approve workstations --by "Dana Ortiz" --effective 2026-12-01`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			v, err := svc.ApprovePolicy(cmd.Context(), args[0], by, effective)
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(v)
			}
			fmt.Fprintf(e.stdout, "Approved %s version %d by %s, in effect from %s; review due %s.\n", v.Key, v.Version, v.ApprovedBy, v.EffectiveOn, v.ReviewDue)
			if v.Version > 1 {
				fmt.Fprintf(e.stdout, "Version %d is superseded and kept until %s.\n", v.Version-1, hipaa.RetentionDate(govDate(v.EffectiveOn)).Format(hipaa.DateLayout))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "the full name of the person approving (required)")
	cmd.Flags().StringVar(&effective, "effective", "", "the date it takes effect (YYYY-MM-DD; default today)")
	return cmd
}

// govDate reads a date already checked by the store.
func govDate(s string) time.Time {
	t, _ := hipaa.ParseDate("date", s)
	return t
}

func (e *env) polExportCmd() *cobra.Command {
	var as []string
	var out string
	var inEffect, binder bool
	cmd := &cobra.Command{
		Use:   "export [POLICY...] --as html,pdf,md --out DIR",
		Short: "Write policies as HTML, PDF and Markdown files",
		Long: `Write the latest version of each policy (or of those named; --in-effect for the approved
versions only) to DIR, one file per policy and format, named POLICY-vN.EXT. With --binder, also
write all of them as one document (security-policies.EXT) with a cover and contents, to print.`,
		Example: `  safeguard policies export --as pdf,html --out policies/ --binder`,
		RunE: func(cmd *cobra.Command, args []string) error {
			formats := map[string]bool{}
			for _, a := range as {
				for _, f := range strings.Split(a, ",") {
					f = strings.ToLower(strings.TrimSpace(f))
					switch f {
					case "html", "pdf", "md":
						formats[f] = true
					case "markdown":
						formats["md"] = true
					case "":
					default:
						return hipaa.Errorf(hipaa.EInvalid, "--as %q: use html, pdf or md (comma-separated)", f)
					}
				}
			}
			if len(formats) == 0 {
				return hipaa.Errorf(hipaa.EInvalid, "--as is required: html, pdf, md, or several, e.g. --as pdf,html")
			}
			if out == "" {
				return hipaa.Errorf(hipaa.EInvalid, "--out is required: the folder to write the files to")
			}
			if st, err := os.Stat(out); err != nil || !st.IsDir() {
				if err := os.MkdirAll(out, 0o750); err != nil {
					return outputError(filepath.Join(out, "x"), err)
				}
			}
			ctx := cmd.Context()
			svc, p, err := e.service(ctx)
			if err != nil {
				return err
			}
			all, err := svc.Scope.PolicyVersions(ctx)
			if err != nil {
				return err
			}
			want := map[string]bool{}
			for _, a := range args {
				v, _, err := svc.FindPolicy(ctx, a, 0)
				if err != nil {
					return err
				}
				want[v.Key] = true
			}
			pick := map[string]*policy.Version{}
			for _, v := range all {
				if len(want) > 0 && !want[v.Key] {
					continue
				}
				if inEffect && v.Status != policy.StatusApproved {
					continue
				}
				pick[v.Key] = v
			}
			var vs []*policy.Version
			for _, d := range policy.Docs {
				if v, ok := pick[d.Key]; ok {
					vs = append(vs, v)
				}
			}
			if len(vs) == 0 {
				if inEffect {
					return hipaa.Errorf(hipaa.ENotFound, "no approved policies to export: approve them with `safeguard policies approve POLICY --by NAME`")
				}
				return hipaa.Errorf(hipaa.ENotFound, "no policies to export: write them with `safeguard policies generate`")
			}
			now := svc.Scope.DB().Now()
			write := func(name string, data []byte) error {
				path := filepath.Join(out, name)
				o, err := createOutput(path, e.stdout)
				if err != nil {
					return err
				}
				defer o.Abort()
				if _, err := o.Write(data); err != nil {
					return outputError(path, err)
				}
				return o.Commit()
			}
			var written []string
			render := func(base string, group []*policy.Version) error {
				for _, f := range []string{"md", "html", "pdf"} {
					if !formats[f] {
						continue
					}
					var data []byte
					var err error
					switch f {
					case "md":
						var parts [][]byte
						for _, v := range group {
							parts = append(parts, policy.RenderMarkdown(v, p.Name))
						}
						data = []byte(strings.Join(bytesToStrings(parts), "\n\n---\n\n"))
					case "html":
						data, err = policy.RenderHTML(group, p.Name)
					case "pdf":
						data, err = policy.RenderPDF(group, p.Name, now)
					}
					if err != nil {
						return hipaa.WrapError(hipaa.EInternal, err, "rendering %s as %s failed", base, f)
					}
					if err := write(base+"."+f, data); err != nil {
						return err
					}
					written = append(written, filepath.Join(out, base+"."+f))
				}
				return nil
			}
			for _, v := range vs {
				if err := render(fmt.Sprintf("%s-v%d", v.Key, v.Version), []*policy.Version{v}); err != nil {
					return err
				}
			}
			if binder {
				if err := render("security-policies", vs); err != nil {
					return err
				}
			}
			if e.format == "json" {
				return e.json(map[string]any{"files": written})
			}
			fmt.Fprintf(e.stdout, "Wrote %d file(s) to %s.\n", len(written), out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&as, "as", nil, "formats: html, pdf, md (comma-separated)")
	f.StringVar(&out, "out", "", "folder to write to (created if missing)")
	f.BoolVar(&inEffect, "in-effect", false, "only approved versions in effect")
	f.BoolVar(&binder, "binder", false, "also write all the policies as one document")
	return cmd
}

func bytesToStrings(parts [][]byte) []string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = strings.TrimRight(string(p), "\n")
	}
	return out
}

func (e *env) polAcknowledgeCmd() *cobra.Command {
	var members []string
	var on string
	var version int
	cmd := &cobra.Command{
		Use:     "acknowledge POLICY --member NAME [--member NAME...] [--on DATE]",
		Short:   "Record that staff read the version of a policy in effect",
		Example: `  safeguard policies acknowledge workstations --member "Ana Lopez" --member "Ben Cho" --on 2026-12-02`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			v, acks, err := svc.AcknowledgePolicy(cmd.Context(), args[0], version, members, on)
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(map[string]any{"policy": v, "acknowledgements": acks})
			}
			var names []string
			for _, a := range acks {
				names = append(names, a.MemberName)
			}
			fmt.Fprintf(e.stdout, "Recorded that %s read %s version %d (%d acknowledgement(s) of this version in all).\n", strings.Join(names, ", "), v.Key, v.Version, v.Acknowledgements)
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&members, "member", nil, "a person on the roster who read the policy (repeat)")
	cmd.Flags().StringVar(&on, "on", "", "the date they read it (YYYY-MM-DD; default today)")
	cmd.Flags().IntVar(&version, "version", 0, "the version read (default: the version in effect)")
	return cmd
}

func (e *env) polSettingsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "settings",
		Short: "Show the settings the policies state (change them with `policies generate --set`)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			facts, _, err := svc.PolicyFacts(cmd.Context())
			if err != nil {
				return err
			}
			saved, err := svc.Scope.PolicySettings(cmd.Context())
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(facts.Settings)
			}
			tw := e.table()
			fmt.Fprintln(tw, "SETTING\tVALUE\tFROM")
			sv, ev := reflect.ValueOf(saved), reflect.ValueOf(facts.Settings)
			t := sv.Type()
			for i := 0; i < t.NumField(); i++ {
				from := "default (or the risk analysis)"
				if !sv.Field(i).IsZero() {
					from = "set"
				}
				fmt.Fprintf(tw, "%s\t%v\t%s\n", t.Field(i).Tag.Get("yaml"), orDash(fmt.Sprint(ev.Field(i).Interface())), from)
			}
			return tw.Flush()
		},
	}
}
