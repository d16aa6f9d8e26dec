package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"fedstack/platform/errs"
	"fedstack/platform/platformtest"
	platformpg "fedstack/platform/postgres"
	"fedstack/subgraphs/auth/mail"
	"fedstack/subgraphs/auth/migrations"
	"fedstack/subgraphs/auth/postgres"
)

// openOutboxStore returns a Store (and its pool) on a fresh, migrated database.
func openOutboxStore(t *testing.T) (*postgres.Store, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	pool, err := platformpg.Open(ctx, platformtest.PostgresURL(t), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := platformpg.Migrate(ctx, pool, migrations.FS()); err != nil {
		t.Fatal(err)
	}
	return postgres.New(pool), pool
}

func TestOutboxSaveAndListMail(t *testing.T) {
	ctx := context.Background()
	s, pool := openOutboxStore(t)
	before := time.Now().Add(-time.Minute)

	if list, err := s.ListMail(ctx, "", 10); err != nil || len(list) != 0 {
		t.Fatalf("empty outbox: %v, %v", list, err)
	}
	sent := []mail.Message{
		{To: "ada@example.com", Subject: "first", Text: "one"},
		{To: "bob@example.com", Subject: "for bob", Text: "two"},
		{To: "ada@example.com", Subject: "Grüße ✓", Text: "Hallo Zoë,\nline two\n"},
	}
	for _, m := range sent {
		if err := s.SaveMail(ctx, m); err != nil {
			t.Fatal(err)
		}
	}

	ada, err := s.ListMail(ctx, "ada@example.com", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ada) != 2 || ada[0].Subject != "Grüße ✓" || ada[1].Subject != "first" || ada[0].ID <= ada[1].ID {
		t.Fatalf("ada's mail (newest first) = %+v", ada)
	}
	got := ada[0]
	if got.To != "ada@example.com" || got.Body != sent[2].Text || got.CreatedAt.Before(before) ||
		got.CreatedAt.After(time.Now().Add(time.Minute)) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("mail = %+v", got)
	}

	all, err := s.ListMail(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, m := range all {
		subjects = append(subjects, m.Subject)
	}
	if strings.Join(subjects, "|") != "Grüße ✓|for bob|first" {
		t.Errorf("everyone's mail = %q", subjects)
	}
	if two, err := s.ListMail(ctx, "", 2); err != nil || len(two) != 2 || two[0].Subject != "Grüße ✓" {
		t.Errorf("limit 2 = %+v, %v", two, err)
	}
	if none, err := s.ListMail(ctx, "nobody@example.com", 10); err != nil || len(none) != 0 {
		t.Errorf("nobody's mail = %+v, %v", none, err)
	}

	// The index the listing uses exists.
	var indexdef string
	if err := pool.QueryRow(ctx, `SELECT indexdef FROM pg_indexes WHERE tablename = 'dev_outbox' AND indexdef LIKE '%(to_address, id DESC)'`).Scan(&indexdef); err != nil {
		t.Errorf("index on dev_outbox (to_address, id DESC): %v", err)
	}
}

func TestOutboxListMailLimit(t *testing.T) {
	ctx := context.Background()
	s, _ := openOutboxStore(t)
	for i := range postgres.MaxOutboxList + 5 {
		if err := s.SaveMail(ctx, mail.Message{To: "ada@example.com", Subject: fmt.Sprintf("mail %d", i), Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, limit := range []int{0, -1, postgres.MaxOutboxList + 1, 1000} {
		list, err := s.ListMail(ctx, "ada@example.com", limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != postgres.MaxOutboxList || list[0].Subject != fmt.Sprintf("mail %d", postgres.MaxOutboxList+4) {
			t.Errorf("limit %d: %d mails, newest %q", limit, len(list), list[0].Subject)
		}
	}
	if list, err := s.ListMail(ctx, "", 3); err != nil || len(list) != 3 {
		t.Errorf("limit 3: %d mails, %v", len(list), err)
	}
}

// TestOutboxDevSender sends through mail.DevOutbox into the real store and reads it back.
func TestOutboxDevSender(t *testing.T) {
	ctx := context.Background()
	s, pool := openOutboxStore(t)
	var logs bytes.Buffer
	dev := mail.NewDevOutbox(s, slog.New(slog.NewJSONHandler(&logs, nil)))
	link := "https://app.example.com/reset-password?token=" + strings.Repeat("a1B2", 40)
	if err := dev.Send(ctx, mail.PasswordResetMail("ada@example.com", "Ada", link, time.Hour)); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListMail(ctx, "ada@example.com", 1)
	if err != nil || len(list) != 1 {
		t.Fatalf("ListMail = %+v, %v", list, err)
	}
	if list[0].Subject != "Reset your password" || !strings.Contains(list[0].Body, "\n"+link+"\n") {
		t.Errorf("stored mail = %+v", list[0])
	}
	if !strings.Contains(logs.String(), `"msg":"mail (development outbox)"`) {
		t.Errorf("log = %q", logs.String())
	}

	// A store that cannot write makes Send fail with an INTERNAL error.
	pool.Close()
	if err := dev.Send(ctx, mail.VerificationMail("ada@example.com", "Ada", link, time.Hour)); errs.CodeOf(err) != errs.Internal {
		t.Errorf("Send on a closed pool = %v, want INTERNAL", err)
	}
}
