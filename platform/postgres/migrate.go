package postgres

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationLockKey is the pg_advisory_lock key that serialises migrations on one database.
const migrationLockKey int64 = 0x6665647374616b // "fedstak"

var migrationName = regexp.MustCompile(`^(\d+)_([A-Za-z0-9_.-]+)\.sql$`)

// Migration is one SQL file.
type Migration struct {
	Version int
	Name    string // file name, e.g. "001_users.sql"
	SQL     string
}

// Migrate applies the migrations found in migrations, in version order, each in its own
// transaction, recording them in schema_migrations(version int primary key, name text,
// applied_at timestamptz). Files are named NNN_name.sql; if the root holds no .sql file but a
// "migrations" folder, that folder is used (so an embed.FS of "migrations/*.sql" works as is).
// Versions already recorded are skipped. A session-level pg_advisory_lock makes instances
// that start together take turns. A migration file must not contain BEGIN/COMMIT itself.
func Migrate(ctx context.Context, pool *pgxpool.Pool, migrations fs.FS) error {
	list, err := ReadMigrations(migrations)
	if err != nil {
		return err
	}

	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return fmt.Errorf("postgres: migrate: waiting for the migration lock: %w", err)
	}
	defer func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey); err != nil {
			// Closing the session is the only other way to free the lock.
			_ = conn.Hijack().Close(context.WithoutCancel(ctx))
		}
	}()

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return fmt.Errorf("postgres: migrate: creating schema_migrations: %w", err)
	}

	applied := map[int]bool{}
	rows, err := conn.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("postgres: migrate: reading schema_migrations: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("postgres: migrate: reading schema_migrations: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: migrate: reading schema_migrations: %w", err)
	}

	for _, m := range list {
		if applied[m.Version] {
			continue
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			return fmt.Errorf("postgres: migrate %s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			return fmt.Errorf("postgres: migration %s failed (nothing of it was applied): %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name); err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			return fmt.Errorf("postgres: migrate %s: recording it: %w", m.Name, err)
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("postgres: migrate %s: commit: %w", m.Name, err)
		}
	}
	return nil
}

// ReadMigrations lists the migrations of fsys sorted by version (see Migrate for the layout).
// A .sql file with another name, or two files with one version, is an error.
func ReadMigrations(fsys fs.FS) ([]Migration, error) {
	dir := "."
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("postgres: reading migrations: %w", err)
	}
	if !slices.ContainsFunc(entries, isSQL) {
		if sub, err := fs.ReadDir(fsys, "migrations"); err == nil {
			dir, entries = "migrations", sub
		}
	}
	var list []Migration
	seen := map[int]string{}
	for _, e := range entries {
		if !isSQL(e) {
			continue
		}
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("postgres: migration file %q must be named NNN_name.sql (e.g. 001_create_users.sql)", e.Name())
		}
		v, err := strconv.Atoi(m[1])
		if err != nil {
			return nil, fmt.Errorf("postgres: migration file %q: version too large", e.Name())
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("postgres: migrations %q and %q have the same version %d", other, e.Name(), v)
		}
		seen[v] = e.Name()
		sql, err := fs.ReadFile(fsys, pathJoin(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("postgres: reading migration %s: %w", e.Name(), err)
		}
		list = append(list, Migration{Version: v, Name: e.Name(), SQL: string(sql)})
	}
	slices.SortFunc(list, func(a, b Migration) int { return a.Version - b.Version })
	return list, nil
}

func isSQL(e fs.DirEntry) bool {
	return !e.IsDir() && strings.HasSuffix(e.Name(), ".sql")
}

func pathJoin(dir, name string) string {
	if dir == "." {
		return name
	}
	return dir + "/" + name
}
