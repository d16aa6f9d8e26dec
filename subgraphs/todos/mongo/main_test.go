package mongo_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"

	"fedstack/platform/errs"
	"fedstack/platform/platformtest"
	"fedstack/subgraphs/todos"
	"fedstack/subgraphs/todos/embeddedmongo"
	"fedstack/subgraphs/todos/mongo"
)

// The embedded FerretDB instances shared by the tests of this package, one per backend:
// SQLite in a temporary directory, and PostgreSQL in a fresh database (platformtest).
// Each test gets its own MongoDB database in them (on PostgreSQL, a schema).
var (
	sqliteURI string
	pgURI     string
	pgURL     string // the PostgreSQL database behind pgURI
)

func TestMain(m *testing.M) {
	os.Exit(func() (code int) {
		mt := &mainT{}
		defer func() {
			if p := recover(); p != nil && p != errMainFatal {
				panic(p)
			}
			for i := len(mt.cleanups) - 1; i >= 0; i-- {
				mt.cleanups[i]()
			}
			if mt.failed && code == 0 {
				code = 1
			}
		}()
		code = 1 // unless m.Run says otherwise

		dir, err := os.MkdirTemp("", "todos-mongo-test-")
		if err != nil {
			mt.Fatalf("%v", err)
		}
		mt.Cleanup(func() { _ = os.RemoveAll(dir) })
		lite, err := embeddedmongo.Start(embeddedmongo.Config{SQLiteDir: dir})
		if err != nil {
			mt.Fatalf("%v", err)
		}
		mt.Cleanup(lite.Stop)
		sqliteURI = lite.URI()

		pgURL = platformtest.PostgresURL(mt)
		pg, err := embeddedmongo.Start(embeddedmongo.Config{PostgresURL: pgURL})
		if err != nil {
			mt.Fatalf("%v", err)
		}
		mt.Cleanup(pg.Stop)
		pgURI = pg.URI()

		return m.Run()
	}())
}

// mainT lets TestMain use platformtest's helpers, which take a testing.TB: it has the
// methods they call (Helper, Cleanup, Errorf, Fatalf); the embedded TB is nil.
type mainT struct {
	testing.TB
	cleanups []func()
	failed   bool
}

var errMainFatal = errors.New("TestMain failed")

func (m *mainT) Helper()          {}
func (m *mainT) Cleanup(f func()) { m.cleanups = append(m.cleanups, f) }
func (m *mainT) Errorf(format string, args ...any) {
	m.failed = true
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}
func (m *mainT) Fatalf(format string, args ...any) {
	m.Errorf(format, args...)
	panic(errMainFatal)
}

// env is one backend with a fresh database.
type env struct {
	*mongo.DB
	uri, name string
	// pgURL is the PostgreSQL database behind FerretDB ("" on SQLite).
	pgURL string
}

var dbSeq atomic.Int32

// forEachBackend runs fn as the subtests "sqlite" and "postgresql", each with a fresh
// database on an embedded FerretDB with that backend. Tests using it run in parallel with
// each other (most of their time is PostgreSQL creating databases and tables).
func forEachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, openEnv(t, sqliteURI, ""))
	})
	t.Run("postgresql", func(t *testing.T) {
		fn(t, openEnv(t, pgURI, pgURL))
	})
}

// startFerret starts another embedded FerretDB on the PostgreSQL database pgURL, as
// another instance of the service would. It sees the collections that exist when it
// starts (FerretDB 1.x reads them once).
func startFerret(t *testing.T, pgURL string) string {
	t.Helper()
	srv, err := embeddedmongo.Start(embeddedmongo.Config{PostgresURL: pgURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return srv.URI()
}

func openEnv(t *testing.T, uri, pgURL string) *env {
	t.Helper()
	e := &env{uri: uri, pgURL: pgURL, name: fmt.Sprintf("test_%d_%d", os.Getpid(), dbSeq.Add(1))}
	e.DB = e.open(t, nil)
	t.Cleanup(func() { _ = e.Drop(context.Background()) })
	return e
}

// open opens another connection to the env's database.
func (e *env) open(t *testing.T, monitor *event.CommandMonitor) *mongo.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := mongo.OpenWithMonitor(ctx, e.uri, e.name, monitor)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	return db
}

// commandLog records the names of the commands a connection sends.
type commandLog struct {
	mu    sync.Mutex
	names []string
}

func (l *commandLog) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.names = append(l.names, e.CommandName)
	}}
}

// take returns the commands sent since the last take.
func (l *commandLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.names
	l.names = nil
	return n
}

// monitored opens a connection to e's database whose commands are logged.
func (e *env) monitored(t *testing.T) (*mongo.DB, *commandLog) {
	t.Helper()
	l := &commandLog{}
	db := e.open(t, l.monitor())
	l.take() // the commands of Open
	return db, l
}

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("error = %v (code %q), want code %s", err, errs.CodeOf(err), code)
	}
}

func titles(list []*todos.Todo) string {
	s := make([]string, len(list))
	for i, td := range list {
		s[i] = td.Title
	}
	return strings.Join(s, ",")
}

// base is a fixed, millisecond-precise creation time for todos built by newTodo.
var base = time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)

// newTodo is what the Service hands the store for a new todo: created i seconds after
// base.
func newTodo(owner, title string, i int) *todos.Todo {
	at := base.Add(time.Duration(i) * time.Second)
	return &todos.Todo{ID: todos.NewID(), OwnerID: owner, Title: title, Priority: todos.PriorityNone,
		Version: 1, CreatedAt: at, UpdatedAt: at}
}

// create stores todos for owner titled titles, created one second apart.
func create(t *testing.T, s *mongo.TodoStore, owner string, titles ...string) []*todos.Todo {
	t.Helper()
	out := make([]*todos.Todo, len(titles))
	for i, title := range titles {
		td, created, err := s.Create(context.Background(), newTodo(owner, title, i))
		if err != nil || !created {
			t.Fatalf("create %q: created=%v, %v", title, created, err)
		}
		out[i] = td
	}
	return out
}
