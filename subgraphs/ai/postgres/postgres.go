// Package postgres stores the ai subgraph's conversations, messages, knowledge base,
// usage and model registry in PostgreSQL (pgx v5). Its schema is in ../migrations.
package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"fedstack/platform/errs"
	platformpg "fedstack/platform/postgres"
	"fedstack/subgraphs/ai"
)

// Store implements ai.Store on one pool.
type Store struct {
	pool *pgxpool.Pool
}

var _ ai.Store = (*Store)(nil)

// New returns a Store using pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Ping implements ai.Store.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// SQLSTATE codes and constraint names handled here.
const (
	uniqueViolation   = "23505"
	oneStreamingIndex = "messages_one_streaming"
)

func isUnique(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == uniqueViolation && pgErr.ConstraintName == constraint
}

// parseUUID reads a canonical uuid; anything else is no id at all (callers answer
// NOT_FOUND, never a database error).
var parseUUID = platformpg.ParseUUID

func notFound(msg string) error { return errs.E(errs.NotFound, "%s", msg) }

func utc(t time.Time) time.Time { return t.UTC() }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

const conversationColumns = `id::text, owner_id, title, model, created_at, updated_at, message_count, tokens_in, tokens_out, cost_micros`

func scanConversation(row pgx.Row, extra ...any) (*ai.Conversation, error) {
	var c ai.Conversation
	var cost int64
	if err := row.Scan(append(conversationDest(&c, &cost), extra...)...); err != nil {
		return nil, err
	}
	finishConversation(&c, cost)
	return &c, nil
}

// conversationDest are the scan destinations of conversationColumns.
func conversationDest(c *ai.Conversation, cost *int64) []any {
	return []any{&c.ID, &c.OwnerID, &c.Title, &c.Model, &c.CreatedAt, &c.UpdatedAt, &c.MessageCount,
		&c.TokensIn, &c.TokensOut, cost}
}

func finishConversation(c *ai.Conversation, cost int64) {
	c.Cost = ai.Micros(cost)
	c.CreatedAt, c.UpdatedAt = utc(c.CreatedAt), utc(c.UpdatedAt)
}

const messageColumns = `id::text, conversation_id::text, owner_id, seq, role, content, state, model, tokens_in, tokens_out,
	cost_micros, error, cached, citations, created_at, completed_at`

// scanMessage scans messageColumns, then into extra.
func scanMessage(row pgx.Row, extra ...any) (*ai.Message, error) {
	var (
		m           ai.Message
		role, state string
		cost        int64
		citations   []byte
	)
	if err := row.Scan(append([]any{&m.ID, &m.ConversationID, &m.OwnerID, &m.Seq, &role, &m.Content, &state, &m.Model,
		&m.TokensIn, &m.TokensOut, &cost, &m.Error, &m.Cached, &citations, &m.CreatedAt, &m.CompletedAt}, extra...)...); err != nil {
		return nil, err
	}
	m.Role, m.State, m.Cost = ai.Role(role), ai.State(state), ai.Micros(cost)
	if err := json.Unmarshal(citations, &m.Citations); err != nil {
		return nil, err
	}
	if len(m.Citations) == 0 {
		m.Citations = nil
	}
	m.CreatedAt, m.CompletedAt = utc(m.CreatedAt), utcPtr(m.CompletedAt)
	return &m, nil
}

// Cursors are opaque to clients: platformpg.KeysetCursor of updated_at and the id.

func conversationCursor(c *ai.Conversation) string { return platformpg.KeysetCursor(c.UpdatedAt, c.ID) }
