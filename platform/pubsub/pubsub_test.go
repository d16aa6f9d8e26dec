package pubsub_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"fedstack/platform/platformtest"
	"fedstack/platform/pubsub"
	"fedstack/platform/redisconn"
)

func client(t *testing.T) *redis.Client {
	t.Helper()
	rdb, err := redisconn.Open(context.Background(), platformtest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func channelName() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "test:pubsub:" + hex.EncodeToString(b[:])
}

func broker(t *testing.T, rdb *redis.Client) *pubsub.Broker {
	b := pubsub.New(rdb, slog.New(slog.DiscardHandler))
	t.Cleanup(func() { b.Close() })
	return b
}

func receive(t *testing.T, ch <-chan []byte, want string) {
	t.Helper()
	select {
	case got, ok := <-ch:
		if !ok {
			t.Fatalf("channel closed, want %q", want)
		}
		if string(got) != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	case <-time.After(3 * time.Second):
		t.Fatalf("no message, want %q", want)
	}
}

func numsub(t *testing.T, rdb *redis.Client, channel string) int64 {
	t.Helper()
	n, err := rdb.PubSubNumSub(context.Background(), channel).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n[channel]
}

func TestFanOutWithinOneBroker(t *testing.T) {
	rdb := client(t)
	b := broker(t, rdb)
	ctx := context.Background()
	ch := channelName()

	s1, err := b.Subscribe(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := b.Subscribe(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	// One Redis subscription for both local subscribers.
	if n := numsub(t, rdb, ch); n != 1 {
		t.Errorf("redis subscribers = %d, want 1", n)
	}
	// Published right after Subscribe returned: must not be missed.
	if err := b.Publish(ctx, ch, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	receive(t, s1, "hello")
	receive(t, s2, "hello")
}

func TestFanOutAcrossBrokers(t *testing.T) {
	rdb := client(t)
	b1, b2 := broker(t, rdb), broker(t, client(t))
	ctx := context.Background()
	ch := channelName()

	s1, err := b1.Subscribe(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := b2.Subscribe(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	if err := b1.Publish(ctx, ch, []byte(`{"kind":"CREATED"}`)); err != nil {
		t.Fatal(err)
	}
	receive(t, s1, `{"kind":"CREATED"}`)
	receive(t, s2, `{"kind":"CREATED"}`)
}

func TestUnsubscribeRemovesTheRedisSubscription(t *testing.T) {
	rdb := client(t)
	b := broker(t, rdb)
	ch := channelName()

	ctx1, cancel1 := context.WithCancel(context.Background())
	ctx2, cancel2 := context.WithCancel(context.Background())
	s1, err := b.Subscribe(ctx1, ch)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := b.Subscribe(ctx2, ch)
	if err != nil {
		t.Fatal(err)
	}

	cancel1()
	if _, ok := <-s1; ok {
		t.Fatal("s1 not closed after its context ended")
	}
	if err := b.Publish(context.Background(), ch, []byte("still")); err != nil {
		t.Fatal(err)
	}
	receive(t, s2, "still") // the other subscriber keeps the Redis subscription

	cancel2()
	if _, ok := <-s2; ok {
		t.Fatal("s2 not closed")
	}
	deadline := time.Now().Add(3 * time.Second)
	for numsub(t, rdb, ch) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("Redis subscription still there after the last subscriber left")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Subscribing again works.
	s3, err := b.Subscribe(context.Background(), ch)
	if err != nil {
		t.Fatal(err)
	}
	_ = b.Publish(context.Background(), ch, []byte("again"))
	receive(t, s3, "again")
}

func TestCloseClosesSubscribers(t *testing.T) {
	rdb := client(t)
	b := pubsub.New(rdb, nil)
	s, err := b.Subscribe(context.Background(), channelName())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case _, ok := <-s:
		if ok {
			t.Fatal("message after Close")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("subscriber not closed by Close")
	}
	if _, err := b.Subscribe(context.Background(), "x"); err != pubsub.ErrClosed {
		t.Errorf("Subscribe after Close: %v", err)
	}
}

func TestSlowSubscriberDropsInsteadOfBlocking(t *testing.T) {
	rdb := client(t)
	b := broker(t, rdb)
	ctx := context.Background()
	ch := channelName()
	slow, err := b.Subscribe(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	fast, err := b.Subscribe(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	publish := func(n int) {
		pipe := rdb.Pipeline()
		for i := 0; i < n; i++ {
			pipe.Publish(ctx, ch, "m")
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			receive(t, fast, "m")
		}
	}
	publish(pubsub.BufferSize) // fills the slow subscriber's buffer
	publish(50)                // dropped for the slow one, delivered to the fast one
	if len(slow) != pubsub.BufferSize {
		t.Errorf("slow subscriber holds %d messages, want %d", len(slow), pubsub.BufferSize)
	}
}
