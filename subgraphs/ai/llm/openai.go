package llm

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fedstack/platform/errs"

	openai "github.com/sashabaranov/go-openai"
)

// OpenAI is a Provider speaking the OpenAI HTTP protocol through go-openai:
// POST /chat/completions (streamed, with stream_options.include_usage), GET /models and
// POST /embeddings under the base URL.
//
// Servers known to speak it, and their quirks:
//   - OpenAI: base URL https://api.openai.com/v1. Reasoning models (o1, o3, o4, gpt-5,
//     gpt-6) take max_completion_tokens instead of max_tokens; this provider sends the
//     right one. Retry-After (or retry-after-ms, x-ratelimit-reset-*) comes with 429s.
//   - Ollama: base URL http://localhost:11434/v1 (the /v1 is added when the URL has no
//     path); any API key is accepted. /v1/models lists the pulled models; /v1/embeddings
//     works with an embedding model (e.g. nomic-embed-text). Its default context window
//     (num_ctx) is small and longer prompts are truncated silently: trim history first.
//   - vLLM: base URL http://host:8000/v1, API key only when started with --api-key. It
//     serves the models it was started with; /v1/embeddings answers only for an embedding
//     model (otherwise 400/404, reported as ErrNoEmbeddings).
//   - llama.cpp server: base URL http://host:8080/v1. It serves one model whatever the
//     request names; /v1/models lists it by its file name. /v1/embeddings needs the server
//     started with --embeddings (otherwise 501, reported as ErrNoEmbeddings).
//
// A stream counts as finished only when the server sent a finish_reason or the final
// "data: [DONE]"; an end of the connection before either is ErrInterrupted.
type OpenAI struct {
	client *openai.Client
	base   string
}

// OpenAIOption configures NewOpenAI.
type OpenAIOption func(*openAIConfig)

type openAIConfig struct {
	httpClient *http.Client
	org        string
}

// WithHTTPClient makes the provider use c (its timeout, if any, bounds whole streams: leave
// it 0 and bound requests with contexts).
func WithHTTPClient(c *http.Client) OpenAIOption {
	return func(cfg *openAIConfig) { cfg.httpClient = c }
}

// WithOrganization sends the OpenAI-Organization header.
func WithOrganization(org string) OpenAIOption {
	return func(cfg *openAIConfig) { cfg.org = org }
}

// NewOpenAI returns a provider for the OpenAI-compatible endpoint at baseURL (for example
// https://api.openai.com/v1 or http://localhost:11434/v1; a URL without a path gets /v1)
// authenticated with apiKey (may be empty for local servers).
func NewOpenAI(baseURL, apiKey string, opts ...OpenAIOption) (*OpenAI, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errs.E(errs.Invalid, "LLM_BASE_URL %q is not an http(s) URL such as http://localhost:11434/v1", baseURL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	if u.Path == "" {
		u.Path = "/v1"
	}
	cfg := openAIConfig{}
	for _, o := range opts {
		o(&cfg)
	}
	hc := cfg.httpClient
	if hc == nil {
		hc = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	oc := openai.DefaultConfig(apiKey)
	oc.BaseURL = u.String()
	oc.OrgID = cfg.org
	oc.HTTPClient = doer{hc}
	return &OpenAI{client: openai.NewClientWithConfig(oc), base: oc.BaseURL}, nil
}

// BaseURL returns the endpoint's base URL, with /v1 added when it had no path.
func (p *OpenAI) BaseURL() string { return p.base }

// Models lists the endpoint's models (GET /models), sorted by id.
func (p *OpenAI) Models(ctx context.Context) ([]Model, error) {
	ctx, meta := withMeta(ctx)
	list, err := p.client.ListModels(ctx)
	if err != nil {
		return nil, classify(ctx, meta, err)
	}
	out := make([]Model, 0, len(list.Models))
	for _, m := range list.Models {
		out = append(out, Model{ID: m.ID, Name: m.ID, OwnedBy: m.OwnedBy, ContextWindow: ContextWindow(m.ID)})
	}
	slices.SortFunc(out, func(a, b Model) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// usesMaxCompletionTokens reports whether a model takes max_completion_tokens and refuses
// max_tokens (OpenAI's reasoning models).
func usesMaxCompletionTokens(model string) bool {
	for _, p := range []string{"o1", "o3", "o4", "gpt-5", "gpt-6"} {
		if strings.HasPrefix(model, p) {
			return true
		}
	}
	return false
}

// Stream starts a streamed chat completion.
func (p *OpenAI) Stream(ctx context.Context, req Request) (Stream, error) {
	ctx, meta := withMeta(ctx)
	cr := openai.ChatCompletionRequest{
		Model:         req.Model,
		Stream:        true,
		StreamOptions: &openai.StreamOptions{IncludeUsage: true},
		Messages:      make([]openai.ChatCompletionMessage, len(req.Messages)),
	}
	for i, m := range req.Messages {
		cr.Messages[i] = openai.ChatCompletionMessage{Role: m.Role, Content: m.Content}
	}
	if req.MaxTokens > 0 {
		if usesMaxCompletionTokens(req.Model) {
			cr.MaxCompletionTokens = req.MaxTokens
		} else {
			cr.MaxTokens = req.MaxTokens
		}
	}
	s, err := p.client.CreateChatCompletionStream(ctx, cr)
	if err != nil {
		return nil, classify(ctx, meta, err)
	}
	return &openAIStream{ctx: ctx, meta: meta, s: s}, nil
}

type openAIStream struct {
	ctx      context.Context
	meta     *respMeta
	s        *openai.ChatCompletionStream
	usage    *Usage
	finished bool // a finish_reason arrived
	chunks   int
	err      error // sticky: returned again by later Recv calls
	closed   sync.Once
}

func (st *openAIStream) Recv() (Chunk, error) {
	if st.err != nil {
		return Chunk{}, st.err
	}
	for {
		resp, err := st.s.Recv()
		if err != nil {
			st.err = st.fail(err)
			return Chunk{}, st.err
		}
		if resp.Usage != nil {
			st.usage = &Usage{PromptTokens: resp.Usage.PromptTokens, CompletionTokens: resp.Usage.CompletionTokens}
		}
		var text string
		for _, c := range resp.Choices {
			if c.Index != 0 {
				continue
			}
			text += c.Delta.Content
			if c.FinishReason != "" {
				st.finished = true
			}
		}
		if text != "" {
			st.chunks++
			return Chunk{Text: text}, nil
		}
	}
}

// fail turns the error that ended the stream into the one Recv returns.
func (st *openAIStream) fail(err error) error {
	if errors.Is(err, io.EOF) && (st.finished || st.meta.sawDone.Load()) {
		return io.EOF
	}
	if st.ctx.Err() != nil {
		return contextError(st.ctx)
	}
	pe := &ProviderError{Kind: ErrInterrupted, Err: err}
	var apiErr *openai.APIError
	switch {
	case errors.As(err, &apiErr): // an error event inside the stream
		pe.Message = apiErr.Message
	case errors.Is(err, io.EOF):
		pe.Message = "the server closed the stream after " + strconv.Itoa(st.chunks) + " chunks without finishing"
		pe.Err = io.ErrUnexpectedEOF
	default:
		pe.Message = "the connection broke after " + strconv.Itoa(st.chunks) + " chunks: " + err.Error()
	}
	return codedError(pe)
}

func (st *openAIStream) Usage() *Usage {
	if st.err != io.EOF {
		return nil
	}
	return st.usage
}

func (st *openAIStream) Close() error {
	st.closed.Do(func() { _ = st.s.Close() })
	return nil
}

// maxEmbedBatch is the number of inputs sent in one embeddings request.
const maxEmbedBatch = 128

// Embed computes embeddings (POST /embeddings), in batches of up to 128 inputs.
func (p *OpenAI) Embed(ctx context.Context, model string, inputs []string) ([][]float32, error) {
	out := make([][]float32, 0, len(inputs))
	for start := 0; start < len(inputs); start += maxEmbedBatch {
		batch := inputs[start:min(start+maxEmbedBatch, len(inputs))]
		bctx, meta := withMeta(ctx)
		resp, err := p.client.CreateEmbeddings(bctx, openai.EmbeddingRequestStrings{
			Input: batch, Model: openai.EmbeddingModel(model), EncodingFormat: openai.EmbeddingEncodingFormatFloat,
		})
		if err != nil {
			return nil, classifyEmbed(bctx, meta, err)
		}
		vecs := make([][]float32, len(batch))
		for _, d := range resp.Data {
			if d.Index < 0 || d.Index >= len(batch) || vecs[d.Index] != nil {
				return nil, codedError(&ProviderError{Kind: ErrUnavailable, Message: "the embeddings answer has a bad index " + strconv.Itoa(d.Index)})
			}
			vecs[d.Index] = d.Embedding
		}
		for i, v := range vecs {
			if v == nil {
				return nil, codedError(&ProviderError{Kind: ErrUnavailable, Message: "the embeddings answer lacks input " + strconv.Itoa(start+i)})
			}
		}
		out = append(out, vecs...)
	}
	return out, nil
}

// classifyEmbed classifies an embeddings error: an endpoint or model without embeddings
// is ErrNoEmbeddings.
func classifyEmbed(ctx context.Context, meta *respMeta, err error) error {
	cerr := classify(ctx, meta, err)
	var pe *ProviderError
	if !errors.As(cerr, &pe) {
		return cerr
	}
	msg := strings.ToLower(pe.Message)
	switch {
	case pe.Status == http.StatusNotFound, pe.Status == http.StatusMethodNotAllowed, pe.Status == http.StatusNotImplemented,
		pe.Kind == ErrBadRequest && strings.Contains(msg, "embed") &&
			(strings.Contains(msg, "support") || strings.Contains(msg, "enable")):
		pe.Kind = ErrNoEmbeddings
		return codedError(pe)
	}
	return cerr
}

// classify turns an error of go-openai into a coded provider error.
func classify(ctx context.Context, meta *respMeta, err error) error {
	if ctx.Err() != nil {
		return contextError(ctx)
	}
	pe := &ProviderError{Kind: ErrUnavailable, Err: err}
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		pe.Status = apiErr.HTTPStatusCode
		pe.Message = apiErr.Message
	case errors.As(err, &reqErr):
		pe.Status = reqErr.HTTPStatusCode
		pe.Message = strings.TrimSpace(string(reqErr.Body))
		if len(pe.Message) > 300 {
			pe.Message = pe.Message[:300] + "…"
		}
	case errors.Is(err, openai.ErrChatCompletionInvalidModel), errors.Is(err, openai.ErrReasoningModelMaxTokensDeprecated),
		errors.Is(err, openai.ErrO1MaxTokensDeprecated):
		pe.Kind = ErrBadRequest // refused by go-openai before sending
		pe.Message = err.Error()
		return codedError(pe)
	default:
		pe.Message = err.Error()
	}
	switch s := pe.Status; {
	case s == http.StatusTooManyRequests:
		pe.Kind = ErrRateLimited
		pe.RetryAfter = meta.retryAfter
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		pe.Kind = ErrUnavailable
	case s == http.StatusRequestTimeout:
		pe.Kind = ErrUnavailable
	case s >= 400 && s < 500:
		pe.Kind = ErrBadRequest
	}
	return codedError(pe)
}

// contextError is the error when the caller's context ended: a deadline is an unavailable
// provider (it did not answer in time), a cancellation is the caller's own stop.
func contextError(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return codedError(&ProviderError{Kind: ErrUnavailable, Err: ctx.Err()})
	}
	return &errs.Error{Code: errs.Internal, Message: "generation stopped", Err: ctx.Err()}
}

// respMeta carries what go-openai does not expose from a response: the retry delay of a
// 429 and whether a stream reached "data: [DONE]".
type respMeta struct {
	retryAfter time.Duration
	sawDone    atomic.Bool
}

type metaKey struct{}

func withMeta(ctx context.Context) (context.Context, *respMeta) {
	m := &respMeta{}
	return context.WithValue(ctx, metaKey{}, m), m
}

// doer is the HTTP client handed to go-openai: it records the retry delay of a 429 and
// watches event streams for their final "data: [DONE]".
type doer struct{ c *http.Client }

func (d doer) Do(req *http.Request) (*http.Response, error) {
	resp, err := d.c.Do(req)
	if err != nil {
		return resp, err
	}
	meta, _ := req.Context().Value(metaKey{}).(*respMeta)
	if meta == nil {
		return resp, nil
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		meta.retryAfter = retryAfter(resp.Header, time.Now())
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body = &doneWatcher{ReadCloser: resp.Body, meta: meta}
	}
	return resp, nil
}

// retryAfter reads when to retry from retry-after-ms, Retry-After (seconds or an HTTP
// date), or OpenAI's x-ratelimit-reset-requests / -tokens ("1s", "6m0s"); 0 when none.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 {
			return time.Duration(s * float64(time.Second))
		}
		if t, err := http.ParseTime(v); err == nil && t.After(now) {
			return t.Sub(now)
		}
	}
	var d time.Duration
	for _, k := range []string{"X-Ratelimit-Reset-Requests", "X-Ratelimit-Reset-Tokens"} {
		if v, err := time.ParseDuration(h.Get(k)); err == nil && v > d {
			d = v
		}
	}
	return d
}

// doneWatcher passes an event stream through and notes a "data: [DONE]" line.
type doneWatcher struct {
	io.ReadCloser
	meta *respMeta
	line []byte
}

func (w *doneWatcher) Read(p []byte) (int, error) {
	n, err := w.ReadCloser.Read(p)
	for _, b := range p[:n] {
		switch {
		case b == '\n' || b == '\r':
			if l := strings.TrimSpace(string(w.line)); l == "data: [DONE]" || l == "data:[DONE]" {
				w.meta.sawDone.Store(true)
			}
			w.line = w.line[:0]
		case len(w.line) < 32:
			w.line = append(w.line, b)
		}
	}
	return n, err
}
