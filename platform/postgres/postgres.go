// Package postgres opens pgx connection pools (creating the database when asked) and applies
// versioned SQL migrations.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ConnectTimeout is used when the URL sets no connect_timeout.
const ConnectTimeout = 5 * time.Second

// SQLSTATE codes handled here.
const (
	invalidCatalogName = "3D000" // database does not exist
	duplicateDatabase  = "42P04"
)

// Open returns a pool for url (postgres://user@host:port/db?sslmode=disable) after a ping. If
// the database does not exist and createIfMissing is set, it connects to database "postgres"
// on the same server, creates it and retries. Errors say which server did not answer and how
// to start PostgreSQL.
func Open(ctx context.Context, url string, createIfMissing bool) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %q is not a valid PostgreSQL URL: %w (expected postgres://user@host:5432/db?sslmode=disable)", redact(url), err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = ConnectTimeout
	}
	pool, err := open(ctx, cfg)
	if err == nil {
		return pool, nil
	}
	var pgErr *pgconn.PgError
	if createIfMissing && errors.As(err, &pgErr) && pgErr.Code == invalidCatalogName {
		if cerr := createDatabase(ctx, cfg.ConnConfig); cerr != nil {
			return nil, cerr
		}
		pool, err = open(ctx, cfg)
		if err == nil {
			return pool, nil
		}
	}
	return nil, describe(cfg.ConnConfig, err)
}

func open(ctx context.Context, cfg *pgxpool.Config) (*pgxpool.Pool, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// createDatabase creates cc.Database through the "postgres" database of the same server.
func createDatabase(ctx context.Context, cc *pgx.ConnConfig) error {
	admin := cc.Copy()
	admin.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		return describe(admin, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{cc.Database}.Sanitize())
	var pgErr *pgconn.PgError
	if err != nil && !(errors.As(err, &pgErr) && pgErr.Code == duplicateDatabase) {
		return fmt.Errorf("postgres: creating database %q on %s: %w (the user needs the CREATEDB privilege, or create it yourself)", cc.Database, hostPort(cc), err)
	}
	return nil
}

// describe turns a connection error into one that says what to do.
func describe(cc *pgx.ConnConfig, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		if pgErr.Code == invalidCatalogName {
			return fmt.Errorf("postgres: database %q does not exist on %s: %w (create it: createdb -h %s -p %d -U %s %s)",
				cc.Database, hostPort(cc), err, cc.Host, cc.Port, cc.User, cc.Database)
		}
		return fmt.Errorf("postgres: %s refused the connection to database %q as user %q: %w", hostPort(cc), cc.Database, cc.User, err)
	}
	return fmt.Errorf("postgres: PostgreSQL at %s does not answer: %w (start it: on Debian `pg_ctlcluster <version> main start`, see `pg_lsclusters`)", hostPort(cc), err)
}

func hostPort(cc *pgx.ConnConfig) string {
	return net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port)))
}

// redact hides a password in a URL shown in an error.
func redact(url string) string {
	cfg, err := pgconn.ParseConfig(url)
	if err != nil || cfg.Password == "" {
		return url
	}
	return "(URL with password)"
}
