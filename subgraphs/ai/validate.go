package ai

import (
	"math"
	"mime"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"fedstack/platform/errs"
)

// Validation limits.
const (
	MaxMessageChars      = 32_000
	MaxTitleChars        = 200
	MaxDocumentBytes     = 2 << 20 // 2 MiB per upload
	MaxDocumentNameChars = 255
	MaxChunksPerDocument = 10_000
	MaxEmbeddingDims     = 8_192
	MaxModelIDChars      = 200
	MaxPricePerMillion   = 10_000 * Dollar
	MaxContextWindow     = 10_000_000
	MaxSearchChars       = 500
)

// Content types a document may have.
const (
	ContentTypeText     = "text/plain"
	ContentTypeMarkdown = "text/markdown"
)

// Error messages clients see.
const (
	ErrConversationNotFound = "conversation not found"
	ErrMessageNotFound      = "message not found"
	ErrDocumentNotFound     = "document not found"
	ErrModelNotFound        = "unknown model; list the available ones with the models query"
	ErrStillStreaming       = "an answer is still being generated in this conversation; stop it or wait for it to end"
	ErrNotStreaming         = "this message is no longer being generated"
	ErrNothingToRegenerate  = "this conversation has no message of yours to answer"
)

func invalid(field, format string, args ...any) *errs.Error {
	e := errs.E(errs.Invalid, format, args...)
	e.Field = field
	return e
}

// ValidateContent checks a message's text: not blank, at most MaxMessageChars
// characters, valid UTF-8 without NUL characters. The text is stored as sent.
func ValidateContent(content string) error {
	if strings.TrimSpace(content) == "" {
		return invalid("content", "the message is empty; write something")
	}
	if n := utf8.RuneCountInString(content); n > MaxMessageChars {
		return invalid("content", "the message is %d characters long; the limit is %d, so shorten it or upload it as a document", n, MaxMessageChars)
	}
	if !utf8.ValidString(content) || strings.ContainsRune(content, 0) {
		return invalid("content", "the message must be UTF-8 text without NUL characters")
	}
	return nil
}

// NormalizeTitle trims a conversation title and turns runs of white space (newlines
// included) into one space; the result must have 1 to MaxTitleChars characters.
func NormalizeTitle(title string) (string, error) {
	t := strings.Join(strings.FieldsFunc(title, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if t == "" {
		return "", invalid("title", "the title is empty; give the conversation a name")
	}
	if !utf8.ValidString(t) {
		return "", invalid("title", "the title must be UTF-8 text")
	}
	if n := utf8.RuneCountInString(t); n > MaxTitleChars {
		return "", invalid("title", "the title is %d characters long; the limit is %d", n, MaxTitleChars)
	}
	return t, nil
}

// DefaultTitle is the title of a new conversation before one is generated: the start
// of the first message's first non-blank line, at most 60 characters.
func DefaultTitle(content string) string {
	for line := range strings.SplitSeq(content, "\n") {
		t, err := NormalizeTitle(line)
		if err != nil {
			continue
		}
		if r := []rune(t); len(r) > 60 {
			t = strings.TrimSpace(string(r[:59])) + "…"
		}
		return t
	}
	return "New chat"
}

// ValidateUpload checks an uploaded document and returns its content type
// (ContentTypeText or ContentTypeMarkdown). A missing or generic declared type
// (application/octet-stream) is inferred from the name's extension (.txt, .text, .md,
// .markdown). The content must be non-blank UTF-8 text of at most MaxDocumentBytes.
func ValidateUpload(name, declaredType string, content []byte) (string, error) {
	if strings.TrimSpace(name) == "" {
		return "", invalid("name", "the document has no name")
	}
	if n := utf8.RuneCountInString(name); n > MaxDocumentNameChars || !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl) {
		return "", invalid("name", "the document name must be UTF-8 text of at most %d characters without control characters", MaxDocumentNameChars)
	}
	ct, err := documentType(name, declaredType)
	if err != nil {
		return "", err
	}
	if len(content) > MaxDocumentBytes {
		return "", invalid("file", "the document is %d bytes; the limit is %d bytes (2 MiB), so split it", len(content), MaxDocumentBytes)
	}
	if !utf8.Valid(content) || strings.ContainsRune(string(content), 0) {
		return "", invalid("file", "the document is not UTF-8 text; only text and Markdown files can be uploaded")
	}
	if strings.TrimSpace(string(content)) == "" {
		return "", invalid("file", "the document is empty")
	}
	return ct, nil
}

func documentType(name, declared string) (string, error) {
	unsupported := invalid("file", "only text (text/plain) and Markdown (text/markdown) documents can be uploaded, not %q", declared)
	mt := ""
	if strings.TrimSpace(declared) != "" {
		var params map[string]string
		var err error
		mt, params, err = mime.ParseMediaType(declared)
		if err != nil {
			return "", unsupported
		}
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "us-ascii") {
			return "", invalid("file", "the document's charset is %q; upload it as UTF-8", cs)
		}
	}
	switch mt {
	case ContentTypeText:
		return ContentTypeText, nil
	case ContentTypeMarkdown, "text/x-markdown":
		return ContentTypeMarkdown, nil
	case "", "application/octet-stream":
		switch strings.ToLower(path.Ext(name)) {
		case ".txt", ".text":
			return ContentTypeText, nil
		case ".md", ".markdown":
			return ContentTypeMarkdown, nil
		}
		return "", invalid("file", "cannot tell the type of %q: name it .txt or .md, or send text/plain or text/markdown", name)
	}
	return "", unsupported
}

// ValidateChunks checks a document's chunks before storage: at least one and at most
// MaxChunksPerDocument, none blank, and either no embeddings or one per chunk, all of
// one length up to MaxEmbeddingDims, finite and not all zero.
func ValidateChunks(chunks []NewChunk) error {
	if len(chunks) == 0 {
		return invalid("file", "the document has no text to store")
	}
	if len(chunks) > MaxChunksPerDocument {
		return invalid("file", "the document makes %d chunks; the limit is %d", len(chunks), MaxChunksPerDocument)
	}
	dims := len(chunks[0].Embedding)
	for i, c := range chunks {
		if strings.TrimSpace(c.Content) == "" || strings.ContainsRune(c.Content, 0) || !utf8.ValidString(c.Content) {
			return invalid("file", "chunk %d is empty or not UTF-8 text", i)
		}
		if len(c.Embedding) != dims {
			return errs.E(errs.Internal, "chunk %d has an embedding of %d dimensions, chunk 0 of %d", i, len(c.Embedding), dims)
		}
		if dims > 0 {
			if _, err := Normalize(c.Embedding); err != nil {
				return err
			}
		}
	}
	if dims > MaxEmbeddingDims {
		return errs.E(errs.Internal, "embeddings of %d dimensions exceed the limit of %d", dims, MaxEmbeddingDims)
	}
	return nil
}

// Normalize returns v scaled to unit length, so that cosine similarity is a dot
// product. An empty, non-finite or all-zero vector is an INTERNAL error (the embedding
// provider misbehaved).
func Normalize(v []float32) ([]float32, error) {
	var sum float64
	for _, x := range v {
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, errs.E(errs.Internal, "embedding has a non-finite component")
		}
		sum += f * f
	}
	if len(v) == 0 || sum == 0 {
		return nil, errs.E(errs.Internal, "embedding is empty or all zero")
	}
	n := math.Sqrt(sum)
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(float64(x) / n)
	}
	return out, nil
}

// ValidateModel checks a registry entry and fills DisplayName from ID when empty.
func ValidateModel(m *Model) error {
	m.ID = strings.TrimSpace(m.ID)
	if m.ID == "" || utf8.RuneCountInString(m.ID) > MaxModelIDChars || strings.ContainsFunc(m.ID, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return invalid("id", "the model id must be 1 to %d characters without spaces, as the provider names it", MaxModelIDChars)
	}
	m.Provider = strings.TrimSpace(m.Provider)
	if m.Provider == "" || len(m.Provider) > 50 {
		return invalid("provider", "the provider must be 1 to 50 characters, e.g. openai or offline")
	}
	m.DisplayName = strings.TrimSpace(m.DisplayName)
	if m.DisplayName == "" {
		m.DisplayName = m.ID
	}
	if utf8.RuneCountInString(m.DisplayName) > 100 {
		return invalid("displayName", "the display name must be at most 100 characters")
	}
	if m.InputPrice < 0 || m.InputPrice > MaxPricePerMillion {
		return invalid("inputPrice", "the input price must be between 0 and %s dollars per million tokens", MaxPricePerMillion)
	}
	if m.OutputPrice < 0 || m.OutputPrice > MaxPricePerMillion {
		return invalid("outputPrice", "the output price must be between 0 and %s dollars per million tokens", MaxPricePerMillion)
	}
	if m.ContextWindow < 1 || m.ContextWindow > MaxContextWindow {
		return invalid("contextWindow", "the context window must be between 1 and %d tokens", MaxContextWindow)
	}
	return nil
}

// ClampPage applies the default and maximum page sizes.
func ClampPage(p Page) Page {
	if p.First <= 0 {
		p.First = DefaultPageSize
	}
	if p.First > MaxPageSize {
		p.First = MaxPageSize
	}
	return p
}

// ErrNoProvider is the error for a registered model that no configured provider serves
// (an OpenAI-compatible model while LLM_BASE_URL is unset).
func ErrNoProvider(model string) error {
	return invalid("model", "no provider serves %q on this server; set LLM_BASE_URL or pick another model", model)
}
