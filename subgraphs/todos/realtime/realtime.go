// Package realtime carries todo changes between instances over Redis pub/sub: a write that
// succeeded is published on the owner's channel, and every instance delivers what arrives
// there to its own subscribers of that owner (platform/pubsub keeps one Redis subscription
// per channel per instance).
package realtime

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"fedstack/subgraphs/todos"
)

// publishTimeout bounds a publish after a write; the write has already succeeded.
const publishTimeout = 5 * time.Second

// Channel is the Redis channel of one user's todo changes.
func Channel(ownerID string) string { return "todos:user:" + ownerID }

// Publisher publishes a payload on a channel; *pubsub.Broker is one.
type Publisher interface {
	Publish(ctx context.Context, channel string, payload []byte) error
}

// Subscriber subscribes to a channel; *pubsub.Broker is one.
type Subscriber interface {
	Subscribe(ctx context.Context, channel string) (<-chan []byte, error)
}

// Notifier wraps a todos.TodoService and publishes every successful write.
type Notifier struct {
	todos.TodoService
	pub    Publisher
	logger *slog.Logger
}

var _ todos.TodoService = (*Notifier)(nil)

// Notify returns svc with change publication after each successful write.
func Notify(svc todos.TodoService, pub Publisher, logger *slog.Logger) *Notifier {
	if logger == nil {
		logger = slog.Default()
	}
	return &Notifier{TodoService: svc, pub: pub, logger: logger}
}

// CreateTodo implements todos.TodoService.
func (n *Notifier) CreateTodo(ctx context.Context, ownerID, title string) (*todos.Todo, error) {
	t, err := n.TodoService.CreateTodo(ctx, ownerID, title)
	if err == nil {
		n.publish(ctx, ownerID, todos.TodoChange{Kind: todos.Created, TodoID: t.ID, Todo: t})
	}
	return t, err
}

// ToggleTodo implements todos.TodoService.
func (n *Notifier) ToggleTodo(ctx context.Context, ownerID, id string) (*todos.Todo, error) {
	t, err := n.TodoService.ToggleTodo(ctx, ownerID, id)
	if err == nil {
		n.publish(ctx, ownerID, todos.TodoChange{Kind: todos.Updated, TodoID: t.ID, Todo: t})
	}
	return t, err
}

// DeleteTodo implements todos.TodoService.
func (n *Notifier) DeleteTodo(ctx context.Context, ownerID, id string) error {
	err := n.TodoService.DeleteTodo(ctx, ownerID, id)
	if err == nil {
		n.publish(ctx, ownerID, todos.TodoChange{Kind: todos.Deleted, TodoID: id})
	}
	return err
}

// publish sends the change. The write has succeeded, so a failure here is logged rather than
// returned, and the publish outlives a client that went away meanwhile.
func (n *Notifier) publish(ctx context.Context, ownerID string, c todos.TodoChange) {
	payload, err := json.Marshal(c)
	if err == nil {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
		err = n.pub.Publish(pctx, Channel(ownerID), payload)
		cancel()
	}
	if err != nil {
		n.logger.WarnContext(ctx, "todo change not published: other clients will not see it live",
			"kind", c.Kind, "todo_id", c.TodoID, "error", err)
	}
}

// Changes delivers the changes of ownerID's todos until ctx ends. It returns once the
// subscription is in place, so a change published afterwards is not missed.
func Changes(ctx context.Context, sub Subscriber, ownerID string, logger *slog.Logger) (<-chan *todos.TodoChange, error) {
	if logger == nil {
		logger = slog.Default()
	}
	msgs, err := sub.Subscribe(ctx, Channel(ownerID))
	if err != nil {
		return nil, err
	}
	out := make(chan *todos.TodoChange)
	go func() {
		defer close(out)
		for payload := range msgs {
			var c todos.TodoChange
			if err := json.Unmarshal(payload, &c); err != nil || c.TodoID == "" || !c.Kind.Valid() {
				logger.WarnContext(ctx, "ignoring a malformed todo change", "channel", Channel(ownerID), "error", err)
				continue
			}
			if c.Todo != nil && c.Todo.OwnerID != ownerID {
				continue // never deliver someone else's todo, whatever reached the channel
			}
			select {
			case out <- &c:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
