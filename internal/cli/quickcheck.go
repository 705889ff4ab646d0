package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/assess"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

func (e *env) quickcheckCmd() *cobra.Command {
	var name, from string
	cmd := &cobra.Command{
		Use:   "quickcheck",
		Short: "A one-minute first look: a dozen questions, a provisional score and your three biggest gaps",
		Long: `Answer a dozen key questions (about a minute) and get a provisional score and the three biggest
gaps in plain words. It is a first look, not a risk analysis. The answers are saved in the practice's
draft assessment, so the full assessment (safeguard assess run) starts with them.

With an empty database, it creates the practice first (give --name, or type it when asked).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cat, err := e.catalog()
			if err != nil {
				return err
			}
			out := e.stdout
			if e.format == "json" {
				out = e.stderr // keep standard output for the JSON result
			}
			readLine := e.promptReader(out)
			db, err := e.open(ctx)
			if err != nil {
				return err
			}
			if e.practiceRef == "" {
				list, err := db.Practices(ctx)
				if err != nil {
					return err
				}
				if len(list) == 0 {
					if name == "" && from == "" {
						name, _ = readLine("Your practice's name? > ")
					}
					if strings.TrimSpace(name) == "" {
						return hipaa.Errorf(hipaa.EInvalid, "the database holds no practice yet: give its name with --name \"Your Practice\"")
					}
					p := &hipaa.Practice{Name: name}
					if err := db.CreatePractice(ctx, p); err != nil {
						return err
					}
					e.practiceRef = p.ID
				}
			}
			svc, p, err := e.service(ctx)
			if err != nil {
				return err
			}
			a, err := svc.Current(ctx, "")
			if err != nil && !hipaa.IsNotFound(err) {
				return err
			}
			if a == nil || a.Status == hipaa.StatusFinalized {
				if a, err = svc.StartAssessment(ctx, "", false); err != nil {
					return err
				}
			}
			if from != "" {
				in, err := readAnswersFile(from)
				if err != nil {
					return err
				}
				if err := svc.Answer(ctx, a.ID, in); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(out, "Quick check for %s: %d questions, about a minute.\nAnswer y (Yes), p (Partially), n (No) or d (Don't know); Enter skips.\n", p.Name, len(cat.QuickCheck))
				if err := e.askQuick(ctx, svc, a.ID, out, readLine); err != nil {
					return err
				}
			}
			answers, err := svc.Scope.Answers(ctx, a.ID)
			if err != nil {
				return err
			}
			res := assess.QuickCheck(cat, answers)
			if e.format == "json" {
				return e.json(map[string]any{"practice": p.Slug, "assessment": a.ID, "result": res})
			}
			w := e.stdout
			fmt.Fprintf(w, "\nProvisional score: %d/100 (%d of %d questions answered)\n", res.Score, res.Answered, res.Total)
			if len(res.Gaps) == 0 {
				fmt.Fprintln(w, "No gaps among these questions.")
			} else {
				fmt.Fprintln(w, "\nYour biggest gaps:")
				for i, g := range res.Gaps {
					fmt.Fprintf(w, "%d. %s (%s risk; 45 CFR %s)\n   %s\n   What to do: %s\n", i+1, g.Title, g.Level,
						strings.Join(g.Citations, ", "), indent(wrap(g.Why, 94), "   "), indent(wrap(g.Action, 94), "   "))
				}
			}
			fmt.Fprintf(w, "\n%s\nContinue with the full assessment — your answers are kept: safeguard assess run\n", wrap(res.Note, 100))
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the practice's name, when the database holds no practice yet")
	cmd.Flags().StringVar(&from, "from", "", "answers from a YAML file instead of asking")
	return cmd
}

// askQuick asks the quick-check questions not yet answered, saving each answer.
func (e *env) askQuick(ctx context.Context, svc *app.Service, assessmentID string, out io.Writer, readLine func(string) (string, bool)) error {
	skipped := map[string]bool{}
	for n := 1; ; n++ {
		answers, err := svc.Scope.Answers(ctx, assessmentID)
		if err != nil {
			return err
		}
		values := map[string]hipaa.AnswerValue{}
		for id, a := range answers {
			values[id] = a.Value
		}
		var q *hipaa.Question
		for _, id := range svc.Cat.QuickCheck {
			c, _ := svc.Cat.Question(id)
			if _, done := answers[id]; !done && !skipped[id] && c.Applies(values) {
				q = c
				break
			}
		}
		if q == nil {
			return nil
		}
		fmt.Fprintf(out, "\n%d. %s\n   (%s)\n", n, wrap(q.Text, 100), indent(wrap(q.Guidance.Why, 96), "    "))
		ans, step := e.promptAnswer(q, readLine, out)
		switch step {
		case stepQuit:
			return nil
		case stepSkip:
			skipped[q.ID] = true
			continue
		case stepRetry:
			n--
			continue
		}
		if err := svc.Answer(ctx, assessmentID, []app.AnswerInput{ans}); err != nil {
			return err
		}
	}
}
