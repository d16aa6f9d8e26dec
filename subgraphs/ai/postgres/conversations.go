package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"fedstack/platform/errs"
	platformpg "fedstack/platform/postgres"
	"fedstack/subgraphs/ai"
)

// insertMessage stores a message at seq. A finished one gets its search vector now.
func insertMessage(ctx context.Context, tx pgx.Tx, convID pgtype.UUID, ownerID string, seq int, role ai.Role,
	content string, state ai.State, model string) (*ai.Message, error) {
	return scanMessage(tx.QueryRow(ctx,
		`INSERT INTO messages (conversation_id, owner_id, seq, role, content, state, model, completed_at, search)
		 VALUES ($1, $2, $3, $4, $5, $6, $7,
		         CASE WHEN $6 = 'STREAMING' THEN NULL ELSE now() END,
		         CASE WHEN $6 = 'STREAMING' THEN NULL ELSE to_tsvector('english', $5) END)
		 RETURNING `+messageColumns,
		convID, ownerID, seq, string(role), content, string(state), model))
}

// StartExchange implements ai.ConversationStore. It is one statement (data-modifying
// CTEs), so one round trip and atomic: the conversation row (inserted, or updated under its
// row lock, which queues the exchanges of one conversation), the system message of a new
// conversation, the user message and the STREAMING answer.
func (s *Store) StartExchange(ctx context.Context, in ai.NewExchange) (*ai.Exchange, error) {
	if err := ai.ValidateContent(in.Content); err != nil {
		return nil, err
	}
	if in.OwnerID == "" || in.Model == "" {
		return nil, errs.E(errs.Internal, "StartExchange needs an owner and a model")
	}
	var conv, args string
	var params []any
	if in.ConversationID == "" {
		title, err := ai.NormalizeTitle(in.Title)
		if err != nil {
			return nil, err
		}
		n := 2
		if in.System != "" {
			n = 3
		}
		conv = `INSERT INTO conversations (owner_id, title, model, last_seq, message_count)
		        VALUES ($1, $4, $2, $5, $5) RETURNING *`
		params = []any{in.OwnerID, in.Model, in.Content, title, n, in.System}
		args = `, sys AS (
		  INSERT INTO messages (conversation_id, owner_id, seq, role, content, state, model, completed_at, search)
		  SELECT id, owner_id, 1, 'SYSTEM', $6, 'COMPLETE', '', now(), to_tsvector('english', $6)
		  FROM conv WHERE $6 <> '')`
	} else {
		convID, ok := parseUUID(in.ConversationID)
		if !ok {
			return nil, notFound(ai.ErrConversationNotFound)
		}
		conv = `UPDATE conversations
		        SET last_seq = last_seq + 2, message_count = message_count + 2, model = $2, updated_at = now()
		        WHERE id = $4 AND owner_id = $1 RETURNING *`
		params = []any{in.OwnerID, in.Model, in.Content, convID}
	}
	rows, err := s.pool.Query(ctx, `WITH conv AS (`+conv+`)`+args+`,
		u AS (
		  INSERT INTO messages (conversation_id, owner_id, seq, role, content, state, model, completed_at, search)
		  SELECT id, owner_id, last_seq - 1, 'USER', $3, 'COMPLETE', '', now(), to_tsvector('english', $3) FROM conv
		  RETURNING `+messageColumns+`),
		a AS (
		  INSERT INTO messages (conversation_id, owner_id, seq, role, content, state, model)
		  SELECT id, owner_id, last_seq, 'ASSISTANT', '', 'STREAMING', $2 FROM conv
		  RETURNING `+messageColumns+`)
		SELECT m.*, `+prefixed("conv.", conversationColumns)+`
		FROM (SELECT * FROM u UNION ALL SELECT * FROM a) m CROSS JOIN conv
		ORDER BY m.seq`, params...)
	if err != nil {
		return nil, storeErr(err, "starting an exchange")
	}
	var out ai.Exchange
	var msgs []*ai.Message
	for rows.Next() {
		var c ai.Conversation
		var cost int64
		m, err := scanMessage(rows, conversationDest(&c, &cost)...)
		if err != nil {
			rows.Close()
			return nil, storeErr(err, "starting an exchange")
		}
		finishConversation(&c, cost)
		out.Conversation = &c
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr(err, "starting an exchange")
	}
	if len(msgs) != 2 {
		return nil, notFound(ai.ErrConversationNotFound)
	}
	out.User, out.Assistant = msgs[0], msgs[1]
	return &out, nil
}

// storeErr keeps coded errors and turns the rest into INTERNAL ones (a second streaming
// answer in one conversation is a CONFLICT).
func storeErr(err error, doing string) error {
	var e *errs.Error
	if errors.As(err, &e) {
		return e
	}
	if isUnique(err, oneStreamingIndex) {
		return errs.E(errs.Conflict, ai.ErrStillStreaming)
	}
	return errs.Wrap(err, "%s", doing)
}

// Regenerate implements ai.ConversationStore.
func (s *Store) Regenerate(ctx context.Context, ownerID, conversationID, model string, content *string) (*ai.Exchange, error) {
	if content != nil {
		if err := ai.ValidateContent(*content); err != nil {
			return nil, err
		}
	}
	convID, ok := parseUUID(conversationID)
	if !ok {
		return nil, notFound(ai.ErrConversationNotFound)
	}
	var out ai.Exchange
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var locked int
		err := tx.QueryRow(ctx, `SELECT 1 FROM conversations WHERE id = $1 AND owner_id = $2 FOR UPDATE`, convID, ownerID).Scan(&locked)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound(ai.ErrConversationNotFound)
		}
		if err != nil {
			return err
		}
		var streaming bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM messages WHERE conversation_id = $1 AND state = 'STREAMING')`,
			convID).Scan(&streaming); err != nil {
			return err
		}
		if streaming {
			return errs.E(errs.Conflict, ai.ErrStillStreaming)
		}
		var userID pgtype.UUID
		var userSeq int
		err = tx.QueryRow(ctx, `SELECT id, seq FROM messages WHERE conversation_id = $1 AND role = 'USER' ORDER BY seq DESC LIMIT 1`,
			convID).Scan(&userID, &userSeq)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.E(errs.Invalid, ai.ErrNothingToRegenerate)
		}
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM messages WHERE conversation_id = $1 AND seq > $2`, convID, userSeq)
		if err != nil {
			return err
		}
		if content != nil {
			out.User, err = scanMessage(tx.QueryRow(ctx,
				`UPDATE messages SET content = $2, search = to_tsvector('english', $2) WHERE id = $1 RETURNING `+messageColumns,
				userID, *content))
		} else {
			out.User, err = scanMessage(tx.QueryRow(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = $1`, userID))
		}
		if err != nil {
			return err
		}
		var last int
		out.Conversation, err = scanConversation(tx.QueryRow(ctx,
			`UPDATE conversations
			 SET last_seq = last_seq + 1, message_count = message_count - $2 + 1, model = $3, updated_at = now()
			 WHERE id = $1
			 RETURNING `+conversationColumns+`, last_seq`, convID, tag.RowsAffected(), model), &last)
		if err != nil {
			return err
		}
		out.Assistant, err = insertMessage(ctx, tx, convID, ownerID, last, ai.RoleAssistant, "", ai.StateStreaming, model)
		return err
	})
	if err != nil {
		return nil, storeErr(err, "regenerating an answer")
	}
	return &out, nil
}

// AppendContent implements ai.ConversationStore.
func (s *Store) AppendContent(ctx context.Context, messageID, text string) (int, error) {
	id, ok := parseUUID(messageID)
	if !ok {
		return 0, notFound(ai.ErrMessageNotFound)
	}
	if !utf8.ValidString(text) || strings.ContainsRune(text, 0) {
		return 0, errs.E(errs.Internal, "the model sent text that is not UTF-8 or contains NUL")
	}
	var n int
	err := s.pool.QueryRow(ctx,
		`UPDATE messages SET content = content || $2 WHERE id = $1 AND state = 'STREAMING' RETURNING octet_length(content)`,
		id, text).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, s.notStreaming(ctx, id)
	}
	if err != nil {
		return 0, errs.Wrap(err, "appending to a message")
	}
	return n, nil
}

// notStreaming tells a message that no longer streams (CONFLICT) from one that is gone.
func (s *Store) notStreaming(ctx context.Context, id pgtype.UUID) error {
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM messages WHERE id = $1)`, id).Scan(&exists); err != nil {
		return errs.Wrap(err, "reading a message")
	}
	if exists {
		return errs.E(errs.Conflict, ai.ErrNotStreaming)
	}
	return notFound(ai.ErrMessageNotFound)
}

// FinishMessage implements ai.ConversationStore.
func (s *Store) FinishMessage(ctx context.Context, f ai.Finish) (*ai.Message, error) {
	if !f.State.Final() {
		return nil, errs.E(errs.Internal, "FinishMessage: %q is not a final state", f.State)
	}
	if f.TokensIn < 0 || f.TokensOut < 0 || f.Cost < 0 {
		return nil, errs.E(errs.Internal, "FinishMessage: negative tokens or cost")
	}
	if f.Content != nil && (!utf8.ValidString(*f.Content) || strings.ContainsRune(*f.Content, 0)) {
		return nil, errs.E(errs.Internal, "the model sent text that is not UTF-8 or contains NUL")
	}
	id, ok := parseUUID(f.MessageID)
	if !ok {
		return nil, notFound(ai.ErrMessageNotFound)
	}
	citations := f.Citations
	if citations == nil {
		citations = []ai.Citation{}
	}
	cj, err := json.Marshal(citations)
	if err != nil {
		return nil, errs.Wrap(err, "encoding citations")
	}
	var msg *ai.Message
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		msg, err = scanMessage(tx.QueryRow(ctx,
			`UPDATE messages
			 SET state = $2, content = COALESCE($3, content), tokens_in = $4, tokens_out = $5, cost_micros = $6,
			     error = $7, cached = $8, citations = $9::jsonb, completed_at = now(),
			     search = to_tsvector('english', COALESCE($3, content))
			 WHERE id = $1 AND state = 'STREAMING'
			 RETURNING `+messageColumns,
			id, string(f.State), f.Content, f.TokensIn, f.TokensOut, int64(f.Cost), f.Error, f.Cached, string(cj)))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx,
			`UPDATE conversations
			 SET tokens_in = tokens_in + $2, tokens_out = tokens_out + $3, cost_micros = cost_micros + $4, updated_at = now()
			 WHERE id = $1`,
			msg.ConversationID, f.TokensIn, f.TokensOut, int64(f.Cost)); err != nil {
			return err
		}
		u := ai.Usage{OwnerID: msg.OwnerID, Model: msg.Model, TokensIn: int64(f.TokensIn), TokensOut: int64(f.TokensOut), Cost: f.Cost}
		if f.State != ai.StateFailed {
			u.Messages = 1
		}
		return addUsage(ctx, tx, u, true)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, s.notStreaming(ctx, id)
	}
	if err != nil {
		return nil, storeErr(err, "finishing a message")
	}
	return msg, nil
}

// FailStale implements ai.ConversationStore.
func (s *Store) FailStale(ctx context.Context, olderThan time.Time, reason string) (int, error) {
	tag, err := s.pool.Exec(ctx,
		`UPDATE messages SET state = 'FAILED', error = $2, completed_at = now(), search = to_tsvector('english', content)
		 WHERE state = 'STREAMING' AND created_at < $1`, olderThan, reason)
	if err != nil {
		return 0, errs.Wrap(err, "failing stale messages")
	}
	return int(tag.RowsAffected()), nil
}

// Conversation implements ai.ConversationStore.
func (s *Store) Conversation(ctx context.Context, ownerID, id string) (*ai.Conversation, error) {
	cid, ok := parseUUID(id)
	if !ok {
		return nil, notFound(ai.ErrConversationNotFound)
	}
	c, err := scanConversation(s.pool.QueryRow(ctx,
		`SELECT `+conversationColumns+` FROM conversations WHERE id = $1 AND owner_id = $2`, cid, ownerID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(ai.ErrConversationNotFound)
	}
	if err != nil {
		return nil, errs.Wrap(err, "reading a conversation")
	}
	return c, nil
}

// Conversations implements ai.ConversationStore.
func (s *Store) Conversations(ctx context.Context, ownerID string, page ai.Page) (*ai.ConversationPage, error) {
	page = ai.ClampPage(page)
	q := `SELECT ` + conversationColumns + ` FROM conversations WHERE owner_id = $1`
	args := []any{ownerID, page.First + 1}
	if page.After != "" {
		at, id, err := platformpg.ParseKeysetCursor(page.After)
		if err != nil {
			return nil, err
		}
		q += ` AND (updated_at, id) < ($3, $4)`
		args = append(args, at, id)
	}
	q += ` ORDER BY updated_at DESC, id DESC LIMIT $2`
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrap(err, "listing conversations")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*ai.Conversation, error) { return scanConversation(r) })
	if err != nil {
		return nil, errs.Wrap(err, "listing conversations")
	}
	out := &ai.ConversationPage{Conversations: list}
	if len(list) > page.First {
		out.Conversations, out.HasNextPage = list[:page.First], true
	}
	if n := len(out.Conversations); n > 0 {
		out.EndCursor = conversationCursor(out.Conversations[n-1])
	}
	return out, nil
}

// Messages implements ai.ConversationStore.
func (s *Store) Messages(ctx context.Context, ownerID, conversationID string, q ai.MessageQuery) ([]*ai.Message, error) {
	if _, err := s.Conversation(ctx, ownerID, conversationID); err != nil {
		return nil, err
	}
	cid, _ := parseUUID(conversationID)
	var limit *int
	if q.Last > 0 {
		limit = &q.Last
	}
	rows, err := s.pool.Query(ctx,
		`SELECT `+messageColumns+` FROM messages
		 WHERE conversation_id = $1 AND owner_id = $2 AND ($3 = 0 OR seq < $3)
		 ORDER BY seq DESC LIMIT $4`, cid, ownerID, q.Before, limit)
	if err != nil {
		return nil, errs.Wrap(err, "reading messages")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*ai.Message, error) { return scanMessage(r) })
	if err != nil {
		return nil, errs.Wrap(err, "reading messages")
	}
	slices.Reverse(list)
	return list, nil
}

// Message implements ai.ConversationStore.
func (s *Store) Message(ctx context.Context, ownerID, messageID string) (*ai.Message, error) {
	id, ok := parseUUID(messageID)
	if !ok {
		return nil, notFound(ai.ErrMessageNotFound)
	}
	m, err := scanMessage(s.pool.QueryRow(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = $1 AND owner_id = $2`, id, ownerID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(ai.ErrMessageNotFound)
	}
	if err != nil {
		return nil, errs.Wrap(err, "reading a message")
	}
	return m, nil
}

// Search implements ai.ConversationStore. Each conversation appears once, at its best
// match: ts_rank of its title (doubled) or of one of its finished messages.
func (s *Store) Search(ctx context.Context, ownerID, query string, limit int) ([]*ai.SearchHit, error) {
	query = strings.TrimSpace(query)
	if query == "" || utf8.RuneCountInString(query) > ai.MaxSearchChars || strings.ContainsRune(query, 0) {
		e := errs.E(errs.Invalid, "the search must have 1 to %d characters", ai.MaxSearchChars)
		e.Field = "query"
		return nil, e
	}
	if limit <= 0 || limit > ai.MaxPageSize {
		limit = ai.DefaultPageSize
	}
	rows, err := s.pool.Query(ctx,
		`WITH q AS (SELECT websearch_to_tsquery('english', $2) AS q),
		 hits AS (
		     SELECT c.id AS conversation_id, NULL::uuid AS message_id, 2 * ts_rank(c.search, q.q) AS rank
		     FROM conversations c, q WHERE c.owner_id = $1 AND c.search @@ q.q
		     UNION ALL
		     SELECT m.conversation_id, m.id, ts_rank(m.search, q.q)
		     FROM messages m, q WHERE m.owner_id = $1 AND m.search @@ q.q
		 ),
		 best AS (
		     SELECT DISTINCT ON (conversation_id) conversation_id, message_id, rank
		     FROM hits ORDER BY conversation_id, rank DESC
		 ),
		 top AS (
		     SELECT b.* FROM best b JOIN conversations c ON c.id = b.conversation_id
		     ORDER BY b.rank DESC, c.updated_at DESC, c.id DESC LIMIT $3
		 )
		 SELECT `+prefixed("c.", conversationColumns)+`, COALESCE(t.message_id::text, ''),
		        ts_headline('english', COALESCE(m.content, c.title), q.q,
		                    'StartSel=«, StopSel=», MaxWords=24, MinWords=8, MaxFragments=2'),
		        t.rank
		 FROM top t JOIN conversations c ON c.id = t.conversation_id
		      LEFT JOIN messages m ON m.id = t.message_id, q
		 ORDER BY t.rank DESC, c.updated_at DESC, c.id DESC`, ownerID, query, limit)
	if err != nil {
		return nil, errs.Wrap(err, "searching conversations")
	}
	hits, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*ai.SearchHit, error) {
		var h ai.SearchHit
		var rank float32
		c, err := scanConversation(r, &h.MessageID, &h.Snippet, &rank)
		h.Conversation, h.Rank = c, float64(rank)
		return &h, err
	})
	if err != nil {
		return nil, errs.Wrap(err, "searching conversations")
	}
	return hits, nil
}

// prefixed qualifies each column of a column list with p.
func prefixed(p, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// Rename implements ai.ConversationStore.
func (s *Store) Rename(ctx context.Context, ownerID, id, title string) (*ai.Conversation, error) {
	t, err := ai.NormalizeTitle(title)
	if err != nil {
		return nil, err
	}
	cid, ok := parseUUID(id)
	if !ok {
		return nil, notFound(ai.ErrConversationNotFound)
	}
	c, err := scanConversation(s.pool.QueryRow(ctx,
		`UPDATE conversations SET title = $3 WHERE id = $1 AND owner_id = $2 RETURNING `+conversationColumns, cid, ownerID, t))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(ai.ErrConversationNotFound)
	}
	if err != nil {
		return nil, errs.Wrap(err, "renaming a conversation")
	}
	return c, nil
}

// DeleteConversation implements ai.ConversationStore.
func (s *Store) DeleteConversation(ctx context.Context, ownerID, id string) error {
	cid, ok := parseUUID(id)
	if !ok {
		return notFound(ai.ErrConversationNotFound)
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM conversations WHERE id = $1 AND owner_id = $2`, cid, ownerID)
	if err != nil {
		return errs.Wrap(err, "deleting a conversation")
	}
	if tag.RowsAffected() == 0 {
		return notFound(ai.ErrConversationNotFound)
	}
	return nil
}
