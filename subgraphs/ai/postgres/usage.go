package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"fedstack/platform/errs"
	"fedstack/subgraphs/ai"
)

// addUsage adds u to its (owner, day, model) row; now takes the day from the database's
// clock (UTC) instead of u.Day. Nothing to add is no write.
func addUsage(ctx context.Context, tx pgx.Tx, u ai.Usage, now bool) error {
	if u.Messages == 0 && u.TokensIn == 0 && u.TokensOut == 0 && u.Cost == 0 {
		return nil
	}
	var day *time.Time
	if !now {
		d := ai.Day(u.Day)
		day = &d
	}
	_, err := tx.Exec(ctx,
		`INSERT INTO usage_daily AS u (owner_id, day, model, messages, tokens_in, tokens_out, cost_micros)
		 VALUES ($1, COALESCE($2::date, (now() AT TIME ZONE 'UTC')::date), $3, $4, $5, $6, $7)
		 ON CONFLICT (owner_id, day, model) DO UPDATE
		 SET messages = u.messages + EXCLUDED.messages, tokens_in = u.tokens_in + EXCLUDED.tokens_in,
		     tokens_out = u.tokens_out + EXCLUDED.tokens_out, cost_micros = u.cost_micros + EXCLUDED.cost_micros`,
		u.OwnerID, day, u.Model, u.Messages, u.TokensIn, u.TokensOut, int64(u.Cost))
	return err
}

// AddUsage implements ai.UsageStore.
func (s *Store) AddUsage(ctx context.Context, u ai.Usage) error {
	if u.OwnerID == "" || u.Messages < 0 || u.TokensIn < 0 || u.TokensOut < 0 || u.Cost < 0 {
		return errs.E(errs.Internal, "AddUsage needs an owner and non-negative amounts")
	}
	if err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return addUsage(ctx, tx, u, false) }); err != nil {
		return errs.Wrap(err, "adding usage")
	}
	return nil
}

func scanUsage(r pgx.CollectableRow) (*ai.Usage, error) {
	var u ai.Usage
	var cost int64
	if err := r.Scan(&u.OwnerID, &u.Day, &u.Model, &u.Messages, &u.TokensIn, &u.TokensOut, &cost); err != nil {
		return nil, err
	}
	u.Cost, u.Day = ai.Micros(cost), ai.Day(u.Day)
	return &u, nil
}

// UsageOf implements ai.UsageStore.
func (s *Store) UsageOf(ctx context.Context, ownerID string, from, to time.Time) ([]*ai.Usage, error) {
	rows, err := s.pool.Query(ctx,
		`SELECT owner_id, day, model, messages, tokens_in, tokens_out, cost_micros FROM usage_daily
		 WHERE owner_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day, model`, ownerID, ai.Day(from), ai.Day(to))
	if err != nil {
		return nil, errs.Wrap(err, "reading usage")
	}
	list, err := pgx.CollectRows(rows, scanUsage)
	if err != nil {
		return nil, errs.Wrap(err, "reading usage")
	}
	return list, nil
}

// UsageTotals implements ai.UsageStore.
func (s *Store) UsageTotals(ctx context.Context, from, to time.Time) ([]*ai.Usage, error) {
	rows, err := s.pool.Query(ctx,
		`SELECT '', day, model, sum(messages)::bigint, sum(tokens_in)::bigint, sum(tokens_out)::bigint, sum(cost_micros)::bigint
		 FROM usage_daily WHERE day BETWEEN $1 AND $2 GROUP BY day, model ORDER BY day, model`, ai.Day(from), ai.Day(to))
	if err != nil {
		return nil, errs.Wrap(err, "reading usage totals")
	}
	list, err := pgx.CollectRows(rows, scanUsage)
	if err != nil {
		return nil, errs.Wrap(err, "reading usage totals")
	}
	return list, nil
}
