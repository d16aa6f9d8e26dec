// Package limits counts what each user of the ai subgraph sends, on Redis, so that every
// instance sharing the Redis server sees the same counts. It implements ai.Limiter.
//
// Messages are counted in a sliding window of 60 s: one sorted set per user,
// <prefix>ai:msgs:<user>, whose members are the counted messages ("<unix ns>-<random>")
// scored by their send time in microseconds. Taking a message is one Lua script (drop what
// left the window, count, add), so it is atomic however many instances share the server.
// Times are the callers' (the now arguments), not the Redis clock.
//
// Tokens are counted per user and UTC day: <prefix>ai:tokens:<user>:<YYYY-MM-DD>, a counter
// kept 48 h after its last increment.
package limits

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"fedstack/platform/errs"
	"fedstack/subgraphs/ai"
)

// Window is the length of the sliding window of messages.
const Window = time.Minute

// TokensTTL is how long a day's token counter is kept after its last increment.
const TokensTTL = 48 * time.Hour

// Limiter is ai.Limiter on Redis. It is safe for concurrent use, and Limiters with the same
// prefix (in any number of processes) share their counts.
type Limiter struct {
	rdb    *redis.Client
	prefix string
}

var _ ai.Limiter = (*Limiter)(nil)

// New returns a Limiter keeping its keys in rdb under prefix, which separates deployments
// (or test runs) sharing a Redis server. A non-empty prefix not ending in ':' gets one.
func New(rdb *redis.Client, prefix string) *Limiter {
	return &Limiter{rdb: rdb, prefix: normPrefix(prefix)}
}

func normPrefix(p string) string {
	if p != "" && p[len(p)-1] != ':' {
		p += ":"
	}
	return p
}

// MessagesKey is the sorted set of userID's counted messages.
func (l *Limiter) MessagesKey(userID string) string { return l.prefix + "ai:msgs:" + userID }

// TokensKey is the counter of userID's tokens of the UTC day of day.
func (l *Limiter) TokensKey(userID string, day time.Time) string {
	return l.prefix + "ai:tokens:" + userID + ":" + day.UTC().Format(time.DateOnly)
}

// takeScript drops the messages that left the window, refuses when limit remain (returning
// the wait until enough leave), and otherwise adds the new one and refreshes the expiry.
// Messages scored after now (a caller with a clock behind another's) stay counted.
//
// KEYS[1] the set; ARGV[1] now µs; ARGV[2] window µs; ARGV[3] limit; ARGV[4] the member.
// Returns {1, 0} when counted, {0, wait µs} when refused.
var takeScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
  return {1, 0}
end
local first = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
local wait = tonumber(first[2]) + window - now
if wait < 1000 then wait = 1000 end
return {0, wait}
`)

// returnScript removes one member scored now, preferring one taken at exactly the same
// nanosecond (members start with "<unix ns>-").
//
// KEYS[1] the set; ARGV[1] now µs; ARGV[2] "<unix ns>-". Returns how many were removed.
var returnScript = redis.NewScript(`
local ms = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1])
if #ms == 0 then return 0 end
local pick = ms[1]
for _, m in ipairs(ms) do
  if string.sub(m, 1, string.len(ARGV[2])) == ARGV[2] then pick = m break end
end
return redis.call('ZREM', KEYS[1], pick)
`)

// TakeMessage counts one message of userID sent at now, unless perMinute messages were
// already counted in the 60 s before now: then nothing is counted and retryAfter (at
// least 1 ms) is when enough of them leave the window to free a place.
func (l *Limiter) TakeMessage(ctx context.Context, userID string, perMinute int, now time.Time) (bool, time.Duration, error) {
	if perMinute < 1 {
		return false, 0, errs.E(errs.Internal, "limits: messages per minute must be at least 1, is %d", perMinute)
	}
	res, err := takeScript.Run(ctx, l.rdb, []string{l.MessagesKey(userID)},
		now.UnixMicro(), Window.Microseconds(), perMinute, member(now)).Int64Slice()
	if err != nil {
		return false, 0, errs.Wrap(err, "limits: counting a message on Redis")
	}
	if len(res) != 2 {
		return false, 0, errs.Wrap(fmt.Errorf("unexpected script result %v", res), "limits: counting a message on Redis")
	}
	if res[0] == 1 {
		return true, 0, nil
	}
	return false, max(time.Duration(res[1])*time.Microsecond, time.Millisecond), nil
}

// ReturnMessage uncounts the message of userID counted at now by TakeMessage. Returning a
// message that is not counted (any more) does nothing.
func (l *Limiter) ReturnMessage(ctx context.Context, userID string, now time.Time) error {
	err := returnScript.Run(ctx, l.rdb, []string{l.MessagesKey(userID)},
		now.UnixMicro(), strconv.FormatInt(now.UnixNano(), 10)+"-").Err()
	if err != nil && !errors.Is(err, redis.Nil) {
		return errs.Wrap(err, "limits: uncounting a message on Redis")
	}
	return nil
}

// MessagesInWindow counts userID's messages in the 60 s before now (and any counted later
// than now, as TakeMessage does).
func (l *Limiter) MessagesInWindow(ctx context.Context, userID string, now time.Time) (int, error) {
	from := "(" + strconv.FormatInt(now.UnixMicro()-Window.Microseconds(), 10)
	n, err := l.rdb.ZCount(ctx, l.MessagesKey(userID), from, "+inf").Result()
	if err != nil {
		return 0, errs.Wrap(err, "limits: reading the message count on Redis")
	}
	return int(n), nil
}

// AddTokens adds n tokens to userID's count of the UTC day of day.
func (l *Limiter) AddTokens(ctx context.Context, userID string, day time.Time, n int64) error {
	key := l.TokensKey(userID, day)
	_, err := l.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.IncrBy(ctx, key, n)
		p.Expire(ctx, key, TokensTTL)
		return nil
	})
	if err != nil {
		return errs.Wrap(err, "limits: adding tokens on Redis")
	}
	return nil
}

// Tokens returns userID's count of the UTC day of day (0 when nothing was counted).
func (l *Limiter) Tokens(ctx context.Context, userID string, day time.Time) (int64, error) {
	n, err := l.rdb.Get(ctx, l.TokensKey(userID, day)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, errs.Wrap(err, "limits: reading the token count on Redis")
	}
	return n, nil
}

// member names a message counted at now: unique even for equal times.
func member(now time.Time) string {
	return strconv.FormatInt(now.UnixNano(), 10) + "-" + rand.Text()
}
