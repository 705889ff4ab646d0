package web

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/auth"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// csp allows scripts, styles and fonts from this server only: no inline
// script or style, no eval, no framing.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// secure sets the security headers on every response.
func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
		if s.isHTTPS(r) {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// isHTTPS reports whether the browser reached us over HTTPS, directly or
// through a trusted proxy.
func (s *Server) isHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.fromTrustedProxy(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (s *Server) fromTrustedProxy(r *http.Request) bool {
	ip, ok := peerIP(r.RemoteAddr)
	if !ok {
		return false
	}
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func peerIP(addr string) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip, err := netip.ParseAddr(host)
	return ip.Unmap(), err == nil
}

// clientIP is the browser's address: the peer, or behind trusted proxies the
// last address in X-Forwarded-For that is not one of them.
func (s *Server) clientIP(r *http.Request) string {
	ip, ok := peerIP(r.RemoteAddr)
	if !ok {
		return ""
	}
	if !s.fromTrustedProxy(r) {
		return ip.String()
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		trusted := false
		for _, p := range s.cfg.TrustedProxies {
			if p.Contains(h.Unmap()) {
				trusted = true
			}
		}
		if !trusted {
			return h.Unmap().String()
		}
	}
	return ip.String()
}

// limitBody refuses request bodies over the configured size, saying what the limit is.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, refusal := s.cfg.MaxBody, tooLarge(s.cfg.MaxBody)
		if isUpload(r) {
			limit = s.cfg.MaxUpload + 64<<10 // the file and the form around it
			refusal = fileTooLarge(s.cfg.MaxUpload)
		}
		if r.ContentLength > limit {
			s.fail(w, r, refusal)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// errTooLarge is a refused request body.
type errTooLarge struct {
	limit int64
	file  bool
}

// Error names the limit, which the person sees.
func (e errTooLarge) Error() string {
	if e.file {
		return fmt.Sprintf("the file is larger than the %s limit: attach a smaller file, or split it", humanBytes(e.limit))
	}
	return fmt.Sprintf("the submission is larger than the %s limit: send less at once", humanBytes(e.limit))
}

func tooLarge(limit int64) error { return errTooLarge{limit: limit} }

func fileTooLarge(limit int64) error { return errTooLarge{limit: limit, file: true} }

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// parseForm parses a form body, turning an oversized body into a clear error.
func parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge(mbe.Limit)
		}
		return hipaa.Errorf(hipaa.EInvalid, "the form could not be read: reload the page and try again")
	}
	return nil
}

// recoverPanics turns a panic into a plain 500 page.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.fail(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// limiter counts attempts per key (an IP address) in a fixed window.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	hits   map[string]*window
}

type window struct {
	start time.Time
	n     int
}

func newLimiter(max int, per time.Duration) *limiter {
	return &limiter{max: max, window: per, hits: map[string]*window{}}
}

// allow counts an attempt and reports whether it is within the limit.
func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if len(l.hits) > 10000 {
		for k, w := range l.hits {
			if now.Sub(w.start) > l.window {
				delete(l.hits, k)
			}
		}
	}
	w := l.hits[key]
	if w == nil || now.Sub(w.start) > l.window {
		w = &window{start: now}
		l.hits[key] = w
	}
	w.n++
	return w.n <= l.max
}

// Request context: who is signed in and which practice they act on.
type ctxKey int

const reqKey ctxKey = 1

// reqInfo is what the middleware learned about a request.
type reqInfo struct {
	User     *store.User
	Practice *hipaa.Practice
	Role     auth.Role
	Token    *store.APIToken
	// Memberships are the user's practices, when already loaded.
	Memberships []store.MemberPractice
}

func info(r *http.Request) *reqInfo {
	if v, ok := r.Context().Value(reqKey).(*reqInfo); ok {
		return v
	}
	return &reqInfo{}
}

func withInfo(r *http.Request, in *reqInfo) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), reqKey, in))
}

// service returns the use cases for the request's practice, acting as its user.
func (s *Server) service(r *http.Request) *app.Service {
	in := info(r)
	actor := "web"
	if in.User != nil {
		actor = in.User.Name
	}
	return app.New(s.cat, s.db.For(in.Practice.ID), actor)
}

// record appends to the activity log for the request's user and practice.
func (s *Server) record(r *http.Request, action, subject string, before, after map[string]any) {
	in := info(r)
	e := auth.Event{User: in.User, Action: action, Subject: subject, Before: before, After: after, RemoteAddr: s.clientIP(r)}
	if in.Practice != nil {
		e.PracticeID = in.Practice.ID
	}
	if in.Token != nil {
		if e.After == nil {
			e.After = map[string]any{}
		}
		e.After["via_token"] = in.Token.ID
	}
	if err := s.auth.Record(r.Context(), e); err != nil {
		s.log.Error("activity log write failed", "action", action, "err", err)
	}
}
