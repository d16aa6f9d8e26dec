package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// wsSubprotocol is the protocol the router speaks on /graphql websockets.
const wsSubprotocol = "graphql-transport-ws"

// wsMessage is a graphql-transport-ws message.
type wsMessage struct {
	Type    string          `json:"type"`
	ID      string          `json:"id,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

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

// dialWS opens a connection to url (ws://…), sends connection_init with the token and
// waits for its ack, all within timeout.
func dialWS(ctx context.Context, url, token string, timeout time.Duration) (*wsConn, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hc := &http.Client{Transport: &http.Transport{
		Proxy:              nil, // loopback only; never through a proxy from the environment
		DialContext:        (&net.Dialer{Timeout: timeout}).DialContext,
		DisableCompression: true,
	}}
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc, Subprotocols: []string{wsSubprotocol}})
	if err != nil {
		return nil, fmt.Errorf("websocket upgrade: %w", err)
	}
	c.SetReadLimit(1 << 20)
	if c.Subprotocol() != wsSubprotocol {
		c.CloseNow()
		return nil, fmt.Errorf("the server chose subprotocol %q, want %q", c.Subprotocol(), wsSubprotocol)
	}
	payload, _ := json.Marshal(map[string]string{"authorization": "Bearer " + token})
	if err := writeMsg(ctx, c, wsMessage{Type: "connection_init", Payload: payload}); err != nil {
		c.CloseNow()
		return nil, fmt.Errorf("sending connection_init: %w", err)
	}
	for {
		m, err := readMsg(ctx, c)
		if err != nil {
			c.CloseNow()
			return nil, fmt.Errorf("waiting for connection_ack: %w", err)
		}
		switch m.Type {
		case "connection_ack":
			w := &wsConn{c: c, subs: map[string]chan frame{}, done: make(chan struct{})}
			go w.read()
			return w, nil
		case "ping":
			_ = writeMsg(ctx, c, wsMessage{Type: "pong"})
		default:
			c.CloseNow()
			return nil, fmt.Errorf("answer to connection_init: %q, want connection_ack", m.Type)
		}
	}
}

func writeMsg(ctx context.Context, c *websocket.Conn, m wsMessage) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return c.Write(ctx, websocket.MessageText, b)
}

func readMsg(ctx context.Context, c *websocket.Conn) (wsMessage, error) {
	var m wsMessage
	typ, b, err := c.Read(ctx)
	if err != nil {
		return m, err
	}
	if typ != websocket.MessageText {
		return m, errors.New("the server sent a binary frame")
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("the server sent something that is not JSON: %.100s", b)
	}
	return m, nil
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
	if err := writeMsg(ctx, w.c, wsMessage{Type: "subscribe", ID: id, Payload: payload}); err != nil {
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
		_ = writeMsg(ctx, w.c, wsMessage{Type: "complete", ID: id})
	}
}

// read takes every message until the connection ends, handing each to its subscription.
func (w *wsConn) read() {
	defer close(w.done)
	ctx := context.Background()
	for {
		typ, b, err := w.c.Read(ctx)
		at := time.Now()
		if err == nil && typ != websocket.MessageText {
			err = errors.New("the server sent a binary frame")
		}
		var m wsMessage
		if err == nil {
			if jerr := json.Unmarshal(b, &m); jerr != nil {
				err = fmt.Errorf("the server sent something that is not JSON: %.100s", b)
			}
		}
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
			_ = writeMsg(ctx, w.c, wsMessage{Type: "pong"})
		}
	}
}

// close ends the connection with a close handshake, as a browser closing a tab does.
func (w *wsConn) close() {
	_ = w.c.Close(websocket.StatusNormalClosure, "")
	w.c.CloseNow()
	<-w.done
}
