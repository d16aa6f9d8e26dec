// Package ratelimit protects sign-in and similar endpoints against brute force, with state
// kept in Redis so that every auth instance sees the same counts.
//
// Two mechanisms are offered:
//
//   - Allow counts attempts per key (an IP address, an email...) in a sliding window and
//     refuses once a Rule's limit is reached.
//   - Locked, Failed and Succeeded implement an account lockout whose length doubles with
//     each further failure (LockoutPolicy).
//
// Every check is one Redis command or one Lua script, so it is atomic however many
// instances share the Redis server, and timestamps come from the Redis clock (TIME), so
// the instances' clocks need not agree. Keys are prefix+":"+... with the caller's key
// hashed (SHA-256), so any string is safe as a key and no email appears in Redis.
//
// A Redis failure is returned as an INTERNAL error: the limiter never lets an attempt
// through because it could not count it.
package ratelimit

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"fedstack/platform/errs"
)

// Rule is a limit on attempts: at most Limit attempts per key in any Window.
// Name tells rules apart in Redis and in errors; e.g. {"login:ip", 20, time.Minute}.
type Rule struct {
	Name   string
	Limit  int
	Window time.Duration
}

// LockoutPolicy says when and for how long repeated failures lock an account.
type LockoutPolicy struct {
	Threshold int           // consecutive failures before the first lock (e.g. 5)
	Base      time.Duration // first lock length (e.g. 30s); each further failure while over threshold doubles it
	Max       time.Duration // cap (e.g. 1h)
	Memory    time.Duration // how long failures are remembered without a new one (e.g. 24h)
}

// Limiter checks rules and lockouts against one Redis server. It is safe for concurrent
// use, and any number of Limiters (in any number of processes) with the same prefix share
// their counts.
type Limiter struct {
	rdb    *redis.Client
	prefix string
}

// New returns a Limiter storing its keys in rdb under prefix+":".
func New(rdb *redis.Client, prefix string) *Limiter {
	return &Limiter{rdb: rdb, prefix: prefix}
}

// allowScript keeps one sorted set per (rule, key) whose members are the accepted
// attempts, scored by their time in microseconds (Redis clock). It drops the attempts
// older than the window, accepts the new one if fewer than limit remain, and otherwise
// returns how long until enough old attempts leave the window to free a slot.
//
// KEYS[1] the set; ARGV[1] limit; ARGV[2] window in µs; ARGV[3] a unique (random) member name.
// Returns {1, 0} when accepted, {0, wait µs} when refused.
var allowScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
  return {1, 0}
end
local first = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
local wait = tonumber(first[2]) + window - now
if wait < 1 then wait = 1 end
return {0, wait}
`)

// failScript counts one failure and, at or over the threshold, sets the lock.
//
// KEYS[1] failure counter; KEYS[2] lock; ARGV[1] threshold; ARGV[2] base ms; ARGV[3] max ms;
// ARGV[4] memory ms. Returns the lock length in ms, 0 when not locked.
var failScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
local threshold = tonumber(ARGV[1])
local memory = tonumber(ARGV[4])
if n < threshold then
  redis.call('PEXPIRE', KEYS[1], memory)
  return 0
end
local max = tonumber(ARGV[3])
local d = max
local k = n - threshold
if k < 62 then
  d = math.min(tonumber(ARGV[2]) * 2 ^ k, max)
end
d = math.floor(d)
if d < 1 then d = 1 end
redis.call('SET', KEYS[2], '1', 'PX', d)
redis.call('PEXPIRE', KEYS[1], math.max(memory, d))
return d
`)

// Allow counts one attempt under r for key. When r.Limit attempts were already accepted
// in the last r.Window it returns a RATE_LIMITED *errs.Error whose RetryAfter is the time
// until the window frees a slot; a refused attempt is not counted. A Redis failure or an
// invalid rule gives an INTERNAL error.
func (l *Limiter) Allow(ctx context.Context, r Rule, key string) error {
	if r.Limit < 1 || r.Window < time.Millisecond {
		return errs.Wrap(fmt.Errorf("rule %q needs Limit >= 1 and Window >= 1ms, has %d and %s", r.Name, r.Limit, r.Window),
			"ratelimit: invalid rule %q", r.Name)
	}
	res, err := allowScript.Run(ctx, l.rdb, []string{l.key("rl", r.Name, key)},
		r.Limit, r.Window.Microseconds(), rand.Text()).Int64Slice()
	if err != nil {
		return errs.Wrap(err, "ratelimit: checking %s", r.Name)
	}
	if len(res) != 2 {
		return errs.Wrap(fmt.Errorf("unexpected script result %v", res), "ratelimit: checking %s", r.Name)
	}
	if res[0] == 1 {
		return nil
	}
	return limited("too many attempts", time.Duration(res[1])*time.Microsecond)
}

// Locked returns a RATE_LIMITED *errs.Error, with RetryAfter the time left, while account
// is locked, and nil otherwise. An account has one lockout state whatever the policy, so p
// only documents the call (callers pass the policy they give Failed).
func (l *Limiter) Locked(ctx context.Context, p LockoutPolicy, account string) error {
	_, lock := l.lockKeys(account)
	ttl, err := l.rdb.PTTL(ctx, lock).Result()
	if err != nil {
		return errs.Wrap(err, "ratelimit: checking lockout")
	}
	// PTTL gives -2 (no key) or -1 (no expiry, which this package never sets) as durations.
	if ttl <= 0 {
		return nil
	}
	return limited("too many failed attempts", ttl)
}

// Failed records a failed attempt on account. When the count of failures remembered
// under p reaches p.Threshold it locks the account for p.Base, doubled for each failure
// past the threshold and capped at p.Max, and returns the RATE_LIMITED error for that lock;
// otherwise it returns nil. Failures are forgotten p.Memory after the last one.
func (l *Limiter) Failed(ctx context.Context, p LockoutPolicy, account string) error {
	if err := p.validate(); err != nil {
		return err
	}
	fails, lock := l.lockKeys(account)
	ms, err := failScript.Run(ctx, l.rdb, []string{fails, lock},
		p.Threshold, p.Base.Milliseconds(), p.Max.Milliseconds(), p.Memory.Milliseconds()).Int64()
	if err != nil {
		return errs.Wrap(err, "ratelimit: recording a failure")
	}
	if ms <= 0 {
		return nil
	}
	return limited("too many failed attempts", time.Duration(ms)*time.Millisecond)
}

// Succeeded forgets the failures of account and lifts any lock on it.
func (l *Limiter) Succeeded(ctx context.Context, p LockoutPolicy, account string) error {
	fails, lock := l.lockKeys(account)
	if err := l.rdb.Del(ctx, fails, lock).Err(); err != nil {
		return errs.Wrap(err, "ratelimit: clearing failures")
	}
	return nil
}

func (p LockoutPolicy) validate() error {
	if p.Threshold < 1 || p.Base < time.Millisecond || p.Max < p.Base || p.Memory < time.Millisecond {
		return errs.Wrap(errors.New("needs Threshold >= 1, Base >= 1ms, Max >= Base and Memory >= 1ms"),
			"ratelimit: invalid lockout policy %+v", p)
	}
	return nil
}

// key returns prefix:kind:name:hash(k).
func (l *Limiter) key(kind, name, k string) string {
	return l.prefix + ":" + kind + ":" + name + ":" + hashKey(k)
}

// lockKeys returns the failure counter and lock keys of account. The hash sits in braces
// (a Redis Cluster hash tag) so both keys of a script land on the same node.
func (l *Limiter) lockKeys(account string) (fails, lock string) {
	base := l.prefix + ":lockout:{" + hashKey(account) + "}"
	return base + ":fails", base + ":lock"
}

// hashKey returns an unpadded base64url SHA-256 of k: fixed length, no special
// characters, and no plain email in Redis.
func hashKey(k string) string {
	sum := sha256.Sum256([]byte(k))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// limited returns the RATE_LIMITED error for a wait of d.
func limited(what string, d time.Duration) *errs.Error {
	e := errs.E(errs.RateLimited, "%s; try again in %s", what, humanWait(d))
	e.RetryAfter = d
	return e
}

// humanWait renders d rounded up: "1 second", "42 seconds", "5 minutes", "2 hours".
func humanWait(d time.Duration) string {
	s := errs.RetryAfterSeconds(d)
	switch {
	case s < 120:
		return plural(s, "second")
	case s < 2*3600:
		return plural((s+59)/60, "minute")
	default:
		return plural((s+3599)/3600, "hour")
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
