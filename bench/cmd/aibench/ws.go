package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"fedstack/bench/internal/gqlclient"
	"github.com/coder/websocket"
)

// frame is a message for one subscription, with the time it was read.
type frame struct {
	typ     string // next, error, complete, or "" when the connection ended
	payload json.RawMessage
	at      time.Time
	err     error // why the connection ended (typ "")
}

// wsConn is one user's websocket to the router, as a browser tab holds it: opened once,
// with many subscriptions over time (one per answer followed), told apart by id.
type wsConn struct {
	c    *websocket.Conn
	mu   sync.Mutex
	subs map[string]chan frame
	next int
	err  error // set when the connection ended
	done chan struct{}
}

// dialWS opens a connection with d and the token, and starts reading it.
func dialWS(ctx context.Context, d *gqlclient.WSDialer, token string) (*wsConn, error) {
	c, err := d.Dial(ctx, token)
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(1 << 20)
	w := &wsConn{c: c, subs: map[string]chan frame{}, done: make(chan struct{})}
	go w.read()
	return w, nil
}

// alive reports whether the connection has not ended.
func (w *wsConn) alive() bool {
	select {
	case <-w.done:
		return false
	default:
		return true
	}
}

// subscribe starts a subscription and returns its id and the channel of its messages,
// which ends with a complete or error message, or a frame with typ "" when the connection
// ends. Call unsubscribe when done with it.
func (w *wsConn) subscribe(ctx context.Context, query string, vars any) (string, <-chan frame, error) {
	w.mu.Lock()
	if w.err != nil {
		err := w.err
		w.mu.Unlock()
		return "", nil, fmt.Errorf("the websocket had ended: %w", err)
	}
	w.next++
	id := strconv.Itoa(w.next)
	// Big enough for every chunk of an answer: the reader never waits for a slow chat.
	ch := make(chan frame, 1024)
	w.subs[id] = ch
	w.mu.Unlock()
	payload, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err := gqlclient.WriteMessage(ctx, w.c, gqlclient.Message{Type: "subscribe", ID: id, Payload: payload}); err != nil {
		w.unsubscribe(id, false)
		return "", nil, fmt.Errorf("sending subscribe: %w", err)
	}
	return id, ch, nil
}

// unsubscribe forgets a subscription; with stop, it asks the server to end it (a client
// that leaves before the end).
func (w *wsConn) unsubscribe(id string, stop bool) {
	w.mu.Lock()
	_, open := w.subs[id]
	delete(w.subs, id)
	w.mu.Unlock()
	if stop && open {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = gqlclient.WriteMessage(ctx, w.c, gqlclient.Message{Type: "complete", ID: id})
	}
}

// read takes every message until the connection ends, handing each to its subscription.
// A frame that is no message ends the connection too.
func (w *wsConn) read() {
	defer close(w.done)
	ctx := context.Background()
	for {
		m, at, err := gqlclient.ReadMessage(ctx, w.c)
		if err != nil {
			w.c.CloseNow()
			w.mu.Lock()
			w.err = err
			subs := w.subs
			w.subs = map[string]chan frame{}
			w.mu.Unlock()
			for _, ch := range subs {
				ch <- frame{at: at, err: err}
			}
			return
		}
		switch m.Type {
		case "next", "error", "complete":
			w.mu.Lock()
			ch := w.subs[m.ID]
			if m.Type != "next" {
				delete(w.subs, m.ID)
			}
			w.mu.Unlock()
			if ch != nil {
				ch <- frame{typ: m.Type, payload: m.Payload, at: at}
			}
		case "ping":
			_ = gqlclient.WriteMessage(ctx, w.c, gqlclient.Message{Type: "pong"})
		}
	}
}

// close ends the connection with a close handshake, as a browser closing a tab does.
func (w *wsConn) close() {
	_ = w.c.Close(websocket.StatusNormalClosure, "")
	w.c.CloseNow()
	<-w.done
}
