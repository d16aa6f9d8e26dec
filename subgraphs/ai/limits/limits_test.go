package limits_test

import (
	"context"
	"crypto/rand"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"fedstack/platform/platformtest"
	"fedstack/platform/redisconn"
	"fedstack/subgraphs/ai/limits"
)

// newLimiter returns a Limiter under a prefix of its own, so parallel runs sharing the
// Redis server do not count each other's messages.
func newLimiter(t *testing.T) (*limits.Limiter, *redis.Client) {
	t.Helper()
	rdb, err := redisconn.Open(context.Background(), platformtest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	prefix := "test:" + rand.Text() + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := rdb.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			_ = rdb.Del(ctx, keys...).Err()
		}
	})
	return limits.New(rdb, prefix), rdb
}

func take(t *testing.T, l *limits.Limiter, user string, limit int, now time.Time) (bool, time.Duration) {
	t.Helper()
	ok, retry, err := l.TakeMessage(context.Background(), user, limit, now)
	if err != nil {
		t.Fatal(err)
	}
	return ok, retry
}

func inWindow(t *testing.T, l *limits.Limiter, user string, now time.Time) int {
	t.Helper()
	n, err := l.MessagesInWindow(context.Background(), user, now)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSlidingWindow(t *testing.T) {
	l, _ := newLimiter(t)
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range 3 {
		if ok, _ := take(t, l, "u1", 3, t0.Add(time.Duration(i)*10*time.Second)); !ok {
			t.Fatalf("message %d refused", i+1)
		}
	}
	at := t0.Add(25 * time.Second)
	if n := inWindow(t, l, "u1", at); n != 3 {
		t.Fatalf("MessagesInWindow = %d, want 3", n)
	}
	ok, retry := take(t, l, "u1", 3, at)
	if ok {
		t.Fatal("4th message within a minute accepted")
	}
	// The oldest (t0) leaves the window at t0+60s, 35 s after at.
	if retry != 35*time.Second {
		t.Fatalf("retryAfter = %s, want 35s", retry)
	}
	// The refused message is not counted.
	if n := inWindow(t, l, "u1", at); n != 3 {
		t.Fatalf("after a refusal MessagesInWindow = %d, want 3", n)
	}
	// Another user has a window of their own.
	if ok, _ := take(t, l, "u2", 3, at); !ok {
		t.Fatal("another user's message refused")
	}
	// Just before the oldest leaves: still refused, with a short wait.
	if ok, retry := take(t, l, "u1", 3, t0.Add(60*time.Second-time.Millisecond)); ok || retry != time.Millisecond {
		t.Fatalf("just before the window frees a place: ok=%v retry=%s, want refused after 1ms", ok, retry)
	}
	// Once it left, one place is free, and only one.
	later := t0.Add(60 * time.Second)
	if n := inWindow(t, l, "u1", later); n != 2 {
		t.Fatalf("MessagesInWindow after the oldest left = %d, want 2", n)
	}
	if ok, _ := take(t, l, "u1", 3, later); !ok {
		t.Fatal("refused after the oldest message left the window")
	}
	if ok, retry := take(t, l, "u1", 3, later); ok || retry != 10*time.Second {
		t.Fatalf("second message at t0+60s: ok=%v retry=%s, want refused for 10s", ok, retry)
	}
	// Long after, everything has left.
	if n := inWindow(t, l, "u1", t0.Add(time.Hour)); n != 0 {
		t.Fatalf("an hour later MessagesInWindow = %d", n)
	}
}

func TestLowerLimitWaitsForEnoughToLeave(t *testing.T) {
	l, _ := newLimiter(t)
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range 4 {
		if ok, _ := take(t, l, "u", 10, t0.Add(time.Duration(i)*time.Second)); !ok {
			t.Fatal("refused under the limit")
		}
	}
	// With a limit of 2 (e.g. the role changed), three of the four must leave before one
	// more fits: the third leaves at t0+62s.
	if ok, retry := take(t, l, "u", 2, t0.Add(5*time.Second)); ok || retry != 57*time.Second {
		t.Fatalf("ok=%v retry=%s, want refused for 57s", ok, retry)
	}
}

func TestReturnMessage(t *testing.T) {
	l, _ := newLimiter(t)
	ctx := context.Background()
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 123456789, time.UTC)
	// Two messages at the very same instant are both counted.
	for range 2 {
		if ok, _ := take(t, l, "u", 2, t0); !ok {
			t.Fatal("refused under the limit")
		}
	}
	if ok, _ := take(t, l, "u", 2, t0); ok {
		t.Fatal("3rd message accepted with a limit of 2")
	}
	if err := l.ReturnMessage(ctx, "u", t0); err != nil {
		t.Fatal(err)
	}
	if n := inWindow(t, l, "u", t0); n != 1 {
		t.Fatalf("after returning one MessagesInWindow = %d, want 1", n)
	}
	if ok, _ := take(t, l, "u", 2, t0); !ok {
		t.Fatal("the returned place was not freed")
	}
	// Returning at a time when nothing was counted changes nothing.
	if err := l.ReturnMessage(ctx, "u", t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := l.ReturnMessage(ctx, "nobody", t0); err != nil {
		t.Fatal(err)
	}
	if n := inWindow(t, l, "u", t0); n != 2 {
		t.Fatalf("MessagesInWindow = %d, want 2", n)
	}
	// Of messages at different times, the one at the given time is removed.
	t1 := t0.Add(time.Second)
	if err := l.ReturnMessage(ctx, "u", t0); err != nil {
		t.Fatal(err)
	}
	if ok, _ := take(t, l, "u", 2, t1); !ok {
		t.Fatal("refused after a return")
	}
	if err := l.ReturnMessage(ctx, "u", t1); err != nil {
		t.Fatal(err)
	}
	if n := inWindow(t, l, "u", t1); n != 1 {
		t.Fatalf("MessagesInWindow = %d, want 1", n)
	}
	// What remains is the message at t0: it leaves at t0+60s, not t1+60s.
	if n := inWindow(t, l, "u", t0.Add(60*time.Second)); n != 0 {
		t.Fatalf("at t0+60s MessagesInWindow = %d, want 0 (the message at t1 was returned)", n)
	}
}

func TestConcurrentTakes(t *testing.T) {
	l, _ := newLimiter(t)
	now := time.Now()
	var wg sync.WaitGroup
	var accepted atomic.Int32
	start := make(chan struct{})
	for range 20 {
		wg.Go(func() {
			<-start
			ok, _, err := l.TakeMessage(context.Background(), "busy", 5, now)
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				accepted.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if n := accepted.Load(); n != 5 {
		t.Fatalf("%d of 20 concurrent messages accepted with a limit of 5", n)
	}
	if n := inWindow(t, l, "busy", now); n != 5 {
		t.Fatalf("MessagesInWindow = %d, want 5", n)
	}
}

func TestKeysExpire(t *testing.T) {
	l, rdb := newLimiter(t)
	ctx := context.Background()
	now := time.Now()
	if ok, _ := take(t, l, "u", 3, now); !ok {
		t.Fatal("refused")
	}
	if ttl := rdb.PTTL(ctx, l.MessagesKey("u")).Val(); ttl <= 0 || ttl > limits.Window {
		t.Fatalf("messages key TTL %s, want at most %s", ttl, limits.Window)
	}
	if err := l.AddTokens(ctx, "u", now, 5); err != nil {
		t.Fatal(err)
	}
	if ttl := rdb.PTTL(ctx, l.TokensKey("u", now)).Val(); ttl <= limits.TokensTTL-time.Minute || ttl > limits.TokensTTL {
		t.Fatalf("tokens key TTL %s, want about %s", ttl, limits.TokensTTL)
	}
}

func TestTokensPerDay(t *testing.T) {
	l, _ := newLimiter(t)
	ctx := context.Background()
	morning := time.Date(2030, 5, 6, 0, 0, 1, 0, time.UTC)
	evening := time.Date(2030, 5, 6, 23, 59, 59, 0, time.UTC)
	next := time.Date(2030, 5, 7, 0, 0, 0, 0, time.UTC)
	tokens := func(user string, day time.Time) int64 {
		t.Helper()
		n, err := l.Tokens(ctx, user, day)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := tokens("u", morning); n != 0 {
		t.Fatalf("tokens before any: %d", n)
	}
	for _, a := range []struct {
		at time.Time
		n  int64
	}{{morning, 100}, {evening, 23}, {next, 7}} {
		if err := l.AddTokens(ctx, "u", a.at, a.n); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.AddTokens(ctx, "other", morning, 1000); err != nil {
		t.Fatal(err)
	}
	if n := tokens("u", evening); n != 123 {
		t.Fatalf("tokens of May 6 = %d, want 123", n)
	}
	if n := tokens("u", next.Add(5*time.Hour)); n != 7 {
		t.Fatalf("tokens of May 7 = %d, want 7", n)
	}
	// The day is the UTC day, whatever the zone of the time given.
	east := time.FixedZone("UTC+10", 10*3600)
	if n := tokens("u", time.Date(2030, 5, 7, 9, 0, 0, 0, east)); n != 123 {
		t.Fatalf("tokens at 09:00 UTC+10 on May 7 (May 6 UTC) = %d, want 123", n)
	}
	if n := tokens("other", morning); n != 1000 {
		t.Fatalf("other user's tokens = %d, want 1000", n)
	}
}

func TestPrefixesSeparateCounts(t *testing.T) {
	rdb, err := redisconn.Open(context.Background(), platformtest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	p := "test:" + rand.Text()
	a, b := limits.New(rdb, p+"a"), limits.New(rdb, p+"b")
	t.Cleanup(func() {
		_ = rdb.Del(context.Background(), a.MessagesKey("u"), b.MessagesKey("u")).Err()
	})
	if got, want := a.MessagesKey("u"), p+"a:ai:msgs:u"; got != want {
		t.Fatalf("MessagesKey = %q, want %q", got, want)
	}
	now := time.Now()
	if ok, _ := take(t, a, "u", 1, now); !ok {
		t.Fatal("refused")
	}
	if ok, _ := take(t, b, "u", 1, now); !ok {
		t.Fatal("a Limiter with another prefix counted the first one's message")
	}
}
