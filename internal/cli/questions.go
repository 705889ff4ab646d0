package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

func (e *env) questionsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "questions",
		Short: "Browse the risk-analysis question bank",
	}
	var section string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the questions, section by section",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cat, err := e.catalog()
			if err != nil {
				return err
			}
			if section != "" {
				if _, ok := cat.Section(section); !ok {
					var ids []string
					for _, s := range cat.Sections {
						ids = append(ids, s.ID)
					}
					return hipaa.Errorf(hipaa.EInvalid, "unknown section %q: use one of %s", section, strings.Join(ids, ", "))
				}
			}
			var out []hipaa.Question
			for _, q := range cat.Questions {
				if section == "" || q.Section == section {
					out = append(out, q)
				}
			}
			if e.format == "json" {
				return e.json(out)
			}
			tw := e.table()
			fmt.Fprintln(tw, "ID\tSECTION\tCITATIONS\tQUESTION")
			for _, q := range out {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", q.ID, q.Section, strings.Join(q.Citations, " "), truncate(q.Text, 90))
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&section, "section", "", "only this section")
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show one question with its guidance and what each answer means",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cat, err := e.catalog()
			if err != nil {
				return err
			}
			q, ok := cat.Question(args[0])
			if !ok {
				return hipaa.Errorf(hipaa.EInvalid, "unknown question %q: see `safeguard questions list`", args[0])
			}
			if e.format == "json" {
				return e.json(q)
			}
			e.printQuestion(q, 0, 0)
			fmt.Fprintln(e.stdout, "\nWhat each answer means:")
			for _, o := range q.Options {
				var names []string
				for _, f := range o.Flags {
					if v, ok := cat.Vulnerability(f); ok {
						names = append(names, v.Title)
					}
				}
				meaning := "safeguard in place"
				if len(names) > 0 {
					meaning = "flags: " + strings.Join(names, "; ")
				} else if o.Value == hipaa.AnswerNA {
					meaning = "left out of the analysis; needs a written justification"
				} else if q.Scope {
					meaning = "describes the practice"
				}
				fmt.Fprintf(e.stdout, "  %-15s %s\n", o.Label, meaning)
			}
			return nil
		},
	}
	cmd.AddCommand(list, show)
	return cmd
}

// printQuestion prints a question with its guidance; n of total when total > 0.
func (e *env) printQuestion(q *hipaa.Question, n, total int) {
	w := e.stdout
	if total > 0 {
		fmt.Fprintf(w, "\n[%d of %d] %s  (45 CFR %s)\n", n, total, q.ID, strings.Join(q.Citations, ", "))
	} else {
		fmt.Fprintf(w, "%s  (45 CFR %s)\n", q.ID, strings.Join(q.Citations, ", "))
	}
	fmt.Fprintf(w, "%s\n", wrap(q.Text, 100))
	fmt.Fprintf(w, "  Why it matters: %s\n", indent(wrap(q.Guidance.Why, 96), "  "))
	fmt.Fprintf(w, "  What good looks like: %s\n", indent(wrap(q.Guidance.Good, 96), "  "))
	fmt.Fprintf(w, "  Evidence to keep: %s\n", indent(wrap(q.Guidance.Evidence, 96), "  "))
	if q.NA != "" {
		fmt.Fprintf(w, "  Not applicable: %s\n", indent(wrap(q.NA, 96), "  "))
	}
}

func indent(s, pre string) string { return strings.ReplaceAll(s, "\n", "\n"+pre) }
