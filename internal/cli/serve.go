package cli

import (
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/notify"
	"github.com/safeguard-hipaa/safeguard/internal/scheduler"
	"github.com/safeguard-hipaa/safeguard/internal/web"
)

// serveCmd runs the web app and JSON API.
func (e *env) serveCmd() *cobra.Command {
	cfg := web.Config{}
	var proxies []string
	var maxUploadMB int64
	var sf smtpFlags
	var noScheduler bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the web app and JSON API",
		Long: `Run Safeguard's web app for the practice's staff, and its JSON API under /api/v1.

By default it listens on 127.0.0.1:8080, reachable from this computer only. To serve other
computers, give --addr and either a certificate (--tls-cert, --tls-key) or run it behind a reverse
proxy that terminates HTTPS, named with --trusted-proxy. Open the address in a browser: the first
visit sets up the practice and its owner's account.

It also runs the scheduled work: reminders of due duties (by e-mail with --smtp-host, and to the
webhooks set with "safeguard reminders add") every 15 minutes, a weekly digest on Mondays, re-checks
of watched folders every 5 minutes, and feed updates once loaded. Several instances may share one
PostgreSQL database: each job runs on one of them at a time. Use --no-scheduler to leave it to others.`,
		Example: `  safeguard serve
  safeguard serve --addr 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem
  safeguard serve --addr 127.0.0.1:8080 --trusted-proxy 127.0.0.1/32 --idle-timeout 10m`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
				return hipaa.Errorf(hipaa.EInvalid, "--tls-cert and --tls-key go together: give both, or neither")
			}
			for _, p := range proxies {
				pre, err := netip.ParsePrefix(p)
				if err != nil {
					a, aerr := netip.ParseAddr(p)
					if aerr != nil {
						return hipaa.Errorf(hipaa.EInvalid, "--trusted-proxy %q is not an address or CIDR range, e.g. 10.0.0.5 or 10.0.0.0/24", p)
					}
					pre = netip.PrefixFrom(a, a.BitLen())
				}
				cfg.TrustedProxies = append(cfg.TrustedProxies, pre)
			}
			if cfg.IdleTimeout < time.Minute || cfg.IdleTimeout > 12*time.Hour {
				return hipaa.Errorf(hipaa.EInvalid, "--idle-timeout %s is out of range: use 1m to 12h (15m is common)", cfg.IdleTimeout)
			}
			if maxUploadMB < 1 || maxUploadMB > 1024 {
				return hipaa.Errorf(hipaa.EInvalid, "--max-upload-mb %d is out of range: use 1 to 1024", maxUploadMB)
			}
			cfg.MaxUpload = maxUploadMB << 20
			if cfg.Lockout < time.Minute {
				return hipaa.Errorf(hipaa.EInvalid, "--lockout %s is too short: use at least 1m", cfg.Lockout)
			}
			cat, err := e.catalog()
			if err != nil {
				return err
			}
			db, err := e.open(cmd.Context())
			if err != nil {
				return err
			}
			cfg.Logger = slog.New(slog.NewTextHandler(e.stderr, nil))
			mailer, err := e.mailer(&sf)
			if err != nil {
				return err
			}
			if !noScheduler {
				// Reminders, the weekly digest, watched folders and feed updates run
				// here; a database lease keeps several instances from doubling them.
				host, _ := os.Hostname()
				instance := fmt.Sprintf("%s/%d", host, os.Getpid())
				d := &notify.Dispatcher{Mailer: mailer, Webhook: &notify.Webhook{}, Instance: instance}
				sched := &scheduler.Scheduler{DB: db, Instance: instance, Jobs: app.ScheduledJobs(db, cat, d), Log: cfg.Logger}
				wg := sched.Start(cmd.Context())
				defer wg.Wait()
			}
			srv, err := web.New(db, cat, cfg)
			if err != nil {
				return hipaa.WrapError(hipaa.EInternal, err, "the web app's templates are broken")
			}
			err = srv.ListenAndServe(cmd.Context(), func(addr string) {
				scheme := "http"
				if cfg.TLS() {
					scheme = "https"
				}
				host := addr
				if strings.HasPrefix(addr, "0.0.0.0:") || strings.HasPrefix(addr, "[::]:") {
					host = "localhost" + addr[strings.LastIndex(addr, ":"):]
				}
				fmt.Fprintf(e.stdout, "Safeguard is serving %s on %s://%s/ (database %s). Press Ctrl+C to stop.\n", cat.Version, scheme, host, db.Where())
			})
			if err != nil {
				return hipaa.WrapError(hipaa.EUnavailable, err, "cannot serve on %s: %s", cfg.Addr, firstLine(err.Error()))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", web.DefaultAddr, "address to listen on")
	f.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate file (PEM) to serve HTTPS")
	f.StringVar(&cfg.TLSKey, "tls-key", "", "TLS private key file (PEM)")
	f.StringArrayVar(&proxies, "trusted-proxy", nil, "address or CIDR of a reverse proxy that terminates HTTPS and sets X-Forwarded-For/-Proto (repeatable)")
	f.DurationVar(&cfg.IdleTimeout, "idle-timeout", web.DefaultIdleTimeout, "sign people out after this long without activity (164.312(a)(2)(iii))")
	f.DurationVar(&cfg.Lockout, "lockout", 15*time.Minute, "how long an account stays locked after too many failed sign-ins")
	f.IntVar(&cfg.MaxFailures, "max-failures", 5, "failed sign-ins in a row that lock an account")
	f.Int64Var(&maxUploadMB, "max-upload-mb", web.DefaultMaxUpload>>20, "largest evidence file accepted, in MiB")
	f.BoolVar(&noScheduler, "no-scheduler", false, "do not send reminders or re-check watched folders from this instance")
	e.addSMTPFlags(cmd, &sf)
	return cmd
}
