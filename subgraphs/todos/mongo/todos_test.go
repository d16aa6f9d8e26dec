package mongo_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fedstack/platform/errs"
	"fedstack/subgraphs/todos"
	"fedstack/subgraphs/todos/embeddedmongo"
	"fedstack/subgraphs/todos/mongo"
)

// ferretURI is the embedded FerretDB shared by the tests of this package; each test gets its
// own database.
var ferretURI string

func TestMain(m *testing.M) {
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "todos-mongo-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		srv, err := embeddedmongo.Start(embeddedmongo.Config{SQLiteDir: dir})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer srv.Stop()
		ferretURI = srv.URI()
		return m.Run()
	}())
}

var dbSeq atomic.Int32

func openService(t *testing.T) *mongo.TodoService {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := mongo.Open(ctx, ferretURI, fmt.Sprintf("test_%d_%d", os.Getpid(), dbSeq.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	return mongo.NewTodoService(db)
}

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("error = %v (code %q), want code %s", err, errs.CodeOf(err), code)
	}
}

func titles(list []*todos.Todo) string {
	var s []string
	for _, td := range list {
		s = append(s, td.Title)
	}
	return strings.Join(s, ",")
}

func TestCreateFindFilter(t *testing.T) {
	ctx := context.Background()
	svc := openService(t)

	var created []*todos.Todo
	for _, title := range []string{"  one ", "two", "three"} {
		td, err := svc.CreateTodo(ctx, "alice", title)
		if err != nil {
			t.Fatal(err)
		}
		created = append(created, td)
	}
	if _, err := svc.CreateTodo(ctx, "bob", "bob's"); err != nil {
		t.Fatal(err)
	}
	first := created[0]
	if first.Title != "one" || first.OwnerID != "alice" || first.Completed || first.ID == "" ||
		first.CreatedAt.IsZero() || !first.CreatedAt.Equal(first.UpdatedAt) || first.CreatedAt.Location() != time.UTC {
		t.Fatalf("created = %+v", first)
	}

	all, err := svc.FindTodos(ctx, "alice", todos.FilterAll)
	if err != nil {
		t.Fatal(err)
	}
	if got := titles(all); got != "one,two,three" {
		t.Fatalf("all = %s", got)
	}
	if *all[0] != *first {
		t.Fatalf("read %+v, created %+v", all[0], first)
	}

	toggled, err := svc.ToggleTodo(ctx, "alice", created[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !toggled.Completed || toggled.Title != "two" || toggled.UpdatedAt.Before(toggled.CreatedAt) {
		t.Fatalf("toggled = %+v", toggled)
	}
	active, err := svc.FindTodos(ctx, "alice", todos.FilterActive)
	if err != nil {
		t.Fatal(err)
	}
	completed, err := svc.FindTodos(ctx, "alice", todos.FilterCompleted)
	if err != nil {
		t.Fatal(err)
	}
	if titles(active) != "one,three" || titles(completed) != "two" {
		t.Fatalf("active = %s, completed = %s", titles(active), titles(completed))
	}
	back, err := svc.ToggleTodo(ctx, "alice", created[1].ID)
	if err != nil || back.Completed {
		t.Fatalf("toggle back = %+v, %v", back, err)
	}

	if err := svc.DeleteTodo(ctx, "alice", created[0].ID); err != nil {
		t.Fatal(err)
	}
	all, err = svc.FindTodos(ctx, "alice", todos.FilterAll)
	if err != nil || titles(all) != "two,three" {
		t.Fatalf("after delete: %s, %v", titles(all), err)
	}
	wantCode(t, svc.DeleteTodo(ctx, "alice", created[0].ID), errs.NotFound)

	none, err := svc.FindTodos(ctx, "carol", todos.FilterAll)
	if err != nil || none == nil || len(none) != 0 {
		t.Fatalf("carol = %v, %v (want an empty, non-nil list)", none, err)
	}
	_, err = svc.FindTodos(ctx, "alice", "SOME")
	wantCode(t, err, errs.Invalid)
}

func TestValidation(t *testing.T) {
	ctx := context.Background()
	svc := openService(t)
	_, err := svc.CreateTodo(ctx, "alice", "   ")
	wantCode(t, err, errs.Invalid)
	_, err = svc.CreateTodo(ctx, "alice", strings.Repeat("x", 501))
	wantCode(t, err, errs.Invalid)
	_, err = svc.CreateTodo(ctx, "", "no owner")
	wantCode(t, err, errs.Unauthenticated)

	_, err = svc.ToggleTodo(ctx, "alice", "not-an-id")
	wantCode(t, err, errs.Invalid)
	if !strings.Contains(err.Error(), `id "not-an-id" is not a valid todo id`) {
		t.Fatalf("message = %q", err)
	}
	wantCode(t, svc.DeleteTodo(ctx, "alice", "zz"), errs.Invalid)
}

func TestOtherOwnersTodoIsNotFound(t *testing.T) {
	ctx := context.Background()
	svc := openService(t)
	bobs, err := svc.CreateTodo(ctx, "bob", "private")
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.ToggleTodo(ctx, "alice", bobs.ID)
	wantCode(t, err, errs.NotFound)
	missing := "65f0a0a0a0a0a0a0a0a0a0a0"
	_, errMissing := svc.ToggleTodo(ctx, "alice", missing)
	wantCode(t, errMissing, errs.NotFound)
	if strings.Replace(err.Error(), bobs.ID, missing, 1) != errMissing.Error() {
		t.Fatalf("another user's todo (%q) reads differently from a missing one (%q)", err, errMissing)
	}
	wantCode(t, svc.DeleteTodo(ctx, "alice", bobs.ID), errs.NotFound)

	still, err := svc.FindTodos(ctx, "bob", todos.FilterAll)
	if err != nil || len(still) != 1 || still[0].Completed {
		t.Fatalf("bob's todo changed: %v, %v", still, err)
	}
}

func TestFindByOwnersAndIDs(t *testing.T) {
	ctx := context.Background()
	svc := openService(t)
	var ids []string
	for _, o := range []string{"a", "b", "a", "c"} {
		td, err := svc.CreateTodo(ctx, o, "todo of "+o)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, td.ID)
	}
	byOwner, err := svc.FindTodosByOwners(ctx, []string{"a", "b", "nobody"})
	if err != nil {
		t.Fatal(err)
	}
	if len(byOwner) != 2 || len(byOwner["a"]) != 2 || len(byOwner["b"]) != 1 ||
		byOwner["a"][0].ID != ids[0] || byOwner["a"][1].ID != ids[2] {
		t.Fatalf("by owner = %v", byOwner)
	}
	byID, err := svc.FindTodosByIDs(ctx, []string{ids[1], ids[3], "bad", "65f0a0a0a0a0a0a0a0a0a0a0"})
	if err != nil {
		t.Fatal(err)
	}
	if len(byID) != 2 || byID[ids[1]].OwnerID != "b" || byID[ids[3]].OwnerID != "c" {
		t.Fatalf("by id = %v", byID)
	}
}

func TestConcurrentToggles(t *testing.T) {
	ctx := context.Background()
	svc := openService(t)
	td, err := svc.CreateTodo(ctx, "alice", "flip")
	if err != nil {
		t.Fatal(err)
	}
	var ok atomic.Int32
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			_, err := svc.ToggleTodo(ctx, "alice", td.ID)
			switch errs.CodeOf(err) {
			case "":
				ok.Add(1)
			case errs.Conflict:
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	list, err := svc.FindTodos(ctx, "alice", todos.FilterAll)
	if err != nil {
		t.Fatal(err)
	}
	if want := ok.Load()%2 == 1; list[0].Completed != want {
		t.Fatalf("%d successful toggles left completed=%v", ok.Load(), list[0].Completed)
	}
}
