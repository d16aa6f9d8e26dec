package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go.mongodb.org/mongo-driver/v2/event"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"fedstack/platform/authn"
	"fedstack/platform/platformtest"
	"fedstack/platform/servicetrust"
	"fedstack/subgraphs/todos"
	"fedstack/subgraphs/todos/embeddedmongo"
	"fedstack/subgraphs/todos/mongo"
	"fedstack/subgraphs/todos/server"
)

const (
	testIssuer   = "test-issuer"
	testAudience = "test-audience"
	testKID      = "test-key"
)

// issuer signs access tokens with an Ed25519 key whose JWKS it serves over HTTP.
type issuer struct {
	priv    ed25519.PrivateKey
	jwksURL string
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := authn.PublicJWK(testKID, pub)
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(authn.JWKS{Keys: []authn.JWK{jwk}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return &issuer{priv: priv, jwksURL: srv.URL + "/.well-known/jwks.json"}
}

func (is *issuer) token(t *testing.T, userID, role string) string {
	t.Helper()
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, &authn.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    testIssuer,
			Audience:  jwt.ClaimStrings{testAudience},
			Subject:   userID,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(15 * time.Minute)),
		},
		SessionID: "session-" + userID,
		Role:      role,
	})
	tok.Header["kid"] = testKID
	tok.Header["typ"] = "at+jwt"
	s, err := tok.SignedString(is.priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// uniqueUser returns a user id no other test run uses (Redis channels are shared).
func uniqueUser(name string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return name + "-" + hex.EncodeToString(b)
}

// client speaks GraphQL over HTTP to a subgraph, signing requests as the router does.
type client struct {
	url    string
	secret string
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type gqlResponse struct {
	status int
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

func (r *gqlResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

func (c *client) do(t *testing.T, token, query string, vars map[string]any) *gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, c.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.secret != "" {
		servicetrust.Sign(req.Header, c.secret)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := &gqlResponse{status: res.StatusCode}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatalf("decoding the response (status %d): %v", res.StatusCode, err)
	}
	return out
}

// ok runs the operation and decodes its data into v, failing on any error.
func (c *client) ok(t *testing.T, token, query string, vars map[string]any, v any) {
	t.Helper()
	res := c.do(t, token, query, vars)
	if len(res.Errors) > 0 || res.status != http.StatusOK {
		t.Fatalf("status %d, errors %+v", res.status, res.Errors)
	}
	if err := json.Unmarshal(res.Data, v); err != nil {
		t.Fatalf("data %s: %v", res.Data, err)
	}
}

type todoJSON struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Completed bool   `json:"completed"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
	OwnerID   string `json:"ownerId"`
	Version   int    `json:"version"`
	Position  string `json:"position"`
	Owner     struct {
		ID string `json:"id"`
	} `json:"owner"`
}

const todoFields = `id title completed createdAt updatedAt ownerId owner { id } version position`

// backends are the storage set-ups every service test runs against: FerretDB embedded on
// SQLite (the default) and FerretDB embedded on PostgreSQL.
var backends = []string{"sqlite", "postgres"}

// startTodos runs the real service through server.Run with an embedded FerretDB on the
// given backend (a temp dir for SQLite, a fresh database for PostgreSQL).
func startTodos(t *testing.T, backend string) (*client, *issuer) {
	t.Helper()
	is := newIssuer(t)
	secret := "test-internal-secret"
	env := map[string]string{
		"REDIS_URL":       platformtest.RedisURL(t),
		"INTERNAL_SECRET": secret,
		"JWKS_URL":        is.jwksURL,
		"JWT_ISSUER":      testIssuer,
		"JWT_AUDIENCE":    testAudience,
	}
	switch backend {
	case "sqlite":
		env["FERRETDB_SQLITE_DIR"] = t.TempDir()
	case "postgres":
		env["FERRETDB_POSTGRES_URL"] = platformtest.PostgresURL(t)
	default:
		t.Fatalf("unknown backend %q", backend)
	}
	svc := platformtest.Start(t, server.Run, env)
	return &client{url: svc.URL, secret: secret}, is
}

func titles(list []todoJSON) string {
	var s []string
	for _, td := range list {
		s = append(s, td.Title)
	}
	return strings.Join(s, ",")
}

func TestTodos(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) { testTodos(t, backend) })
	}
}

func testTodos(t *testing.T, backend string) {
	c, is := startTodos(t, backend)
	alice, bob := uniqueUser("alice"), uniqueUser("bob")
	aliceTok, bobTok := is.token(t, alice, "USER"), is.token(t, bob, "USER")

	add := func(t *testing.T, tok, title string) todoJSON {
		t.Helper()
		var d struct{ AddTodo todoJSON }
		c.ok(t, tok, `mutation($t: String!) { addTodo(input: {title: $t}) { `+todoFields+` } }`, map[string]any{"t": title}, &d)
		return d.AddTodo
	}
	list := func(t *testing.T, tok, filter string) []todoJSON {
		t.Helper()
		var d struct{ Todos struct{ Nodes []todoJSON } }
		c.ok(t, tok, `query($f: TodoFilter) { todos(filter: $f) { nodes { `+todoFields+` } } }`, map[string]any{"f": filter}, &d)
		return d.Todos.Nodes
	}

	t.Run("add, list, filter, toggle, delete", func(t *testing.T) {
		milk := add(t, aliceTok, "  buy milk  ")
		if milk.Title != "buy milk" || milk.Completed || milk.OwnerID != alice || milk.Owner.ID != alice {
			t.Fatalf("added %+v", milk)
		}
		created, err := time.Parse(time.RFC3339, milk.CreatedAt)
		if err != nil || !strings.HasSuffix(milk.CreatedAt, "Z") || time.Since(created) > time.Minute {
			t.Fatalf("createdAt %q: %v", milk.CreatedAt, err)
		}
		bread := add(t, aliceTok, "bake bread")
		add(t, bobTok, "bob's secret")

		if got := titles(list(t, aliceTok, "ALL")); got != "buy milk,bake bread" {
			t.Fatalf("all = %s", got)
		}

		var tg struct{ ToggleTodo todoJSON }
		c.ok(t, aliceTok, `mutation($id: ID!) { toggleTodo(id: $id) { `+todoFields+` } }`, map[string]any{"id": milk.ID}, &tg)
		if !tg.ToggleTodo.Completed || tg.ToggleTodo.ID != milk.ID {
			t.Fatalf("toggled %+v", tg.ToggleTodo)
		}
		if got := titles(list(t, aliceTok, "ACTIVE")); got != "bake bread" {
			t.Fatalf("active = %s", got)
		}
		if got := titles(list(t, aliceTok, "COMPLETED")); got != "buy milk" {
			t.Fatalf("completed = %s", got)
		}

		var del struct{ DeleteTodo string }
		c.ok(t, aliceTok, `mutation($id: ID!) { deleteTodo(id: $id) }`, map[string]any{"id": bread.ID}, &del)
		if del.DeleteTodo != bread.ID {
			t.Fatalf("deleted %q", del.DeleteTodo)
		}
		if got := titles(list(t, aliceTok, "ALL")); got != "buy milk" {
			t.Fatalf("after delete = %s", got)
		}
		if got := titles(list(t, bobTok, "ALL")); got != "bob's secret" {
			t.Fatalf("bob = %s", got)
		}
	})

	t.Run("empty title is INVALID", func(t *testing.T) {
		res := c.do(t, aliceTok, `mutation { addTodo(input: {title: "   "}) { id } }`, nil)
		if res.code() != "INVALID" {
			t.Fatalf("errors = %+v", res.Errors)
		}
	})

	t.Run("malformed id is INVALID", func(t *testing.T) {
		res := c.do(t, aliceTok, `mutation { toggleTodo(id: "nope") { id } }`, nil)
		if res.code() != "INVALID" || !strings.Contains(res.Errors[0].Message, `"nope" is not a valid todo id`) {
			t.Fatalf("errors = %+v", res.Errors)
		}
	})

	t.Run("another user's todo is NOT_FOUND", func(t *testing.T) {
		bobs := add(t, bobTok, "mine")
		missing := "65f0a0a0a0a0a0a0a0a0a0a0"
		for _, op := range []string{
			`mutation($id: ID!) { toggleTodo(id: $id) { id } }`,
			`mutation($id: ID!) { deleteTodo(id: $id) }`,
		} {
			theirs := c.do(t, aliceTok, op, map[string]any{"id": bobs.ID})
			none := c.do(t, aliceTok, op, map[string]any{"id": missing})
			if theirs.code() != "NOT_FOUND" || none.code() != "NOT_FOUND" ||
				strings.Replace(theirs.Errors[0].Message, bobs.ID, missing, 1) != none.Errors[0].Message {
				t.Fatalf("%s: theirs %+v, missing %+v", op, theirs.Errors, none.Errors)
			}
		}
		if got := list(t, bobTok, "ACTIVE"); len(got) != 2 {
			t.Fatalf("bob's todos changed: %+v", got)
		}
	})

	t.Run("anonymous is UNAUTHENTICATED", func(t *testing.T) {
		for _, op := range []string{
			`{ todos { nodes { id } } }`,
			`mutation { addTodo(input: {title: "x"}) { id } }`,
		} {
			if res := c.do(t, "", op, nil); res.code() != "UNAUTHENTICATED" {
				t.Fatalf("%s: %d %+v", op, res.status, res.Errors)
			}
		}
		if res := c.do(t, "not.a.jwt", `{ todos { nodes { id } } }`, nil); res.status != http.StatusUnauthorized || res.code() != "UNAUTHENTICATED" {
			t.Fatalf("bad token: %d %+v", res.status, res.Errors)
		}
	})

	t.Run("a stale update is CONFLICT and carries the current todo", func(t *testing.T) {
		td := add(t, aliceTok, "write report")
		var u struct{ UpdateTodo todoJSON }
		c.ok(t, aliceTok, `mutation($id: ID!, $v: Int) { updateTodo(input: {id: $id, version: $v, title: "write the report"}) { `+todoFields+` } }`,
			map[string]any{"id": td.ID, "v": td.Version}, &u)
		if u.UpdateTodo.Version != td.Version+1 || u.UpdateTodo.Title != "write the report" {
			t.Fatalf("update: %+v", u.UpdateTodo)
		}
		// Another client still holds version 1.
		res := c.do(t, aliceTok, `mutation($id: ID!, $v: Int) { updateTodo(input: {id: $id, version: $v, title: "stale edit"}) { id } }`,
			map[string]any{"id": td.ID, "v": td.Version})
		if res.code() != "CONFLICT" {
			t.Fatalf("stale update: %+v", res.Errors)
		}
		cur, _ := res.Errors[0].Extensions["current"].(map[string]any)
		if cur["title"] != "write the report" || cur["version"] != float64(td.Version+1) {
			t.Fatalf("extensions.current = %v", res.Errors[0].Extensions)
		}
		res = c.do(t, aliceTok, `mutation($id: ID!) { deleteTodo(id: $id, version: 1) }`, map[string]any{"id": td.ID})
		if res.code() != "CONFLICT" {
			t.Fatalf("stale delete: %+v", res.Errors)
		}
		var got struct{ Todo todoJSON }
		c.ok(t, aliceTok, `query($id: ID!) { todo(id: $id) { `+todoFields+` } }`, map[string]any{"id": td.ID}, &got)
		if got.Todo.Title != "write the report" {
			t.Fatalf("the stale writes changed the todo: %+v", got.Todo)
		}
	})

	t.Run("a replayed create makes no duplicate", func(t *testing.T) {
		id := "7d0000000000000000000abc"
		if backend == "postgres" {
			id = "7d0000000000000000000abd"
		}
		q := `mutation($id: ID!) { addTodo(input: {id: $id, title: "pay rent", priority: HIGH, tags: ["home", "Home", " money "], dueOn: "2026-12-01"}) { id title version } }`
		var first, again struct{ AddTodo todoJSON }
		c.ok(t, aliceTok, q, map[string]any{"id": id}, &first)
		c.ok(t, aliceTok, q, map[string]any{"id": id}, &again)
		if first.AddTodo.ID != id || again.AddTodo.ID != id || again.AddTodo.Version != 1 {
			t.Fatalf("create %+v, replay %+v", first.AddTodo, again.AddTodo)
		}
		n := 0
		for _, td := range list(t, aliceTok, "ALL") {
			if td.ID == id {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d todos with id %s after a replayed create", n, id)
		}
		var full struct {
			Todo struct {
				Tags     []string
				Priority string
				DueOn    string
			}
		}
		c.ok(t, aliceTok, `query($id: ID!) { todo(id: $id) { tags priority dueOn } }`, map[string]any{"id": id}, &full)
		if strings.Join(full.Todo.Tags, ",") != "home,money" || full.Todo.Priority != "HIGH" || full.Todo.DueOn != "2026-12-01" {
			t.Fatalf("stored %+v", full.Todo)
		}
		// Someone else cannot take the id.
		if res := c.do(t, bobTok, q, map[string]any{"id": id}); res.code() != "CONFLICT" {
			t.Fatalf("bob reusing alice's id: %+v", res.Errors)
		}
	})

	t.Run("toggle all, clear completed, items left, reorder, pages", func(t *testing.T) {
		carol := uniqueUser("carol")
		tok := is.token(t, carol, "USER")
		var ids []string
		for _, title := range []string{"one", "two", "three", "four"} {
			ids = append(ids, add(t, tok, title).ID)
		}
		var counts struct {
			TodoCounts struct{ All, Active, Completed int }
		}
		c.ok(t, tok, `{ todoCounts { all active completed } }`, nil, &counts)
		if counts.TodoCounts.Active != 4 || counts.TodoCounts.All != 4 {
			t.Fatalf("counts %+v", counts)
		}
		var mv struct{ MoveTodo todoJSON }
		c.ok(t, tok, `mutation($id: ID!, $a: ID, $b: ID) { moveTodo(id: $id, afterId: $a, beforeId: $b) { `+todoFields+` } }`,
			map[string]any{"id": ids[3], "a": ids[0], "b": ids[1]}, &mv)
		if got := titles(list(t, tok, "ALL")); got != "one,four,two,three" {
			t.Fatalf("after moving four between one and two: %s", got)
		}
		var all struct{ ToggleAll []todoJSON }
		c.ok(t, tok, `mutation { toggleAll(completed: true) { `+todoFields+` } }`, nil, &all)
		if len(all.ToggleAll) != 4 {
			t.Fatalf("toggleAll changed %d", len(all.ToggleAll))
		}
		c.ok(t, tok, `mutation($id: ID!) { toggleTodo(id: $id) { id } }`, map[string]any{"id": ids[1]}, &struct{}{})
		c.ok(t, tok, `{ todoCounts { all active completed } }`, nil, &counts)
		if counts.TodoCounts.Active != 1 || counts.TodoCounts.Completed != 3 {
			t.Fatalf("counts after toggle all and one back: %+v", counts)
		}
		var cleared struct{ ClearCompleted []string }
		c.ok(t, tok, `mutation { clearCompleted }`, nil, &cleared)
		if len(cleared.ClearCompleted) != 3 || titles(list(t, tok, "ALL")) != "two" {
			t.Fatalf("clearCompleted %v left %s", cleared.ClearCompleted, titles(list(t, tok, "ALL")))
		}
		for i := range 5 {
			add(t, tok, fmt.Sprintf("page %d", i))
		}
		var page struct {
			Todos struct {
				Nodes    []todoJSON
				PageInfo struct {
					EndCursor   string
					HasNextPage bool
				}
			}
		}
		var seen []string
		after := any(nil)
		for range 4 {
			c.ok(t, tok, `query($a: String) { todos(first: 2, after: $a) { nodes { `+todoFields+` } pageInfo { endCursor hasNextPage } } }`,
				map[string]any{"a": after}, &page)
			seen = append(seen, titles(page.Todos.Nodes))
			if !page.Todos.PageInfo.HasNextPage {
				break
			}
			after = page.Todos.PageInfo.EndCursor
		}
		if strings.Join(seen, "|") != "two,page 0|page 1,page 2|page 3,page 4" {
			t.Fatalf("pages %q", seen)
		}
	})

	t.Run("statistics: created, completed, rate, streak", func(t *testing.T) {
		dave := uniqueUser("dave")
		tok := is.token(t, dave, "USER")
		var ids []string
		for _, title := range []string{"a", "b", "c"} {
			ids = append(ids, add(t, tok, title).ID)
		}
		for _, id := range ids[:2] {
			c.ok(t, tok, `mutation($id: ID!) { toggleTodo(id: $id) { id } }`, map[string]any{"id": id}, &struct{}{})
		}
		var d struct {
			Entities []struct {
				TodoStats struct {
					Days []struct {
						Date               string
						Created, Completed int
					}
					Created, Completed int
					CompletionRate     float64
					CurrentStreak      int
				}
			} `json:"_entities"`
		}
		q := `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { todoStats(days: 7) { days { date created completed } created completed completionRate currentStreak } } } }`
		c.ok(t, tok, q, map[string]any{"r": []any{map[string]any{"__typename": "User", "id": dave}}}, &d)
		st := d.Entities[0].TodoStats
		today := time.Now().UTC().Format(time.DateOnly)
		if len(st.Days) != 7 || st.Days[6].Date != today || st.Days[6].Created != 3 || st.Days[6].Completed != 2 ||
			st.Created != 3 || st.Completed != 2 || st.CurrentStreak != 1 || st.CompletionRate < 0.66 || st.CompletionRate > 0.67 {
			t.Fatalf("stats %+v", st)
		}
		// Someone else's statistics are refused; administrators see everyone's together.
		if res := c.do(t, bobTok, q, map[string]any{"r": []any{map[string]any{"__typename": "User", "id": dave}}}); res.code() != "FORBIDDEN" {
			t.Fatalf("bob reading dave's stats: %+v", res.Errors)
		}
		if res := c.do(t, tok, `{ todoStatsAll { created } }`, nil); res.code() != "FORBIDDEN" {
			t.Fatalf("todoStatsAll as a USER: %+v", res.Errors)
		}
		var all struct {
			TodoStatsAll struct{ Created, Completed int }
		}
		c.ok(t, is.token(t, uniqueUser("admin"), "ADMIN"), `{ todoStatsAll(days: 1) { created completed } }`, nil, &all)
		if all.TodoStatsAll.Created < 3 || all.TodoStatsAll.Completed < 2 {
			t.Fatalf("todoStatsAll %+v", all)
		}
	})

	t.Run("bad input is INVALID and changes nothing", func(t *testing.T) {
		before := list(t, aliceTok, "ALL")
		for _, op := range []struct{ q, field string }{
			{`mutation { addTodo(input: {title: "` + strings.Repeat("x", 501) + `"}) { id } }`, "title"},
			{`mutation { addTodo(input: {id: "not-hex", title: "x"}) { id } }`, "id"},
			{`mutation { addTodo(input: {title: "x", tags: ["` + strings.Repeat("t", 41) + `"]}) { id } }`, "tags"},
			{`mutation { updateTodo(input: {id: "nope", title: "x"}) { id } }`, "id"},
			{`{ todos(first: 0) { nodes { id } } }`, "first"},
			{`{ todos(after: "garbage") { nodes { id } } }`, "after"},
		} {
			res := c.do(t, aliceTok, op.q, nil)
			if res.code() != "INVALID" || res.Errors[0].Extensions["field"] != op.field {
				t.Fatalf("%.60s: %+v", op.q, res.Errors)
			}
		}
		if got := list(t, aliceTok, "ALL"); len(got) != len(before) {
			t.Fatalf("bad input changed the list: %d -> %d", len(before), len(got))
		}
	})

	t.Run("only the router may call /graphql", func(t *testing.T) {
		unsigned := &client{url: c.url}
		if res := unsigned.do(t, aliceTok, `{ todos { nodes { id } } }`, nil); res.status != http.StatusForbidden || res.code() != "FORBIDDEN" {
			t.Fatalf("unsigned: %d %+v", res.status, res.Errors)
		}
	})

	t.Run("_service sdl", func(t *testing.T) {
		var d struct {
			Service struct{ SDL string } `json:"_service"`
		}
		c.ok(t, "", `{ _service { sdl } }`, nil, &d)
		for _, want := range []string{"type Todo @key(fields: \"id\")", "ownerId: ID! @inaccessible", "todoChanged"} {
			if !strings.Contains(d.Service.SDL, want) {
				t.Fatalf("sdl lacks %q:\n%s", want, d.Service.SDL)
			}
		}
	})

	t.Run("_entities Todo", func(t *testing.T) {
		mine := add(t, aliceTok, "entity")
		bobs := add(t, bobTok, "not yours")
		q := `query($r: [_Any!]!) { _entities(representations: $r) { ... on Todo { id title ownerId } } }`
		reps := []any{
			map[string]any{"__typename": "Todo", "id": mine.ID},
			map[string]any{"__typename": "Todo", "id": bobs.ID},
			map[string]any{"__typename": "Todo", "id": "bad"},
		}
		res := c.do(t, aliceTok, q, map[string]any{"r": reps})
		var d struct {
			Entities []*todoJSON `json:"_entities"`
		}
		if err := json.Unmarshal(res.Data, &d); err != nil {
			t.Fatal(err)
		}
		if len(d.Entities) != 3 || d.Entities[0] == nil || d.Entities[0].Title != "entity" || d.Entities[0].OwnerID != alice ||
			d.Entities[1] != nil || d.Entities[2] != nil {
			t.Fatalf("entities = %s", res.Data)
		}
		if len(res.Errors) != 2 || res.code() != "NOT_FOUND" {
			t.Fatalf("errors = %+v", res.Errors)
		}
		if res := c.do(t, "", q, map[string]any{"r": reps[:1]}); res.code() != "UNAUTHENTICATED" {
			t.Fatalf("anonymous: %+v", res.Errors)
		}
	})

	t.Run("_entities User with todos, several users", func(t *testing.T) {
		carol := uniqueUser("carol")
		carolTok := is.token(t, carol, "USER")
		add(t, carolTok, "carol 1")
		add(t, carolTok, "carol 2")
		admin := is.token(t, uniqueUser("admin"), "ADMIN")
		q := `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id todos { title ownerId } } } }`
		reps := []any{
			map[string]any{"__typename": "User", "id": carol},
			map[string]any{"__typename": "User", "id": alice},
			map[string]any{"__typename": "User", "id": uniqueUser("nobody")},
		}
		var d struct {
			Entities []struct {
				ID    string
				Todos []todoJSON
			} `json:"_entities"`
		}
		c.ok(t, admin, q, map[string]any{"r": reps}, &d)
		if len(d.Entities) != 3 || titles(d.Entities[0].Todos) != "carol 1,carol 2" ||
			titles(d.Entities[1].Todos) != "buy milk,write the report,pay rent,entity" || d.Entities[2].Todos == nil || len(d.Entities[2].Todos) != 0 {
			t.Fatalf("entities = %+v", d.Entities)
		}

		// A user reads their own todos through the entity, not anyone else's.
		res := c.do(t, carolTok, q, map[string]any{"r": reps[:2]})
		if err := json.Unmarshal(res.Data, &d); err != nil {
			t.Fatal(err)
		}
		if titles(d.Entities[0].Todos) != "carol 1,carol 2" || res.code() != "FORBIDDEN" {
			t.Fatalf("as carol: %s %+v", res.Data, res.Errors)
		}
	})
}

// commandCounter counts the database commands per collection.
type commandCounter struct {
	mu    sync.Mutex
	count map[string]int // "find todos", "find todo_stats", ...
}

func (c *commandCounter) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		coll, _ := e.Command.Lookup(e.CommandName).StringValueOK()
		c.mu.Lock()
		c.count[e.CommandName+" "+coll]++
		c.mu.Unlock()
	}}
}

func (c *commandCounter) reset() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.count
	c.count = map[string]int{}
	return old
}

// TestFiftyUsersOneRoundTripPerField checks through the HTTP handler that User.todos and
// User.todoStats of 50 users in one request reach the database once each.
func TestFiftyUsersOneRoundTripPerField(t *testing.T) {
	ctx := context.Background()
	ferret, err := embeddedmongo.Start(embeddedmongo.Config{SQLiteDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ferret.Stop)
	counter := &commandCounter{count: map[string]int{}}
	db, err := mongo.OpenWithMonitor(ctx, ferret.URI(), "batching", counter.monitor())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(ctx) })
	svc := todos.NewService(todos.ServiceConfig{Store: mongo.NewTodoStore(db), Stats: mongo.NewStatsStore(db)})
	var users []string
	for i := range 50 {
		u := fmt.Sprintf("user-%02d", i)
		users = append(users, u)
		for j := range i % 4 {
			td, err := svc.Create(ctx, u, todos.NewTodo{Title: fmt.Sprintf("%s-%d", u, j)})
			if err != nil {
				t.Fatal(err)
			}
			if j == 0 {
				if _, err := svc.Toggle(ctx, u, td.ID, 0); err != nil {
					t.Fatal(err)
				}
			}
		}
	}

	is := newIssuer(t)
	h := server.New(server.Deps{
		Todos:          svc,
		Verifier:       authn.NewVerifier(authn.VerifierOptions{JWKSURL: is.jwksURL, Issuer: testIssuer, Audience: testAudience}),
		InternalSecret: "s",
		Database:       db,
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c := &client{url: srv.URL, secret: "s"}

	var reps []any
	for _, u := range users {
		reps = append(reps, map[string]any{"__typename": "User", "id": u})
	}
	var d struct {
		Entities []struct {
			Todos     []todoJSON
			TodoStats struct{ Created, Completed int }
		} `json:"_entities"`
	}
	counter.reset()
	c.ok(t, is.token(t, "admin", "ADMIN"),
		`query($r: [_Any!]!) { _entities(representations: $r) { ... on User { todos { title } todoStats(days: 7) { created completed } } } }`,
		map[string]any{"r": reps}, &d)
	commands := counter.reset()
	for i, e := range d.Entities {
		want := i % 4
		completed := 0
		if want > 0 {
			completed = 1
		}
		if len(e.Todos) != want || e.TodoStats.Created != want || e.TodoStats.Completed != completed {
			t.Fatalf("user %d: %d todos, stats %+v; want %d created, %d completed", i, len(e.Todos), e.TodoStats, want, completed)
		}
	}
	if commands["find todos"] != 1 || commands["find todo_stats"] != 1 || len(commands) != 2 {
		t.Fatalf("database commands for 50 users' todos and todoStats: %v; want one find on each collection", commands)
	}
}
