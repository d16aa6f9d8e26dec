package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"fedstack/platform/errs"
	"fedstack/subgraphs/ai"
)

const modelColumns = `id, provider, display_name, input_price_micros, output_price_micros, context_window, enabled, offline, created_at, updated_at`

func scanModel(row pgx.Row) (*ai.Model, error) {
	var m ai.Model
	var in, out int64
	if err := row.Scan(&m.ID, &m.Provider, &m.DisplayName, &in, &out, &m.ContextWindow, &m.Enabled, &m.Offline,
		&m.CreatedAt, &m.UpdatedAt); err != nil {
		return nil, err
	}
	m.InputPrice, m.OutputPrice = ai.Micros(in), ai.Micros(out)
	m.CreatedAt, m.UpdatedAt = utc(m.CreatedAt), utc(m.UpdatedAt)
	return &m, nil
}

// Models implements ai.ModelStore.
func (s *Store) Models(ctx context.Context, enabledOnly bool) ([]*ai.Model, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+modelColumns+` FROM models WHERE enabled OR NOT $1 ORDER BY id`, enabledOnly)
	if err != nil {
		return nil, errs.Wrap(err, "listing models")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*ai.Model, error) { return scanModel(r) })
	if err != nil {
		return nil, errs.Wrap(err, "listing models")
	}
	return list, nil
}

// Model implements ai.ModelStore.
func (s *Store) Model(ctx context.Context, id string) (*ai.Model, error) {
	m, err := scanModel(s.pool.QueryRow(ctx, `SELECT `+modelColumns+` FROM models WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		e := errs.E(errs.NotFound, ai.ErrModelNotFound)
		e.Field = "model"
		return nil, e
	}
	if err != nil {
		return nil, errs.Wrap(err, "reading a model")
	}
	return m, nil
}

// SaveModel implements ai.ModelStore.
func (s *Store) SaveModel(ctx context.Context, m ai.Model) (*ai.Model, error) {
	if err := ai.ValidateModel(&m); err != nil {
		return nil, err
	}
	out, err := scanModel(s.pool.QueryRow(ctx,
		`INSERT INTO models (id, provider, display_name, input_price_micros, output_price_micros, context_window, enabled, offline)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		 ON CONFLICT (id) DO UPDATE
		 SET provider = EXCLUDED.provider, display_name = EXCLUDED.display_name,
		     input_price_micros = EXCLUDED.input_price_micros, output_price_micros = EXCLUDED.output_price_micros,
		     context_window = EXCLUDED.context_window, enabled = EXCLUDED.enabled, offline = EXCLUDED.offline,
		     updated_at = now()
		 RETURNING `+modelColumns,
		m.ID, m.Provider, m.DisplayName, int64(m.InputPrice), int64(m.OutputPrice), m.ContextWindow, m.Enabled, m.Offline))
	if err != nil {
		return nil, errs.Wrap(err, "saving a model")
	}
	return out, nil
}

// AddModels implements ai.ModelStore.
func (s *Store) AddModels(ctx context.Context, ms []ai.Model) (int, error) {
	for i := range ms {
		if err := ai.ValidateModel(&ms[i]); err != nil {
			return 0, err
		}
	}
	added := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for _, m := range ms {
			tag, err := tx.Exec(ctx,
				`INSERT INTO models (id, provider, display_name, input_price_micros, output_price_micros, context_window, enabled, offline)
				 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
				m.ID, m.Provider, m.DisplayName, int64(m.InputPrice), int64(m.OutputPrice), m.ContextWindow, m.Enabled, m.Offline)
			if err != nil {
				return err
			}
			added += int(tag.RowsAffected())
		}
		return nil
	})
	if err != nil {
		return 0, errs.Wrap(err, "adding models")
	}
	return added, nil
}

// DeleteModel implements ai.ModelStore.
func (s *Store) DeleteModel(ctx context.Context, id string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM models WHERE id = $1`, id)
	if err != nil {
		return errs.Wrap(err, "deleting a model")
	}
	if tag.RowsAffected() == 0 {
		e := errs.E(errs.NotFound, ai.ErrModelNotFound)
		e.Field = "id"
		return e
	}
	return nil
}
