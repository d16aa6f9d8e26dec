package embeddedmongo_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fedstack/platform/platformtest"
	"fedstack/subgraphs/todos"
	"fedstack/subgraphs/todos/embeddedmongo"
	"fedstack/subgraphs/todos/mongo"
)

// roundTrip stores a todo through the server at uri and reads it back.
func roundTrip(t *testing.T, uri string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := mongo.Open(ctx, uri, "embedded_test")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	store := mongo.NewTodoStore(db)
	now := time.Now().UTC().Truncate(time.Millisecond)
	if _, _, err := store.Create(ctx, &todos.Todo{ID: todos.NewID(), OwnerID: "u", Title: "persisted",
		Version: 1, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	page, err := store.List(ctx, "u", todos.ListQuery{Filter: todos.FilterAll})
	if err != nil || len(page.Todos) != 1 || page.Todos[0].Title != "persisted" {
		t.Fatalf("list = %v, %v", page, err)
	}
}

func TestSQLiteCreatesDirAndStops(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "ferret data")
	srv, err := embeddedmongo.Start(embeddedmongo.Config{SQLiteDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(srv.URI(), "mongodb://127.0.0.1:") || !strings.Contains(srv.Backend(), dir) {
		t.Fatalf("uri %q backend %q", srv.URI(), srv.Backend())
	}
	roundTrip(t, srv.URI())
	srv.Stop()

	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		t.Fatalf("no SQLite files in %s: %v", dir, err)
	}

	// Data survives a restart on the same directory.
	srv, err = embeddedmongo.Start(embeddedmongo.Config{SQLiteDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	ctx := context.Background()
	db, err := mongo.Open(ctx, srv.URI(), "embedded_test")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	page, err := mongo.NewTodoStore(db).List(ctx, "u", todos.ListQuery{Filter: todos.FilterAll})
	if err != nil || len(page.Todos) != 1 {
		t.Fatalf("after restart: %v, %v", page, err)
	}
}

func TestPostgreSQLBackend(t *testing.T) {
	srv, err := embeddedmongo.Start(embeddedmongo.Config{PostgresURL: platformtest.PostgresURL(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	roundTrip(t, srv.URI())
}

func TestNeedsADirectory(t *testing.T) {
	if _, err := embeddedmongo.Start(embeddedmongo.Config{}); err == nil {
		t.Fatal("started without a SQLite directory or PostgreSQL URL")
	}
}
