package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fedstack/platform/platformtest"
	routerserver "fedstack/router/server"
	"fedstack/subgraphs/ai/llm/llmtest"
	aiserver "fedstack/subgraphs/ai/server"
	authserver "fedstack/subgraphs/auth/server"
	todosserver "fedstack/subgraphs/todos/server"
)

const testSecret = "router-test-internal-secret"

// stack is the real auth, ai and todos subgraphs and the router, each started through its
// Run function on a free port. Requests from the router to a subgraph pass a counting
// proxy, so tests can see what the router sends. The ai subgraph's model provider is a
// local server speaking the OpenAI protocol (llm), serving "test-model".
type stack struct {
	t        testing.TB
	auth     *platformtest.Service
	ai       *platformtest.Service
	aiEnv    map[string]string
	llm      *llmtest.Server
	todos    *platformtest.Service
	router   *platformtest.Service
	authEnv  map[string]string
	toAuth   *countingProxy
	toTodos  *countingProxy
	extraEnv map[string]string
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func startStack(t testing.TB, routerEnv map[string]string) *stack {
	t.Helper()
	return startStackWithEnv(t, nil, routerEnv)
}

// startStackWithEnv starts the stack with extra variables for every service and more for
// the router.
func startStackWithEnv(t testing.TB, common, routerEnv map[string]string) *stack {
	t.Helper()
	redisURL := platformtest.RedisURL(t)
	s := &stack{t: t}
	s.authEnv = map[string]string{
		"DATABASE_URL":    platformtest.PostgresURL(t),
		"REDIS_URL":       redisURL,
		"INTERNAL_SECRET": testSecret,
		// Each stack counts its own sign-in attempts in the shared Redis.
		"RATE_LIMIT_PREFIX": "test:" + rand.Text(),
	}
	for k, v := range common {
		s.authEnv[k] = v
	}
	s.auth = platformtest.Start(t, authserver.Run, s.authEnv)
	s.authEnv["PORT"] = fmt.Sprint(s.auth.Port)
	jwks := s.auth.URL + "/.well-known/jwks.json"
	todosEnv := map[string]string{
		"REDIS_URL":           redisURL,
		"INTERNAL_SECRET":     testSecret,
		"JWKS_URL":            jwks,
		"FERRETDB_SQLITE_DIR": t.TempDir(),
	}
	for k, v := range common {
		todosEnv[k] = v
	}
	s.todos = platformtest.Start(t, todosserver.Run, todosEnv)
	s.llm = llmtest.Start(t, llmtest.Options{Models: []string{"test-model"}, ChunkInterval: 5 * time.Millisecond})
	aiEnv := map[string]string{
		"DATABASE_URL":      platformtest.PostgresURL(t),
		"REDIS_URL":         redisURL,
		"INTERNAL_SECRET":   testSecret,
		"JWKS_URL":          jwks,
		"LLM_BASE_URL":      s.llm.URL(),
		"AI_DEFAULT_MODEL":  "test-model",
		"RATE_LIMIT_PREFIX": s.authEnv["RATE_LIMIT_PREFIX"],
	}
	for k, v := range common {
		aiEnv[k] = v
	}
	s.ai = platformtest.Start(t, aiserver.Run, aiEnv)
	s.aiEnv = aiEnv
	s.toAuth = newCountingProxy(t, s.auth.URL)
	s.toTodos = newCountingProxy(t, s.todos.URL)
	env := map[string]string{
		"SUPERGRAPH_CONFIG":     filepath.Join(repoRoot(), "supergraph.yaml"),
		"INTERNAL_SECRET":       testSecret,
		"JWKS_URL":              jwks,
		"REDIS_URL":             redisURL,
		"SUBGRAPH_AUTH_URL":     s.toAuth.URL + "/graphql",
		"SUBGRAPH_AI_URL":       s.ai.URL + "/graphql",
		"SUBGRAPH_AI_WS_URL":    "ws" + strings.TrimPrefix(s.ai.URL, "http") + "/graphql",
		"SUBGRAPH_TODOS_URL":    s.toTodos.URL + "/graphql",
		"SUBGRAPH_TODOS_WS_URL": "ws" + strings.TrimPrefix(s.todos.URL, "http") + "/graphql",
		"WS_INIT_TIMEOUT":       "500ms",
		"MAX_REQUEST_BYTES":     "65536",
	}
	for _, extra := range []map[string]string{common, routerEnv} {
		for k, v := range extra {
			env[k] = v
		}
	}
	s.router = platformtest.Start(t, routerserver.Run, env)
	return s
}

// restartAuth starts the auth subgraph again on its old port with the same database.
func (s *stack) restartAuth() {
	s.auth = platformtest.Start(s.t, authserver.Run, s.authEnv)
}

// countingProxy forwards to a subgraph and counts the GraphQL requests it carries by
// their root field (`_entities`, `todos`, ...).
type countingProxy struct {
	URL    string
	mu     sync.Mutex
	counts map[string]int
	bodies []string
	total  atomic.Int64
}

func newCountingProxy(t testing.TB, target string) *countingProxy {
	u, _ := url.Parse(target)
	cp := &countingProxy{counts: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := newLocalServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var req struct {
				Query string `json:"query"`
			}
			_ = json.Unmarshal(body, &req)
			cp.mu.Lock()
			cp.counts[rootField(req.Query)]++
			cp.bodies = append(cp.bodies, string(body))
			cp.mu.Unlock()
			cp.total.Add(1)
		}
		rp.ServeHTTP(w, r)
	}))
	cp.URL = srv
	return cp
}

func (c *countingProxy) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts = map[string]int{}
	c.bodies = nil
}

func (c *countingProxy) count(field string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[field]
}

// rootField names the first field of the first selection set of an operation.
func rootField(q string) string {
	i := strings.Index(q, "{")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(q[i+1:], " \n\t")
	end := strings.IndexAny(rest, " ({\n\t}")
	if end < 0 {
		return rest
	}
	return rest[:end]
}

// gqlResponse is a decoded GraphQL response with the HTTP status and headers.
type gqlResponse struct {
	Status int
	Header http.Header
	Raw    []byte
	Data   map[string]any   `json:"data"`
	Errors []map[string]any `json:"errors"`
}

func (r *gqlResponse) errorMessages() string {
	var msgs []string
	for _, e := range r.Errors {
		msgs = append(msgs, fmt.Sprint(e["message"]))
	}
	return strings.Join(msgs, " | ")
}

type call struct {
	token  string
	accept string
	ctype  string
	method string
	raw    []byte
}

func (s *stack) post(t testing.TB, query string, variables map[string]any, c call) *gqlResponse {
	t.Helper()
	body := c.raw
	if body == nil {
		payload := map[string]any{"query": query}
		if variables != nil {
			payload["variables"] = variables
		}
		body, _ = json.Marshal(payload)
	}
	method := c.method
	if method == "" {
		method = http.MethodPost
	}
	req, _ := http.NewRequest(method, s.router.URL+"/graphql", bytes.NewReader(body))
	ctype := c.ctype
	if ctype == "" {
		ctype = "application/json"
	}
	req.Header.Set("Content-Type", ctype)
	if c.accept != "" {
		req.Header.Set("Accept", c.accept)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return do(t, req)
}

func do(t testing.TB, req *http.Request) *gqlResponse {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := &gqlResponse{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("response is not JSON: %v\n%s", err, raw)
		}
	}
	return out
}

// signup creates a user through the router and returns its access token and id.
func (s *stack) signup(t testing.TB, name string) (token, id string) {
	t.Helper()
	email := fmt.Sprintf("%s-%d@example.com", strings.ToLower(name), time.Now().UnixNano())
	r := s.post(t, `mutation($in: SignupInput!) { signup(input: $in) { accessToken user { id name } } }`,
		map[string]any{"in": map[string]any{"email": email, "password": "correct horse battery", "name": name}}, call{})
	if len(r.Errors) > 0 || r.Status != 200 {
		t.Fatalf("signup: %d %s", r.Status, r.Raw)
	}
	p := r.Data["signup"].(map[string]any)
	return p["accessToken"].(string), p["user"].(map[string]any)["id"].(string)
}

func (s *stack) addTodo(t testing.TB, token, title string) string {
	t.Helper()
	r := s.post(t, `mutation($t: String!) { addTodo(input: {title: $t}) { id } }`, map[string]any{"t": title}, call{token: token})
	if len(r.Errors) > 0 {
		t.Fatalf("addTodo: %s", r.Raw)
	}
	return r.Data["addTodo"].(map[string]any)["id"].(string)
}

func waitFor(t testing.TB, what string, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: not within %s", what, limit)
}

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// nodes returns the nodes of a connection in a decoded response (nil when absent).
func nodes(conn any) []any {
	m, _ := conn.(map[string]any)
	list, _ := m["nodes"].([]any)
	return list
}
