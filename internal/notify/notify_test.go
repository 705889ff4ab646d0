package notify

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/calendar"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/notify/smtptest"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/store/storetest"
)

func testMailer(s *smtptest.Server) *Mailer {
	host, port := s.Addr()
	return &Mailer{Host: host, Port: port, Username: "reminders", Password: "pw-123", From: "safeguard@riverside.example",
		TLS: &tls.Config{RootCAs: s.Pool, ServerName: "127.0.0.1"}, Timeout: 5 * time.Second}
}

func TestMailerUsesSTARTTLSAndAuth(t *testing.T) {
	srv := smtptest.New(t, "reminders", "pw-123")
	m := testMailer(srv)
	if err := m.Send(context.Background(), "dana@riverside.example", "Test subject", "line one\nline two"); err != nil {
		t.Fatal(err)
	}
	got := srv.Received()
	if len(got) != 1 || !got[0].TLS || !got[0].Authed || got[0].To != "dana@riverside.example" ||
		!strings.Contains(got[0].Data, "Subject: Test subject") || !strings.Contains(got[0].Data, "line two") {
		t.Fatalf("received %+v", got)
	}
	m.Password = "wrong"
	if err := m.Send(context.Background(), "dana@riverside.example", "s", "b"); err == nil || !strings.Contains(err.Error(), "authentication") {
		t.Errorf("wrong password: %v", err)
	}
}

func TestWebhookStyles(t *testing.T) {
	var mu sync.Mutex
	var bodies []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		json.Unmarshal(b, &m)
		mu.Lock()
		bodies = append(bodies, m)
		mu.Unlock()
		if strings.HasSuffix(r.URL.Path, "/broken") {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	w := &Webhook{}
	ctx := context.Background()
	for _, style := range []string{"", "slack", "teams"} {
		if err := w.Send(ctx, srv.URL+"/hook", style, "Subject", "Body", []string{"x"}); err != nil {
			t.Fatal(err)
		}
	}
	if bodies[0]["subject"] != "Subject" || !strings.Contains(bodies[1]["text"].(string), "Subject") || bodies[2]["@type"] != "MessageCard" {
		t.Errorf("bodies %v", bodies)
	}
	err := w.Send(ctx, srv.URL+"/secret-token/broken", "", "s", "b", nil)
	if err == nil || strings.Contains(err.Error(), "secret-token") {
		t.Errorf("a failing webhook should report its status without the URL's path: %v", err)
	}
}

// practiceWithDuties makes a practice with one e-mail channel and returns
// three duties: a BAA expiring in 20 days, a policy review 5 days overdue and
// training due in 6 days.
func practiceWithDuties(t *testing.T, db *store.DB) (*hipaa.Practice, []calendar.Duty) {
	t.Helper()
	ctx := context.Background()
	p := &hipaa.Practice{Name: "Riverside Family Medicine", TimeZone: "America/Chicago"}
	if err := db.CreatePractice(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := db.For(p.ID).AddChannel(ctx, &store.Channel{Kind: "email", Target: "dana@riverside.example"}); err != nil {
		t.Fatal(err)
	}
	duties := calendar.Finish([]calendar.Duty{
		{Key: "baa-expiry:vnd_1", Kind: calendar.KindBAAExpiry, Title: "BAA with Acme Shredding expires", Due: "2026-12-12", Citation: "164.308(b)(1)"},
		{Key: "policy-review:pol_1", Kind: calendar.KindPolicyReview, Title: "Review the access control policy", Due: "2026-11-17", Citation: "164.316(b)(2)(iii)"},
		{Key: "training:wf_1", Kind: calendar.KindTraining, Title: "Yearly security training for Sam Lee", Due: "2026-11-28", Citation: "164.308(a)(5)(i)"},
		{Key: "pen-test", Kind: calendar.KindPenTest, Title: "Penetration test", Due: "2027-09-01", Citation: "164.308(a)(1)(ii)(B)", Proposed: true},
	}, "2026-11-22", -1)
	return p, duties
}

func TestEachReminderGoesOutOnceAcrossInstances(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		srv := smtptest.New(t, "reminders", "pw-123")
		p, duties := practiceWithDuties(t, db)
		ctx := context.Background()
		// Several instances at once; on PostgreSQL each has its own connection pool.
		open := func() *store.DB { return db }
		if db.Engine() == "postgres" {
			open = func() *store.DB {
				other, err := store.Open(ctx, dbURL(t, db))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { other.Close() })
				return other
			}
		}
		var wg sync.WaitGroup
		reports := make([]*Report, 4)
		for i := range reports {
			inst := open()
			d := &Dispatcher{Mailer: testMailer(srv), Instance: "instance-" + string(rune('a'+i))}
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				rep, err := d.Run(ctx, inst.For(p.ID), p, duties)
				if err != nil {
					t.Error(err)
					return
				}
				reports[i] = rep
			}(i)
		}
		wg.Wait()
		got := srv.Received()
		if len(got) != 3 {
			t.Fatalf("%d e-mails sent, want exactly 3 (BAA, policy review, training)", len(got))
		}
		subjects := ""
		for _, m := range got {
			subjects += m.Data
		}
		for _, want := range []string{"Acme Shredding", "overdue since 2026-11-17", "Sam Lee"} {
			if !strings.Contains(subjects, want) {
				t.Errorf("no reminder mentions %q", want)
			}
		}
		// A later run sends nothing new.
		rep, err := (&Dispatcher{Mailer: testMailer(srv), Instance: "later"}).Run(ctx, db.For(p.ID), p, duties)
		if err != nil || rep.Sent != 0 || len(srv.Received()) != 3 {
			t.Errorf("second run: %+v %v", rep, err)
		}
	})
}

// dbURL finds the URL of a PostgreSQL test database from its store.
func dbURL(t *testing.T, db *store.DB) string {
	t.Helper()
	u := db.URL()
	if u == "" {
		t.Fatal("no URL")
	}
	return u
}

func TestFailuresAreRetriedWithBackoff(t *testing.T) {
	db := storetest.SQLite(t)
	srv := smtptest.New(t, "reminders", "pw-123")
	srv.Reject(true)
	p, duties := practiceWithDuties(t, db)
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	db.SetClock(func() time.Time { return now })
	d := &Dispatcher{Mailer: testMailer(srv), Instance: "a", Backoff: func(int) time.Duration { return 10 * time.Minute }}
	rep, err := d.Run(ctx, db.For(p.ID), p, duties)
	if err != nil || rep.Failed != 3 || rep.Sent != 0 {
		t.Fatalf("first run: %+v %v", rep, err)
	}
	// Too early: nothing is retried.
	srv.Reject(false)
	if rep, _ := d.Run(ctx, db.For(p.ID), p, duties); rep.Sent != 0 {
		t.Errorf("retried before the backoff: %+v", rep)
	}
	now = now.Add(11 * time.Minute)
	rep, err = d.Run(ctx, db.For(p.ID), p, duties)
	if err != nil || rep.Sent != 3 || len(srv.Received()) != 3 {
		t.Fatalf("retry: %+v %v, %d mails", rep, err, len(srv.Received()))
	}
}

func TestUnreachableServerDoesNotHang(t *testing.T) {
	m := &Mailer{Host: "127.0.0.1", Port: 1, From: "a@b", Timeout: 2 * time.Second}
	start := time.Now()
	if err := m.Send(context.Background(), "x@y", "s", "b"); err == nil {
		t.Fatal("sent to a closed port")
	}
	if time.Since(start) > 5*time.Second {
		t.Error("send blocked too long")
	}
}

func TestWeeklyDigestOncePerWeek(t *testing.T) {
	db := storetest.SQLite(t)
	srv := smtptest.New(t, "reminders", "pw-123")
	p, duties := practiceWithDuties(t, db)
	d := &Dispatcher{Mailer: testMailer(srv), Instance: "a"}
	ctx := context.Background()
	mon := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	for _, now := range []time.Time{mon, mon.Add(2 * time.Hour), mon.AddDate(0, 0, 7)} {
		if _, err := d.Digest(ctx, db.For(p.ID), p, duties, now); err != nil {
			t.Fatal(err)
		}
	}
	got := srv.Received()
	if len(got) != 2 {
		t.Fatalf("%d digests over two weeks, want 2", len(got))
	}
	if !strings.Contains(got[0].Data, "1 overdue, 2 due in 30 days") || strings.Contains(got[0].Data, "Penetration test") {
		t.Errorf("digest:\n%s", got[0].Data)
	}
}
