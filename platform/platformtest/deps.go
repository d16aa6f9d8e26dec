package platformtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"net"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	platformpg "fedstack/platform/postgres"
	"fedstack/platform/redisconn"
)

// Default server URLs, overridden by TEST_POSTGRES_URL and TEST_REDIS_URL.
const (
	DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	DefaultRedisURL    = "redis://127.0.0.1:6379/0"
)

// PostgresURL creates a fresh database test_<random> on TEST_POSTGRES_URL (default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable), returns its URL, and drops it
// (WITH (FORCE)) when the test ends. The test fails clearly if PostgreSQL does not answer.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_POSTGRES_URL")
	if base == "" {
		base = DefaultPostgresURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("platformtest: TEST_POSTGRES_URL=%q is not a postgres:// URL", base)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "test_" + hex.EncodeToString(b[:])

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("platformtest: PostgreSQL at %s does not answer: %v (start it: on Debian `pg_ctlcluster <version> main start`; or set TEST_POSTGRES_URL)", u.Host, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("platformtest: creating database %s on %s: %v", name, u.Host, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("platformtest: dropping database %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("platformtest: dropping database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// RedisURL returns TEST_REDIS_URL or redis://127.0.0.1:6379/0 after checking that Redis
// answers; the test fails clearly if it does not.
func RedisURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("TEST_REDIS_URL")
	if u == "" {
		u = DefaultRedisURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rdb, err := redisconn.Open(ctx, u)
	if err != nil {
		t.Fatalf("platformtest: %v (or set TEST_REDIS_URL)", err)
	}
	_ = rdb.Close()
	return u
}

// FreePort returns a TCP port that was free on 127.0.0.1 a moment ago. Prefer listening on
// 127.0.0.1:0 where you can: another process may take the port before you use it.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("platformtest: finding a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// MigratedPool returns a pool on a fresh database (PostgresURL) with migrations applied,
// closed when the test ends. The migrations are applied twice: the second time must change
// nothing, as at every restart of a service.
func MigratedPool(t testing.TB, migrations fs.FS) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	pool, err := platformpg.Open(ctx, PostgresURL(t), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	for range 2 {
		if err := platformpg.Migrate(ctx, pool, migrations); err != nil {
			t.Fatal(err)
		}
	}
	return pool
}
