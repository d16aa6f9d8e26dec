-- Identity, complete: account state, sessions with device and expiry, rotating refresh
-- tokens, one-time mail tokens and the audit log.

ALTER TABLE users
    ADD COLUMN active            boolean NOT NULL DEFAULT true,
    ADD COLUMN email_verified_at timestamptz;

-- Administration lists users newest first with keyset pagination.
CREATE INDEX users_created_at_idx ON users (created_at DESC, id DESC);

ALTER TABLE sessions
    ADD COLUMN device     text NOT NULL DEFAULT '',
    ADD COLUMN expires_at timestamptz NOT NULL DEFAULT now() + interval '30 days',
    ADD COLUMN end_reason text;

-- Live sessions of a user (list, end all).
CREATE INDEX sessions_live_idx ON sessions (user_id) WHERE revoked_at IS NULL;

-- Refresh tokens: only a SHA-256 hash of each opaque value is stored. Every use
-- marks the token used and adds its child; the session keeps one chain.
CREATE TABLE refresh_tokens (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    parent_id  uuid REFERENCES refresh_tokens (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at    timestamptz
);

CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);
CREATE INDEX refresh_tokens_parent_idx ON refresh_tokens (parent_id);

-- Links mailed for email verification and password reset; hashed, single use.
CREATE TABLE mail_tokens (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text NOT NULL CHECK (purpose IN ('VERIFY_EMAIL', 'RESET_PASSWORD')),
    email      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

CREATE INDEX mail_tokens_user_idx ON mail_tokens (user_id, purpose);

-- Who did what, when, from where. Kept without foreign keys so that it outlives
-- what it describes.
CREATE TABLE audit_events (
    id         bigserial PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    action     text NOT NULL,
    actor_id   uuid,
    user_id    uuid,
    session_id uuid,
    ip         text NOT NULL DEFAULT '',
    user_agent text NOT NULL DEFAULT '',
    detail     jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_events_user_idx ON audit_events (user_id, id DESC);
CREATE INDEX audit_events_action_idx ON audit_events (action, id DESC);
