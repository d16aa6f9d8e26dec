package ai

import (
	"context"
	"time"
)

// Role says who wrote a message. The values are the GraphQL enum values.
type Role string

// Message roles.
const (
	RoleUser      Role = "USER"
	RoleAssistant Role = "ASSISTANT"
	RoleSystem    Role = "SYSTEM"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	switch r {
	case RoleUser, RoleAssistant, RoleSystem:
		return true
	}
	return false
}

// State is where a message is in its life. User and system messages are COMPLETE when
// stored; an assistant message starts STREAMING and ends in one of the three others.
type State string

// Message states.
const (
	StateStreaming State = "STREAMING"
	StateComplete  State = "COMPLETE"
	StateStopped   State = "STOPPED"
	StateFailed    State = "FAILED"
)

// Final reports whether s is a state a message ends in (COMPLETE, STOPPED or FAILED).
func (s State) Final() bool {
	switch s {
	case StateComplete, StateStopped, StateFailed:
		return true
	}
	return false
}

// Conversation is one chat of one user. Its totals are the sums over its finished
// assistant messages.
type Conversation struct {
	ID      string
	OwnerID string
	Title   string
	// Model is the model of the last exchange (the default for the next one).
	Model     string
	CreatedAt time.Time
	// UpdatedAt is the time of the last message (stored or finished); lists are
	// ordered by it, newest first. A rename does not move a conversation.
	UpdatedAt time.Time
	// MessageCount counts the stored messages.
	MessageCount int
	// TokensIn, TokensOut and Cost add up every finished answer, regenerated ones
	// included (they were paid for).
	TokensIn  int64
	TokensOut int64
	Cost      Micros
}

// Message is one turn of a conversation. Seq orders a conversation's messages (it grows
// and may have gaps after a regenerate).
type Message struct {
	ID             string
	ConversationID string
	OwnerID        string
	Seq            int
	Role           Role
	Content        string
	State          State
	// Model is the model that wrote an assistant message ("" for others).
	Model string
	// TokensIn and TokensOut are the prompt and completion tokens of an assistant
	// message; Cost is what they cost at the model's prices.
	TokensIn  int
	TokensOut int
	Cost      Micros
	// Error is why a FAILED message failed (shown to the user).
	Error string
	// Cached is true when the answer came from the prompt cache.
	Cached bool
	// Citations are the knowledge-base chunks the answer was grounded in.
	Citations   []Citation
	CreatedAt   time.Time
	CompletedAt *time.Time
}

// Citation points at a chunk of one of the user's documents.
type Citation struct {
	DocumentID   string `json:"documentId"`
	DocumentName string `json:"documentName"`
	ChunkSeq     int    `json:"chunkSeq"`
}

// Document is a text or Markdown file the user uploaded to their knowledge base.
type Document struct {
	ID          string
	OwnerID     string
	Name        string
	ContentType string // ContentTypeText or ContentTypeMarkdown
	Size        int64  // bytes uploaded
	ChunkCount  int
	// EmbeddingModel is the model that embedded the chunks ("" when they have no
	// embeddings and are found by full-text search only).
	EmbeddingModel string
	CreatedAt      time.Time
}

// Chunk is one piece of a document, the unit of retrieval.
type Chunk struct {
	DocumentID string
	Seq        int // 0-based position in the document
	Content    string
	// Embedding is the chunk's unit-length vector (nil without embeddings).
	Embedding []float32
}

// ChunkHit is a chunk found by retrieval, with its document's name and its score:
// ts_rank_cd for full-text search, cosine similarity (-1..1) for vectors.
type ChunkHit struct {
	Chunk
	DocumentName string
	Score        float64
}

// Model is an entry of the model registry: a model a conversation may use, with its
// prices per million tokens.
type Model struct {
	ID          string // as the provider names it, e.g. "gpt-4o-mini" or "llama3.2:3b"
	Provider    string // e.g. "openai" or "offline"
	DisplayName string
	// InputPrice and OutputPrice are per million prompt and completion tokens.
	InputPrice    Micros
	OutputPrice   Micros
	ContextWindow int // tokens
	Enabled       bool
	// Offline marks the built-in model that runs with no network.
	Offline   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Cost is what tokensIn prompt and tokensOut completion tokens cost at m's prices.
func (m *Model) Cost(tokensIn, tokensOut int64) Micros {
	return Cost(tokensIn, m.InputPrice, tokensOut, m.OutputPrice)
}

// Usage is what one user (OwnerID "" for totals over all users) spent on one model on
// one UTC day.
type Usage struct {
	OwnerID   string
	Day       time.Time // midnight UTC
	Model     string
	Messages  int64 // finished assistant messages
	TokensIn  int64
	TokensOut int64
	Cost      Micros
}

// Day returns midnight UTC of t's UTC date, the key of usage rows.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// NewExchange is a user message to store with the assistant message that will answer
// it. ConversationID "" starts a new conversation.
type NewExchange struct {
	OwnerID        string
	ConversationID string
	// Title names a new conversation (ignored for an existing one).
	Title string
	// System, when set on a new conversation, is stored as its first message.
	System string
	// Model answers; it becomes the conversation's model.
	Model   string
	Content string
}

// Exchange is the result of starting an answer: the conversation after the change, the
// user message being answered (as stored, after an edit) and the assistant message in
// state STREAMING.
type Exchange struct {
	Conversation *Conversation
	User         *Message
	Assistant    *Message
}

// Finish ends a STREAMING assistant message.
type Finish struct {
	MessageID string
	State     State // COMPLETE, STOPPED or FAILED
	// Content, when not nil, replaces the text appended so far (the full answer).
	Content   *string
	TokensIn  int
	TokensOut int
	Cost      Micros
	Error     string
	Cached    bool
	Citations []Citation
}

// Page asks for First items after the opaque cursor After ("" = from the start).
type Page struct {
	First int
	After string
}

// Page size limits.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// ConversationPage is one page of conversations, newest first.
type ConversationPage struct {
	Conversations []*Conversation
	// EndCursor is the cursor of the last conversation ("" when empty).
	EndCursor   string
	HasNextPage bool
}

// MessageQuery selects messages of a conversation: the Last n (0 = all) with Seq below
// Before (0 = no bound). Results are always in Seq order.
type MessageQuery struct {
	Before int
	Last   int
}

// SearchHit is a conversation matching a search, with where it matched best: its title
// (MessageID "") or a message, a snippet with the matched words between « and », and a
// rank (higher is better; title matches weigh double).
type SearchHit struct {
	Conversation *Conversation
	MessageID    string
	Snippet      string
	Rank         float64
}

// NewDocument is a validated upload ready to be stored with its chunks.
type NewDocument struct {
	OwnerID        string
	Name           string
	ContentType    string
	Size           int64
	EmbeddingModel string // "" when the chunks carry no embeddings
}

// NewChunk is the text of one chunk and its embedding (nil without embeddings; all
// chunks of a document have one or none, of one length).
type NewChunk struct {
	Content   string
	Embedding []float32
}

// ConversationStore stores conversations and their messages. Every method taking an
// ownerID answers NOT_FOUND for a conversation or message of another owner, exactly as
// for one that does not exist.
type ConversationStore interface {
	// StartExchange stores, in one transaction, the conversation when new (with its
	// system message), the user message (COMPLETE) and the assistant message
	// (STREAMING, empty).
	StartExchange(ctx context.Context, in NewExchange) (*Exchange, error)
	// Regenerate deletes the messages after the last user message and adds a new
	// STREAMING assistant message answering it with model, in one transaction. With
	// content set, the last user message's text is replaced first (edit and resend).
	// CONFLICT while a message of the conversation is STREAMING; INVALID without a user
	// message.
	Regenerate(ctx context.Context, ownerID, conversationID, model string, content *string) (*Exchange, error)
	// AppendContent appends text to a STREAMING message and returns the length of its
	// content in bytes after the append. CONFLICT when the message is no longer
	// STREAMING. It is called by the generation worker, so it takes no owner.
	AppendContent(ctx context.Context, messageID, text string) (int, error)
	// FinishMessage ends a STREAMING message in one transaction: its state, text,
	// tokens, cost, error and citations, the conversation's totals, and the owner's
	// usage of the day (UTC) and model. CONFLICT when it had already ended, so usage
	// is counted once.
	FinishMessage(ctx context.Context, f Finish) (*Message, error)
	// FailStale marks FAILED (with reason) the messages STREAMING since before
	// olderThan, left by a worker that died; it returns how many.
	FailStale(ctx context.Context, olderThan time.Time, reason string) (int, error)
	// Conversation returns one of the owner's conversations.
	Conversation(ctx context.Context, ownerID, id string) (*Conversation, error)
	// Conversations lists the owner's conversations, most recently updated first.
	Conversations(ctx context.Context, ownerID string, page Page) (*ConversationPage, error)
	// Messages returns messages of one of the owner's conversations in Seq order.
	Messages(ctx context.Context, ownerID, conversationID string, q MessageQuery) ([]*Message, error)
	// Message returns one of the owner's messages.
	Message(ctx context.Context, ownerID, messageID string) (*Message, error)
	// Search finds the owner's conversations whose title or messages match query
	// (web-search syntax: words, "phrases", -excluded, or), best first.
	Search(ctx context.Context, ownerID, query string, limit int) ([]*SearchHit, error)
	// Rename sets a conversation's title.
	Rename(ctx context.Context, ownerID, id, title string) (*Conversation, error)
	// DeleteConversation deletes a conversation with its messages.
	DeleteConversation(ctx context.Context, ownerID, id string) error
}

// UsageStore accounts tokens and cost per user, day and model.
type UsageStore interface {
	// AddUsage adds u to the row of (u.OwnerID, u.Day, u.Model).
	AddUsage(ctx context.Context, u Usage) error
	// UsageOf lists the owner's usage per day and model for days in [from, to], by day
	// then model.
	UsageOf(ctx context.Context, ownerID string, from, to time.Time) ([]*Usage, error)
	// UsageTotals lists usage summed over all users per day and model for days in
	// [from, to] (for administrators), by day then model.
	UsageTotals(ctx context.Context, from, to time.Time) ([]*Usage, error)
}

// ModelStore is the model registry.
type ModelStore interface {
	// Models lists the registry by id (only enabled models when enabledOnly).
	Models(ctx context.Context, enabledOnly bool) ([]*Model, error)
	// Model returns one model or NOT_FOUND.
	Model(ctx context.Context, id string) (*Model, error)
	// SaveModel creates or replaces a model (an administrator's edit).
	SaveModel(ctx context.Context, m Model) (*Model, error)
	// AddModels inserts the models not yet registered and leaves the others (with
	// their edited prices) alone; it returns how many were added.
	AddModels(ctx context.Context, ms []Model) (int, error)
	// DeleteModel removes a model from the registry (stored messages keep its id).
	DeleteModel(ctx context.Context, id string) error
}

// DocumentStore stores the knowledge base and retrieves from it.
type DocumentStore interface {
	// CreateDocument stores a document and its chunks in one transaction.
	CreateDocument(ctx context.Context, d NewDocument, chunks []NewChunk) (*Document, error)
	// Documents lists the owner's documents, newest first.
	Documents(ctx context.Context, ownerID string) ([]*Document, error)
	// Document returns one of the owner's documents.
	Document(ctx context.Context, ownerID, id string) (*Document, error)
	// DeleteDocument deletes one of the owner's documents with its chunks.
	DeleteDocument(ctx context.Context, ownerID, id string) error
	// SearchChunks finds the owner's chunks sharing words with query (any of them,
	// stemmed), best ts_rank_cd first.
	SearchChunks(ctx context.Context, ownerID, query string, limit int) ([]*ChunkHit, error)
	// NearestChunks finds the owner's chunks embedded by embeddingModel closest to
	// vector by cosine similarity, nearest first.
	NearestChunks(ctx context.Context, ownerID, embeddingModel string, vector []float32, limit int) ([]*ChunkHit, error)
}

// Store is all the storage of the ai subgraph (implemented by package postgres).
type Store interface {
	ConversationStore
	UsageStore
	ModelStore
	DocumentStore
	// Ping checks that the database answers (for /ready).
	Ping(ctx context.Context) error
}
