// Package pubsub fans Redis pub/sub messages out to in-process subscribers over a single Redis
// connection per Broker.
package pubsub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/redis/go-redis/v9"
)

// BufferSize is the number of messages buffered per subscriber.
const BufferSize = 256

// ErrClosed is returned by Subscribe after Close.
var ErrClosed = errors.New("pubsub: broker closed")

// Broker holds ONE Redis pub/sub connection. A Redis channel is subscribed when its first
// local subscriber arrives and unsubscribed when its last one leaves; messages are fanned out
// in-process. A Broker is safe for concurrent use.
type Broker struct {
	rdb    *redis.Client
	logger *slog.Logger

	mu          sync.Mutex
	ps          *redis.PubSub
	topics      map[string]*topic
	unconfirmed map[string]int // SUBSCRIBE commands sent and not yet confirmed, per channel
	closed      bool
	done        chan struct{} // closed by Close
	loopDone    chan struct{} // closed when the receive loop ends
}

type topic struct {
	subs      map[*subscriber]struct{}
	ready     chan struct{} // closed when Redis confirmed the subscription
	confirmed bool
}

type subscriber struct {
	ch     chan []byte
	closed bool
}

// New returns a Broker using rdb. The pub/sub connection is opened on the first Subscribe.
func New(rdb *redis.Client, logger *slog.Logger) *Broker {
	if logger == nil {
		logger = slog.Default()
	}
	return &Broker{
		rdb:         rdb,
		logger:      logger,
		topics:      map[string]*topic{},
		unconfirmed: map[string]int{},
		done:        make(chan struct{}),
	}
}

// Publish publishes payload on channel (through the client's ordinary connection pool).
func (b *Broker) Publish(ctx context.Context, channel string, payload []byte) error {
	if err := b.rdb.Publish(ctx, channel, payload).Err(); err != nil {
		return fmt.Errorf("pubsub: publishing on %q: %w", channel, err)
	}
	return nil
}

// Subscribe returns a channel receiving every message published on channel from now on. It
// returns once Redis has confirmed the subscription, so a Publish right after it is not
// missed. The returned channel is closed when ctx is done or the Broker closes. Each
// subscriber buffers 256 messages; when its buffer is full, new messages are dropped for it
// and a warning is logged. Subscribers share each payload slice: do not modify it.
func (b *Broker) Subscribe(ctx context.Context, channel string) (<-chan []byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sub := &subscriber{ch: make(chan []byte, BufferSize)}

	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, ErrClosed
	}
	t := b.topics[channel]
	if t == nil {
		t = &topic{subs: map[*subscriber]struct{}{}, ready: make(chan struct{})}
		b.topics[channel] = t
		if err := b.sendSubscribe(ctx, channel); err != nil {
			delete(b.topics, channel)
			b.mu.Unlock()
			return nil, fmt.Errorf("pubsub: subscribing to %q: %w", channel, err)
		}
	}
	t.subs[sub] = struct{}{}
	ready := t.ready
	b.mu.Unlock()

	select {
	case <-ready:
	case <-ctx.Done():
		b.remove(channel, sub)
		return nil, ctx.Err()
	case <-b.done:
		return nil, ErrClosed
	}

	go func() {
		select {
		case <-ctx.Done():
			b.remove(channel, sub)
		case <-b.done: // Close closes every subscriber
		}
	}()
	return sub.ch, nil
}

// sendSubscribe sends SUBSCRIBE, opening the pub/sub connection and starting the receive loop
// on first use. Called with b.mu held.
func (b *Broker) sendSubscribe(ctx context.Context, channel string) error {
	first := b.ps == nil
	if first {
		b.ps = b.rdb.Subscribe(context.WithoutCancel(ctx))
	}
	b.unconfirmed[channel]++
	if err := b.ps.Subscribe(ctx, channel); err != nil {
		b.unconfirmed[channel]--
		return err
	}
	if first {
		b.loopDone = make(chan struct{})
		go b.receive(b.ps.ChannelWithSubscriptions(redis.WithChannelSize(1024)), b.loopDone)
	}
	return nil
}

// remove drops sub from channel, unsubscribing from Redis when it was the last one.
func (b *Broker) remove(channel string, sub *subscriber) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !sub.closed {
		sub.closed = true
		close(sub.ch)
	}
	t := b.topics[channel]
	if t == nil {
		return
	}
	delete(t.subs, sub)
	if len(t.subs) > 0 || b.closed {
		return
	}
	delete(b.topics, channel)
	if err := b.ps.Unsubscribe(context.Background(), channel); err != nil {
		b.logger.Warn("pubsub: unsubscribing", "channel", channel, "error", err)
	}
}

// receive delivers what the pub/sub connection reads until it is closed.
func (b *Broker) receive(in <-chan any, done chan struct{}) {
	defer close(done)
	for msg := range in {
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				b.confirm(m.Channel)
			}
		case *redis.Message:
			b.deliver(m.Channel, []byte(m.Payload))
		}
	}
}

// confirm marks channel subscribed once every SUBSCRIBE sent for it has been confirmed.
// Redis confirms commands in order, so an old confirmation cannot be taken for a new one.
func (b *Broker) confirm(channel string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := b.unconfirmed[channel] - 1; n > 0 {
		b.unconfirmed[channel] = n
		return
	}
	delete(b.unconfirmed, channel) // also absorbs re-subscriptions after a reconnect
	if t := b.topics[channel]; t != nil && !t.confirmed {
		t.confirmed = true
		close(t.ready)
	}
}

func (b *Broker) deliver(channel string, payload []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.topics[channel]
	if t == nil {
		return
	}
	for sub := range t.subs {
		select {
		case sub.ch <- payload:
		default:
			b.logger.Warn("pubsub: subscriber buffer full, message dropped", "channel", channel, "buffer", BufferSize)
		}
	}
}

// Close closes the pub/sub connection and every subscriber channel. Publish keeps working
// (the Redis client is the caller's to close).
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	close(b.done)
	for _, t := range b.topics {
		for sub := range t.subs {
			if !sub.closed {
				sub.closed = true
				close(sub.ch)
			}
		}
	}
	b.topics = map[string]*topic{}
	ps, loopDone := b.ps, b.loopDone
	b.mu.Unlock()

	if ps == nil {
		return nil
	}
	err := ps.Close()
	if loopDone != nil {
		<-loopDone
	}
	if err != nil {
		return fmt.Errorf("pubsub: closing: %w", err)
	}
	return nil
}
