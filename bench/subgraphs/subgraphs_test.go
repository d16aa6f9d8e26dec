package subgraphs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fedstack/bench/subgraphs"
)

// syncBuffer is an io.Writer safe for Run's goroutine and the test's reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestRun checks the command's contract: one JSON line per subgraph with its URL, then
// {"ready":true}; every subgraph answers at its URL and serves its schema in _service; Run
// returns when its context ends.
func TestRun(t *testing.T) {
	env := map[string]string{
		"BENCH_ACCOUNTS_PORT": "0", "BENCH_INVENTORY_PORT": "0",
		"BENCH_PRODUCTS_PORT": "0", "BENCH_REVIEWS_PORT": "0",
	}
	out := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- subgraphs.Run(ctx, func(k string) string { return env[k] }, out) }()
	t.Cleanup(cancel)

	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), `{"ready":true}`) {
		select {
		case err := <-done:
			t.Fatalf("Run returned before ready: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ready line within 10 s:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(subgraphs.Names)+1 || lines[len(lines)-1] != `{"ready":true}` {
		t.Fatalf("output:\n%s", out.String())
	}
	for i, name := range subgraphs.Names {
		var sg subgraphs.Subgraph
		if err := json.Unmarshal([]byte(lines[i]), &sg); err != nil || sg.Name != name ||
			!strings.HasPrefix(sg.URL, "http://127.0.0.1:") || !strings.HasSuffix(sg.URL, "/graphql") {
			t.Fatalf("line %d: %s, want {\"subgraph\":%q,\"url\":\"http://127.0.0.1:PORT/graphql\"}", i+1, lines[i], name)
		}
		schema, err := os.ReadFile(filepath.Join(name, "schema.graphqls"))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post(sg.URL, "application/json", strings.NewReader(`{"query":"{ _service { sdl } }"}`))
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Data struct {
				Service struct{ SDL string } `json:"_service"`
			} `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil || strings.TrimSpace(got.Data.Service.SDL) != strings.TrimSpace(string(schema)) {
			t.Errorf("%s: _service.sdl is not %s/schema.graphqls (err %v):\n%s", name, name, err, got.Data.Service.SDL)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v after its context ended", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10 s of its context ending")
	}
}

func TestRunRejectsBadPorts(t *testing.T) {
	env := map[string]string{"BENCH_REVIEWS_PORT": "http"}
	err := subgraphs.Run(context.Background(), func(k string) string { return env[k] }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "BENCH_REVIEWS_PORT") {
		t.Fatalf("Run with BENCH_REVIEWS_PORT=http returned %v, want an error naming it", err)
	}
}

// nestedQueryFetches are the subgraph requests our router makes for one benchmark nested
// query (bench/query.graphql), in the order it makes them (the two identical inventory
// fetches at the end, one per branch of the query, are sometimes deduplicated into one).
var nestedQueryFetches = []struct{ subgraph, body string }{
	{"accounts", `{"query":"{users {id username name __typename}}"}`},
	{"products", `{"query":"{topProducts {name price upc weight __typename}}"}`},
	{"reviews", `{"query":"query($representations: [_Any!]!){_entities(representations: $representations){... on User {__typename reviews {id body product {upc reviews {id body author {id username reviews {id body product {upc __typename}} __typename}} __typename}}}}}","variables":{"representations":[{"__typename":"User","id":"1"},{"__typename":"User","id":"2"},{"__typename":"User","id":"3"},{"__typename":"User","id":"4"},{"__typename":"User","id":"5"},{"__typename":"User","id":"6"}]}}`},
	{"reviews", `{"query":"query($representations: [_Any!]!){_entities(representations: $representations){... on Product {__typename reviews {id body author {id username reviews {id body product {upc __typename}} __typename}}}}}","variables":{"representations":[{"__typename":"Product","upc":"1"},{"__typename":"Product","upc":"2"},{"__typename":"Product","upc":"3"},{"__typename":"Product","upc":"4"},{"__typename":"Product","upc":"5"}]}}`},
	{"inventory", `{"query":"query($representations: [_Any!]!){_entities(representations: $representations){... on Product {__typename inStock shippingEstimate}}}","variables":{"representations":[{"__typename":"Product","upc":"1","price":899,"weight":100},{"__typename":"Product","upc":"2","price":1299,"weight":1000},{"__typename":"Product","upc":"3","price":15,"weight":20},{"__typename":"Product","upc":"4","price":499,"weight":100},{"__typename":"Product","upc":"5","price":1299,"weight":1000}]}}`},
	{"products", `{"query":"query($representations: [_Any!]!){_entities(representations: $representations){... on Product {__typename name price weight}}}","variables":{"representations":[{"__typename":"Product","upc":"1"}]}}`},
	{"accounts", `{"query":"query($representations: [_Any!]!){_entities(representations: $representations){... on User {__typename name}}}","variables":{"representations":[{"__typename":"User","id":"1"}]}}`},
	{"inventory", `{"query":"query($representations: [_Any!]!){_entities(representations: $representations){... on Product {__typename inStock shippingEstimate}}}","variables":{"representations":[{"__typename":"Product","upc":"1","price":899,"weight":100}]}}`},
	{"inventory", `{"query":"query($representations: [_Any!]!){_entities(representations: $representations){... on Product {__typename inStock shippingEstimate}}}","variables":{"representations":[{"__typename":"Product","upc":"1","price":899,"weight":100}]}}`},
}

// TestNestedQueryFetches checks that every fetch of the benchmark answers without errors.
func TestNestedQueryFetches(t *testing.T) {
	for _, f := range nestedQueryFetches {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(f.body))
		req.Header.Set("Content-Type", "application/json")
		subgraphs.NewServeMux(f.subgraph).ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), `"errors"`) {
			t.Errorf("%s: status %d: %.300s", f.subgraph, rec.Code, rec.Body.String())
		}
	}
}

// BenchmarkNestedQueryFetches measures what the four subgraphs spend on one benchmark
// nested query (all its fetches, in-process, no network): the load target's share.
func BenchmarkNestedQueryFetches(b *testing.B) {
	muxes := map[string]http.Handler{}
	for _, n := range subgraphs.Names {
		muxes[n] = subgraphs.NewServeMux(n)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range nestedQueryFetches {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(f.body))
			req.Header.Set("Content-Type", "application/json")
			muxes[f.subgraph].ServeHTTP(rec, req)
		}
	}
}
