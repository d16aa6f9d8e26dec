package ai

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"fedstack/platform/errs"
)

// Roles of users, as the auth subgraph puts them in access tokens.
const (
	UserRoleUser  = "USER"
	UserRolePro   = "PRO"
	UserRoleAdmin = "ADMIN"
)

// Caller is the signed-in user a request acts for.
type Caller struct {
	UserID string
	Role   string // USER, PRO or ADMIN
}

// IsAdmin reports whether the caller is an administrator.
func (c Caller) IsAdmin() bool { return c.Role == UserRoleAdmin }

func (c Caller) check() error {
	if c.UserID == "" {
		return errs.E(errs.Unauthenticated, "sign in first: the assistant needs an access token")
	}
	return nil
}

func (c Caller) admin() error {
	if err := c.check(); err != nil {
		return err
	}
	if !c.IsAdmin() {
		return errs.E(errs.Forbidden, "only administrators may do this")
	}
	return nil
}

// MaxUsageDays bounds the days a usage query covers.
const MaxUsageDays = 366

// ServiceConfig is what NewService needs; Store and Chat are required.
type ServiceConfig struct {
	Store     Store
	Chat      *Chat
	Knowledge *Knowledge // nil: no knowledge base
	Logger    *slog.Logger
	Now       func() time.Time
}

// Service is the ai subgraph's domain: every GraphQL resolver and REST route calls it. It
// checks who may do what; the stores check ownership (another user's conversation,
// message or document is NOT_FOUND, exactly like one that does not exist).
type Service struct {
	store     Store
	chat      *Chat
	knowledge *Knowledge
	log       *slog.Logger
	now       func() time.Time
}

// NewService returns the service.
func NewService(cfg ServiceConfig) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{store: cfg.Store, chat: cfg.Chat, knowledge: cfg.Knowledge, log: cfg.Logger, now: cfg.Now}
}

// Send sends a message (see Chat.Send): checks the caller's limits, stores the message and
// a STREAMING answer, and starts generating it.
func (s *Service) Send(ctx context.Context, c Caller, in SendInput) (*Exchange, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	return s.chat.Send(ctx, c, in)
}

// Regenerate answers the conversation's last user message again (with model, or the
// conversation's when ""), replacing the answers after it.
func (s *Service) Regenerate(ctx context.Context, c Caller, conversationID, model string) (*Exchange, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	return s.chat.Regenerate(ctx, c, conversationID, model, nil)
}

// EditAndResend replaces the text of the conversation's last user message and answers it
// again.
func (s *Service) EditAndResend(ctx context.Context, c Caller, conversationID, content, model string) (*Exchange, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	return s.chat.Regenerate(ctx, c, conversationID, model, &content)
}

// Stop ends the generation of one of the caller's answers; it is stored STOPPED with the
// text so far.
func (s *Service) Stop(ctx context.Context, c Caller, messageID string) (*Message, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	return s.chat.Stop(ctx, c.UserID, messageID)
}

// Follow streams one of the caller's answers from byte offset from (see Chat.Follow).
func (s *Service) Follow(ctx context.Context, c Caller, messageID string, from int) (<-chan StreamEvent, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	return s.chat.Follow(ctx, c.UserID, messageID, from)
}

// Conversation returns one of the caller's conversations.
func (s *Service) Conversation(ctx context.Context, c Caller, id string) (*Conversation, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	return s.store.Conversation(ctx, c.UserID, id)
}

// Conversations lists the caller's conversations, most recently active first.
func (s *Service) Conversations(ctx context.Context, c Caller, p Page) (*ConversationPage, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	return s.store.Conversations(ctx, c.UserID, ClampPage(p))
}

// Messages returns messages of one of the caller's conversations, in order.
func (s *Service) Messages(ctx context.Context, c Caller, conversationID string, q MessageQuery) ([]*Message, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if q.Last < 0 || q.Before < 0 {
		return nil, invalid("last", "last and before must not be negative")
	}
	return s.store.Messages(ctx, c.UserID, conversationID, q)
}

// Message returns one of the caller's messages.
func (s *Service) Message(ctx context.Context, c Caller, id string) (*Message, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	return s.store.Message(ctx, c.UserID, id)
}

// Search finds the caller's conversations whose title or messages match query.
func (s *Service) Search(ctx context.Context, c Caller, query string, limit int) ([]*SearchHit, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, invalid("query", "the search is empty; type some words")
	}
	if len([]rune(query)) > MaxSearchChars {
		return nil, invalid("query", "the search is longer than %d characters", MaxSearchChars)
	}
	if limit <= 0 {
		limit = DefaultPageSize
	}
	return s.store.Search(ctx, c.UserID, query, min(limit, MaxPageSize))
}

// Rename sets the title of one of the caller's conversations.
func (s *Service) Rename(ctx context.Context, c Caller, id, title string) (*Conversation, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	t, err := NormalizeTitle(title)
	if err != nil {
		return nil, err
	}
	return s.store.Rename(ctx, c.UserID, id, t)
}

// DeleteConversation deletes one of the caller's conversations with its messages; an
// answer being generated in it is stopped first.
func (s *Service) DeleteConversation(ctx context.Context, c Caller, id string) error {
	if err := c.check(); err != nil {
		return err
	}
	msgs, err := s.store.Messages(ctx, c.UserID, id, MessageQuery{Last: 1})
	if err != nil {
		return err
	}
	if len(msgs) == 1 && msgs[0].State == StateStreaming {
		if _, err := s.chat.Stop(ctx, c.UserID, msgs[0].ID); err != nil && errs.CodeOf(err) != errs.Conflict {
			return err
		}
	}
	return s.store.DeleteConversation(ctx, c.UserID, id)
}

// Models lists the models a conversation may use; administrators also see disabled ones.
func (s *Service) Models(ctx context.Context, c Caller) ([]*Model, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	return s.store.Models(ctx, !c.IsAdmin())
}

// DefaultModel is the model new conversations use when none is chosen.
func (s *Service) DefaultModel() string { return s.chat.cfg.DefaultModel }

// SaveModel creates or replaces a registry entry (administrators only).
func (s *Service) SaveModel(ctx context.Context, c Caller, m Model) (*Model, error) {
	if err := c.admin(); err != nil {
		return nil, err
	}
	if err := ValidateModel(&m); err != nil {
		return nil, err
	}
	return s.store.SaveModel(ctx, m)
}

// DeleteModel removes a model from the registry (administrators only). The default model
// cannot be removed.
func (s *Service) DeleteModel(ctx context.Context, c Caller, id string) error {
	if err := c.admin(); err != nil {
		return err
	}
	if id == s.chat.cfg.DefaultModel {
		return invalid("id", "%q is the default model (AI_DEFAULT_MODEL); choose another default first", id)
	}
	return s.store.DeleteModel(ctx, id)
}

// usageRange is [today - days + 1, today] in UTC days.
func (s *Service) usageRange(days int) (time.Time, time.Time, error) {
	if days <= 0 || days > MaxUsageDays {
		return time.Time{}, time.Time{}, invalid("days", "days must be between 1 and %d", MaxUsageDays)
	}
	to := Day(s.now())
	return to.AddDate(0, 0, -(days - 1)), to, nil
}

// UsageOf lists a user's usage per day and model over the last days (today included):
// the user's own, or anyone's for an administrator.
func (s *Service) UsageOf(ctx context.Context, c Caller, userID string, days int) ([]*Usage, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if userID != c.UserID && !c.IsAdmin() {
		return nil, errs.E(errs.Forbidden, "only the user or an administrator may see this usage")
	}
	from, to, err := s.usageRange(days)
	if err != nil {
		return nil, err
	}
	return s.store.UsageOf(ctx, userID, from, to)
}

// UsageTotals lists the usage of all users per day and model (administrators only).
func (s *Service) UsageTotals(ctx context.Context, c Caller, days int) ([]*Usage, error) {
	if err := c.admin(); err != nil {
		return nil, err
	}
	from, to, err := s.usageRange(days)
	if err != nil {
		return nil, err
	}
	return s.store.UsageTotals(ctx, from, to)
}

// Limits tells the caller their limits and what is left of them.
func (s *Service) Limits(ctx context.Context, c Caller) (*LimitStatus, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	return s.chat.LimitStatus(ctx, c)
}

// knowledgeBase returns the knowledge base or an error saying it is off.
func (s *Service) knowledgeBase() (*Knowledge, error) {
	if s.knowledge == nil {
		return nil, errs.E(errs.Invalid, "the knowledge base is not enabled on this server")
	}
	return s.knowledge, nil
}

// UploadDocument adds a text or Markdown document to the caller's knowledge base.
func (s *Service) UploadDocument(ctx context.Context, c Caller, name, contentType string, content []byte) (*Document, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	k, err := s.knowledgeBase()
	if err != nil {
		return nil, err
	}
	return k.Upload(ctx, c.UserID, name, contentType, content)
}

// Documents lists the caller's documents, newest first.
func (s *Service) Documents(ctx context.Context, c Caller) ([]*Document, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	return s.store.Documents(ctx, c.UserID)
}

// Document returns one of the caller's documents.
func (s *Service) Document(ctx context.Context, c Caller, id string) (*Document, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	return s.store.Document(ctx, c.UserID, id)
}

// DeleteDocument deletes one of the caller's documents and its chunks.
func (s *Service) DeleteDocument(ctx context.Context, c Caller, id string) error {
	if err := c.check(); err != nil {
		return err
	}
	return s.store.DeleteDocument(ctx, c.UserID, id)
}
