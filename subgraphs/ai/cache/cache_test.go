package cache_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"fedstack/platform/platformtest"
	"fedstack/platform/redisconn"
	"fedstack/subgraphs/ai"
	"fedstack/subgraphs/ai/cache"
	"fedstack/subgraphs/ai/llm"
)

func newCache(t *testing.T) *cache.Cache {
	t.Helper()
	rdb, err := redisconn.Open(context.Background(), platformtest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	return cache.New(rdb, "test:"+rand.Text()+":")
}

func TestRoundTripAndMiss(t *testing.T) {
	c := newCache(t)
	ctx := context.Background()
	key := ai.CacheKey("m", []llm.Message{{Role: llm.RoleUser, Content: "hi"}})
	if a, ok, err := c.Get(ctx, key); err != nil || ok || a != nil {
		t.Fatalf("Get before Put = %v, %v, %v; want a miss", a, ok, err)
	}
	want := ai.CachedAnswer{Text: "héllo\n{\"x\"}", TokensIn: 12, TokensOut: 34}
	if err := c.Put(ctx, key, want, time.Minute); err != nil {
		t.Fatal(err)
	}
	a, ok, err := c.Get(ctx, key)
	if err != nil || !ok || a == nil || *a != want {
		t.Fatalf("Get = %+v, %v, %v; want %+v", a, ok, err, want)
	}
	// Put replaces.
	want.Text = "other"
	if err := c.Put(ctx, key, want, time.Minute); err != nil {
		t.Fatal(err)
	}
	if a, ok, err := c.Get(ctx, key); err != nil || !ok || *a != want {
		t.Fatalf("Get after a second Put = %+v, %v, %v", a, ok, err)
	}
	// Another key misses.
	if _, ok, err := c.Get(ctx, key+"x"); err != nil || ok {
		t.Fatalf("Get of another key: ok=%v err=%v", ok, err)
	}
	if err := c.Put(ctx, key, want, 0); err == nil {
		t.Fatal("Put with a zero ttl accepted")
	}
}

func TestExpiry(t *testing.T) {
	c := newCache(t)
	ctx := context.Background()
	if err := c.Put(ctx, "k", ai.CachedAnswer{Text: "soon gone"}, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, ok, err := c.Get(ctx, "k")
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the answer did not expire")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPrefixesSeparate(t *testing.T) {
	rdb, err := redisconn.Open(context.Background(), platformtest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	p := "test:" + rand.Text()
	a, b := cache.New(rdb, p+"a"), cache.New(rdb, p+"b")
	if got, want := a.RedisKey("k"), p+"a:ai:cache:k"; got != want {
		t.Fatalf("RedisKey = %q, want %q", got, want)
	}
	ctx := context.Background()
	if err := a.Put(ctx, "k", ai.CachedAnswer{Text: "x"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := b.Get(ctx, "k"); err != nil || ok {
		t.Fatalf("a Cache with another prefix found the entry: ok=%v err=%v", ok, err)
	}
}

func TestKey(t *testing.T) {
	u := func(s ...string) []llm.Message {
		var ms []llm.Message
		for _, c := range s {
			ms = append(ms, llm.Message{Role: llm.RoleUser, Content: c})
		}
		return ms
	}
	base := ai.CacheKey("m1", []llm.Message{{Role: llm.RoleSystem, Content: "be brief"}, {Role: llm.RoleUser, Content: "hi"}})
	if len(base) != 64 {
		t.Fatalf("key %q is not a hex SHA-256", base)
	}
	if again := ai.CacheKey("m1", []llm.Message{{Role: llm.RoleSystem, Content: "be brief"}, {Role: llm.RoleUser, Content: "hi"}}); again != base {
		t.Fatal("the same prompt gave two keys")
	}
	different := map[string]string{
		"model":       ai.CacheKey("m2", []llm.Message{{Role: llm.RoleSystem, Content: "be brief"}, {Role: llm.RoleUser, Content: "hi"}}),
		"content":     ai.CacheKey("m1", []llm.Message{{Role: llm.RoleSystem, Content: "be brief"}, {Role: llm.RoleUser, Content: "hi!"}}),
		"system":      ai.CacheKey("m1", []llm.Message{{Role: llm.RoleSystem, Content: "be long"}, {Role: llm.RoleUser, Content: "hi"}}),
		"role":        ai.CacheKey("m1", []llm.Message{{Role: llm.RoleUser, Content: "be brief"}, {Role: llm.RoleUser, Content: "hi"}}),
		"no system":   ai.CacheKey("m1", []llm.Message{{Role: llm.RoleUser, Content: "hi"}}),
		"order":       ai.CacheKey("m1", []llm.Message{{Role: llm.RoleUser, Content: "hi"}, {Role: llm.RoleSystem, Content: "be brief"}}),
		"no messages": ai.CacheKey("m1", nil),
	}
	seen := map[string]string{base: "base"}
	for name, k := range different {
		if prev, dup := seen[k]; dup {
			t.Errorf("%s gives the same key as %s", name, prev)
		}
		seen[k] = name
	}
	// Moving bytes between fields never gives the same key.
	collide := [][2]string{
		{ai.CacheKey("m", u("a", "bc")), ai.CacheKey("m", u("ab", "c"))},
		{ai.CacheKey("m", u("", "x")), ai.CacheKey("m", u("x", ""))},
		{ai.CacheKey("m", u("x")), ai.CacheKey("m", u("x", ""))},
		{ai.CacheKey("ma", u("b")), ai.CacheKey("m", u("ab"))},
		{ai.CacheKey("m", []llm.Message{{Role: "user", Content: "x"}}), ai.CacheKey("m", []llm.Message{{Role: "use", Content: "rx"}})},
	}
	for i, c := range collide {
		if c[0] == c[1] {
			t.Errorf("pair %d: two different prompts share a key", i)
		}
	}
}
