// Package web is Safeguard's web app and JSON API: server-rendered pages
// (html/template with htmx, every asset embedded) for setting up a practice,
// signing in with a second factor, the dashboard, the guided questionnaire
// and the risk register, and a bearer-token API under /api/v1. Handlers call
// the app, auth and store packages and hold no business rules.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/safeguard-hipaa/safeguard/internal/auth"
	"github.com/safeguard-hipaa/safeguard/internal/catalog"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// Defaults for Config.
const (
	DefaultAddr        = "127.0.0.1:8080"
	DefaultIdleTimeout = 15 * time.Minute
	DefaultLifetime    = 10 * time.Hour
	DefaultMaxBody     = 1 << 20
)

// Config is how the server runs.
type Config struct {
	// Addr is the address to listen on.
	Addr string
	// TLSCert and TLSKey, when both set, serve HTTPS.
	TLSCert, TLSKey string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto headers are believed. When set, the proxy is taken to
	// terminate HTTPS, so cookies are marked Secure.
	TrustedProxies []netip.Prefix
	// IdleTimeout signs a person out after this long without a request
	// (automatic logoff, 164.312(a)(2)(iii)).
	IdleTimeout time.Duration
	// Lifetime bounds a session however active it is.
	Lifetime time.Duration
	// Lockout is how long an account stays locked after too many failed sign-ins.
	Lockout time.Duration
	// MaxFailures is how many failed sign-ins in a row lock an account.
	MaxFailures int
	// MaxBody is the largest request body accepted, in bytes.
	MaxBody int64
	// MaxUpload is the largest evidence file accepted, in bytes.
	MaxUpload int64
	// LoginAttempts is how many sign-in attempts one network address may
	// make in five minutes, whichever accounts they are for.
	LoginAttempts int
	// Logger receives errors and requests; nothing in it names a patient.
	Logger *slog.Logger
}

func (c *Config) defaults() {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.Lifetime <= 0 {
		c.Lifetime = DefaultLifetime
	}
	if c.Lockout <= 0 {
		c.Lockout = auth.DefaultLockout
	}
	if c.MaxFailures <= 0 {
		c.MaxFailures = auth.DefaultMaxFailures
	}
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.MaxUpload <= 0 {
		c.MaxUpload = DefaultMaxUpload
	}
	if c.LoginAttempts <= 0 {
		c.LoginAttempts = 20
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// TLS reports whether the server itself serves HTTPS.
func (c *Config) TLS() bool { return c.TLSCert != "" && c.TLSKey != "" }

// Server is the web app and API.
type Server struct {
	db        *store.DB
	cat       *catalog.Catalog
	auth      *auth.Service
	sessions  *scs.SessionManager
	pages     *pages
	cfg       Config
	log       *slog.Logger
	limiter   *limiter
	handler   http.Handler
	routes    []route
	summaries summaries
	setupMu   sync.Mutex
}

// New builds the server: it parses every template (failing on a broken
// one) and sets up sessions in the database.
func New(db *store.DB, cat *catalog.Catalog, cfg Config) (*Server, error) {
	cfg.defaults()
	pg, err := parsePages()
	if err != nil {
		return nil, err
	}
	a := auth.New(db)
	a.Lockout, a.MaxFailures = cfg.Lockout, cfg.MaxFailures
	sm := scs.New()
	sm.Store = auth.SessionStore{DB: db}
	sm.HashTokenInStore = true
	// The idle timeout is checked by requireUser from a "seen" time that is
	// refreshed now and then, rather than by the session manager, which would
	// write the session on every request.
	sm.Lifetime = cfg.Lifetime
	sm.Cookie.Name = "safeguard_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = cfg.TLS() || len(cfg.TrustedProxies) > 0
	sm.Cookie.Persist = false
	s := &Server{db: db, cat: cat, auth: a, sessions: sm, pages: pg, cfg: cfg, log: cfg.Logger, limiter: newLimiter(cfg.LoginAttempts, 5*time.Minute)}
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) { s.fail(w, r, err) }
	s.routes = s.routeTable()
	s.handler = s.build()
	return s, nil
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Auth returns the account service the server uses.
func (s *Server) Auth() *auth.Service { return s.auth }

// ListenAndServe serves until ctx is done, then shuts down gracefully.
// ready, if not nil, receives the address once the server listens.
func (s *Server) ListenAndServe(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	go s.sweepSessions(ctx)
	errc := make(chan error, 1)
	go func() {
		if s.cfg.TLS() {
			errc <- srv.ServeTLS(ln, s.cfg.TLSCert, s.cfg.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}

// sweepSessions deletes expired sessions now and then.
func (s *Server) sweepSessions(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if err := s.db.DeleteExpiredSessions(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("deleting expired sessions failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
