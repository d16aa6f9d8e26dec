package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fedstack/bench/internal/gqlclient"
	"fedstack/bench/internal/stackprobe"
	"github.com/coder/websocket"
)

// TestMain lets the test binary act as a ramp worker, as subbench does with -worker.
func TestMain(m *testing.M) {
	for _, a := range os.Args[1:] {
		if a == "-worker" {
			if err := runWorker(os.Stdin, os.Stdout); err != nil {
				fmt.Fprintln(os.Stderr, "worker:", err)
				os.Exit(2)
			}
			os.Exit(0)
		}
	}
	os.Exit(m.Run())
}

func TestParseSteps(t *testing.T) {
	got, err := parseSteps("1000, 5_000,10000")
	if err != nil || fmt.Sprint(got) != "[1000 5000 10000]" {
		t.Fatalf("parseSteps = %v, %v", got, err)
	}
	for _, bad := range []string{"", "10,5", "1,x", "0"} {
		if _, err := parseSteps(bad); err == nil {
			t.Errorf("parseSteps(%q) accepted", bad)
		}
	}
}

func TestPprofParsersReadTheRuntimesOwnOutput(t *testing.T) {
	var g, h bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&g, 1); err != nil {
		t.Fatal(err)
	}
	if err := pprof.Lookup("heap").WriteTo(&h, 1); err != nil {
		t.Fatal(err)
	}
	n, err := parseGoroutineTotal(g.Bytes())
	if err != nil || n < 2 {
		t.Fatalf("goroutines %d, %v", n, err)
	}
	var s goStats
	parseMemStats(h.Bytes(), &s)
	if s.HeapInuse == 0 || s.StackInuse == 0 || s.Sys < s.HeapInuse || s.HeapObjs == 0 {
		t.Errorf("memstats %+v", s)
	}
	if _, err := parseGoroutineTotal([]byte("hello")); err == nil {
		t.Error("parseGoroutineTotal accepted something else")
	}
}

// fakeRouter speaks the router's part of the benchmark: signup, addTodo, and
// graphql-transport-ws subscriptions to todoChanged that receive the user's own additions.
type fakeRouter struct {
	t     *testing.T
	mu    sync.Mutex
	users map[string]string // token -> user
	subs  map[string][]*fakeSub
	seen  map[string]int // connections by the authorization they sent
	// accounts: email and password -> user
	accounts map[string]string
	// drop, when set, tells which events are lost: by the subscription's place among the
	// user's and the todo's title.
	drop func(i int, title string) bool
	// leak: every event goes to every user's subscriptions.
	leak   bool
	writes atomic.Int64
	tokens atomic.Int64 // access tokens issued
	open   atomic.Int64 // websockets open
}

type fakeSub struct {
	mu *sync.Mutex
	c  *websocket.Conn
	id string
}

func newFakeRouter(t *testing.T) (*fakeRouter, string) {
	f := &fakeRouter{t: t, users: map[string]string{}, subs: map[string][]*fakeSub{}, seen: map[string]int{}, accounts: map[string]string{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL + "/graphql"
}

func (f *fakeRouter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Upgrade") == "websocket" {
		f.ws(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req struct {
		Query     string
		Variables map[string]any
	}
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	in := map[string]string{}
	if m, ok := req.Variables["in"].(map[string]any); ok {
		for k, v := range m {
			in[k], _ = v.(string)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case strings.Contains(req.Query, "signup"):
		tok := fmt.Sprintf("tok-%d", f.tokens.Add(1)-1)
		f.users[tok] = "user-" + in["email"]
		f.accounts[in["email"]+"\x00"+in["password"]] = f.users[tok]
		fmt.Fprintf(w, `{"data":{"signup":{"accessToken":%q,"user":{"id":"u-%s"}}}}`, tok, tok)
	case strings.Contains(req.Query, "login"):
		user, ok := f.accounts[in["email"]+"\x00"+in["password"]]
		if !ok {
			fmt.Fprint(w, `{"errors":[{"message":"wrong email or password","extensions":{"code":"UNAUTHENTICATED"}}]}`)
			return
		}
		tok := fmt.Sprintf("tok-%d", f.tokens.Add(1)-1)
		f.users[tok] = user
		fmt.Fprintf(w, `{"data":{"login":{"accessToken":%q}}}`, tok)
	case strings.Contains(req.Query, "addTodo"):
		user, ok := f.users[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		if !ok {
			fmt.Fprint(w, `{"errors":[{"message":"sign in first","extensions":{"code":"UNAUTHENTICATED"}}]}`)
			return
		}
		id := fmt.Sprintf("%024d", f.writes.Add(1))
		payload, _ := json.Marshal(map[string]any{"data": map[string]any{"todoChanged": map[string]any{
			"cursor": "1-0", "kind": "CREATED", "todoId": id, "todo": map[string]string{"id": id, "title": in["title"]}}}})
		targets := f.subs[user]
		if f.leak { // every user's subscriptions
			targets = nil
			for _, subs := range f.subs {
				targets = append(targets, subs...)
			}
		}
		for i, s := range targets {
			if f.drop != nil && f.drop(i, in["title"]) {
				continue
			}
			go func() {
				msg, _ := json.Marshal(gqlclient.Message{Type: "next", ID: s.id, Payload: payload})
				s.mu.Lock()
				defer s.mu.Unlock()
				_ = s.c.Write(context.Background(), websocket.MessageText, msg)
			}()
		}
		fmt.Fprintf(w, `{"data":{"addTodo":{"id":%q,"title":%q}}}`, id, in["title"])
	default:
		http.Error(w, "unknown operation", 400)
	}
}

func (f *fakeRouter) ws(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{gqlclient.Subprotocol}})
	if err != nil {
		return
	}
	f.open.Add(1)
	defer f.open.Add(-1)
	defer c.CloseNow()
	ctx := r.Context()
	m, _, err := gqlclient.ReadMessage(ctx, c)
	var init struct{ Authorization string }
	_ = json.Unmarshal(m.Payload, &init)
	f.mu.Lock()
	user, ok := f.users[strings.TrimPrefix(init.Authorization, "Bearer ")]
	if ok {
		f.seen[init.Authorization]++
	}
	f.mu.Unlock()
	if err != nil || m.Type != "connection_init" || !ok {
		c.Close(4403, "Forbidden")
		return
	}
	mu := &sync.Mutex{}
	mu.Lock()
	_ = gqlclient.WriteMessage(ctx, c, gqlclient.Message{Type: "connection_ack"})
	mu.Unlock()
	for {
		m, _, err := gqlclient.ReadMessage(ctx, c)
		if err != nil {
			return
		}
		if m.Type == "subscribe" {
			f.mu.Lock()
			f.subs[user] = append(f.subs[user], &fakeSub{mu: mu, c: c, id: m.ID})
			f.mu.Unlock()
		}
	}
}

func testConfig(url string) config {
	return config{
		url: url, users: 3, steps: []int{6, 12}, workers: 0, concurrency: 8,
		handshake: 5 * time.Second, settle: 10 * time.Millisecond, delivery: 2 * time.Second,
		budget: time.Minute, fdReserve: 0, latencySubs: 5, writes: 10, warmWrites: 2,
		writeRate: 100, lateAfter: 50 * time.Millisecond,
	}
}

func TestRunMeasuresEveryDeliveryAndEveryStep(t *testing.T) {
	_, url := newFakeRouter(t)
	res, err := run(testConfig(url), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	l := res.Latency
	if l.Live != 5 || l.Expected != 50 || l.Deliveries != 50 || l.Missing != 0 || l.Duplicates != 0 || l.Bad != 0 || l.WriteErrors != 0 {
		t.Fatalf("latency %+v, want 50 deliveries to 5 live subscribers", l)
	}
	if l.P50MS <= 0 || l.P99MS < l.P50MS || l.MaxMS < l.P99MS || l.AllMaxMS < l.AllP50MS || l.AllP50MS < l.P50MS {
		t.Errorf("latency percentiles out of order: %+v", l)
	}
	if len(res.Steps) != 2 {
		t.Fatalf("%d steps, want 2: %+v", len(res.Steps), res.Summary)
	}
	for i, want := range []int{6, 12} {
		st := res.Steps[i]
		if st.Phase != "connections" || st.Subs != want || st.Conns != want || st.Live != want || st.Failed != 0 || st.ProbeWrites < 3 || st.ProbeWrites%3 != 0 || st.PerSecond <= 0 {
			t.Errorf("step %d: %+v", i, st)
		}
		if st.ProbeP50MS <= 0 {
			t.Errorf("step %d: no probe delivery time", i)
		}
	}
	if res.Summary.MostSubs != 12 || !strings.Contains(res.Summary.StopReason, "last step") {
		t.Errorf("summary %+v", res.Summary)
	}
	var out bytes.Buffer
	printTables(&out, res)
	for _, want := range []string{"| 5 of 5 | 10 (0) | 50 | 0 |", "| 12 connections | 12 (12) | 12 | 0 |", "not reached (most: 12)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the tables lack %q:\n%s", want, out.String())
		}
	}
}

func TestRunReportsLostDeliveries(t *testing.T) {
	f, url := newFakeRouter(t)
	// Every second subscription misses every probe, and the latency phase's fourth measured write
	// reaches nobody.
	f.drop = func(i int, title string) bool {
		return strings.HasPrefix(title, probePrefix) && i%2 == 1 || strings.HasSuffix(title, "-55") // measured write 3: index warmWrites+50+3
	}
	c := testConfig(url)
	c.users, c.steps, c.delivery = 1, []int{4, 8}, 1500*time.Millisecond
	res, err := run(c, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if l := res.Latency; l.Missing != 5 || l.Deliveries != 45 || l.Expected != 50 {
		t.Errorf("latency: %d of %d delivered, %d missing; want 45 and 5 missing", l.Deliveries, l.Expected, l.Missing)
	}
	if len(res.Steps) != 1 {
		t.Fatalf("%d steps; the ramp must stop at the first step that does not deliver", len(res.Steps))
	}
	st := res.Steps[0]
	if st.Subs != 4 || st.Live != 2 || !strings.Contains(res.Summary.StopReason, "2 of 4 subscriptions did not deliver") {
		t.Errorf("step %+v, stop reason %q", st, res.Summary.StopReason)
	}
}

func TestRampCatchesAnotherUsersChange(t *testing.T) {
	f, url := newFakeRouter(t)
	f.leak = true
	res, err := run(testConfig(url), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	st := res.Steps[0]
	if len(res.Steps) != 1 || st.Bad == 0 || !strings.Contains(res.Summary.StopReason, "wrong events") || !strings.Contains(st.LostError, "a change of another user") {
		t.Errorf("steps %d, first %+v, stop reason %q", len(res.Steps), st, res.Summary.StopReason)
	}
}

func TestRampAddsSubscriptionsWhenTheRoutersOpenFilesRunOut(t *testing.T) {
	f, url := newFakeRouter(t)
	c := testConfig(url)
	// The "router" is this process, with room for 8 connections: its open files are
	// counted as its limit less 8, plus one per open websocket.
	c.routerPID = os.Getpid()
	c.settle = 200 * time.Millisecond
	limit := stackprobe.FDLimit(c.routerPID)
	countFDs = func(int) int { return limit - 8 + int(f.open.Load()) }
	t.Cleanup(func() { countFDs = stackprobe.FDCount })
	c.steps = []int{6, 12, 18}
	res, err := run(c, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, st := range res.Steps {
		got = append(got, fmt.Sprintf("%s %d/%d/%d", st.Phase, st.Conns, st.Subs, st.Live))
	}
	want := "connections 6/6/6 connections 8/8/8 subscriptions 8/12/12 subscriptions 8/18/18"
	if strings.Join(got, " ") != want {
		t.Errorf("steps %q, want %q", strings.Join(got, " "), want)
	}
	if res.Summary.MostSubs != 18 || res.Summary.MostConns != 8 || !strings.Contains(res.Steps[1].Limited, "open-files limit") {
		t.Errorf("summary %+v, step 2 limited by %q", res.Summary, res.Steps[1].Limited)
	}
}

func TestRampSpreadsConnectionsOverDistinctTokens(t *testing.T) {
	f, url := newFakeRouter(t)
	c := testConfig(url)
	c.users, c.tokensPerUser, c.steps, c.latencySubs = 2, 3, []int{12}, 2
	res, err := run(c, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if st := res.Steps[0]; st.Subs != 12 || st.Live != 12 {
		t.Fatalf("step %+v", st)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// The latency user's 2 tokens opened one connection each; 2 users × 3 ramp tokens, 2 each.
	ones, twos := 0, 0
	for _, n := range f.seen {
		switch n {
		case 1:
			ones++
		case 2:
			twos++
		}
	}
	if len(f.seen) != 8 || ones != 2 || twos != 6 {
		t.Errorf("connections per token %v, want 2 tokens with 1 and 6 with 2", f.seen)
	}
}

func TestWorkerProcessHoldsConnections(t *testing.T) {
	f, url := newFakeRouter(t)
	c := testConfig(url)
	cl := newClient(url, 5*time.Second, 4)
	tok, err := cl.Signup(context.Background(), "w@example.com", "pw", "W")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	sh, err := newProcShard(command{Op: "init", URL: "ws" + strings.TrimPrefix(url, "http"), Tokens: []string{tok}, Concurrency: 4, Timeout: c.handshake, LocalIP: "127.0.0.11"})
	if err != nil {
		t.Fatal(err)
	}
	defer sh.close()
	r, err := sh.do(command{Op: "open", N: 5})
	if err != nil || r.Opened != 5 || r.Conns != 5 || r.Subs != 5 {
		t.Fatalf("open: %+v, %v", r, err)
	}
	if r, err = sh.do(command{Op: "addsubs", N: 3}); err != nil || r.Subs != 8 {
		t.Fatalf("addsubs: %+v, %v", r, err)
	}
	// The protocol does not acknowledge a subscription: write once the router holds all 8.
	for held := 0; held < 8; {
		if !time.Now().Before(deadline) {
			t.Fatalf("the router holds %d of the 8 subscriptions", held)
		}
		time.Sleep(5 * time.Millisecond)
		f.mu.Lock()
		held = 0
		for _, subs := range f.subs {
			held += len(subs)
		}
		f.mu.Unlock()
	}
	if _, err := cl.addTodo(context.Background(), tok, probeTitle(1, 0), nil); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(2 * time.Second)
	for r.Seen < 8 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		if r, err = sh.do(command{Op: "count", Round: 1, Times: true}); err != nil {
			t.Fatal(err)
		}
	}
	if r.Seen != 8 || len(r.At) != 8 || r.Users[0] != 0 {
		t.Fatalf("count: %+v", r)
	}
	if r, err = sh.do(command{Op: "closelast", N: 2}); err != nil || r.Conns != 3 {
		t.Fatalf("closelast: %+v, %v", r, err)
	}
	if _, err := sh.do(command{Op: "nonsense"}); err == nil {
		t.Error("the worker accepted an unknown command")
	}
}
