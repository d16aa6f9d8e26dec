package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"fedstack/platform/errs"
)

// signingKeyLock is the pg_advisory_xact_lock key that serializes the creation of
// the development signing key ("auth:signing_keys" as a number).
const signingKeyLock = 0x617574685f6b6579

// SigningKey is a stored private key.
type SigningKey struct {
	KID        string
	Algorithm  string
	PrivateKey []byte // PKCS#8 DER
}

// DevSigningKey returns the newest signing key that is not retired. When there is
// none it calls generate and stores the result. Instances starting together
// take a transaction-level advisory lock, so they all end up with the same key.
func (s *Store) DevSigningKey(ctx context.Context, generate func() (SigningKey, error)) (SigningKey, error) {
	var key SigningKey
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(signingKeyLock)); err != nil {
			return err
		}
		err := tx.QueryRow(ctx,
			`SELECT kid, algorithm, private_key FROM signing_keys
			 WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1`).
			Scan(&key.KID, &key.Algorithm, &key.PrivateKey)
		if err == nil {
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if key, err = generate(); err != nil {
			return err
		}
		_, err = tx.Exec(ctx,
			`INSERT INTO signing_keys (kid, algorithm, private_key) VALUES ($1, $2, $3)`,
			key.KID, key.Algorithm, key.PrivateKey)
		return err
	})
	if err != nil {
		return SigningKey{}, errs.Wrap(err, "loading the development signing key")
	}
	return key, nil
}
