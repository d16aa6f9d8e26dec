// Package redisconn opens go-redis clients with errors that say what to do when Redis is down.
package redisconn

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// PingTimeout bounds the start-up ping when ctx has no deadline.
const PingTimeout = 5 * time.Second

// Open parses url (redis://[user:password@]host:port/db, or rediss:// for TLS), connects and
// pings. When Redis does not answer, the error names the address and how to start it.
func Open(ctx context.Context, url string) (*redis.Client, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis URL %q is not valid: %w (expected redis://host:port/db)", url, err)
	}
	rdb := redis.NewClient(opts)
	if err := Ping(ctx, rdb); err != nil {
		_ = rdb.Close()
		return nil, err
	}
	return rdb, nil
}

// Ping checks that rdb answers (a ready check for health.Checker).
func Ping(ctx context.Context, rdb *redis.Client) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, PingTimeout)
		defer cancel()
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis at %s does not answer: %w (start it with: redis-server --daemonize yes)", rdb.Options().Addr, err)
	}
	return nil
}
