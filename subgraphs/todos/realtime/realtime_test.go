package realtime_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"testing"
	"time"

	"fedstack/platform/platformtest"
	"fedstack/platform/pubsub"
	"fedstack/platform/redisconn"
	"fedstack/subgraphs/todos"
	"fedstack/subgraphs/todos/realtime"
)

func TestChangesDeliversOnlyWellFormedChangesOfTheOwner(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rdb, err := redisconn.Open(ctx, platformtest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	logger := slog.New(slog.DiscardHandler)
	broker := pubsub.New(rdb, logger)
	defer broker.Close()

	b := make([]byte, 6)
	_, _ = rand.Read(b)
	owner := "owner-" + hex.EncodeToString(b)

	subCtx, stop := context.WithCancel(ctx)
	changes, err := realtime.Changes(subCtx, broker, owner, logger)
	if err != nil {
		t.Fatal(err)
	}
	ch := realtime.Channel(owner)
	for _, payload := range []string{
		`not json`,
		`{"kind":"EXPLODED","todoId":"1"}`,
		`{"kind":"CREATED","todoId":"2","todo":{"id":"2","ownerId":"someone-else"}}`,
		`{"kind":"DELETED","todoId":"3","todo":null}`,
	} {
		if err := broker.Publish(ctx, ch, []byte(payload)); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case c := <-changes:
		if c.Kind != todos.Deleted || c.TodoID != "3" || c.Todo != nil {
			t.Fatalf("got %+v", c)
		}
	case <-ctx.Done():
		t.Fatal("no change delivered")
	}

	stop()
	select {
	case _, ok := <-changes:
		if ok {
			t.Fatal("unexpected change after cancel")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("changes not closed after the context ended")
	}
}
