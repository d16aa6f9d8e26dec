package server

import (
	"context"
	"fmt"
	"io"

	"fedstack/platform/config"
	platformpg "fedstack/platform/postgres"
	"fedstack/subgraphs/auth"
	"fedstack/subgraphs/auth/migrations"
	"fedstack/subgraphs/auth/postgres"
)

// runGrantAdmin is `auth grant-admin <email>`: it makes an existing account an
// ADMIN, which is how the first administrator comes to be (later ones are
// appointed with the setUserRole mutation). It uses the service's DATABASE_URL.
func runGrantAdmin(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: auth grant-admin <email>")
	}
	email, err := auth.NormalizeEmail(args[0])
	if err != nil {
		return fmt.Errorf("grant-admin: %w", err)
	}
	env := config.New(getenv)
	dbURL := env.String("DATABASE_URL", defaultDatabaseURL)
	if env.Production() {
		dbURL = env.Required("DATABASE_URL")
	}
	if err := env.Err(); err != nil {
		return err
	}
	pool, err := platformpg.Open(ctx, dbURL, !env.Production())
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := platformpg.Migrate(ctx, pool, migrations.FS()); err != nil {
		return fmt.Errorf("migrating the auth database: %w", err)
	}
	store := postgres.New(pool)
	u, _, err := store.CredentialsByEmail(ctx, email)
	if err != nil {
		return fmt.Errorf("grant-admin: no account uses %s (sign up first)", email)
	}
	if _, err := store.SetRole(ctx, u.ID, auth.RoleAdmin); err != nil {
		return err
	}
	if err := store.Audit(ctx, auth.AuditEvent{
		Action: auth.AuditRoleChanged, UserID: u.ID,
		Detail: map[string]string{"from": string(u.Role), "to": string(auth.RoleAdmin), "by": "grant-admin command"},
	}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s (%s) is now ADMIN; tokens issued from the next sign-in or refresh carry the role\n", email, u.ID)
	return nil
}
