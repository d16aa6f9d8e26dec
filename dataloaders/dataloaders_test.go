package dataloaders_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"fedstack/dataloaders"
)

type recorder struct {
	mu      sync.Mutex
	batches [][]int
}

func (r *recorder) fetch(_ context.Context, keys []int) (map[int]string, error) {
	r.mu.Lock()
	r.batches = append(r.batches, slices.Clone(keys))
	r.mu.Unlock()
	m := map[int]string{}
	for _, k := range keys {
		if k >= 0 {
			m[k] = fmt.Sprint("v", k)
		}
	}
	return m, nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.batches)
}

func TestConcurrentLoadsShareOneFetch(t *testing.T) {
	rec := &recorder{}
	def := dataloaders.DefineMapped(rec.fetch)
	ctx := dataloaders.With(context.Background())

	var wg sync.WaitGroup
	got := make([]string, 10)
	for i := range 10 {
		wg.Go(func() {
			v, err := def.Load(ctx, i)
			if err != nil {
				t.Errorf("Load(%d): %v", i, err)
			}
			got[i] = v
		})
	}
	wg.Wait()
	if rec.count() != 1 {
		t.Fatalf("fetches = %d (%v), want 1", rec.count(), rec.batches)
	}
	for i, v := range got {
		if v != fmt.Sprint("v", i) {
			t.Errorf("value %d = %q", i, v)
		}
	}

	// Cached within the request.
	if _, err := def.Load(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if rec.count() != 1 {
		t.Fatalf("cached load fetched again")
	}
	// A fresh request fetches again.
	if _, err := def.Load(dataloaders.With(context.Background()), 3); err != nil {
		t.Fatal(err)
	}
	if rec.count() != 2 {
		t.Fatalf("fetches = %d, want 2 after a new request", rec.count())
	}
}

func TestMissingKeyAndLoadOr(t *testing.T) {
	rec := &recorder{}
	def := dataloaders.DefineMapped(rec.fetch)
	ctx := dataloaders.With(context.Background())
	if _, err := def.Load(ctx, -1); !errors.Is(err, dataloaders.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	v, err := def.LoadOr(ctx, -2, "none")
	if err != nil || v != "none" {
		t.Fatalf("LoadOr = %q, %v", v, err)
	}
	vals, err := def.LoadAll(ctx, []int{1, 2})
	if err != nil || !slices.Equal(vals, []string{"v1", "v2"}) {
		t.Fatalf("LoadAll = %v, %v", vals, err)
	}
}

func TestFetchErrorReachesEveryKey(t *testing.T) {
	boom := errors.New("boom")
	def := dataloaders.DefineMapped(func(context.Context, []string) (map[string]int, error) { return nil, boom })
	ctx := dataloaders.With(context.Background())
	if _, err := def.Load(ctx, "a"); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
}

func TestNoSetInContext(t *testing.T) {
	def := dataloaders.Define(func(_ context.Context, keys []int) ([]int, []error) { return keys, nil })
	if _, err := def.Load(context.Background(), 1); !errors.Is(err, dataloaders.ErrNoLoaders) {
		t.Fatalf("err = %v, want ErrNoLoaders", err)
	}
}

func TestMiddlewareGivesEachRequestItsOwnSet(t *testing.T) {
	var fetches atomic.Int32
	def := dataloaders.Define(func(_ context.Context, keys []int) ([]int, []error) {
		fetches.Add(1)
		return keys, nil
	})
	h := dataloaders.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range 3 {
			if _, err := def.Load(r.Context(), 7); err != nil {
				t.Error(err)
			}
		}
	}))
	for range 2 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	}
	if n := fetches.Load(); n != 2 {
		t.Fatalf("fetches = %d, want 2 (one per request)", n)
	}
}

func TestExtensionFreshSetPerResponse(t *testing.T) {
	var seen []*dataloaders.Set
	next := func(ctx context.Context) *graphql.Response {
		s, ok := dataloaders.FromContext(ctx)
		if !ok {
			t.Fatal("no set in response context")
		}
		seen = append(seen, s)
		return &graphql.Response{}
	}
	ctx := dataloaders.With(context.Background())
	ext := dataloaders.Extension{}
	ext.InterceptResponse(ctx, next)
	ext.InterceptResponse(ctx, next)
	outer, _ := dataloaders.FromContext(ctx)
	if len(seen) != 2 || seen[0] == seen[1] || seen[0] == outer {
		t.Fatalf("sets not fresh per response")
	}
}
