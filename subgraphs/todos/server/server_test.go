package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
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
	Owner     struct {
		ID string `json:"id"`
	} `json:"owner"`
}

const todoFields = `id title completed createdAt updatedAt ownerId owner { id }`

// startTodos runs the real service through server.Run with an embedded FerretDB in a temp dir.
func startTodos(t *testing.T) (*client, *issuer) {
	t.Helper()
	is := newIssuer(t)
	secret := "test-internal-secret"
	svc := platformtest.Start(t, server.Run, map[string]string{
		"REDIS_URL":           platformtest.RedisURL(t),
		"INTERNAL_SECRET":     secret,
		"FERRETDB_SQLITE_DIR": t.TempDir(),
		"JWKS_URL":            is.jwksURL,
		"JWT_ISSUER":          testIssuer,
		"JWT_AUDIENCE":        testAudience,
	})
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
	c, is := startTodos(t)
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
		var d struct{ Todos []todoJSON }
		c.ok(t, tok, `query($f: TodoFilter) { todos(filter: $f) { `+todoFields+` } }`, map[string]any{"f": filter}, &d)
		return d.Todos
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
			`{ todos { id } }`,
			`mutation { addTodo(input: {title: "x"}) { id } }`,
		} {
			if res := c.do(t, "", op, nil); res.code() != "UNAUTHENTICATED" {
				t.Fatalf("%s: %d %+v", op, res.status, res.Errors)
			}
		}
		if res := c.do(t, "not.a.jwt", `{ todos { id } }`, nil); res.status != http.StatusUnauthorized || res.code() != "UNAUTHENTICATED" {
			t.Fatalf("bad token: %d %+v", res.status, res.Errors)
		}
	})

	t.Run("only the router may call /graphql", func(t *testing.T) {
		unsigned := &client{url: c.url}
		if res := unsigned.do(t, aliceTok, `{ todos { id } }`, nil); res.status != http.StatusForbidden || res.code() != "FORBIDDEN" {
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
			titles(d.Entities[1].Todos) != "buy milk,entity" || d.Entities[2].Todos == nil || len(d.Entities[2].Todos) != 0 {
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

// countingService counts the batched owner queries of the real store.
type countingService struct {
	todos.TodoService
	byOwners atomic.Int32
}

func (s *countingService) FindTodosByOwners(ctx context.Context, ownerIDs []string) (map[string][]*todos.Todo, error) {
	s.byOwners.Add(1)
	return s.TodoService.FindTodosByOwners(ctx, ownerIDs)
}

// TestUserTodosIsOneQuery checks through the HTTP handler that User.todos of several users
// in one request reaches the database once.
func TestUserTodosIsOneQuery(t *testing.T) {
	ctx := context.Background()
	ferret, err := embeddedmongo.Start(embeddedmongo.Config{SQLiteDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ferret.Stop)
	db, err := mongo.Open(ctx, ferret.URI(), "batching")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(ctx) })
	store := &countingService{TodoService: mongo.NewTodoService(db)}
	users := []string{"u1", "u2", "u3", "u4"}
	for i, u := range users {
		for j := range i {
			if _, err := store.CreateTodo(ctx, u, fmt.Sprintf("%s-%d", u, j)); err != nil {
				t.Fatal(err)
			}
		}
	}

	is := newIssuer(t)
	h := server.New(server.Deps{
		Todos:          store,
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
		Entities []struct{ Todos []todoJSON } `json:"_entities"`
	}
	c.ok(t, is.token(t, "admin", "ADMIN"),
		`query($r: [_Any!]!) { _entities(representations: $r) { ... on User { todos { title } } } }`,
		map[string]any{"r": reps}, &d)
	for i, e := range d.Entities {
		if len(e.Todos) != i {
			t.Fatalf("user %d has %d todos: %+v", i, len(e.Todos), d.Entities)
		}
	}
	if n := store.byOwners.Load(); n != 1 {
		t.Fatalf("FindTodosByOwners called %d times for one request, want 1", n)
	}
}
