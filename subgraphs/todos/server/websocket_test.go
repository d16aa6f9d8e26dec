package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"fedstack/platform/servicetrust"
)

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// wsClient is a minimal graphql-transport-ws client.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
	msgs chan wsMessage
}

func dialWS(t *testing.T, c *client, token string) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := http.Header{}
	servicetrust.Sign(h, c.secret)
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(c.url, "http")+"/graphql", &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"},
		HTTPHeader:   h,
	})
	if err != nil {
		t.Fatal(err)
	}
	if conn.Subprotocol() != "graphql-transport-ws" {
		t.Fatalf("subprotocol %q", conn.Subprotocol())
	}
	ws := &wsClient{t: t, conn: conn, msgs: make(chan wsMessage, 64)}
	t.Cleanup(func() { _ = conn.Close(websocket.StatusNormalClosure, "") })
	go func() {
		defer close(ws.msgs)
		for {
			var m wsMessage
			if err := wsjson.Read(context.Background(), conn, &m); err != nil {
				return
			}
			if m.Type == "ping" {
				_ = wsjson.Write(context.Background(), conn, wsMessage{Type: "pong"})
				continue
			}
			ws.msgs <- m
		}
	}()

	init := map[string]any{"type": "connection_init"}
	if token != "" {
		init["payload"] = map[string]string{"authorization": "Bearer " + token}
	}
	ws.send(init)
	if m, ok := ws.next(5 * time.Second); !ok || m.Type != "connection_ack" {
		t.Fatalf("expected connection_ack, got %+v (ok=%v)", m, ok)
	}
	return ws
}

func (ws *wsClient) send(v any) {
	ws.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := wsjson.Write(ctx, ws.conn, v); err != nil {
		ws.t.Fatal(err)
	}
}

// next returns the next message, or false when none arrives within d.
func (ws *wsClient) next(d time.Duration) (wsMessage, bool) {
	select {
	case m, ok := <-ws.msgs:
		return m, ok
	case <-time.After(d):
		return wsMessage{}, false
	}
}

type changeJSON struct {
	Cursor     string     `json:"cursor"`
	Kind       string     `json:"kind"`
	TodoID     string     `json:"todoId"`
	Todo       *todoJSON  `json:"todo"`
	Todos      []todoJSON `json:"todos"`
	DeletedIDs []string   `json:"deletedIds"`
}

// change decodes a "next" message of the todoChanged subscription.
func change(t *testing.T, m wsMessage) changeJSON {
	t.Helper()
	if m.Type != "next" {
		t.Fatalf("expected next, got %s %s", m.Type, m.Payload)
	}
	var p struct {
		Data struct {
			TodoChanged changeJSON `json:"todoChanged"`
		} `json:"data"`
		Errors []gqlError `json:"errors"`
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 {
		t.Fatalf("payload %s: %v", m.Payload, err)
	}
	return p.Data.TodoChanged
}

func TestTodoChangedSubscription(t *testing.T) {
	c, is := startTodos(t, "sqlite")
	alice, bob := uniqueUser("alice"), uniqueUser("bob")
	aliceTok, bobTok := is.token(t, alice, "USER"), is.token(t, bob, "USER")
	add := func(tok, title string) string {
		var d struct{ AddTodo struct{ ID string } }
		c.ok(t, tok, `mutation($t: String!) { addTodo(input: {title: $t}) { id } }`, map[string]any{"t": title}, &d)
		return d.AddTodo.ID
	}

	ws := dialWS(t, c, aliceTok)
	ws.send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query": `subscription { todoChanged { kind todoId todo { id title completed ownerId owner { id } } } }`,
	}})

	// The subscription is in place once the server has subscribed on Redis, which the client
	// cannot see: add todos until the first event arrives.
	var first changeJSON
	var firstID string
	for attempt := 0; ; attempt++ {
		if attempt == 20 {
			t.Fatal("no todoChanged event arrived")
		}
		firstID = add(aliceTok, "first")
		if m, ok := ws.next(500 * time.Millisecond); ok {
			first = change(t, m)
			t.Logf("first event after %d adds", attempt+1)
			break
		}
	}
	if first.Kind != "CREATED" || first.Todo == nil || first.Todo.Title != "first" ||
		first.Todo.OwnerID != alice || first.Todo.Owner.ID != alice {
		t.Fatalf("first event %+v", first)
	}
	// Drain events of earlier attempts, if any.
	for first.TodoID != firstID {
		m, ok := ws.next(2 * time.Second)
		if !ok {
			t.Fatal("the event of the last add did not arrive")
		}
		first = change(t, m)
	}

	// Bob's todo is published before Alice's next one on the same Redis connection: if it
	// reached Alice's subscription it would arrive first.
	add(bobTok, "bob's")
	secondID := add(aliceTok, "second")
	m, ok := ws.next(5 * time.Second)
	if !ok {
		t.Fatal("no event for alice's second todo")
	}
	if ev := change(t, m); ev.TodoID != secondID || ev.Kind != "CREATED" {
		t.Fatalf("expected alice's second todo, got %+v", ev)
	}

	var tg struct{ ToggleTodo struct{ ID string } }
	c.ok(t, aliceTok, `mutation($id: ID!) { toggleTodo(id: $id) { id } }`, map[string]any{"id": secondID}, &tg)
	if m, ok = ws.next(5 * time.Second); !ok {
		t.Fatal("no UPDATED event")
	}
	if ev := change(t, m); ev.Kind != "UPDATED" || ev.TodoID != secondID || ev.Todo == nil || !ev.Todo.Completed {
		t.Fatalf("update event %+v", ev)
	}

	var del struct{ DeleteTodo string }
	c.ok(t, aliceTok, `mutation($id: ID!) { deleteTodo(id: $id) }`, map[string]any{"id": secondID}, &del)
	if m, ok = ws.next(5 * time.Second); !ok {
		t.Fatal("no DELETED event")
	}
	if ev := change(t, m); ev.Kind != "DELETED" || ev.TodoID != secondID || ev.Todo != nil {
		t.Fatalf("delete event %+v", ev)
	}

	if m, ok := ws.next(300 * time.Millisecond); ok {
		t.Fatalf("unexpected message %s %s", m.Type, m.Payload)
	}

	ws.send(map[string]any{"id": "1", "type": "complete"})
}

func TestTodoChangedNeedsAToken(t *testing.T) {
	c, _ := startTodos(t, "sqlite")
	ws := dialWS(t, c, "")
	ws.send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query": `subscription { todoChanged { kind } }`,
	}})
	m, ok := ws.next(5 * time.Second)
	if !ok {
		t.Fatal("no answer")
	}
	if (m.Type != "error" && m.Type != "next") || !strings.Contains(string(m.Payload), "UNAUTHENTICATED") {
		t.Fatalf("got %s %s", m.Type, m.Payload)
	}
}

// TestTodoChangedResumes: a client that reconnects with the last cursor it saw gets the
// changes it missed, once and in order, then live ones; bulk changes travel too.
func TestTodoChangedResumes(t *testing.T) {
	c, is := startTodos(t, "sqlite")
	alice := uniqueUser("alice")
	tok := is.token(t, alice, "USER")
	add := func(title string) string {
		var d struct{ AddTodo struct{ ID string } }
		c.ok(t, tok, `mutation($t: String!) { addTodo(input: {title: $t}) { id } }`, map[string]any{"t": title}, &d)
		return d.AddTodo.ID
	}
	const sub = `subscription($s: String) { todoChanged(since: $s) { cursor kind todoId todo { id title } todos { id completed } deletedIds } }`

	ws := dialWS(t, c, tok)
	ws.send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": sub}})
	var seen []changeJSON
	for attempt := 0; len(seen) == 0; attempt++ {
		if attempt == 20 {
			t.Fatal("no todoChanged event arrived")
		}
		add(fmt.Sprintf("warm-up %d", attempt))
		if m, ok := ws.next(500 * time.Millisecond); ok {
			seen = append(seen, change(t, m))
		}
	}
	// Two more, read live; the last one's cursor is where the client stops.
	lastID := ""
	for range 2 {
		lastID = add("seen")
	}
	for seen[len(seen)-1].TodoID != lastID {
		m, ok := ws.next(5 * time.Second)
		if !ok {
			t.Fatal("missing live events")
		}
		seen = append(seen, change(t, m))
	}
	last := seen[len(seen)-1]
	ws.send(map[string]any{"id": "1", "type": "complete"})
	ws.close()

	// While disconnected: two adds and a toggle-all.
	missed := []string{add("missed 1"), add("missed 2")}
	c.ok(t, tok, `mutation { toggleAll(completed: true) { id } }`, nil, &struct{}{})

	ws = dialWS(t, c, tok)
	ws.send(map[string]any{"id": "2", "type": "subscribe", "payload": map[string]any{"query": sub, "variables": map[string]any{"s": last.Cursor}}})
	var got []changeJSON
	for len(got) < 3 {
		m, ok := ws.next(5 * time.Second)
		if !ok {
			t.Fatalf("after resuming, got %d of the 3 missed changes: %+v", len(got), got)
		}
		got = append(got, change(t, m))
	}
	if got[0].Kind != "CREATED" || got[0].TodoID != missed[0] || got[1].TodoID != missed[1] || got[2].Kind != "BULK" || len(got[2].Todos) == 0 {
		t.Fatalf("missed changes arrived as %+v", got)
	}
	live := add("live")
	m, ok := ws.next(5 * time.Second)
	if !ok {
		t.Fatal("no live change after the replay")
	}
	if ev := change(t, m); ev.TodoID != live || ev.Cursor == got[2].Cursor {
		t.Fatalf("live change %+v after %+v", ev, got[2])
	}
	if m, ok := ws.next(300 * time.Millisecond); ok {
		t.Fatalf("a change arrived twice or unexpectedly: %s", m.Payload)
	}

	// A cursor that is not one is refused.
	ws.send(map[string]any{"id": "3", "type": "subscribe", "payload": map[string]any{"query": sub, "variables": map[string]any{"s": "yesterday"}}})
	m, ok = ws.next(5 * time.Second)
	if !ok || (m.Type != "error" && m.Type != "next") || !strings.Contains(string(m.Payload), `"code":"INVALID"`) {
		t.Fatalf("malformed since: %s %s", m.Type, m.Payload)
	}
}

// close ends the connection normally.
func (ws *wsClient) close() { _ = ws.conn.Close(websocket.StatusNormalClosure, "") }
