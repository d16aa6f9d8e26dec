package mongo_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"fedstack/platform/errs"
	"fedstack/subgraphs/todos"
	"fedstack/subgraphs/todos/mongo"
)

func TestCreateAndGet(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := mongo.NewTodoStore(e.DB)

		in := newTodo("alice", "buy milk", 0)
		in.Notes, in.DueOn, in.Priority, in.Tags = "2 litres", "2026-11-30", todos.PriorityHigh, []string{"home", "Shop"}
		in.CreatedAt = in.CreatedAt.Add(1234567 * time.Nanosecond) // kept to the millisecond
		in.UpdatedAt = in.CreatedAt
		stored, created, err := s.Create(ctx, in)
		if err != nil || !created {
			t.Fatalf("create: created=%v, %v", created, err)
		}
		at := base.Add(time.Millisecond)
		want := &todos.Todo{ID: in.ID, OwnerID: "alice", Title: "buy milk", Notes: "2 litres", DueOn: "2026-11-30",
			Priority: todos.PriorityHigh, Tags: []string{"home", "Shop"}, Position: todos.AppendPosition(at),
			Version: 1, CreatedAt: at, UpdatedAt: at}
		if !reflect.DeepEqual(stored, want) {
			t.Fatalf("stored\n %+v, want\n %+v", stored, want)
		}
		got, err := s.Get(ctx, "alice", in.ID)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("get\n %+v (%v), want\n %+v", got, err, want)
		}

		// A retried create returns the first one's todo, even if the retry differs.
		retry := newTodo("alice", "something else", 9)
		retry.ID = in.ID
		again, created, err := s.Create(ctx, retry)
		if err != nil || created || !reflect.DeepEqual(again, want) {
			t.Fatalf("retried create = %+v, created=%v, %v", again, created, err)
		}

		// Someone else's id is taken, and nothing is said about its todo.
		theft := newTodo("mallory", "mine now", 0)
		theft.ID = in.ID
		_, created, err = s.Create(ctx, theft)
		wantCode(t, err, errs.Conflict)
		if created || err.Error() != "this id is already taken: choose another" {
			t.Fatalf("conflicting id: created=%v, %q", created, err)
		}

		// A position given by the caller is kept; so is completion.
		done := newTodo("alice", "done already", 5)
		done.Position, done.Completed = "0i", true
		cat := base.Add(time.Hour)
		done.CompletedAt = &cat
		d, _, err := s.Create(ctx, done)
		if err != nil || d.Position != "0i" || !d.Completed || !d.CompletedAt.Equal(cat) {
			t.Fatalf("created %+v, %v", d, err)
		}

		// Another owner's todo reads exactly like a missing one.
		_, err = s.Get(ctx, "bob", in.ID)
		wantCode(t, err, errs.NotFound)
		missing := todos.NewID()
		_, errMissing := s.Get(ctx, "bob", missing)
		wantCode(t, errMissing, errs.NotFound)
		if strings.Replace(err.Error(), in.ID, missing, 1) != errMissing.Error() {
			t.Fatalf("another user's todo (%q) reads differently from a missing one (%q)", err, errMissing)
		}
		_, err = s.Get(ctx, "alice", "not-an-id")
		wantCode(t, err, errs.NotFound)

		bad := newTodo("alice", "x", 0)
		bad.ID = "zz"
		_, _, err = s.Create(ctx, bad)
		wantCode(t, err, errs.Invalid)
		_, _, err = s.Create(ctx, newTodo("", "no owner", 0))
		wantCode(t, err, errs.Unauthenticated)
	})
}

func TestListPagesInPositionOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := mongo.NewTodoStore(e.DB)
		// a..g created in order; e is moved to the top; c and f share a position (the
		// id decides); b, d and f are completed.
		list := create(t, s, "alice", "a", "b", "c", "d", "e", "f", "g")
		create(t, s, "bob", "bob's")
		byTitle := map[string]*todos.Todo{}
		for _, td := range list {
			byTitle[td.Title] = td
		}
		move := func(title, pos string) {
			t.Helper()
			if _, _, err := s.Update(ctx, "alice", byTitle[title].ID, 0, func(td *todos.Todo) error {
				td.Position = pos
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		move("e", todos.PositionBetween("", byTitle["a"].Position))
		move("f", byTitle["c"].Position)
		for _, title := range []string{"b", "d", "f"} {
			if _, _, err := s.Update(ctx, "alice", byTitle[title].ID, 0, func(td *todos.Todo) error {
				td.Completed = true
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		cf := "c,f"
		if byTitle["f"].ID < byTitle["c"].ID {
			cf = "f,c"
		}

		pages := func(f todos.Filter, first int) []string {
			t.Helper()
			var out []string
			after := ""
			for i := 0; ; i++ {
				p, err := s.List(ctx, "alice", todos.ListQuery{Filter: f, First: first, After: after})
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, titles(p.Todos))
				if !p.HasNextPage {
					if len(p.Todos) > 0 && p.EndCursor == "" {
						t.Fatal("last page without an end cursor")
					}
					return out
				}
				if i > 10 || p.EndCursor == "" || len(p.Todos) != first {
					t.Fatalf("page %d of %s: %d todos, cursor %q", i, f, len(p.Todos), p.EndCursor)
				}
				after = p.EndCursor
			}
		}
		for _, tc := range []struct {
			f     todos.Filter
			first int
			want  string
		}{
			{todos.FilterAll, 3, "e,a,b|" + cf + ",d|g"},
			{todos.FilterAll, 7, "e,a,b," + cf + ",d,g"},
			{todos.FilterAll, 0, "e,a,b," + cf + ",d,g"},
			{"", 2, "e,a|b," + strings.Split(cf, ",")[0] + "|" + strings.Split(cf, ",")[1] + ",d|g"},
			{todos.FilterActive, 2, "e,a|c,g"},
			{todos.FilterCompleted, 2, "b,f|d"},
		} {
			if got := strings.Join(pages(tc.f, tc.first), "|"); got != tc.want {
				t.Errorf("%s by %d: %s, want %s", tc.f, tc.first, got, tc.want)
			}
		}

		empty, err := s.List(ctx, "carol", todos.ListQuery{Filter: todos.FilterAll})
		if err != nil || empty.Todos == nil || len(empty.Todos) != 0 || empty.HasNextPage || empty.EndCursor != "" {
			t.Fatalf("carol's list = %+v, %v (want an empty, non-nil page)", empty, err)
		}

		for _, bad := range []string{"%%%", "bm90IGEgY3Vyc29y", "MGl8eno"} {
			_, err = s.List(ctx, "alice", todos.ListQuery{After: bad})
			wantCode(t, err, errs.Invalid)
			var e *errs.Error
			if !errors.As(err, &e) || e.Field != "after" {
				t.Fatalf("bad cursor %q: %v", bad, err)
			}
		}
		_, err = s.List(ctx, "alice", todos.ListQuery{Filter: "SOME"})
		wantCode(t, err, errs.Invalid)
	})
}

func TestCount(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := mongo.NewTodoStore(e.DB)
		if c, err := s.Count(ctx, "alice"); err != nil || c != (todos.Counts{}) {
			t.Fatalf("count of nothing = %+v, %v", c, err)
		}
		list := create(t, s, "alice", "a", "b", "c")
		create(t, s, "bob", "x")
		if _, _, err := s.Update(ctx, "alice", list[1].ID, 0, func(td *todos.Todo) error {
			td.Completed = true
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if c, err := s.Count(ctx, "alice"); err != nil || c != (todos.Counts{All: 3, Active: 2, Completed: 1}) {
			t.Fatalf("count = %+v, %v", c, err)
		}
	})
}

func TestUpdate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := mongo.NewTodoStore(e.DB)
		td := create(t, s, "alice", "draft")[0]

		start := time.Now().UTC().Add(-time.Millisecond)
		before, after, err := s.Update(ctx, "alice", td.ID, 0, func(x *todos.Todo) error {
			x.Title, x.Notes, x.Tags, x.DueOn, x.Priority = "final", "n", []string{"t"}, "2026-12-01", todos.PriorityLow
			x.Version, x.OwnerID = 99, "mallory" // not the change's to decide
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(before, td) {
			t.Fatalf("before = %+v, want %+v", before, td)
		}
		if after.Title != "final" || after.Notes != "n" || !slices.Equal(after.Tags, []string{"t"}) ||
			after.DueOn != "2026-12-01" || after.Priority != todos.PriorityLow || after.Version != 2 ||
			after.OwnerID != "alice" || !after.CreatedAt.Equal(td.CreatedAt) || after.UpdatedAt.Before(start) ||
			after.UpdatedAt.Location() != time.UTC || after.UpdatedAt.Nanosecond()%int(time.Millisecond) != 0 {
			t.Fatalf("after = %+v", after)
		}
		if got, err := s.Get(ctx, "alice", td.ID); err != nil || !reflect.DeepEqual(got, after) {
			t.Fatalf("read back %+v (%v), want %+v", got, err, after)
		}

		// At the expected version; completing sets completedAt, reopening clears it.
		cat := time.Date(2026, 11, 4, 10, 0, 0, 0, time.UTC)
		_, after, err = s.Update(ctx, "alice", td.ID, 2, func(x *todos.Todo) error {
			x.Completed, x.CompletedAt = true, &cat
			return nil
		})
		if err != nil || after.Version != 3 || !after.Completed || !after.CompletedAt.Equal(cat) {
			t.Fatalf("complete: %+v, %v", after, err)
		}
		_, after, err = s.Update(ctx, "alice", td.ID, 3, func(x *todos.Todo) error {
			x.Completed = false
			return nil
		})
		if err != nil || after.Version != 4 || after.Completed || after.CompletedAt != nil {
			t.Fatalf("reopen: %+v, %v", after, err)
		}

		// A stale version is a Conflict carrying the todo as it is.
		_, _, err = s.Update(ctx, "alice", td.ID, 2, func(x *todos.Todo) error {
			t.Fatal("change applied to a stale version")
			return nil
		})
		wantCode(t, err, errs.Conflict)
		c, ok := todos.IsConflict(err)
		if !ok || !reflect.DeepEqual(c.Current, after) {
			t.Fatalf("conflict = %v, current %+v, want %+v", err, c, after)
		}

		// The change may refuse; nothing is written then.
		refusal := errs.E(errs.Invalid, "no")
		if _, _, err := s.Update(ctx, "alice", td.ID, 0, func(x *todos.Todo) error {
			x.Title = "half-done"
			return refusal
		}); err != refusal {
			t.Fatalf("refused change: %v", err)
		}
		if got, _ := s.Get(ctx, "alice", td.ID); got.Version != 4 || got.Title != "final" {
			t.Fatalf("after a refused change: %+v", got)
		}

		_, _, err = s.Update(ctx, "bob", td.ID, 0, func(*todos.Todo) error { return nil })
		wantCode(t, err, errs.NotFound)
		_, _, err = s.Update(ctx, "alice", todos.NewID(), 0, func(*todos.Todo) error { return nil })
		wantCode(t, err, errs.NotFound)
	})
}

// Two writers at the same version: exactly one wins, the other learns the winner's todo.
// Without a version, concurrent changes all land, none overwriting another.
func TestConcurrentUpdates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		// Two stores on one DB share its locks, like the resolvers of one instance.
		s1, s2 := mongo.NewTodoStore(e.DB), mongo.NewTodoStore(e.DB)
		for round := range 5 {
			td := create(t, s1, "alice", fmt.Sprint("round ", round))[0]
			var wg sync.WaitGroup
			results := make([]error, 2)
			for i, s := range []*mongo.TodoStore{s1, s2} {
				wg.Go(func() {
					_, _, results[i] = s.Update(ctx, "alice", td.ID, 1, func(x *todos.Todo) error {
						x.Title = fmt.Sprint("writer ", i)
						return nil
					})
				})
			}
			wg.Wait()
			won := -1
			for i, err := range results {
				if err == nil {
					if won >= 0 {
						t.Fatalf("round %d: both writers at version 1 succeeded", round)
					}
					won = i
				}
			}
			if won < 0 {
				t.Fatalf("round %d: no writer succeeded: %v", round, results)
			}
			c, ok := todos.IsConflict(results[1-won])
			if !ok || c.Current.Version != 2 || c.Current.Title != fmt.Sprint("writer ", won) {
				t.Fatalf("round %d: loser got %v (current %+v)", round, results[1-won], c)
			}
		}

		td := create(t, s1, "alice", "tags")[0]
		const writers = 8
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				if _, _, err := s2.Update(ctx, "alice", td.ID, 0, func(x *todos.Todo) error {
					x.Tags = append(x.Tags, fmt.Sprint(i))
					return nil
				}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got, err := s1.Get(ctx, "alice", td.ID)
		if err != nil || len(got.Tags) != writers || got.Version != writers+1 {
			t.Fatalf("after %d concurrent changes: %+v, %v", writers, got, err)
		}
	})
}

func TestListByOwnersAndByIDsInOneCommand(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := mongo.NewTodoStore(e.DB)
		// More than a default batch (101), so a second batch would show as a getMore.
		many := make([]string, 130)
		for i := range many {
			many[i] = fmt.Sprint(i)
		}
		aList := create(t, s, "a", many...)
		bList := create(t, s, "b", "b0", "b1")
		create(t, s, "c", "c0")
		if _, _, err := s.Update(ctx, "b", bList[0].ID, 0, func(x *todos.Todo) error {
			x.Completed = true
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		mdb, log := e.monitored(t)
		ms := mongo.NewTodoStore(mdb)
		byOwner, err := ms.ListByOwners(ctx, []string{"a", "b", "nobody", "a"}, todos.FilterAll)
		if err != nil {
			t.Fatal(err)
		}
		if cmds := log.take(); !slices.Equal(cmds, []string{"find"}) {
			t.Fatalf("ListByOwners sent %v, want one find", cmds)
		}
		if len(byOwner) != 2 || titles(byOwner["a"]) != strings.Join(many, ",") || titles(byOwner["b"]) != "b0,b1" {
			t.Fatalf("by owner: %d owners, a=%d todos, b=%s", len(byOwner), len(byOwner["a"]), titles(byOwner["b"]))
		}
		active, err := ms.ListByOwners(ctx, []string{"a", "b"}, todos.FilterActive)
		if err != nil || len(active["a"]) != 130 || titles(active["b"]) != "b1" {
			t.Fatalf("active by owner: %v", err)
		}
		done, err := ms.ListByOwners(ctx, []string{"a", "b"}, todos.FilterCompleted)
		if err != nil || len(done) != 1 || titles(done["b"]) != "b0" {
			t.Fatalf("completed by owner: %v, %v", done, err)
		}
		if none, err := ms.ListByOwners(ctx, nil, todos.FilterAll); err != nil || none == nil || len(none) != 0 {
			t.Fatalf("no owners: %v, %v", none, err)
		}
		log.take()

		ids := []string{bList[1].ID, strings.ToUpper(aList[7].ID), "bad", todos.NewID()}
		for _, td := range aList[100:] {
			ids = append(ids, td.ID)
		}
		byID, err := ms.ByIDs(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if cmds := log.take(); !slices.Equal(cmds, []string{"find"}) {
			t.Fatalf("ByIDs sent %v, want one find", cmds)
		}
		if len(byID) != 32 || byID[bList[1].ID].OwnerID != "b" || byID[aList[7].ID].Title != "7" ||
			!reflect.DeepEqual(byID[aList[120].ID], aList[120]) {
			t.Fatalf("by id: %d todos", len(byID))
		}
		if none, err := ms.ByIDs(ctx, []string{"x"}); err != nil || len(none) != 0 {
			t.Fatalf("no ids: %v, %v", none, err)
		}
	})
}

func TestBulkChanges(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := mongo.NewTodoStore(e.DB)
		list := create(t, s, "alice", "a", "b", "c")
		bobs := create(t, s, "bob", "x")[0]
		if _, _, err := s.Update(ctx, "alice", list[1].ID, 0, func(x *todos.Todo) error {
			x.Completed = true
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		at := time.Date(2026, 11, 5, 8, 0, 0, 0, time.UTC)
		changed, err := s.SetAllCompleted(ctx, "alice", true, at)
		if err != nil || titles(changed) != "a,c" {
			t.Fatalf("complete all: %s, %v", titles(changed), err)
		}
		for _, td := range changed {
			if !td.Completed || !td.CompletedAt.Equal(at) || td.Version != 2 {
				t.Fatalf("completed: %+v", td)
			}
			if got, _ := s.Get(ctx, "alice", td.ID); !reflect.DeepEqual(got, td) {
				t.Fatalf("returned %+v, stored %+v", td, got)
			}
		}
		if again, err := s.SetAllCompleted(ctx, "alice", true, at); err != nil || again == nil || len(again) != 0 {
			t.Fatalf("nothing left to complete: %v, %v", again, err)
		}
		reopened, err := s.SetAllCompleted(ctx, "alice", false, at)
		if err != nil || titles(reopened) != "a,b,c" {
			t.Fatalf("reopen all: %s, %v", titles(reopened), err)
		}
		for _, td := range reopened {
			if td.Completed || td.CompletedAt != nil || td.Version != 3 {
				t.Fatalf("reopened: %+v", td)
			}
			if got, _ := s.Get(ctx, "alice", td.ID); !reflect.DeepEqual(got, td) {
				t.Fatalf("returned %+v, stored %+v", td, got)
			}
		}

		for _, td := range list[:2] {
			if _, _, err := s.Update(ctx, "alice", td.ID, 0, func(x *todos.Todo) error {
				x.Completed = true
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := s.Update(ctx, "bob", bobs.ID, 0, func(x *todos.Todo) error {
			x.Completed = true
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		deleted, err := s.DeleteCompleted(ctx, "alice")
		if err != nil || titles(deleted) != "a,b" || !deleted[0].Completed {
			t.Fatalf("clear completed: %s, %v", titles(deleted), err)
		}
		rest, err := s.List(ctx, "alice", todos.ListQuery{})
		if err != nil || titles(rest.Todos) != "c" {
			t.Fatalf("left: %s, %v", titles(rest.Todos), err)
		}
		if none, err := s.DeleteCompleted(ctx, "alice"); err != nil || none == nil || len(none) != 0 {
			t.Fatalf("nothing left to clear: %v, %v", none, err)
		}
		if got, err := s.Get(ctx, "bob", bobs.ID); err != nil || !got.Completed {
			t.Fatalf("bob's todo: %+v, %v", got, err)
		}
	})
}

func TestDelete(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := mongo.NewTodoStore(e.DB)
		list := create(t, s, "alice", "a", "b")
		if _, _, err := s.Update(ctx, "alice", list[0].ID, 0, func(x *todos.Todo) error {
			x.Title = "a2"
			return nil
		}); err != nil {
			t.Fatal(err)
		}

		_, err := s.Delete(ctx, "bob", list[0].ID, 0)
		wantCode(t, err, errs.NotFound)
		_, err = s.Delete(ctx, "alice", list[0].ID, 1)
		c, ok := todos.IsConflict(err)
		if !ok || c.Current.Version != 2 || c.Current.Title != "a2" {
			t.Fatalf("stale delete: %v", err)
		}
		gone, err := s.Delete(ctx, "alice", list[0].ID, 2)
		if err != nil || gone.Title != "a2" || gone.Version != 2 {
			t.Fatalf("delete at version 2: %+v, %v", gone, err)
		}
		_, err = s.Delete(ctx, "alice", list[0].ID, 0)
		wantCode(t, err, errs.NotFound)
		if gone, err := s.Delete(ctx, "alice", list[1].ID, 0); err != nil || gone.Title != "b" {
			t.Fatalf("delete without version: %+v, %v", gone, err)
		}
		if c, err := s.Count(ctx, "alice"); err != nil || c.All != 0 {
			t.Fatalf("left: %+v, %v", c, err)
		}
		// The id is free again for its owner.
		again := newTodo("alice", "again", 0)
		again.ID = list[1].ID
		if _, created, err := s.Create(ctx, again); err != nil || !created {
			t.Fatalf("create again: %v, %v", created, err)
		}
	})
}

// Documents written by the first version (no notes, dueOn, priority, tags, position,
// version) read with defaults, can be changed, and are completed at the next start.
func TestOldDocuments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		raw := e.Collection("todos")
		old := func(title string, at time.Time, completed bool) string {
			t.Helper()
			oid := bson.NewObjectIDFromTimestamp(at)
			if _, err := raw.InsertOne(ctx, bson.D{
				{Key: "_id", Value: oid}, {Key: "ownerId", Value: "alice"}, {Key: "title", Value: title},
				{Key: "completed", Value: completed}, {Key: "createdAt", Value: at}, {Key: "updatedAt", Value: at},
			}); err != nil {
				t.Fatal(err)
			}
			return oid.Hex()
		}
		t1 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
		t2 := t1.Add(time.Hour)
		id1, id2 := old("old one", t1, false), old("old two", t2, true)

		s := mongo.NewTodoStore(e.DB)
		got, err := s.Get(ctx, "alice", id1)
		want := &todos.Todo{ID: id1, OwnerID: "alice", Title: "old one", Priority: todos.PriorityNone, Tags: []string{},
			Position: todos.AppendPosition(t1), Version: 1, CreatedAt: t1, UpdatedAt: t1}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("old todo read as\n %+v (%v), want\n %+v", got, err, want)
		}
		if c, err := s.Count(ctx, "alice"); err != nil || c != (todos.Counts{All: 2, Active: 1, Completed: 1}) {
			t.Fatalf("count: %+v, %v", c, err)
		}
		// A stale version is refused; the current one (1) is accepted.
		_, _, err = s.Update(ctx, "alice", id1, 2, func(*todos.Todo) error { return nil })
		wantCode(t, err, errs.Conflict)
		_, after, err := s.Update(ctx, "alice", id1, 1, func(x *todos.Todo) error {
			x.Title = "renewed"
			return nil
		})
		if err != nil || after.Version != 2 || after.Position != want.Position || after.Priority != todos.PriorityNone {
			t.Fatalf("update of an old todo: %+v, %v", after, err)
		}
		if gone, err := s.Delete(ctx, "alice", id2, 1); err != nil || gone.Title != "old two" || !gone.Completed {
			t.Fatalf("delete of an old todo at version 1: %+v, %v", gone, err)
		}

		// The next start gives old documents their fields.
		id3 := old("old three", t2, false)
		e.open(t, nil)
		var doc bson.M
		if err := raw.FindOne(ctx, bson.D{{Key: "_id", Value: mustOID(t, id3)}}).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		if doc["position"] != todos.AppendPosition(t2) || doc["priority"] != "NONE" || fmt.Sprint(doc["version"]) != "1" ||
			fmt.Sprint(doc["tags"]) != "[]" || doc["notes"] != "" {
			t.Fatalf("upgraded document: %v", doc)
		}
		page, err := s.List(ctx, "alice", todos.ListQuery{First: 1})
		if err != nil || titles(page.Todos) != "renewed" || !page.HasNextPage {
			t.Fatalf("first page: %s, %v", titles(page.Todos), err)
		}
		page, err = s.List(ctx, "alice", todos.ListQuery{First: 1, After: page.EndCursor})
		if err != nil || titles(page.Todos) != "old three" || page.HasNextPage {
			t.Fatalf("second page: %s, %v", titles(page.Todos), err)
		}
	})
}

func mustOID(t *testing.T, id string) bson.ObjectID {
	t.Helper()
	oid, err := bson.ObjectIDFromHex(id)
	if err != nil {
		t.Fatal(err)
	}
	return oid
}
