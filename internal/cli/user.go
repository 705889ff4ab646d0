package cli

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/safeguard-hipaa/safeguard/internal/auth"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// userCmd manages web app accounts from the command line.
func (e *env) userCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage accounts for the web app: add, list, disable, reset-mfa",
	}
	var name, role string
	var pwStdin bool
	add := &cobra.Command{
		Use:   "add EMAIL",
		Short: "Create an account (or give an existing one a role) in a practice",
		Long: `Create an account for one person and give them a role in the practice chosen with --practice:
owner, admin, assessor or viewer. Owners and admins must set up an authenticator app at their first
sign-in. Without --password-stdin a strong first password is made and printed once.`,
		Example: `  safeguard user add dana@riverside.example --name "Dana Ortiz" --role admin
  printf '%s\n' "$PW" | safeguard user add sam@riverside.example --name "Sam Lee" --role viewer --password-stdin`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			r, err := auth.ParseRole(role)
			if err != nil {
				return err
			}
			p, _, err := e.practice(ctx)
			if err != nil {
				return err
			}
			a := auth.New(e.db)
			u, err := e.db.UserByEmail(ctx, args[0])
			created, password := false, ""
			if hipaa.IsNotFound(err) {
				if pwStdin {
					line, _ := bufio.NewReader(e.stdin).ReadString('\n')
					password = strings.TrimRight(line, "\r\n")
				} else {
					password = randomPassword()
				}
				if u, err = a.CreateUser(ctx, args[0], name, password); err != nil {
					return err
				}
				created = true
			} else if err != nil {
				return err
			}
			if err := e.db.SetMembership(ctx, u.ID, p.ID, string(r)); err != nil {
				return err
			}
			ev := auth.Event{Actor: "cli:" + e.actor, PracticeID: p.ID, Action: "member.role_set", Subject: u.Email, After: map[string]any{"role": r}}
			if created {
				_ = a.Record(ctx, auth.Event{Actor: "cli:" + e.actor, PracticeID: p.ID, Action: "user.created", Subject: u.Email, After: map[string]any{"name": u.Name}})
			}
			if err := a.Record(ctx, ev); err != nil {
				return err
			}
			if e.format == "json" {
				out := map[string]any{"user": u, "practice_id": p.ID, "role": r, "created": created}
				if created && !pwStdin {
					out["first_password"] = password
				}
				return e.json(out)
			}
			if created {
				fmt.Fprintf(e.stdout, "Created account %s (%s) with role %s in %s.\n", u.Email, u.Name, r, p.Name)
				if !pwStdin {
					fmt.Fprintf(e.stdout, "First password (shown once; pass it on privately): %s\n", password)
				}
			} else {
				fmt.Fprintf(e.stdout, "%s now has role %s in %s.\n", u.Email, r, p.Name)
			}
			if r.NeedsMFA() && !u.TOTPEnabled {
				fmt.Fprintln(e.stdout, "They will set up an authenticator app at their first sign-in.")
			}
			return nil
		},
	}
	add.Flags().StringVar(&name, "name", "", "the person's full name (needed for a new account)")
	add.Flags().StringVar(&role, "role", "viewer", "role in the practice: owner, admin, assessor or viewer")
	add.Flags().BoolVar(&pwStdin, "password-stdin", false, "read the first password from the first line of standard input")

	list := &cobra.Command{
		Use:   "list",
		Short: "List accounts with their practices and roles",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := e.open(ctx)
			if err != nil {
				return err
			}
			users, err := db.Users(ctx)
			if err != nil {
				return err
			}
			type row struct {
				*store.User
				Memberships []store.Membership `json:"memberships"`
			}
			rows := []row{}
			for _, u := range users {
				ms, err := db.Memberships(ctx, u.ID)
				if err != nil {
					return err
				}
				if ms == nil {
					ms = []store.Membership{}
				}
				rows = append(rows, row{User: u, Memberships: ms})
			}
			if e.format == "json" {
				return e.json(rows)
			}
			tw := e.table()
			fmt.Fprintln(tw, "EMAIL\tNAME\tMFA\tSTATE\tROLES")
			for _, r := range rows {
				var roles []string
				for _, m := range r.Memberships {
					slug := m.PracticeID
					if p, err := db.FindPractice(ctx, m.PracticeID); err == nil {
						slug = p.Slug
					}
					roles = append(roles, slug+":"+m.Role)
				}
				state := "active"
				if r.Disabled {
					state = "disabled"
				} else if r.LockedUntil != nil && r.LockedUntil.After(db.Now()) {
					state = "locked until " + r.LockedUntil.Format("15:04 UTC")
				}
				mfa := "off"
				if r.TOTPEnabled {
					mfa = "on"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Email, truncate(r.Name, 30), mfa, state, strings.Join(roles, ", "))
			}
			return tw.Flush()
		},
	}

	var enable bool
	disable := &cobra.Command{
		Use:   "disable EMAIL",
		Short: "Disable an account: it can no longer sign in, and its API tokens stop working",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.changeUser(cmd, args[0], func(a *auth.Service, u *store.User, ev auth.Event) (string, error) {
				if err := a.SetDisabled(cmd.Context(), u, !enable, ev); err != nil {
					return "", err
				}
				if enable {
					return "Account " + u.Email + " is enabled again.", nil
				}
				return "Account " + u.Email + " is disabled.", nil
			})
		},
	}
	disable.Flags().BoolVar(&enable, "enable", false, "enable the account again instead")

	resetMFA := &cobra.Command{
		Use:   "reset-mfa EMAIL",
		Short: "Remove an account's authenticator and recovery codes (for a lost phone)",
		Long:  "Remove an account's authenticator app and recovery codes, and unlock it. The person sets up a new authenticator at their next sign-in. Check who is asking first.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.changeUser(cmd, args[0], func(a *auth.Service, u *store.User, ev auth.Event) (string, error) {
				if err := a.ResetMFA(cmd.Context(), u, ev); err != nil {
					return "", err
				}
				return "The authenticator of " + u.Email + " was removed; they will set up a new one at their next sign-in.", nil
			})
		},
	}
	cmd.AddCommand(add, list, disable, resetMFA)
	return cmd
}

// changeUser loads an account, applies fn and prints its message.
func (e *env) changeUser(cmd *cobra.Command, email string, fn func(*auth.Service, *store.User, auth.Event) (string, error)) error {
	db, err := e.open(cmd.Context())
	if err != nil {
		return err
	}
	u, err := db.UserByEmail(cmd.Context(), email)
	if err != nil {
		return hipaa.Errorf(hipaa.ENotFound, "no account with email %q: see `safeguard user list`", email)
	}
	msg, err := fn(auth.New(db), u, auth.Event{Actor: "cli:" + e.actor})
	if err != nil {
		return err
	}
	if e.format == "json" {
		return e.json(u)
	}
	fmt.Fprintln(e.stdout, msg)
	return nil
}

// randomPassword makes a first password of 20 characters from an
// unambiguous alphabet (about 100 bits).
func randomPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:5]) + "-" + string(b[5:10]) + "-" + string(b[10:15]) + "-" + string(b[15:])
}
