package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"fedstack/platform/errs"
	"fedstack/platform/platformtest"
	"fedstack/subgraphs/auth"
	"fedstack/subgraphs/auth/migrations"
	"fedstack/subgraphs/auth/postgres"
)

// newStore returns a Store on a fresh, migrated database.
func newStore(t *testing.T) *postgres.Store {
	t.Helper()
	return postgres.New(platformtest.MigratedPool(t, migrations.FS()))
}

func newUser(email string) auth.NewUser {
	return auth.NewUser{Email: email, Name: "Test " + email, Role: auth.RoleUser, PasswordHash: "$argon2id$test"}
}

func TestUsersAndSessions(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	before := time.Now().Add(-time.Minute)

	ada, sess, err := s.CreateUserWithSession(ctx, newUser("ada@example.com"), testSession())
	if err != nil {
		t.Fatal(err)
	}
	if ada.ID == "" || ada.Email != "ada@example.com" || ada.Role != auth.RoleUser || ada.CreatedAt.Before(before) ||
		ada.PasswordChangedAt.IsZero() || ada.LastLoginAt != nil {
		t.Fatalf("created user = %+v", ada)
	}
	if sess.ID == "" || sess.UserID != ada.ID || sess.CreatedAt.IsZero() {
		t.Fatalf("created session = %+v", sess)
	}

	// Unique regardless of case (the domain lower-cases, but the index is the guard).
	_, _, err = s.CreateUserWithSession(ctx, auth.NewUser{Email: "ada@example.com", Name: "Other", Role: auth.RoleUser, PasswordHash: "x"}, testSession())
	if errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("duplicate: err = %v, want CONFLICT", err)
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Message != auth.ErrEmailTaken {
		t.Fatalf("duplicate: message = %v, want %q", err, auth.ErrEmailTaken)
	}

	// Credentials by email, case-insensitive lookup.
	u, hash, err := s.CredentialsByEmail(ctx, "ADA@example.com")
	if err != nil || u.ID != ada.ID || hash != "$argon2id$test" {
		t.Fatalf("CredentialsByEmail = %+v, %q, %v", u, hash, err)
	}
	if _, _, err := s.CredentialsByEmail(ctx, "nobody@example.com"); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("unknown email: err = %v, want NOT_FOUND", err)
	}

	// Login records the time and opens a new session.
	u, sess2, err := s.RecordLogin(ctx, ada.ID, testSession())
	if err != nil {
		t.Fatal(err)
	}
	if u.LastLoginAt == nil || u.LastLoginAt.Before(before) || sess2.ID == sess.ID || sess2.UserID != ada.ID {
		t.Fatalf("RecordLogin = %+v, %+v", u, sess2)
	}
	if _, _, err := s.RecordLogin(ctx, "00000000-0000-0000-0000-000000000000", testSession()); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("RecordLogin(unknown) err = %v, want NOT_FOUND", err)
	}

	// By id.
	if got, err := s.UserByID(ctx, ada.ID); err != nil || got.Email != ada.Email {
		t.Fatalf("UserByID = %+v, %v", got, err)
	}
	for _, id := range []string{"00000000-0000-0000-0000-000000000000", "not-a-uuid", ""} {
		if _, err := s.UserByID(ctx, id); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("UserByID(%q) err = %v, want NOT_FOUND", id, err)
		}
	}

	// Batch: in order, nil for unknown or malformed ids, duplicates allowed.
	bob, _, err := s.CreateUserWithSession(ctx, newUser("bob@example.com"), testSession())
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{bob.ID, "11111111-2222-3333-4444-555555555555", ada.ID, "junk", bob.ID}
	got, err := s.UsersByIDs(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ids) {
		t.Fatalf("UsersByIDs returned %d entries for %d ids", len(got), len(ids))
	}
	want := []string{bob.ID, "", ada.ID, "", bob.ID}
	for i, u := range got {
		gotID := ""
		if u != nil {
			gotID = u.ID
		}
		if gotID != want[i] {
			t.Fatalf("UsersByIDs[%d] = %q, want %q", i, gotID, want[i])
		}
	}
	if got, err := s.UsersByIDs(ctx, []string{"junk"}); err != nil || len(got) != 1 || got[0] != nil {
		t.Fatalf("UsersByIDs(junk) = %v, %v", got, err)
	}
}

func TestEndSessions(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	u, first, err := s.CreateUserWithSession(ctx, newUser("eve@example.com"), testSession())
	if err != nil {
		t.Fatal(err)
	}
	_, second, _ := s.RecordLogin(ctx, u.ID, testSession())
	_, third, _ := s.RecordLogin(ctx, u.ID, testSession())
	other, otherSess, _ := s.CreateUserWithSession(ctx, newUser("mallory@example.com"), testSession())

	// Another user's session id ends nothing of eve's, and nothing of its owner's either.
	if ids, err := s.EndSessions(ctx, u.ID, otherSess.ID, true, "test"); err != nil || len(ids) != 0 {
		t.Fatalf("ending someone else's session: %v %v", ids, err)
	}
	if ids, err := s.EndSessions(ctx, u.ID, first.ID, false, "test"); err != nil || len(ids) != 2 {
		t.Fatalf("all but the first: %v %v", ids, err)
	} else if !(ids[0] == second.ID || ids[0] == third.ID) {
		t.Fatalf("ended %v, want %s and %s", ids, second.ID, third.ID)
	}
	// Ended sessions are not ended twice.
	if ids, _ := s.EndSessions(ctx, u.ID, "", false, "test"); len(ids) != 1 || ids[0] != first.ID {
		t.Fatalf("ending all: %v, want only %s", ids, first.ID)
	}
	if ids, _ := s.EndSessions(ctx, other.ID, "", false, "test"); len(ids) != 1 || ids[0] != otherSess.ID {
		t.Fatalf("the other user's session should still be live: %v", ids)
	}
	if ids, err := s.EndSessions(ctx, "not-a-uuid", "", false, "test"); err != nil || len(ids) != 0 {
		t.Fatalf("malformed user id: %v %v", ids, err)
	}
}

// testSession is a sign-in from a test client with a fresh refresh token.
func testSession() auth.NewSession {
	rt := auth.RefreshTokens{}
	return auth.NewSession{
		Client:      auth.Client{IP: "192.0.2.1", UserAgent: "postgres_test"},
		Device:      "test",
		ExpiresAt:   time.Now().Add(time.Hour),
		RefreshHash: auth.HashToken(rt.New()),
	}
}
