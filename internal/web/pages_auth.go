package web

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"
	"strings"
	"time"

	"github.com/pquerna/otp"

	"github.com/safeguard-hipaa/safeguard/internal/auth"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// setupForm is the first-run form, kept to show again with its errors.
type setupForm struct {
	PracticeName, TimeZone, Name, Email string
}

// needsSetup reports whether no account exists yet.
func (s *Server) needsSetup(r *http.Request) (bool, error) {
	n, err := s.db.CountUsers(r.Context())
	return n == 0, err
}

func (s *Server) setupPage(w http.ResponseWriter, r *http.Request) {
	need, err := s.needsSetup(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !need {
		redirect(w, r, "/login")
		return
	}
	s.render(w, r, http.StatusOK, "setup", s.newView(r, "Set up Safeguard", "", setupForm{TimeZone: "America/New_York"}))
}

func (s *Server) setupSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	s.setupMu.Lock() // two first visitors cannot both become the first owner
	defer s.setupMu.Unlock()
	need, err := s.needsSetup(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !need {
		s.fail(w, r, hipaa.Errorf(hipaa.EConflict, "Safeguard is already set up: sign in, or ask an administrator for an account"))
		return
	}
	if err := parseForm(r); err != nil {
		s.fail(w, r, err)
		return
	}
	f := setupForm{PracticeName: r.PostFormValue("practice_name"), TimeZone: r.PostFormValue("time_zone"),
		Name: r.PostFormValue("name"), Email: r.PostFormValue("email")}
	pw, pw2 := r.PostFormValue("password"), r.PostFormValue("password_confirm")
	v := s.newView(r, "Set up Safeguard", "", f)
	p := &hipaa.Practice{Name: f.PracticeName, TimeZone: strings.TrimSpace(f.TimeZone), SecurityOfficial: strings.TrimSpace(f.Name)}
	if err := p.Validate(); err != nil {
		field := "practice_name"
		if strings.Contains(err.Error(), "time zone") {
			field = "time_zone"
		}
		v.Errors[field] = hipaa.ErrorMessage(err)
	}
	email, err := auth.CheckEmail(f.Email)
	if err != nil {
		v.Errors["email"] = hipaa.ErrorMessage(err)
	}
	if strings.TrimSpace(f.Name) == "" {
		v.Errors["name"] = "Give your full name; it appears in the activity log and on sign-offs."
	}
	if err := auth.CheckPassword(pw, email, f.Name); err != nil {
		v.Errors["password"] = hipaa.ErrorMessage(err)
	} else if pw != pw2 {
		v.Errors["password_confirm"] = "The two passwords are not the same: type it again."
	}
	if len(v.Errors) > 0 {
		v.Error = "Please correct the fields marked below."
		s.render(w, r, http.StatusUnprocessableEntity, "setup", v)
		return
	}
	if err := s.db.CreatePractice(ctx, p); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.auth.CreateUser(ctx, email, f.Name, pw)
	if err == nil {
		err = s.db.SetMembership(ctx, u.ID, p.ID, string(auth.RoleOwner))
	}
	if err != nil {
		_ = s.db.DeletePractice(ctx, p.ID) // nothing half-saved
		s.fail(w, r, err)
		return
	}
	_ = s.auth.Record(ctx, auth.Event{User: u, PracticeID: p.ID, Action: "setup.completed", Subject: p.ID,
		After: map[string]any{"practice": p.Name, "owner": u.Email}, RemoteAddr: s.clientIP(r)})
	_ = s.sessions.RenewToken(ctx)
	s.sessions.Put(ctx, sessEnroll, u.ID)
	s.sessions.Put(ctx, sessPractice, p.ID)
	redirect(w, r, "/mfa/setup")
}

type loginForm struct {
	Email, Next string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	need, err := s.needsSetup(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if need {
		redirect(w, r, "/setup")
		return
	}
	if s.sessions.GetString(r.Context(), sessUser) != "" {
		redirect(w, r, "/")
		return
	}
	v := s.newView(r, "Sign in", "", loginForm{Next: safeNext(r.URL.Query().Get("next"))})
	if r.URL.Query().Get("timeout") != "" {
		v.Flash = "You were signed out after a period without activity."
	}
	s.render(w, r, http.StatusOK, "login", v)
}

var errTooMany = &hipaa.Error{Code: "too_many", Message: "too many sign-in attempts from your network: wait a few minutes and try again"}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := parseForm(r); err != nil {
		s.fail(w, r, err)
		return
	}
	f := loginForm{Email: r.PostFormValue("email"), Next: safeNext(r.PostFormValue("next"))}
	v := s.newView(r, "Sign in", "", f)
	if !s.limiter.allow("login:" + s.clientIP(r)) {
		v.Error = errTooMany.Message
		s.render(w, r, http.StatusTooManyRequests, "login", v)
		return
	}
	u, err := s.auth.Authenticate(ctx, f.Email, r.PostFormValue("password"))
	if err != nil {
		if st := statusOf(err); st >= 500 {
			s.fail(w, r, err)
			return
		}
		_ = s.auth.Record(ctx, auth.Event{Actor: strings.ToLower(strings.TrimSpace(f.Email)), Action: "login.failed", RemoteAddr: s.clientIP(r)})
		v.Error = hipaa.ErrorMessage(err)
		s.render(w, r, http.StatusUnauthorized, "login", v)
		return
	}
	need, err := s.auth.NeedsMFA(ctx, u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_ = s.sessions.RenewToken(ctx)
	s.sessions.Put(ctx, "next", f.Next)
	switch {
	case need && u.TOTPEnabled:
		s.sessions.Put(ctx, sessPending, u.ID)
		redirect(w, r, "/login/mfa")
	case need:
		s.sessions.Put(ctx, sessEnroll, u.ID)
		redirect(w, r, "/mfa/setup")
	default:
		if err := s.auth.CompleteWithoutMFA(ctx, u); err != nil {
			s.fail(w, r, err)
			return
		}
		s.signedIn(w, r, u)
	}
}

// signedIn completes a sign-in: a fresh session token, and on to the page asked for.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request, u *store.User) {
	ctx := r.Context()
	_ = s.sessions.RenewToken(ctx)
	s.sessions.Remove(ctx, sessPending)
	s.sessions.Remove(ctx, sessEnroll)
	s.sessions.Put(ctx, sessUser, u.ID)
	s.sessions.Put(ctx, sessSeen, time.Now().UnixMilli())
	_ = s.auth.Record(ctx, auth.Event{User: u, Action: "login", Subject: u.Email, RemoteAddr: s.clientIP(r)})
	next := safeNext(s.sessions.PopString(ctx, "next"))
	redirect(w, r, next)
}

func (s *Server) mfaPage(w http.ResponseWriter, r *http.Request) {
	if s.sessions.GetString(r.Context(), sessPending) == "" {
		redirect(w, r, "/login")
		return
	}
	s.render(w, r, http.StatusOK, "mfa", s.newView(r, "Enter your code", "", nil))
}

func (s *Server) mfaSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	uid := s.sessions.GetString(ctx, sessPending)
	if uid == "" {
		redirect(w, r, "/login")
		return
	}
	if err := parseForm(r); err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "Enter your code", "", nil)
	if !s.limiter.allow("mfa:" + s.clientIP(r)) {
		v.Error = errTooMany.Message
		s.render(w, r, http.StatusTooManyRequests, "mfa", v)
		return
	}
	if err := s.auth.VerifySecondFactor(ctx, uid, r.PostFormValue("code")); err != nil {
		if statusOf(err) >= 500 {
			s.fail(w, r, err)
			return
		}
		v.Errors["code"] = hipaa.ErrorMessage(err)
		s.render(w, r, http.StatusUnauthorized, "mfa", v)
		return
	}
	u, err := s.db.User(ctx, uid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.signedIn(w, r, u)
}

// enrollData is the authenticator set-up page.
type enrollData struct {
	Secret, URL string
	QR          template.URL // a data: URL made here, so it is safe
	Codes       []string
}

func (s *Server) enrollPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if codes, ok := s.sessions.Get(ctx, sessCodes).([]string); ok && s.sessions.GetString(ctx, sessUser) != "" {
		// Recovery codes, shown once right after set-up.
		s.sessions.Remove(ctx, sessCodes)
		in := info(r)
		if u, err := s.db.User(ctx, s.sessions.GetString(ctx, sessUser)); err == nil {
			in.User = u
			r = withInfo(r, in)
		}
		s.render(w, r, http.StatusOK, "codes", s.newView(r, "Save your recovery codes", "", enrollData{Codes: codes}))
		return
	}
	uid := s.sessions.GetString(ctx, sessEnroll)
	if uid == "" {
		redirect(w, r, "/login")
		return
	}
	u, err := s.db.User(ctx, uid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	secret, url, err := s.auth.BeginMFA(ctx, u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "enroll", s.newView(r, "Set up your authenticator app", "", enrollData{Secret: groupSecret(secret), URL: url, QR: qrDataURL(url)}))
}

func (s *Server) enrollSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	uid := s.sessions.GetString(ctx, sessEnroll)
	if uid == "" {
		redirect(w, r, "/login")
		return
	}
	if err := parseForm(r); err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.db.User(ctx, uid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	codes, err := s.auth.ConfirmMFA(ctx, u, r.PostFormValue("code"))
	if err != nil {
		if statusOf(err) >= 500 {
			s.fail(w, r, err)
			return
		}
		url := auth.KeyURL(u.Email, u.TOTPSecret)
		v := s.newView(r, "Set up your authenticator app", "", enrollData{Secret: groupSecret(u.TOTPSecret), URL: url, QR: qrDataURL(url)})
		v.Errors["code"] = hipaa.ErrorMessage(err)
		s.render(w, r, http.StatusUnprocessableEntity, "enroll", v)
		return
	}
	s.sessions.Put(ctx, "next", "/mfa/setup")
	s.sessions.Put(ctx, sessCodes, codes)
	s.signedIn(w, r, u)
}

// groupSecret splits a secret into groups of four for typing.
func groupSecret(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// qrDataURL draws the otpauth URL as a QR code in a data: URL.
func qrDataURL(url string) template.URL {
	k, err := otp.NewKeyFromURL(url)
	if err != nil {
		return ""
	}
	img, err := k.Image(240, 240)
	if err != nil {
		return ""
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return ""
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if uid := s.sessions.GetString(ctx, sessUser); uid != "" {
		_ = s.auth.Record(ctx, auth.Event{Actor: uid, Action: "logout", RemoteAddr: s.clientIP(r)})
	}
	_ = s.sessions.Destroy(ctx)
	redirect(w, r, "/login")
}

// home sends a signed-in person to the practice they last worked on.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	in := info(r)
	ms, err := s.db.Memberships(r.Context(), in.User.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	last := s.sessions.GetString(r.Context(), sessPractice)
	for _, m := range ms {
		if m.PracticeID == last {
			redirect(w, r, "/p/"+m.PracticeID+"/")
			return
		}
	}
	if len(ms) == 1 {
		redirect(w, r, "/p/"+ms[0].PracticeID+"/")
		return
	}
	s.practicesPage(w, r)
}

// newPracticeForm is the form to create another practice.
type newPracticeForm struct {
	Name, TimeZone string
}

func (s *Server) practicesPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "practices", s.newView(r, "Your practices", "practices", newPracticeForm{TimeZone: "America/New_York"}))
}

// practiceCreate makes another practice with the person as its owner, as an
// IT consultant does for each client. Owners need a second factor, so the
// person must have one set up first.
func (s *Server) practiceCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := parseForm(r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := info(r)
	f := newPracticeForm{Name: r.PostFormValue("name"), TimeZone: strings.TrimSpace(r.PostFormValue("time_zone"))}
	v := s.newView(r, "Your practices", "practices", f)
	if !in.User.TOTPEnabled {
		v.Error = "Practice owners must sign in with an authenticator app. Ask an administrator to reset your sign-in so you can set one up, then try again."
		s.render(w, r, http.StatusConflict, "practices", v)
		return
	}
	p := &hipaa.Practice{Name: f.Name, TimeZone: f.TimeZone}
	if err := p.Validate(); err != nil {
		field := "pname"
		if strings.Contains(err.Error(), "time zone") {
			field = "ptz"
		}
		v.Errors[field] = hipaa.ErrorMessage(err)
		s.render(w, r, http.StatusUnprocessableEntity, "practices", v)
		return
	}
	if err := s.db.CreatePractice(ctx, p); err != nil {
		if hipaa.ErrorCodeOf(err) == hipaa.EConflict {
			v.Errors["pname"] = "A practice with a very similar name exists already: add the town to the name."
			s.render(w, r, http.StatusUnprocessableEntity, "practices", v)
			return
		}
		s.fail(w, r, err)
		return
	}
	if err := s.db.SetMembership(ctx, in.User.ID, p.ID, string(auth.RoleOwner)); err != nil {
		_ = s.db.DeletePractice(ctx, p.ID) // nothing half-saved
		s.fail(w, r, err)
		return
	}
	in.Practice = p
	s.record(r, "practice.created", p.ID, nil, map[string]any{"name": p.Name, "owner": in.User.Email})
	s.sessions.Put(ctx, sessFlash, "Practice "+p.Name+" was created; you are its owner.")
	redirect(w, r, "/p/"+p.ID+"/")
}

// passwordChange sets a new password after checking the current one.
func (s *Server) passwordChange(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := parseForm(r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := info(r)
	errs := map[string]string{}
	if !auth.VerifyPassword(in.User.PasswordHash, r.PostFormValue("current")) {
		errs["current"] = "That is not your current password."
	} else if pw := r.PostFormValue("new"); pw != r.PostFormValue("new_confirm") {
		errs["new_confirm"] = "The two new passwords are not the same: type it again."
	} else if err := s.auth.SetPassword(ctx, in.User, pw); err != nil {
		if statusOf(err) >= 500 {
			s.fail(w, r, err)
			return
		}
		errs["new"] = hipaa.ErrorMessage(err)
	}
	if len(errs) > 0 {
		s.renderAccount(w, r, http.StatusUnprocessableEntity, "", tokenForm{}, errs)
		return
	}
	_ = s.sessions.RenewToken(ctx)
	_ = s.auth.Record(ctx, auth.Event{User: in.User, Action: "password.changed", Subject: in.User.Email, RemoteAddr: s.clientIP(r)})
	s.sessions.Put(ctx, sessFlash, "Your password was changed.")
	redirect(w, r, "/account")
}

// accountData is the account page: the person's API tokens.
type accountData struct {
	Tokens   []*store.APIToken
	NewToken string
	Form     tokenForm
}

type tokenForm struct {
	Name      string
	Practices []string
	Write     bool
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	s.renderAccount(w, r, http.StatusOK, "", tokenForm{}, nil)
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, newToken string, f tokenForm, errs map[string]string) {
	in := info(r)
	toks, err := s.db.APITokens(r.Context(), in.User.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "Your account", "account", accountData{Tokens: toks, NewToken: newToken, Form: f})
	for k, m := range errs {
		v.Errors[k] = m
	}
	s.render(w, r, status, "account", v)
}

func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := info(r)
	f := tokenForm{Name: r.PostFormValue("name"), Practices: r.PostForm["practices"], Write: r.PostFormValue("write") == "on"}
	tok, _, err := s.auth.CreateToken(r.Context(), in.User, f.Name, f.Practices, f.Write)
	if err != nil {
		if statusOf(err) >= 500 {
			s.fail(w, r, err)
			return
		}
		field := "name"
		if strings.Contains(err.Error(), "practice") {
			field = "practices"
		}
		s.renderAccount(w, r, http.StatusUnprocessableEntity, "", f, map[string]string{field: hipaa.ErrorMessage(err)})
		return
	}
	s.renderAccount(w, r, http.StatusOK, tok, tokenForm{}, nil)
}

func (s *Server) tokenRevoke(w http.ResponseWriter, r *http.Request) {
	in := info(r)
	if err := s.auth.RevokeToken(r.Context(), in.User, r.PathValue("tid")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), sessFlash, "The token was revoked; programs using it can no longer reach Safeguard.")
	redirect(w, r, "/account")
}
