-- Rotating signing keys (token.Keyring). A key is published from created_at,
-- signs from activates_at until retired_at (the activation of its successor),
-- and stays published until every token it signed has expired; then the row is
-- deleted. encrypted: private_key is sealed with AES-256-GCM under
-- JWT_KEY_ENCRYPTION_KEY (nonce || ciphertext, the kid as additional data);
-- otherwise it is PKCS#8 DER in plaintext (development keys).
ALTER TABLE signing_keys
    ADD COLUMN activates_at timestamptz,
    ADD COLUMN encrypted    boolean NOT NULL DEFAULT false;

UPDATE signing_keys SET activates_at = created_at;

ALTER TABLE signing_keys
    ALTER COLUMN activates_at SET NOT NULL,
    ALTER COLUMN activates_at SET DEFAULT now();
