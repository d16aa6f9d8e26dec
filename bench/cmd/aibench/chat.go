package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"fedstack/bench/internal/gqlclient"
)

// chat is one question and its streamed answer.
type chat struct {
	n       int // unique in the run
	user    int
	content string

	// The client's side.
	sent      time.Time // the sendMessage request went out
	answered  time.Time // its answer was read
	messageID string
	events    []event // the messageStream chunks with text, as received
	doneAt    time.Time
	final     *streamChunk // the chunk with done: true
	err       error        // the first thing that went wrong

	// The provider's side, written by the provider under its lock; read it with
	// provider.side once the chat ended.
	prov providerSide
}

// event is a chunk of the answer as the client received it.
type event struct {
	offset int
	text   string
	at     time.Time
}

// streamChunk is a MessageChunk of streamOp.
type streamChunk struct {
	Offset  int    `json:"offset"`
	Text    string `json:"text"`
	Done    bool   `json:"done"`
	State   string `json:"state"`
	Message *struct {
		TokensIn  int    `json:"tokensIn"`
		TokensOut int    `json:"tokensOut"`
		Cost      string `json:"cost"`
	} `json:"message"`
}

// run sends the chat's message as the bearer of token and follows its answer on ws until
// the last chunk, within timeout.
func (c *chat) run(ctx context.Context, cl *client, ws *wsConn, token string, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	id, err := cl.sendMessage(ctx, token, c.content, func() { c.sent = time.Now() })
	c.answered = time.Now()
	if err != nil {
		c.err = err
		return
	}
	c.messageID = id
	subID, frames, err := ws.subscribe(ctx, streamOp, map[string]any{"id": id})
	if err != nil {
		c.err = fmt.Errorf("messageStream: %w", err)
		return
	}
	finished := false
	defer func() { ws.unsubscribe(subID, !finished) }()
	for {
		select {
		case <-ctx.Done():
			c.err = fmt.Errorf("messageStream: no last chunk after %v (%d chunks with text received)", timeout, len(c.events))
			return
		case f := <-frames:
			switch f.typ {
			case "":
				c.err = fmt.Errorf("messageStream: the websocket ended: %v", f.err)
				return
			case "error":
				c.err = fmt.Errorf("messageStream: the server answered error: %s", gqlclient.Snippet(f.payload, 300))
				return
			case "complete":
				c.err = fmt.Errorf("messageStream: completed before a chunk with done: true (%d chunks with text received)", len(c.events))
				return
			}
			var p struct {
				Data *struct {
					MessageStream *streamChunk `json:"messageStream"`
				} `json:"data"`
				Errors gqlclient.Errors `json:"errors"`
			}
			if err := json.Unmarshal(f.payload, &p); err != nil {
				c.err = fmt.Errorf("messageStream: an event that is not JSON: %s", gqlclient.Snippet(f.payload, 200))
				return
			}
			if err := p.Errors.Err(); err != nil {
				c.err = fmt.Errorf("messageStream: %w", err)
				return
			}
			if p.Data == nil || p.Data.MessageStream == nil {
				c.err = fmt.Errorf("messageStream: an event without data: %s", gqlclient.Snippet(f.payload, 200))
				return
			}
			ch := p.Data.MessageStream
			if ch.Text != "" {
				c.events = append(c.events, event{offset: ch.Offset, text: ch.Text, at: f.at})
			}
			if ch.Done {
				c.doneAt, c.final, finished = f.at, ch, true
				return
			}
		}
	}
}

// measured is what one chat tells about the stack's added time.
type measured struct {
	// addedFirst: from sending the message to receiving the first text, less the model's
	// own time to first token (its first chunk sent − its request received).
	addedFirst time.Duration
	// toProvider: from sending the message to the provider receiving the model request.
	toProvider time.Duration
	// firstDelivery: from the provider sending the first chunk to the client receiving it.
	firstDelivery time.Duration
	// perChunk: for each chunk, from the provider sending it to the client receiving it.
	perChunk []time.Duration
	// doneAfter: from the provider's last event to the client receiving done: true.
	doneAfter time.Duration
	mutation  time.Duration // sendMessage answered
	total     time.Duration // sending the message to done: true
	modelTTFT time.Duration // the provider's own time to first token
}

// analyze checks a finished chat against what the provider sent and measures it. The
// answer must be the provider's chunks exactly (pieces at contiguous offsets), end
// COMPLETE with the stored message, and come from one model request.
func analyze(c *chat, prov providerSide, wantChunks int) (measured, error) {
	var m measured
	if c.err != nil {
		return m, c.err
	}
	switch {
	case prov.requests == 0:
		return m, errors.New("the provider received no request for the chat")
	case prov.requests > 1:
		return m, fmt.Errorf("the provider received %d requests for one chat (retries)", prov.requests)
	case len(prov.texts) != wantChunks || prov.end.IsZero():
		return m, fmt.Errorf("the provider sent %d of %d chunks (stream ended: %v)", len(prov.texts), wantChunks, !prov.end.IsZero())
	case c.final == nil:
		return m, errors.New("no chunk with done: true")
	}
	want := strings.Join(prov.texts, "")
	var got strings.Builder
	for _, e := range c.events {
		if e.offset != got.Len() {
			return m, fmt.Errorf("a chunk at offset %d after %d bytes", e.offset, got.Len())
		}
		got.WriteString(e.text)
	}
	if got.String() != want {
		return m, fmt.Errorf("the answer received differs from what the provider sent: %.80q…, want %.80q…", got.String(), want)
	}
	if c.final.State != "COMPLETE" || c.final.Offset != len(want) || c.final.Message == nil {
		return m, fmt.Errorf("the last chunk: state %s, offset %d (want COMPLETE at %d), message stored: %v",
			c.final.State, c.final.Offset, len(want), c.final.Message != nil)
	}

	m.mutation = c.answered.Sub(c.sent)
	m.total = c.doneAt.Sub(c.sent)
	m.modelTTFT = prov.emitted[0].Sub(prov.arrived)
	m.toProvider = prov.arrived.Sub(c.sent)
	m.firstDelivery = c.events[0].at.Sub(prov.emitted[0])
	m.addedFirst = c.events[0].at.Sub(c.sent) - m.modelTTFT
	m.doneAfter = c.doneAt.Sub(prov.end)
	// Chunk i is received with the first event whose text reaches its last byte.
	m.perChunk = make([]time.Duration, len(prov.texts))
	end, k := 0, 0
	for i, t := range prov.texts {
		end += len(t)
		for c.events[k].offset+len(c.events[k].text) < end {
			k++
		}
		m.perChunk[i] = c.events[k].at.Sub(prov.emitted[i])
	}
	return m, nil
}
