package mongo_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"fedstack/platform/errs"
	"fedstack/subgraphs/todos"
	"fedstack/subgraphs/todos/mongo"
)

// sortedDays returns an owner's days in order (the store returns them in any order).
func sortedDays(st *todos.OwnerStats) []todos.DayStats {
	if st == nil {
		return nil
	}
	d := slices.Clone(st.Days)
	slices.SortFunc(d, func(a, b todos.DayStats) int { return strings.Compare(a.Day, b.Day) })
	return d
}

func TestStatsCountersAndStreak(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := mongo.NewStatsStore(e.DB)
		streak := func(owner string) todos.Streak {
			t.Helper()
			got, err := s.StatsByOwners(ctx, []string{owner}, "2026-01-01", "2026-12-31")
			if err != nil {
				t.Fatal(err)
			}
			if got[owner] == nil {
				return todos.Streak{}
			}
			return got[owner].Streak
		}
		step := func(day string, n int, want todos.Streak) {
			t.Helper()
			if err := s.AddCompleted(ctx, "alice", day, n); err != nil {
				t.Fatal(err)
			}
			if got := streak("alice"); got != want {
				t.Fatalf("after %+d on %s: streak %+v, want %+v", n, day, got, want)
			}
		}
		step("2026-11-01", 1, todos.Streak{LastDay: "2026-11-01", Days: 1})
		step("2026-11-01", 2, todos.Streak{LastDay: "2026-11-01", Days: 1})  // same day
		step("2026-11-02", 1, todos.Streak{LastDay: "2026-11-02", Days: 2})  // next day
		step("2026-11-03", 1, todos.Streak{LastDay: "2026-11-03", Days: 3})  // next day
		step("2026-11-03", -1, todos.Streak{LastDay: "2026-11-03", Days: 3}) // undone: kept
		step("2026-11-01", 1, todos.Streak{LastDay: "2026-11-03", Days: 3})  // earlier day
		step("2026-11-05", 1, todos.Streak{LastDay: "2026-11-05", Days: 1})  // gap: restarts
		step("2026-11-06", 1, todos.Streak{LastDay: "2026-11-06", Days: 2})
		step("2026-12-31", 1, todos.Streak{LastDay: "2026-12-31", Days: 1})
		step("2027-01-01", 1, todos.Streak{LastDay: "2027-01-01", Days: 2}) // across a year

		for _, c := range []struct {
			day string
			n   int
		}{{"2026-11-01", 2}, {"2026-11-02", 1}, {"2026-11-02", 4}, {"2026-11-04", 1}} {
			if err := s.AddCreated(ctx, "alice", c.day, c.n); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.AddCompleted(ctx, "alice", "2026-11-04", -1); err != nil { // below zero reads as 0
			t.Fatal(err)
		}
		got, err := s.StatsByOwners(ctx, []string{"alice"}, "2026-11-01", "2026-11-05")
		if err != nil {
			t.Fatal(err)
		}
		want := []todos.DayStats{
			{Day: "2026-11-01", Created: 2, Completed: 4},
			{Day: "2026-11-02", Created: 5, Completed: 1},
			{Day: "2026-11-03", Created: 0, Completed: 0},
			{Day: "2026-11-04", Created: 1, Completed: 0},
			{Day: "2026-11-05", Created: 0, Completed: 1},
		}
		if d := sortedDays(got["alice"]); !reflect.DeepEqual(d, want) || got["alice"].Streak.Days != 2 {
			t.Fatalf("days %+v\nwant %+v (streak %+v)", d, want, got["alice"].Streak)
		}

		if err := s.AddCreated(ctx, "alice", "Tuesday", 1); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("a day that is not a date: %v", err)
		}
		if err := s.AddCompleted(ctx, "", "2026-11-01", 1); errs.CodeOf(err) != errs.Unauthenticated {
			t.Fatalf("no owner: %v", err)
		}
	})
}

func TestStatsByOwnersInOneCommand(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := mongo.NewStatsStore(e.DB)
		add := func(owner, day string, created, completed int) {
			t.Helper()
			if err := s.AddCreated(ctx, owner, day, created); err != nil {
				t.Fatal(err)
			}
			if err := s.AddCompleted(ctx, owner, day, completed); err != nil {
				t.Fatal(err)
			}
		}
		add("a", "2026-10-31", 9, 9) // before the window
		add("a", "2026-11-01", 1, 1)
		add("a", "2026-11-02", 2, 0)
		add("a", "2026-11-09", 9, 9) // after the window: the streak still ends there
		add("b", "2026-11-03", 3, 3)
		add("c", "2026-10-01", 1, 1) // nothing in the window: only the streak
		add("z", "2026-11-02", 5, 5) // not asked for
		// Many days for one owner: more than one default batch (101 documents).
		for d := 1; d <= 120; d++ {
			add("many", todos.DayOf(base.AddDate(0, 0, -10-d)), 1, 0)
		}

		mdb, log := e.monitored(t)
		ms := mongo.NewStatsStore(mdb)
		got, err := ms.StatsByOwners(ctx, []string{"a", "b", "c", "nobody", "a", "many"}, "2026-11-01", "2026-11-05")
		if err != nil {
			t.Fatal(err)
		}
		if cmds := log.take(); !slices.Equal(cmds, []string{"find"}) {
			t.Fatalf("StatsByOwners sent %v, want one find", cmds)
		}
		// "many" has neither days in the window nor a streak.
		if len(got) != 3 || got["nobody"] != nil || got["z"] != nil || got["many"] != nil {
			t.Fatalf("owners: %v", got)
		}
		if d := sortedDays(got["a"]); !reflect.DeepEqual(d, []todos.DayStats{
			{Day: "2026-11-01", Created: 1, Completed: 1}, {Day: "2026-11-02", Created: 2}}) ||
			got["a"].Streak != (todos.Streak{LastDay: "2026-11-09", Days: 1}) {
			t.Fatalf("a: %+v %+v", d, got["a"].Streak)
		}
		if d := sortedDays(got["b"]); !reflect.DeepEqual(d, []todos.DayStats{{Day: "2026-11-03", Created: 3, Completed: 3}}) ||
			got["b"].Streak != (todos.Streak{LastDay: "2026-11-03", Days: 1}) {
			t.Fatalf("b: %+v %+v", d, got["b"].Streak)
		}
		if len(got["c"].Days) != 0 || got["c"].Streak != (todos.Streak{LastDay: "2026-10-01", Days: 1}) {
			t.Fatalf("c: %+v", got["c"])
		}

		wide, err := ms.StatsByOwners(ctx, []string{"many"}, "2026-01-01", "2026-12-31")
		if err != nil || len(wide["many"].Days) != 120 {
			t.Fatalf("120 days: %v", err)
		}
		if cmds := log.take(); !slices.Equal(cmds, []string{"find"}) {
			t.Fatalf("StatsByOwners of 120 days sent %v, want one find", cmds)
		}
		if none, err := ms.StatsByOwners(ctx, nil, "2026-11-01", "2026-11-05"); err != nil || none == nil || len(none) != 0 {
			t.Fatalf("no owners: %v, %v", none, err)
		}
	})
}

func TestStatsAll(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		s := mongo.NewStatsStore(e.DB)
		if all, err := s.StatsAll(ctx, "2026-11-01", "2026-11-30"); err != nil || all == nil || len(all) != 0 {
			t.Fatalf("nothing yet: %v, %v", all, err)
		}
		for _, c := range []struct {
			owner, day         string
			created, completed int
		}{
			{"a", "2026-11-01", 1, 1}, {"b", "2026-11-01", 2, 0}, {"c", "2026-11-01", 0, 3},
			{"a", "2026-11-02", 4, 0}, {"b", "2026-11-30", 1, 1},
			{"a", "2026-10-31", 7, 7}, {"a", "2026-12-01", 7, 7}, // outside
		} {
			if err := s.AddCreated(ctx, c.owner, c.day, c.created); err != nil {
				t.Fatal(err)
			}
			if err := s.AddCompleted(ctx, c.owner, c.day, c.completed); err != nil {
				t.Fatal(err)
			}
		}
		all, err := s.StatsAll(ctx, "2026-11-01", "2026-11-30")
		want := []todos.DayStats{
			{Day: "2026-11-01", Created: 3, Completed: 4},
			{Day: "2026-11-02", Created: 4},
			{Day: "2026-11-30", Created: 1, Completed: 1},
		}
		if err != nil || !reflect.DeepEqual(all, want) {
			t.Fatalf("all = %+v (%v)\nwant %+v", all, err, want)
		}
	})
}

// Concurrent increments of one owner's day all count (FerretDB rewrites the document to
// apply $inc, and the first upserts race to insert it).
func TestStatsConcurrentIncrements(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		s1, s2 := mongo.NewStatsStore(e.DB), mongo.NewStatsStore(e.DB)
		const n = 20
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				s := s1
				if i%2 == 1 {
					s = s2
				}
				if err := s.AddCreated(ctx, "alice", "2026-11-07", 1); err != nil {
					t.Error(err)
				}
				if err := s.AddCompleted(ctx, "alice", "2026-11-07", 1); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		got, err := s1.StatsByOwners(ctx, []string{"alice"}, "2026-11-07", "2026-11-07")
		if err != nil {
			t.Fatal(err)
		}
		if d := sortedDays(got["alice"]); !reflect.DeepEqual(d, []todos.DayStats{{Day: "2026-11-07", Created: n, Completed: n}}) ||
			got["alice"].Streak != (todos.Streak{LastDay: "2026-11-07", Days: 1}) {
			t.Fatalf("after %d concurrent increments: %+v %+v", n, d, got["alice"].Streak)
		}
	})
}
