package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// subscriptionOp is the subscription every connection holds, as the web app sends it.
const subscriptionOp = `subscription { todoChanged { cursor kind todoId todo { id title } } }`

// wsSubprotocol is the protocol the router speaks on /graphql websockets.
const wsSubprotocol = "graphql-transport-ws"

// Title prefixes of the benchmark's writes: a subscriber tells from the title which write
// an event is (and ignores anything else).
const (
	probePrefix   = "probe-"   // probe-<round>-<user>: one write per user per probe round
	latencyPrefix = "latency-" // latency-<run>-<i>: the i-th write of the latency phase
)

// wsDialer opens websocket connections to one URL from one local address.
type wsDialer struct {
	url     string
	client  *http.Client
	timeout time.Duration
}

// newWSDialer dials url (ws://…) from localIP ("" for any), each connection within timeout
// (TCP connect, upgrade, connection_init and its ack).
func newWSDialer(url, localIP string, timeout time.Duration) (*wsDialer, error) {
	d := &net.Dialer{Timeout: timeout, KeepAlive: -1}
	if localIP != "" {
		ip := net.ParseIP(localIP)
		if ip == nil {
			return nil, fmt.Errorf("local address %q is not an IP address", localIP)
		}
		d.LocalAddr = &net.TCPAddr{IP: ip}
	}
	return &wsDialer{url: url, timeout: timeout, client: &http.Client{Transport: &http.Transport{
		Proxy:               nil, // loopback only; never through a proxy from the environment
		DialContext:         d.DialContext,
		MaxIdleConnsPerHost: -1, // an upgraded connection is never reused anyway
		DisableCompression:  true,
	}}}, nil
}

// wsMessage is a graphql-transport-ws message.
type wsMessage struct {
	Type    string          `json:"type"`
	ID      string          `json:"id,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// event is one todoChanged event as a subscriber received it.
type event struct {
	at     time.Time
	title  string
	todoID string
}

// subscription is one subscription of a connection. Its fields are written by the
// connection's reader only.
type subscription struct {
	id string
	// round is the highest probe round received, roundAt when (Unix ns).
	round   atomic.Int64
	roundAt atomic.Int64
	// events counts every event received, bad the events that were not what was asked for.
	events atomic.Int64
	bad    atomic.Int64
	// ended is set when the server ended the subscription (error or complete).
	ended atomic.Bool
}

// wsConn is one client websocket with its subscriptions and the goroutine reading it.
type wsConn struct {
	c    *websocket.Conn
	user int

	mu   sync.Mutex
	subs []*subscription
	// onEvent, when set, sees every event of every subscription of the connection (the
	// latency phase). It runs on the reader goroutine.
	onEvent func(e event)

	closed   atomic.Bool
	errMu    sync.Mutex
	firstErr string
	done     chan struct{}
}

// dial opens a connection, sends connection_init with the token and waits for its ack.
// The connection holds no subscription yet; call subscribe.
func (d *wsDialer) dial(ctx context.Context, token string, user int, onEvent func(event)) (*wsConn, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	c, _, err := websocket.Dial(ctx, d.url, &websocket.DialOptions{
		HTTPClient:   d.client,
		Subprotocols: []string{wsSubprotocol},
	})
	if err != nil {
		return nil, fmt.Errorf("websocket upgrade: %w", err)
	}
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
			w := &wsConn{c: c, user: user, onEvent: onEvent, done: make(chan struct{})}
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

// subscribe starts one more subscription on the connection (ids "1", "2", …). The
// graphql-transport-ws protocol does not acknowledge a subscription; an event proves it.
func (w *wsConn) subscribe(ctx context.Context, timeout time.Duration) error {
	w.mu.Lock()
	s := &subscription{id: strconv.Itoa(len(w.subs) + 1)}
	w.subs = append(w.subs, s)
	w.mu.Unlock()
	payload, _ := json.Marshal(map[string]string{"query": subscriptionOp})
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := writeMsg(ctx, w.c, wsMessage{Type: "subscribe", ID: s.id, Payload: payload}); err != nil {
		return fmt.Errorf("sending subscribe: %w", err)
	}
	return nil
}

// subscriptions returns the connection's subscriptions.
func (w *wsConn) subscriptions() []*subscription {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.subs
}

func (w *wsConn) sub(id string) *subscription {
	n, err := strconv.Atoi(id)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil || n < 1 || n > len(w.subs) {
		return nil
	}
	return w.subs[n-1]
}

func (w *wsConn) fail(format string, args ...any) {
	w.errMu.Lock()
	defer w.errMu.Unlock()
	if w.firstErr == "" {
		w.firstErr = fmt.Sprintf(format, args...)
	}
}

// err is the first thing that went wrong on the connection ("" when nothing did).
func (w *wsConn) err() string {
	w.errMu.Lock()
	defer w.errMu.Unlock()
	return w.firstErr
}

// close closes the connection at once, without a close handshake, as a client that crashes
// or loses its network does.
func (w *wsConn) close() {
	w.closed.Store(true)
	w.c.CloseNow()
	<-w.done
}

// closeNormally closes the connection with a close handshake (1000), as a browser closing a
// tab does; at once when the server does not answer within 5 s.
func (w *wsConn) closeNormally() {
	w.closed.Store(true)
	_ = w.c.Close(websocket.StatusNormalClosure, "")
	w.c.CloseNow()
	<-w.done
}

// todoChangedPayload is the payload of a `next` message of subscriptionOp.
type todoChangedPayload struct {
	Data *struct {
		TodoChanged *struct {
			Cursor string `json:"cursor"`
			Kind   string `json:"kind"`
			TodoID string `json:"todoId"`
			Todo   *struct {
				ID    string `json:"id"`
				Title string `json:"title"`
			} `json:"todo"`
		} `json:"todoChanged"`
	} `json:"data"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

// read takes every message until the connection ends.
func (w *wsConn) read() {
	defer close(w.done)
	ctx := context.Background()
	for {
		typ, b, err := w.c.Read(ctx)
		at := time.Now()
		if err != nil {
			if !w.closed.Load() {
				w.closed.Store(true)
				w.fail("the connection ended: %v", err)
			}
			return
		}
		if typ != websocket.MessageText {
			w.fail("the server sent a binary frame")
			continue
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			w.fail("the server sent something that is not JSON: %.100s", b)
			continue
		}
		switch m.Type {
		case "next":
			s := w.sub(m.ID)
			if s == nil {
				w.fail("an event for subscription %q, which this connection did not start", m.ID)
				continue
			}
			w.onNext(s, m.Payload, at)
		case "error", "complete":
			if s := w.sub(m.ID); s != nil {
				s.ended.Store(true)
			}
			w.fail("the server ended subscription %s with %s: %.200s", m.ID, m.Type, m.Payload)
		case "ping":
			_ = writeMsg(ctx, w.c, wsMessage{Type: "pong"})
		case "pong":
		default:
			w.fail("unexpected message type %q", m.Type)
		}
	}
}

func (w *wsConn) onNext(s *subscription, payload []byte, at time.Time) {
	s.events.Add(1)
	var p todoChangedPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		s.bad.Add(1)
		w.fail("an event that is not JSON: %.200s", payload)
		return
	}
	if len(p.Errors) > 0 || p.Data == nil || p.Data.TodoChanged == nil {
		s.bad.Add(1)
		w.fail("an event with errors or no data: %.200s", payload)
		return
	}
	c := p.Data.TodoChanged
	if c.Kind != "CREATED" || c.Todo == nil || c.TodoID == "" || c.Todo.ID != c.TodoID || c.Cursor == "" {
		s.bad.Add(1)
		w.fail("an event that is not the creation the benchmark made: %.200s", payload)
		return
	}
	if r, ok := strings.CutPrefix(c.Todo.Title, probePrefix); ok {
		round, user, ok := parseProbe(r)
		switch {
		case !ok || user != w.user:
			// Another user's change: the worst thing a subscription can do.
			s.bad.Add(1)
			w.fail("a connection of user %d received %q, a change of another user", w.user, c.Todo.Title)
			return
		case round > s.round.Load():
			s.roundAt.Store(at.UnixNano())
			s.round.Store(round)
		}
	}
	if w.onEvent != nil {
		w.onEvent(event{at: at, title: c.Todo.Title, todoID: c.TodoID})
	}
}

// probeTitle is the title of user's write in a probe round.
func probeTitle(round int64, user int) string {
	return probePrefix + strconv.FormatInt(round, 10) + "-" + strconv.Itoa(user)
}

// parseProbe reads "<round>-<user>", the rest of a probe title.
func parseProbe(s string) (round int64, user int, ok bool) {
	r, u, found := strings.Cut(s, "-")
	if !found {
		return 0, 0, false
	}
	round, err1 := strconv.ParseInt(r, 10, 64)
	user, err2 := strconv.Atoi(u)
	return round, user, err1 == nil && err2 == nil
}
