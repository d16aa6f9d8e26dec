-- Conversations and their messages.
--
-- owner_id is the auth subgraph's user id (the JWT "sub"); it lives in another database,
-- so there is no foreign key. Full-text search uses the 'english' configuration; the
-- (owner_id, search) GIN indexes need btree_gin (a trusted extension shipped with
-- PostgreSQL) so that one user's search reads only that user's index entries.
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE TABLE conversations (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id      text NOT NULL CHECK (length(owner_id) BETWEEN 1 AND 100),
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    model         text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- Time of the last message; lists are ordered by it, newest first.
    updated_at    timestamptz NOT NULL DEFAULT now(),
    -- Highest seq handed out to a message (seqs grow, gaps after a regenerate).
    last_seq      integer NOT NULL DEFAULT 0,
    message_count integer NOT NULL DEFAULT 0 CHECK (message_count >= 0),
    -- Totals of the finished assistant messages, regenerated ones included (spent).
    tokens_in     bigint NOT NULL DEFAULT 0 CHECK (tokens_in >= 0),
    tokens_out    bigint NOT NULL DEFAULT 0 CHECK (tokens_out >= 0),
    cost_micros   bigint NOT NULL DEFAULT 0 CHECK (cost_micros >= 0),
    search        tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, title)) STORED
);

CREATE INDEX conversations_owner_updated ON conversations (owner_id, updated_at DESC, id DESC);
CREATE INDEX conversations_search ON conversations USING gin (owner_id, search);

CREATE TABLE messages (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    owner_id        text NOT NULL, -- the conversation's, copied for index-only ownership checks
    seq             integer NOT NULL CHECK (seq > 0),
    role            text NOT NULL CHECK (role IN ('USER', 'ASSISTANT', 'SYSTEM')),
    content         text NOT NULL DEFAULT '',
    state           text NOT NULL CHECK (state IN ('STREAMING', 'COMPLETE', 'STOPPED', 'FAILED')),
    model           text NOT NULL DEFAULT '',
    tokens_in       integer NOT NULL DEFAULT 0 CHECK (tokens_in >= 0),
    tokens_out      integer NOT NULL DEFAULT 0 CHECK (tokens_out >= 0),
    -- Cost in micro-dollars (integer, so sums are exact).
    cost_micros     bigint NOT NULL DEFAULT 0 CHECK (cost_micros >= 0),
    error           text NOT NULL DEFAULT '',
    cached          boolean NOT NULL DEFAULT false,
    citations       jsonb NOT NULL DEFAULT '[]',
    created_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz,
    -- Set when the text is final (not a generated column: a streaming message's text
    -- grows chunk by chunk and re-indexing it on every append would cost O(n²)).
    search          tsvector,
    UNIQUE (conversation_id, seq),
    CHECK ((state = 'STREAMING') = (completed_at IS NULL)),
    CHECK (state = 'STREAMING' OR search IS NOT NULL)
);

-- At most one answer is generated at a time in a conversation.
CREATE UNIQUE INDEX messages_one_streaming ON messages (conversation_id) WHERE state = 'STREAMING';
-- Finds answers left STREAMING by a worker that died.
CREATE INDEX messages_streaming_since ON messages (created_at) WHERE state = 'STREAMING';
CREATE INDEX messages_search ON messages USING gin (owner_id, search);
