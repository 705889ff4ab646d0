package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
)

func (e *env) initCmd() *cobra.Command {
	var p hipaa.Practice
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a practice in the database",
		Long: `Create a practice: the organization whose risk analysis you keep. One database can hold many
practices (an IT consultant's clients); choose among them with --practice.`,
		Example: `  safeguard init --name "Riverside Family Medicine" --location "12 Main St, Springfield" \
    --workforce 18 --ehr "athenaOne" --specialty "family medicine" --time-zone America/Chicago \
    --security-official "Dana Ortiz"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if p.Name == "" {
				return hipaa.Errorf(hipaa.EInvalid, "--name is required: the practice's name, e.g. --name \"Riverside Family Medicine\"")
			}
			db, err := e.open(cmd.Context())
			if err != nil {
				return err
			}
			if err := db.CreatePractice(cmd.Context(), &p); err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(p)
			}
			fmt.Fprintf(e.stdout, "Created practice %q (slug %s, id %s) in %s.\n", p.Name, p.Slug, p.ID, db.Where())
			fmt.Fprintf(e.stdout, "Next: start its risk analysis with `safeguard assess start`, then answer with `safeguard assess run`.\n")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&p.Name, "name", "", "the practice's name (required)")
	f.StringVar(&p.Slug, "slug", "", "short name used with --practice (default: made from the name)")
	f.StringArrayVar(&p.Locations, "location", nil, "an office address (repeat for each location)")
	f.IntVar(&p.WorkforceSize, "workforce", 0, "number of workforce members (staff, contractors, volunteers)")
	f.StringVar(&p.EHRSystem, "ehr", "", "the EHR system in use")
	f.StringVar(&p.Specialty, "specialty", "", "the practice's specialty")
	f.StringVar(&p.TimeZone, "time-zone", "America/New_York", "IANA time zone of the practice, e.g. America/Chicago")
	f.StringVar(&p.SecurityOfficial, "security-official", "", "the named security official (164.308(a)(2))")
	return cmd
}

func (e *env) practiceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "practice",
		Short: "List, show and edit practices",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the practices in the database",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := e.open(cmd.Context())
			if err != nil {
				return err
			}
			list, err := db.Practices(cmd.Context())
			if err != nil {
				return err
			}
			if e.format == "json" {
				if list == nil {
					list = []*hipaa.Practice{}
				}
				return e.json(list)
			}
			if len(list) == 0 {
				fmt.Fprintf(e.stdout, "No practices in %s yet: create one with `safeguard init`.\n", db.Where())
				return nil
			}
			tw := e.table()
			fmt.Fprintln(tw, "SLUG\tNAME\tWORKFORCE\tEHR\tTIME ZONE\tID")
			for _, p := range list {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", p.Slug, p.Name, p.WorkforceSize, p.EHRSystem, p.TimeZone, p.ID)
			}
			return tw.Flush()
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "show [PRACTICE]",
		Short: "Show a practice's profile",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				e.practiceRef = args[0]
			}
			p, _, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(p)
			}
			tw := e.table()
			fmt.Fprintf(tw, "Name\t%s\nSlug\t%s\nID\t%s\nLocations\t%s\nWorkforce\t%d\nEHR\t%s\nSpecialty\t%s\nTime zone\t%s\nSecurity official\t%s\nCreated\t%s\n",
				p.Name, p.Slug, p.ID, strings.Join(p.Locations, "; "), p.WorkforceSize, p.EHRSystem, p.Specialty, p.TimeZone, p.SecurityOfficial, date(p.CreatedAt))
			return tw.Flush()
		},
	})
	var upd struct {
		name, ehr, specialty, tz, official string
		workforce                          int
		locations                          []string
	}
	update := &cobra.Command{
		Use:   "update",
		Short: "Change the practice's profile",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p, _, err := e.practice(cmd.Context())
			if err != nil {
				return err
			}
			f := cmd.Flags()
			if f.Changed("name") {
				p.Name = upd.name
			}
			if f.Changed("ehr") {
				p.EHRSystem = upd.ehr
			}
			if f.Changed("specialty") {
				p.Specialty = upd.specialty
			}
			if f.Changed("time-zone") {
				p.TimeZone = upd.tz
			}
			if f.Changed("security-official") {
				p.SecurityOfficial = upd.official
			}
			if f.Changed("workforce") {
				p.WorkforceSize = upd.workforce
			}
			if f.Changed("location") {
				p.Locations = upd.locations
			}
			if err := e.db.UpdatePractice(cmd.Context(), p); err != nil {
				return err
			}
			if e.format == "json" {
				return e.json(p)
			}
			fmt.Fprintf(e.stdout, "Updated practice %s.\n", p.Slug)
			return nil
		},
	}
	f := update.Flags()
	f.StringVar(&upd.name, "name", "", "new name")
	f.StringVar(&upd.ehr, "ehr", "", "EHR system")
	f.StringVar(&upd.specialty, "specialty", "", "specialty")
	f.StringVar(&upd.tz, "time-zone", "", "IANA time zone")
	f.StringVar(&upd.official, "security-official", "", "named security official")
	f.IntVar(&upd.workforce, "workforce", 0, "workforce size")
	f.StringArrayVar(&upd.locations, "location", nil, "office address (repeat; replaces the list)")
	cmd.AddCommand(update)
	return cmd
}
