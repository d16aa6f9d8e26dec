package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fedstack/bench/internal/gqlclient"
	"github.com/coder/websocket"
)

// subscriptionOp is the subscription every connection holds, as the web app sends it.
const subscriptionOp = `subscription { todoChanged { cursor kind todoId todo { id title } } }`

// Title prefixes of the benchmark's writes: a subscriber tells from the title which write
// an event is (and ignores anything else).
const (
	probePrefix   = "probe-"   // probe-<round>-<user>: one write per user per probe round
	latencyPrefix = "latency-" // latency-<run>-<i>: the i-th write of the latency phase
)

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

// dial opens a connection with d as the bearer of token (one of user's), with no
// subscription yet (call subscribe), and starts reading it; onEvent, when not nil, sees
// every event of its subscriptions.
func dial(ctx context.Context, d *gqlclient.WSDialer, token string, user int, onEvent func(event)) (*wsConn, error) {
	c, err := d.Dial(ctx, token)
	if err != nil {
		return nil, err
	}
	w := &wsConn{c: c, user: user, onEvent: onEvent, done: make(chan struct{})}
	go w.read()
	return w, nil
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
	if err := gqlclient.WriteMessage(ctx, w.c, gqlclient.Message{Type: "subscribe", ID: s.id, Payload: payload}); err != nil {
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
		m, at, err := gqlclient.ReadMessage(ctx, w.c)
		var bad gqlclient.FrameError
		if errors.As(err, &bad) {
			w.fail("%s", bad)
			continue
		}
		if err != nil {
			if !w.closed.Load() {
				w.closed.Store(true)
				w.fail("the connection ended: %v", err)
			}
			return
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
			_ = gqlclient.WriteMessage(ctx, w.c, gqlclient.Message{Type: "pong"})
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
