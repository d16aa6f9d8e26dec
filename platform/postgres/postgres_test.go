package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"

	"fedstack/platform/platformtest"
	"fedstack/platform/postgres"
)

func TestOpenCreatesAMissingDatabase(t *testing.T) {
	ctx := context.Background()
	u, err := url.Parse(platformtest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	admin := *u
	admin.Path = "/postgres"
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "test_missing_" + hex.EncodeToString(b[:])
	u.Path = "/" + name
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, admin.String())
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})

	// Without createIfMissing: a clear error.
	if _, err := postgres.Open(ctx, u.String(), false); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("err = %v", err)
	}

	pool, err := postgres.Open(ctx, u.String(), true)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var db string
	if err := pool.QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil || db != name {
		t.Fatalf("connected to %q (%v), want %q", db, err, name)
	}

	// Opening again (it exists now) works too.
	pool2, err := postgres.Open(ctx, u.String(), true)
	if err != nil {
		t.Fatal(err)
	}
	pool2.Close()
}

func TestOpenSaysWhatToDo(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	_, err := postgres.Open(context.Background(), "postgres://postgres@"+addr+"/x?sslmode=disable", true)
	if err == nil || !strings.Contains(err.Error(), "PostgreSQL at "+addr+" does not answer") || !strings.Contains(err.Error(), "pg_ctlcluster") {
		t.Errorf("err = %v", err)
	}
	if _, err := postgres.Open(context.Background(), "mysql://nope", false); err == nil {
		t.Error("bad URL accepted")
	}
}

var migrations = fstest.MapFS{
	"001_users.sql":       {Data: []byte(`CREATE TABLE users (id text PRIMARY KEY, email text NOT NULL);`)},
	"002_sessions.sql":    {Data: []byte("CREATE TABLE sessions (id text PRIMARY KEY, user_id text REFERENCES users(id));\nCREATE INDEX sessions_user ON sessions(user_id);")},
	"010_email_index.sql": {Data: []byte(`CREATE UNIQUE INDEX users_email ON users(email);`)},
	"README.md":           {Data: []byte("ignored")},
}

func applied(t *testing.T, ctx context.Context, url string) []string {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT version::text || ' ' || name FROM schema_migrations ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestMigrateIsIdempotent(t *testing.T) {
	ctx := context.Background()
	url := platformtest.PostgresURL(t)
	pool, err := postgres.Open(ctx, url, false)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	for i := 0; i < 2; i++ {
		if err := postgres.Migrate(ctx, pool, migrations); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
	}
	want := []string{"1 001_users.sql", "2 002_sessions.sql", "10 010_email_index.sql"}
	if got := applied(t, ctx, url); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("applied = %v, want %v", got, want)
	}

	// A new migration is applied; a failing one is rolled back and named.
	more := fstest.MapFS{}
	for k, v := range migrations {
		more[k] = v
	}
	more["011_todos.sql"] = &fstest.MapFile{Data: []byte(`CREATE TABLE todos (id text PRIMARY KEY);`)}
	more["012_broken.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE half (id int);\nSELECT * FROM no_such_table;")}
	err = postgres.Migrate(ctx, pool, more)
	if err == nil || !strings.Contains(err.Error(), "012_broken.sql") {
		t.Fatalf("err = %v, want it to name 012_broken.sql", err)
	}
	var half bool
	_ = pool.QueryRow(ctx, "SELECT to_regclass('half') IS NOT NULL").Scan(&half)
	if half {
		t.Error("the failed migration was partly applied")
	}
	if got := applied(t, ctx, url); len(got) != 4 {
		t.Errorf("applied = %v, want 011 recorded and 012 not", got)
	}
}

func TestMigrateConcurrently(t *testing.T) {
	ctx := context.Background()
	url := platformtest.PostgresURL(t)
	const instances = 6
	var wg sync.WaitGroup
	errs := make(chan error, instances)
	for i := 0; i < instances; i++ {
		wg.Go(func() {
			pool, err := postgres.Open(ctx, url, false)
			if err != nil {
				errs <- err
				return
			}
			defer pool.Close()
			errs <- postgres.Migrate(ctx, pool, migrations)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := applied(t, ctx, url); len(got) != 3 {
		t.Errorf("applied = %v", got)
	}
}

func TestReadMigrations(t *testing.T) {
	nested := fstest.MapFS{"migrations/001_a.sql": {Data: []byte("SELECT 1")}}
	list, err := postgres.ReadMigrations(nested)
	if err != nil || len(list) != 1 || list[0].Version != 1 {
		t.Errorf("nested folder: %v %v", list, err)
	}
	if _, err := postgres.ReadMigrations(fstest.MapFS{"users.sql": {}}); err == nil || !strings.Contains(err.Error(), "NNN_name.sql") {
		t.Errorf("badly named file: %v", err)
	}
	if _, err := postgres.ReadMigrations(fstest.MapFS{"1_a.sql": {}, "001_b.sql": {}}); err == nil || !strings.Contains(err.Error(), "same version") {
		t.Errorf("duplicate version: %v", err)
	}
}
