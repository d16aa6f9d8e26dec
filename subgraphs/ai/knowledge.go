package ai

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"fedstack/platform/errs"
	"fedstack/subgraphs/ai/llm"
)

// KnowledgeConfig is what NewKnowledge needs; Store is required.
type KnowledgeConfig struct {
	Store DocumentStore
	// Embedder computes embeddings with EmbeddingModel; without either, documents are
	// found by full-text search only.
	Embedder       llm.Provider
	EmbeddingModel string
	// ChunkChars is the size a chunk grows to, in characters (default 1,200).
	ChunkChars int
	// TopK is how many chunks go into a prompt (default 4).
	TopK int
	// MinSimilarity is the cosine similarity below which a chunk found by its embedding
	// is not relevant (default 0.25).
	MinSimilarity float64
	Logger        *slog.Logger
}

// Knowledge is the users' knowledge base: it splits uploaded documents into chunks,
// embeds them when the provider offers embeddings, and retrieves the chunks relevant to a
// question by cosine similarity and by full-text search.
type Knowledge struct {
	cfg KnowledgeConfig
	// noEmbeddings is set once the provider answered that it has no embeddings.
	noEmbeddings atomic.Bool
}

// NewKnowledge returns the knowledge base.
func NewKnowledge(cfg KnowledgeConfig) *Knowledge {
	if cfg.ChunkChars <= 0 {
		cfg.ChunkChars = 1200
	}
	if cfg.TopK <= 0 {
		cfg.TopK = 4
	}
	if cfg.MinSimilarity == 0 {
		cfg.MinSimilarity = 0.25
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Knowledge{cfg: cfg}
}

// embeddings reports whether chunks are embedded.
func (k *Knowledge) embeddings() bool {
	return k.cfg.Embedder != nil && k.cfg.EmbeddingModel != "" && !k.noEmbeddings.Load()
}

// embedBatch is how many chunks go in one embeddings request.
const embedBatch = 64

// embed returns the unit vectors of texts, or nil when the provider has no embeddings.
func (k *Knowledge) embed(ctx context.Context, texts []string) ([][]float32, error) {
	if !k.embeddings() {
		return nil, nil
	}
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += embedBatch {
		batch := texts[start:min(start+embedBatch, len(texts))]
		vs, err := k.cfg.Embedder.Embed(ctx, k.cfg.EmbeddingModel, batch)
		if errors.Is(err, llm.ErrNoEmbeddings) {
			k.noEmbeddings.Store(true)
			k.cfg.Logger.Warn("knowledge base: the provider offers no embeddings; using full-text search only",
				"model", k.cfg.EmbeddingModel)
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if len(vs) != len(batch) {
			return nil, errs.E(errs.Internal, "the embeddings provider returned %d vectors for %d texts", len(vs), len(batch))
		}
		for _, v := range vs {
			u, err := Normalize(v)
			if err != nil {
				return nil, err
			}
			out = append(out, u)
		}
	}
	return out, nil
}

// Upload validates a document, splits it into chunks, embeds them when it can and stores
// the document with its chunks in one transaction: a refused or failed upload stores
// nothing.
func (k *Knowledge) Upload(ctx context.Context, owner, name, contentType string, content []byte) (*Document, error) {
	ct, err := ValidateUpload(name, contentType, content)
	if err != nil {
		return nil, err
	}
	texts := SplitChunks(string(content), k.cfg.ChunkChars)
	vectors, err := k.embed(ctx, texts)
	if err != nil {
		return nil, err
	}
	chunks := make([]NewChunk, len(texts))
	for i, t := range texts {
		chunks[i].Content = t
		if vectors != nil {
			chunks[i].Embedding = vectors[i]
		}
	}
	if err := ValidateChunks(chunks); err != nil {
		return nil, err
	}
	nd := NewDocument{OwnerID: owner, Name: strings.TrimSpace(name), ContentType: ct, Size: int64(len(content))}
	if vectors != nil {
		nd.EmbeddingModel = k.cfg.EmbeddingModel
	}
	return k.cfg.Store.CreateDocument(ctx, nd, chunks)
}

// Retrieve returns the owner's chunks most relevant to query, best first: those whose
// embedding is close enough to the query's, then those sharing words with it.
func (k *Knowledge) Retrieve(ctx context.Context, owner, query string) ([]*ChunkHit, error) {
	docs, err := k.cfg.Store.Documents(ctx, owner)
	if err != nil || len(docs) == 0 {
		return nil, err
	}
	var hits []*ChunkHit
	if k.embeddings() && slices.ContainsFunc(docs, func(d *Document) bool { return d.EmbeddingModel == k.cfg.EmbeddingModel }) {
		vs, err := k.embed(ctx, []string{query})
		if err != nil {
			// Full-text search still answers; the chat should not fail for this.
			k.cfg.Logger.Warn("knowledge base: embedding the question failed", "error", err)
		} else if vs != nil {
			near, err := k.cfg.Store.NearestChunks(ctx, owner, k.cfg.EmbeddingModel, vs[0], k.cfg.TopK)
			if err != nil {
				return nil, err
			}
			for _, h := range near {
				if h.Score >= k.cfg.MinSimilarity {
					hits = append(hits, h)
				}
			}
		}
	}
	if len(hits) < k.cfg.TopK {
		text, err := k.cfg.Store.SearchChunks(ctx, owner, query, k.cfg.TopK)
		if err != nil {
			return nil, err
		}
		for _, h := range text {
			if len(hits) == k.cfg.TopK {
				break
			}
			if !slices.ContainsFunc(hits, func(o *ChunkHit) bool { return o.DocumentID == h.DocumentID && o.Seq == h.Seq }) {
				hits = append(hits, h)
			}
		}
	}
	return hits, nil
}

// ContextMessage is the system message that gives the model the retrieved chunks, each
// numbered for citation.
func ContextMessage(hits []*ChunkHit) string {
	var b strings.Builder
	b.WriteString(llm.DocumentsPrefix + " Answer using them when they are relevant, and cite them by their " +
		"number in brackets, like [1]. If they do not answer the question, say so.\n")
	for i, h := range hits {
		fmt.Fprintf(&b, "\n[%d] %s (part %d):\n%s\n", i+1, h.DocumentName, h.Seq+1, h.Content)
	}
	return b.String()
}

// Citations lists the documents and chunks of hits, in order.
func Citations(hits []*ChunkHit) []Citation {
	out := make([]Citation, len(hits))
	for i, h := range hits {
		out[i] = Citation{DocumentID: h.DocumentID, DocumentName: h.DocumentName, ChunkSeq: h.Seq}
	}
	return out
}

// SplitChunks splits text into chunks of about size characters: paragraphs (separated by
// blank lines) are gathered while they fit, a longer paragraph is cut at sentence ends,
// then at spaces, then anywhere. Chunks are trimmed and never blank. It is linear in the
// length of text.
func SplitChunks(text string, size int) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var chunks []string
	var cur strings.Builder
	curRunes := 0
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			chunks = append(chunks, s)
		}
		cur.Reset()
		curRunes = 0
	}
	for para := range strings.SplitSeq(text, "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		for _, piece := range cutToSize(para, size) {
			n := utf8.RuneCountInString(piece)
			if curRunes > 0 && curRunes+2+n > size {
				flush()
			}
			if curRunes > 0 {
				cur.WriteString("\n\n")
				curRunes += 2
			}
			cur.WriteString(piece)
			curRunes += n
		}
	}
	flush()
	return chunks
}

// cutToSize cuts a paragraph into pieces of at most size characters.
func cutToSize(p string, size int) []string {
	var out []string
	for {
		// end is the byte index just past the first size characters of p.
		end, n := 0, 0
		for end < len(p) && n < size {
			_, w := utf8.DecodeRuneInString(p[end:])
			end += w
			n++
		}
		if end == len(p) {
			break
		}
		head := p[:end]
		cut := max(strings.LastIndex(head, ". "), strings.LastIndex(head, "? "), strings.LastIndex(head, "! "), strings.LastIndex(head, ".\n"))
		if cut > len(head)/3 {
			cut++ // keep the full stop
		} else if sp := strings.LastIndexAny(head, " \n\t"); sp > len(head)/3 {
			cut = sp
		} else {
			cut = len(head)
		}
		out = append(out, strings.TrimSpace(p[:cut]))
		p = strings.TrimSpace(p[cut:])
	}
	if p != "" {
		out = append(out, p)
	}
	return out
}
