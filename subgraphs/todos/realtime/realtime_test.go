package realtime_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"fedstack/platform/errs"
	"fedstack/platform/platformtest"
	"fedstack/platform/pubsub"
	"fedstack/platform/redisconn"
	"fedstack/subgraphs/todos"
	"fedstack/subgraphs/todos/realtime"
)

// instance stands for one todos instance: its own Redis client, broker and feed.
type instance struct {
	rdb    *redis.Client
	broker *pubsub.Broker
	feed   *realtime.Feed
}

func newInstance(t *testing.T, opts realtime.Options) *instance {
	t.Helper()
	rdb, err := redisconn.Open(context.Background(), platformtest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	b := pubsub.New(rdb, logger)
	t.Cleanup(func() {
		b.Close()
		rdb.Close()
	})
	if opts.Logger == nil {
		opts.Logger = logger
	}
	return &instance{rdb: rdb, broker: b, feed: realtime.New(rdb, b, opts)}
}

// newOwner returns a user id no other test (or earlier run) uses, and drops its log after the
// test.
func newOwner(t *testing.T, in *instance) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	owner := "test-" + hex.EncodeToString(b[:])
	t.Cleanup(func() { in.rdb.Del(context.Background(), realtime.StreamKey(owner)) })
	return owner
}

// change returns the n-th created todo of owner; its title carries n.
func change(owner string, n int) *todos.TodoChange {
	id := todos.NewID()
	return &todos.TodoChange{Kind: todos.Created, OwnerID: owner, TodoID: id,
		Todo: &todos.Todo{ID: id, OwnerID: owner, Title: fmt.Sprintf("todo %d", n), Priority: todos.PriorityNone, Version: 1},
		At:   time.Now().UTC()}
}

// publish publishes changes from..to of owner through f and returns them (cursors set).
func publish(t *testing.T, f *realtime.Feed, owner string, from, to int) []*todos.TodoChange {
	t.Helper()
	var out []*todos.TodoChange
	for n := from; n <= to; n++ {
		c := change(owner, n)
		if err := f.Publish(context.Background(), c); err != nil {
			t.Fatalf("publishing #%d: %v", n, err)
		}
		if c.Cursor == "" {
			t.Fatalf("publishing #%d: no cursor set", n)
		}
		out = append(out, c)
	}
	return out
}

func subscribe(t *testing.T, f *realtime.Feed, owner, since string) (<-chan *todos.TodoChange, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ch, err := f.Changes(ctx, owner, since)
	if err != nil {
		cancel()
		t.Fatalf("Changes(%q): %v", since, err)
	}
	return ch, cancel
}

func next(t *testing.T, ch <-chan *todos.TodoChange, within time.Duration) *todos.TodoChange {
	t.Helper()
	select {
	case c, ok := <-ch:
		if !ok {
			t.Fatal("changes closed, want a change")
		}
		return c
	case <-time.After(within):
		t.Fatalf("no change within %v", within)
		return nil
	}
}

func none(t *testing.T, ch <-chan *todos.TodoChange, wait time.Duration) {
	t.Helper()
	select {
	case c, ok := <-ch:
		if ok {
			t.Fatalf("unexpected change %s %s %q", c.Cursor, c.Kind, title(c))
		}
		t.Fatal("changes closed unexpectedly")
	case <-time.After(wait):
	}
}

func title(c *todos.TodoChange) string {
	if c.Todo == nil {
		return ""
	}
	return c.Todo.Title
}

// same fails unless got is want as delivered (cursor included).
func same(t *testing.T, got, want *todos.TodoChange) {
	t.Helper()
	if got.Cursor != want.Cursor || got.Kind != want.Kind || got.OwnerID != want.OwnerID ||
		got.TodoID != want.TodoID || title(got) != title(want) || !got.At.Equal(want.At) {
		t.Fatalf("got %s %s %s %q, want %s %s %s %q", got.Cursor, got.Kind, got.TodoID, title(got),
			want.Cursor, want.Kind, want.TodoID, title(want))
	}
}

func TestChangeReachesASubscriberOfAnotherInstance(t *testing.T) {
	a, b := newInstance(t, realtime.Options{}), newInstance(t, realtime.Options{})
	owner := newOwner(t, a)
	onB, _ := subscribe(t, b.feed, owner, "")
	onA, _ := subscribe(t, a.feed, owner, "")

	created := publish(t, a.feed, owner, 1, 1)[0]
	same(t, next(t, onB, time.Second), created)
	same(t, next(t, onA, time.Second), created)

	// A bulk change keeps its todos and deleted ids.
	t1, t2 := change(owner, 2).Todo, change(owner, 3).Todo
	t1.Completed = true
	bulk := &todos.TodoChange{Kind: todos.Bulk, OwnerID: owner, Todos: []*todos.Todo{t1, t2},
		DeletedIDs: []string{todos.NewID()}, At: time.Now().UTC()}
	if err := b.feed.Publish(context.Background(), bulk); err != nil {
		t.Fatal(err)
	}
	got := next(t, onA, time.Second)
	if got.Kind != todos.Bulk || got.Cursor != bulk.Cursor || len(got.Todos) != 2 ||
		got.Todos[0].ID != t1.ID || !got.Todos[0].Completed || got.Todos[1].ID != t2.ID ||
		len(got.DeletedIDs) != 1 || got.DeletedIDs[0] != bulk.DeletedIDs[0] {
		t.Fatalf("bulk change arrived as %+v", got)
	}
	same(t, next(t, onB, time.Second), got)

	// Deleted, without a todo.
	del := &todos.TodoChange{Kind: todos.Deleted, OwnerID: owner, TodoID: created.TodoID, At: time.Now().UTC()}
	if err := a.feed.Publish(context.Background(), del); err != nil {
		t.Fatal(err)
	}
	if got := next(t, onB, time.Second); got.Kind != todos.Deleted || got.TodoID != created.TodoID || got.Todo != nil {
		t.Fatalf("deleted change arrived as %+v", got)
	}
}

func TestOtherOwnersReceiveNothing(t *testing.T) {
	a, b := newInstance(t, realtime.Options{}), newInstance(t, realtime.Options{})
	alice, bob := newOwner(t, a), newOwner(t, a)
	bobOnA, _ := subscribe(t, a.feed, bob, "")
	bobOnB, _ := subscribe(t, b.feed, bob, "")
	aliceOnB, _ := subscribe(t, b.feed, alice, "")

	c := publish(t, a.feed, alice, 1, 1)[0]
	same(t, next(t, aliceOnB, time.Second), c)
	none(t, bobOnA, 300*time.Millisecond)
	none(t, bobOnB, 0)

	// A message on bob's channel carrying alice's change (not something Publish sends) is
	// not delivered to bob either.
	forged := fmt.Sprintf(`{"cursor":"%s","prev":"0-0","change":{"kind":"CREATED","ownerId":%q,"todoId":"x","todo":{"id":"x","ownerId":%q}}}`,
		"99999999999999-0", alice, alice)
	if err := a.broker.Publish(context.Background(), realtime.Channel(bob), []byte(forged)); err != nil {
		t.Fatal(err)
	}
	if err := a.broker.Publish(context.Background(), realtime.Channel(bob), []byte("not json")); err != nil {
		t.Fatal(err)
	}
	none(t, bobOnB, 300*time.Millisecond)

	// Bob's subscriptions work.
	own := publish(t, b.feed, bob, 1, 1)[0]
	same(t, next(t, bobOnA, time.Second), own)
	same(t, next(t, bobOnB, time.Second), own)
	none(t, aliceOnB, 200*time.Millisecond)
}

func TestResumeDeliversTheMissedChangesOnceInOrderThenLiveOnes(t *testing.T) {
	a, b := newInstance(t, realtime.Options{}), newInstance(t, realtime.Options{})
	owner := newOwner(t, a)
	sent := publish(t, a.feed, owner, 1, 5)

	ch, _ := subscribe(t, b.feed, owner, sent[1].Cursor)
	for _, want := range sent[2:] {
		same(t, next(t, ch, time.Second), want)
	}
	none(t, ch, 200*time.Millisecond)
	live := publish(t, a.feed, owner, 6, 6)[0]
	same(t, next(t, ch, time.Second), live)
	none(t, ch, 300*time.Millisecond)

	// Resuming from the newest change: nothing missed, nothing repeated.
	up, _ := subscribe(t, a.feed, owner, live.Cursor)
	none(t, up, 200*time.Millisecond)
	seven := publish(t, b.feed, owner, 7, 7)[0]
	same(t, next(t, up, time.Second), seven)
	same(t, next(t, ch, time.Second), seven)
}

// collect reads changes until it has the one titled "todo <last>", failing on a Resync.
func collect(t *testing.T, ch <-chan *todos.TodoChange, last int) []int {
	t.Helper()
	var got []int
	for {
		c := next(t, ch, 5*time.Second)
		if c.Kind != todos.Created {
			t.Fatalf("got a %s change after %v", c.Kind, got)
		}
		n, err := strconv.Atoi(strings.TrimPrefix(title(c), "todo "))
		if err != nil {
			t.Fatalf("unexpected change %q", title(c))
		}
		got = append(got, n)
		if n == last {
			return got
		}
	}
}

// gapFree fails unless got is exactly from, from+1, ..., to.
func gapFree(t *testing.T, got []int, from, to int) {
	t.Helper()
	ok := len(got) == to-from+1
	for i := 0; ok && i < len(got); i++ {
		ok = got[i] == from+i
	}
	if !ok {
		t.Fatalf("received %v, want %d..%d once each in order", got, from, to)
	}
}

func TestResumeRacingPublishesLosesAndRepeatsNothing(t *testing.T) {
	// No periodic check: it would hide a change lost in the race.
	opts := realtime.Options{CheckInterval: -1}
	a, b := newInstance(t, opts), newInstance(t, opts)
	for round := 0; round < 40; round++ {
		owner := newOwner(t, a)
		sent := publish(t, a.feed, owner, 1, 10)
		last := 10 + 1 + round%5*20 // from a single racing change to 81

		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 11; n <= last; n++ {
				if err := a.feed.Publish(context.Background(), change(owner, n)); err != nil {
					t.Errorf("publishing #%d: %v", n, err)
					return
				}
			}
		}()
		ch, cancel := subscribe(t, b.feed, owner, sent[4].Cursor)
		wg.Wait()
		gapFree(t, collect(t, ch, last), 6, last)
		none(t, ch, 50*time.Millisecond)
		cancel()
	}
}

func TestSinceThatIsNotACursorIsInvalid(t *testing.T) {
	in := newInstance(t, realtime.Options{})
	owner := newOwner(t, in)
	for _, since := range []string{"abc", "1", "1-", "-1", "1-2-3", "1.5-0", "+1-0", " 1-0", "0x1-0",
		"18446744073709551616-0", "1-18446744073709551616", "$", "+", "-"} {
		ch, err := in.feed.Changes(context.Background(), owner, since)
		if ch != nil || errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("since %q: got %v, %v; want INVALID", since, ch, err)
		}
		if !strings.Contains(err.Error(), "not a cursor from todoChanged") {
			t.Errorf("since %q: message %q", since, err)
		}
	}
	// A well-formed cursor the log never held is not an error: the client resyncs.
	ch, _ := subscribe(t, in.feed, owner, "1-0")
	if c := next(t, ch, time.Second); c.Kind != todos.Resync || c.Cursor != "1-0" || c.OwnerID != owner {
		t.Fatalf("got %+v, want a resync at 1-0", c)
	}
}

func TestTrimmedCursorYieldsOneResyncThenLiveChanges(t *testing.T) {
	a, b := newInstance(t, realtime.Options{MaxLen: 3}), newInstance(t, realtime.Options{MaxLen: 3})
	owner := newOwner(t, a)
	sent := publish(t, a.feed, owner, 1, 6)
	if n := a.rdb.XLen(context.Background(), realtime.StreamKey(owner)).Val(); n != 3 {
		t.Fatalf("log holds %d changes, want MaxLen 3", n)
	}

	// #3 is trimmed, but everything after it is kept (#4 names #3 as its predecessor): no
	// resync needed.
	ch3, _ := subscribe(t, a.feed, owner, sent[2].Cursor)
	for _, want := range sent[3:] {
		same(t, next(t, ch3, time.Second), want)
	}

	// After #1, #2 and #3 are gone: a resync, at the newest change.
	ch, _ := subscribe(t, b.feed, owner, sent[0].Cursor)
	if c := next(t, ch, time.Second); c.Kind != todos.Resync || c.Cursor != sent[5].Cursor || c.OwnerID != owner {
		t.Fatalf("got %s at %s, want a resync at %s", c.Kind, c.Cursor, sent[5].Cursor)
	}
	none(t, ch, 200*time.Millisecond)
	seven := publish(t, a.feed, owner, 7, 7)[0]
	same(t, next(t, ch, time.Second), seven)
	same(t, next(t, ch3, time.Second), seven)
	none(t, ch, 200*time.Millisecond)
	none(t, ch3, 0)
}

func TestExpiredLogYieldsResyncAtTheClientsCursor(t *testing.T) {
	in := newInstance(t, realtime.Options{Retention: time.Minute})
	owner := newOwner(t, in)
	sent := publish(t, in.feed, owner, 1, 2)
	ttl := in.rdb.PTTL(context.Background(), realtime.StreamKey(owner)).Val()
	if ttl <= 0 || ttl > time.Minute {
		t.Fatalf("log expires in %v, want within the retention of 1m", ttl)
	}
	in.rdb.Del(context.Background(), realtime.StreamKey(owner)) // as if it had expired

	ch, _ := subscribe(t, in.feed, owner, sent[0].Cursor)
	if c := next(t, ch, time.Second); c.Kind != todos.Resync || c.Cursor != sent[0].Cursor {
		t.Fatalf("got %s at %s, want a resync at %s", c.Kind, c.Cursor, sent[0].Cursor)
	}
	// The new log continues the subscription without another resync.
	three := publish(t, in.feed, owner, 3, 3)[0]
	same(t, next(t, ch, time.Second), three)
	none(t, ch, 200*time.Millisecond)
}

func TestChangeWhosePubSubMessageWasLostArrivesFromTheLog(t *testing.T) {
	in := newInstance(t, realtime.Options{CheckInterval: 200 * time.Millisecond})
	owner := newOwner(t, in)
	ch, _ := subscribe(t, in.feed, owner, "")

	// A gap noticed by the next message: the lost change comes first.
	lost := change(owner, 1)
	if err := realtime.AppendWithoutPublishing(context.Background(), in.feed, lost); err != nil {
		t.Fatal(err)
	}
	two := publish(t, in.feed, owner, 2, 2)[0]
	same(t, next(t, ch, time.Second), lost)
	same(t, next(t, ch, time.Second), two)

	// No next message: the periodic check finds it.
	lost3 := change(owner, 3)
	if err := realtime.AppendWithoutPublishing(context.Background(), in.feed, lost3); err != nil {
		t.Fatal(err)
	}
	same(t, next(t, ch, 2*time.Second), lost3)
	none(t, ch, 500*time.Millisecond)
}

func TestSlowReaderIsFedFromTheLog(t *testing.T) {
	in := newInstance(t, realtime.Options{QueueLen: 4, CheckInterval: -1})
	owner := newOwner(t, in)
	ch, _ := subscribe(t, in.feed, owner, "")
	publish(t, in.feed, owner, 1, 60) // not reading meanwhile
	time.Sleep(200 * time.Millisecond)
	gapFree(t, collect(t, ch, 60), 1, 60)
	none(t, ch, 200*time.Millisecond)
	c61 := publish(t, in.feed, owner, 61, 61)[0]
	same(t, next(t, ch, time.Second), c61)
}

func TestReaderBehindTheWholeLogGetsAResync(t *testing.T) {
	in := newInstance(t, realtime.Options{QueueLen: 2, MaxLen: 5, CheckInterval: -1})
	owner := newOwner(t, in)
	ch, _ := subscribe(t, in.feed, owner, "")
	sent := publish(t, in.feed, owner, 1, 20) // not reading meanwhile
	time.Sleep(500 * time.Millisecond)

	// What was queued arrives, then a resync at the newest change, then live ones.
	n := 0
	for {
		c := next(t, ch, time.Second)
		if c.Kind == todos.Resync {
			if c.Cursor != sent[19].Cursor {
				t.Fatalf("resync at %s, want %s", c.Cursor, sent[19].Cursor)
			}
			break
		}
		same(t, c, sent[n])
		n++
		if n == 20 {
			t.Fatal("all 20 changes delivered from a queue of 2 and a log of 5")
		}
	}
	if n < 2 {
		t.Errorf("%d queued changes delivered before the resync, want the 2 queued", n)
	}
	none(t, ch, 200*time.Millisecond)
	c21 := publish(t, in.feed, owner, 21, 21)[0]
	same(t, next(t, ch, time.Second), c21)
}

func TestCancelClosesTheChannelAndLeavesNoGoroutine(t *testing.T) {
	in := newInstance(t, realtime.Options{})
	owner := newOwner(t, in)
	// Warm up: the broker's receive loop and the client's connections stay.
	ch, cancel := subscribe(t, in.feed, owner, "")
	publish(t, in.feed, owner, 1, 1)
	next(t, ch, time.Second)
	cancel()
	for range ch {
	}
	before := settle(0)

	var chans []<-chan *todos.TodoChange
	var cancels []context.CancelFunc
	for i := 0; i < 20; i++ {
		since := ""
		if i%2 == 1 {
			since = "1-0" // resumed ones too (each starts with a resync)
		}
		ch, cancel := subscribe(t, in.feed, newOwner(t, in), since)
		chans, cancels = append(chans, ch), append(cancels, cancel)
	}
	if n := runtime.NumGoroutine(); n < before+20 {
		t.Fatalf("%d goroutines with 20 subscriptions, %d before: the test cannot see leaks", n, before)
	}
	for _, cancel := range cancels {
		cancel()
	}
	for i, ch := range chans {
		select {
		case <-drained(ch):
		case <-time.After(2 * time.Second):
			t.Fatalf("subscription %d not closed after its context ended", i)
		}
	}
	if after := settle(before); after > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after cancelling, %d before:\n%s", after, before, buf[:runtime.Stack(buf, true)])
	}
}

// settle waits up to 3 s for the goroutine count to reach target (0: to stop changing) and
// returns it.
func settle(target int) int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		m := runtime.NumGoroutine()
		if (target > 0 && m <= target) || (target == 0 && m == n) {
			return m
		}
		n = m
	}
	return n
}

// drained returns a channel closed once ch is closed, discarding what arrives meanwhile.
func drained(ch <-chan *todos.TodoChange) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		for range ch {
		}
		close(done)
	}()
	return done
}

func TestPublishRefusesChangesThatAreNotAnOwners(t *testing.T) {
	in := newInstance(t, realtime.Options{})
	owner := newOwner(t, in)
	other := change("someone-else", 1)
	other.OwnerID = owner
	for name, c := range map[string]*todos.TodoChange{
		"nil":            nil,
		"no owner":       {Kind: todos.Deleted, TodoID: "x"},
		"unknown kind":   {Kind: "EXPLODED", OwnerID: owner},
		"resync":         {Kind: todos.Resync, OwnerID: owner},
		"another's todo": other,
		"another's bulk": {Kind: todos.Bulk, OwnerID: owner, Todos: []*todos.Todo{{ID: "y", OwnerID: "someone-else"}}},
	} {
		if err := in.feed.Publish(context.Background(), c); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("%s: Publish returned %v, want INVALID", name, err)
		}
	}
	if n := in.rdb.Exists(context.Background(), realtime.StreamKey(owner)).Val(); n != 0 {
		t.Error("a refused change reached the log")
	}
}
