package stream_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"fedstack/platform/platformtest"
	"fedstack/platform/pubsub"
	"fedstack/platform/redisconn"
	"fedstack/subgraphs/ai"
	"fedstack/subgraphs/ai/stream"
)

func newLog(t *testing.T) (*stream.Log, *redis.Client) {
	t.Helper()
	rdb, err := redisconn.Open(context.Background(), platformtest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	b := pubsub.New(rdb, nil)
	t.Cleanup(func() { _ = b.Close() })
	return stream.New(rdb, b, stream.Options{Retention: time.Minute, CheckInterval: 100 * time.Millisecond}), rdb
}

func msgID(t *testing.T) string { return fmt.Sprintf("test-%s-%d", t.Name(), time.Now().UnixNano()) }

// read collects until Done or close; it may run outside the test's goroutine, so it
// reports with Errorf and returns.
func read(t *testing.T, ch <-chan stream.Event) (string, int, *stream.Done) {
	var b strings.Builder
	first := -1
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return b.String(), first, nil
			}
			if ev.Done != nil {
				return b.String(), first, ev.Done
			}
			if first < 0 {
				first = ev.Offset
			} else if ev.Offset != first+b.Len() {
				t.Errorf("event at %d after %d bytes from %d", ev.Offset, b.Len(), first)
				return b.String(), first, nil
			}
			b.WriteString(ev.Text)
		case <-timeout:
			t.Errorf("no Done; got %q", b.String())
			return b.String(), first, nil
		}
	}
}

func TestAppendIsContiguous(t *testing.T) {
	l, _ := newLog(t)
	ctx := context.Background()
	id := msgID(t)
	if err := l.Open(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(ctx, id, 0, "héllo"); err != nil {
		t.Fatal(err)
	}
	var oe *stream.OffsetError
	if err := l.Append(ctx, id, 3, "x"); !errors.Is(err, stream.ErrOffset) || !errors.As(err, &oe) || oe.Want != 6 {
		t.Fatalf("append at a wrong offset: %v", err)
	}
	if err := l.Finish(ctx, id, 6, stream.Done{State: ai.StateComplete}); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(ctx, id, 6, "more"); !errors.Is(err, stream.ErrFinished) {
		t.Fatalf("append after Finish: %v", err)
	}
	if _, err := l.Follow(ctx, "no-such-message", 0); !errors.Is(err, ai.ErrStreamGone) {
		t.Fatalf("Follow without a log: %v", err)
	}
}

func TestFollowLiveFromOffsetsAndGaps(t *testing.T) {
	l, rdb := newLog(t)
	ctx := context.Background()
	id := msgID(t)
	if err := l.Open(ctx, id); err != nil {
		t.Fatal(err)
	}
	words := strings.Fields("the quick brown fox jumps over the lazy dog again and again")
	var full strings.Builder
	for i, w := range words {
		words[i] = w + " "
	}
	// Followers from 0 and from inside the third word, before anything is written.
	a, err := l.Follow(ctx, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		text  string
		first int
		done  *stream.Done
	}
	results := make(chan result, 3)
	go func() { s, f, d := read(t, a); results <- result{s, f, d} }()
	for i, w := range words {
		if i == 5 {
			// A piece logged but not published (a lost pub/sub message): followers fill
			// the gap from the log.
			key := stream.Key(id)
			if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: []any{"o", full.Len(), "e", full.Len() + len(w), "t", w}}).Err(); err != nil {
				t.Fatal(err)
			}
			full.WriteString(w)
			continue
		}
		if err := l.Append(ctx, id, full.Len(), w); err != nil {
			t.Fatal(err)
		}
		full.WriteString(w)
		if i == 3 {
			b, err := l.Follow(ctx, id, 12) // mid-"brown "
			if err != nil {
				t.Fatal(err)
			}
			go func() { s, f, d := read(t, b); results <- result{s, f, d} }()
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := l.Finish(ctx, id, full.Len(), stream.Done{State: ai.StateStopped}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		r := <-results
		if r.done == nil || r.done.State != ai.StateStopped || r.text != full.String()[r.first:] || (r.first != 0 && r.first != 12) {
			t.Fatalf("follower from %d: %q, done %+v; want %q", r.first, r.text, r.done, full.String()[r.first:])
		}
	}
	// After the end, a follower from the end gets only Done.
	c, err := l.Follow(ctx, id, full.Len())
	if err != nil {
		t.Fatal(err)
	}
	if s, _, d := read(t, c); s != "" || d == nil {
		t.Fatalf("from the end: %q %+v", s, d)
	}
}
