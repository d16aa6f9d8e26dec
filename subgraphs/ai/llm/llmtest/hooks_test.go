package llmtest_test

import (
	"bufio"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"fedstack/subgraphs/ai/llm/llmtest"
)

type chunkSeen struct {
	request, chunk int
	text           string
	at             time.Time
}

// hookLog records what the observation hooks report.
type hookLog struct {
	mu       sync.Mutex
	requests map[int]time.Time
	contents map[int]string
	chunks   []chunkSeen
	ends     map[int]time.Time
}

func newHookLog() *hookLog {
	return &hookLog{requests: map[int]time.Time{}, contents: map[int]string{}, ends: map[int]time.Time{}}
}

func (h *hookLog) options(o llmtest.Options) llmtest.Options {
	o.OnRequest = func(i int, r llmtest.Request, at time.Time) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.requests[i] = at
		h.contents[i] = r.Messages[len(r.Messages)-1].Content
	}
	o.OnChunk = func(req, chunk int, text string, at time.Time) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.chunks = append(h.chunks, chunkSeen{req, chunk, text, at})
	}
	o.OnEnd = func(req int, at time.Time) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.ends[req] = at
	}
	return o
}

// stream posts a streamed chat completion and returns the content events' lines.
func stream(t *testing.T, url, content string) []string {
	t.Helper()
	body := fmt.Sprintf(`{"model":"test-model","stream":true,"messages":[{"role":"user","content":%q}]}`, content)
	resp, err := http.Post(url+"/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var lines []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if l := sc.Text(); strings.Contains(l, `"content":"`) && !strings.Contains(l, `"role"`) {
			lines = append(lines, l)
		}
	}
	return lines
}

// The hooks report each chat completion with its index and request, each content chunk
// after it was sent (in order, after the first-token delay), and the end of each stream.
func TestObservationHooks(t *testing.T) {
	h := newHookLog()
	srv := llmtest.NewServer(h.options(llmtest.Options{
		Reply:           func(r llmtest.Request) string { return " a-" + r.Messages[0].Content + " b c" },
		FirstTokenDelay: 30 * time.Millisecond,
		ChunkInterval:   5 * time.Millisecond,
	}))
	defer srv.Close()

	for _, q := range []string{"first", "second"} {
		if got := stream(t, srv.URL(), q); len(got) != 3 || !strings.Contains(got[0], `" a-`+q+`"`) {
			t.Fatalf("%s: content events %q", q, got)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.requests) != 2 || h.contents[0] != "first" || h.contents[1] != "second" {
		t.Fatalf("requests %v with contents %v, want indexes 0 and 1 for first and second", h.requests, h.contents)
	}
	if len(h.chunks) != 6 {
		t.Fatalf("chunks reported: %+v, want 3 per request", h.chunks)
	}
	for i, c := range h.chunks {
		req, n := i/3, i%3
		want := []string{" a-" + h.contents[req], " b", " c"}[n]
		if c.request != req || c.chunk != n || c.text != want {
			t.Errorf("chunk report %d = %+v, want request %d chunk %d %q", i, c, req, n, want)
		}
		if n == 0 && c.at.Sub(h.requests[req]) < 30*time.Millisecond {
			t.Errorf("request %d: first chunk reported %v after the request, before the first-token delay", req, c.at.Sub(h.requests[req]))
		}
		if n > 0 && c.at.Before(h.chunks[i-1].at) {
			t.Errorf("chunk report %d is earlier than the one before it", i)
		}
	}
	for req := range 2 {
		if end, ok := h.ends[req]; !ok || end.Before(h.chunks[req*3+2].at) {
			t.Errorf("request %d: end reported %v (%v), want after its last chunk", req, end, ok)
		}
	}
}

// Listen serves on the address given; a cut stream reports no end; Close stops the server.
func TestListenAndCutStream(t *testing.T) {
	h := newHookLog()
	srv, err := llmtest.Listen("127.0.0.1:0", h.options(llmtest.Options{Text: "x y z", CutAfter: 1, CutCleanly: true}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") || !strings.HasSuffix(srv.URL(), "/v1") {
		t.Fatalf("URL %q", srv.URL())
	}
	if got := stream(t, srv.URL(), "hi"); len(got) != 1 {
		t.Fatalf("content events of a stream cut after 1 chunk: %q", got)
	}
	h.mu.Lock()
	if len(h.chunks) != 1 || len(h.ends) != 0 {
		t.Errorf("cut stream: chunks %+v, ends %v; want 1 chunk and no end", h.chunks, h.ends)
	}
	h.mu.Unlock()
	srv.Close()
	if resp, err := http.Get(srv.URL() + "/models"); err == nil {
		resp.Body.Close()
		t.Fatal("the server still answers after Close")
	}
	if _, err := llmtest.Listen("not an address", llmtest.Options{}); err == nil {
		t.Fatal("Listen accepted an invalid address")
	}
}

// A client that hangs up as soon as it read "data: [DONE]" (as OpenAI clients do) still
// gets its end reported; one that leaves in the middle does not.
func TestEndReportedWhenTheClientHangsUpAfterDone(t *testing.T) {
	for round := range 20 {
		h := newHookLog()
		srv := llmtest.NewServer(h.options(llmtest.Options{Text: "x y z"}))
		body := `{"model":"test-model","stream":true,"messages":[{"role":"user","content":"hi"}]}`
		resp, err := http.Post(srv.URL()+"/chat/completions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() && sc.Text() != "data: [DONE]" {
		}
		resp.Body.Close()
		srv.Close() // waits for the handler
		h.mu.Lock()
		_, ended := h.ends[0]
		h.mu.Unlock()
		if !ended {
			t.Fatalf("round %d: the end was not reported", round)
		}
	}

	h := newHookLog()
	srv := llmtest.NewServer(h.options(llmtest.Options{Text: "x y z", ChunkInterval: 200 * time.Millisecond}))
	defer srv.Close()
	body := `{"model":"test-model","stream":true,"messages":[{"role":"user","content":"hi"}]}`
	resp, err := http.Post(srv.URL()+"/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() && !strings.Contains(sc.Text(), `"content":"x"`) {
	}
	resp.Body.Close()
	time.Sleep(800 * time.Millisecond) // the stream would have ended by now
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.ends) != 0 {
		t.Fatalf("a stream the client left after its first chunk reported its end: %v", h.ends)
	}
}
