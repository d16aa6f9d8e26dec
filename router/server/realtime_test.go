package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"fedstack/platform/platformtest"
	routerserver "fedstack/router/server"
	todosserver "fedstack/subgraphs/todos/server"
)

// TestRealtimeAcrossInstances: two todos instances on the same data (FerretDB embedded in
// each, on one PostgreSQL database) and two routers, one in front of each. A subscriber on
// router A receives, within 1 s, a change made through router B; another user's
// subscriber receives nothing.
func TestRealtimeAcrossInstances(t *testing.T) {
	pg := platformtest.PostgresURL(t)
	a := startStackWithEnv(t, map[string]string{"FERRETDB_POSTGRES_URL": pg}, nil)
	jwks := a.auth.URL + "/.well-known/jwks.json"
	redisURL := a.authEnv["REDIS_URL"]
	todos2 := platformtest.Start(t, todosserver.Run, map[string]string{
		"REDIS_URL":             redisURL,
		"INTERNAL_SECRET":       testSecret,
		"JWKS_URL":              jwks,
		"FERRETDB_POSTGRES_URL": pg,
	})
	routerB := platformtest.Start(t, routerserver.Run, map[string]string{
		"SUPERGRAPH_CONFIG":     repoRoot() + "/supergraph.yaml",
		"INTERNAL_SECRET":       testSecret,
		"JWKS_URL":              jwks,
		"REDIS_URL":             redisURL,
		"SUBGRAPH_AUTH_URL":     a.auth.URL + "/graphql",
		"SUBGRAPH_TODOS_URL":    todos2.URL + "/graphql",
		"SUBGRAPH_TODOS_WS_URL": "ws" + strings.TrimPrefix(todos2.URL, "http") + "/graphql",
	})
	b := *a
	b.router = routerB

	alice, _ := a.signup(t, "Alice")
	bob, _ := a.signup(t, "Bob")
	const sub = `subscription { todoChanged { cursor kind todoId todo { title owner { name } } } }`
	aliceWS := a.dialWS(t)
	aliceWS.init(alice)
	aliceWS.send(subscribeMsg("1", sub))
	bobWS := a.dialWS(t)
	bobWS.init(bob)
	bobWS.send(subscribeMsg("1", sub))
	time.Sleep(300 * time.Millisecond) // the subscriptions reach todos instance 1

	start := time.Now()
	r := b.post(t, `mutation { addTodo(input: {title: "made through router B"}) { id } }`, nil, call{token: alice})
	if r.Status != 200 || len(r.Errors) > 0 {
		t.Fatalf("addTodo through router B: %d %s", r.Status, r.Raw)
	}
	id := r.Data["addTodo"].(map[string]any)["id"].(string)
	m := aliceWS.expect("next", time.Second)
	took := time.Since(start)
	var p struct {
		Data struct {
			TodoChanged struct {
				Cursor, Kind, TodoID string
				Todo                 struct {
					Title string
					Owner struct{ Name string }
				}
			}
		}
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		t.Fatal(err)
	}
	ch := p.Data.TodoChanged
	if ch.Kind != "CREATED" || ch.TodoID != id || ch.Todo.Title != "made through router B" || ch.Todo.Owner.Name != "Alice" || ch.Cursor == "" {
		t.Fatalf("alice received %s", m.Payload)
	}
	if took > time.Second {
		t.Fatalf("the change took %s to reach router A's subscriber, want within 1 s", took)
	}
	t.Logf("write through router B -> delivery on router A: %s", took)

	// The data is shared: router A lists the todo written through router B.
	r = a.post(t, `{ todos { nodes { id } } }`, nil, call{token: alice})
	if list := nodes(r.Data["todos"]); len(list) != 1 || list[0].(map[string]any)["id"] != id {
		t.Fatalf("router A lists %s", r.Raw)
	}

	// Bob's subscription stays silent.
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if _, data, err := bobWS.conn.Read(ctx); err == nil {
		t.Fatalf("bob received someone else's change: %s", data)
	} else if !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "context deadline exceeded") {
		t.Fatalf("bob's subscription: %v", err)
	}
}
