package llm

import (
	"strings"
	"sync"

	"github.com/pkoukk/tiktoken-go"
	tiktokenloader "github.com/pkoukk/tiktoken-go-loader"
)

// The tiktoken encodings CountTokens uses.
const (
	EncodingCL100K = "cl100k_base" // GPT-4, GPT-3.5, embeddings; the fallback for unknown models
	EncodingO200K  = "o200k_base"  // GPT-4o, GPT-4.1, GPT-4.5, GPT-5, o1/o3/o4
)

func init() {
	// The encodings are embedded in the binary (tiktoken-go-loader): never download them.
	tiktoken.SetBpeLoader(tiktokenloader.NewOfflineLoader())
}

type encoder struct {
	once sync.Once
	tk   *tiktoken.Tiktoken
	err  error
}

var encoders = map[string]*encoder{EncodingCL100K: {}, EncodingO200K: {}}

// Encoding returns the tiktoken encoding for a model name: o200k_base for the GPT-4o
// generation and later (gpt-4o, gpt-4.1, gpt-4.5, gpt-5, gpt-6, chatgpt-4o, o1, o3, o4),
// cl100k_base for everything else, including models that are not OpenAI's, whose own
// tokenizers are unknown here (counts for them are estimates).
func Encoding(model string) string {
	m := strings.ToLower(model)
	if i := strings.LastIndexByte(m, '/'); i >= 0 { // "openai/gpt-4o"
		m = m[i+1:]
	}
	for _, p := range []string{"gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "gpt-6", "chatgpt-4o", "o1", "o3", "o4"} {
		if strings.HasPrefix(m, p) {
			return EncodingO200K
		}
	}
	return EncodingCL100K
}

func tokenizer(encoding string) *tiktoken.Tiktoken {
	e, ok := encoders[encoding]
	if !ok {
		e = encoders[EncodingCL100K]
	}
	e.once.Do(func() { e.tk, e.err = tiktoken.GetEncoding(encoding) })
	return e.tk
}

// CountTokens returns the number of tokens of text in the encoding of model (see
// Encoding). Special tokens such as "<|endoftext|>" count as plain text.
func CountTokens(model, text string) int {
	if text == "" {
		return 0
	}
	tk := tokenizer(Encoding(model))
	if tk == nil { // the embedded encodings failed to load: estimate
		return (len(text) + 3) / 4
	}
	return len(tk.EncodeOrdinary(text))
}

// CountMessageTokens returns the prompt tokens of a chat: each message's role and content
// plus the 3 tokens of framing per message and the 3 that prime the answer, as OpenAI's
// chat format counts them.
func CountMessageTokens(model string, msgs []Message) int {
	n := 3
	for _, m := range msgs {
		n += 3 + CountTokens(model, m.Role) + CountTokens(model, m.Content)
	}
	return n
}

// EstimateUsage counts the usage of a completion for a provider that did not report it.
func EstimateUsage(model string, msgs []Message, answer string) Usage {
	return Usage{PromptTokens: CountMessageTokens(model, msgs), CompletionTokens: CountTokens(model, answer)}
}

// DefaultContextWindow is the context window assumed for models ContextWindow does not
// know: 4096 tokens, Ollama's default num_ctx (it silently truncates longer prompts).
const DefaultContextWindow = 4096

// ContextWindow returns the context window in tokens of a known model name, and
// DefaultContextWindow for others.
func ContextWindow(model string) int {
	m := strings.ToLower(model)
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	switch {
	case m == OfflineModelID:
		return 8192
	case strings.HasPrefix(m, "gpt-4.1"):
		return 1047576
	case strings.HasPrefix(m, "gpt-5"), strings.HasPrefix(m, "gpt-6"):
		return 400000
	case strings.HasPrefix(m, "o1"), strings.HasPrefix(m, "o3"), strings.HasPrefix(m, "o4"):
		return 200000
	case strings.HasPrefix(m, "gpt-4o"), strings.HasPrefix(m, "chatgpt-4o"), strings.HasPrefix(m, "gpt-4.5"),
		strings.HasPrefix(m, "gpt-4-turbo"), strings.HasPrefix(m, "gpt-4-1106"), strings.HasPrefix(m, "gpt-4-0125"):
		return 128000
	case strings.HasPrefix(m, "gpt-4-32k"):
		return 32768
	case strings.HasPrefix(m, "gpt-4"):
		return 8192
	case strings.HasPrefix(m, "gpt-3.5-turbo"):
		return 16385
	}
	return DefaultContextWindow
}
