// Package llmtest runs a local HTTP server speaking the OpenAI chat-completions, models and
// embeddings protocol, with scripted behaviours (streamed chunks at a rate, usage or none,
// 429 with Retry-After, 500, a slow first token, a stream cut in the middle, no
// embeddings), for tests and benchmarks of code that talks to a model provider. It records
// the requests it receives, and reports when each request arrived and when each chunk of an
// answer was sent (Options.OnRequest, OnChunk, OnEnd), so that a benchmark in the same
// process can tell the model's own time from the time spent by everything in between.
//
// Tests start a server with Start (it stops with the test); programs with NewServer or
// Listen, and stop it with Close.
package llmtest

import (
	"encoding/json"
	"fedstack/subgraphs/ai/llm"
	"fmt"
	"hash/fnv"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options script the server. The zero value serves model "test-model", answers
// DefaultText in word chunks as fast as it can, reports usage and offers embeddings.
type Options struct {
	// Models are the model ids listed and accepted; others get 404 model_not_found.
	// Default: {"test-model"}.
	Models []string
	// APIKey, when set, is required as "Authorization: Bearer <APIKey>" (401 otherwise).
	APIKey string

	// Text is the answer, streamed in chunks of one word each (spaces kept with the word
	// that follows them). Default: DefaultText.
	Text string
	// Chunks, when set, are the answer's chunks exactly (Text is then ignored).
	Chunks []string
	// Reply, when set, computes the answer's text from the request (Text is then ignored).
	Reply func(Request) string
	// FirstTokenDelay is the wait between the response headers and the first chunk.
	FirstTokenDelay time.Duration
	// ChunkInterval is the wait between two chunks.
	ChunkInterval time.Duration
	// HeadersAfterFirstToken delays the response headers until the first chunk is ready
	// (as some servers do), instead of sending them at once.
	HeadersAfterFirstToken bool

	// NoUsage leaves usage out even when the client asks for it with
	// stream_options.include_usage.
	NoUsage bool
	// PromptTokens and CompletionTokens are the usage reported; by default, the number of
	// words in the messages and the number of chunks.
	PromptTokens, CompletionTokens int

	// Status, when set (e.g. 429, 500, 400), answers every chat completion with that
	// status and an OpenAI error body instead of a stream.
	Status int
	// RetryAfter is sent as Retry-After (whole seconds, rounded up) with Status 429.
	RetryAfter time.Duration
	// FailRequests, when > 0, applies Status only to the next FailRequests chat
	// completions; later ones stream normally.
	FailRequests int

	// CutAfter, when > 0, drops the connection after that many chunks, without a
	// finish_reason or "data: [DONE]".
	CutAfter int
	// CutCleanly ends the response properly at CutAfter instead of dropping the TCP
	// connection (a server that stops early without saying it finished).
	CutCleanly bool
	// NoDone leaves out the final "data: [DONE]" (the finish_reason is still sent).
	NoDone bool

	// NoEmbeddings answers /v1/embeddings with 404, as a server without embeddings does.
	NoEmbeddings bool
	// EmbeddingDim is the length of the embedding vectors. Default: 16.
	EmbeddingDim int
	// Embed, when set, computes the embedding of an input (EmbeddingDim is then
	// ignored); by default vectors come from Vector, which carries no meaning.
	Embed func(input string) []float32

	// Observation (benchmarks). The hooks run on the request's goroutine, so they must be
	// quick and safe for concurrent use; nil hooks are not called.
	//
	// OnRequest is called when a chat completion arrives, before anything is answered, with
	// its index among the chat completions this server received (0, 1, ...), the request as
	// decoded, and the time its handler started.
	OnRequest func(index int, r Request, at time.Time)
	// OnChunk is called right after a content chunk of a streamed answer was written and
	// flushed to the connection, with the request's index, the chunk's index in the answer
	// (0, 1, ...) and its text. The role chunk that opens a stream is not reported.
	OnChunk func(request, chunk int, text string, at time.Time)
	// OnEnd is called after the last event of a streamed answer ("data: [DONE]", or the last
	// chunk or usage event with NoDone) was written and flushed, also when the client closes
	// the connection right after reading it; not when the stream was cut or the client went
	// away before the end.
	OnEnd func(request int, at time.Time)
}

// DefaultText is the answer when Options set none.
const DefaultText = "Hello from the local test model. It streams this sentence word by word."

// Message is a chat message as received.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Request is a request the server received.
type Request struct {
	Path                string    // "/v1/chat/completions", "/v1/embeddings" or "/v1/models"
	Model               string    // the model asked for
	Messages            []Message // chat messages
	MaxTokens           int       // max_tokens
	MaxCompletionTokens int       // max_completion_tokens
	Stream              bool      // stream was true
	IncludeUsage        bool      // stream_options.include_usage was true
	Input               []string  // embeddings input
	Authorization       string    // the Authorization header
}

// Server is a running local OpenAI-protocol server.
type Server struct {
	srv *httptest.Server

	mu       sync.Mutex
	opts     Options
	requests []Request
	failed   int
	chats    int // chat completions received (the index of the next one)
}

// Start starts a server with opts on a free local port; it stops when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := NewServer(opts)
	t.Cleanup(s.Close)
	return s
}

// NewServer starts a server with opts on a free port of 127.0.0.1, outside tests (a
// benchmark's model provider, for instance). Stop it with Close.
func NewServer(opts Options) *Server {
	s := &Server{opts: opts}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Listen starts a server with opts on addr ("127.0.0.1:8099"; port 0 picks a free one), for
// programs that must tell another process where the provider is before it starts. Stop it
// with Close.
func Listen(addr string, opts Options) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("llmtest: listening on %s: %w", addr, err)
	}
	s := &Server{opts: opts}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	_ = s.srv.Listener.Close()
	s.srv.Listener = l
	s.srv.Start()
	return s, nil
}

// URL is the base URL to give a client: the server's root followed by /v1.
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Close stops the server, dropping open connections.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Update changes the options while the server runs; later requests see the change.
func (s *Server) Update(f func(*Options)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.opts)
	s.failed = 0
}

// Requests returns the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// LastRequest returns the newest request received, and false when there was none.
func (s *Server) LastRequest() (Request, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) == 0 {
		return Request{}, false
	}
	return s.requests[len(s.requests)-1], true
}

func (s *Server) options() Options {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.opts
	if len(o.Models) == 0 {
		o.Models = []string{"test-model"}
	}
	if o.Text == "" {
		o.Text = DefaultText
	}
	if o.EmbeddingDim <= 0 {
		o.EmbeddingDim = 16
	}
	return o
}

func (s *Server) record(r Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r)
}

// recordChat records a chat completion and returns its index among them.
func (s *Server) recordChat(r Request) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r)
	s.chats++
	return s.chats - 1
}

// failNow reports whether this chat completion gets the scripted Status.
func (s *Server) failNow() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.Status == 0 {
		return false
	}
	if s.opts.FailRequests > 0 {
		if s.failed >= s.opts.FailRequests {
			return false
		}
		s.failed++
	}
	return true
}

func writeError(w http.ResponseWriter, status int, typ, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body := map[string]any{"error": map[string]any{"message": msg, "type": typ, "code": code, "param": nil}}
	_ = json.NewEncoder(w).Encode(body)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	o := s.options()
	auth := r.Header.Get("Authorization")
	if o.APIKey != "" && auth != "Bearer "+o.APIKey {
		s.record(Request{Path: r.URL.Path, Authorization: auth})
		writeError(w, http.StatusUnauthorized, "invalid_request_error", "invalid_api_key", "Incorrect API key provided.")
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/models":
		s.record(Request{Path: r.URL.Path, Authorization: auth})
		data := make([]map[string]any, len(o.Models))
		for i, m := range o.Models {
			data[i] = map[string]any{"id": m, "object": "model", "created": 1700000000, "owned_by": "llmtest"}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data})
	case r.Method == http.MethodPost && r.URL.Path == "/v1/chat/completions":
		s.chat(w, r, o, auth, time.Now())
	case r.Method == http.MethodPost && r.URL.Path == "/v1/embeddings":
		s.embeddings(w, r, o, auth)
	default:
		http.NotFound(w, r)
	}
}

type chatBody struct {
	Model               string    `json:"model"`
	Messages            []Message `json:"messages"`
	MaxTokens           int       `json:"max_tokens"`
	MaxCompletionTokens int       `json:"max_completion_tokens"`
	Stream              bool      `json:"stream"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request, o Options, auth string, arrived time.Time) {
	var body chatBody
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "invalid JSON body: "+err.Error())
		return
	}
	req := Request{Path: r.URL.Path, Model: body.Model, Messages: body.Messages, MaxTokens: body.MaxTokens,
		MaxCompletionTokens: body.MaxCompletionTokens, Stream: body.Stream,
		IncludeUsage: body.StreamOptions != nil && body.StreamOptions.IncludeUsage, Authorization: auth}
	index := s.recordChat(req)
	if o.OnRequest != nil {
		o.OnRequest(index, req, arrived)
	}
	if !contains(o.Models, body.Model) {
		writeError(w, http.StatusNotFound, "invalid_request_error", "model_not_found",
			fmt.Sprintf("The model `%s` does not exist or you do not have access to it.", body.Model))
		return
	}
	if len(body.Messages) == 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "messages must not be empty")
		return
	}
	if s.failNow() {
		switch o.Status {
		case http.StatusTooManyRequests:
			if o.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(o.RetryAfter.Seconds()))))
			}
			writeError(w, o.Status, "requests", "rate_limit_exceeded", "Rate limit reached for requests. Please try again later.")
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable:
			writeError(w, o.Status, "server_error", "", "The server had an error while processing your request.")
		default:
			writeError(w, o.Status, "invalid_request_error", "", "The request was refused by the test server.")
		}
		return
	}

	chunks := o.Chunks
	if len(chunks) == 0 {
		text := o.Text
		if o.Reply != nil {
			text = o.Reply(req)
		}
		chunks = SplitWords(text)
	}
	usage := map[string]int{"prompt_tokens": o.PromptTokens, "completion_tokens": o.CompletionTokens}
	if o.PromptTokens == 0 {
		for _, m := range body.Messages {
			usage["prompt_tokens"] += len(strings.Fields(m.Content))
		}
	}
	if o.CompletionTokens == 0 {
		usage["completion_tokens"] = len(chunks)
	}
	usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]

	if !body.Stream {
		s.whole(w, body.Model, strings.Join(chunks, ""), usage)
		return
	}

	ctx := r.Context()
	wait := func(d time.Duration) bool {
		if d <= 0 {
			return ctx.Err() == nil
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-ctx.Done():
			return false
		}
	}
	flusher := w.(http.Flusher)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	if !o.HeadersAfterFirstToken {
		w.WriteHeader(http.StatusOK)
		flusher.Flush()
	}
	id := "chatcmpl-llmtest"
	created := time.Now().Unix()
	event := func(choices []map[string]any, usage any) time.Time {
		b, _ := json.Marshal(map[string]any{"id": id, "object": "chat.completion.chunk", "created": created,
			"model": body.Model, "choices": choices, "usage": usage})
		fmt.Fprintf(w, "data: %s\n\n", b)
		flusher.Flush()
		return time.Now()
	}
	var last time.Time // when the last event was flushed
	if !wait(o.FirstTokenDelay) {
		return
	}
	event([]map[string]any{{"index": 0, "delta": map[string]any{"role": "assistant", "content": ""}, "finish_reason": nil}}, nil)
	for i, c := range chunks {
		if i > 0 && !wait(o.ChunkInterval) {
			return
		}
		if o.CutAfter > 0 && i == o.CutAfter {
			s.cut(w, o.CutCleanly)
			return
		}
		var finish any
		if i == len(chunks)-1 {
			finish = "stop"
		}
		last = event([]map[string]any{{"index": 0, "delta": map[string]any{"content": c}, "finish_reason": finish}}, nil)
		if o.OnChunk != nil {
			o.OnChunk(index, i, c, last)
		}
	}
	if req.IncludeUsage && !o.NoUsage {
		last = event([]map[string]any{}, usage)
	}
	if !o.NoDone {
		fmt.Fprint(w, "data: [DONE]\n\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			return // the client went away: the end was not delivered
		}
		last = time.Now()
	}
	// The client may close the connection as soon as it read the end, which cancels ctx:
	// the end was delivered all the same.
	if o.OnEnd != nil {
		o.OnEnd(index, last)
	}
}

// cut ends a stream in the middle: cleanly (the response ends) or by dropping the
// connection.
func (s *Server) cut(w http.ResponseWriter, cleanly bool) {
	if cleanly {
		return
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // drops the connection as well
	}
	_ = conn.Close()
}

func (s *Server) whole(w http.ResponseWriter, model, text string, usage map[string]int) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-llmtest", "object": "chat.completion", "created": time.Now().Unix(), "model": model,
		"choices": []map[string]any{{"index": 0, "message": map[string]any{"role": "assistant", "content": text},
			"finish_reason": "stop"}},
		"usage": usage,
	})
}

func (s *Server) embeddings(w http.ResponseWriter, r *http.Request, o Options, auth string) {
	var body struct {
		Model string          `json:"model"`
		Input json.RawMessage `json:"input"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "", "invalid JSON body: "+err.Error())
		return
	}
	var inputs []string
	if err := json.Unmarshal(body.Input, &inputs); err != nil {
		var one string
		if err := json.Unmarshal(body.Input, &one); err != nil {
			writeError(w, http.StatusBadRequest, "invalid_request_error", "", "input must be a string or an array of strings")
			return
		}
		inputs = []string{one}
	}
	s.record(Request{Path: r.URL.Path, Model: body.Model, Input: inputs, Authorization: auth})
	if o.NoEmbeddings {
		http.NotFound(w, r)
		return
	}
	data := make([]map[string]any, len(inputs))
	tokens := 0
	for i, in := range inputs {
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": s.vector(o, in)}
		tokens += len(strings.Fields(in))
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": body.Model,
		"usage": map[string]int{"prompt_tokens": tokens, "total_tokens": tokens}})
}

func (s *Server) vector(o Options, input string) []float32 {
	if o.Embed != nil {
		return o.Embed(input)
	}
	return Vector(input, o.EmbeddingDim)
}

// Vector is the embedding the server returns for input: dim deterministic values derived
// from the input's hash, scaled to length 1.
func Vector(input string, dim int) []float32 {
	v := make([]float64, dim)
	var norm float64
	for i := range v {
		h := fnv.New64a()
		fmt.Fprintf(h, "%d:%s", i, input)
		v[i] = float64(h.Sum64()%2001)/1000 - 1
		norm += v[i] * v[i]
	}
	out := make([]float32, dim)
	norm = math.Sqrt(norm)
	for i := range v {
		if norm > 0 {
			out[i] = float32(v[i] / norm)
		}
	}
	return out
}

// SplitWords splits text into the chunks the server streams: one word each, with the
// spaces before a word kept with it, so the chunks concatenate back to text.
func SplitWords(text string) []string { return llm.SplitWords(text) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
