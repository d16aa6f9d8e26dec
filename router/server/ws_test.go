package server_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

type wsClient struct {
	t    testing.TB
	conn *websocket.Conn
}

func (s *stack) dialWS(t testing.TB, subprotocols ...string) *wsClient {
	t.Helper()
	if subprotocols == nil {
		subprotocols = []string{"graphql-transport-ws"}
	}
	url := "ws" + strings.TrimPrefix(s.router.URL, "http") + "/graphql"
	conn, _, err := websocket.Dial(ctxTimeout(t, 5*time.Second), url, &websocket.DialOptions{Subprotocols: subprotocols})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	return &wsClient{t: t, conn: conn}
}

func (c *wsClient) send(msg any) {
	c.t.Helper()
	data, _ := json.Marshal(msg)
	if err := c.conn.Write(ctxTimeout(c.t, 2*time.Second), websocket.MessageText, data); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

type wsMsg struct {
	Type    string          `json:"type"`
	ID      string          `json:"id"`
	Payload json.RawMessage `json:"payload"`
}

// read returns the next message, or the close status when the server closed.
func (c *wsClient) read(d time.Duration) (*wsMsg, websocket.StatusCode) {
	c.t.Helper()
	_, data, err := c.conn.Read(ctxTimeout(c.t, d))
	if err != nil {
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			return nil, ce.Code
		}
		c.t.Fatalf("read: %v", err)
	}
	var m wsMsg
	if err := json.Unmarshal(data, &m); err != nil {
		c.t.Fatalf("message is not JSON: %s", data)
	}
	return &m, 0
}

func (c *wsClient) expect(typ string, d time.Duration) *wsMsg {
	c.t.Helper()
	m, code := c.read(d)
	if m == nil {
		c.t.Fatalf("want %s, the server closed with %d", typ, code)
	}
	if m.Type != typ {
		c.t.Fatalf("want %s, got %s %s", typ, m.Type, m.Payload)
	}
	return m
}

func (c *wsClient) expectClose(code websocket.StatusCode, d time.Duration) {
	c.t.Helper()
	for {
		m, got := c.read(d)
		if m != nil {
			continue // messages before the close
		}
		if got != code {
			c.t.Fatalf("closed with %d, want %d", got, code)
		}
		return
	}
}

func (c *wsClient) init(token string) {
	c.t.Helper()
	payload := map[string]any{}
	if token != "" {
		payload["authorization"] = "Bearer " + token
	}
	c.send(map[string]any{"type": "connection_init", "payload": payload})
	c.expect("connection_ack", 3*time.Second)
}

func subscribeMsg(id, query string) map[string]any {
	return map[string]any{"type": "subscribe", "id": id, "payload": map[string]any{"query": query}}
}

const todoChangedQuery = `subscription { todoChanged { kind todoId todo { id title owner { name } } } }`

func TestWebsocket(t *testing.T) {
	s := startStack(t, nil)
	token, _ := s.signup(t, "Dana")
	other, _ := s.signup(t, "Eve")

	t.Run("subscription delivers the owner's changes with fields from both subgraphs", func(t *testing.T) {
		c := s.dialWS(t)
		c.init(token)
		c.send(subscribeMsg("1", todoChangedQuery))
		// Give the subscription time to reach the subgraph before writing.
		time.Sleep(300 * time.Millisecond)
		s.addTodo(t, other, "not for Dana")
		id := s.addTodo(t, token, "for Dana")
		m := c.expect("next", 5*time.Second)
		if m.ID != "1" {
			t.Fatalf("id %q", m.ID)
		}
		var p struct {
			Data struct {
				TodoChanged struct {
					Kind   string
					TodoID string
					Todo   struct {
						Title string
						Owner struct{ Name string }
					}
				}
			}
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			t.Fatal(err)
		}
		tc := p.Data.TodoChanged
		if tc.Kind != "CREATED" || tc.TodoID != id || tc.Todo.Title != "for Dana" || tc.Todo.Owner.Name != "Dana" {
			t.Fatalf("event %s", m.Payload)
		}
		c.send(map[string]any{"type": "complete", "id": "1"})
	})

	t.Run("ping gets pong", func(t *testing.T) {
		c := s.dialWS(t)
		c.init(token)
		c.send(map[string]any{"type": "ping", "payload": map[string]any{"n": 1}})
		m := c.expect("pong", 2*time.Second)
		if !strings.Contains(string(m.Payload), `"n":1`) {
			t.Fatalf("pong payload %s", m.Payload)
		}
	})

	t.Run("queries over the socket get next then complete", func(t *testing.T) {
		c := s.dialWS(t)
		c.init(token)
		c.send(subscribeMsg("q", `{ me { name } }`))
		m := c.expect("next", 3*time.Second)
		if !strings.Contains(string(m.Payload), "Dana") {
			t.Fatalf("payload %s", m.Payload)
		}
		c.expect("complete", 2*time.Second)
		c.send(subscribeMsg("bad", `{ me { nope } }`))
		m = c.expect("error", 2*time.Second)
		if !strings.Contains(string(m.Payload), "nope") {
			t.Fatalf("error payload %s", m.Payload)
		}
	})

	t.Run("4400 for an invalid message", func(t *testing.T) {
		c := s.dialWS(t)
		c.init(token)
		c.send(map[string]any{"type": "no-such-type"})
		c.expectClose(4400, 2*time.Second)
	})

	t.Run("4401 for subscribe before connection_ack", func(t *testing.T) {
		c := s.dialWS(t)
		c.send(subscribeMsg("1", todoChangedQuery))
		c.expectClose(4401, 2*time.Second)
	})

	t.Run("4403 for a bad token in connection_init", func(t *testing.T) {
		c := s.dialWS(t)
		c.send(map[string]any{"type": "connection_init", "payload": map[string]any{"authorization": "Bearer not-a-token"}})
		c.expectClose(4403, 2*time.Second)
	})

	t.Run("4406 for a wrong subprotocol", func(t *testing.T) {
		c := s.dialWS(t, "graphql-ws-unknown")
		c.expectClose(4406, 2*time.Second)
	})

	t.Run("4408 when no connection_init arrives in time", func(t *testing.T) {
		c := s.dialWS(t)
		start := time.Now()
		c.expectClose(4408, 3*time.Second)
		if d := time.Since(start); d < 400*time.Millisecond {
			t.Fatalf("closed after %s, before the 500ms init timeout", d)
		}
	})

	t.Run("4409 for a duplicate subscription id", func(t *testing.T) {
		c := s.dialWS(t)
		c.init(token)
		c.send(subscribeMsg("dup", todoChangedQuery))
		c.send(subscribeMsg("dup", todoChangedQuery))
		c.expectClose(4409, 2*time.Second)
	})

	t.Run("4429 for a second connection_init", func(t *testing.T) {
		c := s.dialWS(t)
		c.init(token)
		c.send(map[string]any{"type": "connection_init"})
		c.expectClose(4429, 2*time.Second)
	})

}

// openFDs counts this process's open file descriptors (the router runs in-process).
func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return len(entries)
}

// wsGauge reads router_websocket_connections from /metrics.
func (s *stack) wsGauge(t *testing.T) int {
	t.Helper()
	resp, err := http.Get(s.router.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for line := range strings.SplitSeq(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, "router_websocket_connections "); ok {
			n, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int(n)
		}
	}
	t.Fatalf("no router_websocket_connections in /metrics")
	return -1
}

// TestWebsocketVanishedClientsAreReleased: clients that disappear without a close frame
// (a crashed tab, a lost network), or stop answering pings, do not keep their sockets and
// subscriptions at the router.
func TestWebsocketVanishedClientsAreReleased(t *testing.T) {
	s := startStack(t, map[string]string{"WS_PING_INTERVAL": "200ms"})
	token, _ := s.signup(t, "Vanishing")
	before := openFDs(t)
	var clients []*wsClient
	for i := range 20 {
		c := s.dialWS(t)
		c.init(token)
		c.send(subscribeMsg(strconv.Itoa(i), todoChangedQuery))
		clients = append(clients, c)
	}
	waitFor(t, "20 websocket connections", 2*time.Second, func() bool { return s.wsGauge(t) == 20 })
	for _, c := range clients {
		_ = c.conn.CloseNow() // no close frame: the TCP connection just goes
	}
	waitFor(t, "the router to release the vanished connections", 3*time.Second, func() bool {
		return s.wsGauge(t) == 0 && openFDs(t) <= before+4
	})

	// A client that is connected but no longer answers pings (it stopped reading).
	c := s.dialWS(t)
	c.init(token)
	c.send(subscribeMsg("1", todoChangedQuery))
	waitFor(t, "one connection", time.Second, func() bool { return s.wsGauge(t) == 1 })
	waitFor(t, "the silent client to be disconnected", 2*time.Second, func() bool { return s.wsGauge(t) == 0 })
}
