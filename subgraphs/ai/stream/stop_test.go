package stream_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"fedstack/platform/platformtest"
	"fedstack/platform/pubsub"
	"fedstack/platform/redisconn"
	"fedstack/subgraphs/ai/stream"
)

// newStopSignal returns a StopSignal on a Redis client and broker of its own, as another
// instance would have.
func newStopSignal(t *testing.T) *stream.StopSignal {
	t.Helper()
	rdb, err := redisconn.Open(context.Background(), platformtest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	b := pubsub.New(rdb, nil)
	t.Cleanup(func() { _ = b.Close() })
	return stream.NewStopSignal(b)
}

// waitFor reads ch until id arrives (other test runs sharing Redis may publish other ids),
// failing after 5 s or if ch closes.
func waitFor(t *testing.T, ch <-chan string, id string) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case got, ok := <-ch:
			if !ok {
				t.Fatalf("channel closed before %s arrived", id)
			}
			if got == id {
				return
			}
		case <-timeout:
			t.Fatalf("stop request %s not received", id)
		}
	}
}

func TestStopSignalAcrossInstances(t *testing.T) {
	a, b := newStopSignal(t), newStopSignal(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stops, err := b.Listen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The sender's own instance hears it too.
	ownCtx, ownCancel := context.WithCancel(context.Background())
	defer ownCancel()
	own, err := a.Listen(ownCtx)
	if err != nil {
		t.Fatal(err)
	}

	id := "test-stop-" + rand.Text()
	start := time.Now()
	// Listen returned subscribed: a request right after it is delivered.
	if err := a.RequestStop(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, stops, id)
	if d := time.Since(start); d > time.Second {
		t.Errorf("the stop request took %s to arrive", d)
	}
	waitFor(t, own, id)

	// Several requests arrive, in order.
	ids := []string{"test-stop-" + rand.Text(), "test-stop-" + rand.Text(), "test-stop-" + rand.Text()}
	for _, id := range ids {
		if err := a.RequestStop(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids {
		waitFor(t, stops, id)
	}

	// Once the Listen context ends, the channel closes (after anything still buffered).
	cancel()
	timeout := time.After(5 * time.Second)
	for closed := false; !closed; {
		select {
		case _, ok := <-stops:
			closed = !ok
		case <-timeout:
			t.Fatal("the channel did not close after its context ended")
		}
	}
	// The other listener is unaffected.
	id = "test-stop-" + rand.Text()
	if err := b.RequestStop(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, own, id)
}

func TestStopSignalListenAndRequestErrors(t *testing.T) {
	s := newStopSignal(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Listen(ctx); err == nil {
		t.Fatal("Listen with an ended context succeeded")
	}
	if err := s.RequestStop(context.Background(), ""); err == nil {
		t.Fatal("RequestStop without an id succeeded")
	}
}
