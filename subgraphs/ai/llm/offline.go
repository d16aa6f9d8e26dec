package llm

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"

	"fedstack/platform/errs"
)

// The built-in offline model.
const (
	OfflineModelID   = "fedstack-offline"
	OfflineModelName = "Offline built-in model (no network)"
	// OfflineEmbeddingDim is the length of the offline model's embedding vectors.
	OfflineEmbeddingDim = 256
	// DefaultOfflineChunkDelay is the pause between the offline model's chunks, so its
	// answers stream the way a real model's do.
	DefaultOfflineChunkDelay = 15 * time.Millisecond
)

// Offline is the built-in model used when no provider is configured. It needs no network:
// it answers deterministically from the prompt (restating the question, quoting the most
// relevant sentence of the system context, e.g. retrieved document chunks, and saying it is
// the offline model), streamed word by word, and it computes embeddings as a hashed bag of
// words so retrieval by similarity works offline too. The zero value streams without
// delay; use NewOffline for the default pacing.
type Offline struct {
	// ChunkDelay is the pause before each chunk after the first.
	ChunkDelay time.Duration
	// FirstChunkDelay is the pause before the first chunk.
	FirstChunkDelay time.Duration
}

// NewOffline returns the offline model streaming a chunk every DefaultOfflineChunkDelay.
func NewOffline() *Offline { return &Offline{ChunkDelay: DefaultOfflineChunkDelay} }

// Models lists the one offline model.
func (o *Offline) Models(context.Context) ([]Model, error) {
	return []Model{{ID: OfflineModelID, Name: OfflineModelName, OwnedBy: "fedstack", Offline: true,
		ContextWindow: ContextWindow(OfflineModelID)}}, nil
}

// Stream streams the offline answer to req. The model must be OfflineModelID (or empty).
func (o *Offline) Stream(ctx context.Context, req Request) (Stream, error) {
	if req.Model != "" && req.Model != OfflineModelID {
		return nil, codedError(&ProviderError{Kind: ErrBadRequest,
			Message: fmt.Sprintf("unknown model %q: the offline provider has only %q", req.Model, OfflineModelID)})
	}
	if err := ctx.Err(); err != nil {
		return nil, contextError(ctx)
	}
	answer := OfflineAnswer(req.Messages)
	if req.MaxTokens > 0 {
		answer = truncateTokens(answer, req.MaxTokens)
	}
	return &offlineStream{
		ctx:    ctx,
		chunks: SplitWords(answer),
		first:  o.FirstChunkDelay,
		delay:  o.ChunkDelay,
		usage:  EstimateUsage(OfflineModelID, req.Messages, answer),
	}, nil
}

// Embed returns OfflineEmbedding of each input; model is ignored.
func (o *Offline) Embed(ctx context.Context, _ string, inputs []string) ([][]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, contextError(ctx)
	}
	out := make([][]float32, len(inputs))
	for i, s := range inputs {
		out[i] = OfflineEmbedding(s)
	}
	return out, nil
}

type offlineStream struct {
	ctx    context.Context
	chunks []string
	next   int
	first  time.Duration
	delay  time.Duration
	usage  Usage
	done   bool
	err    error
}

func (s *offlineStream) Recv() (Chunk, error) {
	if s.err != nil {
		return Chunk{}, s.err
	}
	if s.next >= len(s.chunks) {
		s.done, s.err = true, io.EOF
		return Chunk{}, io.EOF
	}
	d := s.delay
	if s.next == 0 {
		d = s.first
	}
	if d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
		}
	}
	if s.ctx.Err() != nil {
		s.err = contextError(s.ctx)
		return Chunk{}, s.err
	}
	c := s.chunks[s.next]
	s.next++
	return Chunk{Text: c}, nil
}

func (s *offlineStream) Usage() *Usage {
	if !s.done {
		return nil
	}
	u := s.usage
	return &u
}

func (s *offlineStream) Close() error {
	if s.err == nil {
		s.err = &errs.Error{Code: errs.Internal, Message: "the stream is closed"}
	}
	return nil
}

// DocumentsPrefix starts the system message that carries excerpts of the user's documents
// (the ai package writes it); the offline model quotes from such messages only, not from
// instructions.
const DocumentsPrefix = "Excerpts from the user's documents follow."

// OfflineAnswer is the offline model's answer to a conversation: it names itself, restates
// the last user message, quotes the sentence of the document excerpts (system messages
// starting with DocumentsPrefix) that shares the most words with it, and says how to
// configure a real model. The same messages always give the same answer.
func OfflineAnswer(msgs []Message) string {
	var question string
	var contextText []string
	for _, m := range msgs {
		switch {
		case m.Role == RoleUser:
			question = m.Content
		case m.Role == RoleSystem && strings.HasPrefix(m.Content, DocumentsPrefix):
			contextText = append(contextText, strings.TrimPrefix(m.Content, DocumentsPrefix))
		}
	}
	question = strings.Join(strings.Fields(question), " ")
	var b strings.Builder
	b.WriteString("This is the offline built-in model (" + OfflineModelID + "), answering without a network. ")
	if question == "" {
		b.WriteString("There is no question to answer yet: send a message.")
	} else {
		fmt.Fprintf(&b, "You asked: \"%s\" (%d words).", clip(question, 200), len(strings.Fields(question)))
		if best := bestSentence(question, contextText); best != "" {
			fmt.Fprintf(&b, " From the provided context: \"%s\"", clip(best, 400))
		} else if kw := keywords(question); len(kw) > 0 {
			fmt.Fprintf(&b, " Its key terms are: %s.", strings.Join(kw[:min(len(kw), 6)], ", "))
		}
	}
	b.WriteString(" For real answers, set LLM_BASE_URL (and LLM_API_KEY) to an OpenAI-compatible endpoint such as OpenAI, Ollama, vLLM or a llama.cpp server.")
	return b.String()
}

// bestSentence returns the sentence of the context sharing the most distinct keywords with
// the question, or "" when none shares any.
func bestSentence(question string, context []string) string {
	want := map[string]bool{}
	for _, w := range keywords(question) {
		want[w] = true
	}
	best, bestScore := "", 0
	for _, c := range context {
		for _, s := range sentences(c) {
			seen := map[string]bool{}
			for _, w := range keywords(s) {
				if want[w] {
					seen[w] = true
				}
			}
			if len(seen) > bestScore {
				best, bestScore = s, len(seen)
			}
		}
	}
	return best
}

// sentences splits text at sentence ends and line breaks.
func sentences(text string) []string {
	var out []string
	start := 0
	rs := []rune(text)
	for i, r := range rs {
		end := r == '\n' || ((r == '.' || r == '!' || r == '?') && (i+1 == len(rs) || unicode.IsSpace(rs[i+1])))
		if end || i+1 == len(rs) {
			if s := strings.Join(strings.Fields(string(rs[start:i+1])), " "); len(s) > 1 {
				out = append(out, s)
			}
			start = i + 1
		}
	}
	return out
}

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n]) + "…"
}

// truncateTokens keeps the words of s that fit in max tokens.
func truncateTokens(s string, max int) string {
	if CountTokens(OfflineModelID, s) <= max {
		return s
	}
	var b strings.Builder
	for _, w := range SplitWords(s) {
		if CountTokens(OfflineModelID, b.String()+w) > max {
			break
		}
		b.WriteString(w)
	}
	return b.String()
}

// SplitWords splits s into chunks of one word each, the spaces before a word kept with it,
// so the chunks concatenate back to s (how the offline model and llmtest stream).
func SplitWords(s string) []string {
	var out []string
	start, spaceStart := 0, 0
	hasWord, prevSpace := false, false
	for i, r := range s {
		if unicode.IsSpace(r) {
			if !prevSpace {
				spaceStart = i
			}
			prevSpace = true
			continue
		}
		if prevSpace && hasWord {
			out = append(out, s[start:spaceStart])
			start = spaceStart
		}
		prevSpace, hasWord = false, true
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

var stopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an and are as at be but by can do does for from has have how i if in into is it
		its me my of on or our so than that the their them then there these this to was we were what when where which
		who why will with you your about would could should`) {
		stopwords[w] = true
	}
}

// words returns the lower-cased words (letters and digits) of s.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// keywords returns the distinct words of s that are not stopwords, in order.
func keywords(s string) []string {
	var out []string
	for _, w := range words(s) {
		if !stopwords[w] && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// OfflineEmbedding embeds text as a hashed bag of words: each word that is not a stopword
// adds ±(1+log count) at a position given by its FNV-1a hash, in OfflineEmbeddingDim
// dimensions, and the vector is scaled to length 1 (all zeros for text without words).
// Texts sharing words have a positive cosine similarity.
func OfflineEmbedding(text string) []float32 {
	counts := map[string]int{}
	for _, w := range words(text) {
		if !stopwords[w] {
			counts[w]++
		}
	}
	v := make([]float64, OfflineEmbeddingDim)
	for w, n := range counts {
		h := fnv.New64a()
		_, _ = h.Write([]byte(w))
		sum := h.Sum64()
		sign := 1.0
		if sum>>63 == 1 {
			sign = -1
		}
		v[sum%OfflineEmbeddingDim] += sign * (1 + math.Log(float64(n)))
	}
	var norm float64
	for _, x := range v {
		norm += x * x
	}
	out := make([]float32, OfflineEmbeddingDim)
	if norm == 0 {
		return out
	}
	norm = math.Sqrt(norm)
	for i, x := range v {
		out[i] = float32(x / norm)
	}
	return out
}
