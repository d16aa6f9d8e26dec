package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func mustRequest(method, url string) *http.Request {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		panic(err)
	}
	return req
}

func newLocalServer(t testing.TB, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestRouter runs the federated graph end to end on one stack.
func TestRouter(t *testing.T) {
	s := startStack(t, nil)
	alice, aliceID := s.signup(t, "Alice")
	bob, _ := s.signup(t, "Bob")

	t.Run("a query across both subgraphs makes one _entities request per level", func(t *testing.T) {
		for i := range 25 {
			s.addTodo(t, alice, "alice todo "+string(rune('a'+i)))
		}
		for i := range 5 {
			s.addTodo(t, bob, "bob todo "+string(rune('a'+i)))
		}
		// Level 1: todos (todos subgraph); level 2: the owners (auth, one _entities call).
		s.toAuth.reset()
		s.toTodos.reset()
		r := s.post(t, `{ todos { nodes { id title owner { id name } } } }`, nil, call{token: alice})
		if r.Status != 200 || len(r.Errors) > 0 {
			t.Fatalf("status %d: %s", r.Status, r.Raw)
		}
		todos := nodes(r.Data["todos"])
		if len(todos) != 25 {
			t.Fatalf("want 25 todos, got %d", len(todos))
		}
		for _, td := range todos {
			owner := td.(map[string]any)["owner"].(map[string]any)
			if owner["name"] != "Alice" || owner["id"] != aliceID {
				t.Fatalf("owner %v, want Alice %s", owner, aliceID)
			}
		}
		if got := s.toTodos.count("todos"); got != 1 {
			t.Errorf("todos subgraph got %d todos requests, want 1 (%v)", got, s.toTodos.bodies)
		}
		if got := s.toAuth.count("_entities"); got != 1 {
			t.Errorf("auth subgraph got %d _entities requests for one level, want 1 (%v)", got, s.toAuth.bodies)
		}

		// Three levels alternating subgraphs: me (auth) → User.todos (todos _entities) →
		// Todo.owner (auth _entities).
		s.toAuth.reset()
		s.toTodos.reset()
		r = s.post(t, `{ me { name todos { id title owner { name email } } } }`, nil, call{token: alice})
		if r.Status != 200 || len(r.Errors) > 0 {
			t.Fatalf("status %d: %s", r.Status, r.Raw)
		}
		me := r.Data["me"].(map[string]any)
		if got := len(me["todos"].([]any)); got != 25 {
			t.Fatalf("me.todos has %d entries, want 25", got)
		}
		for _, td := range me["todos"].([]any) {
			if td.(map[string]any)["owner"].(map[string]any)["name"] != "Alice" {
				t.Fatalf("owner of %v", td)
			}
		}
		for _, c := range []struct {
			proxy *countingProxy
			field string
			want  int
		}{{s.toAuth, "me", 1}, {s.toTodos, "_entities", 1}, {s.toAuth, "_entities", 1}} {
			if got := c.proxy.count(c.field); got != c.want {
				t.Errorf("%s requests: %d, want %d (%v)", c.field, got, c.want, c.proxy.bodies)
			}
		}
	})

	t.Run("identical concurrent queries of different callers never share an answer", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan string, 200)
		for i := range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				token, want := alice, "Alice"
				if i%2 == 1 {
					token, want = bob, "Bob"
				}
				r := s.post(t, `{ me { name } }`, nil, call{token: token})
				if got := r.Data["me"].(map[string]any)["name"]; got != want {
					errs <- fmt.Sprintf("request %d as %s got %v", i, want, got)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	})

	t.Run("inaccessible fields are neither introspectable nor executable", func(t *testing.T) {
		r := s.post(t, `{ __type(name: "User") { fields { name } } t: __type(name: "Todo") { fields { name } } __schema { directives { name } } }`, nil, call{})
		if r.Status != 200 || len(r.Errors) > 0 {
			t.Fatalf("introspection: %d %s", r.Status, r.Raw)
		}
		raw := string(r.Raw)
		for _, hidden := range []string{"passwordChangedAt", "ownerId", `"inaccessible"`, `"authenticated"`, `"requiresScopes"`, `"key"`, `"link"`, "openfed__"} {
			if strings.Contains(raw, hidden) {
				t.Errorf("introspection shows %s: %s", hidden, raw)
			}
		}
		for _, shown := range []string{`"email"`, `"todos"`, `"title"`, `"owner"`, `"deprecated"`, `"skip"`} {
			if !strings.Contains(raw, shown) {
				t.Errorf("introspection lacks %s: %s", shown, raw)
			}
		}
		r = s.post(t, `{ me { id passwordChangedAt } }`, nil, call{token: alice, accept: "application/graphql-response+json"})
		if r.Status != 400 || r.Data != nil || !strings.Contains(r.errorMessages(), "passwordChangedAt") {
			t.Fatalf("querying an inaccessible field: want 400 naming it, got %d %s", r.Status, r.Raw)
		}
		r = s.post(t, `{ todos { nodes { ownerId } } }`, nil, call{token: alice, accept: "application/graphql-response+json"})
		if r.Status != 400 || !strings.Contains(r.errorMessages(), "ownerId") {
			t.Fatalf("querying an inaccessible field: want 400 naming it, got %d %s", r.Status, r.Raw)
		}
	})

	t.Run("GET runs queries and refuses mutations", func(t *testing.T) {
		q := url.Values{"query": {`{ me { name } }`}}
		req, _ := http.NewRequest(http.MethodGet, s.router.URL+"/graphql?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+alice)
		req.Header.Set("Accept", "application/graphql-response+json")
		r := do(t, req)
		if r.Status != 200 || r.Data["me"].(map[string]any)["name"] != "Alice" {
			t.Fatalf("GET query: %d %s", r.Status, r.Raw)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/graphql-response+json") {
			t.Fatalf("content type %q", ct)
		}
		q = url.Values{"query": {`mutation { addTodo(input: {title: "via GET"}) { id } }`}}
		req, _ = http.NewRequest(http.MethodGet, s.router.URL+"/graphql?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+alice)
		r = do(t, req)
		if r.Status != 405 || r.Header.Get("Allow") != "POST" {
			t.Fatalf("GET mutation: want 405 with Allow: POST, got %d %v %s", r.Status, r.Header, r.Raw)
		}
	})

	t.Run("bad input gets the spec's status and a message saying what is wrong; nothing changes", func(t *testing.T) {
		before := s.post(t, `{ todos { nodes { id } } }`, nil, call{token: alice})
		countBefore := len(nodes(before.Data["todos"]))
		cases := []struct {
			name    string
			body    string
			query   string
			vars    map[string]any
			accept  string
			ctype   string
			status  int
			message string
			located bool
		}{
			{name: "malformed JSON", body: `{"query": "{ todos { nodes { id } } }"`, status: 400, message: "not valid JSON"},
			{name: "malformed JSON, graphql-response", body: `{"query": `, accept: "application/graphql-response+json", status: 400, message: "not valid JSON"},
			{name: "no query", body: `{"variables": {}}`, status: 400, message: "no query"},
			{name: "query not a string", body: `{"query": 42}`, status: 400, message: "query must be a string"},
			{name: "variables not an object", body: `{"query": "{ todos { nodes { id } } }", "variables": [1]}`, status: 400, message: "variables must be a JSON object"},
			{name: "wrong content type", body: `query { todos { nodes { id } } }`, ctype: "text/plain", status: 415, message: "Content-Type"},
			{name: "unknown field, json", query: `mutation { addTodo(input: {title: "x"}) { id nope } }`, status: 200, message: "nope"},
			{name: "unknown field, graphql-response", query: `mutation { addTodo(input: {title: "x"}) { id nope } }`, accept: "application/graphql-response+json", status: 400, message: `Cannot query field "nope" on type "Todo"`, located: true},
			{name: "document syntax error", query: `mutation { addTodo(input: {title: "x"}) { id `, accept: "application/graphql-response+json", status: 400, message: "Expected Name, found <EOF>", located: true},
			{name: "variable of the wrong type", query: `mutation($t: String!) { addTodo(input: {title: $t}) { id } }`, vars: map[string]any{"t": map[string]any{"no": 1}}, accept: "application/graphql-response+json", status: 400, message: "$t"},
			{name: "missing required variable", query: `mutation($t: String!) { addTodo(input: {title: $t}) { id } }`, accept: "application/graphql-response+json", status: 400, message: "$t"},
			{name: "body over the limit", body: `{"query": "{ todos { nodes { id } } }", "variables": {"pad": "` + strings.Repeat("x", 70000) + `"}}`, status: 413, message: "larger than the limit"},
		}
		for _, c := range cases {
			var r *gqlResponse
			if c.body != "" {
				r = s.post(t, "", nil, call{raw: []byte(c.body), token: alice, accept: c.accept, ctype: c.ctype})
			} else {
				r = s.post(t, c.query, c.vars, call{token: alice, accept: c.accept, ctype: c.ctype})
			}
			if r.Status != c.status {
				t.Errorf("%s: status %d, want %d: %s", c.name, r.Status, c.status, r.Raw)
				continue
			}
			if !strings.Contains(r.errorMessages(), c.message) {
				t.Errorf("%s: message %q does not mention %q", c.name, r.errorMessages(), c.message)
			}
			if r.Data != nil {
				t.Errorf("%s: a refused request carries data: %s", c.name, r.Raw)
			}
			if c.located {
				if locs, _ := r.Errors[0]["locations"].([]any); len(locs) == 0 {
					t.Errorf("%s: no locations: %s", c.name, r.Raw)
				}
			}
		}
		after := s.post(t, `{ todos { nodes { id } } }`, nil, call{token: alice})
		if n := len(nodes(after.Data["todos"])); n != countBefore {
			t.Fatalf("refused requests changed the data: %d todos before, %d after", countBefore, n)
		}
	})

	t.Run("a bad bearer token is refused with 401", func(t *testing.T) {
		r := s.post(t, `{ me { id } }`, nil, call{token: alice[:len(alice)-4] + "AAAA"})
		if r.Status != 401 || len(r.Errors) == 0 || r.errorMessages() == "" || r.Errors[0]["extensions"].(map[string]any)["code"] != "UNAUTHENTICATED" {
			t.Fatalf("want 401 UNAUTHENTICATED, got %d %s", r.Status, r.Raw)
		}
		r = s.post(t, `{ todos { nodes { id } } }`, nil, call{})
		if r.Status != 200 || len(r.Errors) == 0 || r.Errors[0]["extensions"].(map[string]any)["code"] != "UNAUTHENTICATED" {
			t.Fatalf("anonymous todos: want UNAUTHENTICATED from the subgraph, got %d %s", r.Status, r.Raw)
		}
	})

	t.Run("health, readiness, metrics and the playground", func(t *testing.T) {
		for _, path := range []string{"/health", "/ready", "/metrics"} {
			resp, err := http.Get(s.router.URL + path)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("%s: %v %v", path, err, resp)
			}
			resp.Body.Close()
		}
		// The same operation twice: the second is served from the cache of prepared operations.
		s.post(t, `{ me { id } }`, nil, call{token: alice})
		s.post(t, `{ me { id } }`, nil, call{token: alice})
		m := do(t, mustRequest(http.MethodGet, s.router.URL+"/metrics"))
		for _, want := range []string{`router_operation_cache_lookups_total{result="hit"}`, `router_operation_cache_lookups_total{result="miss"}`, `http_requests_total`} {
			if !strings.Contains(string(m.Raw), want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		req, _ := http.NewRequest(http.MethodGet, s.router.URL+"/graphql", nil)
		req.Header.Set("Accept", "text/html,application/xhtml+xml")
		r := do(t, req)
		if r.Status != 200 || !strings.Contains(strings.ToLower(string(r.Raw)), "graphiql") {
			t.Fatalf("playground: %d %.200s", r.Status, r.Raw)
		}
	})

	t.Run("the subgraphs refuse requests that do not come from the router", func(t *testing.T) {
		for _, sg := range []string{s.auth.URL, s.todos.URL} {
			req, _ := http.NewRequest(http.MethodPost, sg+"/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
			req.Header.Set("Content-Type", "application/json")
			r := do(t, req)
			if r.Status != 403 {
				t.Fatalf("%s without the router's signature: %d %s", sg, r.Status, r.Raw)
			}
		}
	})
}

// TestRouterWhenAuthIsDown: todos still come back, owners are null with an error naming
// auth, and everything answers fully again once auth is back.
func TestRouterWhenAuthIsDown(t *testing.T) {
	s := startStack(t, nil)
	token, _ := s.signup(t, "Carol")
	for _, title := range []string{"one", "two", "three"} {
		s.addTodo(t, token, title)
	}
	query := `{ todos { nodes { title owner { name } } } }`
	if r := s.post(t, query, nil, call{token: token}); len(r.Errors) > 0 {
		t.Fatalf("before: %s", r.Raw)
	}

	s.auth.Stop()
	r := s.post(t, query, nil, call{token: token})
	if r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Raw)
	}
	todos := nodes(r.Data["todos"])
	if len(todos) != 3 {
		t.Fatalf("want the 3 todos with auth down, got %s", r.Raw)
	}
	for _, td := range todos {
		if owner := td.(map[string]any)["owner"]; owner != nil {
			t.Fatalf("owner should be null with auth down: %s", r.Raw)
		}
	}
	if len(r.Errors) == 0 || !strings.Contains(string(r.Raw), "auth") {
		t.Fatalf("want an error naming the auth subgraph: %s", r.Raw)
	}
	// The router stays up and says it is not ready.
	resp, err := http.Get(s.router.URL + "/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("router health with auth down: %v %v", err, resp)
	}
	resp.Body.Close()
	resp, _ = http.Get(s.router.URL + "/ready")
	if resp.StatusCode != 503 {
		t.Fatalf("router ready with auth down: %d, want 503", resp.StatusCode)
	}
	resp.Body.Close()

	s.restartAuth()
	waitFor(t, "full answers after auth is back", 10*time.Second, func() bool {
		r := s.post(t, query, nil, call{token: token})
		return len(r.Errors) == 0 && strings.Count(string(r.Raw), `"Carol"`) == 3
	})
}
