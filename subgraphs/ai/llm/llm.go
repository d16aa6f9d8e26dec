// Package llm is the model-provider layer of the ai subgraph: a Provider streams chat
// completions, lists its models and computes embeddings. Two providers exist: NewOpenAI
// speaks the OpenAI protocol (OpenAI, Ollama, vLLM, a llama.cpp server) and Offline is a
// built-in model that needs no network, used when nothing is configured. CountTokens and
// CountMessageTokens count tokens with tiktoken encodings embedded in the binary.
//
// Every error a provider returns is an *errs.Error (code RATE_LIMITED, INVALID or INTERNAL)
// wrapping a *ProviderError, so both errs.CodeOf and errors.Is with ErrRateLimited,
// ErrUnavailable, ErrBadRequest, ErrInterrupted and ErrNoEmbeddings work on it. When the
// caller's context ends, the error also matches context.Canceled or
// context.DeadlineExceeded.
package llm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"fedstack/platform/errs"
)

// Roles of a chat message.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one message of a conversation sent to a model.
type Message struct {
	Role    string // RoleSystem, RoleUser or RoleAssistant
	Content string
}

// Request asks a model to continue a conversation.
type Request struct {
	Model     string    // the model's id, as listed by Models
	Messages  []Message // the conversation, oldest first
	MaxTokens int       // upper bound on the answer's tokens; 0 leaves it to the provider
}

// Model describes a model a provider offers.
type Model struct {
	ID      string // what Request.Model names
	Name    string // what a person reads
	OwnedBy string // the owner the endpoint reports, when it does
	// Offline is true for the built-in model that answers without a network.
	Offline bool
	// ContextWindow is the number of tokens of prompt and answer the model accepts, from
	// ContextWindow(ID); the model registry may know better.
	ContextWindow int
}

// Chunk is a piece of a streamed answer.
type Chunk struct {
	Text string
}

// Usage is the token count of one completion.
type Usage struct {
	PromptTokens     int
	CompletionTokens int
}

// Stream is an answer arriving in chunks. It is read by one goroutine; Close may be called
// from any goroutine and stops the stream early.
type Stream interface {
	// Recv returns the next chunk, io.EOF after the last one, or an error when the stream
	// fails (a stream cut in the middle matches ErrInterrupted, never io.EOF).
	Recv() (Chunk, error)
	// Usage returns the token counts the provider reported, once Recv has returned io.EOF;
	// nil when the provider reported none (count with CountMessageTokens and CountTokens).
	Usage() *Usage
	// Close releases the stream; it is safe to call more than once.
	Close() error
}

// Provider is a source of models.
type Provider interface {
	// Models lists the models the provider offers.
	Models(ctx context.Context) ([]Model, error)
	// Stream starts an answer to req. Errors that happen before the first chunk (rate
	// limit, unavailable provider, bad request) are returned here or by the first Recv.
	Stream(ctx context.Context, req Request) (Stream, error)
	// Embed returns one vector per input, in order. It returns an error matching
	// ErrNoEmbeddings when the provider offers no embeddings.
	Embed(ctx context.Context, model string, inputs []string) ([][]float32, error)
}

// The kinds of provider errors; match them with errors.Is.
var (
	// ErrRateLimited: the provider refused the request for now (HTTP 429); the *errs.Error
	// carries RetryAfter when the provider said when to retry.
	ErrRateLimited = errors.New("rate limited by the model provider")
	// ErrUnavailable: the provider could not be reached, failed (5xx), refused the API key,
	// or did not answer before the context's deadline.
	ErrUnavailable = errors.New("model provider unavailable")
	// ErrBadRequest: the provider refused the request itself (unknown model, prompt too
	// long, invalid parameters).
	ErrBadRequest = errors.New("request refused by the model provider")
	// ErrInterrupted: a stream stopped before the model finished its answer.
	ErrInterrupted = errors.New("model stream interrupted")
	// ErrNoEmbeddings: the provider has no embeddings endpoint or model.
	ErrNoEmbeddings = errors.New("the model provider offers no embeddings")
)

// ProviderError is the detail of a provider failure. It matches its Kind with errors.Is
// and unwraps to the underlying error.
type ProviderError struct {
	Kind       error         // ErrRateLimited, ErrUnavailable, ErrBadRequest, ErrInterrupted or ErrNoEmbeddings
	Status     int           // the HTTP status, when there was one
	RetryAfter time.Duration // for ErrRateLimited, when the provider said
	Message    string        // the provider's own message, when it gave one
	Err        error         // the underlying error
}

// Error describes the failure with the provider's message.
func (e *ProviderError) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.Error())
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	switch {
	case e.Message != "":
		b.WriteString(": " + e.Message)
	case e.Err != nil:
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Is reports whether target is the error's kind.
func (e *ProviderError) Is(target error) bool { return target == e.Kind }

// Unwrap returns the underlying error.
func (e *ProviderError) Unwrap() error { return e.Err }

// codedError wraps pe into the *errs.Error a provider returns, with a message that says
// what to do.
func codedError(pe *ProviderError) *errs.Error {
	e := &errs.Error{Err: pe}
	switch pe.Kind {
	case ErrRateLimited:
		e.Code = errs.RateLimited
		e.RetryAfter = pe.RetryAfter
		if pe.RetryAfter > 0 {
			e.Message = fmt.Sprintf("the model provider is rate limiting requests; try again in %d s",
				errs.RetryAfterSeconds(pe.RetryAfter))
		} else {
			e.Message = "the model provider is rate limiting requests; try again shortly"
		}
	case ErrBadRequest:
		e.Code = errs.Invalid
		e.Message = "the model provider refused the request"
		if pe.Message != "" {
			e.Message += ": " + pe.Message
		}
	case ErrInterrupted:
		e.Code = errs.Internal
		e.Message = "the model's answer was cut off before it finished; regenerate to try again"
	case ErrNoEmbeddings:
		e.Code = errs.Invalid
		e.Message = "the model provider offers no embeddings; use full-text search instead"
	default:
		e.Code = errs.Internal
		switch {
		case pe.Status == 401 || pe.Status == 403:
			e.Message = "the model provider refused the API key; check LLM_API_KEY"
		case errors.Is(pe.Err, context.DeadlineExceeded):
			e.Message = "the model provider did not answer in time; try again"
		case pe.Status != 0:
			e.Message = "the model provider failed; try again shortly"
		default:
			e.Message = "the model provider cannot be reached; check LLM_BASE_URL and that the server is running"
		}
	}
	return e
}

// Complete reads a whole answer from p: the concatenated chunks and the usage the provider
// reported (nil when it reported none).
func Complete(ctx context.Context, p Provider, req Request) (string, *Usage, error) {
	s, err := p.Stream(ctx, req)
	if err != nil {
		return "", nil, err
	}
	defer s.Close()
	var b strings.Builder
	for {
		c, err := s.Recv()
		if err == io.EOF {
			return b.String(), s.Usage(), nil
		}
		if err != nil {
			return b.String(), nil, err
		}
		b.WriteString(c.Text)
	}
}
