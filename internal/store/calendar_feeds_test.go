package store_test

import (
	"context"
	"testing"

	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
	"github.com/safeguard-hipaa/safeguard/internal/store/storetest"
)

func TestCalendarFeeds(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := newPractice(t, db, "Feed Clinic")
		other := db.For(newPractice(t, db, "Other Clinic").ID)
		s := db.For(p.ID)
		u := &store.User{Email: "feed@clinic.example", Name: "Feed", PasswordHash: "x"}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CalendarFeed(ctx, u.ID); !hipaa.IsNotFound(err) {
			t.Fatalf("no feed yet: %v", err)
		}
		if err := s.RevokeCalendarFeed(ctx, u.ID); !hipaa.IsNotFound(err) {
			t.Fatalf("revoking no feed: %v", err)
		}
		first, err := s.CreateCalendarFeed(ctx, u.ID, "hash-1")
		if err != nil {
			t.Fatal(err)
		}
		// Regenerating revokes the first feed in the same transaction.
		second, err := s.CreateCalendarFeed(ctx, u.ID, "hash-2")
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			hash    string
			id      string
			revoked bool
		}{{"hash-1", first.ID, true}, {"hash-2", second.ID, false}}
		for _, tt := range tests {
			f, err := db.CalendarFeedByHash(ctx, tt.hash)
			if err != nil {
				t.Fatal(err)
			}
			if f.ID != tt.id || f.PracticeID != p.ID || f.UserID != u.ID || (f.RevokedAt != nil) != tt.revoked {
				t.Errorf("%s: %+v", tt.hash, f)
			}
		}
		live, err := s.CalendarFeed(ctx, u.ID)
		if err != nil || live.ID != second.ID {
			t.Fatalf("live feed: %+v %v", live, err)
		}
		if _, err := other.CalendarFeed(ctx, u.ID); !hipaa.IsNotFound(err) {
			t.Errorf("another practice sees the feed: %v", err)
		}
		if err := db.TouchCalendarFeed(ctx, second.ID); err != nil {
			t.Fatal(err)
		}
		if f, _ := db.CalendarFeedByHash(ctx, "hash-2"); f.LastUsedAt == nil {
			t.Error("last use not recorded")
		}
		if err := s.RevokeCalendarFeed(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CalendarFeed(ctx, u.ID); !hipaa.IsNotFound(err) {
			t.Errorf("revoked feed still live: %v", err)
		}
		if _, err := db.CalendarFeedByHash(ctx, "nope"); !hipaa.IsNotFound(err) {
			t.Errorf("unknown hash: %v", err)
		}
	})
}
