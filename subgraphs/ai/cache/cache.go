// Package cache keeps answers to single-turn prompts on Redis, shared by every instance of
// the ai subgraph: it implements ai.PromptCache. Each answer is a JSON value under
// <prefix>ai:cache:<key>, expiring after the ttl it was put with.
package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"fedstack/platform/errs"
	"fedstack/subgraphs/ai"
)

// Cache is ai.PromptCache on Redis. It is safe for concurrent use.
type Cache struct {
	rdb    *redis.Client
	prefix string
}

var _ ai.PromptCache = (*Cache)(nil)

// New returns a Cache keeping its entries in rdb under prefix, which separates deployments
// (or test runs) sharing a Redis server. A non-empty prefix not ending in ':' gets one.
func New(rdb *redis.Client, prefix string) *Cache {
	if prefix != "" && prefix[len(prefix)-1] != ':' {
		prefix += ":"
	}
	return &Cache{rdb: rdb, prefix: prefix}
}

// RedisKey is where the answer cached under key is stored.
func (c *Cache) RedisKey(key string) string { return c.prefix + "ai:cache:" + key }

// Get returns the answer stored under key; ok is false when there is none (never stored,
// or expired).
func (c *Cache) Get(ctx context.Context, key string) (*ai.CachedAnswer, bool, error) {
	b, err := c.rdb.Get(ctx, c.RedisKey(key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, errs.Wrap(err, "cache: reading a cached answer on Redis")
	}
	var a ai.CachedAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, false, errs.Wrap(err, "cache: decoding the cached answer %s", key)
	}
	return &a, true, nil
}

// Put stores a under key for ttl (at least 1 ms), replacing what was there.
func (c *Cache) Put(ctx context.Context, key string, a ai.CachedAnswer, ttl time.Duration) error {
	if ttl < time.Millisecond {
		return errs.Wrap(fmt.Errorf("ttl %s is under 1ms", ttl), "cache: storing an answer")
	}
	b, err := json.Marshal(a)
	if err != nil {
		return errs.Wrap(err, "cache: encoding an answer")
	}
	if err := c.rdb.Set(ctx, c.RedisKey(key), b, ttl).Err(); err != nil {
		return errs.Wrap(err, "cache: storing an answer on Redis")
	}
	return nil
}
