package web

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/app"
	"github.com/safeguard-hipaa/safeguard/internal/auth"
	"github.com/safeguard-hipaa/safeguard/internal/calendar"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

// defaultWithin is the calendar page's range when none is chosen.
const defaultWithin = "90d"

// feedWithin is how far ahead a subscribed calendar feed looks, in days.
const feedWithin = 400

// feedPrefix starts every calendar feed secret, so a leaked one is easy to recognise.
const feedPrefix = "sgc_"

// sessFeedURL holds a new feed address until the calendar page shows it once.
const sessFeedURL = "feed_url"

// withinChoice is one entry of the calendar's range selector.
type withinChoice struct {
	Value, Label string
}

var withinChoices = []withinChoice{{"30d", "30 days"}, {"90d", "90 days"}, {"6m", "6 months"}, {"1y", "12 months"}}

// dutyGroup is a heading of the calendar page and its duties.
type dutyGroup struct {
	ID, Title, Empty string
	Duties           []dutyView
}

// dutyView is a duty with what the page needs to offer "Mark done".
type dutyView struct {
	calendar.Duty
	Recurring bool
	Late      int // days past due
}

type calendarData struct {
	Groups    []dutyGroup
	Within    string
	Choices   []withinChoice
	Today     string
	CanWrite  bool
	Feed      *store.CalendarFeed
	FeedURL   string // shown once, right after it is made
	Count     int
	ProposedN int
}

// calendarPage shows the practice's duties grouped by urgency, and the
// person's calendar feed.
func (s *Server) calendarPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	in := info(r)
	svc := s.service(r)
	within := strings.TrimSpace(r.URL.Query().Get("within"))
	if within == "" {
		within = defaultWithin
	}
	status, msg := http.StatusOK, ""
	days, err := calendar.ParseWithin(within)
	if err != nil {
		status, msg = http.StatusBadRequest, strings.Replace(hipaa.ErrorMessage(err), "--within", "the range", 1)+". Showing the next 90 days."
		within, days = defaultWithin, 90
	}
	duties, p, err := svc.Calendar(ctx, days)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := &calendarData{Within: within, Choices: withinChoices, Today: app.Today(p, s.db.Now()), CanWrite: in.Role.Allows(auth.PermWrite), Count: len(duties)}
	d.Groups = []dutyGroup{
		{ID: "overdue", Title: "Overdue", Empty: "Nothing is overdue."},
		{ID: "week", Title: "Due this week", Empty: "Nothing falls due in the next seven days."},
		{ID: "later", Title: "Later", Empty: "Nothing else falls due in this range."},
	}
	for _, du := range duties {
		_, recurring := calendar.CadenceOf(du.Kind)
		i := 2
		switch du.State {
		case calendar.StateOverdue:
			i = 0
		case calendar.StateDue:
			i = 1
		}
		if du.Proposed {
			d.ProposedN++
		}
		d.Groups[i].Duties = append(d.Groups[i].Duties, dutyView{Duty: du, Recurring: recurring, Late: -du.DaysLeft})
	}
	if f, err := svc.Scope.CalendarFeed(ctx, in.User.ID); err == nil {
		d.Feed = f
	} else if !hipaa.IsNotFound(err) {
		s.fail(w, r, err)
		return
	}
	d.FeedURL = s.sessions.PopString(ctx, sessFeedURL)
	v := s.newView(r, "Compliance calendar", "calendar", d)
	v.Error = msg
	s.render(w, r, status, "calendar", v)
}

// dutyDone records that a recurring duty was done, which moves its next due date.
func (s *Server) dutyDone(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := parseForm(r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := info(r)
	kind := r.PostFormValue("kind")
	c, ok := calendar.CadenceOf(kind)
	if !ok {
		s.fail(w, r, hipaa.Errorf(hipaa.EInvalid, "choose a recurring duty to mark done from the calendar"))
		return
	}
	on := strings.TrimSpace(r.PostFormValue("on"))
	today := app.Today(in.Practice, s.db.Now())
	if on == "" {
		on = today
	}
	if t, err := time.Parse(time.DateOnly, on); err != nil {
		s.fail(w, r, hipaa.Errorf(hipaa.EInvalid, "the date %q is not a date: use YYYY-MM-DD", on))
		return
	} else if on > today {
		s.fail(w, r, hipaa.Errorf(hipaa.EInvalid, "the date %s is in the future: record a duty on or after the day it was done", t.Format(time.DateOnly)))
		return
	}
	dd, err := s.service(r).RecordDuty(ctx, kind, on, strings.TrimSpace(r.PostFormValue("note")))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.record(r, "duty.done", dd.ID, nil, map[string]any{"kind": kind, "done_on": on, "note": dd.Note})
	s.sessions.Put(ctx, sessFlash, "Recorded: “"+c.Title+"” done on "+on+". The calendar now shows the next time it is due.")
	redirect(w, r, "/p/"+in.Practice.ID+"/calendar")
}

// feedHash is how a feed secret is kept: its SHA-256, in hex.
func feedHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// feedCreate gives the signed-in person a new secret feed address for the
// practice, replacing the one they had.
func (s *Server) feedCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := parseForm(r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := info(r)
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		s.fail(w, r, hipaa.WrapError(hipaa.EInternal, err, "cannot make a feed address"))
		return
	}
	secret := feedPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
	old, _ := s.db.For(in.Practice.ID).CalendarFeed(ctx, in.User.ID)
	f, err := s.db.For(in.Practice.ID).CreateCalendarFeed(ctx, in.User.ID, feedHash(secret))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var before map[string]any
	if old != nil {
		before = map[string]any{"feed": old.ID}
	}
	s.record(r, "calendar_feed.created", f.ID, before, map[string]any{"feed": f.ID})
	scheme := "http"
	if s.isHTTPS(r) {
		scheme = "https"
	}
	s.sessions.Put(ctx, sessFeedURL, scheme+"://"+r.Host+"/calendar/"+secret+".ics")
	msg := "Your calendar address is ready: copy it now, it is shown only once."
	if old != nil {
		msg = "A new calendar address replaced the old one, which no longer works: copy it now, it is shown only once."
	}
	s.sessions.Put(ctx, sessFlash, msg)
	redirect(w, r, "/p/"+in.Practice.ID+"/calendar#feed")
}

// feedRevoke stops the signed-in person's feed for the practice.
func (s *Server) feedRevoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := parseForm(r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := info(r)
	old, err := s.db.For(in.Practice.ID).CalendarFeed(ctx, in.User.ID)
	switch {
	case hipaa.IsNotFound(err):
		s.sessions.Put(ctx, sessFlash, "You have no calendar address to turn off.")
	case err != nil:
		s.fail(w, r, err)
		return
	default:
		if err := s.db.For(in.Practice.ID).RevokeCalendarFeed(ctx, in.User.ID); err != nil && !hipaa.IsNotFound(err) {
			s.fail(w, r, err)
			return
		}
		s.record(r, "calendar_feed.revoked", old.ID, map[string]any{"feed": old.ID}, nil)
		s.sessions.Put(ctx, sessFlash, "Your calendar address is turned off; calendars subscribed to it stop updating.")
	}
	redirect(w, r, "/p/"+in.Practice.ID+"/calendar#feed")
}

// errNoFeed is the one answer for an unknown, revoked or orphaned feed.
var errNoFeed = hipaa.Errorf(hipaa.ENotFound, "there is no calendar at this address: make a new one on Safeguard's Calendar page")

// feedICS serves a person's calendar feed without a session: the secret in
// the address is the credential. A revoked or unknown secret, a disabled
// account or a person no longer in the practice gets 404.
func (s *Server) feedICS(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	secret, ok := strings.CutSuffix(r.PathValue("feed"), ".ics")
	if !ok || !strings.HasPrefix(secret, feedPrefix) || len(secret) > 100 {
		s.fail(w, r, errNoFeed)
		return
	}
	f, err := s.db.CalendarFeedByHash(ctx, feedHash(secret))
	if err != nil {
		if !hipaa.IsNotFound(err) {
			s.fail(w, r, err)
			return
		}
		s.fail(w, r, errNoFeed)
		return
	}
	if f.RevokedAt != nil {
		s.fail(w, r, errNoFeed)
		return
	}
	u, err := s.db.User(ctx, f.UserID)
	if err != nil || u.Disabled {
		s.fail(w, r, errNoFeed)
		return
	}
	role, err := s.auth.Role(ctx, f.UserID, f.PracticeID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if role == "" || !role.Allows(auth.PermRead) {
		s.fail(w, r, errNoFeed)
		return
	}
	svc := app.New(s.cat, s.db.For(f.PracticeID), u.Name)
	duties, p, err := svc.Calendar(ctx, feedWithin)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if f.LastUsedAt == nil || s.db.Now().Sub(*f.LastUsedAt) > time.Minute {
		if err := s.db.TouchCalendarFeed(ctx, f.ID); err != nil {
			s.log.Warn("recording a calendar feed's use failed", "feed", f.ID, "err", err)
		}
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="safeguard.ics"`)
	_, _ = w.Write(calendar.ICS(p.Name, duties, s.db.Now()))
}

// apiCalendar lists the practice's duties as JSON.
func (s *Server) apiCalendar(w http.ResponseWriter, r *http.Request) {
	days := 90
	if q := r.URL.Query().Get("within"); q != "" {
		n, err := calendar.ParseWithin(q)
		if err != nil {
			s.fail(w, r, hipaa.Errorf(hipaa.EInvalid, "%s", strings.Replace(hipaa.ErrorMessage(err), "--within", "within", 1)))
			return
		}
		days = n
	}
	duties, _, err := s.service(r).Calendar(r.Context(), days)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, duties)
}
