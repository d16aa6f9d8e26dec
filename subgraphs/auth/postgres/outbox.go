package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"fedstack/platform/errs"
	"fedstack/subgraphs/auth/mail"
)

// MaxOutboxList is the most mails ListMail returns.
const MaxOutboxList = 100

var _ mail.OutboxStore = (*Store)(nil)

// OutboxMail is one mail of the development outbox.
type OutboxMail struct {
	ID        int64
	To        string
	Subject   string
	Body      string
	CreatedAt time.Time // UTC
}

// SaveMail stores m in the development outbox (implements mail.OutboxStore).
func (s *Store) SaveMail(ctx context.Context, m mail.Message) error {
	_, err := s.pool.Exec(ctx,
		`INSERT INTO dev_outbox (to_address, subject, body) VALUES ($1, $2, $3)`,
		m.To, m.Subject, m.Text)
	if err != nil {
		return errs.Wrap(err, "saving a mail to %s in the development outbox", m.To)
	}
	return nil
}

// ListMail returns the development outbox's mails to the address to (compared exactly, as
// stored), or to everyone when to is "", newest first. limit is capped at MaxOutboxList; a
// limit of 0 or less means MaxOutboxList.
func (s *Store) ListMail(ctx context.Context, to string, limit int) ([]OutboxMail, error) {
	if limit <= 0 || limit > MaxOutboxList {
		limit = MaxOutboxList
	}
	var (
		rows pgx.Rows
		err  error
	)
	const columns = `SELECT id, to_address, subject, body, created_at FROM dev_outbox`
	if to == "" {
		rows, err = s.pool.Query(ctx, columns+` ORDER BY id DESC LIMIT $1`, limit)
	} else {
		rows, err = s.pool.Query(ctx, columns+` WHERE to_address = $1 ORDER BY id DESC LIMIT $2`, to, limit)
	}
	if err != nil {
		return nil, errs.Wrap(err, "listing the development outbox")
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (OutboxMail, error) {
		var m OutboxMail
		err := row.Scan(&m.ID, &m.To, &m.Subject, &m.Body, &m.CreatedAt)
		m.CreatedAt = m.CreatedAt.UTC()
		return m, err
	})
	if err != nil {
		return nil, errs.Wrap(err, "listing the development outbox")
	}
	return list, nil
}
