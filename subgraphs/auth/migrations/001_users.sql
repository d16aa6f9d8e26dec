-- Accounts. Emails are stored lower-cased and are unique regardless of case.
CREATE TABLE users (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email               text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    role                text NOT NULL DEFAULT 'USER' CHECK (role IN ('USER', 'PRO', 'ADMIN')),
    password_hash       text NOT NULL,
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    last_login_at       timestamptz
);

CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
