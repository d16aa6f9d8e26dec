package authn

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"fedstack/platform/platformtest"
	"fedstack/platform/pubsub"
)

func TestEndedSessions(t *testing.T) {
	opts, err := redis.ParseURL(platformtest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	suffix := time.Now().Format("150405.000000000")
	endedEarlier, live, endedLater := "earlier-"+suffix, "live-"+suffix, "later-"+suffix

	// A session that ended before this service started is found in Redis.
	if err := rdb.Set(ctx, RevokedSessionKeyPrefix+endedEarlier, "1", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	broker := pubsub.New(rdb, nil)
	t.Cleanup(func() { _ = broker.Close() })
	e := NewEndedSessions(rdb, nil)
	if err := e.Listen(ctx, broker); err != nil {
		t.Fatal(err)
	}
	if err := e.Check(ctx, endedEarlier); !errors.Is(err, ErrSessionEnded) {
		t.Fatalf("a session ended earlier: %v", err)
	}
	if err := e.Check(ctx, live); err != nil {
		t.Fatalf("a live session: %v", err)
	}
	if err := e.Check(ctx, ""); err != nil {
		t.Fatalf("a token without a session: %v", err)
	}

	// A session that ends now: its watchers hear it, and from then on it is refused.
	heard := make(chan struct{})
	stop := e.Watch(endedLater, func() { close(heard) })
	defer stop()
	quiet := e.Watch(live, func() { t.Error("a live session's watcher was called") })
	defer quiet()
	if err := rdb.Publish(ctx, SessionTerminatedChannel, `{"sessionId":"`+endedLater+`"}`).Err(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-heard:
	case <-time.After(time.Second):
		t.Fatal("the watcher did not hear the session end within 1 s")
	}
	if err := e.Check(ctx, endedLater); !errors.Is(err, ErrSessionEnded) {
		t.Fatalf("after the event: %v", err)
	}
	// Watching a session that has already ended calls back at once.
	called := false
	e.Watch(endedLater, func() { called = true })()
	if !called {
		t.Fatal("watching an ended session did not call back")
	}
}
