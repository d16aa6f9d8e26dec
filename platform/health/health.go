// Package health serves liveness (/health) and readiness (/ready) from a set of named checks.
package health

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Check reports whether one dependency works. It should return promptly when ctx is done.
type Check func(ctx context.Context) error

// CheckTimeout bounds each check run by ReadyHandler.
const CheckTimeout = 2 * time.Second

// Checker holds the named readiness checks of a service. It is safe for concurrent use.
type Checker struct {
	mu     sync.RWMutex
	names  []string
	checks map[string]Check
}

// New returns a Checker without checks (ready until checks are added).
func New() *Checker {
	return &Checker{checks: map[string]Check{}}
}

// Add registers check under name (e.g. "postgres", "redis"); a second Add with the same name
// replaces the first.
func (c *Checker) Add(name string, check Check) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.checks[name]; !ok {
		c.names = append(c.names, name)
	}
	c.checks[name] = check
}

// LiveHandler answers 200 {"status":"ok"} while the process serves HTTP.
func (c *Checker) LiveHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
	})
}

// ReadyHandler runs every check concurrently, each with a 2 s timeout, and answers
// 200 {"status":"ready","checks":{"postgres":"ok"}} when all pass, or
// 503 {"status":"unavailable","checks":{"postgres":"<error>"}} otherwise.
func (c *Checker) ReadyHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		results, ok := c.Run(r.Context())
		status, code := "ready", http.StatusOK
		if !ok {
			status, code = "unavailable", http.StatusServiceUnavailable
		}
		writeJSON(w, code, map[string]any{"status": status, "checks": results})
	})
}

// Run runs every check concurrently (2 s timeout each) and returns "ok" or the error text per
// check name, and whether all passed.
func (c *Checker) Run(ctx context.Context) (map[string]string, bool) {
	c.mu.RLock()
	names := append([]string(nil), c.names...)
	checks := make([]Check, len(names))
	for i, n := range names {
		checks[i] = c.checks[n]
	}
	c.mu.RUnlock()

	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i := range names {
		wg.Go(func() { errs[i] = runOne(ctx, checks[i]) })
	}
	wg.Wait()

	results := make(map[string]string, len(names))
	ok := true
	for i, n := range names {
		if errs[i] != nil {
			ok = false
			results[n] = errs[i].Error()
		} else {
			results[n] = "ok"
		}
	}
	return results, ok
}

// runOne runs check with the timeout, even if check ignores its context, and turns a panic
// into an error.
func runOne(ctx context.Context, check Check) error {
	ctx, cancel := context.WithTimeout(ctx, CheckTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("check panicked: %v", p)
			}
		}()
		done <- check(ctx)
	}()
	select {
	case err := <-done:
		if err == nil {
			return nil
		}
		if ctx.Err() == context.DeadlineExceeded {
			return fmt.Errorf("no answer within %s: %w", CheckTimeout, err)
		}
		return err
	case <-ctx.Done():
		return fmt.Errorf("no answer within %s", CheckTimeout)
	}
}

func writeJSON(w http.ResponseWriter, code int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}
