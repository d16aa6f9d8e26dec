// Package postgres stores the auth subgraph's users, sessions, refresh tokens, mail
// tokens, audit log and signing keys in PostgreSQL (pgx v5). Its schema is in ../migrations.
package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"fedstack/platform/errs"
	platformpg "fedstack/platform/postgres"
	"fedstack/subgraphs/auth"
)

// Store implements auth.UserStore and the signing-key storage on one pool.
type Store struct {
	pool *pgxpool.Pool
}

var _ auth.UserStore = (*Store)(nil)

// New returns a Store using pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Ping checks that the database answers (for /ready).
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

const userColumns = `id, email, name, role, created_at, password_changed_at, last_login_at, updated_at, active, email_verified_at`

// scanUser reads userColumns (optionally followed by extra destinations).
func scanUser(row pgx.Row, extra ...any) (*auth.User, error) {
	var (
		u    auth.User
		id   pgtype.UUID
		role string
	)
	dest := append([]any{&id, &u.Email, &u.Name, &role, &u.CreatedAt, &u.PasswordChangedAt, &u.LastLoginAt,
		&u.UpdatedAt, &u.Active, &u.EmailVerifiedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	u.ID = formatUUID(id.Bytes)
	u.Role = auth.Role(role)
	u.CreatedAt = u.CreatedAt.UTC()
	u.PasswordChangedAt = u.PasswordChangedAt.UTC()
	u.UpdatedAt = u.UpdatedAt.UTC()
	u.LastLoginAt = utcPtr(u.LastLoginAt)
	u.EmailVerifiedAt = utcPtr(u.EmailVerifiedAt)
	return &u, nil
}

// CreateUserWithSession implements auth.UserStore.
func (s *Store) CreateUserWithSession(ctx context.Context, nu auth.NewUser, ns auth.NewSession) (*auth.User, *auth.Session, error) {
	var (
		user    *auth.User
		session *auth.Session
	)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		user, err = scanUser(tx.QueryRow(ctx,
			`INSERT INTO users (email, name, role, password_hash)
			 VALUES ($1, $2, $3, $4)
			 RETURNING `+userColumns,
			nu.Email, nu.Name, string(nu.Role), nu.PasswordHash))
		if err != nil {
			return err
		}
		session, err = createSession(ctx, tx, user.ID, ns)
		return err
	})
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "users_email_lower_key" {
			e := errs.E(errs.Conflict, auth.ErrEmailTaken)
			e.Field = "email"
			return nil, nil, e
		}
		return nil, nil, errs.Wrap(err, "creating user")
	}
	return user, session, nil
}

// createSession inserts a session and its first refresh token.
func createSession(ctx context.Context, tx pgx.Tx, userID string, ns auth.NewSession) (*auth.Session, error) {
	uid, ok := parseUUID(userID)
	if !ok {
		return nil, pgx.ErrNoRows
	}
	sess, err := scanSession(tx.QueryRow(ctx,
		`INSERT INTO sessions (user_id, user_agent, ip, device, expires_at)
		 VALUES ($1, $2, $3, $4, $5)
		 RETURNING `+sessionColumns,
		uid, ns.Client.UserAgent, ns.Client.IP, ns.Device, ns.ExpiresAt))
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx,
		`INSERT INTO refresh_tokens (session_id, token_hash) VALUES ($1, $2)`,
		sess.ID, ns.RefreshHash); err != nil {
		return nil, err
	}
	return sess, nil
}

// CredentialsByEmail implements auth.UserStore.
func (s *Store) CredentialsByEmail(ctx context.Context, email string) (*auth.User, string, error) {
	var hash string
	u, err := scanUser(s.pool.QueryRow(ctx,
		`SELECT `+userColumns+`, password_hash FROM users WHERE lower(email) = lower($1)`, email), &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, "", errs.E(errs.NotFound, "user not found")
	}
	if err != nil {
		return nil, "", errs.Wrap(err, "reading user by email")
	}
	return u, hash, nil
}

// RecordLogin implements auth.UserStore.
func (s *Store) RecordLogin(ctx context.Context, userID string, ns auth.NewSession) (*auth.User, *auth.Session, error) {
	uid, ok := parseUUID(userID)
	if !ok {
		return nil, nil, errs.E(errs.NotFound, "user not found")
	}
	var (
		user    *auth.User
		session *auth.Session
	)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		user, err = scanUser(tx.QueryRow(ctx,
			`UPDATE users SET last_login_at = now() WHERE id = $1 RETURNING `+userColumns, uid))
		if err != nil {
			return err
		}
		session, err = createSession(ctx, tx, user.ID, ns)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, errs.E(errs.NotFound, "user not found")
	}
	if err != nil {
		return nil, nil, errs.Wrap(err, "recording login")
	}
	return user, session, nil
}

// UserByID implements auth.UserStore.
func (s *Store) UserByID(ctx context.Context, id string) (*auth.User, error) {
	uid, ok := parseUUID(id)
	if !ok {
		return nil, errs.E(errs.NotFound, "user not found")
	}
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, uid))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "user not found")
	}
	if err != nil {
		return nil, errs.Wrap(err, "reading user")
	}
	return u, nil
}

// UsersByIDs implements auth.UserStore with one query for all ids. The result
// has one entry per id, in order, nil where no user has that id.
func (s *Store) UsersByIDs(ctx context.Context, ids []string) ([]*auth.User, error) {
	out := make([]*auth.User, len(ids))
	uids := make([]pgtype.UUID, 0, len(ids))
	for _, id := range ids {
		if uid, ok := parseUUID(id); ok {
			uids = append(uids, uid)
		}
	}
	if len(uids) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users WHERE id = ANY($1)`, uids)
	if err != nil {
		return nil, errs.Wrap(err, "reading users")
	}
	defer rows.Close()
	byID := make(map[string]*auth.User, len(uids))
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, errs.Wrap(err, "reading users")
		}
		byID[u.ID] = u
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "reading users")
	}
	for i, id := range ids {
		if uid, ok := parseUUID(id); ok {
			out[i] = byID[formatUUID(uid.Bytes)]
		}
	}
	return out, nil
}

// Ids and cursors share their form with the other stores (platform/postgres).
var (
	parseUUID  = platformpg.ParseUUID
	formatUUID = platformpg.FormatUUID
)

// EndSessions implements auth.UserStore.
func (s *Store) EndSessions(ctx context.Context, userID, sessionID string, only bool, reason string) ([]string, error) {
	uid, ok := parseUUID(userID)
	if !ok {
		return nil, nil
	}
	var (
		rows pgx.Rows
		err  error
	)
	sid, sidOK := parseUUID(sessionID)
	switch {
	case only && !sidOK:
		return nil, nil
	case only:
		rows, err = s.pool.Query(ctx, `UPDATE sessions SET revoked_at = now(), end_reason = $3
			WHERE user_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING id`, uid, sid, reason)
	case sidOK:
		rows, err = s.pool.Query(ctx, `UPDATE sessions SET revoked_at = now(), end_reason = $3
			WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL RETURNING id`, uid, sid, reason)
	default:
		rows, err = s.pool.Query(ctx, `UPDATE sessions SET revoked_at = now(), end_reason = $2
			WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`, uid, reason)
	}
	if err != nil {
		return nil, errs.Wrap(err, "ending sessions")
	}
	ids, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var id [16]byte
		if err := r.Scan(&id); err != nil {
			return "", err
		}
		return formatUUID(id), nil
	})
	if err != nil {
		return nil, errs.Wrap(err, "ending sessions")
	}
	return ids, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
