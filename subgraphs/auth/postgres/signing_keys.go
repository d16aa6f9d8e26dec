package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"fedstack/platform/errs"
	"fedstack/subgraphs/auth/token"
)

// signingKeyLock is the pg_advisory_xact_lock key that serializes the creation of
// signing keys by every instance ("auth:signing_keys" as a number).
const signingKeyLock = 0x617574685f6b6579

// SigningKey is a stored signing key (table signing_keys).
type SigningKey = token.StoredKey

var _ token.KeyStore = (*Store)(nil)

const signingKeyColumns = `kid, algorithm, private_key, encrypted, created_at, activates_at, retired_at`

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func signingKeys(ctx context.Context, q querier) ([]SigningKey, error) {
	rows, err := q.Query(ctx, `SELECT `+signingKeyColumns+` FROM signing_keys ORDER BY activates_at, created_at, kid`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (SigningKey, error) {
		var k SigningKey
		err := row.Scan(&k.KID, &k.Algorithm, &k.PrivateKey, &k.Encrypted, &k.CreatedAt, &k.ActivatesAt, &k.RetiredAt)
		return k, err
	})
}

// SigningKeys implements token.KeyStore: every stored key, by activation time.
func (s *Store) SigningKeys(ctx context.Context) ([]SigningKey, error) {
	keys, err := signingKeys(ctx, s.pool)
	if err != nil {
		return nil, errs.Wrap(err, "loading the signing keys")
	}
	return keys, nil
}

// RotateSigningKey implements token.KeyStore. The transaction takes an advisory
// lock first, so decide sees every key added by an instance that rotated just
// before, and concurrent instances add one key between them.
func (s *Store) RotateSigningKey(ctx context.Context, decide func([]SigningKey) (*SigningKey, error)) ([]SigningKey, error) {
	var keys []SigningKey
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(signingKeyLock)); err != nil {
			return err
		}
		var err error
		if keys, err = signingKeys(ctx, tx); err != nil {
			return err
		}
		nk, err := decide(keys)
		if err != nil || nk == nil {
			return err
		}
		if err := insertSigningKey(ctx, tx, *nk); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx,
			`UPDATE signing_keys SET retired_at = $2
			 WHERE kid <> $1 AND (retired_at IS NULL OR retired_at > $2)`,
			nk.KID, nk.ActivatesAt); err != nil {
			return err
		}
		keys, err = signingKeys(ctx, tx)
		return err
	})
	if err != nil {
		return nil, errs.Wrap(err, "rotating the signing keys")
	}
	return keys, nil
}

func insertSigningKey(ctx context.Context, tx pgx.Tx, k SigningKey) error {
	var createdAt, activatesAt *time.Time // NULL: now()
	if !k.CreatedAt.IsZero() {
		createdAt = &k.CreatedAt
	}
	if !k.ActivatesAt.IsZero() {
		activatesAt = &k.ActivatesAt
	}
	_, err := tx.Exec(ctx,
		`INSERT INTO signing_keys (kid, algorithm, private_key, encrypted, created_at, activates_at)
		 VALUES ($1, $2, $3, $4, COALESCE($5, now()), COALESCE($6, now()))`,
		k.KID, k.Algorithm, k.PrivateKey, k.Encrypted, createdAt, activatesAt)
	return err
}

// DeleteSigningKeysRetiredBy implements token.KeyStore.
func (s *Store) DeleteSigningKeysRetiredBy(ctx context.Context, t time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM signing_keys WHERE retired_at <= $1`, t)
	if err != nil {
		return 0, errs.Wrap(err, "deleting retired signing keys")
	}
	return tag.RowsAffected(), nil
}
