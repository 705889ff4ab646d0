// Package cli is Safeguard's command line: cobra commands that parse flags,
// call the app, store and analyzers, and print tables or JSON. It holds no
// business rules. Run is the whole program, testable end to end.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// Exit codes, as documented in the README.
const (
	ExitOK          = 0
	ExitFound       = 1 // the command ran and found something at or above --fail-on
	ExitUsage       = 2 // bad usage or bad input
	ExitEnvironment = 3 // database unreachable, disk full, internal failure
)

// Version is set at build time with -ldflags "-X .../cli.Version=v1.2.3".
var Version = "dev"

// env is what every command shares: I/O, global flags and the opened database.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string

	dbURL, practiceRef, format, actor string

	db  *store.DB
	cat *catalog.Catalog
}

// foundError makes Run exit 1: the command worked and found something at or
// above the --fail-on severity.
type foundError struct{ msg string }

func (e *foundError) Error() string { return e.msg }

// Run runs the safeguard command line with args (without the program name)
// and returns the exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	defer func() {
		if e.db != nil {
			e.db.Close()
		}
	}()
	root := e.rootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var found *foundError
	if errors.As(err, &found) {
		if found.msg != "" {
			fmt.Fprintln(stderr, found.msg)
		}
		return ExitFound
	}
	var he *hipaa.Error
	if !errors.As(err, &he) {
		// Cobra's own usage errors (unknown command or flag) are plain errors.
		if isUsageError(err) {
			fmt.Fprintf(stderr, "safeguard: %s (see `safeguard --help`)\n", firstLine(err.Error()))
			return ExitUsage
		}
		fmt.Fprintln(stderr, "safeguard: internal error: "+firstLine(err.Error()))
		return ExitEnvironment
	}
	fmt.Fprintln(stderr, "safeguard: "+he.Message)
	switch he.Code {
	case hipaa.EInvalid, hipaa.ENotFound, hipaa.EConflict:
		return ExitUsage
	}
	return ExitEnvironment
}

func isUsageError(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "flag needs an argument",
		"invalid argument", "accepts ", "requires at least", "requires at most", "required flag", "bad flag", "if any flags in the group"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func (e *env) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "safeguard",
		Short: "HIPAA Security Rule risk analysis and compliance for medical practices",
		Long: `Safeguard takes a medical practice through the HIPAA Security Rule (45 CFR 164.302–164.318):
a guided risk analysis, a risk register and management plan, and the records an auditor asks for.

Start with "safeguard demo" to see a complete sample, or "safeguard init" to set up your practice.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			switch e.format {
			case "table", "json":
			case "ics":
				if cmd.Name() != "calendar" {
					return hipaa.Errorf(hipaa.EInvalid, "--format ics is only for `safeguard calendar`: use table or json")
				}
			default:
				return hipaa.Errorf(hipaa.EInvalid, "--format %q is not known: use table or json", e.format)
			}
			// The embedded catalog is validated before any command runs.
			_, err := e.catalog()
			return err
		},
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return hipaa.Errorf(hipaa.EInvalid, "%s (see `%s --help`)", err.Error(), c.CommandPath())
	})
	pf := root.PersistentFlags()
	pf.StringVar(&e.dbURL, "db", e.envOr("SAFEGUARD_DB", "safeguard.db"), "database: a SQLite file path or a postgres:// URL (env SAFEGUARD_DB)")
	pf.StringVar(&e.practiceRef, "practice", e.getenv("SAFEGUARD_PRACTICE"), "practice ID or slug; needed when the database holds more than one (env SAFEGUARD_PRACTICE)")
	pf.StringVar(&e.format, "format", "table", "output format: table or json (and ics for calendar)")
	pf.StringVar(&e.actor, "actor", e.envOr("SAFEGUARD_ACTOR", e.envOr("USER", "cli")), "who is acting, recorded in history and sign-offs (env SAFEGUARD_ACTOR)")

	root.AddCommand(
		e.versionCmd(),
		e.initCmd(),
		e.practiceCmd(),
		e.catalogCmd(),
		e.questionsCmd(),
		e.assessCmd(),
		e.risksCmd(),
		e.planCmd(),
		e.findingsCmd(),
		e.demoCmd(),
		e.quickcheckCmd(),
		e.calendarCmd(),
		e.remindersCmd(),
		e.watchCmd(),
		e.userCmd(),
		e.serveCmd(),
		e.assetsCmd(), e.feedsCmd(), e.networkCmd(),
		e.accessCmd(),
		e.reportCmd(), e.exportCmd(), e.verifyCmd(), e.keysCmd(),
		e.vendorsCmd(), e.policiesCmd(), e.workforceCmd(), e.contingencyCmd(), e.incidentsCmd(), e.breachCmd(),
	)
	return root
}

func (e *env) envOr(key, def string) string {
	if v := e.getenv(key); v != "" {
		return v
	}
	return def
}

func (e *env) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of safeguard and its catalog",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cat, err := e.catalog()
			if err != nil {
				return err
			}
			v := Version
			if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
				v = bi.Main.Version
			}
			info := map[string]any{"version": v, "question_bank": cat.Version, "controls": len(cat.Controls),
				"questions": len(cat.Questions), "schema": latestSchema()}
			if e.format == "json" {
				return e.json(info)
			}
			fmt.Fprintf(e.stdout, "safeguard %s (question bank %s, %d controls, %d questions, schema %d)\n", v, cat.Version, len(cat.Controls), len(cat.Questions), latestSchema())
			return nil
		},
	}
}

func latestSchema() int { return store.LatestSchemaVersion() }

// catalog returns the embedded catalog.
func (e *env) catalog() (*catalog.Catalog, error) {
	if e.cat == nil {
		c, err := catalog.Default()
		if err != nil {
			return nil, hipaa.WrapError(hipaa.EInternal, err, "the embedded catalog is broken")
		}
		e.cat = c
	}
	return e.cat, nil
}

// open opens the database once.
func (e *env) open(ctx context.Context) (*store.DB, error) {
	if e.db == nil {
		db, err := store.Open(ctx, e.dbURL)
		if err != nil {
			return nil, err
		}
		e.db = db
	}
	return e.db, nil
}

// practice resolves the practice a command works on.
func (e *env) practice(ctx context.Context) (*hipaa.Practice, *store.Scope, error) {
	db, err := e.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	if e.practiceRef != "" {
		p, err := db.FindPractice(ctx, e.practiceRef)
		if err != nil {
			return nil, nil, err
		}
		return p, db.For(p.ID), nil
	}
	list, err := db.Practices(ctx)
	if err != nil {
		return nil, nil, err
	}
	switch len(list) {
	case 0:
		return nil, nil, hipaa.Errorf(hipaa.ENotFound, "%s holds no practice yet: create one with `safeguard init --name \"Your Practice\"` or try `safeguard demo`", db.Where())
	case 1:
		return list[0], db.For(list[0].ID), nil
	}
	var slugs []string
	for _, p := range list {
		slugs = append(slugs, p.Slug)
	}
	return nil, nil, hipaa.Errorf(hipaa.EInvalid, "%s holds %d practices: choose one with --practice (%s)", db.Where(), len(list), strings.Join(slugs, ", "))
}

// service returns the app service for the chosen practice.
func (e *env) service(ctx context.Context) (*app.Service, *hipaa.Practice, error) {
	cat, err := e.catalog()
	if err != nil {
		return nil, nil, err
	}
	p, scope, err := e.practice(ctx)
	if err != nil {
		return nil, nil, err
	}
	return app.New(cat, scope, e.actor), p, nil
}

// json writes v as indented JSON.
func (e *env) json(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table returns a tab writer; call Flush when done.
func (e *env) table() *tabwriter.Writer {
	return tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

// truncate shortens s to n runes for table cells.
func truncate(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

// isTerminal reports whether w is a terminal, for progress bars and prompts.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// practiceListCmd makes a list command of the chosen practice's records:
// JSON (an empty list rather than null) with --format json, else a table
// with the given header and one formatted line per record.
func practiceListCmd[T any](e *env, use, short string, fetch func(context.Context, *store.Scope) ([]T, error), header string, line func(T) string) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, scope, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			list, err := fetch(cmd.Context(), scope)
			if err != nil {
				return err
			}
			if e.format == "json" {
				if list == nil {
					list = []T{}
				}
				return e.json(list)
			}
			tw := e.table()
			fmt.Fprintln(tw, header)
			for _, x := range list {
				fmt.Fprintln(tw, line(x))
			}
			return tw.Flush()
		},
	}
}
