// Package dataloaders gives every request its own set of batching loaders, built on
// github.com/vikstrous/dataloadgen.
//
// A subgraph declares each loader once, at package level or in its wiring, with [Define] or
// [DefineMapped]; the declaration is only a recipe (a fetch function and options). The loaders
// themselves live in a per-request [Set] that [Middleware] (HTTP) or [Extension] (gqlgen, one
// fresh set per GraphQL response, so each subscription event starts empty) puts in the
// context. Resolvers then call [Def.Load]: every key asked for during the same request within
// the wait window reaches the fetch function in one call.
//
//	var todosByOwner = dataloaders.DefineMapped(store.TodosByOwners)
//	...
//	todos, err := todosByOwner.Load(ctx, userID)
package dataloaders

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/vikstrous/dataloadgen"
)

// DefaultWait is how long a loader collects keys before it fetches them, unless the
// definition says otherwise. gqlgen resolves sibling fields concurrently, so a short window
// is enough to gather a whole list level.
const DefaultWait = 2 * time.Millisecond

// ErrNoLoaders is returned by Load when the context carries no [Set]: the handler is not
// wrapped in [Middleware] (or the gqlgen server lacks [Extension]).
var ErrNoLoaders = errors.New("dataloaders: no loaders in the request context (wrap the handler in dataloaders.Middleware)")

// ErrNotFound is what a mapped fetch yields for a key it returned no value for.
var ErrNotFound = dataloadgen.ErrNotFound

// Option configures a loader definition.
type Option = dataloadgen.Option

// WithWait sets how long keys are collected before a fetch (default [DefaultWait]).
func WithWait(d time.Duration) Option { return dataloadgen.WithWait(d) }

// WithBatchCapacity caps the keys of one fetch (default unbounded); more keys start another fetch.
func WithBatchCapacity(n int) Option { return dataloadgen.WithBatchCapacity(n) }

// WithoutCache makes the loader fetch every Load again instead of reusing earlier results
// of the same request.
func WithoutCache() Option { return dataloadgen.WithoutCache() }

// Set holds the loaders of one request, created on first use.
type Set struct {
	mu      sync.Mutex
	loaders map[any]any // *Def[K,V] -> *dataloadgen.Loader[K,V]
}

// NewSet returns an empty set.
func NewSet() *Set { return &Set{loaders: map[any]any{}} }

type ctxKey struct{}

// With returns ctx carrying a fresh, empty [Set]; use it outside HTTP (jobs, tests).
func With(ctx context.Context) context.Context {
	return context.WithValue(ctx, ctxKey{}, NewSet())
}

// FromContext returns the set in ctx, if any.
func FromContext(ctx context.Context) (*Set, bool) {
	s, ok := ctx.Value(ctxKey{}).(*Set)
	return s, ok
}

// Middleware gives each HTTP request a fresh [Set].
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(With(r.Context())))
	})
}

// Def declares one kind of loader: keys of type K, values of type V.
// Create it once and share it; it holds no per-request state.
type Def[K comparable, V any] struct {
	fetch func(ctx context.Context, keys []K) ([]V, []error)
	opts  []Option
}

// Define declares a loader from a fetch that returns one value (and optionally one error)
// per key, in key order; a single error in the slice applies to every key.
func Define[K comparable, V any](fetch func(ctx context.Context, keys []K) ([]V, []error), opts ...Option) *Def[K, V] {
	return &Def[K, V]{fetch: fetch, opts: withDefaults(opts)}
}

// DefineMapped declares a loader from a fetch that returns a map; keys missing from the map
// load as [ErrNotFound] (use [Def.LoadOr] to turn that into a zero value), an error fails
// the whole batch, and a [dataloadgen.MappedFetchError] fails only the keys it lists.
func DefineMapped[K comparable, V any](fetch func(ctx context.Context, keys []K) (map[K]V, error), opts ...Option) *Def[K, V] {
	return &Def[K, V]{fetch: mappedToSlice(fetch), opts: withDefaults(opts)}
}

func withDefaults(opts []Option) []Option {
	return append([]Option{dataloadgen.WithWait(DefaultWait)}, opts...)
}

func mappedToSlice[K comparable, V any](fetch func(ctx context.Context, keys []K) (map[K]V, error)) func(ctx context.Context, keys []K) ([]V, []error) {
	return func(ctx context.Context, keys []K) ([]V, []error) {
		m, err := fetch(ctx, keys)
		var keyErrs dataloadgen.MappedFetchError[K]
		perKey := errors.As(err, &keyErrs)
		if err != nil && !perKey {
			return make([]V, len(keys)), []error{err}
		}
		values := make([]V, len(keys))
		errs := make([]error, len(keys))
		failed := false
		for i, k := range keys {
			v, ok := m[k]
			switch {
			case perKey && keyErrs[k] != nil:
				errs[i] = keyErrs[k]
			case !ok:
				errs[i] = ErrNotFound
			default:
				values[i] = v
				continue
			}
			failed = true
		}
		if !failed {
			errs = nil
		}
		return values, errs
	}
}

// Loader returns this request's loader for d, creating it on first use.
func (d *Def[K, V]) Loader(ctx context.Context) (*dataloadgen.Loader[K, V], error) {
	s, ok := FromContext(ctx)
	if !ok {
		return nil, ErrNoLoaders
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.loaders[d]; ok {
		return l.(*dataloadgen.Loader[K, V]), nil
	}
	l := dataloadgen.NewLoader(d.fetch, d.opts...)
	s.loaders[d] = l
	return l, nil
}

// Load returns the value for key, batched with the other loads of the request.
func (d *Def[K, V]) Load(ctx context.Context, key K) (V, error) {
	l, err := d.Loader(ctx)
	if err != nil {
		var zero V
		return zero, err
	}
	return l.Load(ctx, key)
}

// LoadOr is Load, with [ErrNotFound] turned into def.
func (d *Def[K, V]) LoadOr(ctx context.Context, key K, def V) (V, error) {
	v, err := d.Load(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return def, nil
	}
	return v, err
}

// LoadAll returns the values for keys in order. On failure the error is a
// [dataloadgen.ErrorSlice] with one entry per key (nil for the keys that loaded).
func (d *Def[K, V]) LoadAll(ctx context.Context, keys []K) ([]V, error) {
	l, err := d.Loader(ctx)
	if err != nil {
		return nil, err
	}
	return l.LoadAll(ctx, keys)
}

// Prime stores a value for key in this request's loader, so a later Load does not fetch it.
// It reports whether the value was stored (false when the key was already there, or no set).
func (d *Def[K, V]) Prime(ctx context.Context, key K, value V) bool {
	l, err := d.Loader(ctx)
	if err != nil {
		return false
	}
	return l.Prime(key, value)
}

// Clear forgets key in this request's loader (after a write that changes it).
func (d *Def[K, V]) Clear(ctx context.Context, key K) {
	if l, err := d.Loader(ctx); err == nil {
		l.Clear(key)
	}
}
