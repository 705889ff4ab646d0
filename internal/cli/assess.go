package cli

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/assess"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

func (e *env) assessCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "assess",
		Short: "Run the risk analysis: start, answer, check status, finalize, compare",
		Long: `The risk analysis (45 CFR 164.308(a)(1)(ii)(A)) as a guided questionnaire. Answers raise
vulnerabilities; each vulnerability and threat becomes a risk rated by likelihood and impact.

A practice works on one draft assessment at a time. A new assessment starts from the previous
one's answers, so a yearly review only needs what changed. Finalizing records who signed off and
when, and freezes the assessment.`,
	}
	var assessmentID string
	cmd.PersistentFlags().StringVar(&assessmentID, "assessment", "", "assessment ID (default: the current draft, else the latest)")
	cmd.AddCommand(e.assessStartCmd(), e.assessListCmd(), e.assessAnswerCmd(&assessmentID), e.assessRunCmd(&assessmentID),
		e.assessStatusCmd(&assessmentID), e.assessFinalizeCmd(&assessmentID), e.assessDiffCmd(), e.assessChangeCmd(), e.assessTrendCmd())
	return cmd
}

func (e *env) assessStartCmd() *cobra.Command {
	var title string
	var fresh bool
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start a new draft assessment (from the previous answers unless --fresh)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, p, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			a, err := svc.StartAssessment(cmd.Context(), title, fresh)
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(a)
			}
			fmt.Fprintf(e.stdout, "Started assessment %s (%q) for %s.\n", a.ID, a.Title, p.Name)
			if a.PreviousID != "" {
				fmt.Fprintf(e.stdout, "It starts from the answers of %s: review them and change what is different now.\n", a.PreviousID)
			}
			fmt.Fprintln(e.stdout, "Answer the questions one at a time with `safeguard assess run`, or from a file with `safeguard assess answer --from answers.yaml`.")
			return nil
		},
	}
	cmd.Flags().StringVar(&title, "title", "", "a title (default: \"Security risk analysis YEAR\")")
	cmd.Flags().BoolVar(&fresh, "fresh", false, "start with no answers instead of the previous assessment's")
	return cmd
}

func (e *env) assessListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the practice's assessments, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			list, err := svc.Scope.Assessments(cmd.Context())
			if err != nil {
				return err
			}
			if e.format == "json" {
				if list == nil {
					list = []*hipaa.Assessment{}
				}
				return e.json(list)
			}
			tw := e.table()
			fmt.Fprintln(tw, "ID\tTITLE\tSTATUS\tSTARTED\tFINALIZED\tBY\tNEEDS REVIEW")
			for _, a := range list {
				fin := ""
				if a.FinalizedAt != nil {
					fin = date(*a.FinalizedAt)
				}
				review := ""
				if a.NeedsReview {
					review = "yes"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Title, a.Status, date(a.StartedAt), fin, a.FinalizedBy, review)
			}
			return tw.Flush()
		},
	}
}

func (e *env) assessAnswerCmd(assessmentID *string) *cobra.Command {
	var from, note, justification string
	cmd := &cobra.Command{
		Use:   "answer [QUESTION ANSWER] | --from FILE",
		Short: "Answer one question, or many from a YAML file",
		Long: `Answer one question (ANSWER is yes, partial, no, unknown or na), or many from a YAML file:

  SM-01: yes
  SM-02:
    answer: partial
    note: Plan written in March; owners not yet named.
  WF-07:
    answer: na
    justification: We are not a health care clearinghouse.

All answers in a file are checked before any is saved; one bad line saves nothing.`,
		Args: cobra.RangeArgs(0, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var inputs []app.AnswerInput
			switch {
			case from != "" && len(args) > 0:
				return hipaa.Errorf(hipaa.EInvalid, "give either QUESTION ANSWER or --from FILE, not both")
			case from != "":
				in, err := readAnswersFile(from)
				if err != nil {
					return err
				}
				inputs = in
			case len(args) == 2:
				inputs = []app.AnswerInput{{QuestionID: args[0], Value: args[1], Note: note, Justification: justification}}
			default:
				return hipaa.Errorf(hipaa.EInvalid, "give a question and an answer (e.g. `safeguard assess answer SM-01 yes`), or --from FILE; for one question at a time use `safeguard assess run`")
			}
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			a, err := svc.Current(cmd.Context(), *assessmentID)
			if err != nil {
				return err
			}
			if err := svc.Answer(cmd.Context(), a.ID, inputs); err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(map[string]any{"assessment": a.ID, "saved": len(inputs)})
			}
			fmt.Fprintf(e.stdout, "Saved %d answer(s) to %s.\n", len(inputs), a.ID)
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "YAML file of answers")
	cmd.Flags().StringVar(&note, "note", "", "a note kept with the answer")
	cmd.Flags().StringVar(&justification, "justification", "", "why the question does not apply (needed for na)")
	return cmd
}

func (e *env) assessRunCmd(assessmentID *string) *cobra.Command {
	var all bool
	var section string
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Answer the questions one at a time, with guidance (resumable)",
		Long: `Ask the unanswered questions one at a time, each with why it matters, what good looks like
and what evidence to keep. Every answer is saved at once: stop with q (or Ctrl-D) and run again
later to continue where you left off.

Answer with y (Yes), p (Partially), n (No), d (Don't know) or a (Not applicable, where offered).
Add a note after the letter: "p backups run nightly but were never restored". Press Enter to skip.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, p, err := e.service(ctx)
			if err != nil {
				return err
			}
			a, err := svc.Current(ctx, *assessmentID)
			if err != nil {
				return err
			}
			if a.Status == hipaa.StatusFinalized {
				return hipaa.Errorf(hipaa.EConflict, "assessment %s is finalized: start a new one with `safeguard assess start`", a.ID)
			}
			readLine := e.lineReader()
			fmt.Fprintf(e.stdout, "Risk analysis for %s — %s\n", p.Name, a.Title)
			skipped := map[string]bool{}
			asked := map[string]bool{}
			saved, lastSection := 0, ""
			for {
				st, err := svc.Status(ctx, a.ID)
				if err != nil {
					return err
				}
				answers, err := svc.Scope.Answers(ctx, a.ID)
				if err != nil {
					return err
				}
				q := e.nextQuestion(svc, answers, st, skipped, asked, all, section)
				if q == nil {
					fmt.Fprintf(e.stdout, "\nNo more questions to ask. %d of %d answered; score %d/100.\n", st.Answered, st.Applicable, st.Score.Overall)
					if st.Answered == st.Applicable {
						fmt.Fprintln(e.stdout, "Review the risks with `safeguard risks list`, then sign off with `safeguard assess finalize --by \"Your Name\"`.")
					}
					return nil
				}
				if q.Section != lastSection {
					if s, ok := svc.Cat.Section(q.Section); ok {
						fmt.Fprintf(e.stdout, "\n== %s ==\n%s\n", s.Title, wrap(s.Intro, 100))
					}
					lastSection = q.Section
				}
				e.printQuestion(q, st.Answered+1, st.Applicable)
				if prev, ok := answers[q.ID]; ok {
					fmt.Fprintf(e.stdout, "  Current answer: %s\n", prev.Value.Label())
				}
				ans, step := e.promptAnswer(q, readLine, e.stdout)
				switch step {
				case stepQuit:
					fmt.Fprintf(e.stdout, "\nSaved %d answer(s). Run `safeguard assess run` again to continue.\n", saved)
					return nil
				case stepSkip:
					skipped[q.ID] = true
					continue
				case stepRetry:
					continue
				}
				if err := svc.Answer(ctx, a.ID, []app.AnswerInput{ans}); err != nil {
					return err
				}
				asked[q.ID] = true
				saved++
			}
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "also ask questions already answered (to review them)")
	cmd.Flags().StringVar(&section, "section", "", "only ask this section's questions")
	return cmd
}

// Outcomes of one prompt.
const (
	stepAnswer = iota
	stepSkip
	stepRetry
	stepQuit
)

// promptAnswer asks for the answer to q and says what to do next.
func (e *env) promptAnswer(q *hipaa.Question, readLine func(string) (string, bool), out io.Writer) (app.AnswerInput, int) {
	choices := "y=Yes p=Partially n=No d=Don't know"
	if q.NA != "" {
		choices += " a=Not applicable"
	}
	line, ok := readLine(fmt.Sprintf("%s, Enter=skip, q=quit > ", choices))
	if !ok || line == "q" || line == "quit" {
		return app.AnswerInput{}, stepQuit
	}
	if line == "" {
		return app.AnswerInput{}, stepSkip
	}
	word, note, _ := strings.Cut(line, " ")
	if word == "a" {
		word = "na"
	}
	v, valid := hipaa.ParseAnswer(word)
	if _, offered := q.Option(v); !valid || !offered {
		fmt.Fprintf(out, "  %q is not one of the choices; try again.\n", word)
		return app.AnswerInput{}, stepRetry
	}
	ans := app.AnswerInput{QuestionID: q.ID, Value: string(v), Note: strings.TrimSpace(note)}
	if v == hipaa.AnswerNA {
		j, ok := readLine("  Why does this not apply to your practice? > ")
		if !ok || j == "" {
			fmt.Fprintln(out, "  Not applicable needs a reason; the question stays unanswered.")
			return app.AnswerInput{}, stepSkip
		}
		ans.Justification = j
	}
	return ans, stepAnswer
}

// lineReader returns a prompt-and-read function over e.stdin.
func (e *env) lineReader() func(string) (string, bool) { return e.promptReader(e.stdout) }

// promptReader returns a function that writes a prompt to out and reads a line from e.stdin.
func (e *env) promptReader(out io.Writer) func(string) (string, bool) {
	in := bufio.NewScanner(e.stdin)
	in.Buffer(make([]byte, 64*1024), 1024*1024)
	return func(prompt string) (string, bool) {
		fmt.Fprint(out, prompt)
		if !in.Scan() {
			return "", false
		}
		return strings.TrimSpace(in.Text()), true
	}
}

// nextQuestion picks the next question to ask: the first applicable one not
// yet answered (or, with all, not yet asked in this run) and not skipped.
func (e *env) nextQuestion(svc *app.Service, answers map[string]hipaa.Answer, st *app.Status, skipped, asked map[string]bool, all bool, section string) *hipaa.Question {
	values := map[string]hipaa.AnswerValue{}
	for id, a := range answers {
		values[id] = a.Value
	}
	for i := range svc.Cat.Questions {
		q := &svc.Cat.Questions[i]
		if skipped[q.ID] || asked[q.ID] || (section != "" && q.Section != section) || !q.Applies(values) {
			continue
		}
		if _, done := answers[q.ID]; done && !all {
			continue
		}
		return q
	}
	return nil
}

func (e *env) assessStatusCmd(assessmentID *string) *cobra.Command {
	var explain bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show progress, score, risks by level, contradictions and warnings",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, p, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			a, err := svc.Current(cmd.Context(), *assessmentID)
			if err != nil {
				return err
			}
			st, err := svc.Status(cmd.Context(), a.ID)
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(st)
			}
			w := e.stdout
			fmt.Fprintf(w, "%s — %s (%s, %s)\n", p.Name, a.Title, a.ID, a.Status)
			fmt.Fprintf(w, "Answered %d of %d applicable questions.\n", st.Answered, st.Applicable)
			fmt.Fprintf(w, "\nScore: %d/100", st.Score.Overall)
			if st.Score.Capped {
				fmt.Fprintf(w, " (capped: a Required safeguard is missing)")
			}
			fmt.Fprintln(w)
			for _, f := range st.Score.Families {
				if f.Counted == 0 {
					continue
				}
				capped := ""
				if f.Capped {
					capped = " (capped)"
				}
				fmt.Fprintf(w, "  %-15s %3d%s\n", f.Family, f.Score, capped)
			}
			fmt.Fprintf(w, "\nRisks: %d critical, %d high, %d moderate, %d low\n", st.RisksByLevel[hipaa.LevelCritical],
				st.RisksByLevel[hipaa.LevelHigh], st.RisksByLevel[hipaa.LevelModerate], st.RisksByLevel[hipaa.LevelLow])
			if len(st.Contradictions) > 0 {
				fmt.Fprintf(w, "\nAnswers the evidence contradicts (%d):\n", len(st.Contradictions))
				for _, c := range st.Contradictions {
					fmt.Fprintf(w, "  %s answered %s, but %s: %s (%s)\n", c.QuestionID, c.Answer.Label(), c.Rule, c.Finding, c.Subject)
				}
			}
			for _, warn := range st.Warnings {
				fmt.Fprintf(w, "\nWarning: %s\n", wrap(warn, 100))
			}
			if explain {
				fmt.Fprintln(w, "\nHow the score is made:")
				for _, x := range st.Score.Explanation {
					fmt.Fprintf(w, "  %s\n", indent(wrap(x, 96), "  "))
				}
				tw := e.table()
				fmt.Fprintln(tw, "\nCITATION\tREQUIREMENT\tSTATE\tVALUE\tWEIGHT\tQUESTIONS\tTITLE")
				for _, l := range st.Score.Lines {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%.0f\t%s\t%s\n", l.Citation, l.Requirement, l.State, l.Value, l.Weight, strings.Join(l.Questions, " "), l.Title)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
			} else {
				fmt.Fprintln(w, "\n(--explain shows how every control contributes to the score.)")
			}
			if len(st.Unanswered) > 0 {
				fmt.Fprintf(w, "\nUnanswered: %s\n", truncate(strings.Join(st.Unanswered, " "), 400))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&explain, "explain", false, "explain the score control by control")
	return cmd
}

func (e *env) assessFinalizeCmd(assessmentID *string) *cobra.Command {
	var by string
	cmd := &cobra.Command{
		Use:   "finalize --by NAME",
		Short: "Sign off the assessment; it becomes a fixed, dated record",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			a, err := svc.Current(cmd.Context(), *assessmentID)
			if err != nil {
				return err
			}
			a, err = svc.Finalize(cmd.Context(), a.ID, by)
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(a)
			}
			fmt.Fprintf(e.stdout, "Finalized %s, signed off by %s on %s. Keep it until at least %s (164.316(b)(2)(i)).\n",
				a.ID, a.FinalizedBy, date(*a.FinalizedAt), date(hipaa.RetentionDate(*a.FinalizedAt)))
			return nil
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "the name of the person signing off (required)")
	return cmd
}

func (e *env) assessDiffCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "diff A B",
		Short: "Show the answers and risks that changed between two assessments",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			d, err := svc.Diff(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(d)
			}
			printDiff(e, d)
			return nil
		},
	}
}

func printDiff(e *env, d *assess.Diff) {
	w := e.stdout
	fmt.Fprintf(w, "From %s to %s\n\nChanged answers (%d):\n", d.From, d.To, len(d.Answers))
	for _, a := range d.Answers {
		before, after := a.Before.Label(), a.After.Label()
		if before == "" {
			before = "—"
		}
		if after == "" {
			after = "—"
		}
		fmt.Fprintf(w, "  %s  %s → %s  %s\n", a.QuestionID, before, after, truncate(a.Question, 70))
	}
	fmt.Fprintf(w, "\nChanged risks (%d):\n", len(d.Risks))
	for _, r := range d.Risks {
		switch r.Change {
		case "added":
			fmt.Fprintf(w, "  + %-8s %s\n", r.After, r.Title)
		case "removed":
			fmt.Fprintf(w, "  - %-8s %s\n", r.Before, r.Title)
		default:
			fmt.Fprintf(w, "  ~ %s → %s  %s\n", r.Before, r.After, r.Title)
		}
	}
}

func (e *env) assessChangeCmd() *cobra.Command {
	var desc, on string
	var kinds []string
	for k := range hipaa.ChangeKinds {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	cmd := &cobra.Command{
		Use:   "change KIND",
		Short: "Record a change (new EHR, new location, …) that calls for a review of the risk analysis",
		Long:  "Record a change in the practice. The latest assessment is marked as needing review\n(164.308(a)(8), 164.316(b)(2)(iii)). KIND is one of: " + strings.Join(kinds, ", ") + ".",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, p, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			if on == "" {
				on = app.Today(p, svc.Scope.DB().Now())
			}
			ev := &hipaa.ChangeEvent{Kind: hipaa.ChangeKind(args[0]), Description: desc, OccurredOn: on, RecordedBy: e.actor}
			if _, ok := hipaa.ChangeKinds[ev.Kind]; !ok {
				return hipaa.Errorf(hipaa.EInvalid, "unknown change %q: use one of %s", args[0], strings.Join(kinds, ", "))
			}
			if err := svc.Scope.AddChangeEvent(cmd.Context(), ev); err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(ev)
			}
			fmt.Fprintf(e.stdout, "Recorded %s on %s. The latest assessment is marked as needing review.\n", hipaa.ChangeKinds[ev.Kind], ev.OccurredOn)
			return nil
		},
	}
	cmd.Flags().StringVar(&desc, "description", "", "what changed")
	cmd.Flags().StringVar(&on, "date", "", "when it happened, YYYY-MM-DD (default: today)")
	return cmd
}

func (e *env) assessTrendCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "trend",
		Short: "Show the score and open risks over time",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, _, err := e.service(cmd.Context())
			if err != nil {
				return err
			}
			list, err := svc.Trend(cmd.Context())
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(list)
			}
			tw := e.table()
			fmt.Fprintln(tw, "DAY\tSCORE\tCRITICAL\tHIGH\tMODERATE\tLOW\tASSESSMENT")
			for _, s := range list {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%s\n", s.Day, s.Score, s.Critical, s.High, s.Moderate, s.Low, s.AssessmentID)
			}
			return tw.Flush()
		},
	}
}
