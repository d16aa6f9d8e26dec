package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fedstack/bench/expected"
	"fedstack/bench/subgraphs"
	"fedstack/bench/subgraphs/products"
	"fedstack/platform/platformtest"
	routerserver "fedstack/router/server"
)

// Load phase of TestRouterBenchmark.
const (
	loadWorkers  = 8
	loadDuration = 3 * time.Second
)

// fixture is a benchmark query and its exact expected response.
type fixture struct {
	name     string
	query    string
	expected []byte // compact
}

func loadFixture(t *testing.T, name, queryFile, expectedFile string) fixture {
	t.Helper()
	q, err := os.ReadFile(queryFile)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(expectedFile)
	if err != nil {
		t.Fatal(err)
	}
	want := compact(t, raw)
	// The committed file must be what the generator computes from the subgraphs' data now.
	fresh, err := expected.Response(string(q))
	if err != nil {
		t.Fatalf("computing the response to %s: %v", queryFile, err)
	}
	if !bytes.Equal(fresh, want) {
		t.Fatalf("%s is stale (run `go generate` in bench/): %s", expectedFile, shortDiff(fresh, want))
	}
	return fixture{name: name, query: string(q), expected: want}
}

// TestRouterBenchmark runs the benchmark's nested query and a single-subgraph query through
// the router, over the four benchmark subgraphs, from 8 concurrent workers for a few
// seconds, and checks that every answer is exactly the expected response.
func TestRouterBenchmark(t *testing.T) {
	nested := loadFixture(t, "nested", "query.graphql", "expected.json")
	single := loadFixture(t, "single", "single.graphql", "single-expected.json")

	sgs, err := subgraphs.Start("127.0.0.1", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = sgs.Shutdown(ctx)
	})
	// The router reaches inventory through a second instance that inspects every
	// representation it is sent: shippingEstimate @requires price and weight, so each must
	// carry the products subgraph's values.
	reqs := &requiresCheck{}
	inventory := httptest.NewServer(reqs.wrap(subgraphs.NewServeMux("inventory")))
	t.Cleanup(inventory.Close)

	config, err := filepath.Abs("supergraph.yaml")
	if err != nil {
		t.Fatal(err)
	}
	router := platformtest.Start(t, routerserver.Run, map[string]string{
		"SUPERGRAPH_CONFIG":      config,
		"SUBGRAPH_ACCOUNTS_URL":  sgs.URL("accounts"),
		"SUBGRAPH_INVENTORY_URL": inventory.URL + "/graphql",
		"SUBGRAPH_PRODUCTS_URL":  sgs.URL("products"),
		"SUBGRAPH_REVIEWS_URL":   sgs.URL("reviews"),
	})
	endpoint := router.URL + "/graphql"
	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 2 * loadWorkers, Proxy: nil},
	}
	t.Cleanup(client.CloseIdleConnections)

	t.Run("straight to the subgraphs, each answers its part of the nested query", func(t *testing.T) {
		checkSubgraphParts(t, client, sgs, nested.expected)
	})

	t.Run("the router answers expected.json and single-expected.json", func(t *testing.T) {
		for _, f := range []fixture{nested, single} {
			if got, err := post(client, endpoint, f.query); err != nil {
				t.Errorf("%s query: %v", f.name, err)
			} else if !bytes.Equal(got, f.expected) {
				t.Errorf("%s query: the router's answer differs from the expected response: %s", f.name, shortDiff(got, f.expected))
			}
		}
		if t.Failed() {
			t.FailNow()
		}
	})

	t.Run("under load every answer is exact", func(t *testing.T) {
		var (
			checked  [2]atomic.Int64
			failures atomic.Int64
			wg       sync.WaitGroup
		)
		fixtures := [2]fixture{nested, single}
		deadline := time.Now().Add(loadDuration)
		for w := range loadWorkers {
			wg.Go(func() {
				for i := w; time.Now().Before(deadline) && failures.Load() < 3; i++ {
					f := fixtures[i%2]
					got, err := post(client, endpoint, f.query)
					if err == nil && !bytes.Equal(got, f.expected) {
						err = fmt.Errorf("answer differs from the expected response: %s", shortDiff(got, f.expected))
					}
					if err != nil {
						if failures.Add(1) <= 3 {
							t.Errorf("worker %d, request %d (%s query): %v", w, i, f.name, err)
						}
						continue
					}
					checked[i%2].Add(1)
				}
			})
		}
		wg.Wait()
		n, s := checked[0].Load(), checked[1].Load()
		t.Logf("checked %d answers through the router in %s from %d workers: %d to the nested query, %d to the single-subgraph query", n+s, loadDuration, loadWorkers, n, s)
		if n == 0 || s == 0 {
			t.Errorf("no answer checked for one of the queries")
		}
	})

	if calls, bad := reqs.result(); calls == 0 {
		t.Errorf("the inventory subgraph was never asked for _entities")
	} else if bad != "" {
		t.Errorf("inventory _entities representations lack the @requires fields: %s", bad)
	} else {
		t.Logf("inventory got %d _entities requests, every representation with the products' price and weight", calls)
	}
}

// post sends a GraphQL query and returns the compacted body of a 200 answer.
func post(client *http.Client, url, query string) ([]byte, error) {
	body, _ := json.Marshal(map[string]any{"query": query})
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json, application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %s: %.300s", resp.Status, raw)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, fmt.Errorf("answer is not JSON (%v): %.300s", err, raw)
	}
	return buf.Bytes(), nil
}

func compact(t *testing.T, raw []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, bytes.TrimSpace(raw)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// shortDiff describes where got and want first differ: the JSON path of the first differing
// value when they decode differently, and the bytes around the first differing byte.
func shortDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	around := func(b []byte) string {
		lo, hi := max(i-80, 0), min(i+80, len(b))
		return string(b[lo:hi])
	}
	msg := fmt.Sprintf("%d bytes, want %d; first difference at byte %d:\n  got:  …%s…\n  want: …%s…", len(got), len(want), i, around(got), around(want))
	var g, w any
	if json.Unmarshal(got, &g) == nil && json.Unmarshal(want, &w) == nil {
		if path, gv, wv, ok := firstDifference("$", g, w); ok {
			msg += fmt.Sprintf("\n  first differing value at %s: got %.200s, want %.200s", path, jsonText(gv), jsonText(wv))
		} else {
			msg += "\n  (same values: only the order of keys or the formatting differs)"
		}
	}
	return msg
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// firstDifference walks two decoded JSON values and returns the path of the first place
// where they differ.
func firstDifference(path string, got, want any) (string, any, any, bool) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path, got, want, true
		}
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, gok := g[k]
			wv, wok := w[k]
			if !gok || !wok {
				return path + "." + k, gv, wv, true
			}
			if p, a, b, ok := firstDifference(path+"."+k, gv, wv); ok {
				return p, a, b, true
			}
		}
		return "", nil, nil, false
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return path, got, want, true
		}
		for i := range w {
			if p, a, b, ok := firstDifference(fmt.Sprintf("%s[%d]", path, i), g[i], w[i]); ok {
				return p, a, b, true
			}
		}
		return "", nil, nil, false
	}
	if !reflect.DeepEqual(got, want) {
		return path, got, want, true
	}
	return "", nil, nil, false
}

// requiresCheck inspects the inventory subgraph's _entities requests: each representation
// must carry the product's price and weight from the products subgraph.
type requiresCheck struct {
	mu    sync.Mutex
	calls int
	bad   string
}

func (c *requiresCheck) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			c.inspect(body)
		}
		next.ServeHTTP(w, r)
	})
}

func (c *requiresCheck) inspect(body []byte) {
	var req struct {
		Query     string `json:"query"`
		Variables struct {
			Representations []struct {
				Typename string `json:"__typename"`
				UPC      string `json:"upc"`
				Price    *int   `json:"price"`
				Weight   *int   `json:"weight"`
			} `json:"representations"`
		} `json:"variables"`
	}
	if json.Unmarshal(body, &req) != nil || !strings.Contains(req.Query, "_entities") {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if c.bad != "" {
		return
	}
	if len(req.Variables.Representations) == 0 {
		c.bad = "no representations in " + string(body)
	}
	for _, rep := range req.Variables.Representations {
		p := products.ProductByUPC(rep.UPC)
		if p == nil || rep.Price == nil || rep.Weight == nil || *rep.Price != p.Price || *rep.Weight != p.Weight {
			c.bad = string(body)
			return
		}
	}
}

func (c *requiresCheck) result() (int, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls, c.bad
}

// shape selects fields of decoded JSON: a field maps to the shape of its value (nil for a
// leaf).
type shape map[string]shape

// project keeps the fields of v that s names (applied to every element of a list).
func project(v any, s shape) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = project(e, s)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, sub := range s {
			out[k] = project(v[k], sub)
		}
		return out
	}
	return v
}

// checkSubgraphParts asks each subgraph directly (no gateway) for the part of the nested
// query it owns, and compares its answer with the same part of the expected response.
func checkSubgraphParts(t *testing.T, client *http.Client, sgs *subgraphs.Servers, nestedExpected []byte) {
	var exp struct {
		Data struct {
			Users       []any `json:"users"`
			TopProducts []any `json:"topProducts"`
		} `json:"data"`
	}
	if err := json.Unmarshal(nestedExpected, &exp); err != nil {
		t.Fatal(err)
	}
	if len(exp.Data.Users) != 6 || len(exp.Data.TopProducts) != 5 {
		t.Fatalf("expected.json has %d users and %d top products, want 6 and 5", len(exp.Data.Users), len(exp.Data.TopProducts))
	}
	topRep := func(extra bool) []any {
		var reps []any
		for _, p := range exp.Data.TopProducts {
			m := p.(map[string]any)
			rep := map[string]any{"__typename": "Product", "upc": m["upc"]}
			if extra {
				rep["price"], rep["weight"] = m["price"], m["weight"]
			}
			reps = append(reps, rep)
		}
		return reps
	}
	var userReps []any
	for _, u := range exp.Data.Users {
		userReps = append(userReps, map[string]any{"__typename": "User", "id": u.(map[string]any)["id"]})
	}
	const entities = `query($r: [_Any!]!) { _entities(representations: $r) { %s } }`
	reviewShape := shape{"id": nil, "body": nil}
	authorReviews := shape{"id": nil, "body": nil, "product": shape{"upc": nil}}
	cases := []struct {
		subgraph string
		query    string
		vars     map[string]any
		field    string // the answer's root field
		want     any
	}{
		{"accounts", `{ users { id username name } }`, nil, "users",
			project(exp.Data.Users, shape{"id": nil, "username": nil, "name": nil})},
		{"products", `{ topProducts { name price upc weight } }`, nil, "topProducts",
			project(exp.Data.TopProducts, shape{"name": nil, "price": nil, "upc": nil, "weight": nil})},
		{"inventory", fmt.Sprintf(entities, `... on Product { upc inStock shippingEstimate }`), map[string]any{"r": topRep(true)}, "_entities",
			project(exp.Data.TopProducts, shape{"upc": nil, "inStock": nil, "shippingEstimate": nil})},
		{"reviews", fmt.Sprintf(entities, `... on Product { upc reviews { id body author { id username reviews { id body product { upc } } } } }`), map[string]any{"r": topRep(false)}, "_entities",
			project(exp.Data.TopProducts, shape{"upc": nil, "reviews": shape{"id": nil, "body": nil,
				"author": shape{"id": nil, "username": nil, "reviews": authorReviews}}})},
		{"reviews", fmt.Sprintf(entities, `... on User { id reviews { id body product { upc reviews { id body } } } }`), map[string]any{"r": userReps}, "_entities",
			project(exp.Data.Users, shape{"id": nil, "reviews": shape{"id": nil, "body": nil,
				"product": shape{"upc": nil, "reviews": reviewShape}}})},
	}
	for _, c := range cases {
		body, _ := json.Marshal(map[string]any{"query": c.query, "variables": c.vars})
		resp, err := client.Post(sgs.URL(c.subgraph), "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", c.subgraph, err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var got struct {
			Data   map[string]any `json:"data"`
			Errors []any          `json:"errors"`
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &got) != nil || len(got.Errors) > 0 {
			t.Errorf("%s %s: status %d: %.500s", c.subgraph, c.query, resp.StatusCode, raw)
			continue
		}
		if path, g, w, differ := firstDifference("$."+c.field, got.Data[c.field], c.want); differ {
			t.Errorf("%s %s: its answer differs from expected.json at %s: got %.200s, want %.200s", c.subgraph, c.query, path, jsonText(g), jsonText(w))
		}
	}
}
