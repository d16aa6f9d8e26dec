package stream

import (
	"context"

	"fedstack/platform/errs"
	"fedstack/platform/pubsub"
	"fedstack/subgraphs/ai"
)

// StopChannel is the pub/sub channel of stop requests; a message's payload is the id of
// the answer to stop.
const StopChannel = "ai:stop"

// StopSignal carries stop requests to every instance over Redis pub/sub: it implements
// ai.StopSignal. A request published while an instance is not listening (or not connected)
// is not seen by it.
type StopSignal struct {
	broker *pubsub.Broker
}

var _ ai.StopSignal = (*StopSignal)(nil)

// NewStopSignal returns a StopSignal publishing and listening through broker (the
// process's one pub/sub connection), which the caller closes.
func NewStopSignal(broker *pubsub.Broker) *StopSignal {
	return &StopSignal{broker: broker}
}

// RequestStop asks every listening instance, this one included, to stop generating the
// answer messageID.
func (s *StopSignal) RequestStop(ctx context.Context, messageID string) error {
	if messageID == "" {
		return errs.E(errs.Invalid, "stop request: give the id of the answer to stop")
	}
	if err := s.broker.Publish(ctx, StopChannel, []byte(messageID)); err != nil {
		return errs.Wrap(err, "publishing a stop request on Redis")
	}
	return nil
}

// Listen delivers the ids of answers to stop, requested by any instance from now on, until
// ctx ends (or the broker closes); then it closes the channel. It returns once the
// subscription is in place, so a RequestStop after it is delivered.
func (s *StopSignal) Listen(ctx context.Context) (<-chan string, error) {
	in, err := s.broker.Subscribe(ctx, StopChannel)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errs.Wrap(err, "subscribing to stop requests on Redis")
	}
	out := make(chan string, 16)
	go func() {
		defer close(out)
		for {
			select {
			case <-ctx.Done():
				return
			case p, ok := <-in:
				if !ok {
					return
				}
				if len(p) == 0 {
					continue
				}
				select {
				case out <- string(p):
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}
