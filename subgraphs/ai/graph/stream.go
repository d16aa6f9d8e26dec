package graph

import (
	"context"

	"fedstack/subgraphs/ai"
	"fedstack/subgraphs/ai/graph/generated"
	"fedstack/subgraphs/ai/graph/model"
)

// offlineProvider is the registry's provider name of the built-in offline model.
const offlineProvider = "offline"

// forward turns the events of ai.Service.Follow into messageStream chunks and closes out
// after the last one. The last chunk carries the stored message (tokens, cost). When events
// closes without a Done event (the subscription ended, the stream was lost), out just
// closes: the client resumes from the offset it reached.
func (r *Resolver) forward(ctx context.Context, c ai.Caller, messageID string, events <-chan ai.StreamEvent, out chan<- *generated.MessageChunk) {
	defer close(out)
	for ev := range events {
		chunk := &generated.MessageChunk{MessageID: messageID, Offset: ev.Offset, Text: ev.Text, State: ai.StateStreaming}
		if ev.Done != nil {
			chunk.Done, chunk.State, chunk.Error = true, ev.Done.State, optional(ev.Done.Error)
			msg, err := r.ai.Message(ctx, c, messageID)
			switch {
			case err == nil:
				chunk.Message = model.Msg(msg)
			case ctx.Err() != nil:
				return
			default:
				// The chunk still says how the answer ended; the client can read the
				// message with the message query.
				r.logger.WarnContext(ctx, "messageStream: reading the finished answer failed",
					"message_id", messageID, "error", err)
			}
		}
		select {
		case out <- chunk:
		case <-ctx.Done():
			return
		}
		if chunk.Done {
			return
		}
	}
}
