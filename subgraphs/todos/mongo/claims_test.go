package mongo_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"fedstack/platform/errs"
	"fedstack/subgraphs/todos"
	"fedstack/subgraphs/todos/mongo"
)

// Two instances of the service, each with its own embedded FerretDB on one PostgreSQL
// database, write the same todos: the version check holds across them (FerretDB alone
// does not make it atomic: see claims.go).
func TestWritesAcrossInstances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := openEnv(t, pgURI, pgURL)
	other := &env{uri: startFerret(t, pgURL), name: e.name}
	a, b := mongo.NewTodoStore(e.DB), mongo.NewTodoStore(other.open(t, nil))
	stores := []*mongo.TodoStore{a, b}

	t.Run("same version: one wins", func(t *testing.T) {
		for round := range 20 {
			td := create(t, a, "alice", fmt.Sprint("round ", round))[0]
			var wg sync.WaitGroup
			results := make([]error, 2)
			for i, s := range stores {
				wg.Go(func() {
					if round%2 == 1 && i == 1 { // a delete against an update
						_, results[i] = s.Delete(ctx, "alice", td.ID, 1)
						return
					}
					_, _, results[i] = s.Update(ctx, "alice", td.ID, 1, func(x *todos.Todo) error {
						x.Title = fmt.Sprint("writer ", i)
						return nil
					})
				})
			}
			wg.Wait()
			if (results[0] == nil) == (results[1] == nil) {
				t.Fatalf("round %d: results %v, want exactly one success", round, results)
			}
			loser := results[0]
			if loser == nil {
				loser = results[1]
			}
			if c, ok := todos.IsConflict(loser); ok {
				if c.Current.Version != 2 {
					t.Fatalf("round %d: conflict carries version %d", round, c.Current.Version)
				}
			} else if errs.CodeOf(loser) != errs.NotFound { // the update lost to the delete
				t.Fatalf("round %d: loser got %v", round, loser)
			}
		}
	})

	t.Run("no version: every change lands", func(t *testing.T) {
		td := create(t, a, "alice", "tags")[0]
		const writers = 8
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				if _, _, err := stores[i%2].Update(ctx, "alice", td.ID, 0, func(x *todos.Todo) error {
					x.Tags = append(x.Tags, fmt.Sprint(i))
					return nil
				}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got, err := a.Get(ctx, "alice", td.ID)
		if err != nil || len(got.Tags) != writers || got.Version != writers+1 {
			t.Fatalf("after %d concurrent changes: %+v, %v", writers, got, err)
		}
	})

	t.Run("toggle all against edits", func(t *testing.T) {
		list := create(t, a, "bob", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9")
		var changed []*todos.Todo
		var wg sync.WaitGroup
		wg.Go(func() {
			var err error
			if changed, err = a.SetAllCompleted(ctx, "bob", true, time.Now()); err != nil {
				t.Error(err)
			}
		})
		for _, td := range list {
			wg.Go(func() {
				if _, _, err := b.Update(ctx, "bob", td.ID, 0, func(x *todos.Todo) error {
					x.Title += " edited"
					return nil
				}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		done := map[string]bool{}
		for _, td := range changed {
			done[td.ID] = true
		}
		for _, td := range list {
			got, err := a.Get(ctx, "bob", td.ID)
			want := 2
			if done[td.ID] {
				want = 3
			}
			if err != nil || got.Title != td.Title+" edited" || got.Completed != done[td.ID] || got.Version != want {
				t.Fatalf("todo %s: %+v (%v); reported completed: %v", td.Title, got, err, done[td.ID])
			}
		}
	})

	claims := e.Collection("todo_claims")
	if n, err := claims.CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
		t.Fatalf("%d claims left behind (%v)", n, err)
	}
}

// A claim left by a writer that died blocks its todo until it is claimTTL old; then the
// next writer skips that version and removes the claim.
func TestClaimLeftBehind(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := mongo.NewTodoStore(e.DB)
		mongo.SetClaimWait(s, 100*time.Millisecond)
		claims := e.Collection("todo_claims")
		list := create(t, s, "alice", "a", "b")
		leave := func(id string, version int, age time.Duration) {
			t.Helper()
			if _, err := claims.InsertOne(ctx, bson.D{
				{Key: "_id", Value: fmt.Sprintf("%s:%d", id, version)},
				{Key: "at", Value: time.Now().Add(-age).UTC()},
			}); err != nil {
				t.Fatal(err)
			}
		}

		// A fresh claim: its writer may still be writing; the caller is told to retry.
		leave(list[0].ID, 2, 0)
		start := time.Now()
		_, _, err := s.Update(ctx, "alice", list[0].ID, 1, func(x *todos.Todo) error { return nil })
		wantCode(t, err, errs.Conflict)
		if _, isConflict := todos.IsConflict(err); isConflict || time.Since(start) < 100*time.Millisecond {
			t.Fatalf("fresh claim: %v after %v (want a retry-later CONFLICT after the wait)", err, time.Since(start))
		}
		_, err = s.Delete(ctx, "alice", list[0].ID, 0)
		wantCode(t, err, errs.Conflict)

		// An old one is skipped, twice in a row if need be.
		if _, err := claims.DeleteMany(ctx, bson.D{}); err != nil {
			t.Fatal(err)
		}
		leave(list[0].ID, 2, mongo.ClaimTTL+time.Second)
		leave(list[0].ID, 3, time.Hour)
		_, after, err := s.Update(ctx, "alice", list[0].ID, 1, func(x *todos.Todo) error {
			x.Title = "after a crash"
			return nil
		})
		if err != nil || after.Version != 4 || after.Title != "after a crash" {
			t.Fatalf("past stale claims: %+v, %v", after, err)
		}
		if n, err := claims.CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
			t.Fatalf("%d claims left (%v)", n, err)
		}

		// Bulk writes leave a todo being written elsewhere as it is.
		leave(list[1].ID, 2, 0)
		changed, err := s.SetAllCompleted(ctx, "alice", true, time.Now())
		if err != nil || len(changed) != 1 || changed[0].ID != list[0].ID {
			t.Fatalf("complete all past a claim: %v, %v", changed, err)
		}
		if _, _, err := s.Update(ctx, "alice", list[0].ID, 0, func(x *todos.Todo) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := claims.DeleteOne(ctx, bson.D{{Key: "_id", Value: list[1].ID + ":2"}}); err != nil {
			t.Fatal(err)
		}
		leave(list[0].ID, 7, 0)
		if _, err := s.SetAllCompleted(ctx, "alice", true, time.Now()); err != nil {
			t.Fatal(err)
		}
		deleted, err := s.DeleteCompleted(ctx, "alice")
		if err != nil || len(deleted) != 1 || deleted[0].ID != list[1].ID {
			t.Fatalf("clear completed past a claim: %v, %v", deleted, err)
		}
		var left []bson.M
		cur, err := claims.Find(ctx, bson.D{})
		if err != nil || cur.All(ctx, &left) != nil || len(left) != 1 || left[0]["_id"] != list[0].ID+":7" {
			t.Fatalf("claims left: %v, %v", left, err)
		}
		if got, err := s.Get(ctx, "alice", list[0].ID); err != nil || !got.Completed || got.Version != 6 ||
			!slices.Equal(got.Tags, []string{}) {
			t.Fatalf("todo a: %+v, %v", got, err)
		}
	})
}
