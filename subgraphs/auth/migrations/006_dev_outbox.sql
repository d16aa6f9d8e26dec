-- Development outbox: mails the auth service "sent" when no SMTP_URL is configured
-- (APP_ENV=development), so that verification and password-reset links can be read
-- back. Never written to in production.
CREATE TABLE dev_outbox (
    id         bigserial PRIMARY KEY,
    to_address text NOT NULL,
    subject    text NOT NULL,
    body       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX dev_outbox_to_address_idx ON dev_outbox (to_address, id DESC);
