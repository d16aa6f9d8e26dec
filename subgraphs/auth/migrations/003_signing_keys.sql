-- Development signing keys (used only when JWT_PRIVATE_KEY is not set), kept so
-- that restarts keep issued tokens valid. private_key is PKCS#8 DER.
CREATE TABLE signing_keys (
    kid         text PRIMARY KEY,
    algorithm   text NOT NULL CHECK (algorithm IN ('EdDSA')),
    private_key bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    retired_at  timestamptz
);
