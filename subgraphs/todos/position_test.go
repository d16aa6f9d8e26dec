package todos_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"fedstack/subgraphs/todos"
)

func TestPositionBetween(t *testing.T) {
	check := func(a, b string) string {
		t.Helper()
		p := todos.PositionBetween(a, b)
		if !todos.ValidPosition(p) || (a != "" && p <= a) || (b != "" && p >= b) {
			t.Fatalf("PositionBetween(%q, %q) = %q: not strictly between, or invalid", a, b, p)
		}
		return p
	}
	check("", "")
	check("a", "b")
	check("a", "a1")
	check("az", "b")
	check("", "01")
	check("zzz", "")
	check("1", "2")
	check("i", "i1")

	// A list built by random inserts stays ordered and its keys stay short.
	r := rand.New(rand.NewPCG(1, 2))
	keys := []string{todos.AppendPosition(time.Unix(1_800_000_000, 0))}
	for range 2000 {
		i := r.IntN(len(keys) + 1)
		a, b := "", ""
		if i > 0 {
			a = keys[i-1]
		}
		if i < len(keys) {
			b = keys[i]
		}
		keys = slices.Insert(keys, i, check(a, b))
	}
	if !slices.IsSorted(keys) {
		t.Fatal("keys out of order")
	}
	longest := 0
	for _, k := range keys {
		longest = max(longest, len(k))
	}
	if longest > 40 {
		t.Fatalf("random inserts made a %d-character key", longest)
	}
	// Moving to the top again and again grows keys slowly.
	top := keys[0]
	for range 200 {
		top = check("", top)
	}
	if len(top) > 60 {
		t.Fatalf("200 moves to the top made a %d-character key", len(top))
	}
}

func TestAppendPosition(t *testing.T) {
	a := todos.AppendPosition(time.UnixMilli(1_800_000_000_000))
	b := todos.AppendPosition(time.UnixMilli(1_800_000_000_001))
	if !(a < b) || !todos.ValidPosition(a) || len(a) != 10 {
		t.Fatalf("AppendPosition: %q then %q", a, b)
	}
}
