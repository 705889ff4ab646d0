package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/vendors"
)

// vendorFlags are the flags add and update share.
type vendorFlags struct {
	name, service, contact, baa, signed, expires, reviewed, verified, agreement, notes string
	ephi, systems, hasTerms, lacksTerms, dd                                            []string
	inactive                                                                           bool
}

func (vf *vendorFlags) register(f *pflag.FlagSet, add bool) {
	f.StringVar(&vf.name, "name", "", "the vendor's company name")
	f.StringVar(&vf.service, "service", "", "what the vendor does for the practice, e.g. \"billing and claims\"")
	f.StringVar(&vf.contact, "contact", "", "who to contact at the vendor (name, e-mail or phone)")
	f.StringSliceVar(&vf.ephi, "ephi", nil, "what it does with ePHI: create, receive, maintain, transmit (comma-separated), or none")
	f.StringArrayVar(&vf.systems, "system", nil, "a practice system the vendor touches (repeat)")
	f.StringVar(&vf.baa, "baa", "", "BAA status: none, requested, signed, expired, terminated")
	f.StringVar(&vf.signed, "signed", "", "date the BAA was signed (YYYY-MM-DD)")
	f.StringVar(&vf.expires, "expires", "", "date the BAA expires, if it does (YYYY-MM-DD)")
	f.StringVar(&vf.reviewed, "reviewed", "", "date the BAA and the vendor's safeguards were last reviewed (YYYY-MM-DD)")
	f.StringVar(&vf.verified, "verified", "", "date of the vendor's last written verification of its technical safeguards (proposed rule; YYYY-MM-DD)")
	f.StringSliceVar(&vf.hasTerms, "has-terms", nil, "BAA terms found in the agreement: "+strings.Join(vendors.TermKeys(), ", ")+", or all")
	f.StringSliceVar(&vf.lacksTerms, "lacks-terms", nil, "BAA terms checked and missing from the agreement (same keys)")
	f.StringArrayVar(&vf.dd, "dd", nil, "a due-diligence answer ITEM=ANSWER[:note], e.g. mfa=yes or \"backups=partial:no restore test\" (repeat)")
	f.StringVar(&vf.agreement, "agreement", "", "the signed BAA file (PDF or scan) to store with its SHA-256")
	f.StringVar(&vf.notes, "notes", "", "notes")
	if !add {
		f.BoolVar(&vf.inactive, "inactive", false, "the practice no longer uses this vendor (its record is kept)")
		f.Bool("active", false, "the practice uses this vendor again")
	}
}

// apply copies the flags that were given onto v, reads the agreement file,
// and validates the result. Nothing is saved here.
func (vf *vendorFlags) apply(f *pflag.FlagSet, v *vendors.Vendor, today string) (*vendors.File, error) {
	set := func(name string, dst *string, val string) {
		if f.Changed(name) {
			*dst = val
		}
	}
	set("name", &v.Name, vf.name)
	set("service", &v.Service, vf.service)
	set("contact", &v.Contact, vf.contact)
	set("signed", &v.SignedOn, vf.signed)
	set("expires", &v.ExpiresOn, vf.expires)
	set("reviewed", &v.ReviewedOn, vf.reviewed)
	set("verified", &v.VerifiedOn, vf.verified)
	set("notes", &v.Notes, vf.notes)
	if f.Changed("baa") {
		st, err := vendors.ParseBAAStatus(vf.baa)
		if err != nil {
			return nil, err
		}
		v.BAA = st
	}
	if f.Changed("ephi") {
		uses, err := vendors.ParseUses(vf.ephi)
		if err != nil {
			return nil, err
		}
		v.EPHI = uses
	}
	if f.Changed("system") {
		v.Systems = vf.systems
	}
	if f.Changed("has-terms") || f.Changed("lacks-terms") {
		terms, err := vendors.ParseTerms(vf.hasTerms, vf.lacksTerms)
		if err != nil {
			return nil, err
		}
		if v.Terms == nil {
			v.Terms = map[string]bool{}
		}
		for k, val := range terms {
			v.Terms[k] = val
		}
	}
	for _, item := range vf.dd {
		key, rest, ok := strings.Cut(item, "=")
		if !ok {
			return nil, hipaa.Errorf(hipaa.EInvalid, "--dd %q: write ITEM=ANSWER, e.g. mfa=yes", item)
		}
		ans, note, _ := strings.Cut(rest, ":")
		key = strings.ToLower(strings.TrimSpace(key))
		if _, ok := vendors.ItemByKey(key); !ok {
			var keys []string
			for _, it := range vendors.Questionnaire {
				keys = append(keys, it.Key)
			}
			return nil, hipaa.Errorf(hipaa.EInvalid, "--dd %q: unknown item %q: use %s", item, key, strings.Join(keys, ", "))
		}
		val, ok := hipaa.ParseAnswer(ans)
		if !ok {
			return nil, hipaa.Errorf(hipaa.EInvalid, "--dd %q: %q is not an answer: use yes, partial, no, unknown or na", item, ans)
		}
		if v.DueDiligence == nil {
			v.DueDiligence = map[string]vendors.DDAnswer{}
		}
		v.DueDiligence[key] = vendors.DDAnswer{Answer: val, Note: strings.TrimSpace(note), On: today}
	}
	if f.Changed("inactive") && vf.inactive {
		v.Active = false
	}
	if a, _ := f.GetBool("active"); f.Changed("active") && a {
		v.Active = true
	}
	if err := v.Validate(); err != nil {
		return nil, err
	}
	if vf.agreement == "" {
		return nil, nil
	}
	data, err := os.ReadFile(vf.agreement)
	if err != nil {
		return nil, hipaa.Errorf(hipaa.EInvalid, "--agreement %s: cannot read the file: %s", vf.agreement, firstLine(unwrapPathError(err)))
	}
	return vendors.NewFile(filepath.Base(vf.agreement), data)
}

func (e *env) vendorsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vendors",
		Short: "Business associates and their agreements: add, list, show, update, check",
		Long: `The vendor register (164.308(b)): every outside company that creates, receives, maintains or
transmits ePHI for the practice, the state of its business associate agreement (BAA), the terms
164.314(a)(2)(i) requires in it, the signed agreement file, a due-diligence questionnaire and
review dates. Each change re-runs the checks and updates the risk analysis:

  BAA-01  a vendor handles ePHI with no signed BAA
  BAA-02  its BAA has expired
  BAA-03  its BAA expires within 60 days
  BAA-04  its yearly review, or the proposed rule's yearly written verification, is overdue
  BAA-05…08  a checked BAA lacks a required term (BAA-08: the proposed 24-hour contingency notice)`,
	}
	cmd.AddCommand(e.vendorsAddCmd(), e.vendorsListCmd(), e.vendorsShowCmd(), e.vendorsUpdateCmd(), e.vendorsCheckCmd())
	return cmd
}

func (e *env) vendorsAddCmd() *cobra.Command {
	var vf vendorFlags
	cmd := &cobra.Command{
		Use:   "add --name NAME [flags]",
		Short: "Add a vendor to the register",
		Example: `  safeguard vendors add --name "Acme Billing" --service "billing and claims" --ephi receive,maintain,transmit \
    --system athenaOne --baa signed --signed 2025-02-01 --expires 2027-02-01 --has-terms all \
    --agreement acme-baa.pdf`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(vf.name) == "" {
				return hipaa.Errorf(hipaa.EInvalid, "--name is required: the vendor's company name")
			}
			ctx := cmd.Context()
			svc, p, err := e.service(ctx)
			if err != nil {
				return err
			}
			today := app.Today(p, svc.Scope.DB().Now())
			v := &vendors.Vendor{Active: true, BAA: vendors.BAANone}
			file, err := vf.apply(cmd.Flags(), v, today)
			if err != nil {
				return err
			}
			res, err := svc.Record(ctx, func(tx *store.Scope) error {
				if err := tx.PutVendor(ctx, v, file, svc.Actor); err != nil {
					return err
				}
				if !v.HandlesEPHI() {
					return nil
				}
				// A new business associate is a change that calls for a fresh look at the risk analysis.
				return e.govChangeEvent(ctx, tx, hipaa.ChangeNewVendor, v.Name+" ("+orDash(v.Service)+")", today)
			})
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(map[string]any{"vendor": v, "findings": govFindingsOf(res, vendors.Source)})
			}
			fmt.Fprintf(e.stdout, "Added %s (id %s) to the vendor register.\n", v.Name, v.ID)
			if v.Agreement != nil {
				fmt.Fprintf(e.stdout, "Stored agreement %s (%d bytes, SHA-256 %s).\n", v.Agreement.Name, v.Agreement.Size, v.Agreement.SHA256)
			}
			e.govPrintFindings(&app.GovernanceResult{Findings: vendorFindings(res, v.Name), Reassessed: res.Reassessed})
			return nil
		},
	}
	vf.register(cmd.Flags(), true)
	return cmd
}

// govChangeEvent records a change event, which marks the latest assessment
// for review, when the practice has an assessment at all.
func (e *env) govChangeEvent(ctx context.Context, tx *store.Scope, kind hipaa.ChangeKind, desc, day string) error {
	list, err := tx.Assessments(ctx)
	if err != nil || len(list) == 0 {
		return err
	}
	return tx.AddChangeEvent(ctx, &hipaa.ChangeEvent{Kind: kind, Description: desc, OccurredOn: day, RecordedBy: e.actor})
}

// vendorFindings returns the vendor findings about one vendor.
func vendorFindings(res *app.GovernanceResult, name string) []*hipaa.Finding {
	out := []*hipaa.Finding{}
	for _, f := range res.Findings {
		if f.Source == vendors.Source && f.Subject == name {
			out = append(out, f)
		}
	}
	return out
}

func (e *env) vendorsUpdateCmd() *cobra.Command {
	var vf vendorFlags
	cmd := &cobra.Command{
		Use:   "update VENDOR [flags]",
		Short: "Change a vendor: BAA status and dates, terms, due-diligence answers, agreement file",
		Example: `  safeguard vendors update "Acme Billing" --baa signed --signed 2026-11-01 --expires 2028-11-01 --agreement new-baa.pdf
  safeguard vendors update "Acme Billing" --reviewed 2026-11-22 --dd mfa=yes --dd "backups=partial:restore never tested"
  safeguard vendors update "Old Shredder" --inactive`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, p, err := e.service(ctx)
			if err != nil {
				return err
			}
			v, err := svc.Scope.Vendor(ctx, args[0])
			if err != nil {
				return err
			}
			file, err := vf.apply(cmd.Flags(), v, app.Today(p, svc.Scope.DB().Now()))
			if err != nil {
				return err
			}
			res, err := svc.Record(ctx, func(tx *store.Scope) error { return tx.PutVendor(ctx, v, file, svc.Actor) })
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(map[string]any{"vendor": v, "findings": govFindingsOf(res, vendors.Source)})
			}
			fmt.Fprintf(e.stdout, "Updated %s.\n", v.Name)
			e.govPrintFindings(&app.GovernanceResult{Findings: vendorFindings(res, v.Name), Reassessed: res.Reassessed})
			return nil
		},
	}
	vf.register(cmd.Flags(), false)
	return cmd
}

func (e *env) vendorsListCmd() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the vendor register",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, scope, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			list, err := scope.Vendors(cmd.Context())
			if err != nil {
				return err
			}
			shown := []*vendors.Vendor{}
			for _, v := range list {
				if all || v.Active {
					shown = append(shown, v)
				}
			}
			if e.format == "json" {
				return e.json(shown)
			}
			if len(shown) == 0 {
				fmt.Fprintln(e.stdout, "No vendors yet: add one with `safeguard vendors add --name NAME`.")
				return nil
			}
			tw := e.table()
			fmt.Fprintln(tw, "NAME\tSERVICE\tEPHI\tBAA\tSIGNED\tEXPIRES\tREVIEW DUE\tVERIFIED\tAGREEMENT")
			for _, v := range shown {
				uses := make([]string, 0, len(v.EPHI))
				for _, u := range v.EPHI {
					uses = append(uses, string(u))
				}
				ag := "-"
				if v.Agreement != nil {
					ag = v.Agreement.Name
				}
				name := v.Name
				if !v.Active {
					name += " (inactive)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", truncate(name, 30), truncate(orDash(v.Service), 28),
					orDash(strings.Join(uses, ",")), v.BAA, orDash(v.SignedOn), orDash(v.ExpiresOn), orDash(v.ReviewDue()), orDash(v.VerifiedOn), truncate(ag, 24))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "include vendors the practice no longer uses")
	return cmd
}

func (e *env) vendorsShowCmd() *cobra.Command {
	var saveTo string
	cmd := &cobra.Command{
		Use:   "show VENDOR",
		Short: "Show a vendor: BAA, required-terms checklist, due-diligence questionnaire, agreement",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, _, err := e.service(ctx)
			if err != nil {
				return err
			}
			v, err := svc.Scope.Vendor(ctx, args[0])
			if err != nil {
				return err
			}
			items, err := vendors.Items(svc.Cat)
			if err != nil {
				return err
			}
			if saveTo != "" {
				if v.Agreement == nil {
					return hipaa.Errorf(hipaa.EInvalid, "%s has no stored agreement file: attach one with `safeguard vendors update %q --agreement FILE`", v.Name, v.Name)
				}
				f, err := svc.Scope.AgreementFile(ctx, v.Agreement.SHA256)
				if err != nil {
					return err
				}
				if !f.Verify() {
					return hipaa.Errorf(hipaa.EUnavailable, "the stored agreement of %s no longer matches its SHA-256: the database may be damaged; restore it from a backup", v.Name)
				}
				out, err := createOutput(saveTo, e.stdout)
				if err != nil {
					return err
				}
				defer out.Abort()
				if _, err := out.Write(f.Content); err != nil {
					return outputError(saveTo, err)
				}
				if err := out.Commit(); err != nil {
					return err
				}
				if saveTo != "-" && e.format != "json" {
					fmt.Fprintf(e.stdout, "Wrote %s (%d bytes, SHA-256 %s, checked).\n", saveTo, f.Size, f.SHA256)
				}
				return nil
			}
			if e.format == "json" {
				return e.json(map[string]any{"vendor": v, "review_due": v.ReviewDue(), "terms": vendors.Terms, "questionnaire": items})
			}
			w := e.stdout
			status := "in use"
			if !v.Active {
				status = "no longer used"
			}
			fmt.Fprintf(w, "%s  (%s, id %s)\n", v.Name, status, v.ID)
			fmt.Fprintf(w, "Service: %s\nContact: %s\n", orDash(v.Service), orDash(v.Contact))
			uses := make([]string, 0, len(v.EPHI))
			for _, u := range v.EPHI {
				uses = append(uses, string(u))
			}
			if len(uses) == 0 {
				fmt.Fprintln(w, "ePHI: none recorded (no BAA needed)")
			} else {
				fmt.Fprintf(w, "ePHI: %s\n", strings.Join(uses, ", "))
			}
			if len(v.Systems) > 0 {
				fmt.Fprintf(w, "Systems: %s\n", strings.Join(v.Systems, ", "))
			}
			fmt.Fprintf(w, "BAA: %s   signed %s   expires %s\n", v.BAA, orDash(v.SignedOn), orDash(v.ExpiresOn))
			fmt.Fprintf(w, "Reviewed: %s (next due %s)   written verification (proposed rule): %s\n", orDash(v.ReviewedOn), orDash(v.ReviewDue()), orDash(v.VerifiedOn))
			if v.Agreement != nil {
				fmt.Fprintf(w, "Agreement: %s, %d bytes, added %s by %s\n  SHA-256 %s\n", v.Agreement.Name, v.Agreement.Size, date(v.Agreement.AddedAt), orDash(v.Agreement.AddedBy), v.Agreement.SHA256)
			} else {
				fmt.Fprintln(w, "Agreement: no file stored")
			}
			fmt.Fprintln(w, "\nRequired BAA terms (164.314(a)(2)(i)):   [x] present  [ ] missing  [?] not checked")
			for _, t := range vendors.Terms {
				mark := "[?]"
				if has, ok := v.Terms[t.Key]; ok {
					mark = "[ ]"
					if has {
						mark = "[x]"
					}
				}
				fmt.Fprintf(w, "  %s %-18s %s\n", mark, t.Key, indent(wrap(t.Text, 80), strings.Repeat(" ", 25)))
			}
			fmt.Fprintln(w, "\nDue diligence (answer with --dd ITEM=ANSWER):")
			for _, it := range items {
				a, ok := v.DueDiligence[it.Key]
				ans := "not asked"
				if ok {
					ans = a.Answer.Label() + " (" + a.On + ")"
					if a.Note != "" {
						ans += ": " + a.Note
					}
				}
				fmt.Fprintf(w, "  %-15s %s\n  %15s from %s (%s) -> %s\n", it.Key, indent(wrap(it.Text, 84), strings.Repeat(" ", 18)), "", it.Question, strings.Join(it.Citations, ", "), ans)
			}
			if v.Notes != "" {
				fmt.Fprintf(w, "\nNotes: %s\n", v.Notes)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&saveTo, "save-agreement", "", "write the stored agreement file to this path (- for standard output), after checking its SHA-256")
	return cmd
}

func (e *env) vendorsCheckCmd() *cobra.Command {
	var failOn string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Re-run the vendor checks as of today (for cron: --fail-on high)",
		Long: `Re-run the checks of the vendor register, workforce, policies, contingency tests and incidents
as of today, save their findings, and re-evaluate the draft assessment. Prints the vendor findings.
Agreements expire with time, so run this regularly; --fail-on makes it exit 1 when a finding is
at or above the given severity.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := govCheckFailOn(failOn); err != nil {
				return err
			}
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			res, err := svc.RefreshGovernance(cmd.Context())
			if err != nil {
				return err
			}
			if e.format == "json" {
				if err := e.json(govFindingsOf(res, vendors.Source)); err != nil {
					return err
				}
			} else {
				e.govPrintFindings(res, vendors.Source)
			}
			return govFailOn(res, failOn, vendors.Source)
		},
	}
	cmd.Flags().StringVar(&failOn, "fail-on", "", "exit 1 if a vendor finding is at or above this severity")
	return cmd
}
