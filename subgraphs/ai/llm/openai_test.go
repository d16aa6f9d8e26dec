package llm_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"fedstack/platform/errs"
	"fedstack/subgraphs/ai/llm"
	"fedstack/subgraphs/ai/llm/llmtest"
)

func newProvider(t *testing.T, srv *llmtest.Server) *llm.OpenAI {
	t.Helper()
	p, err := llm.NewOpenAI(srv.URL(), "sk-test")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var chat = []llm.Message{
	{Role: llm.RoleSystem, Content: "You are terse."},
	{Role: llm.RoleUser, Content: "Say hello to the tests"},
}

// readAll reads a stream to its end, returning the chunks and the error that ended it
// (nil for io.EOF).
func readAll(t *testing.T, s llm.Stream) ([]string, error) {
	t.Helper()
	var chunks []string
	for {
		c, err := s.Recv()
		if err == io.EOF {
			return chunks, nil
		}
		if err != nil {
			return chunks, err
		}
		chunks = append(chunks, c.Text)
	}
}

func TestOpenAIStreamsChunksAndUsage(t *testing.T) {
	srv := llmtest.Start(t, llmtest.Options{
		Chunks:           []string{"Hel", "lo", ", ", "tests", "!"},
		ChunkInterval:    5 * time.Millisecond,
		PromptTokens:     17,
		CompletionTokens: 5,
		APIKey:           "sk-test",
	})
	p := newProvider(t, srv)
	s, err := p.Stream(context.Background(), llm.Request{Model: "test-model", Messages: chat, MaxTokens: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Usage() != nil {
		t.Fatal("usage known before the end")
	}
	chunks, err := readAll(t, s)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(chunks, ""); got != "Hello, tests!" || len(chunks) != 5 {
		t.Fatalf("chunks %q", chunks)
	}
	if u := s.Usage(); u == nil || u.PromptTokens != 17 || u.CompletionTokens != 5 {
		t.Fatalf("usage %+v", u)
	}
	if _, err := s.Recv(); err != io.EOF {
		t.Fatalf("Recv after the end = %v, want io.EOF", err)
	}

	req, _ := srv.LastRequest()
	if req.Model != "test-model" || !req.Stream || !req.IncludeUsage || req.MaxTokens != 64 ||
		req.Authorization != "Bearer sk-test" {
		t.Fatalf("request %+v", req)
	}
	if len(req.Messages) != 2 || req.Messages[0].Role != "system" || req.Messages[1].Content != "Say hello to the tests" {
		t.Fatalf("messages %+v", req.Messages)
	}
}

func TestOpenAIStreamWithoutUsage(t *testing.T) {
	srv := llmtest.Start(t, llmtest.Options{Text: "No usage here.", NoUsage: true})
	text, usage, err := llm.Complete(context.Background(), newProvider(t, srv), llm.Request{Model: "test-model", Messages: chat})
	if err != nil {
		t.Fatal(err)
	}
	if text != "No usage here." || usage != nil {
		t.Fatalf("text %q usage %+v", text, usage)
	}
	// The fallback: count the tokens ourselves.
	u := llm.EstimateUsage("test-model", chat, text)
	if u.PromptTokens <= 0 || u.CompletionTokens != llm.CountTokens("test-model", text) {
		t.Fatalf("estimate %+v", u)
	}
}

func TestOpenAIStreamWithoutDoneButFinished(t *testing.T) {
	srv := llmtest.Start(t, llmtest.Options{Text: "finish reason only", NoDone: true, NoUsage: true})
	text, _, err := llm.Complete(context.Background(), newProvider(t, srv), llm.Request{Model: "test-model", Messages: chat})
	if err != nil || text != "finish reason only" {
		t.Fatalf("text %q err %v", text, err)
	}
}

func TestOpenAIReasoningModelsGetMaxCompletionTokens(t *testing.T) {
	srv := llmtest.Start(t, llmtest.Options{Models: []string{"o3-mini"}})
	_, _, err := llm.Complete(context.Background(), newProvider(t, srv), llm.Request{Model: "o3-mini", Messages: chat, MaxTokens: 99})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := srv.LastRequest()
	if req.MaxTokens != 0 || req.MaxCompletionTokens != 99 {
		t.Fatalf("request %+v", req)
	}
}

func TestOpenAIRateLimited(t *testing.T) {
	srv := llmtest.Start(t, llmtest.Options{Status: http.StatusTooManyRequests, RetryAfter: 7 * time.Second, FailRequests: 1})
	p := newProvider(t, srv)
	_, err := p.Stream(context.Background(), llm.Request{Model: "test-model", Messages: chat})
	if !errors.Is(err, llm.ErrRateLimited) || errs.CodeOf(err) != errs.RateLimited {
		t.Fatalf("err = %v (code %s), want rate limited", err, errs.CodeOf(err))
	}
	var e *errs.Error
	var pe *llm.ProviderError
	if !errors.As(err, &e) || e.RetryAfter != 7*time.Second || !errors.As(err, &pe) || pe.Status != 429 {
		t.Fatalf("err %#v", err)
	}
	if !strings.Contains(e.Message, "try again in 7 s") {
		t.Fatalf("message %q", e.Message)
	}
	// The next request goes through.
	if text, _, err := llm.Complete(context.Background(), p, llm.Request{Model: "test-model", Messages: chat}); err != nil || text != llmtest.DefaultText {
		t.Fatalf("after the 429: %q %v", text, err)
	}
}

func TestOpenAIRateLimitedWithoutRetryAfter(t *testing.T) {
	srv := llmtest.Start(t, llmtest.Options{Status: http.StatusTooManyRequests})
	_, err := newProvider(t, srv).Stream(context.Background(), llm.Request{Model: "test-model", Messages: chat})
	var e *errs.Error
	if !errors.Is(err, llm.ErrRateLimited) || !errors.As(err, &e) || e.RetryAfter != 0 {
		t.Fatalf("err %v", err)
	}
}

func TestOpenAIServerError(t *testing.T) {
	srv := llmtest.Start(t, llmtest.Options{Status: http.StatusInternalServerError})
	_, err := newProvider(t, srv).Stream(context.Background(), llm.Request{Model: "test-model", Messages: chat})
	var pe *llm.ProviderError
	if !errors.Is(err, llm.ErrUnavailable) || errs.CodeOf(err) != errs.Internal || !errors.As(err, &pe) || pe.Status != 500 {
		t.Fatalf("err = %v", err)
	}
	if errors.Is(err, llm.ErrRateLimited) || errors.Is(err, llm.ErrBadRequest) {
		t.Fatalf("misclassified: %v", err)
	}
}

func TestOpenAIBadRequestUnknownModel(t *testing.T) {
	srv := llmtest.Start(t, llmtest.Options{})
	_, err := newProvider(t, srv).Stream(context.Background(), llm.Request{Model: "no-such-model", Messages: chat})
	if !errors.Is(err, llm.ErrBadRequest) || errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), "no-such-model") {
		t.Fatalf("err = %v", err)
	}
}

func TestOpenAIWrongAPIKey(t *testing.T) {
	srv := llmtest.Start(t, llmtest.Options{APIKey: "right"})
	p, _ := llm.NewOpenAI(srv.URL(), "wrong")
	_, err := p.Models(context.Background())
	var e *errs.Error
	if !errors.Is(err, llm.ErrUnavailable) || !errors.As(err, &e) || !strings.Contains(e.Message, "LLM_API_KEY") {
		t.Fatalf("err = %v", err)
	}
}

func TestOpenAIConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	p, _ := llm.NewOpenAI("http://"+addr, "")
	if p.BaseURL() != "http://"+addr+"/v1" {
		t.Fatalf("base %q", p.BaseURL())
	}
	_, err = p.Stream(context.Background(), llm.Request{Model: "m", Messages: chat})
	var e *errs.Error
	if !errors.Is(err, llm.ErrUnavailable) || !errors.As(err, &e) || !strings.Contains(e.Message, "LLM_BASE_URL") {
		t.Fatalf("err = %v", err)
	}
}

func TestOpenAISlowFirstToken(t *testing.T) {
	for _, headersLate := range []bool{false, true} {
		srv := llmtest.Start(t, llmtest.Options{FirstTokenDelay: 300 * time.Millisecond, HeadersAfterFirstToken: headersLate})
		p := newProvider(t, srv)

		// Waited for: the first chunk comes after the delay.
		start := time.Now()
		s, err := p.Stream(context.Background(), llm.Request{Model: "test-model", Messages: chat})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Recv(); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Fatalf("first chunk after %v, before the delay", d)
		}
		s.Close()

		// Cut short by the context's deadline, reported as a timeout.
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		start = time.Now()
		s, err = p.Stream(ctx, llm.Request{Model: "test-model", Messages: chat})
		if err == nil {
			_, err = s.Recv()
			s.Close()
		}
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, llm.ErrUnavailable) {
			t.Fatalf("headersLate=%v: err = %v", headersLate, err)
		}
		if d := time.Since(start); d > 250*time.Millisecond {
			t.Fatalf("timeout took %v", d)
		}
	}
}

func TestOpenAICancelIsNotAFailure(t *testing.T) {
	srv := llmtest.Start(t, llmtest.Options{ChunkInterval: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	s, err := newProvider(t, srv).Stream(ctx, llm.Request{Model: "test-model", Messages: chat})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Recv(); err != nil {
		t.Fatal(err)
	}
	cancel()
	_, err = readAll(t, s)
	if !errors.Is(err, context.Canceled) || errors.Is(err, llm.ErrInterrupted) {
		t.Fatalf("err = %v", err)
	}
}

func TestOpenAIStreamCut(t *testing.T) {
	for _, cleanly := range []bool{false, true} {
		srv := llmtest.Start(t, llmtest.Options{Text: "one two three four five six", CutAfter: 3, CutCleanly: cleanly})
		s, err := newProvider(t, srv).Stream(context.Background(), llm.Request{Model: "test-model", Messages: chat})
		if err != nil {
			t.Fatal(err)
		}
		chunks, err := readAll(t, s)
		s.Close()
		if got := strings.Join(chunks, ""); got != "one two three" {
			t.Fatalf("cleanly=%v: received %q", cleanly, got)
		}
		if err == nil || err == io.EOF || !errors.Is(err, llm.ErrInterrupted) {
			t.Fatalf("cleanly=%v: err = %v, want interrupted", cleanly, err)
		}
		if s.Usage() != nil {
			t.Fatal("usage after a cut stream")
		}
		if !strings.Contains(err.Error(), "after 3 chunks") {
			t.Fatalf("message %q", err.Error())
		}
	}
}

func TestOpenAIModels(t *testing.T) {
	srv := llmtest.Start(t, llmtest.Options{Models: []string{"llama3.2", "gpt-4o-mini", "nomic-embed-text"}})
	models, err := newProvider(t, srv).Models(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range models {
		if m.Offline || m.Name != m.ID || m.OwnedBy != "llmtest" {
			t.Fatalf("model %+v", m)
		}
		ids = append(ids, m.ID)
	}
	if strings.Join(ids, ",") != "gpt-4o-mini,llama3.2,nomic-embed-text" {
		t.Fatalf("ids %v", ids)
	}
	if models[0].ContextWindow != 128000 || models[1].ContextWindow != llm.DefaultContextWindow {
		t.Fatalf("context windows %+v", models)
	}
}

func TestOpenAIEmbeddings(t *testing.T) {
	srv := llmtest.Start(t, llmtest.Options{EmbeddingDim: 8})
	p := newProvider(t, srv)
	inputs := make([]string, 300) // more than one batch
	for i := range inputs {
		inputs[i] = strings.Repeat("x", i%7) + " chunk " + string(rune('a'+i%26))
	}
	vecs, err := p.Embed(context.Background(), "embed-model", inputs)
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != len(inputs) {
		t.Fatalf("%d vectors", len(vecs))
	}
	for i, v := range vecs {
		want := llmtest.Vector(inputs[i], 8)
		for j := range want {
			if v[j] != want[j] {
				t.Fatalf("vector %d = %v, want %v", i, v, want)
			}
		}
	}
	var batches int
	for _, r := range srv.Requests() {
		if r.Path == "/v1/embeddings" {
			batches++
			if r.Model != "embed-model" {
				t.Fatalf("model %q", r.Model)
			}
		}
	}
	if batches != 3 {
		t.Fatalf("%d batches", batches)
	}
}

func TestOpenAINoEmbeddings(t *testing.T) {
	srv := llmtest.Start(t, llmtest.Options{NoEmbeddings: true})
	_, err := newProvider(t, srv).Embed(context.Background(), "test-model", []string{"hello"})
	if !errors.Is(err, llm.ErrNoEmbeddings) {
		t.Fatalf("err = %v", err)
	}
}

func TestNewOpenAIRejectsBadURL(t *testing.T) {
	for _, u := range []string{"", "localhost:11434", "ftp://x/v1"} {
		if _, err := llm.NewOpenAI(u, ""); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("%q: err = %v", u, err)
		}
	}
	p, err := llm.NewOpenAI("http://localhost:11434/v1/", "")
	if err != nil || p.BaseURL() != "http://localhost:11434/v1" {
		t.Fatalf("%v %v", p, err)
	}
}
