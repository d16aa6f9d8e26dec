package ratelimit_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"fedstack/platform/errs"
	"fedstack/platform/platformtest"
	"fedstack/subgraphs/auth/ratelimit"
)

// newClient connects to the test Redis and deletes every key under prefix when the test ends.
func newClient(t *testing.T, prefix string) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(platformtest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+":*", 100).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		_ = rdb.Close()
	})
	return rdb
}

// newLimiter returns a Limiter under a fresh random prefix, and its client.
func newLimiter(t *testing.T) (*ratelimit.Limiter, *redis.Client, string) {
	t.Helper()
	prefix := "test-ratelimit-" + rand.Text()
	rdb := newClient(t, prefix)
	return ratelimit.New(rdb, prefix), rdb, prefix
}

// rateLimited fails the test unless err is a RATE_LIMITED *errs.Error, and returns it.
func rateLimited(t *testing.T, err error) *errs.Error {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.RateLimited {
		t.Fatalf("want a RATE_LIMITED *errs.Error, got %v (code %q)", err, errs.CodeOf(err))
	}
	if !strings.Contains(e.Message, "try again in ") {
		t.Errorf("message %q does not say when to try again", e.Message)
	}
	return e
}

func between(t *testing.T, what string, d, lo, hi time.Duration) {
	t.Helper()
	if d < lo || d > hi {
		t.Errorf("%s = %s, want between %s and %s", what, d, lo, hi)
	}
}

func TestAllowRefusesOverTheLimit(t *testing.T) {
	l, _, _ := newLimiter(t)
	ctx := context.Background()
	rule := ratelimit.Rule{Name: "login:ip", Limit: 3, Window: time.Minute}
	for i := range 3 {
		if err := l.Allow(ctx, rule, "203.0.113.7"); err != nil {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	e := rateLimited(t, l.Allow(ctx, rule, "203.0.113.7"))
	between(t, "RetryAfter", e.RetryAfter, 55*time.Second, time.Minute)
	if want := "too many attempts; try again in 60 seconds"; e.Message != want {
		t.Errorf("message = %q, want %q", e.Message, want)
	}
	// Refused attempts are not counted: the wait does not grow.
	e2 := rateLimited(t, l.Allow(ctx, rule, "203.0.113.7"))
	if e2.RetryAfter > e.RetryAfter {
		t.Errorf("RetryAfter grew from %s to %s after a refused attempt", e.RetryAfter, e2.RetryAfter)
	}
}

func TestAllowAgainWhenTheWindowPasses(t *testing.T) {
	l, _, _ := newLimiter(t)
	ctx := context.Background()
	rule := ratelimit.Rule{Name: "login:email", Limit: 2, Window: 300 * time.Millisecond}
	key := "someone@example.com"
	if err := l.Allow(ctx, rule, key); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if err := l.Allow(ctx, rule, key); err != nil {
		t.Fatal(err)
	}
	e := rateLimited(t, l.Allow(ctx, rule, key))
	// The first attempt leaves the window about 300ms after it was made, ~200ms from now.
	between(t, "RetryAfter", e.RetryAfter, 100*time.Millisecond, 210*time.Millisecond)

	time.Sleep(e.RetryAfter + 20*time.Millisecond)
	if err := l.Allow(ctx, rule, key); err != nil {
		t.Fatalf("after RetryAfter: %v", err)
	}
	// The second attempt is still in the window, so the slot just freed is the only one.
	e = rateLimited(t, l.Allow(ctx, rule, key))
	between(t, "RetryAfter", e.RetryAfter, time.Millisecond, 120*time.Millisecond)

	time.Sleep(350 * time.Millisecond)
	for i := range 2 {
		if err := l.Allow(ctx, rule, key); err != nil {
			t.Fatalf("after a whole window, attempt %d: %v", i+1, err)
		}
	}
}

func TestKeysAndRulesAreIndependent(t *testing.T) {
	l, _, _ := newLimiter(t)
	ctx := context.Background()
	a := ratelimit.Rule{Name: "login:email", Limit: 1, Window: time.Minute}
	b := ratelimit.Rule{Name: "signup:email", Limit: 1, Window: time.Minute}
	if err := l.Allow(ctx, a, "a@example.com"); err != nil {
		t.Fatal(err)
	}
	rateLimited(t, l.Allow(ctx, a, "a@example.com"))
	if err := l.Allow(ctx, a, "b@example.com"); err != nil {
		t.Errorf("another key: %v", err)
	}
	if err := l.Allow(ctx, b, "a@example.com"); err != nil {
		t.Errorf("another rule: %v", err)
	}
}

func TestKeysAreHashed(t *testing.T) {
	l, rdb, prefix := newLimiter(t)
	ctx := context.Background()
	rule := ratelimit.Rule{Name: "login:email", Limit: 1, Window: time.Minute}
	policy := ratelimit.LockoutPolicy{Threshold: 5, Base: time.Second, Max: time.Minute, Memory: time.Minute}
	odd := []string{
		"o'brien+tag@example.com",
		"with space@example.com",
		"line\nbreak\r\n*?[]{}:",
		"ünïcødé@例え.jp",
		"",
		strings.Repeat("x", 10000),
	}
	for _, k := range odd {
		if err := l.Allow(ctx, rule, k); err != nil {
			t.Errorf("Allow(%.20q): %v", k, err)
		}
		rateLimited(t, l.Allow(ctx, rule, k))
		if err := l.Failed(ctx, policy, k); err != nil {
			t.Errorf("Failed(%.20q): %v", k, err)
		}
	}
	keys, err := rdb.Keys(ctx, prefix+":*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2*len(odd) {
		t.Errorf("got %d keys, want %d (one per key and mechanism): %q", len(keys), 2*len(odd), keys)
	}
	for _, k := range keys {
		if strings.Contains(k, "example.com") || len(k) > len(prefix)+100 {
			t.Errorf("key %q shows or carries the caller's key", k)
		}
	}
}

func TestAllowIsAtomicUnderConcurrency(t *testing.T) {
	_, _, prefix := newLimiter(t)
	// Two Limiters with their own connection pools stand for two auth instances.
	instances := []*ratelimit.Limiter{
		ratelimit.New(newClient(t, prefix), prefix),
		ratelimit.New(newClient(t, prefix), prefix),
	}
	ctx := context.Background()
	rule := ratelimit.Rule{Name: "login:ip", Limit: 10, Window: time.Minute}

	var allowed, refused, other int
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 50 {
		wg.Go(func() {
			<-start
			err := instances[i%2].Allow(ctx, rule, "198.51.100.1")
			mu.Lock()
			defer mu.Unlock()
			switch errs.CodeOf(err) {
			case "":
				allowed++
			case errs.RateLimited:
				refused++
			default:
				other++
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if allowed != 10 || refused != 40 || other != 0 {
		t.Errorf("allowed %d, refused %d, other %d; want 10, 40, 0", allowed, refused, other)
	}
}

func TestLockoutGrowsAndExpires(t *testing.T) {
	l, _, _ := newLimiter(t)
	ctx := context.Background()
	p := ratelimit.LockoutPolicy{Threshold: 3, Base: 200 * time.Millisecond, Max: 700 * time.Millisecond, Memory: time.Minute}
	acct := "victim@example.com"

	for i := range 2 {
		if err := l.Failed(ctx, p, acct); err != nil {
			t.Fatalf("failure %d: %v", i+1, err)
		}
		if err := l.Locked(ctx, p, acct); err != nil {
			t.Fatalf("locked after %d failures: %v", i+1, err)
		}
	}
	for _, want := range []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 700 * time.Millisecond} {
		e := rateLimited(t, l.Failed(ctx, p, acct))
		if e.RetryAfter != want {
			t.Errorf("lock = %s, want %s", e.RetryAfter, want)
		}
		if !strings.HasPrefix(e.Message, "too many failed attempts; try again in 1 second") {
			t.Errorf("message = %q", e.Message)
		}
		locked := rateLimited(t, l.Locked(ctx, p, acct))
		between(t, "Locked RetryAfter", locked.RetryAfter, want-100*time.Millisecond, want)

		time.Sleep(want + 30*time.Millisecond)
		if err := l.Locked(ctx, p, acct); err != nil {
			t.Fatalf("still locked after %s: %v", want, err)
		}
	}
	// The cap holds however many failures follow.
	for range 70 {
		e := rateLimited(t, l.Failed(ctx, p, acct))
		if e.RetryAfter != p.Max {
			t.Fatalf("lock = %s, want the cap %s", e.RetryAfter, p.Max)
		}
	}
}

func TestSucceededResets(t *testing.T) {
	l, _, _ := newLimiter(t)
	ctx := context.Background()
	p := ratelimit.LockoutPolicy{Threshold: 3, Base: time.Minute, Max: time.Hour, Memory: time.Hour}
	acct := "user@example.com"
	for range 2 {
		if err := l.Failed(ctx, p, acct); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Succeeded(ctx, p, acct); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := l.Failed(ctx, p, acct); err != nil {
			t.Fatalf("failure %d after success should not lock: %v", i+1, err)
		}
	}
	e := rateLimited(t, l.Failed(ctx, p, acct))
	if e.RetryAfter != time.Minute {
		t.Errorf("first lock after a reset = %s, want %s", e.RetryAfter, time.Minute)
	}
	if !strings.Contains(e.Message, "try again in 60 seconds") {
		t.Errorf("message = %q", e.Message)
	}
	rateLimited(t, l.Locked(ctx, p, acct))

	// Succeeded also lifts the lock (e.g. after a password reset).
	if err := l.Succeeded(ctx, p, acct); err != nil {
		t.Fatal(err)
	}
	if err := l.Locked(ctx, p, acct); err != nil {
		t.Errorf("locked after Succeeded: %v", err)
	}
}

func TestAccountsAreIndependent(t *testing.T) {
	l, _, _ := newLimiter(t)
	ctx := context.Background()
	p := ratelimit.LockoutPolicy{Threshold: 1, Base: time.Minute, Max: time.Hour, Memory: time.Hour}
	rateLimited(t, l.Failed(ctx, p, "a@example.com"))
	rateLimited(t, l.Locked(ctx, p, "a@example.com"))
	if err := l.Locked(ctx, p, "b@example.com"); err != nil {
		t.Errorf("another account is locked: %v", err)
	}
	// A Limiter with another prefix shares nothing.
	other, _, _ := newLimiter(t)
	if err := other.Locked(ctx, p, "a@example.com"); err != nil {
		t.Errorf("another prefix is locked: %v", err)
	}
}

func TestFailuresAreForgotten(t *testing.T) {
	l, _, _ := newLimiter(t)
	ctx := context.Background()
	p := ratelimit.LockoutPolicy{Threshold: 3, Base: time.Minute, Max: time.Hour, Memory: 300 * time.Millisecond}
	acct := "forgetful@example.com"
	for range 2 {
		if err := l.Failed(ctx, p, acct); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(400 * time.Millisecond)
	if err := l.Failed(ctx, p, acct); err != nil {
		t.Errorf("failures older than Memory still counted: %v", err)
	}
}

func TestRedisErrorsAreInternal(t *testing.T) {
	port := platformtest.FreePort(t)
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port), MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = rdb.Close() })
	l := ratelimit.New(rdb, "test-ratelimit-down")
	ctx := context.Background()
	rule := ratelimit.Rule{Name: "login:ip", Limit: 10, Window: time.Minute}
	p := ratelimit.LockoutPolicy{Threshold: 3, Base: time.Second, Max: time.Minute, Memory: time.Hour}
	for name, err := range map[string]error{
		"Allow":     l.Allow(ctx, rule, "x"),
		"Locked":    l.Locked(ctx, p, "x"),
		"Failed":    l.Failed(ctx, p, "x"),
		"Succeeded": l.Succeeded(ctx, p, "x"),
	} {
		if errs.CodeOf(err) != errs.Internal {
			t.Errorf("%s with Redis down: got %v (code %q), want INTERNAL", name, err, errs.CodeOf(err))
		}
	}
}

func TestInvalidConfigIsInternal(t *testing.T) {
	l, _, _ := newLimiter(t)
	ctx := context.Background()
	for _, r := range []ratelimit.Rule{{Name: "zero", Limit: 0, Window: time.Minute}, {Name: "nowindow", Limit: 1}} {
		if err := l.Allow(ctx, r, "x"); errs.CodeOf(err) != errs.Internal {
			t.Errorf("Allow(%+v) = %v, want INTERNAL", r, err)
		}
	}
	if err := l.Failed(ctx, ratelimit.LockoutPolicy{Threshold: 3}, "x"); errs.CodeOf(err) != errs.Internal {
		t.Errorf("Failed with an empty policy = %v, want INTERNAL", err)
	}
}
